"""microbatched_value_and_grad against jax.value_and_grad of the batch mean, and its planner.

Tolerances: both sides are compiled with ``jax.jit`` and the microbatched sum adds the same
terms in another order, so in float32 the value and every gradient leaf (entries of order 1)
agree with ``jax.value_and_grad`` to a relative 1e-5 (about 80 epsilons: a few per
microbatch, up to 12 microbatches here) plus an absolute 1e-5 for entries near zero; in
float64 to a relative 1e-12. A wrong weighting of the microbatches is off by about 1e-1.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jaxguide.mitigations import microbatched_value_and_grad, plan_microbatch_size

F32 = {"rtol": 1e-5, "atol": 1e-5}
F64 = {"rtol": 1e-12, "atol": 1e-14}

Params = dict[str, Any]


def per_example(params: Params, x: jax.Array, y: jax.Array) -> jax.Array:
    """A two-layer network's squared error on one example (x: (3,), y: (2,))."""
    hidden = jnp.tanh(x @ params["w"] + params["b"])
    out = hidden @ params["head"][0] + params["head"][1]
    return jnp.sum((out - y) ** 2)


def mean_loss(params: Params, batch: dict[str, jax.Array]) -> jax.Array:
    """The way a training step is usually written: the mean of a vmapped per-example loss."""
    return jnp.mean(jax.vmap(per_example, (None, 0, 0))(params, batch["x"], batch["y"]))


def with_aux(params: Params, batch: dict[str, jax.Array]) -> tuple[jax.Array, Params]:
    """The mean loss, and metrics that are means over the examples too."""
    losses = jax.vmap(per_example, (None, 0, 0))(params, batch["x"], batch["y"])
    metrics = {"small": jnp.mean(losses < 1.0), "x_mean": jnp.mean(batch["x"], axis=0)}
    return jnp.mean(losses), metrics


def make(n: int, seed: int, dtype: Any = jnp.float32) -> tuple[Params, dict[str, jax.Array]]:
    k = jax.random.split(jax.random.key(seed), 6)
    params = {
        "w": jax.random.normal(k[0], (3, 4), dtype),
        "b": jax.random.normal(k[1], (4,), dtype),
        "head": [jax.random.normal(k[2], (4, 2), dtype), jax.random.normal(k[3], (2,), dtype)],
    }
    batch = {
        "x": jax.random.normal(k[4], (n, 3), dtype),
        "y": jax.random.normal(k[5], (n, 2), dtype),
    }
    return params, batch


def assert_trees_close(got: Any, expected: Any, tol: dict[str, float]) -> None:
    assert jax.tree.structure(got) == jax.tree.structure(expected)
    for g, e in zip(jax.tree.leaves(got), jax.tree.leaves(expected), strict=True):
        assert g.shape == e.shape
        assert g.dtype == e.dtype
        np.testing.assert_allclose(g, e, **tol)


value_and_grad = jax.jit(jax.value_and_grad(mean_loss))


@settings(max_examples=10, deadline=None)
@given(n=st.integers(1, 12), size=st.integers(1, 14), seed=st.integers(0, 3))
def test_matches_value_and_grad_of_the_mean(n: int, size: int, seed: int) -> None:
    """Divisors, non-divisors (a smaller last microbatch) and sizes beyond the batch."""
    params, batch = make(n, seed)
    expected = value_and_grad(params, batch)
    got = jax.jit(microbatched_value_and_grad(mean_loss, size))(params, batch)
    assert_trees_close(got, expected, F32)


@pytest.fixture
def _x64() -> Iterator[None]:
    with jax.enable_x64(True):
        yield


@pytest.mark.usefixtures("_x64")
@pytest.mark.parametrize(("n", "size"), [(10, 3), (12, 4)])
def test_float64_agrees_to_rounding(n: int, size: int) -> None:
    params, batch = make(n, 1, jnp.float64)
    expected = jax.jit(jax.value_and_grad(mean_loss))(params, batch)
    got = jax.jit(microbatched_value_and_grad(mean_loss, size))(params, batch)
    assert got[0].dtype == jnp.float64
    assert_trees_close(got, expected, F64)


def test_remainder_is_weighted_by_its_size() -> None:
    """10 examples in 4 + 4 + 2: an unweighted mean of the three microbatch means differs."""
    params, batch = make(10, 2)
    value, _ = microbatched_value_and_grad(mean_loss, 4)(params, batch)
    losses = jax.vmap(per_example, (None, 0, 0))(params, batch["x"], batch["y"])
    parts = [jnp.mean(losses[:4]), jnp.mean(losses[4:8]), jnp.mean(losses[8:])]
    np.testing.assert_allclose(value, (4 * parts[0] + 4 * parts[1] + 2 * parts[2]) / 10, **F32)
    assert abs(float(value) - float(sum(parts) / 3)) > 1e-3


