"""Claims checked by the parallel suite: pmap against today's path, and the seed's claim 6.

Records follow :mod:`jaxguide.bench.suites.parallel`: ``agreement`` (one variant per example),
``placement``, ``one-device`` (variants ``pmap``, ``jit_vmap``; params ``devices``, ``size``)
and ``dispatch`` (variants ``pmap``, ``jit_shard_map``, ``jit_sharded``).
"""

from __future__ import annotations

from jaxguide.claims._core import Evidence, MeasuredClaim, NotApplicable, Pair, StrictClaim, largest
from jaxguide.claims._predicates import counted
from jaxguide.claims._sources import SEED_COURSE, SEED_QA
from jaxguide.results import NotMeasured, Record, Results, Threshold, benchmark_variants

__all__ = ["CLAIMS", "EXAMPLES"]

EXAMPLES = ("psum", "pmean", "pmax", "all_gather", "ppermute", "train_step", "vmap")
"""The examples of :mod:`jaxguide.examples.parallel` whose three forms are compared."""
SAME_TOLERANCE = 1e-6
"""Largest absolute difference accepted as "the same result" (float32 values of order 1)."""
ONE_DEVICE_TOLERANCE = 1e-5
"""For a training step against one device: a sum split over devices rounds differently."""


def forms_agree(results: Results) -> Evidence:
    """Every example's shard_map and jit-with-shardings forms give pmap's result."""
    records = [results.record("agreement", name) for name in EXAMPLES]
    diffs = {
        f"{r.variant}.{key}": float(r.values[key])
        for r in records
        for key in ("shard_map_vs_pmap", "sharded_vs_pmap")
    }
    worst = largest(diffs.values())
    return Evidence(
        holds=worst <= SAME_TOLERANCE,
        figure=f"largest difference {worst:g} over {len(records)} examples in three forms",
        values=diffs,
    )


def step_matches_one_device(results: Results) -> Evidence:
    """The data-parallel training step, in every form, equals the step on one device."""
    record = results.record("agreement", "train_step")
    diffs = {k: float(v) for k, v in record.values.items() if k.endswith("_vs_one_device")}
    if not diffs:
        raise NotMeasured("train_step record without one-device differences")
    worst = largest(diffs.values())
    return Evidence(
        holds=worst <= ONE_DEVICE_TOLERANCE,
        figure=f"largest difference from one device {worst:g} (tolerance {ONE_DEVICE_TOLERANCE:g})",
        values=diffs,
    )


def _one_device(results: Results, variant: str) -> dict[int, Record]:
    out = {
        int(r.params["size"]): r
        for r in results.select("one-device", variant)
        if r.status == "ok" and r.params.get("devices") == 1 and r.timing is not None
    }
    if not out:
        raise NotMeasured(f"no one-device {variant!r} records")
    return out


def pmap_one_device_like_vmap(results: Results) -> Evidence:
    """Seed claim 6, first half: on one device, pmap gives vmap's results."""
    records = _one_device(results, "pmap")
    diffs = {n: float(r.values["max_abs_diff_vs_vmap"]) for n, r in records.items()}
    worst = largest(diffs.values())
    sizes = ", ".join(f"{n:,}" for n in sorted(diffs))
    return Evidence(
        holds=worst <= SAME_TOLERANCE,
        figure=f"largest difference from vmap {worst:g} (rows of {sizes} elements)",
        values={f"diff@{n}": d for n, d in diffs.items()},
    )


def pmap_one_device_pairs(results: Results) -> dict[str, Pair]:
    """Seed claim 6, second half: pmap on one device against jit(vmap), at every size."""
    pmap, vmap = _one_device(results, "pmap"), _one_device(results, "jit_vmap")
    return {
        f"at {n:,} elements": (pmap[n].timing.samples_s, vmap[n].timing.samples_s)  # type: ignore[union-attr]
        for n in sorted(pmap.keys() & vmap.keys())
    }


def vmap_one_device_pmap_many(results: Results) -> Evidence:
    """Seed Q&A: vmap's output lives on one device; pmap's is spread, one row per device."""
    record = results.record("placement", "both")
    vmap_devices = int(record.values["vmap_devices"])
    pmap_devices = int(record.values["pmap_devices"])
    rows = int(record.values["rows"])
    counted(
        {"rows": rows, "vmap's devices": vmap_devices, "pmap's devices": pmap_devices}, "placement"
    )
    if rows < 2:
        raise NotApplicable("one device only: nothing to spread over")
    return Evidence(
        holds=vmap_devices == 1
        and pmap_devices == rows
        and float(record.values["max_abs_diff"]) == 0.0,
        figure=f"{rows} rows: vmap's output on {vmap_devices} device, pmap's on {pmap_devices}",
        values=record.values,
    )


CLAIMS = (
    StrictClaim(
        id="parallel-forms-agree",
        statement="Each pmap example gives the same result as its jax.shard_map form and its "
        "jit-with-shardings form.",
        suite="parallel",
        reads=frozenset(("agreement", name) for name in EXAMPLES),
        predicate=forms_agree,
    ),
    StrictClaim(
        id="data-parallel-step-matches-one-device",
        statement="A data-parallel training step (per-device gradients, averaged, parameters "
        "replicated) gives the parameters of the same step on one device.",
        suite="parallel",
        reads=benchmark_variants("agreement/train_step"),
        predicate=step_matches_one_device,
    ),
    StrictClaim(
        id="pmap-one-device-like-vmap",
        statement="On a single device, pmap still works, mimicking vmap.",
        suite="parallel",
        reads=benchmark_variants("one-device/pmap"),
        predicate=pmap_one_device_like_vmap,
        source=SEED_COURSE,
    ),
    MeasuredClaim(
        id="pmap-one-device-slower",
        statement="On a single device, pmap is less efficient than vmap.",
        suite="parallel",
        reads=benchmark_variants("one-device/pmap", "one-device/jit_vmap"),
        predicate=pmap_one_device_pairs,
        threshold=Threshold(at_least=1.1),
        source=SEED_COURSE,
    ),
    StrictClaim(
        id="vmap-one-device-pmap-spreads",
        statement="vmap vectorizes on one device, while pmap spreads the computation over devices.",
        suite="parallel",
        reads=benchmark_variants("placement/both"),
        predicate=vmap_one_device_pmap_many,
        source=SEED_QA,
    ),
    MeasuredClaim(
        id="pmap-dispatch-costs-more",
        statement="Calling jax.pmap costs more per call than calling jit(shard_map) directly.",
        suite="parallel",
        reads=benchmark_variants("dispatch/pmap", "dispatch/jit_shard_map"),
        predicate=lambda r: {
            "per call": (
                r.timing("dispatch", "pmap").samples_s,
                r.timing("dispatch", "jit_shard_map").samples_s,
            )
        },
        threshold=Threshold(at_least=1.1),
    ),
)
