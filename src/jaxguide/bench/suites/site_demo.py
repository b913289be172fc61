"""The "site-demo" suite: the verification page's example of a measured claim.

A chain of element-wise operations, op by op against compiled with :func:`jax.jit`, timed
interleaved on one array.

>>> from jaxguide.bench.suites import site_demo
>>> round(float(site_demo.chain(jnp.zeros(3))[0]), 3)  # tanh(1) ** 2
0.58
"""

from __future__ import annotations

from collections.abc import Iterator

import jax
import jax.numpy as jnp

from jaxguide.bench._points import guarded_group
from jaxguide.bench._suites import Point, Profile, Suite
from jaxguide.bench._timing import time_calls
from jaxguide.results import Record

__all__ = ["SIZE", "SUITE", "chain"]

SIZE = 1_000_000
"""Elements in the array the chain runs on."""


def chain(x: jax.Array) -> jax.Array:
    """Five element-wise operations: op by op, each one reads and writes the whole array."""
    return jnp.tanh(jnp.sin(x) * 2.0 + jnp.cos(x)) ** 2


def _points(profile: Profile) -> Iterator[Point]:
    def measure() -> tuple[Record, ...]:
        x = jnp.linspace(0.0, 1.0, SIZE)
        timings = time_calls(
            {"op-by-op": (chain, (x,)), "jit": (jax.jit(chain), (x,))}, profile.method
        )
        return tuple(
            Record(benchmark="chain", variant=v, params={"size": SIZE}, timing=t)
            for v, t in timings.items()
        )

    yield lambda: guarded_group(
        "chain", ("op-by-op", "jit"), {"size": SIZE}, measure, profile.point_timeout_s
    )


SUITE = Suite(
    name="site-demo",
    version=1,
    description="the verification page's example: an element-wise chain, op by op and jitted",
    points=_points,
    produces=frozenset({("chain", "op-by-op"), ("chain", "jit")}),
)
