"""The "parallel" suite: what the pmap and sharding pages check and measure.

Benchmarks (variants in brackets):

- ``agreement`` [one per example of ``jaxguide.examples.parallel.EXAMPLES``] by
  ``rows_per_device`` (each of ``ROWS_PER_DEVICE``): the largest difference between the pmap,
  shard_map and jit-with-shardings forms, and of each from the same computation on one device;
- ``placement`` [vmap, pmap]: how many devices hold the output (the contrast the Q&A page on
  vmap draws);
- ``one-device`` [pmap, jit_vmap] by ``devices`` and ``size``: pmap on one device (and on
  every simulated device) against ``jit(vmap)`` of the same function on the same rows, with
  the largest difference between their results (claim 6 of the vmap course page);
- ``one-device-batch`` [check]: on one device, pmap of a per-row function over a batch of
  several rows (refused or not), over one row, and over the batch wrapped as one entry with
  vmap inside, each against vmap;
- ``dispatch`` [pmap, jit_shard_map, jit_sharded]: the cost of a call on a tiny input that
  already lives where each form wants it.

>>> from jaxguide.bench.suites import SUITES
>>> SUITES["parallel"].version
3
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import partial

import jax
import jax.numpy as jnp
from jax import Array
from jax.sharding import Mesh, NamedSharding
from jax.sharding import PartitionSpec as P

from jaxguide.bench._points import guarded, guarded_group
from jaxguide.bench._suites import Point, Profile, Suite
from jaxguide.bench._timing import Call, time_calls
from jaxguide.examples.parallel import (
    AXIS,
    EXAMPLES,
    ROWS_PER_DEVICE,
    Example,
    _share,
    device_mesh,
    max_difference,
    spread,
)
from jaxguide.results import Record, Scalar

__all__ = ["SUITE", "agreement_record", "centred", "elementwise"]


def elementwise(v: Array) -> Array:
    """The function claim 6 maps over rows: a few element-wise operations."""
    return jnp.sin(v) ** 2 + jnp.cos(v) * v


def agreement_record(example: Example, mesh: Mesh, per_device: int) -> Record:
    """The three forms of ``example`` against each other and the one-device computation."""
    by_pmap, by_shard_map, by_jit = example.run(mesh, per_device)
    one_device = example.reference(mesh, per_device)
    values: dict[str, Scalar] = {
        "shard_map_vs_pmap": max_difference(by_pmap, by_shard_map),
        "sharded_vs_pmap": max_difference(by_pmap, by_jit),
        "pmap_vs_one_device": max_difference(one_device, by_pmap),
        "shard_map_vs_one_device": max_difference(one_device, by_shard_map),
        "sharded_vs_one_device": max_difference(one_device, by_jit),
    }
    return Record(
        benchmark="agreement",
        variant=example.name,
        params={"rows_per_device": per_device},
        values=values,
    )


def _agreement(mesh: Mesh, examples: Sequence[Example] = EXAMPLES) -> Iterator[Point]:
    for example in examples:
        for per_device in ROWS_PER_DEVICE:
            yield partial(
                guarded,
                "agreement",
                example.name,
                {"rows_per_device": per_device},
                partial(agreement_record, example, mesh, per_device),
                timeout_s=60,
            )


def _placement(mesh: Mesh) -> Point:
    def measure() -> Record:
        rows = jnp.ones((mesh.shape[AXIS], 16))
        by_vmap = jax.jit(jax.vmap(elementwise))(rows)
        by_pmap = jax.pmap(elementwise)(rows)
        return Record(
            benchmark="placement",
            variant="both",
            values={
                "vmap_devices": len(by_vmap.sharding.device_set),
                "pmap_devices": len(by_pmap.sharding.device_set),
                "rows": rows.shape[0],
                "max_abs_diff": max_difference(by_vmap, by_pmap),
            },
        )

    return partial(guarded, "placement", "both", {}, measure, timeout_s=60)


def _one_device(profile: Profile, devices: int, size: int) -> Point:
    params: dict[str, Scalar] = {"devices": devices, "size": size}
    forms = {
        "pmap": jax.pmap(elementwise, devices=jax.devices()[:devices]),
        "jit_vmap": jax.jit(jax.vmap(elementwise)),
    }

    def measure() -> tuple[Record, ...]:
        rows = jnp.linspace(0.0, 1.0, devices * size).reshape(devices, size)
        reference = forms["jit_vmap"](rows)
        calls: dict[str, Call] = {v: (fn, (rows,)) for v, fn in forms.items()}
        return tuple(
            Record(
                benchmark="one-device",
                variant=v,
                params=params,
                timing=t,
                values={"max_abs_diff_vs_vmap": max_difference(reference, forms[v](rows))},
            )
            for v, t in time_calls(calls, profile.method).items()
        )

    return partial(
        guarded_group, "one-device", tuple(forms), params, measure, profile.point_timeout_s
    )


def centred(v: Array) -> Array:
    """A per-row function: the row minus its own mean (so mapping over rows matters)."""
    return v - v.mean()


def _one_device_batch(batch: int = 8, size: int = 16) -> Point:
    params: dict[str, Scalar] = {"batch": batch, "size": size}

    def measure() -> Record:
        on_one = jax.devices()[:1]
        xs = jnp.linspace(0.0, 1.0, batch * size).reshape(batch, size)
        by_vmap = jax.jit(jax.vmap(centred))
        try:  # the batch itself, one row per device, on one device
            jax.pmap(centred, devices=on_one)(xs)
            refused = 0
        except ValueError:
            refused = 1
        one_row = jax.pmap(centred, devices=on_one)(xs[:1])
        wrapped = jax.pmap(jax.vmap(centred), devices=on_one)(xs[None])[0]
        return Record(
            benchmark="one-device-batch",
            variant="check",
            params=params,
            values={
                "batch_refused": refused,
                "row_vs_vmap": max_difference(by_vmap(xs[:1]), one_row),
                "batch_vs_vmap": max_difference(by_vmap(xs), wrapped),
            },
        )

    return partial(guarded, "one-device-batch", "check", params, measure, timeout_s=60)


def _dispatch(profile: Profile, mesh: Mesh) -> Point:
    x = jnp.arange(1.0, 3 * mesh.shape[AXIS] + 1.0).reshape(-1, 3)
    # Each form gets its input already laid out as it wants it: no transfer is timed.
    pmap_layout = NamedSharding(Mesh(jax.devices()[: mesh.shape[AXIS]], (AXIS,)), P(AXIS))
    blocks = x.reshape(mesh.shape[AXIS], 1, 3)  # pmap's layout: one block of one row per device
    calls: dict[str, Call] = {
        "pmap": (jax.pmap(_share, axis_name=AXIS), (jax.device_put(blocks, pmap_layout),)),
        "jit_shard_map": (
            jax.jit(jax.shard_map(_share, mesh=mesh, in_specs=P(AXIS), out_specs=P(AXIS))),
            (spread(x, mesh),),
        ),
        "jit_sharded": (jax.jit(lambda a: a / a.sum(axis=0, keepdims=True)), (spread(x, mesh),)),
    }
    params: dict[str, Scalar] = {"devices": mesh.shape[AXIS], "rows": x.shape[0]}

    def measure() -> tuple[Record, ...]:
        return tuple(
            Record(benchmark="dispatch", variant=v, params=params, timing=t)
            for v, t in time_calls(calls, profile.method).items()
        )

    return partial(
        guarded_group, "dispatch", tuple(calls), params, measure, profile.point_timeout_s
    )


def _points(profile: Profile) -> Iterator[Point]:
    mesh = device_mesh()
    yield from _agreement(mesh)
    yield _placement(mesh)
    for devices in sorted({1, mesh.shape[AXIS]}):
        for size in (1_000, 10 * profile.max_batch):
            yield _one_device(profile, devices, size)
    yield _one_device_batch()
    yield _dispatch(profile, mesh)


SUITE = Suite(
    name="parallel",
    version=3,
    description="pmap against shard_map and jit with shardings: agreement, placement, "
    "pmap on one device, dispatch cost",
    points=_points,
    produces=frozenset(
        {("agreement", example.name) for example in EXAMPLES}
        | {("placement", "both")}
        | {("one-device", v) for v in ("pmap", "jit_vmap")}
        | {("one-device-batch", "check")}
        | {("dispatch", v) for v in ("pmap", "jit_shard_map", "jit_sharded")}
    ),
)
