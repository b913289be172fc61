"""Each practical's checker accepts a right answer and names the mistake in plausible wrong ones."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import pytest
from jax import lax
from jax.sharding import AxisType
from jax.sharding import PartitionSpec as P

from jaxguide.mitigations import chunked_vmap
from jaxguide.practice import (
    Report,
    batch_loss,
    check_batched_rnn,
    check_data_parallel_step,
    check_ensemble_predict,
    check_hvp,
    check_per_example_grads,
    check_rnn,
    check_smooth,
    check_soft_nearest_batch,
    check_train_step,
    classify_loss,
    loss,
    predict,
    rnn_cell,
    sgd_step,
    smooth_step,
    soft_nearest,
)

Fn = Callable[..., Any]
N = jax.device_count()


def descend(params: Any, grads: Any, lr: float) -> Any:
    return jax.tree.map(lambda p, g: p - lr * g, params, grads)


# --- 1. per-example gradients ------------------------------------------------------------
def grads_loop(params, xs, ys):
    grads = [jax.grad(loss)(params, x, y) for x, y in zip(xs, ys, strict=True)]
    return jax.tree.map(lambda *g: jnp.stack(g), *grads)


def grads_repeated(params, xs, ys):
    mean = jax.grad(batch_loss)(params, xs, ys)
    return jax.tree.map(lambda g: jnp.broadcast_to(g, (len(xs), *g.shape)), mean)


# --- 2. an ensemble, examples on axis 1 ----------------------------------------------------
MEMBERS = {"w1": 0, "b1": 0, "w2": None, "b2": None}


def ensemble_loop(params, xs):
    shared = {"w2": params["w2"], "b2": params["b2"]}
    one = jax.vmap(predict, in_axes=(None, 1))
    return jnp.stack(
        [
            one({"w1": w1, "b1": b1, **shared}, xs)
            for w1, b1 in zip(params["w1"], params["b1"], strict=True)
        ]
    )


def ensemble_reshaped(params, xs):
    rows = xs.reshape(xs.shape[1], xs.shape[0])
    return jax.vmap(jax.vmap(predict, in_axes=(None, 0)), in_axes=(MEMBERS, None))(params, rows)


# --- 3. a static argument across a sweep ---------------------------------------------------
def smooth(x, strength, steps):
    states = []
    for _ in range(steps):
        x = smooth_step(x, strength)
        states.append(x)
    return jnp.stack(states)


def smooth_repeated(x, strength, steps):
    return jnp.stack([smooth_step(x, strength)] * steps)


# --- 4. a training step with has_aux --------------------------------------------------------
def train_step(params, xs, ys, lr):
    (loss, accuracy), grads = jax.value_and_grad(classify_loss, has_aux=True)(params, xs, ys)
    return descend(params, grads, lr), loss, accuracy


def train_no_aux(params, xs, ys, lr):
    (loss, accuracy), grads = jax.value_and_grad(classify_loss)(params, xs, ys)
    return descend(params, grads, lr), loss, accuracy


def train_two_passes(params, xs, ys, lr):
    grads = jax.grad(lambda p: classify_loss(p, xs, ys)[0])(params)
    loss, accuracy = classify_loss(params, xs, ys)
    return descend(params, grads, lr), loss, accuracy


def train_uphill(params, xs, ys, lr):
    (loss, accuracy), grads = jax.value_and_grad(classify_loss, has_aux=True)(params, xs, ys)
    return descend(params, grads, -lr), loss, accuracy


def train_loss_after(params, xs, ys, lr):
    _, grads = jax.value_and_grad(classify_loss, has_aux=True)(params, xs, ys)
    new = descend(params, grads, lr)
    return new, *classify_loss(new, xs, ys)


def train_swapped(params, xs, ys, lr):
    new, loss, accuracy = train_step(params, xs, ys, lr)
    return new, accuracy, loss


def train_ignores_lr(params, xs, ys, lr):
    (loss, accuracy), grads = jax.value_and_grad(classify_loss, has_aux=True)(params, xs, ys)
    return descend(params, grads, 1.0), loss, accuracy


# --- 5. a memory budget --------------------------------------------------------------------
def nearest_chunked(queries, keys):
    return lax.map(lambda q: soft_nearest(q, keys), queries, batch_size=128)


def nearest_python_chunks(queries, keys):
    every = jax.vmap(soft_nearest, in_axes=(0, None))
    return jnp.concatenate([every(queries[i : i + 128], keys) for i in range(0, len(queries), 128)])


def nearest_reshaped(queries, keys):
    chunks = queries.reshape(-1, 128, queries.shape[1])
    every = jax.vmap(jax.vmap(soft_nearest, in_axes=(0, None)), in_axes=(0, None))
    return every(chunks, keys).reshape(queries.shape)


# --- 6. a data-parallel step -----------------------------------------------------------------
def pmap_step(average: Fn | None, out_axes: int | None = None) -> Fn:
    def per_device(params, xs, ys, lr):
        grads = jax.grad(batch_loss)(params, xs, ys)
        return descend(params, average(grads, "d") if average else grads, lr)

    def step(params, xs, ys, lr):
        run = jax.pmap(per_device, "d", in_axes=(None, 0, 0, None), out_axes=out_axes)
        return run(params, xs.reshape(N, -1, xs.shape[1]), ys.reshape(N, -1), lr)

    return step


def shard_map_step(average_loss: bool) -> Fn:
    mesh = jax.make_mesh((N,), ("d",), axis_types=(AxisType.Auto,))

    def per_device(params, xs, ys, lr):
        if average_loss:
            grads = jax.grad(lambda p: lax.pmean(batch_loss(p, xs, ys), "d"))(params)
        else:  # the pmap habit: under shard_map autodiff has summed these already
            grads = lax.pmean(jax.grad(batch_loss)(params, xs, ys), "d")
        return descend(params, grads, lr)

    specs = (P(), P("d"), P("d"), P())
    return jax.shard_map(per_device, mesh=mesh, in_specs=specs, out_specs=P())


# --- 7. a Hessian-vector product -------------------------------------------------------------
def hvp(f, x, v):
    return jax.jvp(jax.grad(f), (x,), (v,))[1]


def hvp_by_columns(f, x, v):
    columns = [jax.jvp(jax.grad(f), (x,), (e,))[1] for e in jnp.eye(len(x))]
    return jnp.stack(columns) @ v


# --- 8. a scan, vmapped ------------------------------------------------------------------------
def run_rnn(params, h0, xs):
    def step(h, x):
        h = rnn_cell(params, h, x)
        return h, h

    return lax.scan(step, h0, xs)[1]


def rnn_loop(params, h, xs):
    states = []
    for x in xs:
        h = rnn_cell(params, h, x)
        states.append(h)
    return jnp.stack(states)


RIGHT = [
    ("per-example", check_per_example_grads, jax.vmap(jax.grad(loss), in_axes=(None, 0, 0))),
    (
        "ensemble",
        check_ensemble_predict,
        jax.vmap(jax.vmap(predict, in_axes=(None, 1)), in_axes=(MEMBERS, None)),
    ),
    ("static", check_smooth, jax.jit(smooth, static_argnames="steps")),
    ("train-step", check_train_step, train_step),
    ("budget-lax-map", check_soft_nearest_batch, nearest_chunked),
    (
        "budget-chunked-vmap",
        check_soft_nearest_batch,
        chunked_vmap(soft_nearest, in_axes=(0, None), chunk_size=128),
    ),
    ("parallel-pmap", check_data_parallel_step, pmap_step(lax.pmean)),
    ("parallel-shard-map", check_data_parallel_step, shard_map_step(average_loss=True)),
    ("hvp-forward-over-reverse", check_hvp, hvp),
    (
        "hvp-reverse-over-reverse",
        check_hvp,
        lambda f, x, v: jax.grad(lambda y: jnp.vdot(jax.grad(f)(y), v))(x),
    ),
    ("rnn", check_rnn, run_rnn),
    ("batched-rnn", check_batched_rnn, jax.vmap(run_rnn, in_axes=(None, 0, 0))),
]

several = pytest.mark.skipif(N == 1, reason="on one device a sum across devices is the mean")

WRONG = [
    # 1. per-example gradients
    (
        "batch-gradient",
        check_per_example_grads,
        jax.grad(batch_loss),
        "one gradient for the whole batch",
    ),
    ("python-loop", check_per_example_grads, grads_loop, "Python loop over the examples"),
    ("mean-repeated", check_per_example_grads, grads_repeated, "same gradient"),
    ("params-mapped", check_per_example_grads, jax.vmap(jax.grad(loss)), "give them in_axes None"),
    (
        "gradient-of-inputs",
        check_per_example_grads,
        jax.vmap(jax.grad(loss, argnums=1), in_axes=(None, 0, 0)),
        "wrong structure",
    ),
    # 2. ensemble
    (
        "swapped",
        check_ensemble_predict,
        jax.vmap(jax.vmap(predict, in_axes=(MEMBERS, None)), in_axes=(None, 1)),
        "members and examples are swapped",
    ),
    ("reshape", check_ensemble_predict, ensemble_reshaped, "reshape"),
    (
        "examples-on-axis-0",
        check_ensemble_predict,
        jax.vmap(jax.vmap(predict, in_axes=(None, 0)), in_axes=(MEMBERS, None)),
        "map over its axis 1",
    ),
    ("member-loop", check_ensemble_predict, ensemble_loop, "Python loop over the members"),
    (
        "shared-layer-mapped",
        check_ensemble_predict,
        jax.vmap(jax.vmap(predict, in_axes=(None, 1)), in_axes=(0, None)),
        "give w2 and b2 in_axes None",
    ),
    # 3. static argument
    (
        "strength-static",
        check_smooth,
        jax.jit(smooth, static_argnames=("strength", "steps")),
        "a new strength compiled again",
    ),
    ("steps-traced", check_smooth, jax.jit(smooth), "mark it static"),
    ("not-jitted", check_smooth, smooth, "not a jitted function"),
    ("x-static", check_smooth, jax.jit(smooth, static_argnums=(0, 2)), "cannot be a static"),
    (
        "one-state-repeated",
        check_smooth,
        jax.jit(smooth_repeated, static_argnames="steps"),
        "wrong values for the states at step 1",
    ),
    # 4. training step
    ("no-has-aux", check_train_step, train_no_aux, "has_aux=True"),
    ("two-passes", check_train_step, train_two_passes, "the forward pass runs 2 times"),
    ("uphill", check_train_step, train_uphill, "uphill"),
    ("loss-after-step", check_train_step, train_loss_after, "the loss after the step"),
    ("swapped-aux", check_train_step, train_swapped, "loss and accuracy are swapped"),
    ("ignores-lr", check_train_step, train_ignores_lr, "ignores lr"),
    # 5. memory budget
    (
        "plain-vmap",
        check_soft_nearest_batch,
        jax.vmap(soft_nearest, in_axes=(0, None)),
        "bytes of temporary memory for 2048 queries against 1024 keys, where the budget is 1,048,576",
    ),
    (
        "chunk-too-large",
        check_soft_nearest_batch,
        lambda qs, ks: lax.map(lambda q: soft_nearest(q, ks), qs, batch_size=1024),
        "where the budget is 1,048,576",
    ),
    ("python-chunks", check_soft_nearest_batch, nearest_python_chunks, "Python loop over chunks"),
    ("reshaped-chunks", check_soft_nearest_batch, nearest_reshaped, "multiple of your chunk size"),
    # 6. data-parallel step
    ("one-device", check_data_parallel_step, jax.jit(sgd_step), "runs on one device"),
    (
        "copies-per-device",
        check_data_parallel_step,
        pmap_step(lax.pmean, out_axes=0),
        "one copy of the parameters per device",
    ),
    pytest.param(
        "no-average",
        check_data_parallel_step,
        pmap_step(None),
        "first device's step on its own examples" if N > 1 else "no cross-device sum",
        id="data_parallel_step-no-average",
    ),
    pytest.param(
        "psum",
        check_data_parallel_step,
        pmap_step(lax.psum),
        f"the step is {N}× the one-device step",
        marks=several,
        id="data_parallel_step-psum",
    ),
    pytest.param(
        "shard-map-pmean-of-gradients",
        check_data_parallel_step,
        shard_map_step(average_loss=False),
        "autodiff already sums",
        marks=several,
        id="data_parallel_step-shard-map-pmean-of-gradients",
    ),
    # 7. Hessian-vector product
    ("hessian", check_hvp, lambda f, x, v: jax.hessian(f)(x) @ v, "the Hessian was formed"),
    ("by-columns", check_hvp, hvp_by_columns, "the Hessian was formed"),
    ("jvp-pair", check_hvp, lambda f, x, v: jax.jvp(jax.grad(f), (x,), (v,)), "returns a pair"),
    ("jvp-of-f", check_hvp, lambda f, x, v: jax.jvp(f, (x,), (v,))[1], "returns a scalar"),
    ("gradient-times-v", check_hvp, lambda f, x, v: jax.grad(f)(x) * v, "gradient scaled"),
    (
        "finite-difference",
        check_hvp,
        lambda f, x, v: (jax.grad(f)(x + 1e-3 * v) - jax.grad(f)(x - 1e-3 * v)) / 2e-3,
        "finite difference",
    ),
    # 8. scan, then vmap
    (
        "one-step-late",
        check_rnn,
        lambda p, h0, xs: lax.scan(lambda h, x: (rnn_cell(p, h, x), h), h0, xs)[1],
        "one step late",
    ),
    (
        "final-state",
        check_rnn,
        lambda p, h0, xs: lax.scan(lambda h, x: (rnn_cell(p, h, x),) * 2, h0, xs)[0],
        "only the final state",
    ),
    (
        "scan-pair",
        check_rnn,
        lambda p, h0, xs: lax.scan(lambda h, x: (rnn_cell(p, h, x),) * 2, h0, xs),
        "pair",
    ),
    ("time-loop", check_rnn, rnn_loop, "Python loop over the time steps"),
    (
        "batch-time-swapped",
        check_batched_rnn,
        jax.vmap(run_rnn, in_axes=(None, 0, 0), out_axes=1),
        "sequences and time steps are swapped",
    ),
    (
        "params-mapped",
        check_batched_rnn,
        jax.vmap(run_rnn, in_axes=(0, 0, 0)),
        "give them in_axes None",
    ),
    (
        "h0-shared",
        check_batched_rnn,
        jax.vmap(run_rnn, in_axes=(None, None, 0)),
        "map h0s over axis 0",
    ),
    (
        "sequence-loop",
        check_batched_rnn,
        lambda p, h0s, xss: jnp.stack([run_rnn(p, h, xs) for h, xs in zip(h0s, xss, strict=True)]),
        "Python loop over the sequences",
    ),
]


@pytest.mark.parametrize(("name", "check", "fn"), RIGHT, ids=[r[0] for r in RIGHT])
def test_the_checker_accepts_a_right_answer(name: str, check: Fn, fn: Fn) -> None:
    report = check(fn)
    assert report.passed, report
    assert repr(report).startswith("✓ ")


@pytest.mark.parametrize(
    ("name", "check", "fn", "words"),
    WRONG,
    ids=[
        w.id if hasattr(w, "id") else f"{w[1].__name__.removeprefix('check_')}-{w[0]}"
        for w in WRONG
    ],
)
def test_the_checker_names_the_mistake(name: str, check: Fn, fn: Fn, words: str) -> None:
    report = check(fn)
    assert not report.passed, f"{name} passed: {report}"
    assert repr(report).startswith("✗ ")
    assert words in report.message, report.message
    assert "\n" not in report.message  # one sentence, on one line


def test_every_checker_has_three_named_mistakes() -> None:
    checks = [w.values[1] if hasattr(w, "values") else w[1] for w in WRONG]
    for _, check, _ in RIGHT:
        assert checks.count(check) >= 3, check.__name__


def test_a_function_not_written_yet_is_reported_as_such() -> None:
    def per_example_grads(params, xs, ys):
        raise NotImplementedError

    report = check_per_example_grads(per_example_grads)
    assert report.message == "per_example_grads: not written yet (it raises NotImplementedError)"


def test_a_report_reads_as_its_sentence() -> None:
    assert repr(Report(passed=True, message="all good")) == "✓ all good"
    assert str(Report(passed=False, message="wrong shape")) == "✗ wrong shape"
    assert not Report(passed=False, message="wrong shape")


def test_the_data_parallel_checker_runs_on_one_device(tmp_path) -> None:
    """The practical runs on one device too; there the report says what it cannot check."""
    code = textwrap.dedent("""
        import jax
        from jax import lax
        from jaxguide.practice import batch_loss, check_data_parallel_step, sgd_step

        def per_device(params, xs, ys, lr):
            grads = lax.pmean(jax.grad(batch_loss)(params, xs, ys), "d")
            return jax.tree.map(lambda p, g: p - lr * g, params, grads)

        def step(params, xs, ys, lr):
            run = jax.pmap(per_device, "d", in_axes=(None, 0, 0, None), out_axes=None)
            return run(params, xs.reshape(1, *xs.shape), ys.reshape(1, -1), lr)

        assert jax.device_count() == 1
        print(check_data_parallel_step(step))
        print(check_data_parallel_step(jax.jit(sgd_step)))
    """)
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env={**os.environ, "JAX_NUM_CPU_DEVICES": "1"},
    )
    assert result.returncode == 0, result.stderr
    passed, failed = result.stdout.splitlines()
    assert passed.startswith("✓ "), passed
    assert "checked on 1 device, where a sum and a mean" in passed
    assert failed.startswith("✗ "), failed
    assert "runs on one device" in failed
