"""Examples for the control-flow page: Python control flow under jit, and lax's structured loops.

>>> import jax.numpy as jnp
>>> prefix_sum_scan(jnp.arange(4.0))
Array([0., 1., 3., 6.], dtype=float32)
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import lax

__all__ = [
    "Weights",
    "branchy",
    "cheap",
    "expensive",
    "fori_power_sum",
    "halve_at_most",
    "halve_until_small",
    "init_weights",
    "loop_over_examples",
    "prefix_sum_associative",
    "prefix_sum_scan",
    "rnn",
    "rnn_loss",
    "step",
]

Weights = tuple[jax.Array, jax.Array]
"""The two weight matrices of a step, ``(w_in, w_out)``, shaped ``(width, hidden)`` and
``(hidden, width)``."""


def cheap(x: jax.Array, w: jax.Array) -> jax.Array:
    """The cheap branch: one multiply per element (``w`` is unused, to match :func:`expensive`).

    >>> cheap(jnp.ones(2), jnp.eye(2))
    Array([2., 2.], dtype=float32)
    """
    del w
    return 2.0 * x


def expensive(x: jax.Array, w: jax.Array) -> jax.Array:
    """The expensive branch: sixty-four rounds of ``tanh(w @ x)``, a matrix-vector product each.

    >>> expensive(jnp.zeros(3), jnp.eye(3))
    Array([0., 0., 0.], dtype=float32)
    """
    rounds: jax.Array = lax.fori_loop(0, 64, lambda _, h: jnp.tanh(w @ h), x)
    return rounds


def branchy(pred: jax.Array, x: jax.Array, w: jax.Array) -> jax.Array:
    """:func:`expensive` where ``pred`` is true, else :func:`cheap`, with ``lax.cond``.

    >>> branchy(jnp.array(False), jnp.ones(2), jnp.eye(2))
    Array([2., 2.], dtype=float32)
    """
    chosen: jax.Array = lax.cond(pred, expensive, cheap, x, w)
    return chosen


def loop_over_examples(
    one: jax.stages.Wrapped, preds: jax.Array, xs: jax.Array, w: jax.Array
) -> jax.Array:
    """``one`` (a jitted :func:`branchy`) called once per example, in a Python loop.

    Each call's predicate is a single boolean, so its ``cond`` runs one branch: the loop pays
    for the branch each example takes, plus a dispatch per example.

    >>> one = jax.jit(branchy)
    >>> loop_over_examples(one, jnp.array([True, False]), jnp.zeros((2, 2)), jnp.eye(2)).shape
    (2, 2)
    """
    return jnp.stack([one(p, x, w) for p, x in zip(preds, xs, strict=True)])


def halve_until_small(x: jax.Array) -> jax.Array:
    """Halve ``x`` until it is below one, with ``lax.while_loop``: its trip count depends on ``x``.

    >>> float(halve_until_small(jnp.array(5.0)))
    0.625
    """
    return lax.while_loop(lambda v: v >= 1.0, lambda v: v / 2.0, x)


def halve_at_most(x: jax.Array, trips: int = 64) -> jax.Array:
    """:func:`halve_until_small` as ``trips`` trips, which ``grad`` differentiates.

    Each trip halves ``x`` only while it is at least one and leaves it as it
    is after, so the result is the same whenever ``trips`` is enough (64
    halvings take any float32 below 2⁶⁴ under one). ``trips`` is a Python
    integer, so ``fori_loop`` becomes a ``scan``.

    >>> float(halve_at_most(jnp.array(5.0)))
    0.625
    >>> float(jax.grad(halve_at_most)(5.0))
    0.125
    """
    halved: jax.Array = lax.fori_loop(
        0, trips, lambda _, v: jnp.where(v >= 1.0, v / 2.0, v), jnp.asarray(x, float)
    )
    return halved


def fori_power_sum(x: jax.Array, n: int | jax.Array) -> jax.Array:
    """``x + x² + … + xⁿ``, accumulated with ``lax.fori_loop`` from 1 to ``n``.

    >>> float(fori_power_sum(jnp.array(2.0), 3))
    14.0
    """
    total: jax.Array = lax.fori_loop(1, n + 1, lambda i, acc: acc + x**i, jnp.zeros_like(x))
    return total


def init_weights(key: jax.Array, width: int, hidden: int) -> Weights:
    """Random weights for :func:`step`, scaled so that ``tanh`` neither saturates nor vanishes.

    >>> [w.shape for w in init_weights(jax.random.key(0), 4, 16)]
    [(4, 16), (16, 4)]
    """
    k_in, k_out = jax.random.split(key)
    w_in = jax.random.normal(k_in, (width, hidden)) / jnp.sqrt(width)
    w_out = jax.random.normal(k_out, (hidden, width)) / jnp.sqrt(hidden)
    return w_in, w_out


def step(weights: Weights, h: jax.Array, x: jax.Array) -> tuple[jax.Array, jax.Array]:
    """One step of a small recurrent network: the new carry, and the step's output.

    The hidden layer (``hidden`` wide) is what reverse mode keeps for every step.

    >>> w = init_weights(jax.random.key(0), 4, 16)
    >>> [a.shape for a in step(w, jnp.zeros(4), jnp.ones(4))]
    [(4,), ()]
    """
    w_in, w_out = weights
    hidden = jnp.tanh((h + x) @ w_in)
    new_h = jnp.tanh(hidden @ w_out)
    return new_h, jnp.sum(new_h)


def rnn(
    weights: Weights, xs: jax.Array, *, checkpoint: bool = False, unroll: int = 1
) -> tuple[jax.Array, jax.Array]:
    """Run :func:`step` along a sequence ``xs`` ``(length, width)`` with ``lax.scan``.

    Returns the last carry and the outputs stacked along a new leading axis. With
    ``checkpoint``, the step is wrapped in ``jax.checkpoint``, so reverse mode keeps only each
    step's carry and recomputes the rest; ``unroll`` is passed to ``scan``.

    >>> w = init_weights(jax.random.key(0), 4, 16)
    >>> h, ys = rnn(w, jnp.ones((10, 4)))
    >>> h.shape, ys.shape
    ((4,), (10,))
    """
    body = jax.checkpoint(step) if checkpoint else step

    def scanned(h: jax.Array, x: jax.Array) -> tuple[jax.Array, jax.Array]:
        return body(weights, h, x)

    return lax.scan(scanned, jnp.zeros(xs.shape[-1], xs.dtype), xs, unroll=unroll)


def rnn_loss(weights: Weights, xs: jax.Array, *, checkpoint: bool = False) -> jax.Array:
    """The mean of :func:`rnn`'s outputs: a scalar to differentiate.

    >>> w = init_weights(jax.random.key(0), 4, 16)
    >>> rnn_loss(w, jnp.zeros((5, 4)))
    Array(0., dtype=float32)
    """
    return jnp.mean(rnn(weights, xs, checkpoint=checkpoint)[1])


def prefix_sum_scan(x: jax.Array) -> jax.Array:
    """Running sums of ``x``, one element a step, with ``lax.scan``.

    >>> prefix_sum_scan(jnp.ones(3))
    Array([1., 2., 3.], dtype=float32)
    """

    def add(total: jax.Array, v: jax.Array) -> tuple[jax.Array, jax.Array]:
        return total + v, total + v

    return lax.scan(add, jnp.zeros((), x.dtype), x)[1]


def prefix_sum_associative(x: jax.Array) -> jax.Array:
    """Running sums of ``x`` with ``lax.associative_scan``, in rounds.

    About ``2·log2(n)`` rounds, the adds within a round independent of one
    another; about twice the adds of the sequential sum in all. For a plain
    running sum JAX has ``jnp.cumsum``; ``associative_scan`` is for an
    associative operation of one's own.

    >>> prefix_sum_associative(jnp.ones(3))
    Array([1., 2., 3.], dtype=float32)
    """
    sums: jax.Array = lax.associative_scan(jnp.add, x)
    return sums
