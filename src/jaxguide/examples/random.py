"""Examples for the random-numbers page: keys as values, per-example and per-device draws,
sharded draws, and dropout in a jitted training step.

>>> key = jax.random.key(0)
>>> bool(jnp.all(jax.random.normal(key, (3,)) == jax.random.normal(key, (3,))))  # same key
True
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
from jax import lax
from jax.sharding import AxisType, Mesh, NamedSharding
from jax.sharding import PartitionSpec as P

__all__ = [
    "DROPOUT_RATE",
    "NOISE_SCALE",
    "augment",
    "device_mesh",
    "draw",
    "dropout",
    "init_params",
    "loss",
    "per_device_noise",
    "predict",
    "sharded",
    "successive_splits",
    "train_step",
]

NOISE_SCALE = 0.1
"""The standard deviation of the noise :func:`augment` adds."""

DROPOUT_RATE = 0.5
"""The fraction of hidden units :func:`predict` drops while training."""

Params = list[dict[str, jax.Array]]


def augment(key: jax.Array, x: jax.Array) -> jax.Array:
    """One example ``x`` with noise added and a tenth of its entries dropped, drawn from ``key``.

    Two draws, so the key is split first: each draw gets a key of its own.

    >>> x = jnp.ones(4)
    >>> a, b = augment(jax.random.key(0), x), augment(jax.random.key(1), x)
    >>> a.shape, bool(jnp.all(a == augment(jax.random.key(0), x))), bool(jnp.any(a != b))
    ((4,), True, True)
    """
    noise_key, keep_key = jax.random.split(key)
    noisy = x + NOISE_SCALE * jax.random.normal(noise_key, x.shape)
    keep = jax.random.bernoulli(keep_key, 0.9, x.shape)
    return jnp.where(keep, noisy / 0.9, 0.0)


def successive_splits(key: jax.Array, n: int) -> jax.Array:
    """``n`` keys, split off one at a time (``key, sub = split(key)``), in a ``lax.scan``.

    The same count as ``jax.random.split(key, n)``, made one after another; the keys differ
    from that call's, and are as good.

    >>> successive_splits(jax.random.key(0), 5).shape
    (5,)
    """

    def step(carry: jax.Array, _: None) -> tuple[jax.Array, jax.Array]:
        carry, sub = jax.random.split(carry)
        return carry, sub

    return lax.scan(step, key, length=n)[1]


def device_mesh() -> Mesh:
    """A two-axis ``rows`` × ``cols`` mesh of every device: ``cols`` is 2 where the count is
    even, else 1 (one device gives a 1 × 1 mesh).

    >>> mesh = device_mesh()
    >>> mesh.axis_names, mesh.devices.size == jax.device_count()
    (('rows', 'cols'), True)
    """
    n = jax.device_count()
    cols = 2 if n % 2 == 0 else 1
    return jax.make_mesh((n // cols, cols), ("rows", "cols"), axis_types=(AxisType.Auto,) * 2)


def draw(key: jax.Array, shape: tuple[int, ...]) -> jax.Array:
    """Standard normal numbers of ``shape`` from ``key``: the draw the page shards.

    >>> draw(jax.random.key(0), (2, 3)).shape
    (2, 3)
    """
    return jax.random.normal(key, shape)


def per_device_noise(mesh: Mesh, key: jax.Array, block: tuple[int, int]) -> jax.Array:
    """A ``block`` of normal numbers drawn on each device of ``mesh`` inside ``shard_map``,
    from ``key`` folded with the device's position on each axis, gathered into one array of
    ``(rows · block[0], cols · block[1])``.

    >>> mesh = device_mesh()
    >>> per_device_noise(mesh, jax.random.key(0), (2, 3)).shape == (
    ...     2 * mesh.shape["rows"], 3 * mesh.shape["cols"])
    True
    """

    def on_device(key: jax.Array) -> jax.Array:
        row, col = lax.axis_index("rows"), lax.axis_index("cols")
        mine = jax.random.fold_in(jax.random.fold_in(key, row), col)
        return jax.random.normal(mine, block)

    spread = jax.shard_map(on_device, mesh=mesh, in_specs=P(), out_specs=P("rows", "cols"))
    return jax.jit(spread)(key)


def sharded(mesh: Mesh) -> NamedSharding:
    """Rows over the mesh's ``rows`` axis, columns over ``cols``."""
    return NamedSharding(mesh, P("rows", "cols"))


def dropout(key: jax.Array, x: jax.Array, rate: float) -> jax.Array:
    """Inverted dropout: each entry of ``x`` zeroed with probability ``rate``, the others
    scaled by ``1 / (1 - rate)`` so the expected value is unchanged.

    >>> x = jnp.ones(8)
    >>> y = dropout(jax.random.key(0), x, 0.5)
    >>> sorted({float(v) for v in y}) in ([0.0, 2.0], [2.0], [0.0])
    True
    """
    keep = jax.random.bernoulli(key, 1.0 - rate, x.shape)
    return jnp.where(keep, x / (1.0 - rate), 0.0)


def init_params(key: jax.Array, sizes: tuple[int, ...]) -> Params:
    """A dense network's layers, ``[{"w": (n_i, n_i+1), "b": (n_i+1,)}, ...]``, from one key
    split into a key per layer.

    >>> [layer["w"].shape for layer in init_params(jax.random.key(0), (3, 8, 1))]
    [(3, 8), (8, 1)]
    """
    keys = jax.random.split(key, len(sizes) - 1)
    return [
        {"w": jax.random.normal(k, (n, m)) / jnp.sqrt(n), "b": jnp.zeros(m)}
        for k, n, m in zip(keys, sizes[:-1], sizes[1:], strict=True)
    ]


def predict(params: Params, xs: jax.Array, key: jax.Array | None = None) -> jax.Array:
    """The network on a batch ``xs``; with a ``key``, dropout (:data:`DROPOUT_RATE`) after each
    hidden layer, each layer folding its index into the key for a mask of its own.

    >>> params = init_params(jax.random.key(0), (3, 8, 1))
    >>> predict(params, jnp.ones((5, 3))).shape
    (5, 1)
    """
    h = xs
    for i, layer in enumerate(params[:-1]):
        h = jnp.tanh(h @ layer["w"] + layer["b"][None, :])
        if key is not None:
            h = dropout(jax.random.fold_in(key, i), h, DROPOUT_RATE)
    return h @ params[-1]["w"] + params[-1]["b"][None, :]


def loss(params: Params, xs: jax.Array, ys: jax.Array, key: jax.Array | None = None) -> Any:
    """Mean squared error of :func:`predict` on ``xs`` against ``ys``."""
    return jnp.mean((predict(params, xs, key) - ys) ** 2)


@jax.jit
def train_step(
    params: Params, key: jax.Array, xs: jax.Array, ys: jax.Array, lr: float = 0.1
) -> tuple[Params, jax.Array, jax.Array]:
    """One SGD step with dropout: split ``key`` into the next step's key and this step's, and
    return the new parameters, the next key and the loss.

    >>> params = init_params(jax.random.key(0), (3, 8, 1))
    >>> xs, ys = jnp.ones((4, 3)), jnp.zeros((4, 1))
    >>> params, key, value = train_step(params, jax.random.key(1), xs, ys)
    >>> value.shape, key.dtype == jax.random.key(1).dtype
    ((), True)
    """
    key, step_key = jax.random.split(key)
    value, grads = jax.value_and_grad(loss)(params, xs, ys, step_key)
    params = jax.tree.map(lambda p, g: p - lr * g, params, grads)
    return params, key, value
