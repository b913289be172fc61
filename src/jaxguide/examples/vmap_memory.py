"""vmap's memory page's lessons: a function whose batched intermediate XLA keeps, one whose
intermediate it fuses away, and a small network trained in four forms that trade memory for time.

``attention`` is one self-attention head over a sequence of ``TOKENS`` tokens, returning the
output and the entropy of its attention weights: the weights, a ``TOKENS × TOKENS`` matrix per
example, feed two consumers, so XLA keeps them in memory under ``vmap``. ``outer_sum`` is the
counter-example whose intermediate XLA fuses away. :func:`train_step` builds a training step
of the network (:func:`init_network`, :func:`example_loss`) as ``vmap`` over the whole batch,
``chunked`` (with :func:`~jaxguide.mitigations.chunked_vmap`), ``chunked-remat`` (each
example checkpointed too) or ``microbatched``. The harness's ``vmap-memory`` suite measures
them all (:mod:`jaxguide.bench.suites.vmap_memory`).

>>> y, h = attention(jnp.ones((TOKENS, FEATURES)))
>>> y.shape, round(float(h), 3) == round(float(jnp.log(TOKENS)) * TOKENS, 3)
((128, 32), True)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from jaxguide.mitigations import chunked_vmap, microbatched_value_and_grad

__all__ = [
    "BUDGET_BYTES",
    "FEATURES",
    "HIDDEN",
    "OUTER",
    "TOKENS",
    "TRAIN_CHUNK",
    "TRAIN_FORMS",
    "attention",
    "batch_loss",
    "example_loss",
    "init_network",
    "loss",
    "outer_sum",
    "train_batch",
    "train_step",
]

TOKENS, FEATURES = 128, 32
"""The shape of one example, a sequence of ``TOKENS`` tokens of ``FEATURES`` float32 features."""
OUTER = 256
"""``outer_sum``'s vector length: its intermediate is ``OUTER × OUTER`` per example."""
BUDGET_BYTES = 64 * 2**20
"""The memory budget the planner is given."""
HIDDEN = 64
"""The width of the small network's hidden layer."""
TRAIN_CHUNK = 32
"""Examples per chunk, or per microbatch, in the ``train-step`` benchmarks."""
TRAIN_FORMS = ("vmap", "chunked", "chunked-remat", "microbatched")
"""The forms of :func:`train_step`, in the order the pages list them."""


def attention(x: jax.Array) -> tuple[jax.Array, jax.Array]:
    """One self-attention head over ``x`` (tokens × features), and its weights' entropy."""
    weights = jax.nn.softmax(x @ x.T / jnp.sqrt(jnp.float32(FEATURES)), axis=-1)
    return weights @ x, -(weights * jnp.log(weights)).sum()


def outer_sum(x: jax.Array) -> jax.Array:
    """Column sums of ``tanh`` of an outer product: XLA fuses it into one reduction."""
    return jnp.tanh(jnp.outer(x, x)).sum(0)


def loss(w: jax.Array, x: jax.Array) -> jax.Array:
    """A per-example loss of a projection ``w`` (features × features) through ``attention``."""
    y, entropy = attention(x @ w)
    return (y**2).mean() + 0.01 * entropy


def init_network(key: jax.Array) -> dict[str, jax.Array]:
    """The small network's parameters: a projection, one attention head, a hidden layer."""
    k_embed, k_hidden, k_readout = jax.random.split(key, 3)
    return {
        "embed": jax.random.normal(k_embed, (FEATURES, FEATURES)) / FEATURES**0.5,
        "hidden": jax.random.normal(k_hidden, (FEATURES, HIDDEN)) / FEATURES**0.5,
        "readout": jax.random.normal(k_readout, (HIDDEN,)) / HIDDEN**0.5,
    }


def example_loss(params: dict[str, jax.Array], x: jax.Array, y: jax.Array) -> jax.Array:
    """The squared error of the network's prediction for one sequence ``x`` against ``y``."""
    h, _ = attention(x @ params["embed"])
    h = jax.nn.gelu(h @ params["hidden"])
    return ((h @ params["readout"]).mean() - y) ** 2


def batch_loss(params: dict[str, jax.Array], batch: dict[str, jax.Array]) -> jax.Array:
    """The mean of :func:`example_loss` over ``batch``, as training steps usually write it."""
    losses = jax.vmap(example_loss, in_axes=(None, 0, 0))(params, batch["x"], batch["y"])
    return jnp.mean(losses)


def train_step(form: str, chunk: int) -> Callable[..., Any]:
    """``(params, batch) -> (loss, grads)`` for the batch's mean loss, in one of four forms."""
    if form == "vmap":  # the whole batch at once
        return jax.value_and_grad(batch_loss)
    if form == "microbatched":  # a scan over microbatches, adding losses and gradients
        return microbatched_value_and_grad(batch_loss, microbatch_size=chunk)
    per_example = jax.checkpoint(example_loss) if form == "chunked-remat" else example_loss

    def chunked_loss(params: dict[str, jax.Array], batch: dict[str, jax.Array]) -> jax.Array:
        chunked = chunked_vmap(per_example, in_axes=(None, 0, 0), chunk_size=chunk)
        return jnp.mean(chunked(params, batch["x"], batch["y"]))

    if form in ("chunked", "chunked-remat"):
        return jax.value_and_grad(chunked_loss)
    raise ValueError(f"unknown form {form!r}: expected one of {TRAIN_FORMS}")


def train_batch(key: jax.Array, batch: int) -> dict[str, jax.Array]:
    """A batch of random sequences and targets for :func:`batch_loss`."""
    k_x, k_y = jax.random.split(key)
    return {
        "x": jax.random.normal(k_x, (batch, TOKENS, FEATURES)),
        "y": jax.random.normal(k_y, (batch,)),
    }
