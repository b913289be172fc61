"""The vmap-speed suite: manual vectorization, vmap, a Python loop and their jitted forms.

The workloads are the lessons of :mod:`jaxguide.examples.vmap_speed`: ``add``; ``where``,
the Huber loss with :func:`jax.lax.cond` per element (by hand, :func:`jax.numpy.where`);
``mlp``, a small per-example two-layer perceptron. Each runs as five variants over the profile's batch sizes: ``manual`` (batched by hand),
``vmap``, ``loop`` (a Python loop over the batch), ``jit_vmap`` and ``jit_manual``; ``add``
also runs ``jit_loop``, the loop compiled whole, to show what compiling an unrolled loop
costs. An ``equivalence`` record per function compares vmap with the manual version (largest
difference, primitives in their jaxprs), and a ``stream`` benchmark times a copy and an add at
sizes past the cache, against the memory's bandwidth.

>>> from jaxguide.bench.suites import vmap_speed
>>> xs, ys = vmap_speed.inputs("add", 4)
>>> vmap_speed.VARIANTS["add"]["loop"](xs, ys).tolist() == (xs + ys).tolist()
True
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import jax
import jax.numpy as jnp

from jaxguide.bench._bandwidth import last_level_cache_bytes, stream_point, stream_sizes
from jaxguide.bench._points import guarded, guarded_group
from jaxguide.bench._suites import Point, Profile, Suite
from jaxguide.bench._timing import Call, time_calls
from jaxguide.examples.vmap_speed import (
    add,
    add_batch,
    huber,
    huber_batch,
    inputs,
    mlp,
    mlp_batch,
)
from jaxguide.results import Record

__all__ = [
    "BENCHMARKS",
    "SUITE",
    "VARIANTS",
    "equivalence",
    "inputs",
    "primitives",
]

Fn = Callable[..., jax.Array]


def _loop(f: Fn, n_batched: int) -> Fn:
    """``f`` applied to each example in turn from Python, results stacked."""

    def looped(*args: Any) -> jax.Array:
        shared, batched = args[: len(args) - n_batched], args[len(args) - n_batched :]
        size = batched[0].shape[0]
        return jnp.stack([f(*shared, *(b[i] for b in batched)) for i in range(size)])

    return looped


def _variants(f: Fn, manual: Fn, in_axes: tuple[int | None, ...]) -> dict[str, Fn]:
    vmapped = jax.vmap(f, in_axes=in_axes)
    loop = _loop(f, sum(a == 0 for a in in_axes))
    return {
        "manual": manual,
        "vmap": vmapped,
        "loop": loop,
        "jit_vmap": jax.jit(vmapped),
        "jit_manual": jax.jit(manual),
        "jit_loop": jax.jit(loop),
    }


VARIANTS: dict[str, dict[str, Fn]] = {
    "add": _variants(add, add_batch, (0, 0)),
    "where": _variants(huber, huber_batch, (0,)),
    "mlp": _variants(mlp, mlp_batch, (None, 0)),
}
"""Each benchmark's variants, by name, all taking :func:`inputs`."""

BENCHMARKS = tuple(VARIANTS)
TIMED = ("manual", "vmap", "loop", "jit_vmap", "jit_manual")
"""The variants timed for every benchmark; ``jit_loop`` is timed for ``add`` alone."""


# --- what is measured ---------------------------------------------------------------------


def primitives(fn: Fn, *args: Any) -> frozenset[str]:
    """The primitives in ``fn``'s jaxpr, nested ones included, jit wrappers left out.

    >>> sorted(primitives(huber_batch, jnp.ones(3)))
    ['abs', 'le', 'mul', 'select_n', 'sub']
    """
    found: set[str] = set()

    def walk(jaxpr: Any) -> None:
        for eqn in jaxpr.eqns:
            if eqn.primitive.name not in {"jit", "pjit"}:
                found.add(eqn.primitive.name)
            for value in eqn.params.values():
                for sub in value if isinstance(value, tuple | list) else (value,):
                    if hasattr(sub, "eqns"):
                        walk(sub)
                    elif hasattr(sub, "jaxpr") and hasattr(sub.jaxpr, "eqns"):
                        walk(sub.jaxpr)

    walk(jax.make_jaxpr(fn)(*args).jaxpr)
    return frozenset(found)


def equivalence(benchmark: str, batch: int) -> Record:
    """Compare ``vmap`` with ``manual``: largest absolute difference, and their primitives.

    >>> r = equivalence("add", 100)
    >>> r.values["max_abs_diff"], r.values["same_primitives"], r.values["primitives"]
    (0.0, True, 'add')
    """
    variants, args = VARIANTS[benchmark], inputs(benchmark, batch)
    diff = jnp.max(jnp.abs(variants["vmap"](*args) - variants["manual"](*args)))
    by_hand, vmapped = primitives(variants["manual"], *args), primitives(variants["vmap"], *args)
    listed = (
        ", ".join(sorted(by_hand))
        if by_hand == vmapped
        else f"manual: {', '.join(sorted(by_hand))}; vmap: {', '.join(sorted(vmapped))}"
    )
    return Record(
        benchmark=benchmark,
        variant="equivalence",
        params={"batch": batch},
        values={
            "max_abs_diff": float(diff),
            "same_primitives": by_hand == vmapped,
            "primitives": listed,
        },
    )


def _timed(benchmark: str, variants: tuple[str, ...], batch: int, profile: Profile) -> Point:
    """Time ``variants`` of ``benchmark`` at ``batch``, interleaved; each first call's XLA
    compile seconds are kept in its timing."""

    def measure() -> tuple[Record, ...]:
        args = inputs(benchmark, batch)
        calls: dict[str, Call] = {v: (VARIANTS[benchmark][v], args) for v in variants}
        return tuple(
            Record(benchmark=benchmark, variant=v, params={"batch": batch}, timing=t)
            for v, t in time_calls(calls, profile.method).items()
        )

    return lambda: guarded_group(
        benchmark, variants, {"batch": batch}, measure, profile.point_timeout_s
    )


def points(profile: Profile) -> Iterator[Point]:
    """Every point of the suite in ``profile``, the memory's copy and add first.

    At each batch a benchmark's variants are timed together, interleaved; the Python loop
    (and the jitted loop, whose compile time grows with the batch) only up to their limits.
    """
    for elements in stream_sizes(profile.stream_elements, last_level_cache_bytes()):
        yield stream_point(elements, profile)
    limits = {
        "loop": profile.max_loop_batch,
        # Compiling the unrolled loop grows faster than linearly: 1000 takes ~30 s on a CPU.
        "jit_loop": min(profile.max_loop_batch, 1000),
    }
    for benchmark in BENCHMARKS:
        names = (*TIMED, "jit_loop") if benchmark == "add" else TIMED
        for batch in profile.batches():
            variants = tuple(v for v in names if batch <= limits.get(v, batch))
            yield _timed(benchmark, variants, batch, profile)
        batch = max(profile.batches())
        yield partial(
            guarded,
            benchmark,
            "equivalence",
            {"batch": batch},
            partial(equivalence, benchmark, batch),
            profile.point_timeout_s,
        )


SUITE = Suite(
    name="vmap-speed",
    version=3,
    description="manual vectorization, vmap, a Python loop, jit(vmap) and jit(manual) "
    "over batch sizes, for an element-wise add, a per-element cond and a small MLP",
    points=points,
    produces=frozenset(
        {("stream", "copy"), ("stream", "add")}
        | {(b, v) for b in ("add", "where", "mlp") for v in (*TIMED, "equivalence")}
        | {("add", "jit_loop")}
    ),
)