@pytest.mark.parametrize("size", [1, 3, 5, 12])
def test_aux_is_the_batch_mean(size: int) -> None:
    params, batch = make(11, 3)
    expected = jax.jit(jax.value_and_grad(with_aux, has_aux=True))(params, batch)
    got = jax.jit(microbatched_value_and_grad(with_aux, size, has_aux=True))(params, batch)
    assert_trees_close(got, expected, F32)


def test_integer_aux_is_refused() -> None:
    def counts(params: Params, batch: dict[str, jax.Array]) -> tuple[jax.Array, jax.Array]:
        return mean_loss(params, batch), jnp.sum(batch["x"] > 0)

    params, batch = make(6, 0)
    with pytest.raises(TypeError, match=r"aux is int32: .* must be floating-point"):
        microbatched_value_and_grad(counts, 4, has_aux=True)(params, batch)


@pytest.mark.parametrize("size", [0, -2, 2.0, True, None])
def test_microbatch_size_must_be_positive_int(size: object) -> None:
    with pytest.raises(ValueError, match="microbatch_size must be a positive integer"):
        microbatched_value_and_grad(mean_loss, size)  # type: ignore[arg-type]


def test_batch_leaves_must_share_a_leading_axis() -> None:
    params, batch = make(6, 0)
    step = microbatched_value_and_grad(mean_loss, 2)
    with pytest.raises(ValueError, match=r"disagree on the batch size: \[5, 6\]"):
        step(params, {"x": batch["x"], "y": batch["y"][:5]})
    with pytest.raises(ValueError, match="needs a leading batch axis"):
        step(params, {"x": batch["x"], "y": jnp.float32(1.0)})


def test_temporaries_follow_the_microbatch() -> None:
    """XLA's analysis, read directly: 16 microbatches need far less than the whole batch."""
    params, _ = make(1, 0)
    wide = {
        "x": jax.ShapeDtypeStruct((4096, 3), jnp.float32),
        "y": jax.ShapeDtypeStruct((4096, 2), jnp.float32),
    }

    def temp(fn: Any) -> int:
        return int(jax.jit(fn).lower(params, wide).compile().memory_analysis().temp_size_in_bytes)

    full = temp(jax.value_and_grad(mean_loss))
    assert full >= 4096 * 4 * 4  # at least the hidden activations of every example
    assert temp(microbatched_value_and_grad(mean_loss, 256)) < full / 8


# The planner: its choice against XLA's analysis of every candidate, compiled here directly.


def outer_loss(w: jax.Array, xs: jax.Array) -> jax.Array:
    """The mean of a per-example loss whose gradient keeps a 32 × 32 matrix per example."""
    return jnp.mean(jax.vmap(lambda x: jnp.sum(jnp.tanh(jnp.outer(x, w)) ** 2))(xs))


W = jax.ShapeDtypeStruct((32,), jnp.float32)
XS = jax.ShapeDtypeStruct((24, 32), jnp.float32)
EVEN_SPLITS = [24, 12, 8, 6, 5, 4, 3, 2, 1]
"""ceil(24 / k) for k = 1 ... 24: the sizes that make k microbatches, fewest examples each."""


@pytest.fixture(scope="module")
def temps() -> dict[int, int]:
    def temp(size: int) -> int:
        step = jax.jit(microbatched_value_and_grad(outer_loss, size))
        return int(step.lower(W, XS).compile().memory_analysis().temp_size_in_bytes)

    return {size: temp(size) for size in EVEN_SPLITS}


@pytest.mark.parametrize("fraction", [0.15, 0.6])
def test_plan_is_the_fewest_microbatches_that_fit(temps: dict[int, int], fraction: float) -> None:
    budget = int(temps[1] + fraction * (temps[24] - temps[1]))
    plan = plan_microbatch_size(outer_loss, W, XS, budget_bytes=budget)
    assert plan.temp_bytes == temps[plan.microbatch_size] <= budget
    larger = EVEN_SPLITS[EVEN_SPLITS.index(plan.microbatch_size) - 1]
    assert temps[larger] > budget  # the next candidate, one microbatch fewer, does not fit
    assert plan.microbatches == -(-24 // plan.microbatch_size)
    assert plan.full_batch_temp_bytes == temps[24]
    assert plan.compilations < len(EVEN_SPLITS)
    assert not plan.fits_without_microbatching


def test_plan_without_microbatching(temps: dict[int, int]) -> None:
    plan = plan_microbatch_size(outer_loss, W, XS, budget_bytes=temps[24])
    assert plan.fits_without_microbatching
    assert (plan.microbatch_size, plan.microbatches, plan.compilations) == (24, 1, 1)


def test_budget_below_one_example_names_the_minimum(temps: dict[int, int]) -> None:
    with pytest.raises(ValueError, match=f"below the {temps[1]} bytes .* needs .microbatch_size=1"):
        plan_microbatch_size(outer_loss, W, XS, budget_bytes=temps[1] - 1)
