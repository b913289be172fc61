"""The suites of the transformation pages: ``transforms-jit``, ``-grad`` and ``-vmap``.

One suite per page, so that each page runs only what it shows. Benchmarks (variants in
brackets):

- ``mlp-forward`` [op-by-op, jit]: what jit buys, and its first call against its steady state;
- ``static-steps`` [unrolled, fori_loop]: a Python loop over a static count against
  ``lax.fori_loop``, timed and with the jaxpr's equation count, at several step counts;
- ``recompilation`` [trace-log]: traces counted over calls with new static values, shapes and
  dtypes, beside the count of distinct signatures worked out without JAX;
- ``value-and-grad`` [value_and_grad, separate, one-jit, jaxpr]: the seed's claim 5, timed and
  counted in the jaxpr;
- ``jacobian`` [jacfwd, jacrev] with ``shape`` tall or wide;
- ``vmap-jit`` [jit_vmap, vmap_jit, jaxpr] by ``batch``;
- ``per-example-grads`` [vmap, loop] by ``batch``.

>>> [suite.name for suite in SUITES]
['transforms-jit', 'transforms-grad', 'transforms-vmap']
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import jax
import jax.numpy as jnp

from jaxguide.bench._points import guarded
from jaxguide.bench._results import Record, Scalar
from jaxguide.bench._suites import Profile, Suite, register_suite
from jaxguide.bench._timing import count_compiles, time_call
from jaxguide.examples.grad import batch_loss, dense_tanh, example_loss
from jaxguide.examples.jit import (
    compiled_ops,
    init_mlp,
    jaxpr_primitives,
    jit_with_trace_log,
    mlp,
    newton_sqrt,
    newton_sqrt_unrolled,
)
from jaxguide.examples.vmap import per_example_grads

__all__ = ["MLP_SIZES", "PER_EXAMPLE_SIZES", "RECOMPILATION_CALLS", "SUITES"]

Thunk = Callable[[], Record]

MLP_SIZES = (64, 256, 256, 8)
"""The model every timed MLP point uses, with 64 inputs, two hidden layers of 256 and 8 outputs."""

PER_EXAMPLE_SIZES = (16, 64, 64, 4)
"""A smaller MLP for per-example gradients, which hold a copy of the parameters per example."""

RECOMPILATION_CALLS: tuple[tuple[tuple[int, ...], str, int], ...] = (
    ((3,), "float32", 5),
    ((3,), "float32", 5),
    ((3,), "float32", 10),
    ((4,), "float32", 5),
    ((3,), "bfloat16", 5),
    ((3,), "float32", 10),
)
"""(shape, dtype, steps) of each call in the recompilation benchmark, in order."""


def _point(
    profile: Profile,
    benchmark: str,
    variant: str,
    params: dict[str, Scalar],
    fn: Callable[..., Any] | None,
    *args: Any,
    values: Callable[[], dict[str, Scalar]] | None = None,
) -> Thunk:
    """A guarded point timing ``fn(*args)`` (if given) and recording ``values()`` (if given)."""

    def measure() -> Record:
        timing = time_call(fn, *args, method=profile.method) if fn is not None else None
        return Record(
            benchmark=benchmark,
            variant=variant,
            params=params,
            timing=timing,
            values=values() if values is not None else {},
        )

    return partial(guarded, benchmark, variant, params, measure, profile.point_timeout_s)


def _fresh_jit(fn: Callable[..., Any], **jit_kwargs: Any) -> Callable[..., Any]:
    """``jax.jit`` of a new wrapper of ``fn``: its first call traces and compiles from scratch.

    jit caches compiled code by the wrapped function, so jitting ``fn`` itself again could
    reuse an earlier compile and make a first call look cheap.
    """

    def fresh(*args: Any, **kwargs: Any) -> Any:
        return fn(*args, **kwargs)

    return jax.jit(fresh, **jit_kwargs)


def _data(batch: int, sizes: tuple[int, ...] = MLP_SIZES) -> tuple[Any, jax.Array, jax.Array]:
    kp, kx, ky = jax.random.split(jax.random.key(0), 3)
    params = init_mlp(kp, sizes)
    xs = jax.random.normal(kx, (batch, sizes[0]))
    ys = jax.random.normal(ky, (batch, sizes[-1]))
    return params, xs, ys


def _mlp_forward(profile: Profile) -> Iterator[Thunk]:
    params, xs, _ = _data(256)
    forward = jax.vmap(mlp, in_axes=(None, 0))
    for variant, fn in [("op-by-op", forward), ("jit", _fresh_jit(forward))]:
        yield _point(profile, "mlp-forward", variant, {"batch": 256}, fn, params, xs)


def _static_steps(profile: Profile) -> Iterator[Thunk]:
    x = jnp.linspace(1.0, 100.0, 1000)
    for steps in (10, 100, 1000) if profile.name == "full" else (10, 100):
        unrolled = partial(newton_sqrt_unrolled, steps=steps)
        for variant, fn, args in [
            ("unrolled", _fresh_jit(unrolled), (x,)),
            ("fori_loop", _fresh_jit(newton_sqrt), (x, steps)),
        ]:
            values = partial(_equation_count, fn, *args)
            yield _point(
                profile, "static-steps", variant, {"steps": steps}, fn, *args, values=values
            )


def _equation_count(fn: Callable[..., Any], *args: Any) -> dict[str, Scalar]:
    return {"equations": sum(jaxpr_primitives(fn, *args).values())}


def _recompilation(profile: Profile) -> Iterator[Thunk]:
    def values() -> dict[str, Scalar]:
        sqrt, log = jit_with_trace_log(newton_sqrt_unrolled, static_argnames="steps")
        inputs = [
            (jnp.full(shape, 2.0, dtype), steps) for shape, dtype, steps in RECOMPILATION_CALLS
        ]
        with count_compiles() as compiles:
            for x, steps in inputs:
                sqrt(x, steps=steps)
        return {
            "calls": len(RECOMPILATION_CALLS),
            "traces": len(log),
            "compiles": compiles.count,
            "distinct_signatures": len(set(RECOMPILATION_CALLS)),
            "log": " | ".join(log),
        }

    yield _point(profile, "recompilation", "trace-log", {}, None, values=values)


def _value_and_grad(profile: Profile) -> Iterator[Thunk]:
    batch = min(512, profile.max_batch)
    args = _data(batch)
    loss, grad = jax.jit(batch_loss), jax.jit(jax.grad(batch_loss))

    def both(*a: Any) -> Any:
        return batch_loss(*a), jax.grad(batch_loss)(*a)

    def counts() -> dict[str, Scalar]:
        found = {
            "f": jaxpr_primitives(batch_loss, *args),
            "value_and_grad": jaxpr_primitives(jax.value_and_grad(batch_loss), *args),
            "separate": jaxpr_primitives(both, *args),
        }
        compiled = {
            "compiled_value_and_grad": compiled_ops(jax.value_and_grad(batch_loss), *args),
            "compiled_one_jit": compiled_ops(both, *args),
        }
        return {
            **{f"{name}_{p}": c[p] for name, c in found.items() for p in ("tanh", "dot_general")},
            **{f"{name}_{p}": c[p] for name, c in compiled.items() for p in ("tanh", "dot")},
        }

    params: dict[str, Scalar] = {"batch": batch}
    yield _point(profile, "value-and-grad", "jaxpr", params, None, values=counts)
    for variant, fn in [
        ("value_and_grad", _fresh_jit(jax.value_and_grad(batch_loss))),
        ("separate", lambda *a: (loss(*a), grad(*a))),
        ("one-jit", _fresh_jit(both)),
    ]:
        yield _point(profile, "value-and-grad", variant, params, fn, *args)


def _jacobian(profile: Profile) -> Iterator[Thunk]:
    many, few = (2000, 20) if profile.name == "full" else (1000, 10)
    for shape, (m, n) in [("tall", (many, few)), ("wide", (few, many))]:
        w = jax.random.normal(jax.random.key(1), (m, n)) / jnp.sqrt(n)
        x = jnp.ones(n)
        for variant, jac in [("jacfwd", jax.jacfwd), ("jacrev", jax.jacrev)]:
            fn = jax.jit(jac(dense_tanh, argnums=1))
            yield _point(profile, "jacobian", variant, {"shape": shape, "m": m, "n": n}, fn, w, x)


def _vmap_jit(profile: Profile) -> Iterator[Thunk]:
    forward = partial(jax.vmap, in_axes=(None, 0))
    jit_vmap, vmap_jit = jax.jit(forward(mlp)), forward(jax.jit(mlp))
    params, xs, _ = _data(4)

    def same_jaxpr() -> dict[str, Scalar]:
        texts = [str(jax.make_jaxpr(fn)(params, xs)) for fn in (jit_vmap, vmap_jit)]
        return {"same_jaxpr": texts[0] == texts[1], "jaxpr": texts[0]}

    yield _point(profile, "vmap-jit", "jaxpr", {"batch": 4}, None, values=same_jaxpr)
    for batch in [b for b in (16, 1024, 65536) if b <= profile.max_batch]:
        params, xs, _ = _data(batch)
        for variant, fn in [("jit_vmap", jit_vmap), ("vmap_jit", vmap_jit)]:
            yield _point(profile, "vmap-jit", variant, {"batch": batch}, fn, params, xs)


def _per_example_grads(profile: Profile) -> Iterator[Thunk]:
    grad = jax.jit(jax.grad(example_loss))

    def loop(params: Any, examples: list[tuple[jax.Array, jax.Array]]) -> Any:
        grads = [grad(params, x, y) for x, y in examples]
        return jax.tree.map(lambda *g: jnp.stack(g), *grads)

    batch = min(64, profile.max_loop_batch)
    params, xs, ys = _data(batch, PER_EXAMPLE_SIZES)
    examples = list(zip(jnp.unstack(xs), jnp.unstack(ys), strict=True))
    variants: list[tuple[str, Callable[..., Any], tuple[Any, ...]]] = [
        ("vmap", jax.jit(per_example_grads), (params, xs, ys)),
        ("loop", loop, (params, examples)),
    ]
    for variant, fn, args in variants:
        yield _point(profile, "per-example-grads", variant, {"batch": batch}, fn, *args)


def _chain(
    *benchmarks: Callable[[Profile], Iterator[Thunk]],
) -> Callable[[Profile], Iterator[Thunk]]:
    def points(profile: Profile) -> Iterator[Thunk]:
        for benchmark in benchmarks:
            yield from benchmark(profile)

    return points


SUITES = tuple(
    register_suite(Suite(name=name, version=1, description=description, points=points))
    for name, description, points in [
        (
            "transforms-jit",
            "jit: first call against steady state, static loops, recompilation",
            _chain(_mlp_forward, _static_steps, _recompilation),
        ),
        (
            "transforms-grad",
            "grad: value_and_grad against f and grad(f), jacfwd against jacrev",
            _chain(_value_and_grad, _jacobian),
        ),
        (
            "transforms-vmap",
            "vmap: jit(vmap(f)) against vmap(jit(f)), per-example gradients against a loop",
            _chain(_vmap_jit, _per_example_grads),
        ),
    ]
)
