"""jaxguide.examples.vmap against Python loops and NumPy."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxguide.examples.grad import batch_loss, example_loss
from jaxguide.examples.jit import init_mlp, mlp
from jaxguide.examples.vmap import (
    batched_matmul,
    distance,
    matmul,
    pairwise_distances,
    per_example_grads,
)

KX, KY = jax.random.split(jax.random.key(0))


def test_pairwise_distances_match_a_double_loop() -> None:
    xs, ys = jax.random.normal(KX, (4, 3)), jax.random.normal(KY, (6, 3))
    expected = np.array([[np.linalg.norm(np.asarray(x - y)) for y in ys] for x in xs])
    np.testing.assert_allclose(pairwise_distances(xs, ys), expected, rtol=1e-6)


def test_matmul_and_batched_matmul_match_numpy() -> None:
    a, b = jax.random.normal(KX, (5, 2, 3)), jax.random.normal(KY, (5, 3, 4))
    np.testing.assert_allclose(matmul(a[0], b[0]), np.asarray(a[0]) @ np.asarray(b[0]), rtol=1e-5)
    expected = np.stack([np.asarray(x) @ np.asarray(y) for x, y in zip(a, b, strict=True)])
    np.testing.assert_allclose(batched_matmul(a, b), expected, rtol=1e-5, atol=1e-6)


def test_in_axes_and_out_axes_match_loops() -> None:
    m = jnp.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(jax.vmap(jnp.sum, in_axes=1)(m), [float(c.sum()) for c in m.T])
    np.testing.assert_array_equal(jax.vmap(jnp.sum, in_axes=-1)(m), jax.vmap(jnp.sum, in_axes=1)(m))
    np.testing.assert_array_equal(jax.vmap(lambda r: 2 * r, out_axes=1)(m), (2 * m).T)
    point = jnp.ones(4)
    expected = [float(distance(r, point)) for r in m]
    np.testing.assert_allclose(jax.vmap(distance, in_axes=(0, None))(m, point), expected)
    tree = {"w": jnp.ones((4, 2)), "inputs": m}
    out = jax.vmap(lambda t: t["inputs"] @ t["w"], in_axes=({"w": None, "inputs": 0},))(tree)
    np.testing.assert_allclose(out, np.asarray(m) @ np.ones((4, 2)))
    copies = jax.vmap(lambda v: v + 1.0, in_axes=None, axis_size=3)(jnp.zeros(2))
    np.testing.assert_array_equal(copies, np.ones((3, 2)))


def test_per_example_grads_match_a_loop_and_average_to_the_batch_gradient() -> None:
    params = init_mlp(jax.random.key(1), [3, 5, 2])
    xs, ys = jax.random.normal(KX, (6, 3)), jax.random.normal(KY, (6, 2))
    grads = per_example_grads(params, xs, ys)
    loop = [jax.grad(example_loss)(params, x, y) for x, y in zip(xs, ys, strict=True)]
    for i, expected in enumerate(loop):
        got = jax.tree.map(lambda g, i=i: g[i], grads)
        for a, b in zip(jax.tree.leaves(got), jax.tree.leaves(expected), strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
    mean = jax.tree.map(lambda g: g.mean(axis=0), grads)
    batch = jax.grad(batch_loss)(params, xs, ys)
    for a, b in zip(jax.tree.leaves(mean), jax.tree.leaves(batch), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def test_jit_vmap_and_vmap_jit_agree_with_a_loop_and_share_a_jaxpr() -> None:
    params = init_mlp(jax.random.key(1), [3, 5, 2])
    xs = jax.random.normal(KX, (7, 3))
    jit_vmap = jax.jit(jax.vmap(mlp, in_axes=(None, 0)))
    vmap_jit = jax.vmap(jax.jit(mlp), in_axes=(None, 0))
    loop = np.stack([np.asarray(mlp(params, x)) for x in xs])
    np.testing.assert_allclose(jit_vmap(params, xs), loop, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(vmap_jit(params, xs), loop, rtol=1e-5, atol=1e-6)
    assert str(jax.make_jaxpr(jit_vmap)(params, xs)) == str(jax.make_jaxpr(vmap_jit)(params, xs))


def test_errors_name_the_problem() -> None:
    xs = jnp.ones((5, 3))
    with pytest.raises(ValueError, match="vmap got inconsistent sizes for array axes to be mapped"):
        jax.vmap(distance)(xs, xs[:4])
    with pytest.raises(ValueError, match="map its argument along axis 2"):
        jax.vmap(distance, in_axes=(2, 0))(xs, xs)
