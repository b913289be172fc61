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

SOFTPLUS_TOLERANCE = 1e-6
"""Largest difference of a softplus derivative from the analytic one, relative to the analytic
one's largest: a few float32 roundings (its epsilon is about 1.2e-7)."""


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


def _against_fwd_over_rev(label: str) -> tuple[str, str, str]:
    """The sides of :func:`fwd_over_rev_pairs`' comparison ``label``: the other form over
    forward-over-reverse.

    >>> _against_fwd_over_rev("against rev-over-rev at dimension 1,000")
    ('rev-over-rev', 'forward-over-reverse', 'at dimension 1,000')
    """
    other, _, where = label.removeprefix("against ").partition(" at ")
    return other, "forward-over-reverse", f"at {where}"


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


def _softplus(results: Results) -> dict[str, float]:
    return {k: float(v) for k, v in results.record("softplus", "check").values.items()}


def custom_jvp_keeps_forward_mode(results: Results) -> Evidence:
    """The custom_jvp softplus's gradient, Hessian and forward-over-reverse HVP are analytic."""
    v = _softplus(results)
    errors = {k: v[f"jvp_{k}_error"] for k in ("grad", "hessian", "hvp")}
    worst = largest(errors.values())
    return Evidence(
        holds=worst <= SOFTPLUS_TOLERANCE,
        figure=f"largest relative difference from the analytic derivatives {worst:.1e} at "
        f"{v['points']:.0f} points from -100 to 100 (gradient {errors['grad']:.1e}, Hessian "
        f"{errors['hessian']:.1e}, HVP {errors['hvp']:.1e}); tolerance {SOFTPLUS_TOLERANCE:g}",
        values=errors,
    )


def custom_vjp_no_forward_mode(results: Results) -> Evidence:
    """Each forward-mode transformation of the custom_vjp softplus raised; grad did not."""
    v = _softplus(results)
    tried, raised = int(v["vjp_forward_tried"]), int(v["vjp_forward_raised"])
    return Evidence(
        holds=tried > 0 and raised == tried and v["vjp_grad_error"] <= SOFTPLUS_TOLERANCE,
        figure=f"{raised} of {tried} (jacfwd, hessian, forward-over-reverse HVP) raised; its "
        f"grad is within {v['vjp_grad_error']:.1e} of sigmoid(x)",
        values={"raised": raised, "tried": tried},
    )


def rewritten_wrong_at_zero(results: Results) -> Evidence:
    """The rewritten softplus's gradient is sigmoid(x) away from 0, and 0 (not 1/2) at 0."""
    v = _softplus(results)
    at_0, exact, elsewhere = (
        v["rewritten_grad_at_0"],
        v["exact_grad_at_0"],
        v["rewritten_grad_error_elsewhere"],
    )
    return Evidence(
        holds=at_0 == 0.0 and exact == 0.5 and elsewhere <= SOFTPLUS_TOLERANCE,
        figure=f"gradient {at_0:g} at 0 where sigmoid(0) = {exact:g}; elsewhere within "
        f"{elsewhere:.1e} of sigmoid(x)",
        values={"at_0": at_0, "exact": exact, "elsewhere": elsewhere},
    )


_SOFTPLUS = benchmark_variants("softplus/check")

CLAIMS = (
    StrictClaim(
        id="hvp-forms-agree",
        statement="Forward-over-reverse, reverse-over-forward and reverse-over-reverse compute "
        "the same Hessian-vector product as forming the Hessian and multiplying.",
        suite="autodiff",
        falsified_by="Some HVP form differs from hessian(f)(x) @ v by more than 1e-5 of its "
        "largest entry.",
        reads=benchmark_variants("hvp-agreement/check"),
        predicate=hvps_agree,
    ),
    StrictClaim(
        id="hvp-memory-linear",
        statement="A Hessian-vector product's temporary memory grows linearly with the "
        "dimension; forming the dense Hessian's grows with its square.",
        suite="autodiff",
        falsified_by="An HVP's temporary bytes grow with a log-log slope outside 0.8–1.2 in the "
        "dimension, or the Hessian's outside 1.8–2.2.",
        reads=benchmark_variants(*(f"hvp-memory/{v}" for v in (*HVP_FORMS, "hessian"))),
        predicate=hvp_memory_linear,
    ),
    MeasuredClaim(
        id="hvp-fwd-over-rev-cheapest",
        statement="Forward-over-reverse is the fastest of the three Hessian-vector products.",
        suite="autodiff",
        falsified_by="At the largest dimension, another HVP form takes under 1.1× "
        "forward-over-reverse's time.",
        reads=benchmark_variants(*(f"hvp-time/{v}" for v in HVP_FORMS)),
        predicate=fwd_over_rev_pairs,
        ratio_of=_against_fwd_over_rev,
        threshold=FASTER,
    ),
    StrictClaim(
        id="checkpoint-nothing-saveable-cuts-memory",
        statement="Checkpointing each layer with nothing_saveable lowers the temporary memory "
        "of a deep MLP's gradient.",
        suite="autodiff",
        falsified_by="XLA's memory analysis gives the gradient with nothing_saveable as many "
        "temporary bytes as without, or more.",
        reads=benchmark_variants("checkpoint/no-checkpoint", "checkpoint/nothing_saveable"),
        predicate=nothing_saveable_cuts_memory,
    ),
    StrictClaim(
        id="custom-jvp-keeps-forward-mode",
        statement="With jax.custom_jvp, the stable softplus keeps forward mode: its gradient, "
        "its Hessian and a forward-over-reverse Hessian-vector product through it match the "
        "analytic sigmoid(x) and sigmoid(x)(1 - sigmoid(x)).",
        suite="autodiff",
        reads=_SOFTPLUS,
        predicate=custom_jvp_keeps_forward_mode,
        falsified_by="On some jax/jaxlib or backend, jax.hessian or hvp_fwd_over_rev through "
        "the custom_jvp softplus raises, or differs from sigmoid(x)(1 - sigmoid(x)) by more "
        "than a relative 1e-6.",
    ),
    StrictClaim(
        id="custom-vjp-blocks-forward-mode",
        statement="Forward mode through a jax.custom_vjp function raises: jax.jacfwd, "
        "jax.hessian and a forward-over-reverse Hessian-vector product of the custom_vjp "
        "softplus all fail, while its grad works.",
        suite="autodiff",
        reads=_SOFTPLUS,
        predicate=custom_vjp_no_forward_mode,
        falsified_by="A JAX release in which jax.jvp of a custom_vjp function returns a value "
        "(JAX deriving a forward rule from the backward one) instead of raising TypeError.",
    ),
    StrictClaim(
        id="rewritten-softplus-wrong-at-zero",
        statement="Rewritten without a custom rule, the stable softplus max(x, 0) + "
        "log1p(exp(-|x|)) has autodiff's gradient sigmoid(x) everywhere but at 0, where it gives 0 "
        "instead of 1/2.",
        suite="autodiff",
        reads=_SOFTPLUS,
        predicate=rewritten_wrong_at_zero,
        falsified_by="A JAX release whose derivative conventions at a tie of maximum (1/2 to "
        "each side) or at 0 of abs (slope 1) change so that the two pieces' derivatives add "
        "up to 1/2 at 0.",
    ),
)
