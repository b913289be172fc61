"""The vmap-speed page's three per-example functions, and each batched by hand.

From memory-bound to compute-bound: the element-wise ``add``; ``huber``, a Huber loss that
branches per element with :func:`jax.lax.cond` (batched by hand with :func:`jax.numpy.where`);
``mlp``, a small two-layer perceptron. The harness's ``vmap-speed`` suite times each of them
as ``manual`` (the ``_batch`` version), ``vmap``, a Python ``loop`` and their jitted forms.

>>> import jax, jax.numpy as jnp
>>> rs = jnp.array([-3.0, 0.5, 2.0])
>>> bool(jnp.allclose(jax.vmap(huber)(rs), huber_batch(rs)))
True
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
from jax import lax

__all__ = [
    "DELTA",
    "WIDTHS",
    "Params",
    "add",
    "add_batch",
    "huber",
    "huber_batch",
    "inputs",
    "mlp",
    "mlp_batch",
]


def add(x: jax.Array, y: jax.Array) -> jax.Array:
    """The vmap course page's example: add two scalars."""
    return x + y


def add_batch(xs: jax.Array, ys: jax.Array) -> jax.Array:
    """``add`` batched by hand: :func:`jax.numpy.add` takes whole arrays."""
    return jnp.add(xs, ys)


DELTA = 1.0
"""Where the Huber loss turns from quadratic to linear."""


def _quadratic(r: jax.Array) -> jax.Array:
    return 0.5 * r * r


def _linear(r: jax.Array) -> jax.Array:
    return DELTA * (jnp.abs(r) - 0.5 * DELTA)


def huber(r: jax.Array) -> jax.Array:
    """Huber loss of one residual, with per-element control flow (:func:`jax.lax.cond`).

    The branches are module-level functions: lambdas made afresh on each call would make
    every eager call of ``lax.cond`` compile again.
    """
    loss: jax.Array = lax.cond(jnp.abs(r) <= DELTA, _quadratic, _linear, r)
    return loss


def huber_batch(rs: jax.Array) -> jax.Array:
    """``huber`` batched by hand: both branches everywhere, then :func:`jax.numpy.where`."""
    return jnp.where(jnp.abs(rs) <= DELTA, _quadratic(rs), _linear(rs))


Params = tuple[jax.Array, jax.Array, jax.Array, jax.Array]
"""The perceptron's parameters, ``(w1, b1, w2, b2)``."""
WIDTHS = (32, 64, 8)
"""Input, hidden and output widths of the per-example perceptron."""


def mlp(params: Params, x: jax.Array) -> jax.Array:
    """A two-layer perceptron applied to one example ``x`` of shape ``(32,)``."""
    w1, b1, w2, b2 = params
    return jnp.tanh(x @ w1 + b1) @ w2 + b2


def mlp_batch(params: Params, xs: jax.Array) -> jax.Array:
    """``mlp`` batched by hand: a batch of rows times each weight matrix."""
    w1, b1, w2, b2 = params
    return jnp.tanh(xs @ w1 + b1[None, :]) @ w2 + b2[None, :]


def inputs(benchmark: str, batch: int) -> tuple[Any, ...]:
    """Deterministic arguments for ``benchmark`` (``"add"``, ``"where"`` or ``"mlp"``) at ``batch``
    examples: what the harness and the release sweep time each function on.

    >>> [a.shape for a in inputs("where", 5)]
    [(5,)]
    >>> params, xs = inputs("mlp", 5)
    >>> [p.shape for p in params], xs.shape
    ([(32, 64), (64,), (64, 8), (8,)], (5, 32))
    """
    key = jax.random.key(0)
    if benchmark == "add":
        return jnp.ones(batch), jnp.arange(batch, dtype=jnp.float32)
    if benchmark == "where":
        return (2 * DELTA * jax.random.normal(key, (batch,)),)
    d_in, hidden, d_out = WIDTHS
    k1, k2, k3 = jax.random.split(key, 3)
    params = (
        jax.random.normal(k1, (d_in, hidden)) / d_in**0.5,
        jnp.zeros(hidden),
        jax.random.normal(k2, (hidden, d_out)) / hidden**0.5,
        jnp.zeros(d_out),
    )
    return params, jax.random.normal(k3, (batch, d_in))
