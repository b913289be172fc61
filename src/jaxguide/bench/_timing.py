"""Timing JAX code honestly: first call apart, every output leaf blocked on, loops calibrated,
and variants that will be compared timed interleaved, so drift on a shared machine hits each."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import jax

from jaxguide.results import Method, Timing

__all__ = ["DEFAULT_METHOD", "CompileCount", "count_compiles", "time_call", "time_calls"]

_COMPILE_EVENT = "/jax/core/compile/backend_compile_duration"
"""The event JAX records each time XLA compiles a computation (see :mod:`jax.monitoring`)."""

DEFAULT_METHOD = Method(warmups=1, repeats=7, min_loop_s=0.02)
"""Quick enough for a docs build on 2 cores; ``full`` profiles pass a longer method."""

Call = tuple[Callable[..., Any], Sequence[Any]]
"""A function and the positional arguments to call it with."""


def time_calls(
    calls: Mapping[str, Call], method: Method = DEFAULT_METHOD, max_loops: int = 1_000_000
) -> dict[str, Timing]:
    """Time several calls side by side: first calls apart, then their repeats interleaved.

    Each call's first call (trace, compile, run) is timed on its own, with the XLA compile
    seconds inside it. Then ``method.warmups`` calls of each are discarded, each call's loop
    count is calibrated so one repeat takes at least ``method.min_loop_s``, and the repeats
    run in turn — A, B, C, A, B, C, … — so that a slow spell of a shared machine falls on
    every variant alike. Every leaf of every output is blocked on
    (:func:`jax.block_until_ready`); any compilation after the first call sets ``recompiled``.

    >>> import jax, jax.numpy as jnp
    >>> x = jnp.ones(1000)
    >>> t = time_calls({"sin": (jax.jit(jnp.sin), (x,)), "cos": (jax.jit(jnp.cos), (x,))})
    >>> sorted(t), t["sin"].repeats == DEFAULT_METHOD.repeats, t["cos"].recompiled
    (['cos', 'sin'], True, False)
    """
    steady: dict[str, Callable[[], None]] = {}
    firsts: dict[str, tuple[float, float]] = {}
    for name, (fn, args) in calls.items():
        with count_compiles() as compiles:
            start = time.perf_counter()
            out = fn(*args)
            jax.block_until_ready(out)  # type: ignore[no-untyped-call]  # jax leaves it untyped
            firsts[name] = (time.perf_counter() - start, compiles.seconds)
        steady[name] = _steady_call(fn, args, isinstance(out, jax.Array))

    with count_compiles() as compiles:
        for call in steady.values():
            for _ in range(method.warmups):
                call()
        loops = {
            name: _calibrate(call, method.min_loop_s, max_loops) for name, call in steady.items()
        }
        samples: dict[str, list[float]] = {name: [] for name in steady}
        for _ in range(method.repeats):
            for name, call in steady.items():
                samples[name].append(_run_loops(call, loops[name]) / loops[name])
    return {
        name: Timing(
            first_call_s=firsts[name][0],
            compile_s=firsts[name][1],
            samples_s=tuple(samples[name]),
            loops=loops[name],
            recompiled=compiles.count > 0,
        )
        for name in steady
    }


def time_call(fn: Callable[..., Any], *args: Any, method: Method = DEFAULT_METHOD) -> Timing:
    """Time ``fn(*args)`` alone: :func:`time_calls` with one call.

    >>> import jax, jax.numpy as jnp
    >>> t = time_call(jax.jit(jnp.sin), jnp.ones(1000))
    >>> t.first_call_s > t.median_s > 0, t.recompiled
    (True, False)
    """
    return time_calls({"call": (fn, args)}, method)["call"]


def _steady_call(fn: Callable[..., Any], args: Sequence[Any], array: bool) -> Callable[[], None]:
    """What a hand-written ``timeit`` would call: an array's own ``block_until_ready()``
    (cheaper than the pytree walk), or every leaf of a pytree."""
    if array:

        def call() -> None:
            fn(*args).block_until_ready()

    else:

        def call() -> None:
            jax.block_until_ready(fn(*args))  # type: ignore[no-untyped-call]

    return call


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
    >>> x3, x4 = jnp.ones(3), jnp.ones(4)  # made outside: creating them compiles too
    >>> with count_compiles() as c:
    ...     _ = f(x3), f(x3), f(x4)
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
