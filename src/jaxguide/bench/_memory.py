"""Memory as its own measurement: XLA's compiled analysis, and the device's peak where reported."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax

from jaxguide.results import Memory

__all__ = ["compiled_memory", "peak_bytes_in_use"]


def compiled_memory(fn: Callable[..., Any], *args: Any) -> Memory:
    """XLA's memory analysis of ``jax.jit(fn)`` compiled for ``args``; nothing is run. A
    function jitted already is analysed with its own options (``donate_argnums``, say).

    ``args`` may be arrays or :class:`jax.ShapeDtypeStruct` s, so a batch too large for
    the device can still be analysed.

    >>> import jax, jax.numpy as jnp
    >>> x = jax.ShapeDtypeStruct((1000,), jnp.float32)
    >>> m = compiled_memory(lambda v: jnp.outer(v, v).sum(0), x)
    >>> m.argument_bytes, m.output_bytes
    (4000, 4000)
    """
    jitted = fn if hasattr(fn, "lower") else jax.jit(fn)
    compiled = jitted.lower(*args).compile()
    stats = compiled.memory_analysis()
    if stats is None:  # a backend without an analysis: say so rather than report zeros
        raise NotImplementedError(f"{jax.default_backend()} reports no compiled memory analysis")
    return Memory(
        temp_bytes=int(stats.temp_size_in_bytes),
        argument_bytes=int(stats.argument_size_in_bytes),
        output_bytes=int(stats.output_size_in_bytes),
        alias_bytes=int(stats.alias_size_in_bytes),
    )


def peak_bytes_in_use(device: jax.Device | None = None) -> int | None:
    """The device's peak bytes in use so far, or ``None`` where the backend does not say (CPU).

    >>> import jax
    >>> peak_bytes_in_use() is None or peak_bytes_in_use() >= 0
    True
    """
    stats = (device or jax.devices()[0]).memory_stats()
    if not stats or "peak_bytes_in_use" not in stats:
        return None
    return int(stats["peak_bytes_in_use"])
