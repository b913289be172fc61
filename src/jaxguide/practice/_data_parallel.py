"""Practical: a data-parallel training step, gradients averaged across devices."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import numpy as np

from jaxguide.practice._jaxpr import equations, primitive_counts
from jaxguide.practice._models import init_mlp, sgd_step
from jaxguide.practice._report import Mistake, Wrong, call, checker, identify
from jaxguide.practice._trees import compare

__all__ = ["check_data_parallel_step"]

FEATURES, PER_DEVICE, RATES = 3, 4, (0.1, 0.3)
PROBE = 5
"""Examples per device when the jaxpr is read: 5 × 3 features matches no parameter's size."""
RTOL, ATOL = 1e-5, 1e-6
"""Averaging on several devices adds in another order than one device does: float32 rounding."""
PARALLEL = {"shard_map", "xla_pmap"}  # pmap is built on shard_map in this JAX

_reference = jax.jit(sgd_step)


def _averages(primitives: set[str]) -> bool:
    return any(
        p.startswith("psum") or p in {"pmean", "all_gather", "reduce_scatter"} for p in primitives
    )


def _devices() -> int:
    return jax.device_count()


WRONGS = (
    Wrong(
        "one copy of the parameters per device",
        "one copy of the new parameters per device (a leading axis of one entry per device)",
        lambda p, xs, ys, lr: jax.tree.map(
            lambda e: np.broadcast_to(e, (_devices(), *np.shape(e))), _reference(p, xs, ys, lr)
        ),
        "return one set, e.g. with pmap's out_axes=None or shard_map's out_specs=P()",
    ),
    Wrong(
        "the gradients summed across devices, not averaged",
        "the one-device step times the number of devices (the gradients summed across devices)",
        lambda p, xs, ys, lr: (
            jax.tree.map(lambda q, e: q + _devices() * (e - q), p, _reference(p, xs, ys, lr))
            if _devices() > 1
            else None
        ),
        "psum where pmean is meant; under shard_map, autodiff already sums the gradient of "
        "replicated parameters, so average the loss instead",
    ),
    Wrong(
        "the first device's step alone",
        "the first device's step on its own examples (no average across devices)",
        lambda p, xs, ys, lr: (
            _reference(p, xs[: len(xs) // _devices()], ys[: len(ys) // _devices()], lr)
            if _devices() > 1
            else None
        ),
        "average the gradients (or the loss) across devices with pmean",
    ),
)
STRUCTURE = (
    "no pmap or shard_map",
    "no cross-device sum",
    "the whole batch on every device",
    "a block that is not batch / devices",
)


def _bodies(fn: Callable[..., Any], *args: Any) -> list[tuple[str, list[tuple[int, ...]]]]:
    """Each parallel map in ``fn``'s jaxpr, with the shapes of what one device receives."""
    found = []
    for eqn in equations(fn, *args):
        if eqn.primitive.name in PARALLEL:
            body = eqn.params.get("jaxpr", eqn.params.get("call_jaxpr"))
            body = getattr(body, "jaxpr", body)
            found.append((eqn.primitive.name, [tuple(v.aval.shape) for v in body.invars]))
    return found


def _check_blocks(fn: Callable[..., Any], params: Any, n: int) -> None:
    """Each device must receive batch / n examples of xs and of ys, and never the whole batch."""
    batch = PROBE * n
    xs, ys = np.zeros((batch, FEATURES), np.float32), np.zeros(batch, np.float32)
    bodies = _bodies(fn, params, xs, ys, 0.1)
    for name, blocks in bodies:
        sizes = [int(np.prod(b)) for b in blocks]
        if batch * FEATURES in sizes or batch in sizes:
            whole = blocks[sizes.index(batch * FEATURES if batch * FEATURES in sizes else batch)]
            raise Mistake(
                f"every device gets the whole batch: for {batch} examples on {n} devices, each "
                f"device's block inside the {name} is {whole}, where it should hold "
                f"{batch} / {n} = {PROBE} examples (split xs and ys along the batch: "
                'P("devices") in shard_map\'s in_specs, or a leading axis of one entry per '
                "device for pmap)"
            )
    if not any(
        PROBE * FEATURES in s and PROBE in s
        for s in ([int(np.prod(b)) for b in blocks] for _, blocks in bodies)
    ):
        shapes = "; ".join(f"{name}: {', '.join(map(str, blocks))}" for name, blocks in bodies)
        raise Mistake(
            f"no device receives {PROBE} = {batch} / {n} examples: for {batch} examples on "
            f"{n} devices its blocks are {shapes}; give each device batch / devices examples"
        )


@checker("data_parallel_step", (*WRONGS, *STRUCTURE))
def check_data_parallel_step(fn: Callable[..., Any]) -> str:
    """Check ``fn(params, xs, ys, lr)``: :func:`sgd_step`, computed across every device.

    ``xs`` (batch, features) and ``ys`` (batch,) hold ``4 × jax.device_count()`` examples.
    The new parameters must equal the one-device :func:`sgd_step` to within a relative 1e-5
    (absolute 1e-6), and the jaxpr must hold a ``pmap`` or ``shard_map`` and a cross-device
    sum (``psum``/``pmean``); inside the parallel map each device must receive batch / devices
    examples of ``xs`` and ``ys``, not the whole batch (read from the shapes its body receives
    for a batch of 5 per device). On one device a sum and a mean across devices agree, and a
    block is the whole batch, so only several devices tell them apart: the report says which
    it ran on.

    >>> import jax
    >>> from jax import lax
    >>> from jaxguide.practice import batch_loss
    >>> def per_device(params, xs, ys, lr):
    ...     grads = lax.pmean(jax.grad(batch_loss)(params, xs, ys), "devices")
    ...     return jax.tree.map(lambda p, g: p - lr * g, params, grads)
    >>> def data_parallel_step(params, xs, ys, lr):
    ...     n = jax.device_count()
    ...     step = jax.pmap(per_device, "devices", in_axes=(None, 0, 0, None), out_axes=None)
    ...     return step(params, xs.reshape(n, -1, xs.shape[1]), ys.reshape(n, -1), lr)
    >>> check_data_parallel_step(data_parallel_step)
    ✓ ...
    >>> check_data_parallel_step(jax.jit(sgd_step))
    ✗ data_parallel_step: runs on one device: ...
    """
    n = jax.device_count()
    batch = PER_DEVICE * n
    rng = np.random.default_rng(6)
    for seed, lr in enumerate(RATES):
        params = init_mlp(seed, FEATURES)
        xs = rng.standard_normal((batch, FEATURES), dtype=np.float32)
        ys = rng.standard_normal(batch, dtype=np.float32)
        got = call(fn, params, xs, ys, lr, jit=True)
        expected = _reference(params, xs, ys, lr)
        identify(
            got,
            expected,
            WRONGS,
            (params, xs, ys, lr),
            what="the one-device sgd_step",
            rtol=RTOL,
            atol=ATOL,
        )
        compare(got, expected, what="new_params", rtol=RTOL, atol=ATOL)
    primitives = set(primitive_counts(fn, params, xs, ys, 0.1))
    if not primitives & PARALLEL:
        raise Mistake("runs on one device: its jaxpr has no pmap or shard_map")
    if not _averages(primitives):
        raise Mistake(
            "no cross-device sum (psum or pmean) in its jaxpr: each device steps with its own "
            "gradient instead of the average over devices"
        )
    if n > 1:
        _check_blocks(fn, params, n)
    if n > 1:
        return (
            f"data_parallel_step equals the one-device sgd_step (to a relative 1e-5) on "
            f"{len(RATES)} random batches, and its jaxpr gives each device batch / devices "
            f"examples and sums across devices; checked on {n} devices"
        )
    return (
        f"data_parallel_step equals the one-device sgd_step (to a relative 1e-5) on "
        f"{len(RATES)} random batches, and its jaxpr holds a parallel map and a cross-device "
        "sum; checked on 1 device, where a sum and a mean across devices agree and one device's "
        "block is the whole batch: run it on several to check the averaging and the split"
    )
