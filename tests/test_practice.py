"""Each practical's checker accepts a right answer and names the mistake in plausible wrong ones."""

from __future__ import annotations

import copy
import dataclasses
import functools
import os
import re
import subprocess
import sys
import textwrap
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax
from jax.sharding import AxisType
from jax.sharding import PartitionSpec as P

from jaxguide.mitigations import chunked_vmap
from jaxguide.practice import (
    NEWTON_STEPS,
    NOISE,
    Report,
    batch_loss,
    check_batched_rnn,
    check_data_parallel_step,
    check_ensemble_predict,
    check_hvp,
    check_logsumexp,
    check_newton_sqrt,
    check_noisy_batch,
    check_per_example_grads,
    check_rnn,
    check_safe_norm,
    check_sgd_update,
    check_smooth,
    check_soft_nearest_batch,
    check_train_step,
    classify_loss,
    loss,
    predict,
    recognised_mistakes,
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


def shard_map_step(
    average_loss: bool,
    *,
    average_grads: bool | None = None,
    check_vma: bool = True,
    in_specs: Any = None,
    out_specs: Any = None,
    explicit: bool = False,
) -> Fn:
    """A shard_map step: the loss averaged across devices (right), or not; the gradients
    pmean'd (the pmap habit: under shard_map autodiff has summed these already), by default
    where the loss is not."""
    mesh = jax.make_mesh(
        (N,), ("d",), axis_types=(AxisType.Explicit if explicit else AxisType.Auto,)
    )
    average_grads = not average_loss if average_grads is None else average_grads
    in_specs = (P(), P("d"), P("d"), P()) if in_specs is None else in_specs
    out_specs = P() if out_specs is None else out_specs

    def per_device(params, xs, ys, lr):
        if average_loss:
            grads = jax.grad(lambda p: lax.pmean(batch_loss(p, xs, ys), "d"))(params)
        else:
            grads = jax.grad(batch_loss)(params, xs, ys)
        if average_grads:
            grads = lax.pmean(grads, "d")
        return descend(params, grads, lr)

    return jax.shard_map(
        per_device, mesh=mesh, in_specs=in_specs, out_specs=out_specs, check_vma=check_vma
    )


def jit_with_shardings(params, xs, ys, lr):
    """The sharding page's first way: the batch laid out over the devices, the compiler's program."""
    mesh = jax.make_mesh((N,), ("d",), axis_types=(AxisType.Auto,))
    xs, ys = jax.device_put((xs, ys), jax.sharding.NamedSharding(mesh, P("d")))
    return jax.jit(sgd_step)(params, xs, ys, lr)


def pmap_not_reshaped(params, xs, ys, lr):
    """pmap given the batch as it is: its leading axis is the examples, not the devices."""

    def per_device(params, xs, ys, lr):
        return descend(params, lax.pmean(jax.grad(batch_loss)(params, xs, ys), "d"), lr)

    return jax.pmap(per_device, "d", in_axes=(None, 0, 0, None), out_axes=None)(params, xs, ys, lr)


def shard_map_own_squeeze() -> Fn:
    """A squeeze error of the reader's own inside shard_map: not pmap's missing reshape."""
    mesh = jax.make_mesh((N,), ("d",), axis_types=(AxisType.Auto,))

    def per_device(params, xs, ys, lr):
        xs = lax.squeeze(xs, (0,))[None] if xs.shape[0] != 1 else xs
        return descend(params, jax.grad(lambda p: batch_loss(p, xs, ys))(params), lr)

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


# --- mistakes written as a learner writes them -----------------------------------------------
def step_with(change: Fn) -> Fn:
    """A training step whose new parameters are ``change(params, grads, lr)``."""

    def train(params, xs, ys, lr):
        (loss, accuracy), grads = jax.value_and_grad(classify_loss, has_aux=True)(params, xs, ys)
        return change(params, grads, lr), loss, accuracy

    return train


def pmap_broadcast(params, xs, ys, lr):
    """Every device gets the whole batch: the values are right, the split is not."""

    def per_device(params, xs, ys, lr):
        grads = lax.pmean(jax.grad(batch_loss)(params, xs, ys), "d")
        return descend(params, grads, lr)

    run = jax.pmap(per_device, "d", in_axes=(None, 0, 0, None), out_axes=None)
    return run(
        params, jnp.broadcast_to(xs, (N, *xs.shape)), jnp.broadcast_to(ys, (N, *ys.shape)), lr
    )


def shard_map_whole_batch() -> Fn:
    mesh = jax.make_mesh((N,), ("d",), axis_types=(AxisType.Auto,))

    def per_device(params, xs, ys, lr):
        return descend(
            params, jax.grad(lambda p: lax.pmean(batch_loss(p, xs, ys), "d"))(params), lr
        )

    return jax.shard_map(per_device, mesh=mesh, in_specs=(P(),) * 4, out_specs=P())


def shard_map_half_mesh() -> Fn:
    """Half the devices, each with twice its share (on 8 devices: 4 of them)."""
    half = max(N // 2, 1)
    mesh = jax.make_mesh((half,), ("d",), devices=jax.devices()[:half], axis_types=(AxisType.Auto,))

    def per_device(params, xs, ys, lr):
        return descend(
            params, jax.grad(lambda p: lax.pmean(batch_loss(p, xs, ys), "d"))(params), lr
        )

    specs = (P(), P("d"), P("d"), P())
    return jax.shard_map(per_device, mesh=mesh, in_specs=specs, out_specs=P())


def forward_difference(eps: float) -> Fn:
    return lambda f, x, v: (jax.grad(f)(x + eps * v) - jax.grad(f)(x)) / eps


def smooth_late(x, strength, steps):
    states = []
    for _ in range(steps):
        states.append(x)
        x = smooth_step(x, strength)
    return jnp.stack(states)


def nearest_dropping_the_rest(queries, keys):
    whole = len(queries) - len(queries) % 128 or len(queries)
    return lax.map(lambda q: soft_nearest(q, keys), queries[:whole], batch_size=128)


def ensemble_transposed(params, xs):
    return jax.vmap(jax.vmap(predict, in_axes=(None, 0)), in_axes=(MEMBERS, None))(params, xs.T)


def ensemble_einsum(params, xs):
    hidden = jnp.tanh(jnp.einsum("fb,mfh->mbh", xs, params["w1"]) + params["b1"][:, None])
    return hidden @ params["w2"] + params["b2"]


def rnn_from_h0(params, h0, xs):
    return lax.scan(lambda h, x: (h, rnn_cell(params, h0, x)), h0, xs)[1]


def rnn_fori_loop(params, h0, xs):
    def body(t, carry):
        h, states = carry
        h = rnn_cell(params, h, xs[t])
        return h, states.at[t].set(h)

    return lax.fori_loop(0, len(xs), body, (h0, jnp.zeros((len(xs), len(h0)))))[1]


def smooth_hashable_x() -> Fn:
    """x made static through a hashable wrapper: every new x compiles again."""

    class Frozen:
        def __init__(self, x):
            self.x = np.asarray(x)

        def __hash__(self):
            return hash(self.x.tobytes())

        def __eq__(self, other):
            return isinstance(other, Frozen) and np.array_equal(self.x, other.x)

    inner = jax.jit(
        lambda x, strength, steps: smooth(jnp.asarray(x.x), strength, steps), static_argnums=(0, 2)
    )

    def run(x, strength, steps):
        return inner(Frozen(x), strength, steps)

    run.lower = inner.lower  # looks jitted to the check
    return run


def recompiling_smooth() -> Fn:
    """Jitted afresh at every call: the sweep compiles once per call."""

    def run(x, strength, steps):
        return jax.jit(lambda x, s: smooth(x, s, steps))(x, strength)

    run.lower = lambda *a: None
    return run


def train_ordered_dict(params, xs, ys, lr):
    new, loss, accuracy = train_step(params, xs, ys, lr)
    return OrderedDict(sorted(new.items())), loss, accuracy


RIGHT = [
    ("per-example", check_per_example_grads, jax.vmap(jax.grad(loss), in_axes=(None, 0, 0))),
    (
        "per-example-jacrev",
        check_per_example_grads,
        lambda p, xs, ys: jax.jacrev(lambda p: jax.vmap(loss, in_axes=(None, 0, 0))(p, xs, ys))(p),
    ),
    (
        "ensemble",
        check_ensemble_predict,
        jax.vmap(jax.vmap(predict, in_axes=(None, 1)), in_axes=(MEMBERS, None)),
    ),
    (
        "ensemble-axis-minus-one",
        check_ensemble_predict,
        jax.jit(jax.vmap(jax.vmap(predict, in_axes=(None, -1)), in_axes=(MEMBERS, None))),
    ),
    ("ensemble-einsum", check_ensemble_predict, ensemble_einsum),
    ("static", check_smooth, jax.jit(smooth, static_argnames="steps")),
    ("static-argnums", check_smooth, jax.jit(smooth, static_argnums=2)),
    ("train-step", check_train_step, train_step),
    ("train-step-list", check_train_step, lambda *a: list(train_step(*a))),
    (
        "train-step-ordered-dict",
        check_train_step,
        train_ordered_dict,
    ),
    ("budget-lax-map", check_soft_nearest_batch, nearest_chunked),
    (
        "budget-chunked-vmap",
        check_soft_nearest_batch,
        chunked_vmap(soft_nearest, in_axes=(0, None), chunk_size=128),
    ),
    ("parallel-pmap", check_data_parallel_step, pmap_step(lax.pmean)),
    ("parallel-shard-map", check_data_parallel_step, shard_map_step(average_loss=True)),
    (
        "parallel-jit-shard-map",
        check_data_parallel_step,
        jax.jit(shard_map_step(average_loss=True)),
    ),
    (  # with check_vma off, the gradients are the devices' own: pmean them (the sharding page)
        "parallel-shard-map-unchecked-pmean-grads",
        check_data_parallel_step,
        shard_map_step(average_loss=False, check_vma=False),
    ),
    ("hvp-forward-over-reverse", check_hvp, hvp),
    (
        "hvp-reverse-over-reverse",
        check_hvp,
        lambda f, x, v: jax.grad(lambda y: jnp.vdot(jax.grad(f)(y), v))(x),
    ),
    ("hvp-linearize", check_hvp, lambda f, x, v: jax.linearize(jax.grad(f), x)[1](v)),
    ("rnn", check_rnn, run_rnn),
    ("rnn-fori-loop", check_rnn, rnn_fori_loop),
    ("batched-rnn", check_batched_rnn, jax.vmap(run_rnn, in_axes=(None, 0, 0))),
]

several = pytest.mark.skipif(N == 1, reason="on one device a sum across devices is the mean")


def case(
    mistake: str,
    check: Fn,
    fn: Fn,
    words: str,
    *,
    marks: Any = (),
    variant: str = "",
    absent: tuple[str, ...] = (),
) -> Any:
    """A wrong answer: the mistake it makes (as its check names it), words its report must
    hold, and words it must not (the cause of another mistake, another API's explanation)."""
    task = check.__name__.removeprefix("check_")
    slug = "-".join("".join(c if c.isalnum() else " " for c in mistake).split())
    return pytest.param(
        mistake,
        check,
        fn,
        words,
        absent,
        marks=marks,
        id=f"{task}-{slug}{'-' + variant if variant else ''}",
    )


WRONG = [
    # 1. per-example gradients
    case(
        "one gradient for the whole batch",
        check_per_example_grads,
        jax.grad(batch_loss),
        "one gradient for the whole batch",
    ),
    case(
        "the gradient of the summed loss",
        check_per_example_grads,
        jax.grad(lambda p, xs, ys: jnp.sum(jax.vmap(loss, in_axes=(None, 0, 0))(p, xs, ys))),
        "the gradient of the batch's summed loss",
    ),
    case(
        "a Python loop over the examples",
        check_per_example_grads,
        grads_loop,
        "Python loop over the examples",
    ),
    case(
        "the batch's mean gradient repeated for every example",
        check_per_example_grads,
        grads_repeated,
        "the batch's mean gradient, repeated",
    ),
    case(
        "each gradient divided by the batch size",
        check_per_example_grads,
        lambda p, xs, ys: jax.tree.map(
            lambda g: g / len(xs), jax.vmap(jax.grad(loss), in_axes=(None, 0, 0))(p, xs, ys)
        ),
        "divided by the batch size",
    ),
    case(
        "the parameters mapped by vmap",
        check_per_example_grads,
        jax.vmap(jax.grad(loss)),
        "give them in_axes None",
    ),
    case(
        "the gradient with respect to the inputs",
        check_per_example_grads,
        jax.vmap(jax.grad(loss, argnums=1), in_axes=(None, 0, 0)),
        "with respect to its input x",
    ),
    case(
        "jax.grad of a non-scalar loss",
        check_per_example_grads,
        jax.grad(jax.vmap(loss, in_axes=(None, 0, 0))),
        "jax.grad needs a scalar",
    ),
    # 2. ensemble
    case(
        "members and examples swapped",
        check_ensemble_predict,
        jax.vmap(jax.vmap(predict, in_axes=(MEMBERS, None)), in_axes=(None, 1)),
        "members and examples swapped",
    ),
    case(
        "examples cut out of xs with a reshape",
        check_ensemble_predict,
        ensemble_reshaped,
        "reshaped to (batch, features)",
    ),
    case(
        "the examples read from xs's rows (axis 0)",
        check_ensemble_predict,
        jax.vmap(jax.vmap(predict, in_axes=(None, 0)), in_axes=(MEMBERS, None)),
        "map over axis 1",
    ),
    case(
        "a Python loop over members or examples",
        check_ensemble_predict,
        ensemble_loop,
        "Python loop over the members",
    ),
    case(
        "the shared layer given a member axis",
        check_ensemble_predict,
        jax.vmap(jax.vmap(predict, in_axes=(None, 1)), in_axes=(0, None)),
        "give w2 and b2 in_axes None",
    ),
    case("xs transposed", check_ensemble_predict, ensemble_transposed, "xs is transposed"),
    case(
        "the members averaged",
        check_ensemble_predict,
        lambda p, xs: jax.vmap(jax.vmap(predict, in_axes=(None, 1)), in_axes=(MEMBERS, None))(
            p, xs
        ).mean(0),
        "the members' mean prediction",
    ),
    case(
        "only the first member",
        check_ensemble_predict,
        lambda p, xs: jax.vmap(predict, in_axes=(None, 1))(
            {**p, "w1": p["w1"][0], "b1": p["b1"][0]}, xs
        ),
        "the first member's predictions alone",
    ),
    # 3. static argument
    case(
        "a new strength compiled again (strength static)",
        check_smooth,
        jax.jit(smooth, static_argnames=("strength", "steps")),
        "a new strength compiled again",
    ),
    case("steps traced, not static", check_smooth, jax.jit(smooth), "mark it static"),
    case("not jitted", check_smooth, smooth, "not a jitted function"),
    case(
        "x made static",
        check_smooth,
        jax.jit(smooth, static_argnums=(0, 2)),
        "cannot be a static argument",
    ),
    case(
        "a new x compiled again (x static)",
        check_smooth,
        smooth_hashable_x(),
        "a new x of the same shape compiled again",
    ),
    case(
        "the first state repeated",
        check_smooth,
        jax.jit(smooth_repeated, static_argnames="steps"),
        "the first step's state, repeated",
    ),
    case(
        "the states one step late",
        check_smooth,
        jax.jit(smooth_late, static_argnames="steps"),
        "one step late",
    ),
    case(
        "only the final state",
        check_smooth,
        jax.jit(lambda x, s, steps: smooth(x, s, steps)[-1], static_argnames="steps"),
        "the final state alone",
    ),
    case(
        "strength and 1 - strength swapped",
        check_smooth,
        jax.jit(lambda x, s, steps: smooth(x, 1 - s, steps), static_argnames="steps"),
        "strength and 1 - strength swapped",
    ),
    case(
        "jit made afresh at every call",
        check_smooth,
        recompiling_smooth(),
        "compiled again when called a second time with the same arguments",
    ),
    # 4. training step
    case("value_and_grad without has_aux", check_train_step, train_no_aux, "has_aux=True"),
    case(
        "the forward pass run twice",
        check_train_step,
        train_two_passes,
        "the forward pass runs 2 times",
    ),
    case("the step uphill", check_train_step, train_uphill, "a step uphill"),
    case(
        "the loss after the step",
        check_train_step,
        train_loss_after,
        "the loss and accuracy after it",
    ),
    case("loss and accuracy swapped", check_train_step, train_swapped, "loss and accuracy swapped"),
    case("lr ignored", check_train_step, train_ignores_lr, "(lr ignored)"),
    case(
        "the parameters not moved",
        check_train_step,
        lambda p, xs, ys, lr: (p, *classify_loss(p, xs, ys)),
        "the parameters passed in, unchanged",
    ),
    case(
        "weight decay added",
        check_train_step,
        step_with(lambda p, g, lr: jax.tree.map(lambda p, g: p - lr * (g + 1e-3 * p), p, g)),
        "weight decay",
    ),
    case(
        "jax.tree.map's arguments swapped",
        check_train_step,
        step_with(lambda p, g, lr: jax.tree.map(lambda p, g: p - lr * g, g, p)),
        "jax.tree.map's arguments swapped",
    ),
    case(
        "the biases not updated",
        check_train_step,
        step_with(
            lambda p, g, lr: {k: v if k.startswith("b") else v - lr * g[k] for k, v in p.items()}
        ),
        "not the biases",
    ),
    case(
        "the weights not updated",
        check_train_step,
        step_with(
            lambda p, g, lr: {k: v if k.startswith("w") else v - lr * g[k] for k, v in p.items()}
        ),
        "not the weights",
    ),
    case(
        "the gradients returned",
        check_train_step,
        step_with(lambda p, g, lr: g),
        "the gradients, where the new parameters belong",
    ),
    # 5. memory budget
    case(
        "every query's distances at once",
        check_soft_nearest_batch,
        jax.vmap(soft_nearest, in_axes=(0, None)),
        "every query's distances at once (its largest intermediate is (2048, 1024",
    ),
    case(
        "chunks too large for the budget",
        check_soft_nearest_batch,
        lambda qs, ks: lax.map(lambda q: soft_nearest(q, ks), qs, batch_size=1024),
        "computes 1024 queries at a time",
    ),
    case(
        "a Python loop over chunks",
        check_soft_nearest_batch,
        nearest_python_chunks,
        "Python loop over chunks",
    ),
    case(
        "the queries reshaped into whole chunks",
        check_soft_nearest_batch,
        nearest_reshaped,
        "multiple of your chunk size",
    ),
    case(
        "the last, smaller chunk dropped",
        check_soft_nearest_batch,
        nearest_dropping_the_rest,
        "the last partial chunk dropped (44 of them missing)",
    ),
    case(
        "queries and keys swapped",
        check_soft_nearest_batch,
        lambda qs, ks: nearest_chunked(ks, qs),
        "queries and keys swapped",
    ),
    # 6. data-parallel step
    case("no pmap or shard_map", check_data_parallel_step, jax.jit(sgd_step), "runs on one device"),
    case(
        "jit with shardings where shard_map is asked for",
        check_data_parallel_step,
        jit_with_shardings,
        "its values are right, by jit with shardings",
        absent=("runs on one device",),
    ),
    case(
        "one copy of the parameters per device",
        check_data_parallel_step,
        pmap_step(lax.pmean, out_axes=0),
        f"one copy of the new parameters per device (a leading axis of one entry per device), not the one-device sgd_step (['b1'] has shape ({N}, 4), where (4,) is expected)",
    ),
    case(
        "the first device's step alone",
        check_data_parallel_step,
        pmap_step(None),
        "first device's step on its own examples (no average across devices), not the "
        "one-device sgd_step",
        marks=several,
        absent=("shard_map", "check_vma", "the loss"),
    ),
    case(
        "shard_map's check_vma=False: the gradients never combined",
        check_data_parallel_step,
        shard_map_step(average_loss=True, check_vma=False),  # right but for check_vma=False
        "the cause is check_vma=False",
        marks=several,
        absent=("no average across devices", "pmap"),
    ),
    case(
        "no cross-device sum",
        check_data_parallel_step,
        pmap_step(None),
        "no cross-device sum",
        marks=pytest.mark.skipif(N > 1, reason="one device only"),
    ),
    case(
        "the gradients summed across devices, not averaged",
        check_data_parallel_step,
        pmap_step(lax.psum),
        "the step taken with the devices' gradients summed rather than averaged, not the "
        "one-device sgd_step",
        marks=several,
        absent=("shard_map", "autodiff", "times the number of devices"),
    ),
    case(
        "the gradients summed across devices, not averaged",
        check_data_parallel_step,
        pmap_step(lax.psum),
        "under pmap each device's gradient is its own, and lax.psum adds them: average the "
        "gradients across devices with lax.pmean",
        marks=several,
        variant="pmap-why",
    ),
    case(  # the pmap habit under shard_map: a pmean of gradients autodiff has summed
        "the gradients summed across devices, not averaged",
        check_data_parallel_step,
        shard_map_step(average_loss=False),
        "autodiff itself sums the gradient of the replicated parameters (in_specs P()) over "
        "devices, so the gradients come out summed and a pmean of them stays a sum: pmean the "
        "loss",
        marks=several,
        variant="shard-map",
        absent=("psum", "pmap", "times the number of devices"),
    ),
    case(  # no collective at all: autodiff's sum alone
        "the gradients summed across devices, not averaged",
        check_data_parallel_step,
        shard_map_step(average_loss=False, average_grads=False),
        "the devices' gradients summed rather than averaged",
        marks=several,
        variant="shard-map-no-collective",
        absent=("psum", "pmap", "times the number of devices"),
    ),
    case(
        "a shard_map spec that does not fit its argument",
        check_data_parallel_step,
        shard_map_step(average_loss=True, out_specs=P("d")),
        'come back once, replicated: out_specs=P(), not P("devices")',
        absent=("singleton) axis to them —",),
    ),
    case(
        "a shard_map spec that does not fit its argument",
        check_data_parallel_step,
        shard_map_step(average_loss=True, in_specs=(P("d"), P("d"), P("d"), P())),
        'in_specs gives each argument its layout, one entry per argument: (P(), P("devices"), '
        'P("devices"), P())',
        variant="in-specs",
        absent=("out_specs=P(), not",),
    ),
    case(
        "a shard_map spec that does not fit its argument",
        check_data_parallel_step,
        shard_map_step(average_loss=True, in_specs=(P(), P("d"), P("d"))),
        "in_specs gives each argument its layout, one entry per argument",
        variant="three-in-specs",
    ),
    case(
        "a mesh of Explicit axes",
        check_data_parallel_step,
        shard_map_step(average_loss=True, explicit=True),
        "the mesh's axes are Explicit (jax.make_mesh's default)",
        absent=("in_specs gives each argument",),
    ),
    case(
        "the batch not reshaped for pmap",
        check_data_parallel_step,
        pmap_not_reshaped,
        "pmap maps over the leading axis of xs and ys, one entry per device: reshape xs to "
        "(devices, batch / devices, features)",
        marks=several,
        absent=("shard_map",),
    ),
    case(
        "the whole batch on every device",
        check_data_parallel_step,
        shard_map_whole_batch(),
        "every device gets the whole batch",
        marks=several,
    ),
    case(
        "the whole batch on every device",
        check_data_parallel_step,
        pmap_broadcast,
        "every device gets the whole batch",
        marks=several,
        variant="pmap",
    ),
    case(
        "a block that is not batch / devices",
        check_data_parallel_step,
        shard_map_half_mesh(),
        "no device receives 5",
        marks=several,
    ),
    # 7. Hessian-vector product
    case(
        "the Hessian formed in full",
        check_hvp,
        lambda f, x, v: jax.hessian(f)(x) @ v,
        "the Hessian was formed",
    ),
    case(
        "the Hessian formed in full",
        check_hvp,
        hvp_by_columns,
        "the Hessian was formed",
        variant="by-columns",
    ),
    case(
        "jax.jvp's pair (value, tangent)",
        check_hvp,
        lambda f, x, v: jax.jvp(jax.grad(f), (x,), (v,)),
        "the pair jax.jvp returns",
    ),
    case(
        "the derivative of f along v (a scalar)",
        check_hvp,
        lambda f, x, v: jax.jvp(f, (x,), (v,))[1],
        "the derivative of f along v (a scalar)",
    ),
    case(
        "the gradient times v, entry by entry",
        check_hvp,
        lambda f, x, v: jax.grad(f)(x) * v,
        "the gradient scaled entry by entry",
    ),
    case(
        "the gradient of f instead of H·v",
        check_hvp,
        lambda f, x, v: jax.grad(f)(x),
        "your output equals grad(f)(x), the gradient of f, not the product H·v",
    ),
    case(
        "a finite difference of the gradient",
        check_hvp,
        lambda f, x, v: (jax.grad(f)(x + 1e-3 * v) - jax.grad(f)(x - 1e-3 * v)) / 2e-3,
        "a central difference of grad(f) with step 0.001",
    ),
    case(
        "a finite difference of the gradient",
        check_hvp,
        forward_difference(1e-2),
        "a forward difference of grad(f) with step 0.01",
        variant="forward-1e-2",
    ),
    case(
        "a finite difference of the gradient",
        check_hvp,
        forward_difference(5e-3),
        "a forward difference of grad(f) with step 0.005",
        variant="forward-5e-3",
    ),
    case(
        "the scalar vᵀHv",
        check_hvp,
        lambda f, x, v: jnp.vdot(v, hvp(f, x, v)),
        "the curvature along v",
    ),
    case("x and v swapped", check_hvp, lambda f, x, v: hvp(f, v, x), "x and v swapped"),
    # 8. scan, then vmap
    case(
        "the states one step late",
        check_rnn,
        lambda p, h0, xs: lax.scan(lambda h, x: (rnn_cell(p, h, x), h), h0, xs)[1],
        "the states one step late",
    ),
    case(
        "only the final state",
        check_rnn,
        lambda p, h0, xs: lax.scan(lambda h, x: (rnn_cell(p, h, x),) * 2, h0, xs)[0],
        "the final state alone",
    ),
    case(
        "lax.scan's pair returned",
        check_rnn,
        lambda p, h0, xs: lax.scan(lambda h, x: (rnn_cell(p, h, x),) * 2, h0, xs),
        "lax.scan's pair (final state, states)",
    ),
    case(
        "a Python loop over the time steps", check_rnn, rnn_loop, "Python loop over the time steps"
    ),
    case(
        "h0 included as the first state",
        check_rnn,
        lambda p, h0, xs: jnp.concatenate([h0[None], run_rnn(p, h0, xs)]),
        "one row too many",
    ),
    case(
        "every step from h0 (the carry not passed on)",
        check_rnn,
        rnn_from_h0,
        "each step taken from h0",
    ),
    case(
        "the sequence read backwards",
        check_rnn,
        lambda p, h0, xs: lax.scan(lambda h, x: (rnn_cell(p, h, x),) * 2, h0, xs, reverse=True)[1],
        "reverse=True",
    ),
    case(
        "sequences and time steps swapped",
        check_batched_rnn,
        jax.vmap(run_rnn, in_axes=(None, 0, 0), out_axes=1),
        "sequences and time steps swapped",
    ),
    case(
        "the parameters mapped by vmap",
        check_batched_rnn,
        jax.vmap(run_rnn, in_axes=(0, 0, 0)),
        "give them in_axes None (vmap mapped params[",
    ),
    case(
        "every initial state run on each sequence",
        check_batched_rnn,
        jax.vmap(run_rnn, in_axes=(None, None, 0)),
        "map h0s over axis 0 as well",
    ),
    case(
        "the time axis mapped instead of the sequences",
        check_batched_rnn,
        jax.vmap(run_rnn, in_axes=(None, 0, 1)),
        "vmap mapped axis 1 of xs, its time steps",
    ),
    case(
        "sequences taken along the time axis",
        check_batched_rnn,
        lambda p, h0s, xss: (
            jax.vmap(run_rnn, in_axes=(None, 0, 1))(p, h0s, xss)
            if xss.shape[0] == xss.shape[1]
            else jax.vmap(run_rnn, in_axes=(None, 0, 0))(p, h0s, xss)
        ),
        "vmap over axis 1 of xss",
    ),
    case(
        "a Python loop over the sequences or the time steps",
        check_batched_rnn,
        lambda p, h0s, xss: jnp.stack([run_rnn(p, h, xs) for h, xs in zip(h0s, xss, strict=True)]),
        "Python loop over the sequences",
    ),
    case(
        "the states one step late",
        check_batched_rnn,
        jax.vmap(
            lambda p, h0, xs: lax.scan(lambda h, x: (rnn_cell(p, h, x), h), h0, xs)[1],
            in_axes=(None, 0, 0),
        ),
        "one step late (row t is the state before reading xs[t]), on every sequence",
    ),
    case(
        "only the final state",
        check_batched_rnn,
        jax.vmap(lambda p, h0, xs: run_rnn(p, h0, xs)[-1], in_axes=(None, 0, 0)),
        "the final state alone, on every sequence",
    ),
    case(
        "h0 included as the first state",
        check_batched_rnn,
        jax.vmap(
            lambda p, h0, xs: jnp.concatenate([h0[None], run_rnn(p, h0, xs)]), in_axes=(None, 0, 0)
        ),
        "one row too many, on every sequence",
    ),
    case(
        "every step from h0 (the carry not passed on)",
        check_batched_rnn,
        jax.vmap(rnn_from_h0, in_axes=(None, 0, 0)),
        "each step taken from h0",
    ),
    case(
        "the sequence read backwards",
        check_batched_rnn,
        jax.vmap(
            lambda p, h0, xs: lax.scan(lambda h, x: (rnn_cell(p, h, x),) * 2, h0, xs, reverse=True)[
                1
            ],
            in_axes=(None, 0, 0),
        ),
        "reverse=True",
    ),
]


# --- 9. Newton's square root: a loop that jit compiles once and grad differentiates ------------
def newton_fori(a):
    return lax.fori_loop(0, NEWTON_STEPS, lambda _, x: (x + a / x) / 2, a + 1.0)


def newton_scan_length(a):
    return lax.scan(lambda x, _: ((x + a / x) / 2, None), a + 1.0, length=NEWTON_STEPS)[0]


def newton_scan_residual(a):
    """Written as x - f(x) / f'(x) for f(x) = x² - a, scanned over the step numbers."""

    def step(x, _):
        return x - (x * x - a) / (2 * x), None

    return lax.scan(step, a + 1.0, jnp.arange(NEWTON_STEPS))[0]


def newton_fori_pair(a):
    """The carry a pair (a, x), the step checkpointed."""
    step = jax.checkpoint(lambda _, c: (c[0], (c[1] + c[0] / c[1]) / 2))
    return lax.fori_loop(0, NEWTON_STEPS, step, (a, a + 1.0))[1]


def newton_unrolled(a):
    x = a + 1.0
    for _ in range(NEWTON_STEPS):
        x = (x + a / x) / 2
    return x


def newton_python_while(a):
    x = a + 1.0
    while jnp.any(jnp.abs(x * x - a) > 1e-4 * a):
        x = (x + a / x) / 2
    return x


def newton_break(a):
    x = a + 1.0
    for _ in range(NEWTON_STEPS):
        x = (x + a / x) / 2
        if jnp.all(jnp.abs(x * x - a) < 1e-4 * a):
            break
    return x


def newton_checks_sign(a):
    """An if on the values that does not stop the loop early: the general hint, not ours."""
    if jnp.any(a <= 0):
        raise ValueError("a must be positive")
    return newton_fori(a)


def newton_until_close(a):
    return lax.while_loop(
        lambda x: jnp.any(jnp.abs(x * x - a) > 1e-4 * a), lambda x: (x + a / x) / 2, a + 1.0
    )


def newton_while_counting(a):
    def body(c):
        i, x = c
        return i + 1, (x + a / x) / 2

    return lax.while_loop(lambda c: c[0] < NEWTON_STEPS, body, (0, a + 1.0))[1]


def newton_traced_count(a):
    """The count made an array inside the function: traced under jit, so a while_loop."""
    steps = jnp.asarray(NEWTON_STEPS)
    return lax.fori_loop(0, steps, lambda _, x: (x + a / x) / 2, a + 1.0)


def newton_scan_unroll(a):
    return lax.scan(lambda x, _: ((x + a / x) / 2, None), a + 1.0, length=NEWTON_STEPS, unroll=4)[0]


def newton_vmapped(a):
    """One scalar at a time: fori_loop under vmap."""
    return jax.vmap(
        lambda s: lax.fori_loop(0, NEWTON_STEPS, lambda _, x: (x + s / x) / 2, s + 1.0)
    )(a)


def newton_power_two(a):
    """x ** 2.0 is a pow in the jaxpr, of an integral power: not a root."""
    return lax.fori_loop(0, NEWTON_STEPS, lambda _, x: x - (x**2.0 - a) / (2 * x), a + 1.0)


def check_in_x64(check: Fn) -> Fn:
    """The check run with JAX's 64-bit mode on, in this thread only."""

    def check_x64(fn: Fn, **kwargs: Any) -> Report:
        with jax.enable_x64(True):
            return check(fn, **kwargs)

    check_x64.__name__ = check.__name__
    return check_x64


def newton_steps(steps: int) -> Fn:
    return lambda a: lax.fori_loop(0, steps, lambda _, x: (x + a / x) / 2, a + 1.0)


# --- 10. a pytree of parameters, and an SGD step over it --------------------------------------
@jax.tree_util.register_dataclass
@dataclasses.dataclass
class MLP:
    layers: list
    activation: str = dataclasses.field(metadata={"static": True})


@functools.partial(
    jax.tree_util.register_dataclass, data_fields=["layers"], meta_fields=["activation"]
)
@dataclasses.dataclass(frozen=True)
class FieldsNamed:
    layers: list
    activation: str


@jax.tree_util.register_pytree_node_class
class ByHand:
    """A class registered with its own flatten and unflatten, as for a class one cannot change."""

    def __init__(self, layers, activation):
        self.layers, self.activation = layers, activation

    def tree_flatten(self):
        return (self.layers,), self.activation

    @classmethod
    def tree_unflatten(cls, activation, children):
        return cls(children[0], activation)


@dataclasses.dataclass
class Unregistered:
    layers: list
    activation: str


@functools.partial(
    jax.tree_util.register_dataclass, data_fields=["layers", "activation"], meta_fields=[]
)
@dataclasses.dataclass
class ActivationData:
    layers: list
    activation: str


@functools.partial(
    jax.tree_util.register_dataclass, data_fields=[], meta_fields=["layers", "activation"]
)
@dataclasses.dataclass
class AllStatic:
    layers: list
    activation: str


class Meta:
    """Static data without __eq__: two of them compare equal only if they are one object."""

    def __init__(self, activation):
        self.activation = activation


@jax.tree_util.register_pytree_node_class
class FreshMeta(ByHand):
    """Its flatten makes a new Meta each time, so no two of its structures compare equal."""

    def tree_flatten(self):
        return (self.layers,), Meta(self.activation)

    @classmethod
    def tree_unflatten(cls, meta, children):
        return cls(children[0], meta.activation)


@jax.tree_util.register_pytree_node_class
class ItselfStatic(ByHand):
    """Its flatten returns the object itself, arrays and all, as static data."""

    def tree_flatten(self):
        return (self.layers,), self

    @classmethod
    def tree_unflatten(cls, itself, children):
        return cls(children[0], itself.activation)


def check_sgd_update_on(cls: type) -> Fn:
    """check_sgd_update with the class given, so a case passes the step alone."""

    def check_sgd_update_(fn: Fn, **kwargs: Any) -> Report:
        return check_sgd_update(cls, fn, **kwargs)

    check_sgd_update_.__name__ = "check_sgd_update"
    return check_sgd_update_


check_sgd = check_sgd_update_on(MLP)


def sgd_replace(params, grads, lr):
    layers = [
        {k: layer[k] - lr * grad[k] for k in layer}
        for layer, grad in zip(params.layers, grads.layers, strict=True)
    ]
    return dataclasses.replace(params, layers=layers)


def sgd_unflatten(params, grads, lr):
    leaves, treedef = jax.tree.flatten(params)
    return jax.tree.unflatten(
        treedef, [p - lr * g for p, g in zip(leaves, jax.tree.leaves(grads), strict=True)]
    )


def sgd_on_a_copy(params, grads, lr):
    new = copy.deepcopy(params)
    for layer, grad in zip(new.layers, grads.layers, strict=True):
        for k in layer:
            layer[k] = layer[k] - lr * grad[k]
    return new


def sgd_in_place(params, grads, lr):
    for layer, grad in zip(params.layers, grads.layers, strict=True):
        layer["w"] = layer["w"] - lr * grad["w"]
        layer["b"] = layer["b"] - lr * grad["b"]
    return params


def sgd_weights_only(params, grads, lr):
    layers = [
        {"w": layer["w"] - lr * grad["w"], "b": layer["b"]}
        for layer, grad in zip(params.layers, grads.layers, strict=True)
    ]
    return MLP(layers, params.activation)


RIGHT += [
    ("newton-fori-loop", check_newton_sqrt, newton_fori),
    ("newton-scan-length", check_newton_sqrt, newton_scan_length),
    ("newton-scan-residual", check_newton_sqrt, newton_scan_residual),
    ("newton-fori-pair-checkpointed", check_newton_sqrt, newton_fori_pair),
    ("newton-scan-unrolled-by-4", check_newton_sqrt, newton_scan_unroll),
    ("newton-vmapped-scalar", check_newton_sqrt, newton_vmapped),
    ("newton-squared-as-a-power", check_newton_sqrt, newton_power_two),
    ("newton-in-x64", check_in_x64(check_newton_sqrt), newton_fori),
    ("sgd-tree-map", check_sgd, lambda p, g, lr: jax.tree.map(lambda p, g: p - lr * g, p, g)),
    ("sgd-replace", check_sgd, sgd_replace),
    ("sgd-unflatten", check_sgd, sgd_unflatten),
    ("sgd-on-a-copy", check_sgd, sgd_on_a_copy),
    ("sgd-fields-named", check_sgd_update_on(FieldsNamed), descend),
    ("sgd-by-hand", check_sgd_update_on(ByHand), descend),
    ("sgd-by-hand-replace", check_sgd_update_on(ByHand), sgd_unflatten),
]

WRONG += [
    # 9. Newton's square root
    case("a Python loop, unrolled", check_newton_sqrt, newton_unrolled, "a Python loop, unrolled"),
    case(
        "the root in closed form, not Newton's steps",
        check_newton_sqrt,
        jnp.sqrt,
        "its jaxpr holds sqrt and no loop",
    ),
    case(
        "the root in closed form, not Newton's steps",
        check_newton_sqrt,
        lambda a: a**0.5,
        "the root in closed form",
        variant="power",
    ),
    case(
        "a while_loop that stops on the values",
        check_newton_sqrt,
        newton_until_close,
        "its jaxpr holds a while_loop that stops on the values",
    ),
    case(
        "a lax.while_loop counting the steps",
        check_newton_sqrt,
        newton_while_counting,
        "its jaxpr holds a lax.while_loop counting the steps",
    ),
    case(
        "a traced step count",
        check_newton_sqrt,
        newton_traced_count,
        "its jaxpr holds a traced step count",
    ),
    case(
        "a Python while or break on the values",
        check_newton_sqrt,
        newton_python_while,
        "a Python while on the values (`while jnp.any(",
    ),
    case(
        "a Python while or break on the values",
        check_newton_sqrt,
        newton_break,
        "a Python loop left early on the values (`if jnp.all(",
        variant="break",
    ),
    case(
        "another number of steps",
        check_newton_sqrt,
        newton_steps(5),
        "x after another number of Newton steps than NEWTON_STEPS (5 of 20 steps)",
    ),
    case(
        "another number of steps",
        check_newton_sqrt,
        newton_steps(1),
        "(1 of 20 steps)",
        variant="one",
    ),
    # From 9 steps on, the first two ranges of a have converged: the third tells the count.
    case(
        "another number of steps",
        check_newton_sqrt,
        lambda a: lax.fori_loop(1, NEWTON_STEPS, lambda _, x: (x + a / x) / 2, a + 1.0),
        "(19 of 20 steps)",
        variant="from-one",
    ),
    case(
        "another number of steps",
        check_newton_sqrt,
        newton_steps(12),
        "(12 of 20 steps)",
        variant="twelve",
    ),
    case(
        "another number of steps",
        check_newton_sqrt,
        newton_steps(NEWTON_STEPS + 1),
        "(21 of 20 steps)",
        variant="one-more",
    ),
    case(
        "started from a or from 1",
        check_newton_sqrt,
        lambda a: lax.fori_loop(0, NEWTON_STEPS, lambda _, x: (x + a / x) / 2, a),
        "NEWTON_STEPS steps from x = a or x = 1",
    ),
    case(
        "started from a or from 1",
        check_newton_sqrt,
        lambda a: lax.fori_loop(0, NEWTON_STEPS, lambda _, x: (x + a / x) / 2, jnp.ones_like(a)),
        "NEWTON_STEPS steps from x = a or x = 1",
        variant="ones",
    ),
    case(
        "started from a / 2",
        check_newton_sqrt,
        lambda a: lax.fori_loop(0, NEWTON_STEPS, lambda _, x: (x + a / x) / 2, a / 2),
        "NEWTON_STEPS steps from x = a / 2",
    ),
    case(
        "the root in closed form, not Newton's steps",
        check_newton_sqrt,
        lambda a: lax.fori_loop(0, 0, lambda _, x: (x + a / x) / 2, jnp.sqrt(a)),
        "its jaxpr holds sqrt",
        variant="empty-loop",
    ),
    case(
        "the root in closed form, not Newton's steps",
        check_newton_sqrt,
        lambda a: newton_fori(a) * 0 + jnp.sqrt(a),
        "its jaxpr holds sqrt beside its loop",
        variant="beside-a-loop",
    ),
    case(
        "lax.scan's (carry, None) pair returned",
        check_newton_sqrt,
        lambda a: lax.scan(lambda x, _: ((x + a / x) / 2, None), a + 1.0, length=NEWTON_STEPS),
        "lax.scan's pair (final x, None)",
    ),
    case(
        "the step without the halving",
        check_newton_sqrt,
        lambda a: lax.fori_loop(0, NEWTON_STEPS, lambda _, x: x + a / x, a + 1.0),
        "without the division by 2",
    ),
    case(
        "a / x written x / a",
        check_newton_sqrt,
        lambda a: lax.fori_loop(0, NEWTON_STEPS, lambda _, x: (x + x / a) / 2, a + 1.0),
        "a / x written x / a",
    ),
    case(
        "the loop index taken for x",
        check_newton_sqrt,
        lambda a: lax.fori_loop(0, NEWTON_STEPS, lambda x, _: (x + a / x) / 2, a + 1.0),
        "fori_loop's body was written body(x, i)",
    ),
    case(
        "every iterate returned",
        check_newton_sqrt,
        lambda a: lax.scan(lambda x, _: ((x + a / x) / 2,) * 2, a + 1.0, length=NEWTON_STEPS)[1],
        "lax.scan's stacked outputs",
    ),
    case(
        "lax.scan's pair returned",
        check_newton_sqrt,
        lambda a: lax.scan(lambda x, _: ((x + a / x) / 2,) * 2, a + 1.0, length=NEWTON_STEPS),
        "lax.scan's pair (final x, every iterate)",
    ),
    # 10. a pytree and an SGD step
    case(
        "the class not registered",
        check_sgd_update_on(Unregistered),
        descend,
        "JAX sees your Unregistered as one leaf",
    ),
    case(
        "activation declared as data",
        check_sgd_update_on(ActivationData),
        descend,
        "holds the string 'tanh'",
    ),
    case(
        "the layers declared static",
        check_sgd_update_on(AllStatic),
        descend,
        "jax.tree.leaves of your AllStatic is empty",
    ),
    case(
        "static data that does not compare equal",
        check_sgd_update_on(FreshMeta),
        descend,
        "static data that does not compare equal: jax.tree.structure of the same FreshMeta, "
        "taken twice, gives two structures that are not ==, because the static data your "
        "flatten returns (a new Meta each time)",
    ),
    case("the parameters not moved", check_sgd, lambda p, g, lr: p, "the parameters passed in"),
    case(
        "the gradients returned",
        check_sgd,
        lambda p, g, lr: g,
        "the gradients, where the new parameters belong",
    ),
    case(
        "jax.tree.map's arguments swapped",
        check_sgd,
        lambda p, g, lr: jax.tree.map(lambda p, g: p - lr * g, g, p),
        "jax.tree.map's arguments swapped",
    ),
    case(
        "jax.tree.map's arguments swapped",
        check_sgd,
        lambda p, g, lr: jax.tree.map(lambda g, p: p - lr * g, p, g),
        "jax.tree.map's arguments swapped",
        variant="lambda",
    ),
    case(
        "the step uphill",
        check_sgd,
        lambda p, g, lr: jax.tree.map(lambda p, g: p + lr * g, p, g),
        "a step uphill",
    ),
    case("lr ignored", check_sgd, lambda p, g, lr: descend(p, g, 1.0), "(lr ignored)"),
    case(
        "a leaf left un-updated",
        check_sgd,
        sgd_weights_only,
        "(.layers[0]['b'], .layers[1]['b'] left as they were)",
    ),
    case(
        "a leaf left un-updated",
        check_sgd,
        lambda p, g, lr: MLP([descend(p, g, lr).layers[0], *p.layers[1:]], p.activation),
        "(.layers[1]['b'], .layers[1]['w'] left as they were)",
        variant="last-layer",
    ),
    case(
        "the layers list returned",
        check_sgd,
        lambda p, g, lr: descend(p.layers, g.layers, lr),
        "the list of new layers",
    ),
    case(
        "the flat list of leaves returned",
        check_sgd,
        lambda p, g, lr: [
            a - lr * b for a, b in zip(jax.tree.leaves(p), jax.tree.leaves(g), strict=True)
        ],
        "the new leaves in a flat list",
    ),
    case(
        "the parameters changed in place",
        check_sgd,
        sgd_in_place,
        "the parameters changed in place: after your call, params.layers[0]['b']",
    ),
    case(
        "a dict of the fields returned",
        check_sgd,
        lambda p, g, lr: dataclasses.asdict(descend(p, g, lr)),
        "your output is a dict of the fields (a dict with keys activation, layers), not an MLP",
    ),
    case(
        "the activation not carried over",
        check_sgd,
        lambda p, g, lr: MLP(descend(p, g, lr).layers, "tanh"),
        "your MLP has activation 'tanh' where params has 'relu'",
    ),
]


# --- noisy_batch: keys per example and per step ------------------------------------------


def noisy_draw(k, x):
    return x + NOISE * jax.random.normal(k, x.shape)


def noisy_vmap(key, step, xs):
    keys = jax.random.split(jax.random.fold_in(key, step), len(xs))
    return jax.vmap(noisy_draw)(keys, xs)


def noisy_loop(key, step, xs):
    keys = jax.random.split(jax.random.fold_in(key, step), xs.shape[0])
    return jnp.stack([noisy_draw(keys[i], xs[i]) for i in range(xs.shape[0])])


def noisy_legacy_keys(key, step, xs):  # the raw uint32 form of the same keys
    step_key = jax.random.key_data(jax.random.fold_in(key, step))
    keys = jax.random.split(step_key, len(xs))
    return xs + NOISE * jax.vmap(lambda k: jax.random.normal(k, xs.shape[1:]))(keys)


def noisy_numpy(key, step, xs):
    return xs + NOISE * np.random.default_rng().standard_normal(xs.shape).astype(np.float32)


def noisy_numpy_seeded(key, step, xs):  # the same numbers for every key and step
    return xs + NOISE * np.random.default_rng(0).standard_normal(xs.shape).astype(np.float32)


def noisy_no_step(key, step, xs):
    keys = jax.random.split(key, len(xs))
    return jax.vmap(noisy_draw)(keys, xs)


def noisy_one_key(key, step, xs):
    noise = NOISE * jax.random.normal(jax.random.fold_in(key, step), xs.shape[1:])
    return xs + jnp.broadcast_to(noise, xs.shape)


def noisy_reused(key, step, xs):
    return xs + jnp.broadcast_to(NOISE * jax.random.normal(key, xs.shape[1:]), xs.shape)


def noisy_whole_batch(key, step, xs):
    return xs + NOISE * jax.random.normal(jax.random.fold_in(key, step), xs.shape)


def noisy_fold_per_example(key, step, xs):
    step_key = jax.random.fold_in(key, step)
    keys = [jax.random.fold_in(step_key, i) for i in range(len(xs))]
    return jnp.stack([noisy_draw(k, x) for k, x in zip(keys, xs, strict=True)])


def noisy_split_first(key, step, xs):
    keys = jax.random.split(key, len(xs))
    return jnp.stack(
        [noisy_draw(jax.random.fold_in(k, step), x) for k, x in zip(keys, xs, strict=True)]
    )


def noisy_successive(key, step, xs):
    step_key, rows = jax.random.fold_in(key, step), []
    for x in xs:
        step_key, sub = jax.random.split(step_key)
        rows.append(noisy_draw(sub, x))
    return jnp.stack(rows)


def noisy_unscaled(key, step, xs):
    keys = jax.random.split(jax.random.fold_in(key, step), len(xs))
    return xs + jax.vmap(lambda k: jax.random.normal(k, xs.shape[1:]))(keys)


def noisy_noise_only(key, step, xs):  # the noise, without xs added
    keys = jax.random.split(jax.random.fold_in(key, step), len(xs))
    return jax.vmap(lambda k, x: NOISE * jax.random.normal(k, x.shape))(keys, xs)


def noisy_next_step(key, step, xs):
    return noisy_vmap(key, step + 1, xs)


def noisy_one_key_too_many(key, step, xs):
    keys = jax.random.split(jax.random.fold_in(key, step), len(xs) + 1)[1:]
    return jax.vmap(noisy_draw)(keys, xs)


def noisy_fold_from_one(key, step, xs):
    step_key = jax.random.fold_in(key, step)
    return jnp.stack([noisy_draw(jax.random.fold_in(step_key, i + 1), x) for i, x in enumerate(xs)])


def noisy_key_from_step(key, step, xs):  # a key made from the step, the one given ignored
    keys = jax.random.split(jax.random.key(step), len(xs))
    return jax.vmap(noisy_draw)(keys, xs)


def noisy_first_from_step_key(key, step, xs):  # example 0 from the step's key itself
    step_key = jax.random.fold_in(key, step)
    keys = jax.random.split(step_key, len(xs))
    rows = [noisy_draw(step_key, xs[0])] + [
        noisy_draw(k, x) for k, x in zip(keys[1:], xs[1:], strict=True)
    ]
    return jnp.stack(rows)


def test_int_of_the_traced_step_is_told_to_pass_the_step_as_it_is() -> None:
    def noisy_int_step(key, step, xs):
        return noisy_vmap(key, int(step), xs)

    report = check_noisy_batch(noisy_int_step)
    assert not report.passed
    assert "ConcretizationTypeError" in report.message, report.message
    assert "pass step to fold_in as it is: fold_in takes a traced integer" in report.message
    assert "make that argument static" not in report.message.split(" — ")[-1]


RIGHT += [
    ("noisy-vmap", check_noisy_batch, noisy_vmap),
    ("noisy-loop", check_noisy_batch, noisy_loop),
    ("noisy-legacy-keys", check_noisy_batch, noisy_legacy_keys),
    # fold_in(step_key, i) makes the keys split(step_key, n) makes, with threefry partitionable
    ("noisy-fold-in-per-example", check_noisy_batch, noisy_fold_per_example),
]
WRONG += [
    case("a draw with hidden state", check_noisy_batch, noisy_numpy, "a draw with hidden state"),
    case(
        "noise that ignores the key",
        check_noisy_batch,
        noisy_numpy_seeded,
        "under jit, another key",
    ),
    case("fold_in missing", check_noisy_batch, noisy_no_step, "steps 3 and 4 gave the same noise"),
    case(
        "fold_in missing",
        check_noisy_batch,
        noisy_reused,
        "every example got the same noise too",
        variant="and-one-key",
    ),
    case(
        "one key for every example",
        check_noisy_batch,
        noisy_one_key,
        "one draw from fold_in(key, step) added to every example",
    ),
    case(
        "one draw for the whole batch",
        check_noisy_batch,
        noisy_whole_batch,
        "one draw of the whole batch's shape",
    ),
    case(
        "split before fold_in",
        check_noisy_batch,
        noisy_split_first,
        "split and fold_in in the other order",
    ),
    case(
        "keys from successive splits",
        check_noisy_batch,
        noisy_successive,
        "split off one at a time",
    ),
    case(
        "the noise left out",
        check_noisy_batch,
        lambda key, step, xs: xs,
        "your output equals xs unchanged",
    ),
    case("the noise not scaled", check_noisy_batch, noisy_unscaled, "not scaled by NOISE"),
    case(
        "the noise alone",
        check_noisy_batch,
        noisy_noise_only,
        "the noise alone, NOISE * normal(keys[i]), without xs[i]",
    ),
    case("the step off by one", check_noisy_batch, noisy_next_step, "fold_in(key, step + 1)"),
    case(
        "the examples' keys shifted by one",
        check_noisy_batch,
        noisy_one_key_too_many,
        "split(step_key, len(xs) + 1)[1:]",
    ),
    case(
        "the examples' keys shifted by one",
        check_noisy_batch,
        noisy_fold_from_one,
        "example i got the key of example i + 1",
        variant="fold-in-i-plus-1",
    ),
    case(
        "noise that ignores the key",
        check_noisy_batch,
        noisy_key_from_step,
        "the noise comes from the step alone",
        variant="a-key-made-from-the-step",
    ),
    case(
        "example 0 from the step's key",
        check_noisy_batch,
        noisy_first_from_step_key,
        "drawn from the step's key itself",
    ),
]


# --- safe_norm: a finite gradient at zero ----------------------------------------------------


def _sq(x):
    return jnp.sum(x * x)


def norm_double_where(x):
    s = _sq(x)
    return jnp.where(s > 0, jnp.sqrt(jnp.where(s > 0, s, 1.0)), 0.0)


def norm_custom_jvp(x):  # the other right answer: a derivative rule of its own
    @jax.custom_jvp
    def norm(v):
        return jnp.sqrt(_sq(v))

    @norm.defjvp
    def norm_jvp(primals, tangents):
        (v,), (t,) = primals, tangents
        n = norm(v)
        return n, jnp.where(n > 0, jnp.dot(v, t) / jnp.where(n > 0, n, 1.0), 0.0)

    return norm(x)


def norm_custom_jvp_unguarded(x):  # the rule divides by the norm, 0 at zero: NaN
    @jax.custom_jvp
    def norm(v):
        return jnp.sqrt(_sq(v))

    @norm.defjvp
    def norm_jvp(primals, tangents):
        (v,), (t,) = primals, tangents
        n = norm(v)
        return n, jnp.dot(v, t) / n

    return norm(x)


RIGHT += [
    ("safe-norm-double-where", check_safe_norm, norm_double_where),
    ("safe-norm-custom-jvp", check_safe_norm, norm_custom_jvp),
]
WRONG += [
    case("the plain norm", check_safe_norm, lambda x: jnp.sqrt(_sq(x)), "gradient at zero is NaN"),
    case(
        "the plain norm",
        check_safe_norm,
        jnp.linalg.norm,
        "sqrt's derivative at 0 is infinite",
        variant="jnp.linalg.norm",
    ),
    case(
        "one where",
        check_safe_norm,
        lambda x: jnp.where(_sq(x) > 0, jnp.sqrt(_sq(x)), 0.0),
        "grad differentiates both branches",
    ),
    case("eps added", check_safe_norm, lambda x: jnp.sqrt(_sq(x) + 1e-8), "eps = 1e-08"),
    case(
        "s clipped",
        check_safe_norm,
        lambda x: jnp.sqrt(jnp.maximum(_sq(x), 1e-6)),
        "jnp.sqrt(jnp.maximum(s, eps))",
    ),
    case("the squared norm", check_safe_norm, _sq, "the square root left out"),
    case(
        "stop_gradient",
        check_safe_norm,
        lambda x: jax.lax.stop_gradient(norm_double_where(x)),
        "the gradient is zero everywhere",
    ),
    case(
        "a value at zero shifted",
        check_safe_norm,
        lambda x: jnp.sqrt(_sq(x) + 1e-12),
        "the value at zero is 1e-06",
    ),
    case(
        "nan_to_num on the value",
        check_safe_norm,
        lambda x: jnp.nan_to_num(jnp.sqrt(_sq(x))),
        "nan_to_num on the value does not reach it",
        absent=("jnp.where selects",),
    ),
    case(
        "a derivative rule of your own that divides by the norm",
        check_safe_norm,
        norm_custom_jvp_unguarded,
        "x / norm(x) is 0 / 0 there",
        absent=("chain rule multiplies",),
    ),
    case(
        "a clip after the square root",
        check_safe_norm,
        lambda x: jnp.maximum(jnp.sqrt(_sq(x)), 1e-6),
        "jnp.maximum(norm, eps) still differentiates sqrt at 0",
    ),
    case(
        "one where",
        check_safe_norm,
        lambda x: jnp.where(_sq(x) >= 0, jnp.sqrt(jnp.where(_sq(x) >= 0, _sq(x), 1.0)), 0.0),
        "not s >= 0",
        variant="a condition true at zero",
    ),
    case(
        "eps added, then its root subtracted",
        check_safe_norm,
        lambda x: jnp.sqrt(_sq(x) + 1e-6) - 1e-3,
        "eps = 1e-06, read from your value 0.000118",
    ),
    case(
        "a threshold in the condition",
        check_safe_norm,
        lambda x: jnp.where(_sq(x) > 1e-6, jnp.sqrt(jnp.where(_sq(x) > 1e-6, _sq(x), 1.0)), 0.0),
        "sends x = [0.0003, -0.0004, 0], whose norm is 0.0005, to the zero branch",
    ),
    case(
        "not one number",
        check_safe_norm,
        lambda x: jnp.where(x != 0, jnp.sqrt(norm_double_where(x) ** 2), 0.0),
        "put the condition on s = jnp.sum(x * x)",
    ),
    case(
        "not one number",
        check_safe_norm,
        lambda x: (norm_double_where(x), x),
        "the check takes the gradient itself",
        variant="a (value, gradient) pair",
        absent=("a condition on x",),
    ),
]


# --- logsumexp: accurate on 16-bit floats, in their dtype ------------------------------------


def lse_float32(x):
    wide = x.astype(jnp.float32)
    m = jnp.max(wide, axis=-1, keepdims=True)
    return (m[:, 0] + jnp.log(jnp.sum(jnp.exp(wide - m), axis=-1))).astype(x.dtype)


def lse_in_dtype(x):  # the max subtracted, everything in x's dtype (jnp.sum sums in float32)
    m = jnp.max(x, axis=-1)
    return m + jnp.log(jnp.sum(jnp.exp(x - m[:, None]), axis=-1))


def lse_naive(x):
    return jnp.log(jnp.exp(x).sum(axis=-1))


def lse_naive_float32(x):
    return jnp.log(jnp.exp(x.astype(jnp.float32)).sum(axis=-1)).astype(x.dtype)


def lse_global_max(x):
    wide = x.astype(jnp.float32)
    m = wide.max()
    return (m + jnp.log(jnp.exp(wide - m).sum(axis=-1))).astype(x.dtype)


def lse_max_dropped(x):
    wide = x.astype(jnp.float32)
    return jnp.log(jnp.exp(wide - wide.max(axis=-1, keepdims=True)).sum(axis=-1)).astype(x.dtype)


def lse_loop_sum(x):  # a fori_loop adding one column at a time, in x's dtype
    wide = x.astype(jnp.float32)
    m = wide.max(axis=-1, keepdims=True)
    terms = jnp.exp(wide - m).astype(x.dtype)
    total = lax.fori_loop(
        0, x.shape[1], lambda i, acc: acc + terms[:, i], jnp.zeros(x.shape[0], x.dtype)
    )
    return (m[:, 0] + jnp.log(total.astype(jnp.float32))).astype(x.dtype)


def lse_promoted(x):
    wide = x.astype(jnp.float32)
    m = wide.max(axis=-1, keepdims=True)
    return m[:, 0] + jnp.log(jnp.exp(wide - m).sum(axis=-1))


def lse_min_shift(x):  # any shift is right on paper; the row's min overflows exp on a mask
    wide = x.astype(jnp.float32)
    m = wide.min(axis=-1, keepdims=True)
    return (m[:, 0] + jnp.log(jnp.exp(wide - m).sum(axis=-1))).astype(x.dtype)


def lse_column_max(x):  # Hint 1's keepdims=True max added as it is to the row sums
    wide = x.astype(jnp.float32)
    m = wide.max(axis=-1, keepdims=True)
    with jax.numpy_rank_promotion("allow"):  # as a reader runs it: the tests' setting raises
        return (m + jnp.log(jnp.exp(wide - m).sum(axis=-1))).astype(x.dtype)


def lse_mean(x):
    wide = x.astype(jnp.float32)
    m = wide.max(axis=-1, keepdims=True)
    return (m[:, 0] + jnp.log(jnp.exp(wide - m).mean(axis=-1))).astype(x.dtype)


def lse_numpy(x):
    y = np.asarray(x, np.float32)
    m = y.max(axis=-1, keepdims=True)
    return (m[:, 0] + np.log(np.exp(y - m).sum(axis=-1))).astype(x.dtype)


def lse_max_no_keepdims(x):
    wide = x.astype(jnp.float32)
    m = wide.max(axis=-1)
    return (m + jnp.log(jnp.exp(wide - m).sum(axis=-1))).astype(x.dtype)


def lse_float16(x):  # the dtype written in: right for the float16 batch, not the bfloat16
    return lse_float32(x).astype(jnp.float16)


def lse_integer(x):
    return lse_float32(x).astype(jnp.int32)


def lse_log1p(x):  # a right answer written otherwise: log(s) as log1p(s - 1), vmapped per row
    def row(r):
        m = jnp.max(r.astype(jnp.float32))
        return m + jnp.log1p(jnp.sum(jnp.exp(r.astype(jnp.float32) - m)) - 1)

    return jax.vmap(row)(x).astype(x.dtype)


RIGHT += [
    ("lse-float32", check_logsumexp, lse_float32),
    ("lse-in-dtype", check_logsumexp, lse_in_dtype),
    ("lse-jax-nn", check_logsumexp, lambda x: jax.nn.logsumexp(x, axis=-1)),
    ("lse-log1p-vmap", check_logsumexp, lse_log1p),
]
WRONG += [
    case("exp overflowed", check_logsumexp, lse_naive, "computed in the input's dtype"),
    case(
        "the max not subtracted",
        check_logsumexp,
        lse_naive_float32,
        "computed in float32",
        absent=("computed in the input's dtype",),
    ),
    case("the max of the whole batch", check_logsumexp, lse_global_max, "of the whole batch"),
    case("the max not added back", check_logsumexp, lse_max_dropped, "without m added back"),
    case(
        "summed one term at a time in 16 bits",
        check_logsumexp,
        lse_loop_sum,
        "summed one at a time in the input's dtype",
    ),
    case(
        "the result promoted",
        check_logsumexp,
        lse_promoted,
        "came back as float32 for a float16 input",
    ),
    case("the row's min subtracted", check_logsumexp, lse_min_shift, "smallest entry"),
    case("the max kept as a column", check_logsumexp, lse_column_max, "(rows, rows) table"),
    case("the mean, not the sum", check_logsumexp, lse_mean, "less log(n)"),
    case("NumPy on a traced array", check_logsumexp, lse_numpy, "use jax.numpy's"),
    case("the max without keepdims", check_logsumexp, lse_max_no_keepdims, "keepdims=True"),
    case("not a float dtype", check_logsumexp, lse_integer, "came back as int32"),
    case(
        "a fixed dtype",
        check_logsumexp,
        lse_float16,
        "came back as float16 for a bfloat16 input",
        absent=("widened",),
    ),
]


def test_safe_norm_names_the_nan_with_jax_debug_nans_on() -> None:
    """A reader fresh from the debugging page may have the flag on: the check still names the
    mistake, rather than reporting the flag's FloatingPointError."""
    with jax.debug_nans(True):
        report = check_safe_norm(lambda x: jnp.sqrt(_sq(x)))
        assert jax.config.jax_debug_nans  # the reader's setting, left as it was
    assert "the plain norm: the values are right" in report.message, report.message


def test_safe_norm_names_the_point_where_a_value_differs() -> None:
    """An answer no named mistake explains is told where it differs by the point's x."""

    def safe_each_element(x):  # each element made safe, not the sum: wrong near zero
        xs = jnp.where(x == 0, 1.0, x)
        return jnp.where(jnp.all(x == 0), 0.0, jnp.sqrt(jnp.sum(xs * xs)))

    report = check_safe_norm(safe_each_element)
    assert not report.passed
    assert "at x = [0.0003, -0.0004, 0], your value is 1; the norm's is 0.0005" in repr(report)


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: jnp.where(_sq(x) > 0, jnp.sqrt(jnp.where(_sq(x) > 0, _sq(x), 1e-12)), 0.0),
        lambda x: jax.lax.cond(_sq(x) > 0, jnp.sqrt, lambda s: 0.0 * s, _sq(x)),
        lambda x: jnp.sqrt(jnp.where(_sq(x) > 0, _sq(x), jax.lax.stop_gradient(_sq(x)))),
    ],
    ids=["tiny-safe-value", "lax-cond", "stop-gradient-in-the-untaken-branch"],
)
def test_safe_norm_accepts_other_right_answers(fn: Fn) -> None:
    report = check_safe_norm(fn)
    assert report.passed, report


