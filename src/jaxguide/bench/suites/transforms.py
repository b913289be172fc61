"""The suites of the transformation pages: ``transforms-jit``, ``-grad`` and ``-vmap``.

One suite per page, so that each page runs only what it shows. Benchmarks (variants in
brackets):

- ``mlp-forward`` [op-by-op, jit]: what jit buys, and its first call against its steady state;
- ``static-steps`` [unrolled, fori_loop]: a Python loop over a static count against
  ``lax.fori_loop``, timed and with the jaxpr's equation count, at several step counts;
- ``compile`` [unrolled, fori_loop] by ``steps``: the seconds of tracing, lowering and
  compiling each afresh, several times (its ``timing`` holds seconds per compile);
- ``recompilation`` [trace-log]: traces counted over calls with new static values, shapes and
  dtypes, beside the count of distinct signatures worked out without JAX;
- ``value-and-grad`` [value_and_grad, separate, one-jit, jaxpr]: claim 5 of the vmap course
  page, timed and counted in the jaxpr;
- ``jacobian`` [jacfwd, jacrev] with ``shape`` tall or wide;
- ``vmap-jit`` [jit_vmap, vmap_jit, jaxpr] by ``batch``;
- ``per-example-grads`` [vmap, loop] by ``batch``.

>>> [suite.name for suite in SUITES]
['transforms-jit', 'transforms-grad', 'transforms-vmap']
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import jax
import jax.numpy as jnp

from jaxguide.bench._points import guarded, guarded_group
from jaxguide.bench._suites import Point, Profile, Suite
from jaxguide.bench._timing import Call, count_compiles, time_calls
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
from jaxguide.results import Record, Scalar, Timing, benchmark_variants

__all__ = ["MLP_SIZES", "PER_EXAMPLE_SIZES", "RECOMPILATION_CALLS", "SUITES"]


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


def _values(
    benchmark: str, variant: str, params: dict[str, Scalar], values: Callable[[], dict[str, Scalar]]
) -> Point:
    """A guarded point recording ``values()``, facts other than timings."""

    def measure() -> Record:
        return Record(benchmark=benchmark, variant=variant, params=params, values=values())

    return partial(guarded, benchmark, variant, params, measure, 60.0)


def _timed(
    profile: Profile,
    benchmark: str,
    params: dict[str, Scalar],
    calls: dict[str, Call],
    values: Callable[[str], dict[str, Scalar]] | None = None,
) -> Point:
    """A guarded point timing ``calls`` interleaved: one record per variant, with ``values``."""

    def measure() -> tuple[Record, ...]:
        timings = time_calls(calls, profile.method)
        return tuple(
            Record(
                benchmark=benchmark,
                variant=variant,
                params=params,
                timing=timing,
                values=values(variant) if values is not None else {},
            )
            for variant, timing in timings.items()
        )

    return partial(guarded_group, benchmark, tuple(calls), params, measure, profile.point_timeout_s)


def _fresh_jit(fn: Callable[..., Any], **jit_kwargs: Any) -> Any:
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


def _mlp_forward(profile: Profile) -> Iterator[Point]:
    params, xs, _ = _data(256)
    forward = jax.vmap(mlp, in_axes=(None, 0))
    calls: dict[str, Call] = {
        "op-by-op": (forward, (params, xs)),
        "jit": (_fresh_jit(forward), (params, xs)),
    }
    yield _timed(profile, "mlp-forward", {"batch": 256}, calls)


def _static_steps(profile: Profile) -> Iterator[Point]:
    x = jnp.linspace(1.0, 100.0, 1000)
    for steps in (10, 100, 1000) if profile.name == "full" else (10, 100, 300):
        calls: dict[str, Call] = {
            "unrolled": (_fresh_jit(partial(newton_sqrt_unrolled, steps=steps)), (x,)),
            "fori_loop": (_fresh_jit(newton_sqrt), (x, steps)),
        }

        def equations(variant: str, calls: dict[str, Call] = calls) -> dict[str, Scalar]:
            fn, args = calls[variant]
            return {"equations": sum(jaxpr_primitives(fn, *args).values())}

        yield _timed(profile, "static-steps", {"steps": steps}, calls, values=equations)
        yield _compile(profile, steps, x)


COMPILES = 5
"""How many times each compile is timed afresh (its samples)."""


def _compile(profile: Profile, steps: int, x: jax.Array) -> Point:
    """Trace, lower and compile each form afresh, ``COMPILES`` times, alternating the forms."""
    forms: dict[str, tuple[Callable[..., Any], tuple[Any, ...]]] = {
        "unrolled": (partial(newton_sqrt_unrolled, steps=steps), (x,)),
        "fori_loop": (newton_sqrt, (x, steps)),
    }

    def measure() -> tuple[Record, ...]:
        samples: dict[str, list[float]] = {name: [] for name in forms}
        for _ in range(COMPILES):
            for name, (fn, args) in forms.items():
                start = time.perf_counter()
                _fresh_jit(fn).lower(*args).compile()
                samples[name].append(time.perf_counter() - start)
        return tuple(
            Record(
                benchmark="compile",
                variant=name,
                params={"steps": steps},
                timing=Timing(first_call_s=s[0], samples_s=tuple(s), loops=1),
            )
            for name, s in samples.items()
        )

    params: dict[str, Scalar] = {"steps": steps}
    return partial(guarded_group, "compile", tuple(forms), params, measure, profile.point_timeout_s)


def _recompilation(profile: Profile) -> Iterator[Point]:
    del profile  # counted, not timed: the same in every profile

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

    yield _values("recompilation", "trace-log", {}, values)


def _value_and_grad(profile: Profile) -> Iterator[Point]:
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
    yield _values("value-and-grad", "jaxpr", params, counts)
    calls: dict[str, Call] = {
        "value_and_grad": (_fresh_jit(jax.value_and_grad(batch_loss)), args),
        "separate": (lambda *a: (loss(*a), grad(*a)), args),
        "one-jit": (_fresh_jit(both), args),
    }
    yield _timed(profile, "value-and-grad", params, calls)


def _jacobian(profile: Profile) -> Iterator[Point]:
    many, few = (2000, 20) if profile.name == "full" else (1000, 10)
    for shape, (m, n) in [("tall", (many, few)), ("wide", (few, many))]:
        w = jax.random.normal(jax.random.key(1), (m, n)) / jnp.sqrt(n)
        x = jnp.ones(n)
        calls: dict[str, Call] = {
            "jacfwd": (jax.jit(jax.jacfwd(dense_tanh, argnums=1)), (w, x)),
            "jacrev": (jax.jit(jax.jacrev(dense_tanh, argnums=1)), (w, x)),
        }
        yield _timed(profile, "jacobian", {"shape": shape, "m": m, "n": n}, calls)


def _vmap_jit(profile: Profile) -> Iterator[Point]:
    forward = partial(jax.vmap, in_axes=(None, 0))
    jit_vmap, vmap_jit = jax.jit(forward(mlp)), forward(jax.jit(mlp))

    def same_jaxpr() -> dict[str, Scalar]:
        params, xs, _ = _data(4)  # built here: the loop below must not rebind what this reads
        texts = [
            jax.make_jaxpr(fn)(params, xs).pretty_print(use_color=False)  # type: ignore[no-untyped-call]
            for fn in (jit_vmap, vmap_jit)
        ]
        return {"same_jaxpr": texts[0] == texts[1], "jaxpr": texts[0]}

    yield _values("vmap-jit", "jaxpr", {"batch": 4}, same_jaxpr)
    for batch in [b for b in (16, 1024, 65536) if b <= profile.max_batch]:
        params, xs, _ = _data(batch)
        calls: dict[str, Call] = {
            "jit_vmap": (jit_vmap, (params, xs)),
            "vmap_jit": (vmap_jit, (params, xs)),
        }
        yield _timed(profile, "vmap-jit", {"batch": batch}, calls)


def _per_example_grads(profile: Profile) -> Iterator[Point]:
    grad = jax.jit(jax.grad(example_loss))

    def loop(params: Any, examples: list[tuple[jax.Array, jax.Array]]) -> Any:
        grads = [grad(params, x, y) for x, y in examples]
        return jax.tree.map(lambda *g: jnp.stack(g), *grads)

    batch = min(64, profile.max_loop_batch)
    params, xs, ys = _data(batch, PER_EXAMPLE_SIZES)
    examples = list(zip(jnp.unstack(xs), jnp.unstack(ys), strict=True))
    calls: dict[str, Call] = {
        "vmap": (jax.jit(per_example_grads), (params, xs, ys)),
        "loop": (loop, (params, examples)),
    }
    yield _timed(profile, "per-example-grads", {"batch": batch}, calls)


def _chain(
    *benchmarks: Callable[[Profile], Iterator[Point]],
) -> Callable[[Profile], Iterator[Point]]:
    def points(profile: Profile) -> Iterator[Point]:
        for benchmark in benchmarks:
            yield from benchmark(profile)

    return points


SUITES = (
    Suite(
        name="transforms-jit",
        version=3,
        description="jit: first call against steady state, static loops, compile time, "
        "recompilation",
        points=_chain(_mlp_forward, _static_steps, _recompilation),
        produces=benchmark_variants(
            "mlp-forward/op-by-op",
            "mlp-forward/jit",
            "static-steps/unrolled",
            "static-steps/fori_loop",
            "compile/unrolled",
            "compile/fori_loop",
            "recompilation/trace-log",
        ),
    ),
    Suite(
        name="transforms-grad",
        version=2,
        description="grad: value_and_grad against f and grad(f), jacfwd against jacrev",
        points=_chain(_value_and_grad, _jacobian),
        produces=benchmark_variants(
            "value-and-grad/jaxpr",
            "value-and-grad/value_and_grad",
            "value-and-grad/separate",
            "value-and-grad/one-jit",
            "jacobian/jacfwd",
            "jacobian/jacrev",
        ),
    ),
    Suite(
        name="transforms-vmap",
        version=3,
        description="vmap: jit(vmap(f)) against vmap(jit(f)), per-example gradients against a loop",
        points=_chain(_vmap_jit, _per_example_grads),
        produces=benchmark_variants(
            "vmap-jit/jaxpr",
            "vmap-jit/jit_vmap",
            "vmap-jit/vmap_jit",
            "per-example-grads/vmap",
            "per-example-grads/loop",
        ),
    ),
)
