"""Claims checked by the parallel suite: pmap against today's path, and claim 6 of the vmap
course page.

Records follow :mod:`jaxguide.bench.suites.parallel`: ``agreement`` (one variant per example,
param ``rows_per_device``), ``placement``, ``one-device`` (variants ``pmap``, ``jit_vmap``;
params ``devices``, ``size``), ``one-device-batch`` (variant ``check``) and ``dispatch``
(variants ``pmap``, ``jit_shard_map``, ``jit_sharded``).
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
    """Every example's three forms agree with each other and with one device, at every block size.

    Each example is read at every block size the suite measured, which must include one row
    per device and several: a record missing at any size, or no size above one, means the
    sentence was not checked.
    """
    sizes = sorted(
        {int(n) for r in results.select("agreement") if (n := r.params.get("rows_per_device"))}
    )
    if 1 not in sizes or sizes[-1] < 2:
        raise NotMeasured(f"agreement measured at {sizes} rows per device, not at 1 and several")
    diffs: dict[str, float] = {}
    for name in EXAMPLES:
        for rows in sizes:
            record = results.record("agreement", name, rows_per_device=rows)
            for key, value in record.values.items():
                diffs[f"{name}@{rows}.{key}"] = float(value)
    between = largest(v for k, v in diffs.items() if k.endswith("_vs_pmap"))
    from_one = largest(v for k, v in diffs.items() if k.endswith("_vs_one_device"))
    if not any(k.endswith("_vs_one_device") for k in diffs):
        raise NotMeasured("agreement records without one-device differences")
    return Evidence(
        holds=between <= SAME_TOLERANCE and from_one <= ONE_DEVICE_TOLERANCE,
        figure=f"largest difference between forms {between:g}, from one device {from_one:g}, "
        f"over {len(EXAMPLES)} examples at {', '.join(map(str, sizes))} rows per device",
        values=diffs,
    )


def step_matches_one_device(results: Results) -> Evidence:
    """The data-parallel training step, in every form, equals the step on one device."""
    diffs = {
        f"{key}@{r.params.get('rows_per_device')}": float(value)
        for r in results.select("agreement", "train_step")
        if r.status == "ok"
        for key, value in r.values.items()
        if key.endswith("_vs_one_device")
    }
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
    """Seed claim 6, first half, as it holds: on one device pmap maps one entry only.

    Three checks on a batch of several rows, on one device: pmap of a per-row function over a
    leading axis of one row gives vmap's result on that row; pmap over the batch itself is
    refused; the batch wrapped as one entry, with vmap inside pmap, gives vmap's result.
    """
    record = results.record("one-device-batch", "check")
    values = {k: float(v) for k, v in record.values.items()}
    worst = largest((values["row_vs_vmap"], values["batch_vs_vmap"]))
    refused = values["batch_refused"] == 1.0
    batch = int(record.params["batch"])
    return Evidence(
        holds=refused and worst <= SAME_TOLERANCE,
        figure=f"a batch of {batch} rows {'refused' if refused else 'accepted'}; largest "
        f"difference from vmap {worst:g} (one row, and the batch as one entry)",
        values=values,
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
        statement="Each pmap example gives the same result as its jax.shard_map form, its "
        "jit-with-shardings form and the same computation on one device, with one row per "
        "device and with several.",
        suite="parallel",
        reads=frozenset(("agreement", name) for name in EXAMPLES),
        predicate=forms_agree,
        falsified_by="on some device count, block size or backend, one form of an example "
        "(say the shard_map form, whose collective combines whole blocks) differs from another "
        "or from the one-device result by more than float32 rounding",
    ),
    StrictClaim(
        id="data-parallel-step-matches-one-device",
        statement="A data-parallel training step (per-device gradients, averaged, parameters "
        "replicated) gives the parameters of the same step on one device.",
        suite="parallel",
        falsified_by="Some form's parameters after the step differ from the one-device step's by "
        "more than 1e-5.",
        reads=benchmark_variants("agreement/train_step"),
        predicate=step_matches_one_device,
    ),
    StrictClaim(
        id="pmap-one-device-like-vmap",
        statement="On a single device, pmap still works, mimicking vmap, over a leading axis of "
        "one entry only: a batch of several rows is refused, and goes through as one entry with "
        "vmap inside, giving vmap's result.",
        suite="parallel",
        reads=benchmark_variants("one-device-batch/check"),
        predicate=pmap_one_device_like_vmap,
        source=SEED_COURSE,
        falsified_by="pmap on one device accepts a batch of several rows (mapping it as vmap "
        "would), or its result on one row or on the wrapped batch differs from vmap's",
    ),
    MeasuredClaim(
        id="pmap-one-device-slower",
        statement="On a single device, pmap is less efficient than vmap.",
        suite="parallel",
        falsified_by="On one device, at some size, pmap takes under 1.1× jit(vmap)'s time.",
        reads=benchmark_variants("one-device/pmap", "one-device/jit_vmap"),
        predicate=pmap_one_device_pairs,
        ratio_of=("pmap on one device", "jit(vmap)"),
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
        falsified_by="on several devices, pmap's output comes back on fewer devices than it "
        "has rows (gathered to one), or jit(vmap)'s on more than one, or their values differ",
    ),
    MeasuredClaim(
        id="pmap-dispatch-costs-more",
        statement="Calling jax.pmap costs more per call than calling jit(shard_map) directly.",
        suite="parallel",
        falsified_by="A jax.pmap call takes under 1.1× a jit(shard_map) call's time.",
        reads=benchmark_variants("dispatch/pmap", "dispatch/jit_shard_map"),
        predicate=lambda r: {
            "per call": (
                r.timing("dispatch", "pmap").samples_s,
                r.timing("dispatch", "jit_shard_map").samples_s,
            )
        },
        ratio_of=("jax.pmap", "jit(shard_map)"),
        threshold=Threshold(at_least=1.1),
    ),
)
