"""Practical: a data-parallel training step, gradients averaged across devices."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import numpy as np

from jaxguide.practice._jaxpr import primitive_counts
from jaxguide.practice._models import init_mlp, sgd_step
from jaxguide.practice._report import Mistake, call, checker
from jaxguide.practice._trees import close, compare

__all__ = ["check_data_parallel_step"]

FEATURES, PER_DEVICE, RATES = 3, 4, (0.1, 0.3)
RTOL, ATOL = 1e-5, 1e-6
"""Averaging on several devices adds in another order than one device does: float32 rounding."""
PARALLEL = {"shard_map", "xla_pmap"}  # pmap is built on shard_map in this JAX


def _averages(primitives: set[str]) -> bool:
    return any(
        p.startswith("psum") or p in {"pmean", "all_gather", "reduce_scatter"} for p in primitives
    )


@checker("data_parallel_step")
def check_data_parallel_step(fn: Callable[..., Any]) -> str:
    """Check ``fn(params, xs, ys, lr)``: :func:`sgd_step`, computed across every device.

    ``xs`` (batch, features) and ``ys`` (batch,) hold ``4 × jax.device_count()`` examples.
    The new parameters must equal the one-device :func:`sgd_step` to within a relative 1e-5
    (absolute 1e-6), and the jaxpr must hold a ``pmap`` or ``shard_map`` and a cross-device
    sum (``psum``/``pmean``). On one device a sum and a mean across devices agree, so only
    several devices tell them apart: the report says which it ran on.

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
    reference = jax.jit(sgd_step)
    for seed, lr in enumerate(RATES):
        params = init_mlp(seed, FEATURES)
        xs = rng.standard_normal((batch, FEATURES), dtype=np.float32)
        ys = rng.standard_normal(batch, dtype=np.float32)
        got = call(fn, params, xs, ys, lr, jit=True)
        expected = reference(params, xs, ys, lr)
        copies = jax.tree.map(lambda e: np.broadcast_to(e, (n, *np.shape(e))), expected)
        if close(got, copies, RTOL, ATOL):
            raise Mistake(
                f"returns one copy of the parameters per device (a leading axis of {n}): "
                "return one set, e.g. with pmap's out_axes=None or shard_map's out_specs=P()"
            )
        if n > 1:
            _diagnose(
                got, params, expected, reference(params, xs[:PER_DEVICE], ys[:PER_DEVICE], lr), n
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
    devices = (
        f"{n} devices"
        if n > 1
        else (
            "1 device, where a sum and a mean across devices agree: run it on several to check the "
            "averaging"
        )
    )
    return (
        f"data_parallel_step equals the one-device sgd_step (to a relative 1e-5) on "
        f"{len(RATES)} random batches, and its jaxpr splits the work and sums across devices; "
        f"checked on {devices}"
    )


def _diagnose(got: Any, params: Any, expected: Any, first_device: Any, n: int) -> None:
    """Name the two usual ways of averaging wrongly (seen only with several devices)."""
    scaled = jax.tree.map(lambda p, e: p + n * (e - p), params, expected)
    if close(got, scaled, RTOL, ATOL):
        raise Mistake(
            f"the step is {n}× the one-device step: the gradients were summed across the {n} "
            "devices, not averaged (psum where pmean is meant; under shard_map, autodiff "
            "already sums the gradient of replicated parameters, so average the loss instead)"
        )
    if close(got, first_device, RTOL, ATOL):
        raise Mistake(
            "the result is the first device's step on its own examples: the gradients were "
            "not averaged across devices"
        )
