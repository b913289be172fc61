"""Timing JAX code honestly: first call apart, every output leaf blocked on, loops calibrated."""

from __future__ import annotations

import contextlib
import statistics
import time
from collections.abc import Callable, Iterator
from typing import Any

import jax

from jaxguide.bench._results import Method, Timing

__all__ = ["DEFAULT_METHOD", "CompileCount", "count_compiles", "time_call"]

_COMPILE_EVENT = "/jax/core/compile/backend_compile_duration"
"""The event JAX records each time XLA compiles a computation (see :mod:`jax.monitoring`)."""

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
    Any XLA compilation after the first call (a new shape, a changed static argument)
    sets ``recompiled``.

    >>> import jax, jax.numpy as jnp
    >>> t = time_call(jax.jit(jnp.sin), jnp.ones(1000))
    >>> t.first_call_s > t.median_s > 0
    True
    >>> t.recompiled
    False
    """

    start = time.perf_counter()
    out = fn(*args)
    jax.block_until_ready(out)  # type: ignore[no-untyped-call]  # jax leaves it untyped
    first_call_s = time.perf_counter() - start

    # The steady state calls exactly what a hand-written `timeit` would: an array's own
    # `block_until_ready()` (cheaper than the pytree walk), or every leaf of a pytree.
    if isinstance(out, jax.Array):

        def call() -> None:
            fn(*args).block_until_ready()

    else:

        def call() -> None:
            jax.block_until_ready(fn(*args))  # type: ignore[no-untyped-call]

    cache_size = getattr(fn, "_cache_size", None)
    cached_before = cache_size() if callable(cache_size) else None
    with count_compiles() as compiles:
        for _ in range(method.warmups):
            call()
        loops = _calibrate(call, method.min_loop_s, max_loops)
        per_call = [_run_loops(call, loops) / loops for _ in range(method.repeats)]
    grew = cached_before is not None and cache_size() != cached_before  # type: ignore[misc]

    q1, median, q3 = statistics.quantiles(per_call, n=4, method="inclusive")
    return Timing(
        first_call_s=first_call_s,
        median_s=median,
        iqr_s=q3 - q1,
        min_s=min(per_call),
        loops=loops,
        repeats=method.repeats,
        recompiled=grew or compiles.count > 0,
    )


class CompileCount:
    """How many XLA compilations happened inside a :func:`count_compiles` block, and for how long."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0

    def _listen(self, event: str, duration_secs: float, **kwargs: str | int) -> None:
        del kwargs
        if event == _COMPILE_EVENT:
            self.count += 1
            self.seconds += duration_secs


@contextlib.contextmanager
def count_compiles() -> Iterator[CompileCount]:
    """Count the XLA compilations inside the block, whatever triggers them.

    >>> import jax, jax.numpy as jnp
    >>> f = jax.jit(lambda x: x * 2)
    >>> with count_compiles() as c:
    ...     _ = f(jnp.ones(3)), f(jnp.ones(3)), f(jnp.ones(4))
    >>> c.count
    2
    """
    counter = CompileCount()
    jax.monitoring.register_event_duration_secs_listener(counter._listen)
    try:
        yield counter
    finally:
        jax.monitoring.unregister_event_duration_listener(counter._listen)


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
