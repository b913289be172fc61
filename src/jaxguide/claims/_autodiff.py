"""Claims of the autodiff page, checked by the ``autodiff`` suite.

The HVP values and every memory figure are deterministic for a given jax/jaxlib and backend,
so those claims are strict; which HVP is fastest is a timing, judged by the comparison rule.
"""

from __future__ import annotations

import math

import numpy as np

from jaxguide.claims._core import Evidence, MeasuredClaim, Pair, StrictClaim, largest
from jaxguide.claims._memory import mib
from jaxguide.claims._predicates import counted
from jaxguide.claims._transforms import FASTER
from jaxguide.results import Memory, NotMeasured, Results, benchmark_variants

__all__ = ["CLAIMS", "HVP_FORMS", "HVP_TOLERANCE", "hvp_slopes", "loglog_slope"]

HVP_FORMS = ("fwd-over-rev", "rev-over-fwd", "rev-over-rev")
"""The three Hessian-vector products, as the suite names them."""

HVP_TOLERANCE = 1e-5
"""Largest difference from ``hessian(f)(x) @ v`` allowed, relative to its largest entry: a
few float32 roundings (float32's epsilon is about 1.2e-7)."""

LINEAR, QUADRATIC = (0.8, 1.2), (1.8, 2.2)
"""The ranges a log-log slope must lie in to count as linear, or as quadratic, growth."""

CHEAPEST_AGAINST = ("rev-over-fwd", "rev-over-rev")


def loglog_slope(xs: list[float], ys: list[float]) -> float:
    """The least-squares slope of ``log y`` against ``log x``: the exponent ``k`` in ``y ∝ x^k``.

    >>> round(loglog_slope([1, 2, 4], [3, 12, 48]), 6)
    2.0
    """
    if len(xs) < 2 or min(ys) <= 0:
        return math.nan
    slope, _ = np.polyfit(np.log(xs), np.log(ys), 1)
    return float(slope)


def _temps(results: Results, variant: str) -> dict[int, int]:
    found = {
        int(r.params["dim"]): r.memory.temp_bytes
        for r in results.select("hvp-memory", variant)
        if isinstance(r.memory, Memory)
    }
    if len(found) < 2:
        raise NotMeasured(f"hvp-memory/{variant}: fewer than two dimensions")
    counted({f"temporary bytes at dimension {d}": t for d, t in found.items()}, variant)
    return found


def hvp_slopes(results: Results) -> dict[str, float]:
    """The log-log slope of XLA's temporary bytes against the dimension, per form."""
    slopes = {}
    for variant in (*HVP_FORMS, "hessian"):
        temps = _temps(results, variant)
        dims = sorted(temps)
        slopes[variant] = loglog_slope([float(d) for d in dims], [float(temps[d]) for d in dims])
    return slopes


def hvps_agree(results: Results) -> Evidence:
    """Every HVP is within :data:`HVP_TOLERANCE` of the dense Hessian times ``v``."""
    records = list(results.select("hvp-agreement", "check"))
    if not records:
        raise NotMeasured("no hvp-agreement records")
    errors = {
        f"{form}@{r.params['dim']}": float(r.values[form]) for r in records for form in HVP_FORMS
    }
    worst = largest(errors.values())
    dims = ", ".join(str(r.params["dim"]) for r in records)
    return Evidence(
        holds=worst <= HVP_TOLERANCE,
        figure=f"largest relative difference {worst:.1e} (dimensions {dims})",
        values=errors,
    )


