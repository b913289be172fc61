"""Practical: per-example gradients with ``vmap(grad(...))``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import numpy as np

from jaxguide.practice._jaxpr import grows_with
from jaxguide.practice._models import batch_loss, init_mlp, loss
from jaxguide.practice._report import (
    Hint,
    Wrong,
    call,
    checker,
    identify,
    rank_zero_mapped,
    vmapped_axes,
)
from jaxguide.practice._trees import compare

__all__ = ["check_per_example_grads"]

FEATURES, BATCHES = 3, (8, 5, 1)


def _params_mapped(_error: BaseException, text: str) -> str | None:
    """vmap mapped an entry of the parameters: the error names one, or a scalar (only b2 is)."""
    named = [name for _, name in vmapped_axes(text) if "[" in name]
    if named or rank_zero_mapped(text):
        seen = (
            f" (vmap mapped {named[0]})"
            if named
            else " (vmap was asked to map a scalar, and the only scalar input is params['b2'])"
        )
        return f"the parameters are shared by every example, so give them in_axes None{seen}"
    return None


HINTS = (
    Hint(
        "jax.grad of a non-scalar loss",
        lambda _e, t: (
            "jax.grad needs a scalar: take the gradient of one example's loss, then vmap it"
            if "Gradient only defined for scalar-output functions" in t
            else None
        ),
    ),
    Hint("the parameters mapped by vmap", _params_mapped),
)

_one = jax.jit(jax.grad(loss))
_batch = jax.jit(jax.grad(batch_loss))


def _per_example(params: Any, xs: Any, ys: Any) -> Any:
    return jax.tree.map(
        lambda *g: np.stack(g), *(_one(params, x, y) for x, y in zip(xs, ys, strict=True))
    )


WRONGS = (
    Wrong(
        "one gradient for the whole batch",
        "jax.grad(batch_loss), one gradient for the whole batch",
        _batch,
        "vmap the gradient of one example's loss over the examples",
    ),
    Wrong(
        "the gradient of the summed loss",
        "the gradient of the batch's summed loss, one for the whole batch",
        lambda p, xs, ys: jax.tree.map(lambda g: g * len(xs), _batch(p, xs, ys)),
        "vmap the gradient of one example's loss over the examples",
    ),
    Wrong(
        "the batch's mean gradient repeated for every example",
        "the batch's mean gradient, repeated for every example",
        lambda p, xs, ys: jax.tree.map(
            lambda g: np.broadcast_to(g, (len(xs), *np.shape(g))), _batch(p, xs, ys)
        ),
        "each example has its own gradient",
    ),
    Wrong(
        "each gradient divided by the batch size",
        "each example's gradient divided by the batch size (the gradient of the mean loss, "
        "split by example)",
        lambda p, xs, ys: jax.tree.map(lambda g: g / len(xs), _per_example(p, xs, ys)),
        "differentiate one example's loss, not its share of the mean",
    ),
    Wrong(
        "the gradient with respect to the inputs",
        "the gradient of each loss with respect to its input x (argnums=1)",
        jax.vmap(jax.grad(loss, argnums=1), in_axes=(None, 0, 0)),
        "jax.grad differentiates its first argument, the parameters, by default",
    ),
)


@checker("per_example_grads", (*WRONGS, *HINTS, "a Python loop over the examples"))
def check_per_example_grads(fn: Callable[..., Any]) -> str:
    """Check ``fn(params, xs, ys)``: the gradient of :func:`loss` for each example of a batch.

    It must return a dict shaped like ``params`` with a leading batch axis on every entry, equal
    to a loop of ``jax.grad(loss)`` over the examples, and must not loop over them in Python.

    >>> import jax
    >>> from jaxguide.practice import batch_loss
    >>> check_per_example_grads(jax.vmap(jax.grad(loss), in_axes=(None, 0, 0)))
    ✓ ...
    >>> check_per_example_grads(jax.grad(batch_loss))
    ✗ per_example_grads: your output equals jax.grad(batch_loss), one gradient for the whole batch, ...
    """
    rng = np.random.default_rng(1)
    for trial, batch in enumerate(BATCHES):
        params = init_mlp(seed=trial, features=FEATURES)
        xs = rng.standard_normal((batch, FEATURES), dtype=np.float32)
        ys = rng.standard_normal(batch, dtype=np.float32)
        got = call(fn, params, xs, ys, hints=HINTS, jit=True)
        expected = _per_example(params, xs, ys)
        identify(got, expected, WRONGS, (params, xs, ys), what="one gradient per example")
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
