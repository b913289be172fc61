"""The vmap-memory suite: what vmap materializes, and what chunking buys and costs.

The workloads are the lessons of :mod:`jaxguide.examples.vmap_memory`: ``attention``, whose
batched attention weights XLA keeps in memory, ``outer_sum``, whose intermediate it fuses away,
and a small network's training step in four forms.

Benchmarks (memory from XLA's compiled analysis; nothing large is allocated for them):

- ``attention``: temporary bytes against batch size for ``vmap``, ``chunked_vmap`` at
  several chunk sizes (one that leaves a remainder), ``lax.map`` with ``batch_size`` and
  the ``sequential`` map; params ``batch`` and ``chunk``.
- ``attention-timed``: the same variants at one batch, run and timed, with the device's
  peak where the backend reports it (taken smallest variant first, since the peak only grows).
- ``fused``: vmap of ``outer_sum``, whose intermediate never reaches memory.
- ``grad``: per-example gradients and the gradient of a batch loss, chunked, with and
  without :func:`jax.checkpoint`.
- ``train-step``: one training step, ``jax.value_and_grad`` of the batch's mean
  ``example_loss``, in the four forms of :func:`~jaxguide.examples.vmap_memory.train_step`
  (``vmap``, ``chunked``, ``chunked-remat``, ``microbatched``); temporary bytes against batch
  size, params ``batch`` and ``chunk`` (the examples per chunk or microbatch; the batch for
  ``vmap``).
- ``train-step-timed``: the same four forms at one batch (half ``attention-timed``'s), run
  and timed interleaved.
- ``planner``: :func:`~jaxguide.mitigations.plan_chunk_size` for a batch that vmap would
  not fit in ``BUDGET_BYTES``; ``beyond-device``: on a backend that reports its peak (GPU),
  a vmap larger than the device, attempted so that its out-of-memory is recorded.

>>> from jaxguide.bench.suites import vmap_memory
>>> from jaxguide.bench import PROFILES
>>> vmap_memory.batches(PROFILES["quick"])[:2]
(256, 1024)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import jax
import jax.numpy as jnp
from jax import lax

from jaxguide.bench._memory import compiled_memory, peak_bytes_in_use
from jaxguide.bench._points import guarded, guarded_group
from jaxguide.bench._suites import Point, Profile, Suite
from jaxguide.bench._timing import time_calls
from jaxguide.examples.vmap_memory import (
    BUDGET_BYTES,
    FEATURES,
    OUTER,
    TOKENS,
    TRAIN_CHUNK,
    TRAIN_FORMS,
    attention,
    init_network,
    loss,
    outer_sum,
    train_batch,
    train_step,
)
from jaxguide.mitigations import chunked_vmap, plan_chunk_size
from jaxguide.results import Record, Scalar

__all__ = ["CHUNKS", "SUITE", "TIMED_CHUNKS", "batches", "variant"]

CHUNKS = (16, 64, 256)
"""Chunk sizes swept against batch size; 100 is added as one that leaves a remainder."""
TIMED_CHUNKS = (1, 4, 16, 64, 256)
"""Chunk sizes of the ``attention-timed`` benchmark, run and timed at one batch."""

Fn = Callable[..., Any]


def variant(name: str, chunk: int) -> Fn:
    """The batched ``attention`` as variant ``name`` (chunk sizes apply to the chunked ones)."""
    if name == "vmap":
        return jax.vmap(attention)
    if name == "chunked_vmap":
        return chunked_vmap(attention, chunk_size=chunk)
    if name == "lax.map":
        return lambda xs: lax.map(attention, xs, batch_size=chunk)
    if name == "sequential":
        return lambda xs: lax.map(attention, xs)
    raise ValueError(f"unknown variant {name!r}")


def _grad_variant(name: str, chunk: int) -> Fn:
    """``per-example`` gradients, or the gradient of the ``batch-loss``; ``-remat``: checkpointed."""
    f = jax.checkpoint(loss) if name.endswith("-remat") else loss
    if name.startswith("per-example"):
        return chunked_vmap(jax.grad(f), in_axes=(None, 0), chunk_size=chunk)
    return jax.grad(lambda w, xs: chunked_vmap(f, (None, 0), chunk_size=chunk)(w, xs).mean())


def batches(profile: Profile) -> tuple[int, ...]:
    """Powers of four from 256 up to the profile's largest batch."""
    return tuple(4**k for k in range(4, 12) if 4**k <= profile.max_batch)


def _examples(batch: int) -> jax.ShapeDtypeStruct:
    return jax.ShapeDtypeStruct((batch, TOKENS, FEATURES), jnp.float32)  # type: ignore[no-untyped-call]


