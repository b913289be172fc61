"""Timing JAX code honestly: first call apart, every output leaf blocked on, loops calibrated."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import jax

from jaxguide.bench._results import Method, Timing

__all__ = ["DEFAULT_METHOD", "time_call"]

DEFAULT_METHOD = Method(warmups=1, repeats=7, min_loop_s=0.02)
"""Quick enough for a docs build on 2 cores; ``full`` profiles pass a longer method."""


def time_call(
    fn: Callable[..., Any],
    *args: Any,
    method: Method = DEFAULT_METHOD,
    max_loops: int = 1_000_000,
) -> Timing:
    """Time ``fn(*args)``: its first call, then its steady state.

    The first call (trace, compile, run) is timed on its own. Then ``method.warmups``
    calls are discarded, the number of calls per repeat is calibrated so one repeat takes
    at least ``method.min_loop_s``, and ``method.repeats`` repeats give the median, IQR and
    minimum seconds per call. Every leaf of every output is blocked on
    (:func:`jax.block_until_ready`), so asynchronous dispatch is never timed by accident.
    For a jitted ``fn``, a new compilation during the steady state sets ``recompiled``.

    >>> import jax, jax.numpy as jnp
    >>> t = time_call(jax.jit(jnp.sin), jnp.ones(1000))
    >>> t.first_call_s > t.median_s > 0
    True
    >>> t.recompiled
    False
    """

    def call() -> None:
        jax.block_until_ready(fn(*args))  # type: ignore[no-untyped-call]  # jax leaves it untyped

    start = time.perf_counter()
    call()
    first_call_s = time.perf_counter() - start

    cache_size = getattr(fn, "_cache_size", None)
    compiled_before = cache_size() if callable(cache_size) else None

    for _ in range(method.warmups):
        call()
    loops = _calibrate(call, method.min_loop_s, max_loops)
    per_call = [_run_loops(call, loops) / loops for _ in range(method.repeats)]

    recompiled = compiled_before is not None and cache_size() != compiled_before  # type: ignore[misc]
    q1, median, q3 = statistics.quantiles(per_call, n=4, method="inclusive")
    return Timing(
        first_call_s=first_call_s,
        median_s=median,
        iqr_s=q3 - q1,
        min_s=min(per_call),
        loops=loops,
        repeats=method.repeats,
        recompiled=recompiled,
    )


def _run_loops(call: Callable[[], None], loops: int) -> float:
    start = time.perf_counter()
    for _ in range(loops):
        call()
    return time.perf_counter() - start


def _calibrate(call: Callable[[], None], min_loop_s: float, max_loops: int) -> int:
    """The smallest power-of-ten-ish loop count whose run takes at least ``min_loop_s``."""
    loops = 1
    while loops < max_loops:
        elapsed = _run_loops(call, loops)
        if elapsed >= min_loop_s:
            return loops
        # Aim past the target from what one run took, growing at least 2× and at most 10×.
        loops = min(max_loops, loops * max(2, min(10, int(min_loop_s / max(elapsed, 1e-9)) + 1)))
    return max_loops
