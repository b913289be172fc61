"""Choosing a chunk or microbatch size for a memory budget, by compiling candidates (nothing runs)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jax

from jaxguide.mitigations._chunked import batch_size, chunked_vmap, positive_int
from jaxguide.mitigations._microbatch import leading_size, microbatched_value_and_grad

__all__ = ["ChunkPlan", "MicrobatchPlan", "plan_chunk_size", "plan_microbatch_size"]


@dataclass(frozen=True)
class ChunkPlan:
    """The largest chunk size whose compiled temporary memory fits a budget."""

    chunk_size: int
    batch_size: int
    temp_bytes: int
    """XLA's temporary bytes for the chosen chunk size."""
    budget_bytes: int
    full_batch_temp_bytes: int
    """XLA's temporary bytes for the whole batch at once (plain vmap)."""
    compilations: int
    """How many chunk sizes were compiled to decide."""

    @property
    def fits_without_chunking(self) -> bool:
        """Whether plain vmap already fits the budget."""
        return self.chunk_size == self.batch_size


def plan_chunk_size(
    f: Callable[..., Any],
    *args: Any,
    budget_bytes: int,
    in_axes: Any = 0,
    out_axes: Any = 0,
) -> ChunkPlan:
    """The largest ``chunk_size`` for :func:`chunked_vmap` whose temporary memory fits.

    Each candidate is compiled and XLA's memory analysis read; nothing runs, so ``args``
    may be :class:`jax.ShapeDtypeStruct` s for a batch too large to allocate. Temporary
    bytes grow with the chunk size among the sizes that divide the batch, and among those
    that leave a remainder (which also pay for a copy of the output), so a binary search
    finds the largest fitting divisor, then one among the larger sizes that leave a
    remainder: usually a single compilation shows that none of those fits.

    Raises:
        ValueError: ``budget_bytes`` is not positive, or is smaller than one example at a
            time needs (the message names that minimum).

    >>> import jax, jax.numpy as jnp
    >>> def f(x):
    ...     return jnp.sort(jnp.outer(x, x), axis=0)[-1]
    >>> xs = jax.ShapeDtypeStruct((1000, 64), jnp.float32)
    >>> plan = plan_chunk_size(f, xs, budget_bytes=2**20)
    >>> plan.temp_bytes <= 2**20 < plan.full_batch_temp_bytes
    True
    >>> plan_chunk_size(f, xs, budget_bytes=100)
    Traceback (most recent call last):
    ...
    ValueError: a budget of 100 bytes is below the ... bytes of temporary memory that one example at a time needs (chunk_size=1)
    """
    positive_int(budget_bytes, "budget_bytes")
    n = batch_size(in_axes, *args)
    if n < 1:
        raise ValueError(f"the batch is empty (size {n}): there is nothing to plan")
    temp: dict[int, int] = {}

    def temp_bytes(chunk: int) -> int:
        if chunk not in temp:
            g = chunked_vmap(f, in_axes, out_axes, chunk_size=chunk)
            temp[chunk] = compiled_temp_bytes(g, *args)
        return temp[chunk]

    def plan(chunk: int) -> ChunkPlan:
        return ChunkPlan(
            chunk_size=chunk,
            batch_size=n,
            temp_bytes=temp_bytes(chunk),
            budget_bytes=budget_bytes,
            full_batch_temp_bytes=temp_bytes(n),
            compilations=len(temp),
        )

    if temp_bytes(n) <= budget_bytes:
        return plan(n)
    if temp_bytes(1) > budget_bytes:
        raise ValueError(_below_one(budget_bytes, temp_bytes(1), "chunk_size"))
    best = _largest_fitting([c for c in range(1, n) if n % c == 0], temp_bytes, budget_bytes)
    others = [c for c in range(best + 1, n) if n % c]
    return plan(_largest_fitting(others, temp_bytes, budget_bytes) or best)


def compiled_temp_bytes(fn: Callable[..., Any], *args: Any) -> int:
    """XLA's temporary bytes for ``jax.jit(fn)`` compiled for ``args`` (nothing runs)."""
    stats = jax.jit(fn).lower(*args).compile().memory_analysis()
    if stats is None:
        raise NotImplementedError(f"{jax.default_backend()} reports no compiled memory analysis")
    return int(stats.temp_size_in_bytes)