@pytest.mark.parametrize(("name", "check", "fn"), RIGHT, ids=[r[0] for r in RIGHT])
def test_the_checker_accepts_a_right_answer(name: str, check: Fn, fn: Fn) -> None:
    report = check(fn)
    assert report.passed, report
    assert repr(report).startswith("✓ ")


@pytest.mark.parametrize(("mistake", "check", "fn", "words", "absent"), WRONG)
def test_the_checker_names_the_mistake(
    mistake: str, check: Fn, fn: Fn, words: str, absent: tuple[str, ...]
) -> None:
    report = check(fn)
    assert not report.passed, f"{mistake} passed: {report}"
    assert repr(report).startswith("✗ ")
    assert words in report.message, report.message
    for wrong in absent:
        assert wrong not in report.message, report.message
    assert "\n" not in report.message  # one sentence, on one line


def test_the_logsumexp_report_says_how_many_rows_are_correctly_rounded() -> None:
    """A 16-bit inside passes within two roundings; the report counts the rows it rounds off,
    and names float32 inside only because it measured that float32 rounds every row right."""
    right = check_logsumexp(lse_float32)
    assert right.passed, right
    assert "every row the correctly rounded answer" in right.message, right
    narrow = check_logsumexp(lse_in_dtype)
    assert narrow.passed, narrow
    assert re.search(r"\d+ of 10 rows not the correctly rounded answer", narrow.message), narrow
    assert "float32 inside gives on every row" in narrow.message, narrow