def _weights_bytes(batch: int) -> int:
    return batch * TOKENS * TOKENS * 4


def points(profile: Profile) -> Iterator[Point]:
    sweep = batches(profile)
    timed = 2 ** (profile.max_batch // 16).bit_length() // 2  # a power of two: 512 in quick
    swept = [("vmap", 0), *(("chunked_vmap", c) for c in (*CHUNKS, 100))]
    swept += [("lax.map", 64), ("sequential", 1)]
    for batch in sweep:
        for name, chunk in swept:
            yield _point("attention", name, batch, chunk or batch, profile, _swept)
    yield _timed_group(timed, profile)
    for batch in sweep:
        yield _point("fused", "vmap", batch, batch, profile, _fused)
    for name in ("per-example", "per-example-remat", "batch-loss", "batch-loss-remat"):
        for chunk in (timed, timed // 16):
            yield _point("grad", name, timed, chunk, profile, _grad)
    for batch in sweep:
        for form in TRAIN_FORMS:
            chunk = batch if form == "vmap" else TRAIN_CHUNK
            yield _point("train-step", form, batch, chunk, profile, _train_memory)
    yield _train_timed_group(timed // 2, profile)  # a step costs about three forward passes
    yield _point("planner", "plan_chunk_size", sweep[-1], 0, profile, _planner)
    yield _point("beyond-device", "vmap", 0, 0, profile, _beyond_device)


Measure = Callable[[str, str, int, int, Profile], Record]


def _point(
    benchmark: str, name: str, batch: int, chunk: int, profile: Profile, measure: Measure
) -> Callable[[], Record]:
    params: dict[str, Scalar] = {"batch": batch, "chunk": chunk} if batch else {}
    return lambda: guarded(
        benchmark,
        name,
        params,
        lambda: measure(benchmark, name, batch, chunk, profile),
        profile.point_timeout_s,
    )


def _record(benchmark: str, name: str, batch: int, chunk: int, **fields: Any) -> Record:
    params: dict[str, Scalar] = {"batch": batch, "chunk": chunk}
    return Record(benchmark=benchmark, variant=name, params=params, **fields)


def _swept(benchmark: str, name: str, batch: int, chunk: int, profile: Profile) -> Record:
    del profile
    memory = compiled_memory(variant(name, chunk), _examples(batch))
    values = {"weights_bytes": _weights_bytes(batch)}
    return _record(benchmark, name, batch, chunk, memory=memory, values=values)


def _timed_group(batch: int, profile: Profile) -> Point:
    """Every chunk size and vmap at one batch, run and timed interleaved; on a backend that
    reports the device's peak, each is first run alone, smallest memory first (the peak only
    grows), to read its peak."""
    sizes = [("sequential" if c == 1 else "chunked_vmap", c) for c in TIMED_CHUNKS]
    sizes.append(("vmap", batch))

    def measure() -> tuple[Record, ...]:
        xs = jax.random.normal(jax.random.key(0), (batch, TOKENS, FEATURES))
        peaks: dict[int, int | None] = {}
        for name, chunk in sizes:
            if peak_bytes_in_use() is not None:
                jax.block_until_ready(jax.jit(variant(name, chunk))(xs))  # type: ignore[no-untyped-call]
            peaks[chunk] = peak_bytes_in_use()
        calls = {f"{name}@{chunk}": (jax.jit(variant(name, chunk)), (xs,)) for name, chunk in sizes}
        timings = time_calls(calls, profile.method)
        return tuple(
            _record(
                "attention-timed",
                name,
                batch,
                chunk,
                timing=timings[f"{name}@{chunk}"],
                memory=compiled_memory(variant(name, chunk), xs).model_copy(
                    update={"peak_bytes": peaks[chunk]}
                ),
                values={"weights_bytes": _weights_bytes(batch)},
            )
            for name, chunk in sizes
        )

    variants = sorted({name for name, _ in sizes})
    return lambda: guarded_group(
        "attention-timed", variants, {"batch": batch}, measure, profile.point_timeout_s
    )


def _fused(benchmark: str, name: str, batch: int, chunk: int, profile: Profile) -> Record:
    del profile
    xs = jax.ShapeDtypeStruct((batch, OUTER), jnp.float32)  # type: ignore[no-untyped-call]
    memory = compiled_memory(jax.vmap(outer_sum), xs)
    values = {"intermediate_bytes": batch * OUTER * OUTER * 4}
    return _record(benchmark, name, batch, chunk, memory=memory, values=values)


def _grad(benchmark: str, name: str, batch: int, chunk: int, profile: Profile) -> Record:
    del profile
    w = jax.ShapeDtypeStruct((FEATURES, FEATURES), jnp.float32)  # type: ignore[no-untyped-call]
    memory = compiled_memory(_grad_variant(name, chunk), w, _examples(batch))
    values = {"weights_bytes": _weights_bytes(batch)}
    return _record(benchmark, name, batch, chunk, memory=memory, values=values)


def _train_memory(benchmark: str, name: str, batch: int, chunk: int, profile: Profile) -> Record:
    del profile
    params = jax.eval_shape(init_network, jax.random.key(0))
    shapes = jax.eval_shape(lambda key: train_batch(key, batch), jax.random.key(0))
    memory = compiled_memory(train_step(name, chunk), params, shapes)
    return _record(benchmark, name, batch, chunk, memory=memory)


def _train_timed_group(batch: int, profile: Profile) -> Point:
    """The four forms of a training step at one batch, run and timed interleaved; where the
    backend reports the device's peak, each first runs alone, least memory first."""

    def chunk(form: str) -> int:
        return batch if form == "vmap" else TRAIN_CHUNK

    def measure() -> tuple[Record, ...]:
        params, data = init_network(jax.random.key(0)), train_batch(jax.random.key(1), batch)
        peaks: dict[str, int | None] = {}
        for form in reversed(TRAIN_FORMS):  # least memory first, as the device's peak only grows
            if peak_bytes_in_use() is not None:
                jax.block_until_ready(jax.jit(train_step(form, chunk(form)))(params, data))  # type: ignore[no-untyped-call]
            peaks[form] = peak_bytes_in_use()
        calls = {
            form: (jax.jit(train_step(form, chunk(form))), (params, data)) for form in TRAIN_FORMS
        }
        timings = time_calls(calls, profile.method)
        return tuple(
            _record(
                "train-step-timed",
                form,
                batch,
                chunk(form),
                timing=timings[form],
                memory=compiled_memory(train_step(form, chunk(form)), params, data).model_copy(
                    update={"peak_bytes": peaks[form]}
                ),
            )
            for form in TRAIN_FORMS
        )

    return lambda: guarded_group(
        "train-step-timed", TRAIN_FORMS, {"batch": batch}, measure, profile.point_timeout_s
    )


def _planner(benchmark: str, name: str, batch: int, chunk: int, profile: Profile) -> Record:
    del chunk, profile
    plan = plan_chunk_size(attention, _examples(batch), budget_bytes=BUDGET_BYTES)
    values: dict[str, Scalar] = {
        "budget_bytes": plan.budget_bytes,
        "chunk_size": plan.chunk_size,
        "temp_bytes": plan.temp_bytes,
        "full_batch_temp_bytes": plan.full_batch_temp_bytes,
        "compilations": plan.compilations,
    }
    return _record(benchmark, name, batch, plan.chunk_size, values=values)


def _beyond_device(benchmark: str, name: str, batch: int, chunk: int, profile: Profile) -> Record:
    """On a backend that reports its peak: vmap twice the device's memory, expecting an OOM."""
    del batch, chunk, profile
    stats = jax.devices()[0].memory_stats() or {}
    if peak_bytes_in_use() is None or "bytes_limit" not in stats:
        return Record(
            benchmark=benchmark,
            variant=name,
            status="unsupported",
            message="not attempted: this backend reports no device memory limit or peak",
        )
    batch = 2 * int(stats["bytes_limit"]) // _weights_bytes(1)

    def run(key: jax.Array) -> Any:  # the inputs are drawn on the device: nothing to upload
        return jax.vmap(attention)(jax.random.normal(key, (batch, TOKENS, FEATURES)))

    jax.block_until_ready(jax.jit(run)(jax.random.key(0)))  # type: ignore[no-untyped-call]
    return _record(benchmark, name, batch, batch, message="ran: the batch fit after all")


SUITE = Suite(
    name="vmap-memory",
    version=3,
    description="vmap's temporary memory against chunked and sequential maps, under grad "
    "too; a training step chunked, checkpointed or microbatched; the time each costs; a "
    "chunk-size plan for a memory budget.",
    points=points,
    produces=frozenset(
        {(b, form) for b in ("train-step", "train-step-timed") for form in TRAIN_FORMS}
        | {("attention", v) for v in ("vmap", "chunked_vmap", "lax.map", "sequential")}
        | {("attention-timed", v) for v in ("vmap", "chunked_vmap", "sequential")}
        | {("fused", "vmap"), ("planner", "plan_chunk_size"), ("beyond-device", "vmap")}
        | {
            ("grad", v)
            for v in ("per-example", "per-example-remat", "batch-loss", "batch-loss-remat")
        }
    ),
)
