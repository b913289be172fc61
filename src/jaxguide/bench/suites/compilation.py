"""The "compilation" suite: compiling ahead of time, across processes, and donated buffers.

- ``cost``: XLA's cost analysis of a compiled matrix product (its flops and bytes) beside the
  product's measured time.
- ``persistent-cache``: a fresh process's first call of a long unrolled function, with the
  persistent compilation cache off and warm (filled by an earlier process), interleaved.
- ``donation``: XLA's memory analysis of an update with and without ``donate_argnums``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import jax
import jax.numpy as jnp

from jaxguide.bench._memory import compiled_memory
from jaxguide.bench._points import guarded_group
from jaxguide.bench._suites import Point, Profile, Suite
from jaxguide.bench._timing import time_call
from jaxguide.examples.compilation import first_call_in_fresh_process
from jaxguide.results import Record, Scalar, Timing

__all__ = ["MATMUL", "SUITE", "UPDATE_SIZE"]

MATMUL: dict[str, Scalar] = {"m": 256, "k": 512, "n": 128}
"""The shapes of the product (m, k) @ (k, n) whose cost XLA estimates."""
UPDATE_SIZE = 1 << 20
"""Elements of the float32 array the donation example updates."""


def _cost(profile: Profile) -> tuple[Record, ...]:
    m, k, n = (int(MATMUL[p]) for p in ("m", "k", "n"))
    a, b = jnp.ones((m, k)), jnp.ones((k, n))
    compiled = jax.jit(jnp.matmul).lower(a, b).compile()
    cost = compiled.cost_analysis()
    if cost is None:
        raise NotImplementedError(f"{jax.default_backend()} gives no cost analysis")
    values = {"flops": float(cost["flops"]), "bytes_accessed": float(cost["bytes accessed"])}
    timing = time_call(compiled, a, b, method=profile.method)
    return (
        Record(benchmark="cost", variant="matmul", params=MATMUL, values=values, timing=timing),
    )


def _persistent_cache(profile: Profile) -> tuple[Record, ...]:
    repeats, steps = (2, 150) if profile.name == "quick" else (5, 300)
    with tempfile.TemporaryDirectory() as folder:
        cache = Path(folder)
        first_call_in_fresh_process(cache, steps)  # fills the cache
        samples: dict[str, list[float]] = {"off": [], "warm": []}
        for _ in range(repeats):
            samples["off"].append(first_call_in_fresh_process(None, steps))
            samples["warm"].append(first_call_in_fresh_process(cache, steps))
    return tuple(
        Record(
            benchmark="persistent-cache",
            variant=variant,
            params={"steps": steps},
            timing=Timing(first_call_s=s[0], samples_s=tuple(s), loops=1),
        )
        for variant, s in samples.items()
    )


def _donation() -> tuple[Record, ...]:
    x = jnp.ones(UPDATE_SIZE)

    def update(v: jax.Array) -> jax.Array:
        return v * 0.9 + 1.0

    return tuple(
        Record(
            benchmark="donation",
            variant=variant,
            params={"size": UPDATE_SIZE},
            memory=compiled_memory(jax.jit(update, donate_argnums=donate), x),
        )
        for variant, donate in (("kept", ()), ("donated", (0,)))
    )


def _points(profile: Profile) -> Iterator[Point]:
    limit = profile.point_timeout_s
    yield lambda: guarded_group("cost", ("matmul",), MATMUL, lambda: _cost(profile), limit)
    yield lambda: guarded_group(
        "persistent-cache", ("off", "warm"), {}, lambda: _persistent_cache(profile), limit
    )
    yield lambda: guarded_group(
        "donation", ("kept", "donated"), {"size": UPDATE_SIZE}, _donation, limit
    )


SUITE = Suite(
    name="compilation",
    version=1,
    description="XLA's cost analysis, the persistent compilation cache, donated buffers",
    points=_points,
    produces=frozenset(
        {
            ("cost", "matmul"),
            ("persistent-cache", "off"),
            ("persistent-cache", "warm"),
            ("donation", "kept"),
            ("donation", "donated"),
        }
    ),
)