def test_every_mistake_a_check_names_has_a_wrong_answer_in_these_tests() -> None:
    """The table on the practicals page lists recognised_mistakes(); each entry is exercised above."""
    cases = {(w.values[1].__name__.removeprefix("check_"), w.values[0]) for w in WRONG}
    tasks = {"run_rnn": "rnn", "run_batch": "batched_rnn"}
    for task, mistakes in recognised_mistakes().items():
        for mistake in mistakes:
            assert (tasks.get(task, task), mistake) in cases, f"{task}: no test for {mistake!r}"
    for task, mistake in cases:
        names = {tasks.get(t, t): m for t, m in recognised_mistakes().items()}[task]
        assert mistake in names, f"{task}: {mistake!r} is not a mistake its check names"


def test_every_checker_names_at_least_six_mistakes() -> None:
    for task, mistakes in recognised_mistakes().items():
        assert len(mistakes) >= 6, (task, mistakes)


def test_a_function_not_written_yet_is_reported_as_such() -> None:
    def per_example_grads(params, xs, ys):
        raise NotImplementedError

    report = check_per_example_grads(per_example_grads)
    assert report.message == "per_example_grads: not written yet (it raises NotImplementedError)"


def test_a_report_reads_as_its_sentence() -> None:
    assert repr(Report(passed=True, message="all good")) == "✓ all good"
    assert str(Report(passed=False, message="wrong shape")) == "✗ wrong shape"
    assert not Report(passed=False, message="wrong shape")


