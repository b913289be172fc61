"""plan_chunk_size: against arithmetic on the function's intermediates, against a brute-force
search over every chunk size, and its errors.

The brute force reads the same compiled memory analysis the planner reads, so it checks the
search, not the measurement; the arithmetic tests are the independent expectation: each
example's sort keeps its (32, 32) float32 outer product, 4 KiB, so a chunk of ``c`` examples
needs at least ``c`` times that, and (when ``c`` divides the batch) barely more.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import pytest

from jaxguide.bench import compiled_memory
from jaxguide.mitigations import chunked_vmap, plan_chunk_size


def sorted_outer(w: jax.Array, x: jax.Array) -> jax.Array:
    return jnp.sort(jnp.outer(x, w), axis=0)[-1]


W = jax.ShapeDtypeStruct((32,), jnp.float32)
XS = jax.ShapeDtypeStruct((24, 32), jnp.float32)


def temp(chunk: int) -> int:
    return compiled_memory(
        chunked_vmap(sorted_outer, (None, 0), chunk_size=chunk), W, XS
    ).temp_bytes


@pytest.fixture(scope="module")
def temps() -> dict[int, int]:
    return {c: temp(c) for c in range(1, 25)}


OUTER_BYTES = 32 * 32 * 4  # one example's outer product, float32
BOOKKEEPING = 1024  # what XLA may add beyond the outer products, for a chunk dividing the batch
DIVISORS = [c for c in range(1, 25) if 24 % c == 0]


def test_temporaries_are_the_outer_products(temps: dict[int, int]) -> None:
    for chunk, measured in temps.items():
        assert measured >= chunk * OUTER_BYTES, chunk
    for chunk in DIVISORS:
        assert temps[chunk] <= chunk * OUTER_BYTES + BOOKKEEPING, chunk


@pytest.mark.parametrize("divisor", DIVISORS[1:-1])
def test_plan_for_a_budget_worked_out_by_hand(divisor: int) -> None:
    # The divisor's chunk fits (its outer products plus bookkeeping); a larger chunk would
    # need at least one more outer product than the budget holds.
    budget = divisor * OUTER_BYTES + BOOKKEEPING
    plan = plan_chunk_size(sorted_outer, W, XS, budget_bytes=budget, in_axes=(None, 0))
    assert plan.chunk_size == divisor
    assert divisor * OUTER_BYTES <= plan.temp_bytes <= budget
    assert plan.full_batch_temp_bytes >= 24 * OUTER_BYTES > budget


@pytest.mark.parametrize("fraction", [0.05, 0.3, 0.6])
def test_plan_is_the_largest_fitting_chunk(temps: dict[int, int], fraction: float) -> None:
    budget = int(temps[1] + fraction * (temps[24] - temps[1]))
    plan = plan_chunk_size(sorted_outer, W, XS, budget_bytes=budget, in_axes=(None, 0))
    assert plan.chunk_size == max(c for c, t in temps.items() if t <= budget)
    assert plan.temp_bytes == temps[plan.chunk_size] <= budget
    assert plan.full_batch_temp_bytes == temps[24]
    assert plan.compilations < 24
    assert not plan.fits_without_chunking


def test_plan_without_chunking(temps: dict[int, int]) -> None:
    plan = plan_chunk_size(sorted_outer, W, XS, budget_bytes=temps[24], in_axes=(None, 0))
    assert plan.fits_without_chunking
    assert (plan.chunk_size, plan.compilations) == (24, 1)


def test_budget_below_one_example_names_the_minimum(temps: dict[int, int]) -> None:
    with pytest.raises(ValueError, match=f"below the {temps[1]} bytes .* needs"):
        plan_chunk_size(sorted_outer, W, XS, budget_bytes=temps[1] - 1, in_axes=(None, 0))


@pytest.mark.parametrize("budget", [0, -1, 1.5, True])
def test_budget_must_be_positive_int(budget: object) -> None:
    with pytest.raises(ValueError, match="budget_bytes must be a positive integer"):
        plan_chunk_size(sorted_outer, W, XS, budget_bytes=budget, in_axes=(None, 0))  # type: ignore[arg-type]


def test_empty_batch() -> None:
    empty = jax.ShapeDtypeStruct((0, 32), jnp.float32)
    with pytest.raises(ValueError, match="the batch is empty"):
        plan_chunk_size(sorted_outer, W, empty, budget_bytes=1 << 20, in_axes=(None, 0))
