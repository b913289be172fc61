"""Claims of the control-flow page, read from what that page measures.

``control-flow-cond`` times a ``lax.cond`` with one cheap and one expensive branch, vmapped over
a batch whose predicates all pick one branch, the cheap branch alone over that batch, and a
Python loop over the same examples;
``control-flow-scan`` reads XLA's memory analysis of ``grad`` through a ``lax.scan`` at several
lengths, with and without ``jax.checkpoint`` on the step; ``control-flow-prefix`` compares
prefix sums.
"""

from __future__ import annotations

from jaxguide.claims._autodiff import LINEAR, loglog_slope
from jaxguide.claims._core import Evidence, MeasuredClaim, StrictClaim
from jaxguide.claims._memory import mib
from jaxguide.claims._predicates import agreement, agreements, timing_pair
from jaxguide.results import NotMeasured, Results, Threshold, benchmark_variants

__all__ = [
    "CHEAP_BATCH_PAYS",
    "CHECKPOINT_CUT",
    "CLAIMS",
    "SCAN_LENGTHS",
    "UNROLL_FACTORS",
    "scan_temps",
]

SCAN_LENGTHS = (256, 512, 1024)
"""The sequence lengths at which the page analyses ``grad`` through the scan's memory."""

UNROLL_FACTORS = (1, 2, 4, 8, 16)
"""The ``unroll`` factors of ``lax.scan`` the page compiles and times."""

UNROLL_TOLERANCE = 1e-4
"""Largest difference between factors allowed, relative to the largest output: the unrolled
program may fuse, and so round, differently from the rolled one."""

CHECKPOINT_CUT = 4.0
"""How many times less temporary memory ``jax.checkpoint`` on the step must leave, at least,
in all and in what each step adds."""

CHEAP_BATCH_PAYS = 4.0
"""How many times longer a vmapped ``cond`` whose predicates all pick the cheap branch must
take than the cheap branch alone over the batch: the expensive branch is sixty-four
matrix products to the cheap one's multiply, so a batch that paid for it takes far longer."""

_SCAN_VARIANTS = tuple(f"{kind}-{n}" for kind in ("plain", "checkpoint") for n in SCAN_LENGTHS)


def scan_temps(results: Results, kind: str) -> dict[int, int]:
    """XLA's temporary bytes of ``grad`` through the scan, by length, for ``plain`` or
    ``checkpoint``."""
    found = {n: results.memory("scan-grad", f"{kind}-{n}").temp_bytes for n in SCAN_LENGTHS}
    if len(found) < 2:
        raise NotMeasured(f"scan-grad/{kind}: fewer than two lengths")
    return found


def _slope(temps: dict[int, int]) -> float:
    lengths = sorted(temps)
    return loglog_slope([float(n) for n in lengths], [float(temps[n]) for n in lengths])


def scan_memory_linear(results: Results) -> Evidence:
    """Without checkpointing, the temporaries grow linearly with the scan's length."""
    temps = scan_temps(results, "plain")
    slope = _slope(temps)
    top = max(temps)
    return Evidence(
        holds=LINEAR[0] <= slope <= LINEAR[1],
        figure=f"log-log slope {slope:.2f} over lengths "
        f"{', '.join(f'{n:,}' for n in sorted(temps))}; {mib(temps[top])} at {top:,} steps",
        values={"slope": slope, **{f"temp@{n}": float(b) for n, b in temps.items()}},
    )


def _per_step(temps: dict[int, int]) -> float:
    """Bytes a step adds: the growth from the shortest length to the longest, per step."""
    short, long = min(temps), max(temps)
    return (temps[long] - temps[short]) / (long - short)


def checkpoint_cuts_scan_memory(results: Results) -> Evidence:
    """``jax.checkpoint`` on the step leaves at least :data:`CHECKPOINT_CUT` times less, at
    every length and in what each step adds, and the checkpointed memory still grows a step.

    "It still grows with the length, for the carries are kept, but by far less a step": the
    bytes a step adds must be positive with the step checkpointed, and the plain scan's must be
    :data:`CHECKPOINT_CUT` times as many.
    """
    plain, remat = scan_temps(results, "plain"), scan_temps(results, "checkpoint")
    cuts = {n: plain[n] / max(remat[n], 1) for n in SCAN_LENGTHS}
    worst = min(cuts.values())
    plain_step, remat_step = _per_step(plain), _per_step(remat)
    step_cut = plain_step / remat_step if remat_step > 0 else float("inf")
    top = max(SCAN_LENGTHS)
    return Evidence(
        holds=worst >= CHECKPOINT_CUT and remat_step > 0 and step_cut >= CHECKPOINT_CUT,
        figure=f"at least {worst:.1f}× less at every length ({mib(remat[top])} against "
        f"{mib(plain[top])} at {top:,} steps); {remat_step:,.0f} bytes a step against "
        f"{plain_step:,.0f}",
        values={
            "smallest_cut": worst,
            "checkpoint_bytes_per_step": remat_step,
            "plain_bytes_per_step": plain_step,
            "checkpoint_slope": _slope(remat),
        },
    )


