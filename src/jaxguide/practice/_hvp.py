"""Practical: a Hessian-vector product without forming the Hessian."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxguide.practice._jaxpr import shapes
from jaxguide.practice._report import Mistake, call, checker
from jaxguide.practice._trees import close, compare

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


@checker("hvp")
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
        expected = np.asarray(_HESSIANS[f](x)) @ v
        _diagnose(got, expected, f, x, v)
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


def _diagnose(got: Any, expected: np.ndarray, f: Callable[..., Any], x: Any, v: Any) -> None:
    if isinstance(got, tuple | list) and len(got) == 2:
        raise Mistake(
            "returns a pair: jax.jvp returns (value, tangent), and the product is the tangent"
        )
    if np.shape(got) == ():
        raise Mistake(
            "returns a scalar, the derivative of f along v; the product is the derivative of "
            "grad(f) along v"
        )
    if close(got, expected):
        return
    if close(got, np.asarray(_GRADS[f](x)) * v):
        raise Mistake("returns grad(f)(x) * v, the gradient scaled entry by entry, not H @ v")
    if close(got, expected, rtol=1e-2, atol=1e-3):
        raise Mistake(
            "close to H @ v but not equal (within 1%, not 1e-4): a finite difference of grad(f) "
            "approximates the product; jax.jvp of grad(f) computes it exactly"
        )
