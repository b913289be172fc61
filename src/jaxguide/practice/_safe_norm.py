"""Practical: a norm whose value and gradient are both finite at zero."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxguide.practice._report import Fitted, Mistake, Wrong, _name, call, checker, identify
from jaxguide.practice._trees import compare

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
)


NAN_AT_ZERO = ("the plain norm", "one where")


def _nan_at_zero(fn: Callable[[jax.Array], jax.Array], got: tuple[Any, Any]) -> None:
    """Name a right value whose gradient is NaN at zero: the plain norm, or one where (told
    apart by the select the jaxpr of a where has)."""
    values, grads = np.asarray(got[0]), np.asarray(got[1])
    expected = _reference(POINTS)[0]
    if not (np.isnan(grads[0]).any() and np.allclose(values, expected, rtol=1e-4, atol=1e-5)):
        return
    jaxpr = str(jax.make_jaxpr(fn)(jnp.zeros(3)))
    if "select_n" in jaxpr:
        raise Mistake(
            "one where: the values are right, but the gradient at zero is NaN although "
            "jnp.where selects 0 there: grad differentiates both branches, and the untaken "
            "one, sqrt at 0, has an infinite derivative, which times the zero where gives is "
            f"NaN (gradient at zero: {grads[0].tolist()}) — give the square root a safe "
            "argument too: jnp.sqrt(jnp.where(s > 0, s, 1.0)) inside the where (the double "
            "where)"
        )
    raise Mistake(
        "the plain norm: the values are right, but the gradient at zero is NaN "
        f"({grads[0].tolist()}): sqrt's derivative at 0 is infinite, and the chain rule "
        "multiplies it by the zero derivative of sum(x * x) — select a safe argument where "
        "s is zero, then the value: jnp.where(s > 0, jnp.sqrt(jnp.where(s > 0, s, 1.0)), 0.0)"
    )


SHIFTED = "a value at zero shifted"


@checker("safe_norm", (*NAN_AT_ZERO, *WRONGS, SHIFTED))
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
    got = call(_values_and_grads, fn, POINTS, what=f"jax.jit(jax.value_and_grad({_name(fn)}))")
    if not (isinstance(got, tuple) and np.shape(got[0]) == (len(POINTS),)):
        raise Mistake(
            "safe_norm should return one number per vector (a scalar), as the norm does; "
            f"got values of shape {np.shape(got[0]) if isinstance(got, tuple) else '?'}"
        )
    _nan_at_zero(fn, got)
    expected = _reference(POINTS)
    identify(got, expected, WRONGS, (POINTS,), what="the norm and its gradient")
    compare(got, expected, what="(values, gradients) at the four points", axes=("point",))
    if float(np.asarray(got[0])[0]) != 0.0:
        raise Mistake(
            f"{SHIFTED}: the value at zero is {float(np.asarray(got[0])[0]):.3g}, not 0 as the norm's "
            "is: something was added to the square root's argument"
        )
    return (
        f"safe_norm and its gradient match the norm and x / norm(x) at {len(POINTS)} points "
        "under jit, zero included: the value there is 0 and the gradient 0, both finite"
    )