def test_the_data_parallel_report_names_the_function_checked() -> None:
    """The practical asks for step_shard_map and step_pmap: a report says which it checked."""
    right, wrong = shard_map_step(average_loss=True), pmap_step(lax.pmean, out_axes=0)

    def step_shard_map(*args):
        return right(*args)

    def step_pmap(*args):
        return wrong(*args)

    passed, failed = check_data_parallel_step(step_shard_map), check_data_parallel_step(step_pmap)
    assert passed.message.startswith("step_shard_map equals the one-device sgd_step"), passed
    assert failed.message.startswith("step_pmap: your output equals one copy"), failed
    assert "data_parallel_step" not in passed.message + failed.message
    # jit and shard_map keep the name they wrap; a partial has none, and the task names it.
    assert check_data_parallel_step(jax.jit(step_shard_map)).message.startswith("step_shard_map")
    nameless = check_data_parallel_step(functools.partial(wrong))
    assert nameless.message.startswith("data_parallel_step: "), nameless


def test_an_optional_task_left_unwritten_is_skipped_not_failed() -> None:
    def step_pmap(params, xs, ys, lr):
        raise NotImplementedError  # the starter, as it was

    skipped = check_data_parallel_step(step_pmap, optional=True)
    assert skipped.skipped
    assert not skipped.passed
    assert repr(skipped) == (
        "○ step_pmap: skipped (optional): not written yet (it raises NotImplementedError)"
    )
    required = check_data_parallel_step(step_pmap)
    assert not required.skipped
    assert repr(required).startswith("✗ step_pmap: not written yet")
    # Written and wrong, an optional task is checked like any other.
    wrong = check_data_parallel_step(pmap_step(lax.pmean, out_axes=0), optional=True)
    assert not wrong.skipped
    assert repr(wrong).startswith("✗ ")


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


