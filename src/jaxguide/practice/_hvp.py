"""Practical: a Hessian-vector product without forming the Hessian."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxguide.practice._jaxpr import shapes
from jaxguide.practice._report import Fitted, Mistake, Wrong, call, checker, identify
from jaxguide.practice._trees import compare

__all__ = ["check_hvp"]

SMALL, LARGE = 6, 50  # values are checked at SMALL; the jaxpr is read at LARGE


def _chain(x: jax.Array) -> jax.Array:
    return jnp.sum(jnp.log(jnp.cosh(x))) + 0.5 * jnp.sum(x[:-1] * x[1:])


def _softmax_total(x: jax.Array) -> jax.Array:
    return jax.nn.logsumexp(x) + 0.1 * jnp.sum(x**2)


def _wavy(x: jax.Array) -> jax.Array:
    return jnp.sum(jnp.sin(x) * x**2)


FUNCTIONS = (_chain, _softmax_total, _wavy)
_HESSIANS = {f: jax.jit(jax.hessian(f)) for f in FUNCTIONS}
_GRADS = {f: jax.jit(jax.grad(f)) for f in FUNCTIONS}
STEPS = tuple(m * 10.0**e for e in range(-5, 0) for m in (1, 2, 3, 5))
"""The finite-difference steps a learner might pick: the check tries each."""


def _hv(f: Callable[..., Any], x: Any, v: Any) -> np.ndarray:
    return np.asarray(_HESSIANS[f](x), np.float64) @ np.asarray(v, np.float64)


def _finite_difference(f: Callable[..., Any], x: Any, v: Any, *, got: Any) -> Fitted | None:
    """The forward or central difference of grad(f) along v nearest the reader's output."""
    g = _GRADS[f]
    at_x = np.asarray(g(x), np.float64)
    candidates = []
    for eps in STEPS:
        after, before = np.asarray(g(x + eps * v), np.float64), np.asarray(g(x - eps * v))
        candidates += [
            ((after - at_x) / eps, f"a forward difference of grad(f) with step {eps:g}"),
            ((after - before) / (2 * eps), f"a central difference of grad(f) with step {eps:g}"),
        ]
    try:
        mine = np.asarray(got, np.float64)
    except (TypeError, ValueError):
        return None
    if mine.shape != np.shape(x):
        return None
    value, detail = min(candidates, key=lambda c: float(np.max(np.abs(c[0] - mine))))
    # Evidence: the output is far nearer this difference than the product itself.
    if np.max(np.abs(value - mine)) > 0.1 * np.max(np.abs(_hv(f, x, v) - mine)):
        return None
    return Fitted(value, detail)


WRONGS = (
    Wrong(
        "the gradient of f instead of H·v",
        "grad(f)(x), the gradient of f",
        lambda f, x, _v: _GRADS[f](x),
        "H·v is the derivative of grad(f) along v",
    ),
    Wrong(
        "the gradient times v, entry by entry",
        "grad(f)(x) * v, the gradient scaled entry by entry",
        lambda f, x, v: np.asarray(_GRADS[f](x)) * v,
        "H·v is the derivative of grad(f) along v",
    ),
    Wrong(
        "jax.jvp's pair (value, tangent)",
        "the pair jax.jvp returns, (grad(f)(x), H·v)",
        lambda f, x, v: (_GRADS[f](x), _hv(f, x, v).astype(np.float32)),
        "the product is the tangent, the second of the pair",
    ),
    Wrong(
        "the derivative of f along v (a scalar)",
        "jax.jvp(f, (x,), (v,))[1], the derivative of f along v (a scalar)",
        lambda f, x, v: jax.jvp(f, (x,), (v,))[1],
        "the product is the derivative of grad(f) along v, a vector",
    ),
    Wrong(
        "the scalar vᵀHv",
        "v·(H·v), the curvature along v (a scalar)",
        lambda f, x, v: np.vdot(v, _hv(f, x, v)),
        "return the vector H·v itself",
    ),
    Wrong(
        "x and v swapped",
        "the Hessian at v times x (x and v swapped)",
        lambda f, x, v: _hv(f, v, x),
        "differentiate grad(f) at x, along v",
    ),
    Wrong(
        "a finite difference of the gradient",
        "",
        _finite_difference,
        "a difference quotient approximates the product; jax.jvp of grad(f) computes it exactly",
        fit=True,
        rtol=1e-3,
        atol=1e-4,
    ),
)


@checker("hvp", (*WRONGS, "the Hessian formed in full"))
def check_hvp(fn: Callable[..., Any]) -> str:
    """Check ``fn(f, x, v)``: the Hessian of a scalar ``f`` at ``x``, times ``v``, unformed.

    Values are compared with ``jax.hessian(f)(x) @ v`` for three functions at random points;
    then the jaxpr of ``fn`` for 50-vectors must hold no intermediate of 50² values or more.

    >>> import jax
    >>> check_hvp(lambda f, x, v: jax.jvp(jax.grad(f), (x,), (v,))[1])
    ✓ ...
    >>> check_hvp(lambda f, x, v: jax.hessian(f)(x) @ v)
    ✗ hvp: the Hessian was formed: ...
    """
    rng = np.random.default_rng(7)
    for f in FUNCTIONS:
        x, v = rng.standard_normal((2, SMALL), dtype=np.float32)
        got = call(fn, f, x, v, jit=True)
        expected = _hv(f, x, v).astype(np.float32)
        identify(got, expected, WRONGS, (f, x, v), what="the product H·v")
        compare(got, expected, what="the product")
    x, v = np.zeros((2, LARGE), np.float32)
    formed = [s for s in shapes(lambda x, v: fn(_chain, x, v), x, v) if np.prod(s) >= LARGE**2]
    if formed:
        raise Mistake(
            f"the Hessian was formed: for vectors of {LARGE} its jaxpr makes a {formed[0]} "
            f"intermediate, {LARGE}² values or more, where a Hessian-vector product needs only "
            f"vectors of {LARGE}"
        )
    return (
        f"hvp matches jax.hessian(f)(x) @ v for {len(FUNCTIONS)} functions at random points, and "
        f"for vectors of {LARGE} its jaxpr makes nothing of {LARGE}² values: no Hessian is formed"
    )
