"""jaxguide.examples.random against plain loops over keys and NumPy, on the page's cases."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import NamedSharding, SingleDeviceSharding

from jaxguide.examples.random import (
    DROPOUT_RATE,
    augment,
    device_mesh,
    draw,
    dropout,
    init_params,
    loss,
    per_device_noise,
    predict,
    sharded,
    successive_splits,
    train_step,
)


def _data(key: jax.Array) -> np.ndarray:
    return np.asarray(jax.random.key_data(key))


def test_successive_splits_are_a_python_loop_of_split() -> None:
    key, expected = jax.random.key(3), []
    loop_key = key
    for _ in range(6):
        loop_key, sub = jax.random.split(loop_key)
        expected.append(_data(sub))
    np.testing.assert_array_equal(
        _data(jax.jit(successive_splits, static_argnums=1)(key, 6)), expected
    )


def test_vmapped_augment_is_the_loop_over_the_same_keys_bit_for_bit() -> None:
    keys = jax.random.split(jax.random.key(0), 16)
    xs = jax.random.normal(jax.random.key(1), (16, 5))
    one = jax.jit(augment)
    loop = np.stack([np.asarray(one(k, x)) for k, x in zip(keys, xs, strict=True)])
    mapped = np.asarray(jax.jit(jax.vmap(augment))(keys, xs))
    assert mapped.tobytes() == loop.tobytes()
    shared = np.asarray(jax.jit(jax.vmap(augment, in_axes=(None, 0)))(keys[0], jnp.zeros((16, 5))))
    assert len(np.unique(shared, axis=0)) == 1


def test_per_device_noise_is_each_devices_folded_key() -> None:
    mesh = device_mesh()
    key, block = jax.random.key(4), (2, 3)
    got = np.asarray(per_device_noise(mesh, key, block))
    rows, cols = mesh.shape["rows"], mesh.shape["cols"]
    for r in range(rows):
        for c in range(cols):
            mine = jax.random.fold_in(jax.random.fold_in(key, r), c)
            expected = np.asarray(jax.random.normal(mine, block))
            np.testing.assert_array_equal(got[2 * r : 2 * r + 2, 3 * c : 3 * c + 3], expected)


def test_a_sharded_draw_is_the_one_device_draw() -> None:
    mesh = device_mesh()
    shape = (3 * mesh.shape["rows"], 3 * mesh.shape["cols"])
    key = jax.random.key(5)
    spread = jax.jit(draw, static_argnums=1, out_shardings=sharded(mesh))(key, shape)
    alone = jax.jit(draw, static_argnums=1, out_shardings=SingleDeviceSharding(jax.devices()[0]))(
        key, shape
    )
    assert isinstance(spread.sharding, NamedSharding)
    assert len(spread.addressable_shards) == jax.device_count()
    assert np.asarray(spread).tobytes() == np.asarray(alone).tobytes()


def test_dropout_keeps_the_expected_value_and_zeroes_about_the_rate() -> None:
    x = jnp.ones(100_000)
    y = np.asarray(dropout(jax.random.key(6), x, 0.3))
    np.testing.assert_allclose(y[y != 0], 1 / 0.7, rtol=1e-6)
    assert abs(np.mean(y == 0) - 0.3) < 0.01  # binomial spread at this size is about 0.0015
    assert abs(np.mean(y) - 1.0) < 0.02


def test_predict_without_a_key_is_the_numpy_network() -> None:
    params = init_params(jax.random.key(7), (3, 8, 8, 1))
    xs = np.asarray(jax.random.normal(jax.random.key(8), (5, 3)), np.float64)
    h = xs
    for layer in params[:-1]:
        h = np.tanh(h @ np.asarray(layer["w"], np.float64) + np.asarray(layer["b"], np.float64))
    expected = h @ np.asarray(params[-1]["w"], np.float64) + np.asarray(params[-1]["b"], np.float64)
    np.testing.assert_allclose(
        predict(params, jnp.asarray(xs, jnp.float32)), expected, rtol=1e-5, atol=1e-6
    )


def test_predict_with_a_key_drops_units_of_each_hidden_layer() -> None:
    params = init_params(jax.random.key(7), (3, 64, 1))
    xs = jnp.ones((1, 3))
    assert not np.allclose(predict(params, xs, jax.random.key(0)), predict(params, xs))
    assert 0 < DROPOUT_RATE < 1


def test_train_step_is_reproducible_and_lowers_the_loss() -> None:
    params = init_params(jax.random.key(9), (3, 16, 1))
    xs = jax.random.normal(jax.random.key(10), (32, 3))
    ys = jnp.sin(xs.sum(axis=1, keepdims=True))
    a, key_a, _ = train_step(params, jax.random.key(11), xs, ys)
    b, key_b, _ = train_step(params, jax.random.key(11), xs, ys)
    assert all(
        np.array_equal(p, q) for p, q in zip(jax.tree.leaves(a), jax.tree.leaves(b), strict=True)
    )
    assert np.array_equal(_data(key_a), _data(key_b))
    key, trained = jax.random.key(12), params
    for _ in range(100):
        trained, key, _ = train_step(trained, key, xs, ys)
    assert loss(trained, xs, ys) < loss(params, xs, ys)
