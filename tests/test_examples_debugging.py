"""jaxguide.examples.debugging against NumPy, on the page's cases."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.experimental import checkify

from jaxguide.examples.debugging import deep_nan, noisy_double, pick


def test_deep_nan_is_numpys_chain_and_nan_below_one() -> None:
    x = np.array([1.0, 2.5, 7.0], np.float32)
    expected = np.sum(np.sqrt(np.tanh(np.log(x.astype(np.float64)))))
    np.testing.assert_allclose(float(jax.jit(deep_nan)(jnp.asarray(x))), expected, rtol=1e-6)
    assert np.isnan(float(jax.jit(deep_nan)(jnp.array([1.0, 0.5]))))


def test_deep_nan_with_debug_nans_names_sqrt() -> None:
    with jax.debug_nans(True), pytest.raises(FloatingPointError, match=r"encountered in sqrt\b"):
        jax.jit(deep_nan)(jnp.array([1.0, 0.5]))


@pytest.mark.parametrize("i", [0, 2, 3, 7, 100])
def test_pick_clamps_under_jit_as_numpy_clip_does(i: int) -> None:
    x = jnp.array([10.0, 20.0, 30.0])
    assert float(jax.jit(pick)(x, i)) == float(np.asarray(x)[min(i, 2)])
    error, _ = jax.jit(checkify.checkify(pick, errors=checkify.index_checks))(x, i)
    assert (error.get() is not None) == (i > 2)


def test_noisy_double_prints_once_traced_and_every_call(capsys: pytest.CaptureFixture[str]) -> None:
    doubled = jax.jit(lambda x: noisy_double(x))  # noqa: PLW0108 (a new function: traced afresh)
    for x in (1.0, 2.0):
        assert float(doubled(jnp.float32(x))) == 2 * x
    jax.effects_barrier()
    lines = capsys.readouterr().out.splitlines()
    assert sum(line.startswith("print:") for line in lines) == 1
    assert [line for line in lines if line.startswith("debug.print:")] == [
        "debug.print: 1.0",
        "debug.print: 2.0",
    ]
