"""jaxguide.examples.pytrees against plain Python and NumPy, and what the transformations do
with the page's trees."""

from __future__ import annotations

import dataclasses
from collections import namedtuple
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

from jaxguide.bench import count_compiles
from jaxguide.examples.pytrees import (
    Dense,
    Interval,
    batch_loss,
    batch_loss_numpy,
    dense,
    finite_difference_grad,
    init_params,
    jit_with_structure_log,
    mlp,
    mlp_numpy,
    split_leaves,
    sum_leaves,
)

Point = namedtuple("Point", ["x", "y"])


def _python_leaves(tree: Any, path: str = "") -> list[tuple[str, Any]]:
    """Leaves with their paths, by plain recursion over Python's containers: the reference."""
    if tree is None:
        return []
    if isinstance(tree, dict):
        return [x for k in sorted(tree) for x in _python_leaves(tree[k], f"{path}[{k!r}]")]
    if isinstance(tree, tuple) and hasattr(tree, "_fields"):
        return [x for f in tree._fields for x in _python_leaves(getattr(tree, f), f"{path}.{f}")]
    if isinstance(tree, list | tuple):
        return [x for i, v in enumerate(tree) for x in _python_leaves(v, f"{path}[{i}]")]
    return [(path, tree)]


TREE = {"weights": [np.ones(2), (np.zeros(3), None)], "origin": Point(1.0, 2.0), "step": 3}


def test_leaves_and_paths_match_a_plain_python_walk() -> None:
    expected = _python_leaves(TREE)
    found, _ = jax.tree_util.tree_flatten_with_path(TREE)
    assert [jax.tree_util.keystr(p) for p, _ in found] == [p for p, _ in expected]
    assert all(a is b for (_, a), (_, b) in zip(found, expected, strict=True))
    assert [leaf for _, leaf in expected] == jax.tree.leaves(TREE)


def test_tree_map_rebuilds_the_structure_around_each_result() -> None:
    doubled = jax.tree.map(lambda v: v * 10, TREE)
    assert jax.tree.structure(doubled) == jax.tree.structure(TREE)
    assert doubled["origin"] == Point(10.0, 20.0)
    assert doubled["weights"][1][1] is None
    expected = [v * 10 for _, v in _python_leaves(TREE)]
    for a, b in zip(jax.tree.leaves(doubled), expected, strict=True):
        np.testing.assert_array_equal(a, b)


def test_dense_holds_two_leaves_and_its_activation_in_the_structure() -> None:
    layer = Dense(jnp.ones((2, 3)), jnp.zeros(3), "relu")
    leaves, treedef = jax.tree.flatten(layer)
    assert [leaf.shape for leaf in leaves] == [(2, 3), (3,)]
    assert jax.tree.unflatten(treedef, leaves).activation == "relu"
    assert jax.tree.structure(layer) != jax.tree.structure(
        dataclasses.replace(layer, activation="tanh")
    )
    x = np.array([1.0, -2.0])
    np.testing.assert_allclose(dense(layer, jnp.asarray(x)), np.maximum(x @ np.ones((2, 3)), 0))


def test_interval_goes_through_tree_map_and_jit() -> None:
    assert repr(jax.tree.map(lambda v: v * 2, Interval(1.0, 3.0))) == "Interval(lo=2.0, hi=6.0)"
    widened = jax.jit(lambda i: Interval(i.lo - 1, i.hi + 1))(Interval(jnp.array(1.0), 2.0))
    assert isinstance(widened, Interval)
    assert (float(widened.lo), float(widened.hi)) == (0.0, 3.0)


def test_mlp_matches_numpy() -> None:
    params = init_params(jax.random.key(0))
    xs = np.asarray(jax.random.normal(jax.random.key(1), (8, 3)))
    found = jax.vmap(mlp, in_axes=(None, 0))(params, jnp.asarray(xs))
    np.testing.assert_allclose(found, mlp_numpy(params, xs), rtol=1e-5, atol=1e-6)


def test_finite_differences_match_an_analytic_gradient() -> None:
    a = np.array([1.0, -2.0, 0.5])
    grads = finite_difference_grad(
        lambda p: float(np.sum(p["a"] ** 3) + 2 * p["b"]), {"a": a, "b": 1.0}
    )
    np.testing.assert_allclose(grads["a"], 3 * a**2, rtol=1e-6)
    assert grads["b"] == pytest.approx(2.0)