def _largest_fitting(sizes: list[int], temp_bytes: Callable[[int], int], budget: int) -> int:
    """Binary search over ascending ``sizes`` whose bytes grow with size; 0 if none fits."""
    if not sizes or temp_bytes(sizes[0]) > budget:
        return 0
    best, lo, hi = sizes[0], 1, len(sizes)
    while lo < hi:
        mid = (lo + hi) // 2
        if temp_bytes(sizes[mid]) <= budget:
            best, lo = sizes[mid], mid + 1
        else:
            hi = mid
    return best


def _below_one(budget: int, needed: int, name: str) -> str:
    return (
        f"a budget of {budget} bytes is below the {needed} bytes of temporary memory that one "
        f"example at a time needs ({name}=1)"
    )


@dataclass(frozen=True)
class MicrobatchPlan:
    """The fewest microbatches whose compiled temporary memory fits a budget."""

    microbatch_size: int
    batch_size: int
    temp_bytes: int
    """XLA's temporary bytes of the microbatched gradient at the chosen size."""
    budget_bytes: int
    full_batch_temp_bytes: int
    """XLA's temporary bytes of ``jax.value_and_grad`` over the whole batch at once."""
    compilations: int
    """How many microbatch sizes were compiled to decide."""

    @property
    def microbatches(self) -> int:
        """How many microbatches a step computes, the last one possibly smaller."""
        return -(-self.batch_size // self.microbatch_size)

    @property
    def fits_without_microbatching(self) -> bool:
        """Whether the whole batch at once already fits the budget."""
        return self.microbatch_size == self.batch_size


def plan_microbatch_size(
    loss: Callable[..., Any],
    params: Any,
    batch: Any,
    *,
    budget_bytes: int,
    has_aux: bool = False,
) -> MicrobatchPlan:
    """The fewest microbatches for :func:`microbatched_value_and_grad` that fit a budget.

    As :func:`plan_chunk_size` does, it compiles candidates and reads XLA's memory
    analysis; nothing runs, so ``params`` and ``batch`` may be pytrees of
    :class:`jax.ShapeDtypeStruct`. The candidates are the even splits of the batch: for
    ``k`` microbatches, ``ceil(n / k)`` examples each, the smallest size that still takes
    ``k`` steps. Temporary bytes grow with the size, so a binary search over ``k`` finds
    the fewest steps that fit, in about ``log2(2 * sqrt(n))`` compilations.

    Raises:
        ValueError: ``budget_bytes`` is not positive, or is smaller than one example at a
            time needs (the message names that minimum).

    >>> import jax, jax.numpy as jnp
    >>> def per_example(w, x):  # the sort keeps a 64 × 64 matrix per example
    ...     return jnp.sort(jnp.outer(x, w), axis=0)[-1].sum() ** 2
    >>> def loss(w, xs):  # the mean over the batch
    ...     return jnp.mean(jax.vmap(per_example, (None, 0))(w, xs))
    >>> w = jax.ShapeDtypeStruct((64,), jnp.float32)
    >>> batch = jax.ShapeDtypeStruct((1000, 64), jnp.float32)  # shapes only
    >>> plan = plan_microbatch_size(loss, w, batch, budget_bytes=2**20)
    >>> plan.temp_bytes <= 2**20 < plan.full_batch_temp_bytes
    True
    >>> plan.microbatch_size * plan.microbatches >= 1000
    True
    """
    positive_int(budget_bytes, "budget_bytes")
    n = leading_size(batch)
    if n < 1:
        raise ValueError(f"the batch is empty (size {n}): there is nothing to plan")
    temp: dict[int, int] = {}

    def temp_bytes(size: int) -> int:
        if size not in temp:
            step = microbatched_value_and_grad(loss, size, has_aux=has_aux)
            temp[size] = compiled_temp_bytes(step, params, batch)
        return temp[size]

    size = n
    if temp_bytes(n) > budget_bytes:
        if temp_bytes(1) > budget_bytes:
            raise ValueError(_below_one(budget_bytes, temp_bytes(1), "microbatch_size"))
        sizes = sorted({-(-n // k) for k in range(2, n + 1)})  # ceil(n / k): even splits
        size = _largest_fitting(sizes, temp_bytes, budget_bytes)
    return MicrobatchPlan(
        microbatch_size=size,
        batch_size=n,
        temp_bytes=temp_bytes(size),
        budget_bytes=budget_bytes,
        full_batch_temp_bytes=temp_bytes(n),
        compilations=len(temp),
    )
