"""The small models the practicals work on: each written for one example, as vmap wants."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array

__all__ = [
    "batch_loss",
    "classify_loss",
    "init_ensemble",
    "init_mlp",
    "init_rnn",
    "loss",
    "predict",
    "rnn_cell",
    "sgd_step",
    "smooth_step",
    "soft_nearest",
]

Params = dict[str, Array]


def _normal(rng: np.random.Generator, *shape: int, scale: float = 1.0) -> Array:
    return jnp.asarray(scale * rng.standard_normal(shape), dtype=jnp.float32)


def init_mlp(seed: int = 0, features: int = 3, hidden: int = 4) -> Params:
    """Random parameters for :func:`predict`: ``w1`` (features, hidden), ``b1``, ``w2``, ``b2``.

    >>> {k: v.shape for k, v in init_mlp(features=3, hidden=4).items()}
    {'w1': (3, 4), 'b1': (4,), 'w2': (4,), 'b2': ()}
    """
    rng = np.random.default_rng(seed)
    return {
        "w1": _normal(rng, features, hidden, scale=features**-0.5),
        "b1": _normal(rng, hidden, scale=0.1),
        "w2": _normal(rng, hidden, scale=hidden**-0.5),
        "b2": _normal(rng, scale=0.1),
    }


def predict(params: Params, x: Array) -> Array:
    """A one-hidden-layer network's output (a scalar) for one example ``x`` of shape (features,)."""
    return jnp.tanh(x @ params["w1"] + params["b1"]) @ params["w2"] + params["b2"]


def loss(params: Params, x: Array, y: Array) -> Array:
    """Squared error of :func:`predict` on one example ``(x, y)``; ``y`` is a scalar."""
    return (predict(params, x) - y) ** 2


def batch_loss(params: Params, xs: Array, ys: Array) -> Array:
    """Mean of :func:`loss` over a batch: ``xs`` (batch, features), ``ys`` (batch,)."""
    return jnp.mean(jax.vmap(loss, in_axes=(None, 0, 0))(params, xs, ys))


def sgd_step(params: Params, xs: Array, ys: Array, lr: float) -> Params:
    """One gradient-descent step on :func:`batch_loss`, on one device: the parallel reference.

    >>> params = init_mlp()
    >>> new = sgd_step(params, jnp.ones((8, 3)), jnp.zeros(8), 0.1)
    >>> bool(batch_loss(new, jnp.ones((8, 3)), jnp.zeros(8)) < batch_loss(params, jnp.ones((8, 3)), jnp.zeros(8)))
    True
    """
    grads = jax.grad(batch_loss)(params, xs, ys)
    new: Params = jax.tree.map(lambda p, g: p - lr * g, params, grads)
    return new


def classify_loss(params: Params, xs: Array, ys: Array) -> tuple[Array, Array]:
    """Binary cross-entropy of :func:`predict`'s logits on a batch, and the batch's accuracy.

    ``ys`` holds labels 0 or 1. Returns ``(loss, accuracy)``: the loss to differentiate and
    a metric that rides along, which is what ``has_aux=True`` is for.
    """
    logits = jax.vmap(predict, in_axes=(None, 0))(params, xs)
    loss_value = jnp.mean(jax.nn.softplus(logits) - ys * logits)
    accuracy = jnp.mean((logits > 0) == (ys > 0.5))
    return loss_value, accuracy


def init_ensemble(seed: int = 0, members: int = 3, features: int = 2, hidden: int = 4) -> Params:
    """An ensemble of :func:`predict` networks sharing their output layer.

    ``w1`` (members, features, hidden) and ``b1`` (members, hidden) have one entry per member;
    ``w2`` (hidden,) and ``b2`` () are shared.

    >>> {k: v.shape for k, v in init_ensemble(members=3, features=2, hidden=4).items()}
    {'w1': (3, 2, 4), 'b1': (3, 4), 'w2': (4,), 'b2': ()}
    """
    rng = np.random.default_rng(seed)
    return {
        "w1": _normal(rng, members, features, hidden, scale=features**-0.5),
        "b1": _normal(rng, members, hidden, scale=0.1),
        "w2": _normal(rng, hidden, scale=hidden**-0.5),
        "b2": _normal(rng, scale=0.1),
    }


def smooth_step(x: Array, strength: Array | float) -> Array:
    """One round of smoothing: each entry moves ``strength`` of the way to its neighbours' mean.

    >>> smooth_step(jnp.array([0.0, 3.0, 0.0]), 1.0)
    Array([1.5, 0. , 1.5], dtype=float32)
    """
    neighbours = 0.5 * (jnp.roll(x, 1) + jnp.roll(x, -1))
    return (1 - strength) * x + strength * neighbours


def soft_nearest(query: Array, keys: Array) -> Array:
    """A soft nearest neighbour: the keys averaged with weights ``softmax(-squared distance)``.

    ``query`` is (features,), ``keys`` (n, features). Its intermediate is one distance per key.
    """
    distances = jnp.sum((query[None, :] - keys) ** 2, axis=-1)
    return jax.nn.softmax(-distances) @ keys


def init_rnn(seed: int = 0, features: int = 2, hidden: int = 3) -> Params:
    """Random parameters for :func:`rnn_cell`: ``w`` (hidden, hidden), ``u`` (features, hidden), ``b``."""
    rng = np.random.default_rng(seed)
    return {
        "w": _normal(rng, hidden, hidden, scale=hidden**-0.5),
        "u": _normal(rng, features, hidden, scale=features**-0.5),
        "b": _normal(rng, hidden, scale=0.1),
    }


def rnn_cell(params: Params, h: Array, x: Array) -> Array:
    """One step of a recurrent network: the new state from the state ``h`` and the input ``x``."""
    return jnp.tanh(h @ params["w"] + x @ params["u"] + params["b"])