def test_grad_has_the_parameters_structure_and_finite_differences_values() -> None:
    params = init_params(jax.random.key(0), (3, 4, 4, 1))
    xs = jax.random.normal(jax.random.key(1), (6, 3))
    ys = jnp.sin(xs.sum(axis=1, keepdims=True))
    grads = jax.grad(batch_loss)(params, xs, ys)
    assert jax.tree.structure(grads) == jax.tree.structure(params)
    assert grads["readout"].activation == "identity"
    reference = finite_difference_grad(batch_loss_numpy, params, xs, ys)
    for g, r in zip(jax.tree.leaves(grads), jax.tree.leaves(reference), strict=True):
        np.testing.assert_allclose(g, r, rtol=1e-3, atol=1e-5)


def test_a_static_value_traces_and_compiles_once_a_leaf_change_never() -> None:
    layer = init_params(jax.random.key(0))["hidden"][0]
    x = jnp.ones(3)
    calls = [
        (layer, x),
        (dataclasses.replace(layer, weight=2 * layer.weight), x),
        (dataclasses.replace(layer, activation="relu"), x),
        (dataclasses.replace(layer, bias=-layer.bias, activation="relu"), x),
        (layer, 3 * x),
    ]
    apply, log = jit_with_structure_log(dense)
    with count_compiles() as compiles:
        results = [apply(*args) for args in calls]
    assert len(log) == compiles.count == 2
    assert "tanh" in log[0]
    assert "relu" in log[1]
    for found, (lay, v) in zip(results, calls, strict=True):
        np.testing.assert_allclose(found, mlp_numpy({"hidden": [], "readout": lay}, v), rtol=1e-5)


def test_vmap_in_axes_as_a_prefix_matches_a_loop_and_a_non_prefix_raises() -> None:
    params = init_params(jax.random.key(0))
    readouts = [init_params(jax.random.key(k))["readout"] for k in (2, 3)]
    ensemble = {
        "hidden": params["hidden"],
        "readout": jax.tree.map(lambda *v: jnp.stack(v), *readouts),
    }
    x = jnp.array([0.5, -1.0, 2.0])
    found = jax.vmap(mlp, in_axes=({"hidden": None, "readout": 0}, None))(ensemble, x)
    expected = [mlp_numpy({"hidden": params["hidden"], "readout": r}, x) for r in readouts]
    np.testing.assert_allclose(found, np.stack(expected), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="tree prefix"):
        jax.vmap(lambda p: mlp(p, x), in_axes=({"readout": 0},))(ensemble)


@pytest.mark.parametrize("n", [1, 10, 100])
def test_split_leaves_keep_the_data_and_its_sum(n: int) -> None:
    data = jax.random.normal(jax.random.key(5), (1000,))
    tree = split_leaves(data, n)
    assert len(jax.tree.leaves(tree)) == n
    np.testing.assert_array_equal(
        np.concatenate([np.ravel(v) for v in jax.tree.leaves(tree)]), data
    )
    expected = float(np.sum(np.asarray(data, dtype=np.float64)))
    assert float(jax.jit(sum_leaves)(tree)) == pytest.approx(expected, rel=1e-4, abs=1e-4)


def test_a_list_carry_where_a_tuple_came_in_is_an_error_and_a_tuple_fixes_it() -> None:
    def as_list(carry: tuple[Any, Any], x: jax.Array) -> tuple[list[Any], Any]:
        total, count = carry
        return [total + x, count + 1], total + x

    def as_tuple(carry: tuple[Any, Any], x: jax.Array) -> tuple[tuple[Any, Any], Any]:
        total, count = carry
        return (total + x, count + 1), total + x

    with pytest.raises(TypeError, match="same pytree structure"):
        lax.scan(as_list, (0.0, 0), jnp.arange(4.0))
    (total, count), partial = lax.scan(as_tuple, (0.0, 0), jnp.arange(4.0))
    running, after = 0.0, []
    for v in range(4):
        running += v
        after.append(running)
    assert (float(total), int(count)) == (running, 4)
    np.testing.assert_array_equal(partial, after)


def test_tree_map_over_a_none_and_an_array_raises_and_is_leaf_fixes_it() -> None:
    layer_params = {"weight": jnp.ones(2), "bias": None}
    update = {"weight": jnp.full(2, 0.1), "bias": jnp.zeros(2)}
    with pytest.raises(ValueError, match=r"\['bias'\]"):
        jax.tree.map(lambda p, u: p - u, layer_params, update)
    fixed = jax.tree.map(
        lambda p, u: None if p is None else p - u, layer_params, update, is_leaf=lambda v: v is None
    )
    assert fixed["bias"] is None
    np.testing.assert_allclose(fixed["weight"], [0.9, 0.9])
