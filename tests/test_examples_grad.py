"""jaxguide.examples.grad: gradients and Hessians against central finite differences in float64.

Central differences with step h have error O(h²); in float64 with h = 1e-6 the comparisons
hold to a relative 1e-6 (absolute 1e-8 near zero).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxguide.examples.grad import (
    batch_loss,
    dense_tanh,
    example_loss,
    loss_with_metrics,
    safe_sqrt,
)
from jaxguide.examples.jit import init_mlp, jaxpr_primitives, newton_sqrt

H = 1e-6
RTOL, ATOL = 1e-6, 1e-8


@pytest.fixture(autouse=True)
def _x64() -> Iterator[None]:
    with jax.enable_x64(True):
        yield


def fd_gradient(f: Callable[[np.ndarray], float], x: np.ndarray) -> np.ndarray:
    """Central differences, one coordinate at a time, in NumPy float64."""
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = H
        grad[i] = (f(x + e) - f(x - e)) / (2 * H)
    return grad


def _problem() -> tuple[list[dict[str, jax.Array]], jax.Array, jax.Array]:
    kp, kx, ky = jax.random.split(jax.random.key(0), 3)
    params = jax.tree.map(lambda a: a.astype(jnp.float64), init_mlp(kp, [3, 5, 2]))
    xs = jax.random.normal(kx, (6, 3), dtype=jnp.float64)
    ys = jax.random.normal(ky, (6, 2), dtype=jnp.float64)
    return params, xs, ys


def test_batch_loss_gradient_matches_finite_differences_on_every_leaf() -> None:
    params, xs, ys = _problem()
    grads = jax.grad(batch_loss)(params, xs, ys)
    for layer in range(len(params)):
        for name in ("w", "b"):

            def f(leaf: np.ndarray, layer: int = layer, name: str = name) -> float:
                changed = [dict(p) for p in params]
                changed[layer][name] = jnp.asarray(leaf)
                return float(batch_loss(changed, xs, ys))

            expected = fd_gradient(f, np.asarray(params[layer][name]))
            np.testing.assert_allclose(grads[layer][name], expected, rtol=RTOL, atol=ATOL)


def test_argnums_gradient_wrt_inputs() -> None:
    params, xs, ys = _problem()
    _, dxs = jax.grad(batch_loss, argnums=(0, 1))(params, xs, ys)
    expected = fd_gradient(lambda x: float(batch_loss(params, jnp.asarray(x), ys)), np.asarray(xs))
    np.testing.assert_allclose(dxs, expected, rtol=RTOL, atol=ATOL)


def test_has_aux_returns_metrics_and_differentiates_only_the_loss() -> None:
    params, xs, ys = _problem()
    (loss, metrics), grads = jax.value_and_grad(loss_with_metrics, has_aux=True)(params, xs, ys)
    np.testing.assert_allclose(metrics["mse"], batch_loss(params, xs, ys), rtol=1e-12)
    norm = sum(float(np.sum(np.asarray(p["w"]) ** 2)) for p in params)
    np.testing.assert_allclose(metrics["weight_norm"], norm, rtol=1e-12)
    np.testing.assert_allclose(loss, metrics["mse"] + 1e-3 * norm, rtol=1e-12)
    plain = jax.grad(lambda p: loss_with_metrics(p, xs, ys)[0])(params)
    for a, b in zip(jax.tree.leaves(grads), jax.tree.leaves(plain), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_value_and_grad_equals_f_and_grad_f() -> None:
    params, xs, ys = _problem()
    value, grads = jax.value_and_grad(batch_loss)(params, xs, ys)
    np.testing.assert_allclose(value, batch_loss(params, xs, ys), rtol=1e-12)
    for a, b in zip(
        jax.tree.leaves(grads), jax.tree.leaves(jax.grad(batch_loss)(params, xs, ys)), strict=True
    ):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_value_and_grad_jaxpr_has_one_forward_pass() -> None:
    params, xs, ys = _problem()

    def both(*args: jax.Array) -> tuple[jax.Array, object]:
        return batch_loss(*args), jax.grad(batch_loss)(*args)  # type: ignore[arg-type]

    forward = jaxpr_primitives(batch_loss, params, xs, ys)["tanh"]
    assert forward == len(params) - 1  # one tanh per hidden layer
    assert jaxpr_primitives(jax.value_and_grad(batch_loss), params, xs, ys)["tanh"] == forward
    assert jaxpr_primitives(both, params, xs, ys)["tanh"] == 2 * forward


def test_second_derivative_and_hessian_match_finite_differences() -> None:
    f = lambda x: x**3 + jnp.sin(x)
    x = 0.7
    d2 = (float(jax.grad(f)(x + H)) - float(jax.grad(f)(x - H))) / (2 * H)
    np.testing.assert_allclose(jax.grad(jax.grad(f))(x), d2, rtol=RTOL)

    params, xs, ys = _problem()
    loss_of_x = lambda x: example_loss(params, x, ys[0])
    x0 = np.asarray(xs[0])
    hessian = jax.hessian(loss_of_x)(jnp.asarray(x0))
    grad = jax.grad(loss_of_x)
    for i in range(x0.size):
        e = np.zeros_like(x0)
        e[i] = H
        column = (np.asarray(grad(x0 + e)) - np.asarray(grad(x0 - e))) / (2 * H)
        np.testing.assert_allclose(hessian[:, i], column, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(hessian, hessian.T, rtol=1e-10)


@pytest.mark.parametrize(("m", "n"), [(7, 2), (2, 7)])
def test_jacfwd_and_jacrev_match_finite_differences(m: int, n: int) -> None:
    w = jax.random.normal(jax.random.key(2), (m, n), dtype=jnp.float64)
    x = jax.random.normal(jax.random.key(3), (n,), dtype=jnp.float64)
    expected = np.stack(
        [
            fd_gradient(lambda v, i=i: float(dense_tanh(w, jnp.asarray(v))[i]), np.asarray(x))
            for i in range(m)
        ]
    )
    fwd = jax.jacfwd(dense_tanh, argnums=1)(w, x)
    rev = jax.jacrev(dense_tanh, argnums=1)(w, x)
    assert fwd.shape == rev.shape == (m, n)
    np.testing.assert_allclose(fwd, expected, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(rev, fwd, rtol=1e-12)


def test_safe_sqrt_gradient_is_finite_and_correct() -> None:
    xs = np.array([-2.0, -1e-3, 0.0, 1e-2, 1.0, 16.0])
    grads = np.asarray(jax.vmap(jax.grad(safe_sqrt))(jnp.asarray(xs)))
    assert np.all(np.isfinite(grads))
    positive = xs > 0
    np.testing.assert_allclose(grads[positive], 0.5 / np.sqrt(xs[positive]), rtol=1e-12)
    np.testing.assert_array_equal(grads[~positive], 0.0)
    for x in xs[positive]:
        fd = (float(safe_sqrt(x + H * x)) - float(safe_sqrt(x - H * x))) / (2 * H * x)
        np.testing.assert_allclose(float(jax.grad(safe_sqrt)(x)), fd, rtol=RTOL)
    naive = jax.grad(lambda x: jnp.where(x > 0, jnp.sqrt(x), 0.0))
    assert np.isnan(naive(-1.0))  # the failure safe_sqrt avoids


def test_gradient_through_loops_and_cond() -> None:
    for x in (0.5, 2.0, 9.0):
        np.testing.assert_allclose(jax.grad(newton_sqrt)(x, 30), 0.5 / np.sqrt(x), rtol=1e-10)
    cond = jax.grad(lambda x: jax.lax.cond(x > 0, jnp.sin, jnp.cos, x))
    np.testing.assert_allclose(cond(1.0), np.cos(1.0), rtol=1e-12)
    np.testing.assert_allclose(cond(-1.0), np.sin(1.0), rtol=1e-12)  # d/dx cos(x) at -1
    with pytest.raises(ValueError, match="Reverse-mode differentiation does not work"):
        jax.jit(jax.grad(newton_sqrt))(9.0, 20)


def test_common_mistakes_raise_clear_errors() -> None:
    with pytest.raises(TypeError, match="Gradient only defined for scalar-output functions"):
        jax.grad(jnp.sin)(jnp.array([0.0, 1.0]))
    with pytest.raises(TypeError, match="grad requires real- or complex-valued inputs"):
        jax.grad(lambda x: x**2)(2)
