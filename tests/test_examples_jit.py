"""jaxguide.examples.jit against un-jitted runs, NumPy, and independent counts."""

from __future__ import annotations

import logging
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

from jaxguide.bench import PROFILES, count_compiles, describe_environment
from jaxguide.bench.suites.transforms import RECOMPILATION_CALLS, _recompilation
from jaxguide.claims import CLAIMS
from jaxguide.examples.jit import (
    cache_miss_log,
    compiled_ops,
    init_mlp,
    jaxpr_primitives,
    jit_with_trace_log,
    mlp,
    newton_sqrt,
    newton_sqrt_unrolled,
)
from jaxguide.results import Method, Results


def test_jitted_mlp_matches_unjitted() -> None:
    params = init_mlp(jax.random.key(0), [5, 7, 7, 3])
    x = jax.random.normal(jax.random.key(1), (5,))
    np.testing.assert_allclose(jax.jit(mlp)(params, x), mlp(params, x), rtol=1e-6, atol=1e-6)


def test_mlp_matches_numpy() -> None:
    params = init_mlp(jax.random.key(0), [4, 6, 2])
    x = np.linspace(-1, 1, 4, dtype=np.float32)
    w0, b0, w1, b1 = (np.asarray(params[i][k]) for i in (0, 1) for k in ("w", "b"))
    expected = np.tanh(x @ w0 + b0) @ w1 + b1
    np.testing.assert_allclose(mlp(params, jnp.asarray(x)), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("steps", [1, 5, 30])
def test_newton_variants_agree_with_numpy_and_unjitted(steps: int) -> None:
    x = jnp.array([0.25, 2.0, 9.0, 1e4])
    unrolled = newton_sqrt_unrolled(x, steps)
    jitted = jax.jit(newton_sqrt_unrolled, static_argnames="steps")(x, steps=steps)
    looped = jax.jit(newton_sqrt)(x, steps)
    np.testing.assert_allclose(jitted, unrolled, rtol=1e-6)
    np.testing.assert_allclose(looped, unrolled, rtol=1e-6)
    if steps == 30:  # converged
        np.testing.assert_allclose(looped, np.sqrt(np.asarray(x)), rtol=1e-6)


def test_jaxpr_primitives_counts_nested_jaxprs() -> None:
    def f(x: jax.Array) -> jax.Array:
        return lax.cond(x > 0, jnp.sin, jnp.cos, x) + jax.jit(jnp.sin)(x)

    counts = jaxpr_primitives(f, 1.0)
    assert counts["cond"] == 1
    assert counts["sin"] == 2  # one in a branch of cond, one inside the nested jit
    assert counts["cos"] == 1


def test_unrolled_jaxpr_grows_with_steps_fori_does_not() -> None:
    def size(fn: object, *args: object) -> int:
        return sum(jaxpr_primitives(fn, *args).values())  # type: ignore[arg-type]

    x = jnp.ones(3)
    unrolled = [size(partial(newton_sqrt_unrolled, steps=s), x) for s in (1, 2, 10)]
    per_step = unrolled[1] - unrolled[0]
    assert per_step > 0
    assert unrolled[2] == unrolled[0] + 9 * per_step
    assert size(newton_sqrt, x, 1) == size(newton_sqrt, x, 10)


def test_compiled_ops_sees_cse() -> None:
    assert compiled_ops(lambda x: jnp.sin(x) + jnp.sin(x), jnp.ones(3))["sine"] == 1
    assert compiled_ops(lambda x: jnp.sin(x) + jnp.sin(2 * x), jnp.ones(3))["sine"] == 2


def test_trace_log_records_each_new_signature_once() -> None:
    fn, log = jit_with_trace_log(newton_sqrt_unrolled, static_argnames="steps")
    expected = []
    for shape, dtype, steps in RECOMPILATION_CALLS:
        fn(jnp.full(shape, 2.0, dtype), steps=steps)
        signature = (shape, dtype, steps)
        if signature not in expected:
            expected.append(signature)
    assert len(log) == len(expected)
    assert log[0] == "f32[3], 5"
    assert log[-1] == "bf16[3], 5"


def test_python_if_on_tracer_raises() -> None:
    def relu(x: jax.Array) -> jax.Array:
        return x if x > 0 else jnp.zeros_like(x)

    assert relu(jnp.array(2.0)) == 2.0  # fine without jit
    with pytest.raises(jax.errors.TracerBoolConversionError):
        jax.jit(relu)(2.0)


def test_recompilation_claim_holds_on_fresh_measurement() -> None:
    records = tuple(point() for point in _recompilation(PROFILES["quick"]))
    results = Results(
        suite="transforms-jit",
        suite_version=1,
        profile="quick",
        environment=describe_environment(),
        method=Method(warmups=0, repeats=1, min_loop_s=0),
        records=records,
    )
    verdict = CLAIMS["jit-one-compile-per-signature"].evaluate(results)
    assert verdict.status == "holds", verdict.figure
    assert verdict.values["traces"] == 4


def test_cache_miss_log_explains_a_weak_type_retrace_and_restores_everything(
    capfd: pytest.CaptureFixture[str],
) -> None:
    double = jax.jit(lambda x: 2 * x)
    strong = jnp.float32(2.0)
    double(2.0)  # a Python float: weakly typed
    logger = logging.getLogger("jax")
    handlers = list(logger.handlers)
    with count_compiles() as compiles, cache_miss_log() as misses:
        double(strong)
    assert compiles.count == 1
    assert len(misses) == 1
    assert "now f32[]{weak_type=False} and before f32[]{weak_type=True}" in misses[0]
    assert "TRACING CACHE MISS" not in capfd.readouterr().err  # collected, not printed
    assert jax.config.jax_explain_cache_misses is False  # type: ignore[attr-defined]
    assert logger.handlers == handlers
    assert logger.propagate
    with cache_miss_log() as after:
        double(strong)  # cached now: nothing to explain
    assert after == []