# --- a hint only with its evidence: each hint's look-alike, where the hint must not appear -----
def per_example_with_a_leak() -> Fn:
    kept: list[Any] = []

    def per_example_grads(params, xs, ys):
        kept.append(params)  # tracers, kept past their trace
        return jax.vmap(jax.grad(loss), in_axes=(None, 0, 0))(kept[0], xs, ys)

    return per_example_grads


def smooth_branching(x, strength, steps):
    if strength > 0.5:  # a Python branch on a traced value
        return smooth(x, strength, steps)
    return smooth(x, strength, steps)


LOOKALIKES = [
    # (the check, a wrong answer that looks like a hinted one, words that must be absent,
    #  words that must be present)
    pytest.param(check_hvp, lambda f, x, v: None, "returns a scalar", "got None", id="hvp-none"),
    pytest.param(
        check_hvp,
        lambda f, x, v: None,
        "derivative of f along v",
        "expected an array",
        id="hvp-none-not-jvp-of-f",
    ),
    pytest.param(
        check_hvp,
        lambda f, x, v: hvp(f, x, v).astype(jnp.bfloat16),
        "difference",
        "expected float32, got bfloat16",
        id="hvp-bfloat16",
    ),
    pytest.param(
        check_hvp,
        lambda f, x, v: hvp(f, x, v).astype(jnp.float16),
        "difference",
        "expected float32, got float16",
        id="hvp-float16",
    ),
    pytest.param(
        check_hvp,
        lambda f, x, v: hvp(f, x, v).astype(jnp.int32),
        "difference",
        "expected float32, got int32",
        id="hvp-int32",
    ),
    pytest.param(
        check_hvp,
        lambda f, x, v: hvp(f, x, v) * 1.01,
        "difference",
        "wrong values for the product",
        id="hvp-one-percent-off",
    ),
    pytest.param(
        check_per_example_grads,
        jax.vmap(jax.grad(loss), in_axes=(None, 1, 0)),
        "give them in_axes None",
        "axis 1 of argument x",
        id="per-example-x-axis-1",
    ),
    pytest.param(
        check_per_example_grads,
        jax.grad(jax.vmap(loss, in_axes=(None, 0, 0))),
        "in_axes None",
        "jax.grad needs a scalar",
        id="per-example-grad-of-vector",
    ),
    pytest.param(
        check_train_step,
        lambda p, xs, ys, lr: jax.grad(lambda p: jnp.stack(classify_loss(p, xs, ys)))(p),
        "has_aux",
        "Gradient only defined for scalar-output functions",
        id="train-step-grad-of-an-array",
    ),
    pytest.param(
        check_soft_nearest_batch,
        lambda qs, ks: lax.map(lambda q: soft_nearest(q, ks), qs, batch_size=256),
        "compute the queries a chunk at a time",
        "computes 256 queries at a time",
        id="budget-chunks-of-256",
    ),
    pytest.param(
        check_soft_nearest_batch,
        lambda qs, ks: jnp.reshape(jax.vmap(soft_nearest, in_axes=(0, None))(qs, ks), (-1, 7)),
        "multiple of your chunk size",
        "raised",
        id="budget-another-reshape",
    ),
    pytest.param(
        check_ensemble_predict,
        jax.vmap(jax.vmap(predict, in_axes=(None, 0)), in_axes=(MEMBERS, None)),
        "w2 and b2",
        "an example is a column of xs",
        id="ensemble-rows-not-shared",
    ),
    pytest.param(
        check_ensemble_predict,
        jax.vmap(jax.vmap(predict, in_axes=(None, 1)), in_axes=(MEMBERS, None)),
        "transposed",
        "✓",
        id="ensemble-in-axes-1-is-not-a-transpose",
    ),
    pytest.param(
        check_batched_rnn,
        jax.vmap(run_rnn, in_axes=(None, 0, 1)),
        "give them in_axes None",
        "axis 1 of xs",
        id="batched-rnn-time-axis",
    ),
    pytest.param(
        check_smooth,
        jax.jit(smooth_branching, static_argnames="steps"),
        "static_argnames='steps'",
        "jnp.where or lax.cond",
        id="smooth-branch-on-strength",
    ),
    pytest.param(
        check_per_example_grads,
        per_example_with_a_leak(),
        "in_axes None",
        "outlived the transformation",
        id="per-example-leaked-tracer",
    ),
    pytest.param(
        check_hvp,
        lambda f, x, v: hvp(f, x, v) * float(jnp.sum(x) * 0 + 1),
        "static_argnames",
        "a concrete one is needed",
        id="hvp-float-of-a-tracer",
    ),
    pytest.param(
        check_data_parallel_step,
        pmap_step(lax.pmean),
        "every device gets the whole batch",
        "✓",
        id="data-parallel-right-is-not-whole-batch",
    ),
    pytest.param(
        check_data_parallel_step,
        shard_map_own_squeeze(),
        "pmap maps over the leading axis",
        "cannot select an axis to squeeze out",
        id="data-parallel-own-squeeze-is-not-pmap-unreshaped",
        marks=several,
    ),
]


