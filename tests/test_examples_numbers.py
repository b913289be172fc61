"""jaxguide.examples.numbers against NumPy and plain Python, on the page's cases."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxguide.examples.numbers import chain, relative_error, running_sum, under_x64


@pytest.mark.parametrize("dtype", [jnp.float16, jnp.bfloat16, jnp.float32])
def test_running_sum_rounds_after_every_term_as_a_python_loop_does(dtype: object) -> None:
    terms = jnp.asarray(np.random.default_rng(0).uniform(0, 1, 300), dtype)
    total = jnp.zeros((), dtype)
    for t in terms:
        total = (total + t).astype(dtype)
    got = jax.jit(running_sum)(terms)
    assert got.dtype == dtype
    assert float(got) == float(total)


def test_running_sum_stalls_where_the_page_says_jnp_sum_does_not() -> None:
    terms = jnp.full(4096, 0.3, jnp.float16)
    exact = float(terms[0]) * 4096
    assert float(running_sum(terms)) < exact / 1.1
    assert float(jnp.sum(terms)) == pytest.approx(exact, rel=1e-3)


def test_chain_is_the_numpy_formula_in_each_dtype() -> None:
    x = np.linspace(-2.0, 2.0, 101)
    expected = np.tanh(x) * np.exp(-x * x) + np.sin(3 * x)
    np.testing.assert_allclose(chain(jnp.asarray(x, jnp.float32)), expected, atol=1e-6)
    with jax.enable_x64(True):
        got = chain(jnp.asarray(x))
        assert got.dtype == jnp.float64
        np.testing.assert_allclose(got, expected, rtol=1e-14, atol=1e-15)


def test_under_x64_sets_the_flag_for_the_call_alone() -> None:
    seen = under_x64(lambda: jax.config.jax_enable_x64)
    assert seen() is True
    assert under_x64(lambda: jax.config.jax_enable_x64, enabled=False)() is False
    assert jax.config.jax_enable_x64 is False


def test_relative_error_is_the_largest_difference_over_the_largest_entry() -> None:
    assert relative_error([1.0, -4.0], [1.5, -4.0]) == pytest.approx(0.5 / 4.0)
    assert relative_error(np.float16([3.0]), [3.0]) == 0.0
