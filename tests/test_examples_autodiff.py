"""jaxguide.examples.autodiff and the autodiff claims' helpers, against independent references.

Derivatives are checked in float64 against central finite differences of the same function
written in NumPy (step 1e-6: error O(h²), so a relative 1e-6 holds), or against the dense
Hessian; the custom derivatives are checked where they must agree with finite differences and
where, by design, they must not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxguide.claims._autodiff import loglog_slope
from jaxguide.examples.autodiff import (
    HVPS,
    POLICIES,
    clip_gradient,
    coupled_energy,
    deep_mlp_loss,
    init_deep_mlp,
    naive_softplus,
    rewritten_softplus,
    softplus_jvp,
    stable_softplus,
)

H = 1e-6
RTOL, ATOL = 1e-6, 1e-8


@pytest.fixture(autouse=True)
def _x64() -> Iterator[None]:
    with jax.enable_x64(True):
        yield


def _energy64(x: np.ndarray) -> float:
    s = np.sin(x)
    return float(np.log(np.sum(np.exp(s - s.max()))) + s.max() + 0.05 * x @ x)


def _fd_gradient(f: Callable[[np.ndarray], float], x: np.ndarray) -> np.ndarray:
    return np.array([(f(x + H * e) - f(x - H * e)) / (2 * H) for e in np.eye(x.size)])


@pytest.mark.parametrize("name", sorted(HVPS))
def test_hvp_matches_dense_hessian_and_differences_of_the_gradient(name: str) -> None:
    rng = np.random.default_rng(0)
    x, v = rng.standard_normal((2, 7))
    got = np.asarray(HVPS[name](coupled_energy, jnp.asarray(x), jnp.asarray(v)))
    dense = np.asarray(jax.hessian(coupled_energy)(jnp.asarray(x))) @ v
    np.testing.assert_allclose(got, dense, rtol=1e-12, atol=1e-12)
    # H @ v is the derivative of the gradient along v: difference the float64 NumPy gradient.
    grad = partial(_fd_gradient, _energy64)
    fd = (grad(x + 1e-4 * v) - grad(x - 1e-4 * v)) / 2e-4
    np.testing.assert_allclose(got, fd, rtol=1e-4, atol=1e-6)


def test_coupled_energy_matches_numpy() -> None:
    x = np.linspace(-2.0, 3.0, 6)
    assert float(coupled_energy(jnp.asarray(x))) == pytest.approx(_energy64(x), rel=1e-12)


@pytest.mark.parametrize("x", [-30.0, -2.0, 0.0, 0.5, 3.0, 40.0])
def test_stable_softplus_value_and_gradient_agree_with_differences(x: float) -> None:
    assert float(stable_softplus(x)) == pytest.approx(np.logaddexp(0.0, x), rel=RTOL, abs=ATOL)
    fd = (np.logaddexp(0.0, x + H) - np.logaddexp(0.0, x - H)) / (2 * H)
    assert float(jax.grad(stable_softplus)(x)) == pytest.approx(fd, rel=RTOL, abs=ATOL)


def test_naive_softplus_overflows_where_the_stable_one_does_not() -> None:
    with jax.enable_x64(False):
        assert np.isnan(float(jax.grad(naive_softplus)(100.0)))
        assert float(jax.grad(stable_softplus)(100.0)) == 1.0
        assert float(stable_softplus(100.0)) == 100.0


def test_clip_gradient_is_the_identity_forward_and_clips_backward() -> None:
    x = jnp.array([-3.0, 0.2, 5.0])
    np.testing.assert_array_equal(clip_gradient(x, 1.0), x)
    # d/dx of sum(c * x) is c; clipped to [-1, 1] on the way back.
    c = jnp.array([-10.0, 0.5, 4.0])
    got = jax.grad(lambda x: jnp.sum(c * clip_gradient(x, 1.0)))(x)
    np.testing.assert_array_equal(got, jnp.array([-1.0, 0.5, 1.0]))


def test_every_checkpoint_policy_gives_the_same_gradient_as_differences() -> None:
    layers = init_deep_mlp(jax.random.key(0), 3, 4)
    xs = jax.random.normal(jax.random.key(1), (5, 4))
    grads = {p: jax.grad(deep_mlp_loss)(layers, xs, p) for p in POLICIES}
    for p, g in grads.items():
        for leaf in ("w", "b"):
            np.testing.assert_allclose(g[leaf], grads["no-checkpoint"][leaf], rtol=1e-12, err_msg=p)
    # one entry against a finite difference of the loss
    e = jnp.zeros_like(layers["w"]).at[1, 2, 3].set(H)
    loss = lambda w: float(deep_mlp_loss({"w": w, "b": layers["b"]}, xs))
    fd = (loss(layers["w"] + e) - loss(layers["w"] - e)) / (2 * H)
    assert float(grads["nothing_saveable"]["w"][1, 2, 3]) == pytest.approx(fd, rel=1e-5, abs=1e-9)


def test_unknown_policy_is_refused() -> None:
    layers = init_deep_mlp(jax.random.key(0), 1, 2)
    with pytest.raises(ValueError, match="unknown policy 'everything'"):
        deep_mlp_loss(layers, jnp.ones((1, 2)), "everything")


def test_loglog_slope() -> None:
    xs = [256.0, 1024.0, 4096.0]
    assert loglog_slope(xs, [3.0 * x for x in xs]) == pytest.approx(1.0)
    assert loglog_slope(xs, [x**2 + 7 for x in xs]) == pytest.approx(2.0, abs=0.01)
    assert np.isnan(loglog_slope(xs, [0.0, 1.0, 2.0]))  # a zero has no logarithm
    assert np.isnan(loglog_slope([1.0], [1.0]))


def _sigmoid64(x: float) -> float:
    return float(1.0 / (1.0 + np.exp(-x)))


@pytest.mark.parametrize("x", [-30.0, -2.0, -1e-3, 0.0, 1e-3, 0.5, 3.0, 40.0])
def test_custom_jvp_softplus_second_derivative_is_analytic(x: float) -> None:
    s = _sigmoid64(x)
    assert float(softplus_jvp(x)) == pytest.approx(np.logaddexp(0.0, x), rel=RTOL, abs=ATOL)
    assert float(jax.grad(softplus_jvp)(x)) == pytest.approx(s, rel=RTOL, abs=ATOL)
    assert float(jax.jacfwd(softplus_jvp)(x)) == pytest.approx(s, rel=RTOL, abs=ATOL)
    assert float(jax.hessian(softplus_jvp)(x)) == pytest.approx(s * (1 - s), rel=RTOL, abs=ATOL)
    # and against a central difference of the float64 NumPy derivative
    fd = (_sigmoid64(x + H) - _sigmoid64(x - H)) / (2 * H)
    assert float(jax.hessian(softplus_jvp)(x)) == pytest.approx(fd, rel=1e-5, abs=1e-9)


def test_hvp_through_custom_jvp_softplus_matches_the_analytic_hessian() -> None:
    x = jnp.linspace(-5.0, 5.0, 11)
    v = jnp.arange(11.0) - 5.0
    s = 1.0 / (1.0 + np.exp(-np.asarray(x)))
    expected = s * (1 - s) * np.asarray(v)  # the Hessian of sum(softplus) is diagonal
    for hvp in HVPS.values():
        got = hvp(lambda y: jnp.sum(softplus_jvp(y)), x, v)
        np.testing.assert_allclose(np.asarray(got), expected, rtol=1e-12, atol=1e-12)


def test_forward_mode_through_the_custom_vjp_softplus_raises() -> None:
    for forward in (jax.jacfwd, jax.hessian):
        with pytest.raises(TypeError, match="can't apply forward-mode autodiff"):
            forward(stable_softplus)(1.0)
    x = jnp.ones(3)
    with pytest.raises(TypeError, match="custom_vjp"):
        HVPS["fwd-over-rev"](lambda y: jnp.sum(stable_softplus(y)), x, x)
    HVPS["rev-over-rev"](lambda y: jnp.sum(stable_softplus(y)), x, x)  # reverse twice works


def test_rewritten_softplus_gradient_is_wrong_only_at_zero() -> None:
    assert float(jax.grad(rewritten_softplus)(0.0)) == 0.0  # sigmoid(0) is 1/2
    for x in (-3.0, -1e-6, 1e-6, 3.0):
        s = _sigmoid64(x)
        assert float(jax.grad(rewritten_softplus)(x)) == pytest.approx(s, rel=RTOL)
    # the cause: maximum's tie gives 1/2, abs counts as slope 1 at 0, so the log1p term -1/2
    assert float(jax.grad(lambda x: jnp.maximum(x, 0.0))(0.0)) == 0.5
    assert float(jax.grad(jnp.abs)(0.0)) == 1.0
