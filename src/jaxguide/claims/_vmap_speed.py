"""Claims checked by the vmap-speed suite: claims 1, 2, 3 and 7 of the vmap course page.

Records follow :mod:`jaxguide.bench.suites.vmap_speed`: benchmarks ``add``, ``where`` and
``mlp``; variants ``manual``, ``vmap``, ``loop``, ``jit_vmap``, ``jit_manual`` and
``equivalence``; a ``batch`` parameter. Compared variants are timed interleaved.
"""

from __future__ import annotations

from collections.abc import Callable

from jaxguide.claims._core import Evidence, MeasuredClaim, Pair, StrictClaim, largest
from jaxguide.claims._memory import mib
from jaxguide.claims._sources import SEED_COURSE, SEED_QA
from jaxguide.results import NotMeasured, Results, Threshold

__all__ = ["BENCHMARKS", "CLAIMS", "FAR_PAST", "SAME_TOLERANCE", "pairs_by_batch"]

BENCHMARKS = ("add", "where", "mlp")
FAR_PAST = 4
""""Far past the cache": each array at least this many times the last-level cache (STREAM's
rule; the suite picks its largest size by the same rule)."""
SAME_TOLERANCE = 1e-6
"""Largest absolute difference accepted as "the same result" (float32 values of order 1)."""


def pairs_by_batch(
    results: Results, benchmark: str, slow: str, fast: str, prefix: str = ""
) -> dict[str, Pair]:
    """``(slow, fast)`` samples at every batch both ran, labelled ``"<prefix>at batch N"``."""
    a, b = results.by("batch", benchmark, slow), results.by("batch", benchmark, fast)
    return {
        f"{prefix}at batch {n:,}": (ta.samples_s, tb.samples_s)
        for n in sorted(a.keys() & b.keys())
        if (ta := a[n].timing) is not None and (tb := b[n].timing) is not None
    }


def _every_benchmark(slow: str, fast: str) -> Callable[[Results], dict[str, Pair]]:
    def pairs(results: Results) -> dict[str, Pair]:
        found: dict[str, Pair] = {}
        for benchmark in BENCHMARKS:
            found |= pairs_by_batch(results, benchmark, slow, fast, prefix=f"{benchmark} ")
        return found

    return pairs


def _per_function(slow: str, fast: str) -> Callable[[str], tuple[str, str, str]]:
    """The sides of :func:`_every_benchmark`'s comparisons: ``slow`` and ``fast`` of the
    function the label names.

    >>> _per_function("the Python loop", "vmap")("mlp at batch 1,000")
    ('the Python loop', 'vmap', 'for mlp at batch 1,000')
    """
    return lambda label: (slow, fast, f"for {label}")


def bandwidth_pair(results: Results) -> dict[str, Pair]:
    """The add's data rate over the copy's, at the largest size, which must be far past the
    cache (each array at least :data:`FAR_PAST` times the last-level cache): the copy's samples
    scaled by the bytes the add moves over the bytes the copy moves, against the add's."""
    copies = results.by("elements", "stream", "copy")
    adds = results.by("elements", "stream", "add")
    sizes = sorted(copies.keys() & adds.keys())
    if not sizes:
        raise NotMeasured("no size with both a stream copy and add")
    n = sizes[-1]
    copy, add = copies[n], adds[n]
    if copy.timing is None or add.timing is None:
        raise NotMeasured(f"stream records at {n:,} elements without timings")
    cache = int(copy.values.get("cache_bytes", 0))
    array = int(copy.values["bytes_moved"]) // 2  # the copy reads and writes its one array
    if not cache:
        raise NotMeasured(
            "the last-level cache's size is unknown here, so no size is known to be far past it"
        )
    if array < FAR_PAST * cache:
        raise NotMeasured(
            f"the largest size measured, {n:,} elements, has arrays of {mib(array)}, under {FAR_PAST}× "
            f"the {mib(cache)} last-level cache"
        )
    scale = float(add.values["bytes_moved"]) / float(copy.values["bytes_moved"])
    return {
        f"at {n:,} elements": (
            tuple(scale * t for t in copy.timing.samples_s),
            add.timing.samples_s,
        )
    }