LOOKALIKES += [
    pytest.param(
        check_ensemble_predict,
        jax.vmap(jax.vmap(predict, in_axes=(None, 1)), in_axes=(0, None)),
        "an example is a column",
        "give w2 and b2 in_axes None",
        id="ensemble-shared-mapped-not-rows",
    ),
    pytest.param(
        check_batched_rnn,
        jax.vmap(run_rnn, in_axes=(0, 0, 0)),
        "its time steps",
        "give them in_axes None",
        id="batched-rnn-params-not-time-axis",
    ),
    pytest.param(
        check_batched_rnn,
        jax.vmap(run_rnn, in_axes=(None, 0, 1)),
        "map h0s over axis 0",
        "its time steps",
        id="batched-rnn-time-axis-not-h0s",
    ),
    pytest.param(
        check_hvp,
        lambda f, x, v: hvp(f, x, v) * float(jnp.sum(x) * 0 + 1),
        "jnp.where",
        "ConcretizationTypeError",
        id="hvp-concretization-not-bool",
    ),
    pytest.param(
        check_smooth,
        jax.jit(smooth, static_argnames=("strength", "steps")),
        "cannot be a static argument",
        "a new strength compiled again",
        id="smooth-strength-static-not-x",
    ),
    pytest.param(
        check_smooth,
        jax.jit(smooth_branching, static_argnames="steps"),
        "outlived",
        "TracerBoolConversionError",
        id="smooth-bool-not-leak",
    ),
]