CLAIMS = (
    MeasuredClaim(
        id="vmapped-cond-costs-both-branches",
        statement="Under vmap with a batched predicate, lax.cond takes about the same time "
        "whether every example takes the cheap branch or every one takes the expensive branch.",
        suite="control-flow-cond",
        falsified_by="A vmapped lax.cond whose predicates all pick the cheap branch runs in under "
        "0.75× the time of the same batch with every predicate picking the expensive branch.",
        reads=benchmark_variants("cond/vmap-expensive", "cond/vmap-cheap"),
        predicate=lambda r: timing_pair(r, "cond", "vmap-expensive", "vmap-cheap"),
        # The cheap branch alone costs a small fraction of the expensive one, so a batch that
        # skipped it would run several times faster: a quarter either way still tells the two
        # apart, and leaves room for a shared machine's noise.
        ratio_of=(
            "the vmapped cond whose predicates all pick the expensive branch",
            "the vmapped cond whose predicates all pick the cheap branch",
        ),
        threshold=Threshold(at_least=0.75, at_most=1.33),
    ),
    MeasuredClaim(
        id="vmapped-cond-cheap-pays-expensive",
        statement="Under vmap with a batched predicate, a lax.cond whose predicates all pick "
        "the cheap branch takes several times longer than the cheap branch alone over the same "
        "batch: it runs the expensive branch too.",
        suite="control-flow-cond",
        falsified_by="The vmapped lax.cond whose predicates all pick the cheap branch runs in "
        "under 4× the time of the cheap branch vmapped alone over the same batch.",
        reads=benchmark_variants("cond/vmap-cheap", "cond/vmap-cheap-branch"),
        predicate=lambda r: timing_pair(r, "cond", "vmap-cheap", "vmap-cheap-branch"),
        # Without this, "about the same time whichever branch" would hold as well if the
        # expensive branch cost next to nothing, and so would show nothing about paying for it.
        ratio_of=(
            "the vmapped cond whose predicates all pick the cheap branch",
            "the cheap branch alone, vmapped over the same batch",
        ),
        threshold=Threshold(at_least=CHEAP_BATCH_PAYS),
    ),
    MeasuredClaim(
        id="cond-loop-pays-branch-taken",
        statement="A Python loop calling a jitted lax.cond once per example takes longer when "
        "every example takes the expensive branch than when every one takes the cheap branch.",
        suite="control-flow-cond",
        falsified_by="The loop over examples that all take the expensive branch runs in under "
        "1.5× the time of the loop whose examples all take the cheap branch.",
        reads=benchmark_variants("cond/loop-expensive", "cond/loop-cheap"),
        predicate=lambda r: timing_pair(r, "cond", "loop-expensive", "loop-cheap"),
        ratio_of=(
            "the loop whose examples all take the expensive branch",
            "the loop whose examples all take the cheap branch",
        ),
        threshold=Threshold(at_least=1.5),
    ),
    StrictClaim(
        id="scan-grad-memory-linear",
        statement="The temporary memory of grad through a lax.scan grows linearly with the "
        "scan's length.",
        suite="control-flow-scan",
        falsified_by="XLA's temporary bytes for grad through the scan grow with a log-log slope "
        "outside 0.8 to 1.2 against the number of steps.",
        reads=benchmark_variants(*(f"scan-grad/{v}" for v in _SCAN_VARIANTS)),
        predicate=scan_memory_linear,
    ),
    StrictClaim(
        id="checkpoint-cuts-scan-memory",
        statement="jax.checkpoint on the scanned step cuts the temporary memory of grad through "
        "the scan at every length measured, and what each step adds to it, though that memory "
        "still grows with the length.",
        suite="control-flow-scan",
        falsified_by="At some length, grad through the scan with a checkpointed step needs more "
        "than a quarter of the temporary bytes it needs without; or each step adds more than a "
        "quarter of the plain scan's bytes a step; or the checkpointed memory does not grow "
        "with the length.",
        reads=benchmark_variants(*(f"scan-grad/{v}" for v in _SCAN_VARIANTS)),
        predicate=checkpoint_cuts_scan_memory,
    ),
    StrictClaim(
        id="scan-unroll-same-values",
        statement="lax.scan computes the same outputs at every unroll factor measured.",
        suite="control-flow-unroll",
        falsified_by="The scan's outputs with some unroll factor differ from those with "
        "unroll=1 by more than a relative 1e-4.",
        reads=benchmark_variants(*(f"scan-unroll/unroll-{k}" for k in UNROLL_FACTORS)),
        predicate=lambda r: agreements(
            r, "scan-unroll", [f"unroll-{k}" for k in UNROLL_FACTORS[1:]], rtol=UNROLL_TOLERANCE
        ),
    ),
    StrictClaim(
        id="associative-scan-matches-scan",
        statement="lax.associative_scan computes the same prefix sums as lax.scan.",
        suite="control-flow-prefix",
        falsified_by="The two prefix sums of the same small-integer array differ by more than a "
        "relative 1e-6.",
        reads=benchmark_variants("prefix-sum/associative_scan", "prefix-sum/scan"),
        predicate=lambda r: agreement(r.record("prefix-sum", "associative_scan"), rtol=1e-6),
    ),
)