def vmap_matches_manual(results: Results) -> Evidence:
    """Seed claim 7: vmap's values equal manual batching's for every function; the functions
    whose jaxprs have the same primitives are named."""
    records = {b: results.record(b, "equivalence") for b in BENCHMARKS}
    diffs = {b: float(r.values["max_abs_diff"]) for b, r in records.items()}
    same = [b for b, r in records.items() if r.values["same_primitives"] is True]
    differ = [b for b in BENCHMARKS if b not in same]
    worst = largest(diffs.values())
    return Evidence(
        holds=worst <= SAME_TOLERANCE and bool(same),
        figure=f"largest difference {worst:g} over {', '.join(BENCHMARKS)}; same primitives: "
        f"{', '.join(same) or 'none'}" + (f"; different: {', '.join(differ)}" if differ else ""),
        values={f"{b}_max_abs_diff": d for b, d in diffs.items()}
        | {f"{b}_same_primitives": b in same for b in BENCHMARKS},
    )


def _reads(*variants: str, benchmarks: tuple[str, ...] = BENCHMARKS) -> frozenset[tuple[str, str]]:
    return frozenset((b, v) for b in benchmarks for v in variants)


def _require(pairs: dict[str, Pair], what: str) -> dict[str, Pair]:
    if not pairs:
        raise NotMeasured(f"no batch measured both {what}")
    return pairs


CLAIMS = (
    MeasuredClaim(
        id="manual-vs-vmap",
        statement="For simple element-wise operations, manual vectorization is as fast as "
        "vmap, or slightly faster.",
        suite="vmap-speed",
        falsified_by="At some batch, unjitted vmap of the add takes under 0.9× or over 1.5× the "
        "hand-batched add's time.",
        reads=_reads("manual", "vmap", benchmarks=("add",)),
        predicate=lambda r: _require(pairs_by_batch(r, "add", "vmap", "manual"), "vmap and manual"),
        ratio_of=("vmap of the add", "the hand-batched add"),
        threshold=Threshold(at_least=0.9, at_most=1.5),
        source=SEED_COURSE,
    ),
    MeasuredClaim(
        id="manual-vs-vmap-jit",
        statement="Compiled with jit, vmap of the element-wise add and the hand-batched add "
        "take the same time.",
        suite="vmap-speed",
        falsified_by="At some batch, one of the jitted vmap add and the jitted hand-batched add "
        "takes over 1.1× the other's time.",
        reads=_reads("jit_manual", "jit_vmap", benchmarks=("add",)),
        predicate=lambda r: _require(
            pairs_by_batch(r, "add", "jit_vmap", "jit_manual"), "jit_vmap and jit_manual"
        ),
        ratio_of=("jit(vmap) of the add", "the jitted hand-batched add"),
        threshold=Threshold(at_least=0.9, at_most=1.1),
    ),
    MeasuredClaim(
        id="vmap-beats-loop",
        statement="vmap almost always beats a Python loop, often by a large margin.",
        suite="vmap-speed",
        falsified_by="At most batches of the three functions, vmap is less than 2× as fast as the "
        "Python loop.",
        reads=_reads("loop", "vmap"),
        predicate=_every_benchmark("loop", "vmap"),
        ratio_of=_per_function("the Python loop", "vmap"),
        threshold=Threshold(at_least=2.0),
        over="most",
        source=SEED_COURSE,
    ),
    MeasuredClaim(
        id="jit-vmap-beats-vmap",
        statement="jit(vmap(f)) is often significantly faster than vmap(f) alone.",
        suite="vmap-speed",
        falsified_by="At most batches of the three functions, jit(vmap(f)) is less than 2× as fast "
        "as vmap(f).",
        reads=_reads("vmap", "jit_vmap"),
        predicate=_every_benchmark("vmap", "jit_vmap"),
        ratio_of=_per_function("vmap(f) op by op", "jit(vmap(f))"),
        threshold=Threshold(at_least=2.0),
        over="most",
        source=SEED_COURSE,
    ),
    MeasuredClaim(
        id="add-reaches-copy-bandwidth",
        statement="Far past the cache, a compiled element-wise add moves data at least half as "
        "fast as one plain pass over the same memory.",
        suite="vmap-speed",
        falsified_by="With each array at least 4× the last-level cache, the add's bytes per second "
        "fall below half the one-pass rate.",
        reads=frozenset({("stream", "copy"), ("stream", "add")}),
        predicate=bandwidth_pair,
        ratio_of=("one plain pass over the add's bytes", "the compiled add"),
        threshold=Threshold(at_least=0.5),
    ),
    StrictClaim(
        id="vmap-matches-manual",
        statement="vmap produces the same results as manual batching, for every function "
        "measured; for some of them, its jaxpr has the same operations too.",
        suite="vmap-speed",
        falsified_by="vmap's output differs from the hand-batched function's by more than 1e-6, or "
        "no function's two jaxprs hold the same primitives.",
        reads=_reads("equivalence"),
        predicate=vmap_matches_manual,
        source=SEED_QA,
    ),
)