LOOKALIKES += [
    pytest.param(
        check_newton_sqrt,
        newton_checks_sign,
        "a Python while",
        "a Python if, while or bool() needs a concrete value",
        id="newton-if-is-not-a-while",
    ),
    pytest.param(
        check_newton_sqrt,
        newton_checks_sign,
        "left early",
        "TracerBoolConversionError",
        id="newton-if-is-not-a-break",
    ),
    pytest.param(
        check_newton_sqrt,
        newton_while_counting,
        "stops on the values",
        "counting the steps",
        id="newton-counting-while-is-not-on-the-values",
    ),
    pytest.param(
        check_newton_sqrt,
        newton_until_close,
        "traced step count",
        "stops on the values",
        id="newton-while-on-values-is-not-a-traced-count",
    ),
    pytest.param(
        check_newton_sqrt,
        newton_traced_count,
        "counting the steps",
        "a traced step count",
        id="newton-traced-count-is-not-a-counting-while",
    ),
    pytest.param(
        check_newton_sqrt,
        lambda a: newton_fori(a).astype(jnp.float16),
        "another number of Newton steps",
        "expected float32, got float16",
        id="newton-float16-is-not-another-count",
    ),
    pytest.param(
        check_newton_sqrt,
        newton_power_two,
        "the root in closed form",
        "✓",
        id="newton-a-power-of-two-is-not-a-root",
    ),
    pytest.param(
        check_newton_sqrt,
        lambda a: lax.fori_loop(0, 60, lambda _, x: (x + a / x) / 2, a + 1.0),
        "(60 of 20 steps)",
        "or more of 20 steps, which converge to the root",
        id="newton-converged-count-is-not-named-exactly",
    ),
    pytest.param(
        check_sgd,
        sgd_on_a_copy,
        "changed in place",
        "✓",
        id="sgd-a-copy-changed-is-not-in-place",
    ),
    pytest.param(
        check_sgd,
        lambda p, g, lr: jax.tree.map(lambda p, g: p - 0.5 * lr * g, p, g),
        "lr ignored",
        "wrong values for the new parameters",
        id="sgd-half-the-rate-is-not-lr-ignored",
    ),
    pytest.param(
        check_sgd,
        lambda p, g, lr: MLP(descend(p, g, lr).layers[:1], p.activation),
        "left as",
        "wrong structure",
        id="sgd-a-layer-dropped-is-not-a-leaf-left",
    ),
    pytest.param(
        check_sgd_update_on(ByHand),
        descend,
        "not registered",
        "✓",
        id="sgd-registered-by-hand-is-registered",
    ),
]


