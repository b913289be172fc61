"""Practical: a training step with ``value_and_grad(..., has_aux=True)``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import numpy as np

from jaxguide.practice._jaxpr import primitive_counts
from jaxguide.practice._models import classify_loss, init_mlp
from jaxguide.practice._report import Mistake, call, checker
from jaxguide.practice._trees import close, compare

__all__ = ["check_train_step"]

FEATURES = 3
BATCH, RATES = 12, (0.1, 0.5, 0.05)  # one batch size: the trials differ in data and rate
HINTS = {
    "scalar-output": "classify_loss returns (loss, accuracy): value_and_grad needs has_aux=True "
    "to differentiate the loss and pass the accuracy through",
}


_loss_only = jax.jit(lambda params, xs, ys: classify_loss(params, xs, ys)[0])


def _step(params: dict[str, Any], grads: dict[str, Any], scale: float) -> dict[str, Any]:
    new: dict[str, Any] = jax.tree.map(lambda p, g: p - scale * g, params, grads)
    return new


@checker("train_step")
def check_train_step(fn: Callable[..., Any]) -> str:
    """Check ``fn(params, xs, ys, lr)``: one gradient-descent step on :func:`classify_loss`.

    It must return ``(new_params, loss, accuracy)``, loss and accuracy at the ``params``
    passed in, and run the forward pass once: its jaxpr may hold one ``tanh`` (the model's
    hidden layer), not one for the loss and another for the gradient.

    >>> import jax
    >>> def train_step(params, xs, ys, lr):
    ...     (loss, accuracy), grads = jax.value_and_grad(classify_loss, has_aux=True)(params, xs, ys)
    ...     return jax.tree.map(lambda p, g: p - lr * g, params, grads), loss, accuracy
    >>> check_train_step(train_step)
    ✓ ...
    >>> check_train_step(lambda p, xs, ys, lr: (p,) + classify_loss(p, xs, ys))
    ✗ train_step: the parameters did not move: ...
    """
    rng = np.random.default_rng(4)
    grad_fn = jax.jit(jax.value_and_grad(classify_loss, has_aux=True))
    for seed, lr in enumerate(RATES):
        params = init_mlp(seed, FEATURES)
        xs = rng.standard_normal((BATCH, FEATURES), dtype=np.float32)
        ys = (rng.random(BATCH) < 0.5).astype(np.float32)
        (loss, accuracy), grads = grad_fn(params, xs, ys)
        got = call(fn, params, xs, ys, lr, hints=HINTS, jit=True)
        expected = (_step(params, grads, lr), loss, accuracy)
        _diagnose(got, expected, params, grads, lr, xs, ys)
        compare(got, expected, what="(new_params, loss, accuracy)")
    params = init_mlp(0, FEATURES)
    tanhs = primitive_counts(fn, params, np.zeros((4, FEATURES)), np.zeros(4), 0.1)["tanh"]
    if tanhs > 1:
        raise Mistake(
            f"the forward pass runs {tanhs} times ({tanhs} tanh in the jaxpr, where the model "
            "has one): value_and_grad(classify_loss, has_aux=True) gives the loss, the "
            "accuracy and the gradient from one pass"
        )
    return (
        f"train_step matches a value_and_grad step on {len(RATES)} random batches and "
        "learning rates, and runs the forward pass once (one tanh in its jaxpr)"
    )


def _diagnose(
    got: Any, expected: tuple[Any, ...], params: Any, grads: Any, lr: float, xs: Any, ys: Any
) -> None:
    """Name the usual mistakes before the generic comparison reports a number."""
    if not (isinstance(got, tuple | list) and len(got) == 3):
        return
    new, loss, accuracy = got
    if close(loss, expected[2]) and close(accuracy, expected[1]) and not close(loss, expected[1]):
        raise Mistake("loss and accuracy are swapped: return (new_params, loss, accuracy)")
    after = _loss_only(expected[0], xs, ys)
    if close(loss, after) and not close(loss, expected[1]):
        raise Mistake("the loss is the loss after the step: return it at the parameters passed in")
    if close(new, params) and not close(new, expected[0]):
        raise Mistake("the parameters did not move: return params - lr * grads")
    if close(new, _step(params, grads, -lr)):
        raise Mistake("the step went uphill: descent subtracts lr * grads from params")
    if lr != 1 and close(new, _step(params, grads, 1.0)):
        raise Mistake("the step ignores lr: it subtracts the whole gradient")
