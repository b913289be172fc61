"""Claims checked by the parallel suite: pmap against today's path, and the seed's claim 6.

Records follow :mod:`jaxguide.bench.suites.parallel`: ``agreement`` (one variant per example),
``placement``, ``one-device`` (variants ``pmap``, ``jit_vmap``; params ``devices``, ``size``)
and ``dispatch`` (variants ``pmap``, ``jit_shard_map``, ``jit_sharded``).
"""

from __future__ import annotations

from jaxguide.bench._results import Record, Results, Timing
from jaxguide.claims._core import Claim, Evidence, NotMeasured
from jaxguide.claims._registry import SEED_COURSE, SEED_QA, ok_record, register

SAME_TOLERANCE = 1e-6
"""Largest absolute difference accepted as "the same result" (float32 values of order 1)."""
ONE_DEVICE_TOLERANCE = 1e-5
"""For a training step against one device: a sum split over devices rounds differently."""


def _agreement(results: Results) -> list[Record]:
    records = list(results.select("agreement"))
    if not records:
        raise NotMeasured("no agreement records")
    return records


def _failed(records: list[Record]) -> Evidence | None:
    broken = [r for r in records if r.status != "ok"]
    if not broken:
        return None
    return Evidence(holds=False, figure="; ".join(f"{r.variant}: {r.message}" for r in broken))


def forms_agree(results: Results) -> Evidence:
    """Every example's shard_map and jit-with-shardings forms give pmap's result."""
    records = _agreement(results)
    if (failure := _failed(records)) is not None:
        return failure
    diffs = {
        f"{r.variant}.{key}": float(r.values[key])
        for r in records
        for key in ("shard_map_vs_pmap", "sharded_vs_pmap")
    }
    worst = max(diffs.values())
    return Evidence(
        holds=worst <= SAME_TOLERANCE,
        figure=f"largest difference {worst:g} over {len(records)} examples in three forms",
        values=diffs,
    )


def step_matches_one_device(results: Results) -> Evidence:
    """The data-parallel training step, in every form, equals the step on one device."""
    record = ok_record(results, "agreement", "train_step")
    diffs = {k: float(v) for k, v in record.values.items() if k.endswith("_vs_one_device")}
    if not diffs:
        raise NotMeasured("train_step record without one-device differences")
    worst = max(diffs.values())
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
    worst = max(diffs.values())
    sizes = ", ".join(f"{n:,}" for n in sorted(diffs))
    return Evidence(
        holds=worst <= SAME_TOLERANCE,
        figure=f"largest difference from vmap {worst:g} (rows of {sizes} elements)",
        values={f"diff@{n}": d for n, d in diffs.items()},
    )


def _slower(slow: Timing, fast: Timing) -> bool:
    """``slow`` takes longer than ``fast`` by more than either timing's spread (IQR)."""
    return slow.median_s - fast.median_s > max(slow.iqr_s, fast.iqr_s)


def pmap_one_device_slower(results: Results) -> Evidence:
    """Seed claim 6, second half: on one device, pmap is slower than jit(vmap) at every size."""
    pmap, vmap = _one_device(results, "pmap"), _one_device(results, "jit_vmap")
    sizes = sorted(pmap.keys() & vmap.keys())
    if not sizes:
        raise NotMeasured("no size with both pmap and jit(vmap) on one device")
    timings = {n: (pmap[n].timing, vmap[n].timing) for n in sizes}
    ratios = {n: p.median_s / v.median_s for n, (p, v) in timings.items() if p and v}
    within = [f"{n:,}" for n, (p, v) in timings.items() if p and v and not _slower(p, v)]
    parts = ", ".join(f"{r:.2f}× at {n:,}" for n, r in ratios.items())
    noise = f"; within the timings' spread (IQR) at {', '.join(within)}" if within else ""
    return Evidence(
        holds=not within,
        figure=f"pmap takes {parts} elements (time over jit(vmap)'s){noise}",
        values={f"pmap_over_vmap@{n}": r for n, r in ratios.items()},
    )


def vmap_one_device_pmap_many(results: Results) -> Evidence:
    """Seed Q&A: vmap's output lives on one device; pmap's is spread, one row per device."""
    record = ok_record(results, "placement", "both")
    vmap_devices = int(record.values["vmap_devices"])
    pmap_devices = int(record.values["pmap_devices"])
    rows = int(record.values["rows"])
    if rows < 2:
        raise NotMeasured("one device only: nothing to spread over")
    return Evidence(
        holds=vmap_devices == 1
        and pmap_devices == rows
        and float(record.values["max_abs_diff"]) == 0.0,
        figure=f"{rows} rows: vmap's output on {vmap_devices} device, pmap's on {pmap_devices}",
        values=record.values,
    )


def _timing(results: Results, variant: str) -> Timing:
    timing = ok_record(results, "dispatch", variant).timing
    if timing is None:
        raise NotMeasured(f"dispatch {variant!r} record without a timing")
    return timing


def pmap_dispatch_costs_more(results: Results) -> Evidence:
    """pmap's call costs more than jit(shard_map)'s by more than the timings' spread."""
    pmap, direct = _timing(results, "pmap"), _timing(results, "jit_shard_map")
    ratio = pmap.median_s / direct.median_s
    slower = _slower(pmap, direct)
    return Evidence(
        holds=slower,
        figure=f"pmap's call takes {ratio:.2f}× jit(shard_map)'s"
        + ("" if slower else ", within the timings' spread (IQR)"),
        values={"ratio": ratio, "pmap_s": pmap.median_s, "jit_shard_map_s": direct.median_s},
    )


register(
    Claim(
        id="parallel-forms-agree",
        statement="Each pmap example gives the same result as its jax.shard_map form and its "
        "jit-with-shardings form.",
        kind="strict",
        suite="parallel",
        predicate=forms_agree,
    ),
    Claim(
        id="data-parallel-step-matches-one-device",
        statement="A data-parallel training step (per-device gradients, averaged, parameters "
        "replicated) gives the parameters of the same step on one device.",
        kind="strict",
        suite="parallel",
        predicate=step_matches_one_device,
    ),
    Claim(
        id="pmap-one-device-like-vmap",
        statement="On a single device, pmap still works, mimicking vmap.",
        kind="strict",
        suite="parallel",
        predicate=pmap_one_device_like_vmap,
        source=SEED_COURSE,
    ),
    Claim(
        id="pmap-one-device-slower",
        statement="On a single device, pmap is less efficient than vmap.",
        kind="measured",
        suite="parallel",
        predicate=pmap_one_device_slower,
        source=SEED_COURSE,
    ),
    Claim(
        id="vmap-one-device-pmap-spreads",
        statement="vmap vectorizes on one device, while pmap spreads the computation over devices.",
        kind="strict",
        suite="parallel",
        predicate=vmap_one_device_pmap_many,
        source=SEED_QA,
    ),
    Claim(
        id="pmap-dispatch-costs-more",
        statement="Calling jax.pmap costs more per call than calling jit(shard_map) directly.",
        kind="measured",
        suite="parallel",
        predicate=pmap_dispatch_costs_more,
    ),
)
