"""Microbatching (gradient accumulation): a batch's mean loss and gradient, a slice at a time."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
from jax import lax

from jaxguide.mitigations._chunked import positive_int

__all__ = ["leading_size", "microbatched_value_and_grad"]


def leading_size(batch: Any) -> int:
    """The size of the leading axis that every leaf of ``batch`` shares.

    >>> import jax.numpy as jnp
    >>> leading_size({"x": jnp.ones((6, 3)), "y": jnp.ones(6)})
    6
    """
    leaves = jax.tree.leaves(batch)
    shapes = [jnp.shape(x) for x in leaves]
    if not leaves or any(not s for s in shapes):
        raise ValueError(
            "every leaf of the batch needs a leading batch axis, got leaves of shapes "
            f"{shapes or 'none (the batch has no leaves)'}"
        )
    sizes = sorted({s[0] for s in shapes})
    if len(sizes) != 1:
        raise ValueError(f"the batch's leaves disagree on the batch size: {sizes}")
    return int(sizes[0])


def microbatched_value_and_grad(
    loss: Callable[..., Any], microbatch_size: int, *, has_aux: bool = False
) -> Callable[[Any, Any], Any]:
    """``jax.value_and_grad(loss)``, computed ``microbatch_size`` examples at a time.

    ``loss(params, batch)`` must return the **mean** over the examples in ``batch`` of a
    per-example loss — the usual ``jnp.mean(jax.vmap(per_example)(params, batch))`` — and
    ``batch`` is a pytree whose leaves share a leading batch axis. The returned function
    takes ``(params, batch)`` and returns what ``jax.value_and_grad(loss)(params, batch)``
    returns, the gradient with respect to ``params``; but it runs ``loss`` and its gradient
    on one microbatch at a time, in a :func:`jax.lax.scan` that adds up each microbatch's
    loss and gradient (gradient accumulation). Only one microbatch's intermediates are
    alive at a time, and nothing is computed twice.

    When ``microbatch_size`` does not divide the batch, the remainder is one smaller
    microbatch; every microbatch is weighted by its size, so the result is the whole
    batch's mean, equal to ``value_and_grad``'s up to float rounding (the sums are taken in
    another order: expect relative differences of a few float32 epsilons per microbatch).
    A loss that couples the examples (a batch norm, a contrastive loss over the batch) is
    not a mean of per-example losses, and microbatching changes it.

    Args:
        loss: ``loss(params, batch)``, the mean loss over the examples in ``batch``; with
            ``has_aux``, a pair ``(mean_loss, aux)``.
        microbatch_size: examples per microbatch, at least 1; a size of the whole batch or
            more is plain ``value_and_grad``.
        has_aux: as for :func:`jax.value_and_grad`. ``aux`` is combined like the loss, as
            the size-weighted mean of its values over the microbatches, so an aux that is a
            mean over the examples (an accuracy) comes out as the whole batch's. Its leaves
            must be floating-point arrays whose shapes do not depend on the microbatch size.

    Returns:
        ``step(params, batch)`` returning ``(loss, grads)``, or ``((loss, aux), grads)``.

    >>> import jax, jax.numpy as jnp
    >>> def loss(w, batch):
    ...     return jnp.mean((batch["x"] @ w - batch["y"]) ** 2)
    >>> batch = {"x": jnp.arange(20.0).reshape(10, 2) / 10, "y": jnp.arange(10.0)}
    >>> w = jnp.array([1.0, -1.0])
    >>> step = microbatched_value_and_grad(loss, microbatch_size=4)  # 4 + 4 + 2 examples
    >>> value, grads = step(w, batch)
    >>> expected_value, expected_grads = jax.value_and_grad(loss)(w, batch)
    >>> bool(jnp.allclose(value, expected_value)), bool(jnp.allclose(grads, expected_grads))
    (True, True)
    """
    positive_int(microbatch_size, "microbatch_size")
    value_and_grad = jax.value_and_grad(loss, has_aux=has_aux)

    @functools.wraps(loss)
    def step(params: Any, batch: Any) -> Any:
        n = leading_size(batch)
        size = min(microbatch_size, n)
        steps, rest = divmod(n, size)
        if steps == 1 and rest == 0:
            return value_and_grad(params, batch)

        def take(start: Any, length: int) -> Any:
            return jax.tree.map(lambda x: lax.dynamic_slice_in_dim(x, start, length), batch)

        first = jax.eval_shape(value_and_grad, params, take(0, size))
        if has_aux:
            _check_aux(first[0][1])

        def accumulate(total: Any, i: jax.Array) -> tuple[Any, None]:
            out = value_and_grad(params, take(i * size, size))
            return jax.tree.map(jnp.add, total, out), None

        zeros = jax.tree.map(lambda s: jnp.zeros(s.shape, s.dtype), first)
        total, _ = lax.scan(accumulate, zeros, jnp.arange(steps))
        total = jax.tree.map(lambda t: t * (size / n), total)
        if rest:
            last = value_and_grad(params, take(steps * size, rest))
            total = jax.tree.map(lambda t, x: t + x * (rest / n), total, last)
        return total

    return step


def _check_aux(aux: Any) -> None:
    for path, leaf in jax.tree.leaves_with_path(aux):
        if not jnp.issubdtype(leaf.dtype, jnp.inexact):
            raise TypeError(
                f"aux{jax.tree_util.keystr(path)} is {leaf.dtype}: microbatching averages aux "
                "over the microbatches, so its leaves must be floating-point"
            )
