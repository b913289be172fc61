"""A reference for memory-bound kernels: how fast this machine's memory copies a large array."""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp

from jaxguide.bench._timing import time_call
from jaxguide.results import Method, NotMeasured, Record, Results

__all__ = ["bandwidth_point", "copy_bandwidth", "measured_bandwidth"]


def copy_bandwidth(nbytes: int, method: Method) -> Record:
    """Time a jitted copy of ``nbytes`` of float32 on the default device.

    A copy reads and writes every byte once, so the bandwidth is ``2 * nbytes`` over the
    steady-state median; it is stored as ``values["bytes_per_s"]`` of a record with
    benchmark ``"bandwidth"`` and variant ``"copy"``.

    >>> from jaxguide.results import Method
    >>> r = copy_bandwidth(2**20, Method(warmups=1, repeats=3, min_loop_s=0.001))
    >>> r.benchmark, r.variant, r.params
    ('bandwidth', 'copy', {'bytes': 1048576})
    >>> r.values["bytes_per_s"] > 0
    True
    """
    x = jnp.zeros(nbytes // 4, jnp.float32)
    # `x + 0` would be folded away by XLA; a copy that must land in a fresh buffer is not.
    copy = jax.jit(jnp.copy)
    timing = time_call(copy, x, method=method)
    moved = 2 * x.nbytes
    return Record(
        benchmark="bandwidth",
        variant="copy",
        params={"bytes": x.nbytes},
        timing=timing,
        values={"bytes_per_s": moved / timing.median_s, "bytes_moved": moved},
    )


def bandwidth_point(nbytes: int, method: Method) -> Callable[[], Record]:
    """The reference copy as a suite's point: include it so its results carry the bandwidth."""
    return lambda: copy_bandwidth(nbytes, method)


def measured_bandwidth(results: Results) -> float:
    """The copy bandwidth, bytes per second, that ``results`` measured in the same run.

    Raises :class:`~jaxguide.results.NotMeasured` when the results hold no successful copy record.
    """
    for record in results.select("bandwidth", "copy"):
        if record.status == "ok":
            return float(record.values["bytes_per_s"])
    raise NotMeasured(f"suite {results.suite!r}: no bandwidth/copy record")
