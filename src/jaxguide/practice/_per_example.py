"""Practical: per-example gradients with ``vmap(grad(...))``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import numpy as np

from jaxguide.practice._jaxpr import grows_with
from jaxguide.practice._models import init_mlp, loss
from jaxguide.practice._report import Mistake, call, checker
from jaxguide.practice._trees import close, compare, same_shapes

__all__ = ["check_per_example_grads"]

FEATURES, BATCHES = 3, (8, 5, 1)
HINTS = {
    "scalar-output": "jax.grad needs a scalar: take the gradient of one example's loss, then vmap it",
    "inconsistent sizes": "the parameters are shared by every example: give them in_axes None",
    "rank should be at least 1": "vmap maps every argument over axis 0 unless told: "
    "the parameters are shared by every example, so give them in_axes None",
}


@checker("per_example_grads")
def check_per_example_grads(fn: Callable[..., Any]) -> str:
    """Check ``fn(params, xs, ys)``: the gradient of :func:`loss` for each example of a batch.

    It must return a dict shaped like ``params`` with a leading batch axis on every entry, equal
    to a loop of ``jax.grad(loss)`` over the examples, and must not loop over them in Python.

    >>> import jax
    >>> from jaxguide.practice import batch_loss
    >>> check_per_example_grads(jax.vmap(jax.grad(loss), in_axes=(None, 0, 0)))
    ✓ ...
    >>> check_per_example_grads(jax.grad(batch_loss))
    ✗ per_example_grads: one gradient for the whole batch, not one per example: ...
    """
    rng = np.random.default_rng(1)
    one = jax.jit(jax.grad(loss))
    for trial, batch in enumerate(BATCHES):
        params = init_mlp(seed=trial, features=FEATURES)
        xs = rng.standard_normal((batch, FEATURES), dtype=np.float32)
        ys = rng.standard_normal(batch, dtype=np.float32)
        got = call(fn, params, xs, ys, hints=HINTS, jit=True)
        expected = jax.tree.map(
            lambda *g: np.stack(g), *(one(params, x, y) for x, y in zip(xs, ys, strict=True))
        )
        if batch > 1 and same_shapes(got, params):
            raise Mistake(
                "one gradient for the whole batch, not one per example: "
                f"expected a leading axis of {batch} on every entry, e.g. "
                f"{expected['w1'].shape} for ['w1'], got {np.shape(got['w1'])}"
            )
        repeated = jax.tree.map(lambda g: np.broadcast_to(g.mean(axis=0), g.shape), expected)
        if batch > 1 and close(got, repeated) and not close(got, expected):
            raise Mistake(
                "every example gets the same gradient (the batch's mean gradient, repeated), "
                "where each example has its own"
            )
        compare(got, expected, what="grads", axes=("example",))
    params = init_mlp(features=FEATURES)
    grows_with(
        fn,
        lambda n: (params, np.zeros((n, FEATURES), np.float32), np.zeros(n, np.float32)),
        (4, 8),
        "examples",
    )
    return (
        f"per_example_grads matches a loop of jax.grad(loss) on {len(BATCHES)} random batches "
        f"(sizes {', '.join(map(str, BATCHES))}), and its jaxpr does not grow with the batch"
    )
