"""Claims checked by the vmap-speed suite: the seed's claims 1, 2, 3 and 7.

Records follow the suite's conventions: benchmarks ``add``, ``where`` and ``mlp``; variants
``manual``, ``vmap``, ``loop``, ``jit_vmap`` and ``jit_manual``; a ``batch`` parameter.
"""

from __future__ import annotations

from jaxguide.bench._results import Results
from jaxguide.claims._core import Claim, Evidence, NotMeasured
from jaxguide.claims._registry import SEED_COURSE, SEED_QA, median_by_batch, ok_record, register


def _ratios(results: Results, benchmark: str, slow: str, fast: str) -> dict[int, float]:
    """``slow`` time over ``fast`` time at each batch both measured (>1: ``fast`` is faster)."""
    a, b = median_by_batch(results, benchmark, slow), median_by_batch(results, benchmark, fast)
    ratios = {n: a[n] / b[n] for n in sorted(a.keys() & b.keys())}
    if not ratios:
        raise NotMeasured(f"no batch with both {slow!r} and {fast!r} of {benchmark!r}")
    return ratios


def manual_as_fast_as_vmap(results: Results) -> Evidence:
    """Seed claim 1: manual vectorization takes at most 1.1× vmap's time, at every batch."""
    ratios = _ratios(results, "add", "manual", "vmap")  # manual time / vmap time
    worst = max(ratios, key=lambda n: ratios[n])
    return Evidence(
        holds=ratios[worst] <= 1.1,
        figure=f"manual takes {ratios[worst]:.2f}× vmap's time at worst (batch {worst})",
        values={f"manual_over_vmap@{n}": r for n, r in ratios.items()},
    )


def vmap_beats_loop(results: Results) -> Evidence:
    """Seed claim 2: vmap is faster than a Python loop at every batch, for every benchmark."""
    speedups: dict[str, dict[int, float]] = {}
    for benchmark in sorted({r.benchmark for r in results.select(variant="loop")}):
        speedups[benchmark] = _ratios(results, benchmark, "loop", "vmap")
    if not speedups:
        raise NotMeasured("no Python-loop records")
    least = min(min(s.values()) for s in speedups.values())
    name, batches = next(iter(speedups.items()))
    top = max(batches)
    return Evidence(
        holds=least > 1,
        figure=f"{batches[top]:.0f}× at batch {top} ({name}); never below {least:.1f}×",
        values={f"{b}@{n}": r for b, s in speedups.items() for n, r in s.items()},
    )


def jit_vmap_beats_vmap(results: Results) -> Evidence:
    """Seed claim 3: jit(vmap(f)) at least 2× faster than vmap(f) at most batch sizes."""
    ratios = [
        r for b in ("add", "where", "mlp") for r in _safe_ratios(results, b, "vmap", "jit_vmap")
    ]
    if not ratios:
        raise NotMeasured("no vmap / jit(vmap) pairs")
    ratios.sort()
    median = ratios[len(ratios) // 2]
    return Evidence(
        holds=median >= 2,
        figure=f"median {median:.1f}× (from {ratios[0]:.1f}× to {ratios[-1]:.0f}×)",
        values={"median_speedup": median, "min": ratios[0], "max": ratios[-1]},
    )


def _safe_ratios(results: Results, benchmark: str, slow: str, fast: str) -> list[float]:
    try:
        return list(_ratios(results, benchmark, slow, fast).values())
    except NotMeasured:
        return []


def vmap_matches_manual(results: Results) -> Evidence:
    """Seed claim 7: same results as manual batching, and the same primitives in the jaxpr."""
    record = ok_record(results, "add", "equivalence")
    diff = float(record.values["max_abs_diff"])
    same = bool(record.values["same_primitives"])
    return Evidence(
        holds=diff == 0.0 and same,
        figure=f"max difference {diff:g}; jaxprs use {record.values['primitives']}",
        values=record.values,
    )


register(
    Claim(
        id="manual-vs-vmap",
        statement="For simple element-wise operations, manual vectorization is as fast as "
        "vmap, or slightly faster.",
        kind="measured",
        suite="vmap-speed",
        predicate=manual_as_fast_as_vmap,
        source=SEED_COURSE,
    ),
    Claim(
        id="vmap-beats-loop",
        statement="vmap almost always beats a Python loop, often by a large margin.",
        kind="measured",
        suite="vmap-speed",
        predicate=vmap_beats_loop,
        source=SEED_COURSE,
    ),
    Claim(
        id="jit-vmap-beats-vmap",
        statement="jit(vmap(f)) is often significantly faster than vmap(f) alone.",
        kind="measured",
        suite="vmap-speed",
        predicate=jit_vmap_beats_vmap,
        source=SEED_COURSE,
    ),
    Claim(
        id="vmap-matches-manual",
        statement="vmap produces the same results as manual batching, with the same "
        "operations in the jaxpr.",
        kind="strict",
        suite="vmap-speed",
        predicate=vmap_matches_manual,
        source=SEED_QA,
    ),
)
