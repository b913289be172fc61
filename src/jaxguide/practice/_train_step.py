"""Practical: a training step with ``value_and_grad(..., has_aux=True)``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import numpy as np

from jaxguide.practice._jaxpr import primitive_counts
from jaxguide.practice._models import classify_loss, init_mlp
from jaxguide.practice._report import Fitted, Hint, Mistake, Wrong, call, checker, identify
from jaxguide.practice._trees import compare

__all__ = ["check_train_step"]

FEATURES = 3
BATCH, RATES = 12, (0.1, 0.5, 0.05)  # one batch size: the trials differ in data and rate
HINTS = (
    Hint(
        "value_and_grad without has_aux",
        lambda _e, t: (
            "classify_loss returns (loss, accuracy): value_and_grad needs has_aux=True "
            "to differentiate the loss and pass the accuracy through"
            if "Gradient only defined for scalar-output functions" in t and "Output was (" in t
            else None
        ),
    ),
)

_loss_only = jax.jit(lambda params, xs, ys: classify_loss(params, xs, ys)[0])
_value_and_grad = jax.jit(jax.value_and_grad(classify_loss, has_aux=True))


def _step(params: dict[str, Any], grads: dict[str, Any], scale: float) -> dict[str, Any]:
    new: dict[str, Any] = jax.tree.map(lambda p, g: p - scale * g, params, grads)
    return new


def _right(params: Any, xs: Any, ys: Any, lr: float) -> tuple[Any, Any, Any]:
    (loss, accuracy), grads = _value_and_grad(params, xs, ys)
    return _step(params, grads, lr), loss, accuracy


def _reorder(result: tuple[Any, ...], order: tuple[int, ...]) -> tuple[Any, ...]:
    return tuple(result[i] for i in order)


def _measured_after(new: Any, xs: Any, ys: Any) -> tuple[Any, Any, Any]:
    loss, accuracy = classify_loss(new, xs, ys)
    return new, loss, accuracy


def _with_new(change: Callable[[Any, Any, float], Any]) -> Callable[..., Any]:
    """A wrong step: the new parameters made by ``change(params, grads, lr)``, the rest right."""

    def wrong(params: Any, xs: Any, ys: Any, lr: float) -> tuple[Any, Any, Any]:
        (loss, accuracy), grads = _value_and_grad(params, xs, ys)
        return change(params, grads, lr), loss, accuracy

    return wrong


def _weight_decay(params: Any, xs: Any, ys: Any, lr: float, *, got: Any) -> Fitted | None:
    """A step with weight decay: p - lr * (g + decay * p), the decay fitted to the output."""
    (loss, accuracy), grads = _value_and_grad(params, xs, ys)
    if not (isinstance(got, tuple) and len(got) == 3 and isinstance(got[0], dict)):
        return None
    right = _step(params, grads, lr)
    try:
        shrink = np.concatenate([np.ravel(lr * np.asarray(params[k])) for k in sorted(params)])
        excess = np.concatenate(
            [np.ravel(np.asarray(right[k]) - np.asarray(got[0][k])) for k in sorted(params)]
        )
    except (KeyError, TypeError, ValueError):
        return None
    decay = float(shrink @ excess / (shrink @ shrink))
    if decay <= 0:
        return None
    new = jax.tree.map(lambda p, g: p - lr * (g + decay * p), params, grads)
    return Fitted((new, loss, accuracy), f"(a decay of {decay:.2g})")


WRONGS = (
    Wrong(
        "loss and accuracy swapped",
        "(new_params, accuracy, loss), loss and accuracy swapped",
        lambda p, xs, ys, lr: _reorder(_right(p, xs, ys, lr), (0, 2, 1)),
        "return (new_params, loss, accuracy)",
    ),
    Wrong(
        "the loss after the step",
        "the step with the loss and accuracy after it",
        lambda p, xs, ys, lr: _measured_after(_right(p, xs, ys, lr)[0], xs, ys),
        "return them at the parameters passed in",
    ),
    Wrong(
        "the parameters not moved",
        "the parameters passed in, unchanged",
        _with_new(lambda p, _g, _lr: p),
        "return params - lr * grads",
    ),
    Wrong(
        "the step uphill",
        "a step uphill, params + lr * grads",
        _with_new(lambda p, g, lr: _step(p, g, -lr)),
        "descent subtracts lr * grads from params",
    ),
    Wrong(
        "lr ignored",
        "a step of the whole gradient, params - grads (lr ignored)",
        _with_new(lambda p, g, _lr: _step(p, g, 1.0)),
        "scale the gradient by lr",
    ),
    Wrong(
        "jax.tree.map's arguments swapped",
        "grads - lr * params: jax.tree.map's arguments swapped",
        _with_new(lambda p, g, lr: _step(g, p, lr)),
        "the lambda's first argument comes from the first tree: tree.map(f, params, grads)",
    ),
    Wrong(
        "the gradients returned",
        "the gradients, where the new parameters belong",
        _with_new(lambda _p, g, _lr: g),
        "return params - lr * grads",
    ),
    Wrong(
        "the biases not updated",
        "a step that moves the weights but not the biases b1 and b2",
        _with_new(
            lambda p, g, lr: {k: v if k.startswith("b") else v - lr * g[k] for k, v in p.items()}
        ),
        "update every entry of params",
    ),
    Wrong(
        "the weights not updated",
        "a step that moves the biases but not the weights w1 and w2",
        _with_new(
            lambda p, g, lr: {k: v if k.startswith("w") else v - lr * g[k] for k, v in p.items()}
        ),
        "update every entry of params",
    ),
    Wrong(
        "weight decay added",
        "a step with weight decay, params - lr * (grads + decay * params)",
        _weight_decay,
        "the task's step is plain gradient descent",
        fit=True,
    ),
)


@checker("train_step", (*WRONGS, *HINTS, "the forward pass run twice"))
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
    ✗ train_step: your output equals the parameters passed in, unchanged, ...
    """
    rng = np.random.default_rng(4)
    for seed, lr in enumerate(RATES):
        params = init_mlp(seed, FEATURES)
        xs = rng.standard_normal((BATCH, FEATURES), dtype=np.float32)
        ys = (rng.random(BATCH) < 0.5).astype(np.float32)
        got = call(fn, params, xs, ys, lr, hints=HINTS, jit=True)
        expected = _right(params, xs, ys, lr)
        identify(
            got,
            expected,
            WRONGS,
            (params, xs, ys, lr),
            what="(params - lr * grads, loss, accuracy)",
        )
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
