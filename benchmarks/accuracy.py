"""How far the harness's steady state is from a plain ``timeit``, and what it adds per call.

Run: ``python benchmarks/accuracy.py``. For a jitted function at several sizes, the harness's
median (``time_call``) and a hand-written ``timeit`` of ``f(x).block_until_ready()`` are taken
in the same process, interleaved round by round so that a change in the machine's load hits
both alike; the script prints their medians and ratio. Then the harness's own overhead per
timed call: ``time_call`` of a function that returns a ready array, minus ``timeit`` of that
array's ``block_until_ready()`` alone.
"""

from __future__ import annotations

import statistics
import sys
import timeit

import jax
import jax.numpy as jnp

from jaxguide.bench import describe_environment, time_call
from jaxguide.results import Method

METHOD = Method(warmups=1, repeats=5, min_loop_s=0.02)
ROUNDS = 15


def timeit_median(stmt: object, number: int, repeat: int = METHOD.repeats) -> float:
    """Median seconds per call over ``repeat`` runs of ``number`` calls, as timeit measures."""
    return statistics.median(t / number for t in timeit.repeat(stmt, number=number, repeat=repeat))  # type: ignore[arg-type]


def agreement(size: int) -> tuple[float, float]:
    f = jax.jit(lambda x: jnp.sin(x) * 2.0 + 1.0)
    x = jnp.linspace(0.0, 1.0, size)
    f(x).block_until_ready()
    harness, plain = [], []
    loops = time_call(f, x, method=METHOD).loops
    for round_ in range(ROUNDS):  # many short rounds, alternating which goes first
        takes = [
            lambda: harness.append(time_call(f, x, method=METHOD).median_s),
            lambda: plain.append(timeit_median(lambda: f(x).block_until_ready(), loops)),
        ]
        for take in takes[:: 1 if round_ % 2 else -1]:
            take()
    return statistics.median(harness), statistics.median(plain)


def overhead() -> tuple[float, float]:
    ready = jnp.ones(10)
    harness = statistics.median(
        time_call(lambda: ready, method=METHOD).median_s for _ in range(ROUNDS)
    )
    bare = statistics.median(
        timeit_median(ready.block_until_ready, number=100_000) for _ in range(ROUNDS)
    )
    return harness, bare


def say(text: str) -> None:
    sys.stdout.write(text + "\n")


def main() -> None:
    env = describe_environment()
    say(f"{env.hardware}; jax {env.jax_version}; {env.date}")
    say(f"{'size':>10}  {'harness':>12}  {'timeit':>12}  ratio")
    for size in (1_000, 100_000, 1_000_000):
        h, t = agreement(size)
        say(f"{size:>10,}  {h * 1e6:9.2f} µs  {t * 1e6:9.2f} µs  {h / t:.3f}")
    h, bare = overhead()
    say(
        f"harness per call on a ready array: {h * 1e9:.0f} ns; bare block_until_ready: "
        f"{bare * 1e9:.0f} ns; harness's own overhead: {(h - bare) * 1e9:.0f} ns"
    )


if __name__ == "__main__":
    main()
