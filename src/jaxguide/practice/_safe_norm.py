"""Practical: a norm whose value and gradient are both finite at zero."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxguide.practice._report import (
    Fitted,
    Hint,
    Mistake,
    Wrong,
    _name,
    call,
    checker,
    identify,
)
from jaxguide.practice._trees import ATOL, RTOL, compare

__all__ = ["check_safe_norm"]

POINTS = np.array(
    [
        [0.0, 0.0, 0.0],  # the point where sqrt's derivative is infinite
        [3e-4, -4e-4, 0.0],  # close to it: a norm of 5e-4
        [3.0, 4.0, 0.0],
        [-1.0, 2.0, 2.0],
    ],
    np.float32,
)


def _sum_sq(x: jax.Array) -> jax.Array:
    return jnp.sum(x * x)


def _values_and_grads(fn: Callable[[jax.Array], jax.Array], points: Any) -> tuple[Any, Any]:
    # The NaN at zero is what the check reads and names; with jax_debug_nans on (as a reader
    # fresh from the debugging page may have it), it would be a FloatingPointError instead.
    with jax.debug_nans(False):
        pairs = [jax.jit(jax.value_and_grad(fn))(jnp.asarray(p)) for p in points]
    return np.stack([np.asarray(v) for v, _ in pairs]), np.stack([np.asarray(g) for _, g in pairs])


def _reference(points: Any) -> tuple[Any, Any]:
    points = np.asarray(points, np.float64)
    norms = np.sqrt(np.sum(points * points, axis=1))
    safe = np.where(norms > 0, norms, 1.0)[:, None]
    return norms.astype(np.float32), np.where(norms[:, None] > 0, points / safe, 0.0).astype(
        np.float32
    )


def _eps(got: Any) -> float | None:
    """The eps a value at zero of sqrt(eps) says was used, if it is positive."""
    at_zero = float(np.asarray(got[0])[0])
    return at_zero * at_zero if np.isfinite(at_zero) and at_zero > 0 else None


def _added(points: Any, got: Any) -> Fitted | None:
    eps = _eps(got)
    if eps is None:
        return None
    out = _values_and_grads(lambda x: jnp.sqrt(_sum_sq(x) + eps), points)
    return Fitted(out, f"(eps = {eps:.3g}, read from your value at zero, {np.sqrt(eps):.3g})")


def _clipped(points: Any, got: Any) -> Fitted | None:
    eps = _eps(got)
    if eps is None:
        return None
    out = _values_and_grads(lambda x: jnp.sqrt(jnp.maximum(_sum_sq(x), eps)), points)
    return Fitted(out, f"(eps = {eps:.3g}, read from your value at zero, {np.sqrt(eps):.3g})")


def _subtracted(points: Any, got: Any) -> Fitted | None:
    """sqrt(s + eps) - sqrt(eps), with the eps your value near zero says: 0 at zero, but a
    norm of r near zero comes out as about r**2 / (2 sqrt(eps))."""
    s = float(np.sum(np.asarray(points[1], np.float64) ** 2))
    value = float(np.asarray(got[0])[1])
    if not (np.isfinite(value) and value > 0):
        return None
    root = (s - value * value) / (2 * value)
    if root <= 0:
        return None
    eps = root * root
    out = _values_and_grads(lambda x: jnp.sqrt(_sum_sq(x) + eps) - np.float32(root), points)
    return Fitted(out, f"(eps = {eps:.3g}, read from your value {value:.3g} at x = {_x(1)})")


def _thresholded(points: Any) -> tuple[Any, Any]:
    """The norm and its gradient with the vector near zero (point 1) counted as zero."""
    values, grads = _reference(points)
    small = np.sum(np.asarray(points, np.float64) ** 2, axis=1) < 1e-6
    return np.where(small, 0.0, values).astype(np.float32), np.where(
        small[:, None], 0.0, grads
    ).astype(np.float32)


def _x(i: int) -> str:
    return "[" + ", ".join(f"{c:.3g}" for c in POINTS[i].tolist()) + "]"


WRONGS = (
    Wrong(
        "eps added",
        "jnp.sqrt(s + eps): finite everywhere, but every value is shifted, most at zero,",
        _added,
        "don't change s; select a safe argument where s is zero instead (a double where)",
        fit=True,
    ),
    Wrong(
        "s clipped",
        "jnp.sqrt(jnp.maximum(s, eps)): finite, but near zero the value is sqrt(eps), not the "
        "norm, and the gradient is zero",
        _clipped,
        "don't clip s; select a safe argument where s is exactly zero (a double where)",
        fit=True,
    ),
    Wrong(
        "the squared norm",
        "sum(x * x), the squared norm, whose gradient 2x is finite: the square root left out",
        lambda points: (
            np.sum(np.asarray(points) ** 2, axis=1),
            2 * np.asarray(points),
        ),
        "take the square root of sum(x * x), safely where it is zero",
    ),
    Wrong(
        "stop_gradient",
        "the norm with its gradient stopped (jax.lax.stop_gradient): the value is right and "
        "finite, but the gradient is zero everywhere",
        lambda points: (_reference(points)[0], np.zeros_like(np.asarray(points))),
        "leave the gradient on; make the square root's argument safe where s is zero instead",
    ),
    Wrong(
        "eps added, then its root subtracted",
        "jnp.sqrt(s + eps) - jnp.sqrt(eps): 0 at zero, but near zero the value is about "
        "norm**2 / (2 sqrt(eps)), far below the norm,",
        _subtracted,
        "leave s as it is; select a safe argument where s is exactly zero (a double where)",
        fit=True,
    ),
    Wrong(
        "a threshold in the condition",
        f"the norm with a short vector counted as zero: a condition such as s > eps (or norm "
        f"> eps) sends x = {_x(1)}, whose norm is "
        f"{float(np.linalg.norm(POINTS[1])):.2g}, to the zero branch",
        _thresholded,
        "compare with zero (s > 0): only s exactly 0 needs the safe branch",
    ),
)


NAN_AT_ZERO = (
    "the plain norm",
    "nan_to_num on the value",
    "a clip after the square root",
    "a derivative rule of your own that divides by the norm",
    "one where",
)


def _nan_at_zero(fn: Callable[[jax.Array], jax.Array], got: tuple[Any, Any]) -> None:
    """Name a right value whose gradient is NaN at zero, told apart by what its jaxpr holds:
    jnp.nan_to_num, a max after the sqrt, a where (a select), or none of them (the plain
    norm)."""
    values, grads = np.asarray(got[0]), np.asarray(got[1])
    expected = _reference(POINTS)[0]
    if not (np.isnan(grads[0]).any() and np.allclose(values, expected, rtol=1e-4, atol=1e-5)):
        return
    at_zero = f"(gradient at zero: {grads[0].tolist()})"
    try:
        jaxpr = str(jax.make_jaxpr(fn)(jnp.zeros(3)))
    except Exception:  # noqa: BLE001 (a function that traces under jit but not here)
        jaxpr = ""
    double_where = "jnp.where(s > 0, jnp.sqrt(jnp.where(s > 0, s, 1.0)), 0.0)"
    if "nan_to_num" in jaxpr:
        raise Mistake(
            "nan_to_num on the value: the values are right, but the gradient at zero is NaN "
            f"{at_zero}: jnp.nan_to_num cleans the value, which was never NaN (sqrt(0) is 0); "
            "the NaN is made when grad multiplies sqrt's infinite derivative at 0 by the zero "
            "derivative of sum(x * x), and nan_to_num on the value does not reach it — keep "
            f"the NaN from being made: {double_where}"
        )
    if "custom_jvp_call" in jaxpr or "custom_vjp_call" in jaxpr:
        raise Mistake(
            "a derivative rule of your own that divides by the norm: the values are right, "
            f"but the gradient your custom_jvp or custom_vjp rule gives at zero is NaN "
            f"{at_zero}: x / norm(x) is 0 / 0 there — guard the division in the rule: "
            "jnp.where(n > 0, x / jnp.where(n > 0, n, 1.0), 0.0), with n the norm"
        )
    if "sqrt" in jaxpr and re.search(r"\bmax\b", jaxpr.split("sqrt", 1)[1]):
        raise Mistake(
            "a clip after the square root: the values are right, but the gradient at zero is "
            f"NaN {at_zero}: jnp.maximum(norm, eps) still differentiates sqrt at 0, and grad "
            "multiplies its infinite derivative by the zero that maximum passes back to it: "
            f"NaN — make the square root's argument safe before it is taken: {double_where}"
        )
    if "select_n" in jaxpr:
        raise Mistake(
            "one where: the values are right, but the gradient at zero is NaN although your "
            f"function has a jnp.where {at_zero}: grad differentiates both branches of a "
            "where, and the zero it passes to the untaken one, times sqrt's infinite "
            "derivative at 0, is NaN — select a safe argument for the square root too, "
            "jnp.sqrt(jnp.where(s > 0, s, 1.0)), inside the where (the double where), with a "
            "condition that is false at zero (s > 0, not s >= 0)"
        )
    raise Mistake(
        f"the plain norm: the values are right, but the gradient at zero is NaN {at_zero}: "
        "sqrt's derivative at 0 is infinite, and the chain rule multiplies it by the zero "
        "derivative of sum(x * x) — select a safe argument where s is zero, then the value: "
        f"{double_where}"
    )


SCALAR = Hint(
    "not one number",
    lambda _, text: (
        "safe_norm(x) should return one number, the norm of the whole vector x, and only "
        "that: the check takes the gradient itself"
        + (
            " (a condition on x, such as jnp.where(x != 0, ...), makes where return a "
            "vector: put the condition on s = jnp.sum(x * x))"
            if "Output had shape" in text
            else ""
        )
        if "Gradient only defined for scalar-output functions" in text
        else None
    ),
)


def _per_point(got: tuple[Any, Any], expected: tuple[Any, Any]) -> None:
    """Say at which point, given by its x, the value or the gradient differs, and how."""
    for i in range(len(POINTS)):
        value, norm = float(np.asarray(got[0])[i]), float(expected[0][i])
        if not np.isclose(value, norm, rtol=RTOL, atol=ATOL):
            finite = "" if np.isfinite(value) else ", not finite"
            raise Mistake(
                f"at x = {_x(i)}, your value is {value:.4g}{finite}; the norm's is {norm:.4g}"
            )
        grad, right = np.asarray(got[1][i], np.float64), np.asarray(expected[1][i], np.float64)
        if not np.isclose(grad, right, rtol=RTOL, atol=ATOL).all():
            finite = "" if np.isfinite(grad).all() else ", not finite"
            asked = "x / norm(x) is" if i else "the task asks for"
            raise Mistake(
                f"at x = {_x(i)}, your gradient is {_vector(grad)}{finite}; {asked} "
                f"{_vector(right)}"
            )


def _vector(a: Any) -> str:
    return "[" + ", ".join(f"{float(c):.4g}" for c in np.ravel(a)) + "]"


SHIFTED = "a value at zero shifted"


@checker("safe_norm", (*NAN_AT_ZERO, *WRONGS, SHIFTED, SCALAR))
def check_safe_norm(fn: Callable[[jax.Array], jax.Array]) -> str:
    """Check ``fn(x)``: the Euclidean norm of a vector, with a finite gradient everywhere.

    ``jax.value_and_grad(fn)``, jitted, is called at zero, near zero and at two ordinary
    points, and compared with the norm and its gradient ``x / norm(x)`` (0 at zero).

    >>> import jax.numpy as jnp
    >>> def safe_norm(x):
    ...     s = jnp.sum(x * x)
    ...     return jnp.where(s > 0, jnp.sqrt(jnp.where(s > 0, s, 1.0)), 0.0)
    >>> check_safe_norm(safe_norm)
    ✓ ...
    >>> check_safe_norm(lambda x: jnp.sqrt(jnp.sum(x * x)))
    ✗ safe_norm: the plain norm: the values are right, but the gradient at zero is NaN ...
    """
    got = call(
        _values_and_grads,
        fn,
        POINTS,
        hints=(SCALAR,),
        what=f"jax.jit(jax.value_and_grad({_name(fn)}))",
    )
    _nan_at_zero(fn, got)
    expected = _reference(POINTS)
    identify(got, expected, WRONGS, (POINTS,), what="the norm and its gradient")
    _per_point(got, expected)
    compare(got, expected, what="(values, gradients) at the four points", axes=("point",))
    if float(np.asarray(got[0])[0]) != 0.0:
        raise Mistake(
            f"{SHIFTED}: the value at zero is {float(np.asarray(got[0])[0]):.3g}, not 0 as the norm's "
            "is: something was added to the norm or to the square root's argument"
        )
    return (
        f"safe_norm and its gradient match the norm and x / norm(x) at {len(POINTS)} points "
        "under jit, zero included: the value there is 0 and the gradient 0, both finite"
    )
