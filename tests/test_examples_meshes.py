"""The two-dimensional mesh examples: the block against NumPy, collectives counted, training."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.sharding import NamedSharding
from jax.sharding import PartitionSpec as P

from jaxguide.examples.meshes import (
    COLLECTIVES,
    block_inputs,
    collectives_in,
    mlp_block,
    mlp_block_automatic,
    mlp_block_shard_map,
    model_mesh,
    train,
)
from jaxguide.examples.parallel import Params, sgd_step

MESH = model_mesh()
INPUTS = block_inputs(MESH, rows=16, width=32)
SPREAD = MESH.shape["model"] > 1


def _numpy_block(x: Any, w1: Any, w2: Any) -> Any:
    x, w1, w2 = (np.asarray(a, dtype=np.float64) for a in (x, w1, w2))
    return np.maximum(x @ w1, 0.0) @ w2


def test_the_mesh_has_a_model_axis_of_two_where_the_devices_allow() -> None:
    assert MESH.axis_names == ("data", "model")
    assert MESH.size == jax.device_count()
    assert MESH.shape["model"] == (2 if jax.device_count() % 2 == 0 else 1)


def test_inputs_are_laid_out_for_model_parallelism() -> None:
    x, w1, w2 = INPUTS
    assert (x.sharding.spec, w1.sharding.spec, w2.sharding.spec) == (
        P("data", None),
        P(None, "model"),
        P("model", None),
    )
    assert w1.shape == (32, 64)


@pytest.mark.parametrize("form", [mlp_block_shard_map, mlp_block_automatic])
def test_each_form_computes_the_block(form: Any) -> None:
    out = form(MESH)(*INPUTS)
    np.testing.assert_allclose(np.asarray(out), _numpy_block(*INPUTS), rtol=1e-5, atol=1e-5)
    assert out.sharding.spec == P("data", None)


def test_a_wrong_hidden_layer_would_be_caught() -> None:
    x, w1, w2 = INPUTS
    assert not np.allclose(np.asarray(mlp_block(x, w1, -w2)), _numpy_block(x, w1, w2), atol=1e-3)


def test_collectives_are_counted_from_the_compiled_program() -> None:
    by_hand = collectives_in(mlp_block_shard_map(MESH), *INPUTS)
    assert set(by_hand) == set(COLLECTIVES)
    assert by_hand["all-reduce"] == 1
    assert sum(by_hand.values()) == 1
    whole = NamedSharding(MESH, P())
    x, w1, w2 = INPUTS
    replicated = collectives_in(
        jax.jit(mlp_block), x, jax.device_put(w1, whole), jax.device_put(w2, whole)
    )
    assert sum(replicated.values()) == 0
    if SPREAD:  # split w1 by rows: the compiler must move data to multiply
        by_rows = jax.device_put(w1, NamedSharding(MESH, P("model", None)))
        assert sum(collectives_in(jax.jit(mlp_block), x, by_rows, w2).values()) >= 1


def test_train_stacks_the_parameters_after_every_step() -> None:
    params = Params(w=jnp.zeros(3), b=jnp.zeros(()))
    xs = jnp.ones((8, 3))
    ys = jnp.ones(8)
    trajectory = train(jax.jit(sgd_step), params, xs, ys, steps=3)
    assert trajectory.w.shape == (3, 3)
    assert trajectory.b.shape == (3,)
    step_by_step = [params := sgd_step(params, xs, ys) for _ in range(3)]
    np.testing.assert_allclose(trajectory.b, [p.b for p in step_by_step], rtol=1e-6)
    assert not np.allclose(trajectory.b[0], trajectory.b[-1])
