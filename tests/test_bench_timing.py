"""The harness's timing: what it separates, what it blocks on, what it flags.

No assertion here compares two measured durations that could trade places on a loaded
machine: each one either has a large structural margin (a compile of hundreds of operations
against one fused run) or a floor the code guarantees (a host callback that sleeps).
"""

from __future__ import annotations

import time

import jax
import jax.numpy as jnp
import numpy as np

from jaxguide.bench import count_compiles, time_call, time_calls
from jaxguide.results import Method

FAST = Method(warmups=1, repeats=3, min_loop_s=0.002)


def slow_to_compile(x: jax.Array) -> jax.Array:
    """Hundreds of distinct operations unrolled into one program: cheap to run, slow to compile."""
    for k in range(200):
        x = jnp.sin(x * (1 + k / 1000)) + jnp.float32(k)
    return x


def test_first_call_carries_the_compile_and_the_steady_state_excludes_it() -> None:
    f, x = jax.jit(slow_to_compile), jnp.ones(8)
    with count_compiles() as compiles:
        timing = time_call(f, x, method=FAST)
    assert compiles.count == 1  # one compilation, and it happened in the first call
    assert timing.first_call_s >= compiles.seconds > 0
    assert timing.first_call_s > 20 * timing.median_s
    assert not timing.recompiled
    assert timing.min_s <= timing.median_s
    assert timing.repeats == 3
    assert timing.loops >= 1


class DriftingStatic:
    """A jitted function fed a new static argument on every call: it compiles every time."""

    def __init__(self) -> None:
        self.jitted = jax.jit(lambda x, k: x + k, static_argnums=1)
        self.calls = 0

    def __call__(self, x: jax.Array) -> jax.Array:
        self.calls += 1
        return self.jitted(x, self.calls)


def test_recompilation_in_the_steady_state_is_flagged() -> None:
    assert time_call(DriftingStatic(), jnp.ones(3), method=FAST).recompiled
    assert not time_call(jax.jit(lambda x: x + 1), jnp.ones(3), method=FAST).recompiled


def test_compiles_are_counted_whatever_triggers_them() -> None:
    f, three, five = jax.jit(lambda x: x * 2), jnp.ones(3), jnp.ones(5)
    with count_compiles() as compiles:
        f(three)
        f(three)  # cached
        f(five)  # a new shape
    assert compiles.count == 2
    with count_compiles() as none:
        f(five)
    assert none.count == 0


def _sleepy(x: np.ndarray) -> np.ndarray:
    time.sleep(0.02)
    return x


def test_every_output_leaf_is_waited_for() -> None:
    """One slow leaf in a dict: the steady state cannot be shorter than its host sleep."""

    @jax.jit
    def f(x: jax.Array) -> dict[str, jax.Array]:
        slow = jax.pure_callback(_sleepy, jax.ShapeDtypeStruct(x.shape, x.dtype), x)
        return {"fast": x + 1, "slow": slow}

    timing = time_call(f, jnp.ones(3), method=Method(warmups=0, repeats=3, min_loop_s=0.0))
    assert timing.min_s >= 0.02


def test_compared_calls_are_timed_interleaved() -> None:
    """After the first calls, warm-ups and calibration, repeats alternate A, B, A, B, …"""
    log: list[str] = []

    def tagged(tag: str):  # type: ignore[no-untyped-def]
        f = jax.jit(lambda x: x + 1)

        def call(x: jax.Array) -> jax.Array:
            log.append(tag)
            return f(x)

        return call

    method = Method(warmups=0, repeats=4, min_loop_s=0.0)
    timings = time_calls(
        {"a": (tagged("a"), (jnp.ones(3),)), "b": (tagged("b"), (jnp.ones(3),))}, method
    )
    assert [t.repeats for t in timings.values()] == [4, 4]
    assert log[-8:] == ["a", "b"] * 4  # with min_loop_s=0 each repeat is a loop of one call
    assert all(t.loops == 1 for t in timings.values())
