"""pmap and today's path, side by side: every example in three forms that must agree.

Each example takes one global array (its leading axis spread over the devices) and returns
one global array, in three forms:

- ``*_pmap``: :func:`jax.pmap`, as older code and courses write it (maintenance mode today),
  on the batch reshaped to ``(devices, rows per device, ...)`` so that its function, too, sees
  a block of rows;
- ``*_shard_map``: :func:`jax.shard_map` over a mesh, the same per-device code on the same
  blocks;
- ``*_sharded``: :func:`jax.jit` of the plain global computation on sharded inputs, where
  the compiler inserts the communication that the collectives spell out.

``EXAMPLES`` lists them, for the pages, the tests and the ``parallel`` suite.

Each per-device function takes a *block*, its device's rows, and reduces the block's own rows
before the collective combines the devices: so every form gives the same answer with one row
per device or several. Every example runs on any number of devices, one included, on any batch
whose rows divide evenly over them:

>>> import jax, jax.numpy as jnp
>>> n = jax.device_count()
>>> x = jnp.arange(1.0, 2 * n + 1.0).reshape(2 * n, 1)  # two rows per device
>>> mesh = device_mesh()
>>> float(psum_pmap(x).sum())  # each row's share of the total
1.0
>>> max_difference(psum_pmap(x), psum_shard_map(x, mesh), psum_sharded(x, mesh))
0.0
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array, lax
from jax.sharding import AxisType, Mesh, NamedSharding
from jax.sharding import PartitionSpec as P

__all__ = [
    "AXIS",
    "EXAMPLES",
    "ROWS_PER_DEVICE",
    "Example",
    "Params",
    "all_gather_pmap",
    "all_gather_shard_map",
    "all_gather_sharded",
    "device_mesh",
    "max_difference",
    "pmax_pmap",
    "pmax_shard_map",
    "pmax_sharded",
    "pmean_pmap",
    "pmean_shard_map",
    "pmean_sharded",
    "ppermute_pmap",
    "ppermute_shard_map",
    "ppermute_sharded",
    "predict",
    "psum_pmap",
    "psum_shard_map",
    "psum_sharded",
    "sgd_step",
    "spread",
    "train_step_pmap",
    "train_step_shard_map",
    "train_step_sharded",
    "vmap_in_pmap",
    "vmap_in_shard_map",
    "vmap_sharded",
]

AXIS = "devices"
"""The name of the device axis, used as pmap's ``axis_name``, the mesh's axis and the collectives' axis."""


def device_mesh(n: int | None = None) -> Mesh:
    """A one-axis mesh named :data:`AXIS` over the first ``n`` devices (default: all).

    Its axis is ``Auto``, as pmap's own mesh is: the compiler chooses the communication a
    sharded computation needs. (``jax.make_mesh`` makes ``Explicit`` axes by default, where
    shardings are part of array types and an operation the type rules cannot shard is an error.)

    >>> mesh = device_mesh(1)
    >>> dict(mesh.shape), mesh.axis_types
    ({'devices': 1}, (Auto,))
    """
    return jax.make_mesh((n or jax.device_count(),), (AXIS,), axis_types=(AxisType.Auto,))


def spread(x: Array, mesh: Mesh) -> Array:
    """``x`` laid out on ``mesh``: its leading axis split over the devices, one block each."""
    return jax.device_put(x, NamedSharding(mesh, P(AXIS)))


