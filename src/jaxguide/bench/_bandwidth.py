"""Memory-bound kernels against the machine's memory: a copy and an add at sizes past the cache.

A copy reads and writes each byte once; ``a + b`` reads two arrays and writes one. Timed
interleaved at sizes well past the last-level cache, the copy gives this machine's memory
bandwidth as a stable reference, and the add's rate over it says how close a compiled
element-wise kernel comes. Below the cache size the arrays live in cache, and a rate above the
memory's is no paradox: that is why those sizes are labelled.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import jax
import jax.numpy as jnp

from jaxguide.bench._points import guarded_group
from jaxguide.bench._suites import Point, Profile
from jaxguide.bench._timing import time_calls
from jaxguide.results import NotMeasured, Record, Results, Scalar

__all__ = ["BYTES_MOVED", "last_level_cache_bytes", "measured_bandwidth", "stream_point"]

BYTES_MOVED = {"copy": 8, "add": 12}
"""Bytes each variant moves per float32 element: a copy reads and writes 4; an add reads 8."""


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


def stream_point(elements: int, profile: Profile) -> Point:
    """Copy and add ``elements`` float32 numbers, timed interleaved, as records of ``stream``."""
    params: dict[str, Scalar] = {"elements": elements}

    def measure() -> tuple[Record, ...]:
        x, y = jnp.zeros(elements, jnp.float32), jnp.ones(elements, jnp.float32)
        # `x + 0` would be folded away by XLA; a copy that must land in a fresh buffer is not.
        timings = time_calls(
            {"copy": (jax.jit(jnp.copy), (x,)), "add": (jax.jit(jnp.add), (x, y))}, profile.method
        )
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


def measured_bandwidth(results: Results) -> float:
    """The copy bandwidth, bytes per second, at the largest size ``results`` measured.

    Raises :class:`~jaxguide.results.NotMeasured` when the results hold no copy that ran.
    """
    copies = results.by("elements", "stream", "copy")
    if not copies:
        raise NotMeasured(f"suite {results.suite!r}: no stream/copy record")
    return float(copies[max(copies)].values["bytes_per_s"])