def hvp_memory_linear(results: Results) -> Evidence:
    """HVP temporaries grow linearly with the dimension, the dense Hessian's quadratically."""
    slopes = hvp_slopes(results)
    hvp = {k: s for k, s in slopes.items() if k != "hessian"}
    holds = all(LINEAR[0] <= s <= LINEAR[1] for s in hvp.values()) and (
        QUADRATIC[0] <= slopes["hessian"] <= QUADRATIC[1]
    )
    top = max(_temps(results, "hessian"))
    return Evidence(
        holds=holds,
        figure=f"log-log slopes {', '.join(f'{k} {s:.2f}' for k, s in hvp.items())}; "
        f"hessian {slopes['hessian']:.2f}; at dimension {top:,} the Hessian needs "
        f"{mib(_temps(results, 'hessian')[top])}, an HVP at most "
        f"{mib(max(_temps(results, k)[top] for k in HVP_FORMS))}",
        values={f"slope:{k}": s for k, s in slopes.items()},
    )


def fwd_over_rev_pairs(results: Results) -> dict[str, Pair]:
    """Each other HVP's samples against forward-over-reverse's, at the largest timed dimension."""
    dims = results.by("dim", "hvp-time", "fwd-over-rev")
    if not dims:
        raise NotMeasured("no hvp-time timings")
    top = max(dims)
    fast = results.timing("hvp-time", "fwd-over-rev", dim=top)
    return {
        f"against {other} at dimension {top:,}": (
            results.timing("hvp-time", other, dim=top).samples_s,
            fast.samples_s,
        )
        for other in CHEAPEST_AGAINST
    }


def _checkpoint_temps(results: Results) -> dict[str, int]:
    return {
        r.variant: r.memory.temp_bytes
        for r in results.select("checkpoint")
        if isinstance(r.memory, Memory)
    }


def nothing_saveable_cuts_memory(results: Results) -> Evidence:
    """The gradient checkpointed with ``nothing_saveable`` needs fewer temporaries than without."""
    temps = _checkpoint_temps(results)
    if not {"no-checkpoint", "nothing_saveable"} <= set(temps):
        raise NotMeasured("checkpoint memory of no-checkpoint or nothing_saveable missing")
    plain, remat = temps["no-checkpoint"], temps["nothing_saveable"]
    counted({"no-checkpoint bytes": plain, "nothing_saveable bytes": remat}, "checkpoint")
    return Evidence(
        holds=remat < plain,
        figure=f"{mib(remat)} with nothing_saveable against {mib(plain)} without checkpointing "
        f"({plain / remat:.1f}× less)"
        if remat
        else f"{mib(remat)} with nothing_saveable against {mib(plain)}",
        values={"no-checkpoint": plain, "nothing_saveable": remat},
    )


CLAIMS = (
    StrictClaim(
        id="hvp-forms-agree",
        statement="Forward-over-reverse, reverse-over-forward and reverse-over-reverse compute "
        "the same Hessian-vector product as forming the Hessian and multiplying.",
        suite="autodiff",
        reads=benchmark_variants("hvp-agreement/check"),
        predicate=hvps_agree,
    ),
    StrictClaim(
        id="hvp-memory-linear",
        statement="A Hessian-vector product's temporary memory grows linearly with the "
        "dimension; forming the dense Hessian's grows with its square.",
        suite="autodiff",
        reads=benchmark_variants(*(f"hvp-memory/{v}" for v in (*HVP_FORMS, "hessian"))),
        predicate=hvp_memory_linear,
    ),
    MeasuredClaim(
        id="hvp-fwd-over-rev-cheapest",
        statement="Forward-over-reverse is the fastest of the three Hessian-vector products.",
        suite="autodiff",
        reads=benchmark_variants(*(f"hvp-time/{v}" for v in HVP_FORMS)),
        predicate=fwd_over_rev_pairs,
        threshold=FASTER,
    ),
    StrictClaim(
        id="checkpoint-nothing-saveable-cuts-memory",
        statement="Checkpointing each layer with nothing_saveable lowers the temporary memory "
        "of a deep MLP's gradient.",
        suite="autodiff",
        reads=benchmark_variants("checkpoint/no-checkpoint", "checkpoint/nothing_saveable"),
        predicate=nothing_saveable_cuts_memory,
    ),
)