def _per_device(x: Array, n: int) -> Array:
    """pmap's layout: a leading axis of one entry per device, ``(n, k, ...)`` from ``(n*k, ...)``."""
    return x.reshape(n, x.shape[0] // n, *x.shape[1:])


def _joined(x: Array) -> Array:
    """pmap's output ``(n, k, ...)`` back to the global ``(n*k, ...)``."""
    return x.reshape(x.shape[0] * x.shape[1], *x.shape[2:])


def _blocks_pmap(per_device: Callable[[Array], Array], x: Array) -> Array:
    """``per_device`` under pmap on blocks of rows: the batch reshaped to ``(devices, rows, ...)``."""
    n = jax.local_device_count()
    return _joined(jax.pmap(per_device, axis_name=AXIS)(_per_device(x, n)))


def _blocks_shard_map(per_device: Callable[[Array], Array], x: Array, mesh: Mesh) -> Array:
    """``per_device`` under shard_map: each device's block of rows, the leading axis kept."""
    mapped = jax.shard_map(per_device, mesh=mesh, in_specs=P(AXIS), out_specs=P(AXIS))
    return mapped(spread(x, mesh))


# Each per-device function below takes a *block*: the device's rows, ``(k, ...)``. A collective
# combines whole blocks element by element (``lax.psum`` of a ``(k, 3)`` block adds the blocks,
# row 0 to row 0), so a reduction over the batch reduces the block's own rows first, then
# combines the per-device results. With one row per device both orders give the same answer;
# with several only this one does.


# --- psum: divide by the total over devices ----------------------------------------------
def _share(block: Array) -> Array:
    """Each row's share of the column totals: the block's column sums, then their psum."""
    return block / lax.psum(block.sum(axis=0, keepdims=True), AXIS)


def _shares(a: Array) -> Array:
    return a / a.sum(axis=0, keepdims=True)


def psum_pmap(x: Array) -> Array:
    """Each row's share of the column totals, a block of rows per device."""
    return _blocks_pmap(_share, x)


def psum_shard_map(x: Array, mesh: Mesh) -> Array:
    """The same per-device code, on the same blocks of rows."""
    return _blocks_shard_map(_share, x, mesh)


def psum_sharded(x: Array, mesh: Mesh) -> Array:
    """The global computation; the compiler adds the all-reduce."""
    return jax.jit(_shares)(spread(x, mesh))


# --- pmean: subtract the mean over devices -----------------------------------------------
def _centre(block: Array) -> Array:
    """Each row minus the mean row: the block's mean, then the mean of those over devices.

    A mean of block means is the mean of all rows because every block has as many rows.
    """
    return block - lax.pmean(block.mean(axis=0, keepdims=True), AXIS)


def _centred(a: Array) -> Array:
    return a - a.mean(axis=0, keepdims=True)


def pmean_pmap(x: Array) -> Array:
    """Each row minus the mean row."""
    return _blocks_pmap(_centre, x)


def pmean_shard_map(x: Array, mesh: Mesh) -> Array:
    """The same per-device code, on the same blocks of rows."""
    return _blocks_shard_map(_centre, x, mesh)


def pmean_sharded(x: Array, mesh: Mesh) -> Array:
    """The global computation."""
    return jax.jit(_centred)(spread(x, mesh))


# --- pmax: scale by the maximum over devices ---------------------------------------------
def _scale(block: Array) -> Array:
    """Each row divided by the column maxima: the block's maxima, then their pmax."""
    return block / lax.pmax(block.max(axis=0, keepdims=True), AXIS)


def _scaled(a: Array) -> Array:
    return a / a.max(axis=0, keepdims=True)


def pmax_pmap(x: Array) -> Array:
    """Each row divided by the column maxima."""
    return _blocks_pmap(_scale, x)


def pmax_shard_map(x: Array, mesh: Mesh) -> Array:
    """The same per-device code, on the same blocks of rows."""
    return _blocks_shard_map(_scale, x, mesh)


def pmax_sharded(x: Array, mesh: Mesh) -> Array:
    """The global computation."""
    return jax.jit(_scaled)(spread(x, mesh))


# --- all_gather: every device receives every row -----------------------------------------
def _gather(block: Array) -> Array:
    """Every device's block, concatenated (``tiled``): the whole batch, as one entry."""
    return lax.all_gather(block, AXIS, tiled=True)[None]


def all_gather_pmap(x: Array) -> Array:
    """``out[d]`` is the whole of ``x``, as device ``d`` holds it."""
    return _blocks_pmap(_gather, x)


def all_gather_shard_map(x: Array, mesh: Mesh) -> Array:
    """The same per-device code: each device's entry is the whole batch."""
    return _blocks_shard_map(_gather, x, mesh)


def all_gather_sharded(x: Array, mesh: Mesh) -> Array:
    """A copy of ``x`` per device is a broadcast, laid out one copy per device."""
    n = mesh.shape[AXIS]
    copies = jax.jit(
        lambda a: jnp.broadcast_to(a, (n, *a.shape)),
        out_shardings=NamedSharding(mesh, P(AXIS)),
    )
    return copies(spread(x, mesh))


# --- ppermute: pass each block to the next device, around a ring -------------------------
def _ring(block: Array) -> Array:
    """Device ``d``'s block moves to device ``d + 1`` (the last one's to device 0)."""
    n = lax.axis_size(AXIS)
    return lax.ppermute(block, AXIS, perm=[(i, (i + 1) % n) for i in range(n)])


def ppermute_pmap(x: Array) -> Array:
    """Each device's rows move to the next device."""
    return _blocks_pmap(_ring, x)


def ppermute_shard_map(x: Array, mesh: Mesh) -> Array:
    """The same per-device code: each block moves to the next device."""
    return _blocks_shard_map(_ring, x, mesh)


def ppermute_sharded(x: Array, mesh: Mesh) -> Array:
    """The global view of a ring shift by one block: a roll."""
    block = x.shape[0] // mesh.shape[AXIS]
    return jax.jit(lambda a: jnp.roll(a, block, axis=0))(spread(x, mesh))


# --- a data-parallel training step: per-device gradients, pmean, replicated parameters ---
class Params(NamedTuple):
    """A linear model's parameters."""

    w: Array
    b: Array


def predict(params: Params, xs: Array) -> Array:
    """``xs @ w + b`` for a batch of rows."""
    return xs @ params.w + params.b


def _loss(params: Params, xs: Array, ys: Array) -> Array:
    return jnp.mean((predict(params, xs) - ys) ** 2)


LEARNING_RATE = 0.1


def sgd_step(params: Params, xs: Array, ys: Array) -> Params:
    """One gradient-descent step on the batch's mean squared error: the one-device reference."""
    grads = jax.grad(_loss)(params, xs, ys)
    return jax.tree.map(lambda p, g: p - LEARNING_RATE * g, params, grads)


def _data_parallel_step(params: Params, xs: Array, ys: Array) -> Params:
    """pmap's per-device step: local gradients, averaged over devices with ``pmean``."""
    grads = lax.pmean(jax.grad(_loss)(params, xs, ys), AXIS)
    return jax.tree.map(lambda p, g: p - LEARNING_RATE * g, params, grads)


def _mean_loss_over_devices(params: Params, xs: Array, ys: Array) -> Array:
    return lax.pmean(_loss(params, xs, ys), AXIS)


def _shard_map_step(params: Params, xs: Array, ys: Array) -> Params:
    """shard_map's per-device step: the gradient of the loss averaged over devices.

    Under shard_map, parameters replicated with ``P()`` are *device-invariant*, and the
    gradient with respect to them is summed over devices by autodiff itself; so the average
    goes into the loss, not onto the gradients (a ``pmean`` of the gradients would average
    an already summed value and step ``n`` times too far).
    """
    grads = jax.grad(_mean_loss_over_devices)(params, xs, ys)
    return jax.tree.map(lambda p, g: p - LEARNING_RATE * g, params, grads)


def train_step_pmap(params: Params, xs: Array, ys: Array) -> Params:
    """Parameters replicated (``in_axes=None``), examples split; one set of parameters back."""
    n = jax.local_device_count()
    step = jax.pmap(_data_parallel_step, axis_name=AXIS, in_axes=(None, 0, 0), out_axes=None)
    return step(params, _per_device(xs, n), _per_device(ys, n))


def train_step_shard_map(params: Params, xs: Array, ys: Array, mesh: Mesh) -> Params:
    """The loss averaged over devices; ``P()`` replicates the parameters, in and out."""
    step = jax.shard_map(
        _shard_map_step,
        mesh=mesh,
        in_specs=(P(), P(AXIS), P(AXIS)),
        out_specs=P(),
    )
    return step(params, spread(xs, mesh), spread(ys, mesh))


def train_step_sharded(params: Params, xs: Array, ys: Array, mesh: Mesh) -> Params:
    """The one-device step, jitted on a sharded batch: the compiler averages the gradients."""
    return jax.jit(sgd_step)(params, spread(xs, mesh), spread(ys, mesh))


# --- vmap inside pmap: each device vectorizes over its own examples ----------------------
def _one_example(params: Params, x: Array) -> Array:
    return jnp.tanh(predict(params, x))


def vmap_in_pmap(params: Params, xs: Array) -> Array:
    """pmap over devices, vmap over each device's examples; the output flattened back."""
    per_device = jax.vmap(_one_example, in_axes=(None, 0))
    out = jax.pmap(per_device, in_axes=(None, 0))(params, _per_device(xs, jax.local_device_count()))
    return out.reshape(xs.shape[0])


def vmap_in_shard_map(params: Params, xs: Array, mesh: Mesh) -> Array:
    """shard_map over devices, vmap over each block's examples; no reshaping needed."""
    per_device = jax.vmap(_one_example, in_axes=(None, 0))
    mapped = jax.shard_map(per_device, mesh=mesh, in_specs=(P(), P(AXIS)), out_specs=P(AXIS))
    return mapped(params, spread(xs, mesh))


def vmap_sharded(params: Params, xs: Array, mesh: Mesh) -> Array:
    """Plain vmap, jitted on sharded examples: the compiler keeps each block on its device."""
    return jax.jit(jax.vmap(_one_example, in_axes=(None, 0)))(params, spread(xs, mesh))


# --- the examples, for pages, tests and the suite ---------------------------------------
ROWS_PER_DEVICE = (1, 2, 3)
"""The block sizes every example is checked at. One row per device, as pmap's own examples
have, and several, where a collective that combined blocks without reducing them first would
give another answer."""


@dataclass(frozen=True)
class Example:
    """One example in its three forms, with inputs to run it on and a one-device reference."""

    name: str
    pmap: Callable[..., Any]
    shard_map: Callable[..., Any]
    sharded: Callable[..., Any]
    inputs: Callable[..., tuple[Any, ...]]
    """Arguments for ``n`` devices, and optionally the rows per device (the mesh is appended
    for the shard_map and jit forms)."""
    one_device: Callable[..., Any]
    """The same computation on the whole batch on one device, called as ``one_device(n, *args)``."""

    def run(self, mesh: Mesh, per_device: int | None = None) -> tuple[Any, Any, Any]:
        """The three forms' results on ``mesh`` (pmap uses the same number of devices)."""
        args = self.arguments(mesh, per_device)
        return self.pmap(*args), self.shard_map(*args, mesh), self.sharded(*args, mesh)

    def arguments(self, mesh: Mesh, per_device: int | None = None) -> tuple[Any, ...]:
        """The inputs for ``mesh``, with ``per_device`` rows per device (default: the example's)."""
        n = mesh.shape[AXIS]
        return self.inputs(n) if per_device is None else self.inputs(n, per_device)

    def reference(self, mesh: Mesh, per_device: int | None = None) -> Any:
        """:attr:`one_device` on :meth:`arguments`, every input on the first device."""
        args = jax.device_put(self.arguments(mesh, per_device), jax.devices()[0])
        return self.one_device(mesh.shape[AXIS], *args)


def _rows(n: int, per_device: int = 1) -> tuple[Array]:
    """``per_device`` rows of positive values per device: ``(n * per_device, 3)``, of order 1."""
    rows = n * per_device
    return ((jnp.arange(1.0, 3 * rows + 1.0).reshape(rows, 3) / (3 * rows)) ** 1.5,)


def _model(n: int, per_device: int = 4) -> tuple[Params, Array, Array]:
    keys = jax.random.split(jax.random.key(0), 3)
    xs = jax.random.normal(keys[0], (n * per_device, 3))
    ys = xs @ jnp.array([1.0, -2.0, 0.5]) + 0.1 * jax.random.normal(keys[1], (n * per_device,))
    params = Params(w=jax.random.normal(keys[2], (3,)), b=jnp.zeros(()))
    return params, xs, ys


def _on_one_device(f: Callable[[Array], Array]) -> Callable[..., Any]:
    return lambda _n, a: jax.jit(f)(a)


def _rolled(n: int, a: Array) -> Array:
    return jnp.roll(a, a.shape[0] // n, axis=0)


EXAMPLES: tuple[Example, ...] = (
    Example("psum", psum_pmap, psum_shard_map, psum_sharded, _rows, _on_one_device(_shares)),
    Example("pmean", pmean_pmap, pmean_shard_map, pmean_sharded, _rows, _on_one_device(_centred)),
    Example("pmax", pmax_pmap, pmax_shard_map, pmax_sharded, _rows, _on_one_device(_scaled)),
    Example(
        "all_gather",
        all_gather_pmap,
        all_gather_shard_map,
        all_gather_sharded,
        _rows,
        lambda n, a: jnp.broadcast_to(a, (n, *a.shape)),
    ),
    Example("ppermute", ppermute_pmap, ppermute_shard_map, ppermute_sharded, _rows, _rolled),
    Example(
        "train_step",
        train_step_pmap,
        train_step_shard_map,
        train_step_sharded,
        _model,
        lambda _n, *args: jax.jit(sgd_step)(*args),
    ),
    Example(
        "vmap",
        vmap_in_pmap,
        vmap_in_shard_map,
        vmap_sharded,
        lambda n, per_device=4: _model(n, per_device)[:2],
        lambda _n, params, xs: jax.jit(jax.vmap(_one_example, in_axes=(None, 0)))(params, xs),
    ),
)


def max_difference(*results: Any) -> float:
    """The largest absolute difference between the first result and each other, leaf by leaf.

    A NaN anywhere makes the answer NaN, which no tolerance accepts.

    >>> max_difference(jnp.ones(3), jnp.ones(3), jnp.ones(3) * 1.5)
    0.5
    >>> max_difference(jnp.ones(3), jnp.array([1.0, jnp.nan, 1.0]))
    nan
    """
    first = jax.tree.leaves(results[0])
    diffs = [0.0]
    for other in results[1:]:
        leaves = jax.tree.leaves(other)
        if [np.shape(a) for a in leaves] != [np.shape(a) for a in first]:
            raise ValueError("results differ in structure or shape")
        for a, b in zip(first, leaves, strict=True):
            diffs.append(float(np.max(np.abs(np.asarray(a) - np.asarray(b)), initial=0.0)))
    return float(np.max(diffs))
