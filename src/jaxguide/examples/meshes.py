"""Two-dimensional meshes: a model-parallel block three ways, and a data-parallel loop.

The block is a two-layer perceptron, ``relu(x @ w1) @ w2``, laid out as model-parallel code
lays it out: the batch split over the mesh's ``data`` axis, ``w1`` split by columns and
``w2`` by rows over its ``model`` axis. Each device then computes part of the hidden layer,
and one sum over ``model`` completes the output. :func:`mlp_block` is the one-device
reference, :func:`mlp_block_shard_map` writes that sum out, :func:`mlp_block_automatic`
leaves it to the compiler; :func:`collectives_in` counts what the compiled program sends.

Everything runs on any number of devices (on one, the mesh is 1 × 1):

>>> import jax.numpy as jnp
>>> mesh = model_mesh()
>>> x, w1, w2 = block_inputs(mesh)
>>> hand, automatic = mlp_block_shard_map(mesh), mlp_block_automatic(mesh)
>>> float(jnp.max(jnp.abs(hand(x, w1, w2) - mlp_block(x, w1, w2)))) < 1e-4
True
>>> collectives_in(hand, x, w1, w2)["all-reduce"]  # the psum, even over one device
1
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
from jax import Array
from jax.sharding import AxisType, Mesh, NamedSharding
from jax.sharding import PartitionSpec as P

__all__ = [
    "BLOCK_SPECS",
    "COLLECTIVES",
    "block_inputs",
    "collectives_in",
    "mlp_block",
    "mlp_block_automatic",
    "mlp_block_shard_map",
    "model_mesh",
    "train",
]

COLLECTIVES = ("all-reduce", "all-gather", "reduce-scatter", "all-to-all", "collective-permute")
"""The communicating operations of XLA's HLO, as :func:`collectives_in` counts them."""


def model_mesh(model: int = 2) -> Mesh:
    """A ``data`` × ``model`` mesh of every device, ``model`` wide where the devices allow.

    With an odd number of devices (one, say) the model axis has size 1. Both axes are
    ``Auto``: the compiler chooses the communication a sharded computation needs.

    >>> mesh = model_mesh(model=1)
    >>> mesh.axis_names, mesh.shape["model"]
    (('data', 'model'), 1)
    """
    n = jax.device_count()
    model = model if n % model == 0 else 1
    return jax.make_mesh((n // model, model), ("data", "model"), axis_types=(AxisType.Auto,) * 2)


def mlp_block(x: Array, w1: Array, w2: Array) -> Array:
    """``relu(x @ w1) @ w2``: the block on one device, the reference for the others."""
    return jax.nn.relu(x @ w1) @ w2


BLOCK_SPECS = (P("data", None), P(None, "model"), P("model", None))
"""Rows of ``x`` over ``data``; columns of ``w1`` and rows of ``w2`` over ``model``."""


def block_inputs(mesh: Mesh, rows: int = 64, width: int = 256) -> tuple[Array, Array, Array]:
    """``x``, ``w1``, ``w2`` (hidden layer twice ``width``), placed as :data:`BLOCK_SPECS`."""
    kx, k1, k2 = jax.random.split(jax.random.key(0), 3)
    shapes = [(rows, width), (width, 2 * width), (2 * width, width)]
    arrays = [
        jax.random.normal(k, s) / s[0] ** 0.5 for k, s in zip((kx, k1, k2), shapes, strict=False)
    ]
    return tuple(
        jax.device_put(a, NamedSharding(mesh, spec))
        for a, spec in zip(arrays, BLOCK_SPECS, strict=True)
    )


def mlp_block_shard_map(mesh: Mesh) -> Callable[[Array, Array, Array], Array]:
    """The block per device: its slice of the hidden layer, then a sum over ``model``."""

    def per_device(x: Array, w1: Array, w2: Array) -> Array:
        partial_out = jax.nn.relu(x @ w1) @ w2  # this device's columns of the hidden layer
        return jax.lax.psum(partial_out, "model")

    return jax.jit(
        jax.shard_map(per_device, mesh=mesh, in_specs=BLOCK_SPECS, out_specs=P("data", None))
    )


def mlp_block_automatic(mesh: Mesh) -> Callable[[Array, Array, Array], Array]:
    """The one-device block under jit: inputs laid out, the hidden layer constrained."""

    def block(x: Array, w1: Array, w2: Array) -> Array:
        hidden = jax.nn.relu(x @ w1)
        hidden = jax.lax.with_sharding_constraint(hidden, NamedSharding(mesh, P("data", "model")))
        return hidden @ w2

    shardings = [NamedSharding(mesh, spec) for spec in BLOCK_SPECS]
    return jax.jit(
        block, in_shardings=shardings, out_shardings=NamedSharding(mesh, P("data", None))
    )


def collectives_in(fn: Any, *args: Any) -> dict[str, int]:
    """How many of each of :data:`COLLECTIVES` the compiled program of jitted ``fn`` holds.

    Reads the HLO that XLA compiled for these arguments (an asynchronous pair such as
    ``all-reduce-start``/``-done`` counts once).

    >>> collectives_in(jax.jit(jnp.sin), jnp.ones(4))["all-reduce"]
    0
    """
    text = fn.lower(*args).compile().as_text()
    found = re.findall(rf"\b({'|'.join(COLLECTIVES)})(?:-start)?\(", text)
    return {name: found.count(name) for name in COLLECTIVES}


def train(step: Callable[..., Any], params: Any, xs: Array, ys: Array, steps: int = 5) -> Any:
    """``steps`` calls of ``step(params, xs, ys)``; the parameters after each, stacked.

    Two training loops agree step by step when these trajectories agree.
    """
    trajectory = []
    for _ in range(steps):
        params = step(params, xs, ys)
        trajectory.append(params)
    return jax.tree.map(lambda *leaves: jnp.stack(leaves), *trajectory)
