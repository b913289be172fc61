"""Memory-bound kernels against the machine's memory: one pass over memory, and an add.

The reference, ``x + 1`` written back into ``x`` (its buffer donated), reads and writes each byte
once; the add, ``a + b`` written back into ``a``, reads two arrays and writes one. Both run in
place: a kernel that writes a fresh output pays for the new memory (on a CPU, the operating
system zeroes each new page on first touch), and that, not the bandwidth, would dominate its
time. Timed interleaved at sizes well past the last-level cache, the reference gives this
machine's memory bandwidth as a stable figure, and the add's rate over it says how close a
compiled element-wise kernel comes. Below the cache size the arrays live in cache, and a rate
above the memory's is no paradox: that is why those sizes are labelled.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

import jax
import jax.numpy as jnp

from jaxguide.bench._points import guarded_group
from jaxguide.bench._suites import Point, Profile
from jaxguide.bench._timing import time_calls
from jaxguide.results import Record, Scalar

__all__ = [
    "BYTES_MOVED",
    "FAR_PAST",
    "STREAM_REPEATS",
    "last_level_cache_bytes",
    "stream_point",
    "stream_sizes",
]

BYTES_MOVED = {"copy": 8, "add": 12}
"""Bytes each variant moves per float32 element: the one-pass reference (``copy``) reads and
writes 4; the add reads 8 and writes 4."""
FAR_PAST = 4
""""Far past the cache": each array at least this many times the last-level cache (STREAM's
rule, so that no replacement policy keeps a useful part of an array in the cache)."""
STREAM_REPEATS = 15
"""Repeats of each stream size, at least: each is one call, and the add-over-copy ratio's
interval must be narrow enough to judge (width under 0.3 on an idle 2-core machine)."""


def last_level_cache_bytes(cpu: Path = Path("/sys/devices/system/cpu/cpu0/cache")) -> int | None:
    """The largest CPU cache's size in bytes, where Linux says it (``None`` elsewhere).

    >>> size = last_level_cache_bytes()
    >>> size is None or size >= 2**16
    True
    """
    sizes = []
    for entry in cpu.glob("index*/size"):
        text = entry.read_text().strip()
        units = {"K": 2**10, "M": 2**20, "G": 2**30}
        sizes.append(int(text[:-1]) * units[text[-1]] if text[-1] in units else int(text))
    return max(sizes, default=None)


def stream_sizes(sizes: Sequence[int], cache: int | None) -> tuple[int, ...]:
    """``sizes`` (float32 elements), the largest raised where needed to the smallest power of two
    whose arrays are :data:`FAR_PAST` times the last-level cache ``cache`` (bytes).

    >>> stream_sizes((2**20, 2**24, 2**26), 32 * 2**20)  # 256 MiB arrays: 8× the cache
    (1048576, 16777216, 67108864)
    >>> stream_sizes((2**20, 2**24, 2**26), 480 * 2**20)  # 2 GiB arrays: 4.3× the cache
    (1048576, 16777216, 536870912)
    """
    ordered = tuple(sorted(sizes))
    if not cache or not ordered:
        return ordered
    needed = FAR_PAST * cache / 4
    if ordered[-1] >= needed:
        return ordered
    return (*ordered[:-1], 2 ** math.ceil(math.log2(needed)))


def _available_bytes() -> int | None:
    """Memory the system can still give (Linux's ``MemAvailable``), ``None`` where unknown."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 2**10
    except OSError:
        pass
    return None


def stream_point(elements: int, profile: Profile) -> Point:
    """The one-pass reference (``copy``) and the add on ``elements`` float32 numbers, in place,
    timed interleaved (at least ``STREAM_REPEATS`` times), as records of benchmark
    ``stream``. Where the three arrays would take over half the memory the system has left, the
    point is recorded as out of memory rather than risk the whole run."""
    params: dict[str, Scalar] = {"elements": elements}
    method = profile.method.model_copy(
        update={"repeats": max(profile.method.repeats, STREAM_REPEATS)}
    )

    def measure() -> tuple[Record, ...]:
        needed, available = 3 * 4 * elements, _available_bytes()
        if available is not None and needed > available / 2:
            raise MemoryError(
                f"the arrays need {needed / 2**30:.1f} GiB, over half of the "
                f"{available / 2**30:.1f} GiB available"
            )
        y = jnp.ones(elements, jnp.float32)
        copy = _in_place(lambda x: x + 1.0, jnp.zeros(elements, jnp.float32))
        add = _in_place(jnp.add, jnp.zeros(elements, jnp.float32), y)
        timings = time_calls({"copy": (copy, ()), "add": (add, ())}, method)
        cache = last_level_cache_bytes()
        return tuple(
            Record(
                benchmark="stream",
                variant=name,
                params=params,
                timing=t,
                values={
                    "bytes_moved": BYTES_MOVED[name] * elements,
                    "bytes_per_s": BYTES_MOVED[name] * elements / t.median_s,
                    "cache_bytes": cache or 0,
                },
            )
            for name, t in timings.items()
        )

    return partial(guarded_group, "stream", tuple(BYTES_MOVED), params, measure, 60.0)


def _in_place(f: Callable[..., jax.Array], *args: jax.Array) -> Callable[[], jax.Array]:
    """Each call runs ``f`` with its first argument donated and keeps the result for the next:
    the output reuses the input's memory, so no call allocates."""
    step = jax.jit(f, donate_argnums=0)
    state = list(args)

    def call() -> jax.Array:
        state[0] = step(*state)
        return state[0]

    return call
