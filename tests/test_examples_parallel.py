"""The pmap / shard_map / jit-with-shardings examples: each form against an independent reference."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax
from jax.sharding import PartitionSpec as P

from jaxguide.bench import SUITES, Profile
from jaxguide.bench._points import guarded
from jaxguide.bench.suites.parallel import agreement_record
from jaxguide.claims import CLAIMS, StrictClaim
from jaxguide.examples.parallel import (
    AXIS,
    EXAMPLES,
    LEARNING_RATE,
    ROWS_PER_DEVICE,
    Example,
    Params,
    device_mesh,
    max_difference,
    psum_sharded,
    spread,
    train_step_pmap,
)
from jaxguide.results import Method, Results
from markdown_blocks import DOCS, blocks

N = jax.device_count()


def _numpy_step(params: Params, xs: Any, ys: Any) -> Params:
    """Gradient descent on the mean squared error, gradient written out by hand."""
    w, b, xs, ys = (np.asarray(a, dtype=np.float64) for a in (params.w, params.b, xs, ys))
    residual = xs @ w + b - ys
    grad_w = 2 * xs.T @ residual / len(ys)
    grad_b = 2 * residual.mean()
    return Params(w=w - LEARNING_RATE * grad_w, b=b - LEARNING_RATE * grad_b)


REFERENCES: dict[str, Callable[..., Any]] = {
    "psum": lambda x: x / x.sum(axis=0),
    "pmean": lambda x: x - x.mean(axis=0),
    "pmax": lambda x: x / x.max(axis=0),
    "all_gather": lambda x: np.broadcast_to(x, (N, *x.shape)),
    "ppermute": lambda x: np.roll(x, len(x) // N, axis=0),  # one block on
    "train_step": _numpy_step,
    "vmap": lambda p, xs: np.tanh(np.asarray(xs) @ np.asarray(p.w) + np.asarray(p.b)),
}


def test_the_device_count_is_the_one_asked_for() -> None:
    """8 simulated CPUs by default (conftest.py); the examples must also run on 1 (a GPU runner)."""
    if jax.default_backend() == "cpu":
        assert int(os.environ["JAX_NUM_CPU_DEVICES"]) == N


@pytest.mark.parametrize("per_device", ROWS_PER_DEVICE)
@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_each_form_matches_an_independent_reference(example: Example, per_device: int) -> None:
    mesh = device_mesh()
    args = example.arguments(mesh, per_device)
    host_args = jax.tree.map(np.asarray, args)
    expected = REFERENCES[example.name](*host_args)
    for form in (*example.run(mesh, per_device), example.reference(mesh, per_device)):
        # float32 on devices against float64 / float32 on the host: rounding only.
        assert max_difference(expected, form) < 1e-5


@pytest.mark.parametrize("per_device", ROWS_PER_DEVICE)
@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_the_three_forms_agree(example: Example, per_device: int) -> None:
    """Within float32 rounding: a mean over blocks of several rows, or the training step's
    loss averaged rather than its gradients, adds in another order."""
    assert max_difference(*example.run(device_mesh(), per_device)) <= 1e-6


def _old_share(x: jax.Array) -> jax.Array:
    """The per-device code the sharding page first taught: right for one row per device only."""
    return x / lax.psum(x, AXIS)


def _old_psum_pmap(x: jax.Array) -> jax.Array:
    return jax.pmap(_old_share, axis_name=AXIS)(x)


def _old_psum_shard_map(x: jax.Array, mesh: Any) -> jax.Array:
    mapped = jax.shard_map(_old_share, mesh=mesh, in_specs=P(AXIS), out_specs=P(AXIS))
    return mapped(spread(x, mesh))


def _old_psum_blocks_pmap(x: jax.Array) -> jax.Array:
    """The old per-device code under pmap on blocks of rows, as the examples now run pmap."""
    out = jax.pmap(_old_share, axis_name=AXIS)(x.reshape(N, len(x) // N, *x.shape[1:]))
    return out.reshape(x.shape)


@pytest.mark.parametrize("old_pmap", [_old_psum_pmap, _old_psum_blocks_pmap])
def test_the_claim_fails_on_the_old_per_device_code(old_pmap: Any, tiny_suite: Results) -> None:
    """``_share`` as it was (``x / psum(x)``) adds whole blocks: with several rows per device it
    gives neither the sharded form's answer nor one device's, and the claim says so. (The old
    pmap form, one row per device, cannot take several rows at all: its point errors.)"""
    claim = CLAIMS["parallel-forms-agree"]
    assert claim.evaluate(tiny_suite).status == "holds"
    psum = next(e for e in EXAMPLES if e.name == "psum")
    old = Example("psum", old_pmap, _old_psum_shard_map, psum_sharded, psum.inputs, psum.one_device)
    mesh = device_mesh()
    one_row = agreement_record(old, mesh, 1)
    assert max(float(v) for v in one_row.values.values()) <= 1e-6  # one row each: right
    by_shard_map = _old_psum_shard_map(psum.arguments(mesh, 2)[0], mesh)  # two rows each
    assert max_difference(psum.reference(mesh, 2), by_shard_map) > 0.1
    measured = [
        guarded(
            "agreement",
            "psum",
            {"rows_per_device": k},
            partial(agreement_record, old, mesh, k),
            timeout_s=60,
        )
        for k in ROWS_PER_DEVICE
    ]
    records = [r for r in tiny_suite.records if (r.benchmark, r.variant) != ("agreement", "psum")]
    verdict = claim.evaluate(tiny_suite.model_copy(update={"records": (*records, *measured)}))
    expected = "fails" if old_pmap is _old_psum_blocks_pmap else "not-measured"
    assert verdict.status == expected, verdict.text


def test_the_claim_is_not_measured_without_several_rows(tiny_suite: Results) -> None:
    kept = tuple(r for r in tiny_suite.records if r.params.get("rows_per_device", 1) == 1)
    verdict = CLAIMS["parallel-forms-agree"].evaluate(
        tiny_suite.model_copy(update={"records": kept})
    )
    assert verdict.status == "not-measured", verdict.text


@pytest.mark.skipif(N == 1, reason="on one device every batch divides")
@pytest.mark.parametrize("example", EXAMPLES[:5], ids=[e.name for e in EXAMPLES[:5]])
def test_every_form_refuses_a_batch_that_does_not_divide(example: Example) -> None:
    """The page says so: rows that do not divide evenly over the devices are refused."""
    mesh = device_mesh()
    (x,) = example.inputs(N, 2)
    x = jnp.concatenate([x, x[:1]])  # 2N + 1 rows
    with pytest.raises(TypeError, match="reshape"):  # pmap's blocks: (devices, rows, ...)
        example.pmap(x)
    for form in (example.shard_map, example.sharded):
        with pytest.raises(ValueError, match=f"partitioned {N} times"):
            form(x, mesh)


def test_results_of_mapped_forms_are_spread_over_every_device() -> None:
    x = jnp.arange(1.0, N + 1.0).reshape(N, 1)
    mesh = device_mesh()
    by_pmap, by_shard_map, by_jit = EXAMPLES[0].run(mesh)
    for out in (by_pmap, by_shard_map, by_jit):
        assert len(out.sharding.device_set) == N
    assert len(jax.jit(jax.vmap(lambda r: r / 2))(x).sharding.device_set) == 1


def test_the_training_step_keeps_one_replicated_set_of_parameters() -> None:
    params, xs, ys = EXAMPLES[5].inputs(N)
    new = train_step_pmap(params, xs, ys)
    assert new.w.shape == params.w.shape
    assert new.b.shape == params.b.shape
    assert not np.allclose(new.w, params.w)  # it did step


def test_pmap_refuses_more_rows_than_devices() -> None:
    # Rows that do not divide over the devices cannot be split; rows that divide but give a
    # device more than one (on one device, any second row) cannot be squeezed to one row.
    share = jax.pmap(lambda row: row / lax.psum(row, AXIS), axis_name=AXIS)
    with pytest.raises(ValueError, match=r"partitioned|squeeze"):
        share(jnp.ones((N + 1, 3)))
    with pytest.raises(ValueError, match="squeeze"):
        share(jnp.ones((2 * N, 3)))


def test_pmap_refuses_mismatched_leading_axes() -> None:
    with pytest.raises(ValueError, match="axis"):
        jax.pmap(lambda a, b: a + b)(jnp.ones((N, 2)), jnp.ones((N + 1, 2)))


def test_pmap_out_axes_none_returns_device_0s_copy_unchecked() -> None:
    x = jnp.arange(1.0, N + 1.0).reshape(N, 1)
    assert np.array_equal(jax.pmap(lambda row: 2 * row, out_axes=None)(x), 2 * x[0])


def test_shard_map_refuses_a_varying_value_as_replicated() -> None:
    mesh = device_mesh()
    x = jnp.arange(1.0, N + 1.0).reshape(N, 1)
    with pytest.raises(ValueError, match="out_specs"):
        jax.shard_map(lambda b: 2 * b, mesh=mesh, in_specs=P(AXIS), out_specs=P())(x)


def test_max_difference_refuses_different_shapes() -> None:
    with pytest.raises(ValueError, match="shape"):
        max_difference(jnp.ones(3), jnp.ones(4))


@pytest.fixture(scope="module")
def tiny_suite() -> Any:
    """The parallel suite at the smallest settings: strict claims need no long timings."""
    profile = Profile(
        name="quick",
        method=Method(warmups=0, repeats=3, min_loop_s=0.0),
        max_batch=10,
        max_loop_batch=10,
        point_timeout_s=60,
    )
    return SUITES["parallel"].run(profile)


def test_every_point_of_the_suite_runs(tiny_suite: Any) -> None:
    assert all(r.status == "ok" for r in tiny_suite.records), [
        r.message for r in tiny_suite.records if r.status != "ok"
    ]


@pytest.mark.parametrize(
    "claim_id",
    sorted(c.id for c in CLAIMS.values() if c.suite == "parallel" and isinstance(c, StrictClaim)),
)
def test_strict_parallel_claims_hold_on_a_fresh_run(claim_id: str, tiny_suite: Any) -> None:
    """Timing claims are judged by the site, not asserted here (a loaded machine may fail them);
    their ability to fail and hold is tested on perturbed records in test_claims.py."""
    verdict = CLAIMS[claim_id].evaluate(tiny_suite)
    expected = "holds"
    if N == 1 and claim_id == "vmap-one-device-pmap-spreads":
        expected = "not-applicable"  # one device: nothing to spread over
    assert verdict.status == expected, verdict.text


@pytest.mark.parametrize("check_vma", [True, False])
def test_replicated_gradients_are_summed_only_with_check_vma(check_vma: bool) -> None:
    """With check_vma off, each device keeps its own block's gradient; P() returns device 0's."""
    params, xs, ys = EXAMPLES[5].inputs(N)
    block = xs.shape[0] // N
    mesh = device_mesh()

    def grads(params: Params, xs: jax.Array, ys: jax.Array) -> Params:
        loss = lambda p: lax.pmean(jnp.mean((xs @ p.w + p.b - ys) ** 2), AXIS)
        return jax.grad(loss)(params)

    got = jax.shard_map(
        grads, mesh=mesh, in_specs=(P(), P(AXIS), P(AXIS)), out_specs=P(), check_vma=check_vma
    )(params, xs, ys)
    expected = (
        _numpy_grads(params, xs, ys) if check_vma else _numpy_grads(params, xs[:block], ys[:block])
    )
    assert max_difference(expected, got) < 1e-5


def _numpy_grads(params: Params, xs: Any, ys: Any) -> Params:
    w, b, xs, ys = (np.asarray(a, dtype=np.float64) for a in (params.w, params.b, xs, ys))
    residual = xs @ w + b - ys
    return Params(w=2 * xs.T @ residual / len(ys), b=2 * residual.mean())


@pytest.mark.parametrize("devices", [1, 3])
@pytest.mark.parametrize("name", ["pmap", "shard-map"])
def test_cheatsheet_snippets_print_what_they_say_on_n_devices(
    name: str, devices: int, tmp_path: Any
) -> None:
    """Their output is shown for 8 devices; a comment says what they print on ``n``."""
    (snippet,) = [
        b
        for b in blocks(DOCS / "reference" / "cheatsheet.md")
        if b.kind == "snippet" and b.options.get("name") == name
    ]
    assert "# on n devices: n (n, 4) 1.0 (4n - 1)/2" in snippet.code
    env = {**os.environ, "JAX_NUM_CPU_DEVICES": str(devices), "JAX_PLATFORMS": "cpu"}
    printed = subprocess.run(
        [sys.executable, "-c", snippet.code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    ).stdout.split()
    assert printed == [str(devices), f"({devices},", "4)", "1.0", str((4 * devices - 1) / 2)]