@pytest.mark.parametrize(("check", "fn", "absent", "present"), LOOKALIKES)
def test_a_hint_appears_only_with_its_evidence(
    check: Fn, fn: Fn, absent: str, present: str
) -> None:
    report = check(fn)
    assert absent not in repr(report), report
    assert present in repr(report), report


def test_a_message_never_says_expected_x_got_x() -> None:
    reports = [
        check_hvp(lambda f, x, v: hvp(f, x, v).astype(jnp.float16)),
        check_hvp(lambda f, x, v: hvp(f, x, v) * (1 + 3e-4)),
        check_data_parallel_step(pmap_step(lax.pmean, out_axes=0)),
        check_train_step(lambda *a: (OrderedDict(sorted(train_step(*a)[0].items())), 0.0, 0.0)),
    ]
    for report in reports:
        same = re.search(r"expected ([^,;()]+), got \1(\W|$)", report.message)
        assert not same, report


def test_containers_are_compared_by_kind() -> None:
    missing = check_train_step(
        lambda *a: ({k: v for k, v in train_step(*a)[0].items() if k != "b2"}, *train_step(*a)[1:])
    )
    assert "missing keys b2" in missing.message, missing
    pair = check_train_step(lambda *a: train_step(*a)[:2])
    assert "expected a tuple of 3" in pair.message, pair
    assert "got a tuple of 2" in pair.message, pair


def test_jax_errors_come_whole_on_one_line() -> None:
    def long_error(f, x, v):
        raise ValueError("a long first line " + "x" * 300 + " and its end\nsecond line")

    report = check_hvp(long_error)
    assert "and its end second line" in report.message, report
    assert "\n" not in report.message
    assert "…" not in report.message


# --- a deadline on every call ------------------------------------------------------------------
def test_a_sleeping_answer_is_reported_within_the_deadline() -> None:
    start = time.perf_counter()
    report = check_hvp(lambda f, x, v: time.sleep(60), deadline=1)
    took = time.perf_counter() - start
    assert report.message.startswith("hvp: did not finish in 1 s:"), report
    assert took < 5, took
    assert check_hvp(hvp).passed  # and the kernel is left usable


def test_an_endless_loop_is_stopped() -> None:
    def endless(f, x, v):
        while True:
            pass

    start = time.perf_counter()
    report = check_hvp(endless, deadline=1)
    assert "did not finish in 1 s" in report.message, report
    assert time.perf_counter() - start < 5


def test_the_deadline_holds_off_the_main_thread() -> None:
    """Where no alarm can be set (a thread), the call runs in a daemon thread left behind."""
    box: dict[str, Any] = {}
    thread = threading.Thread(
        target=lambda: box.update(report=check_hvp(lambda f, x, v: time.sleep(30), deadline=1))
    )
    start = time.perf_counter()
    thread.start()
    thread.join(10)
    assert "did not finish in 1 s" in box["report"].message
    assert time.perf_counter() - start < 5


def test_a_second_check_of_the_same_function_names_the_same_mistake() -> None:
    """A static argument's programs stay cached between checks: each check probes afresh."""
    strength_static = jax.jit(smooth, static_argnames=("strength", "steps"))
    first, second = check_smooth(strength_static), check_smooth(strength_static)
    assert "a new strength compiled again" in first.message, first
    assert second.message == first.message, second


def test_a_hanging_loop_or_step_hits_the_deadline() -> None:
    def endless(a):
        """A Python loop that never stops, tracing one more step each time round."""
        x = a + 1.0
        while True:
            x = (x + a / x) / 2

    start = time.perf_counter()
    newton = check_newton_sqrt(endless, deadline=1)
    sgd = check_sgd(lambda p, g, lr: time.sleep(60), deadline=1)
    assert newton.message.startswith("newton_sqrt: did not finish in 1 s:"), newton
    assert sgd.message.startswith("sgd_update: did not finish in 1 s:"), sgd
    assert time.perf_counter() - start < 10
    assert check_newton_sqrt(newton_fori).passed  # and the kernel is left usable


def test_a_compiled_loop_that_never_ends_is_reported_within_the_deadline(tmp_path) -> None:
    """A lax.while_loop whose condition stays true runs in XLA, which no signal interrupts: the
    check waits for it with a timeout and says it runs on. A fresh process, so its end ends it."""
    script = tmp_path / "forever.py"
    script.write_text(
        textwrap.dedent(
            """
            import time
            import jax.numpy as jnp
            from jax import lax
            from jaxguide.practice import check_newton_sqrt, NEWTON_STEPS

            def forever(a):
                return lax.while_loop(lambda x: jnp.any(x > -1.0), lambda x: (x + a / x) / 2, a)

            start = time.perf_counter()
            report = check_newton_sqrt(forever, deadline=1)
            print(f"{time.perf_counter() - start:.1f}")
            print(report)
            right = lambda a: lax.fori_loop(0, NEWTON_STEPS, lambda _, x: (x + a / x) / 2, a + 1.0)
            print(check_newton_sqrt(right).passed)
            """
        )
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=True
    )
    took, report, usable = done.stdout.strip().splitlines()
    assert float(took) < 5, took
    assert "did not finish in 1 s: forever() was still running, inside a compiled" in report
    assert "until you restart the kernel" in report
    assert usable == "True", done.stdout  # other computations still run beside it


def test_a_python_loop_that_never_ends_is_stopped_every_time() -> None:
    """The stop is raised again until the loop ends: once alone can land in a callback that
    swallows it (the garbage collector's, which JAX sets), and the loop would run on."""

    def endless(a):
        x, i = a + 1.0, 0
        while i != NEWTON_STEPS + 0.5:  # never equal: a Python loop tracing forever
            x = (x + a / x) / 2
            i += 1
        return x

    for _ in range(3):
        start = time.perf_counter()
        report = check_newton_sqrt(endless, deadline=1)
        assert "did not finish in 1 s" in report.message, report
        assert "was stopped" in report.message, report
        assert time.perf_counter() - start < 5


def test_errors_of_the_jitted_update_say_where_and_never_advise_a_static_lr() -> None:
    """The check requires that a new rate does not compile again: lr must stay traced."""

    def float_lr(params, grads, lr):
        lr = float(lr)
        return descend(params, grads, lr)

    def if_on_lr(params, grads, lr):
        if lr <= 0:
            raise ValueError("lr must be positive")
        return descend(params, grads, lr)

    converted, tested = check_sgd(float_lr), check_sgd(if_on_lr)
    assert "jax.jit(float_lr) raised ConcretizationTypeError" in converted.message, converted
    assert "drop float() and compute with lr as it comes" in converted.message, converted
    assert "jax.jit(if_on_lr) raised TracerBoolConversionError" in tested.message, tested
    assert "jnp.where or jnp.minimum" in tested.message, tested
    for report in (converted, tested):
        assert "static" not in report.message, report


def test_a_gradient_of_another_structure_is_said_on_one_line_without_arrays() -> None:
    report = check_sgd_update_on(ItselfStatic)(descend)
    assert not report.passed
    assert "its static data holds 4 arrays (your flatten returns them" in report.message, report
    assert "\n" not in report.message
    assert "Array(" not in report.message, report


def test_an_error_the_check_meets_outside_a_call_is_a_report() -> None:
    """Whatever the reader's code raises, the check returns a report, never the exception."""

    @jax.tree_util.register_pytree_node_class
    class Fails(ByHand):
        calls = 0

        def tree_flatten(self):
            type(self).calls += 1
            if type(self).calls > 40:
                raise RuntimeError("flatten gave up")
            return super().tree_flatten()

    report = check_sgd_update_on(Fails)(descend)
    assert not report.passed
    assert "RuntimeError" in report.message, report
    assert "flatten gave up" in report.message, report
