"""The ``autodiff`` suite: Hessian-vector products three ways, and gradient checkpointing.

Benchmarks (variants in brackets):

- ``hvp-agreement`` [check] by ``dim``: each HVP's largest difference from
  ``jax.hessian(f)(x) @ v``, relative to that product's largest entry;
- ``hvp-memory`` [fwd-over-rev, rev-over-fwd, rev-over-rev, hessian] by ``dim``: XLA's
  temporary bytes of each, compiled for shapes only (nothing is allocated);
- ``hvp-time`` [fwd-over-rev, rev-over-fwd, rev-over-rev] by ``dim``: timed interleaved;
- ``checkpoint`` [no-checkpoint, nothing_saveable, dots_saveable, save_only_these_names]:
  the gradient of a deep MLP under each checkpoint policy, its temporary bytes and its time;
- ``softplus`` [check]: the three softplus derivatives against the analytic ``sigmoid(x)`` and
  ``sigmoid(x)(1 - sigmoid(x))`` (float64 NumPy) at :data:`SOFTPLUS_POINTS`: the custom_jvp
  one's gradient, Hessian and forward-over-reverse HVP, the rewritten one's gradient at 0 and
  elsewhere, and how many forward-mode transformations of the custom_vjp one raise.

The function differentiated is :func:`jaxguide.examples.autodiff.coupled_energy`.

>>> SUITE.name, sorted({b for b, _ in SUITE.produces})
('autodiff', ['checkpoint', 'hvp-agreement', 'hvp-memory', 'hvp-time', 'softplus'])
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxguide.bench._memory import compiled_memory
from jaxguide.bench._points import guarded, guarded_group
from jaxguide.bench._suites import Point, Profile, Suite
from jaxguide.bench._timing import Call, time_calls
from jaxguide.examples.autodiff import (
    HVPS,
    POLICIES,
    coupled_energy,
    deep_mlp_loss,
    hvp_fwd_over_rev,
    init_deep_mlp,
    rewritten_softplus,
    softplus_jvp,
    stable_softplus,
)
from jaxguide.results import Memory, Record, Scalar, benchmark_variants

__all__ = [
    "CHECKPOINT_SHAPE",
    "SOFTPLUS_POINTS",
    "SUITE",
    "agreement_dims",
    "memory_dims",
    "time_dims",
]

HESSIAN = "hessian"
"""The variant that forms the Hessian, then multiplies: ``jax.hessian(f)(x) @ v``."""

SOFTPLUS_POINTS = (-100.0, -30.0, -3.0, -0.5, 0.0, 0.5, 3.0, 30.0, 100.0)
"""Where the softplus derivatives are checked, from both tails to the kink of its pieces at 0."""

CHECKPOINT_SHAPE = {"depth": 8, "width": 256, "batch": 128}
"""The deep MLP whose gradient is checkpointed (layers, units per layer and examples)."""


def agreement_dims(profile: Profile) -> tuple[int, ...]:
    """Dimensions at which the HVPs are checked against the dense Hessian times ``v``."""
    return (64,) if profile.name == "quick" else (64, 256, 1024)


def memory_dims(profile: Profile) -> tuple[int, ...]:
    """Dimensions at which every form's compiled temporary memory is read."""
    return (256, 1024, 4096) if profile.name == "quick" else (256, 1024, 4096, 16384)


def time_dims(profile: Profile) -> tuple[int, ...]:
    """Dimensions at which the three HVPs are timed."""
    return (1024, 65536) if profile.name == "quick" else (1024, 65536, 1048576)


def _dense(f: Callable[[jax.Array], jax.Array], x: jax.Array, v: jax.Array) -> jax.Array:
    hessian: jax.Array = jax.hessian(f)(x)
    return hessian @ v


def _forms() -> dict[str, Callable[[jax.Array, jax.Array], jax.Array]]:
    forms = {name: partial(hvp, coupled_energy) for name, hvp in HVPS.items()}
    return {**forms, HESSIAN: partial(_dense, coupled_energy)}


def _vectors(dim: int) -> tuple[jax.Array, jax.Array]:
    kx, kv = jax.random.split(jax.random.key(0))
    return jax.random.normal(kx, (dim,)), jax.random.normal(kv, (dim,))


def _agreement(dim: int) -> Point:
    def measure() -> Record:
        x, v = _vectors(dim)
        forms = _forms()
        dense = np.asarray(jax.jit(forms.pop(HESSIAN))(x, v))
        scale = float(np.max(np.abs(dense)))
        values: dict[str, Scalar] = {
            name: float(np.max(np.abs(np.asarray(jax.jit(fn)(x, v)) - dense))) / scale
            for name, fn in forms.items()
        }
        return Record(
            benchmark="hvp-agreement", variant="check", params={"dim": dim}, values=values
        )

    return partial(guarded, "hvp-agreement", "check", {"dim": dim}, measure, 60.0)


def _memory(profile: Profile, dim: int) -> Point:
    forms = _forms()
    spec = jax.ShapeDtypeStruct((dim,), jnp.float32)  # type: ignore[no-untyped-call]

    def measure() -> tuple[Record, ...]:
        return tuple(
            Record(
                benchmark="hvp-memory",
                variant=name,
                params={"dim": dim},
                memory=compiled_memory(fn, spec, spec),
            )
            for name, fn in forms.items()
        )

    params: dict[str, Scalar] = {"dim": dim}
    return partial(
        guarded_group, "hvp-memory", tuple(forms), params, measure, profile.point_timeout_s
    )


def _time(profile: Profile, dim: int) -> Point:
    x, v = _vectors(dim)
    calls: dict[str, Call] = {
        name: (jax.jit(partial(hvp, coupled_energy)), (x, v)) for name, hvp in HVPS.items()
    }

    def measure() -> tuple[Record, ...]:
        timings = time_calls(calls, profile.method)
        return tuple(
            Record(benchmark="hvp-time", variant=name, params={"dim": dim}, timing=t)
            for name, t in timings.items()
        )

    params: dict[str, Scalar] = {"dim": dim}
    return partial(
        guarded_group, "hvp-time", tuple(calls), params, measure, profile.point_timeout_s
    )


def _checkpoint(profile: Profile) -> Point:
    depth, width, batch = (CHECKPOINT_SHAPE[k] for k in ("depth", "width", "batch"))
    kl, kx = jax.random.split(jax.random.key(0))
    layers, xs = init_deep_mlp(kl, depth, width), jax.random.normal(kx, (batch, width))
    grads: dict[str, Any] = {
        name: jax.grad(partial(deep_mlp_loss, policy=name)) for name in POLICIES
    }
    params: dict[str, Scalar] = dict(CHECKPOINT_SHAPE)

    def measure() -> tuple[Record, ...]:
        # Compiled once: the memory is read from, and the time taken of, the same executable.
        compiled = {name: jax.jit(g).lower(layers, xs).compile() for name, g in grads.items()}
        calls: dict[str, Call] = {name: (c, (layers, xs)) for name, c in compiled.items()}
        timings = time_calls(calls, profile.method)
        return tuple(
            Record(
                benchmark="checkpoint",
                variant=name,
                params=params,
                memory=_memory_of(compiled[name]),
                timing=timings[name],
            )
            for name in grads
        )

    return partial(
        guarded_group, "checkpoint", tuple(grads), params, measure, profile.point_timeout_s
    )


def _softplus_facts() -> dict[str, Scalar]:
    """The softplus derivatives against the analytic ones, and what forward mode does."""
    x = jnp.asarray(SOFTPLUS_POINTS, jnp.float32)
    x64 = np.asarray(SOFTPLUS_POINTS, np.float64)
    sigmoid = 1.0 / (1.0 + np.exp(-x64))
    second = sigmoid * (1.0 - sigmoid)  # the second derivative, at most 1/4

    def error(got: jax.Array, exact: np.ndarray[Any, Any], where: Any = True) -> float:
        """Largest difference, relative to the exact values' largest (NaN if any is)."""
        difference = np.abs(np.asarray(got, np.float64) - exact)[where]
        return float(np.max(difference) / np.max(np.abs(exact)))

    v = jnp.ones_like(x)
    summed = lambda y: jnp.sum(softplus_jvp(y))  # its Hessian is diagonal: H @ 1 is its diagonal
    raised = 0
    for forward in (
        lambda: jax.jacfwd(stable_softplus)(1.0),
        lambda: jax.hessian(stable_softplus)(1.0),
        lambda: hvp_fwd_over_rev(lambda y: jnp.sum(stable_softplus(y)), x, v),
    ):
        try:
            forward()
        except TypeError as exc:
            raised += "custom_vjp" in str(exc)
    rewritten = jax.vmap(jax.grad(rewritten_softplus))(x)
    return {
        "jvp_grad_error": error(jax.vmap(jax.grad(softplus_jvp))(x), sigmoid),
        "jvp_hessian_error": error(jax.vmap(jax.hessian(softplus_jvp))(x), second),
        "jvp_hvp_error": error(hvp_fwd_over_rev(summed, x, v), second),
        "vjp_grad_error": error(jax.vmap(jax.grad(stable_softplus))(x), sigmoid),
        "vjp_forward_tried": 3,
        "vjp_forward_raised": raised,
        "rewritten_grad_at_0": float(jax.grad(rewritten_softplus)(0.0)),
        "exact_grad_at_0": 0.5,
        "rewritten_grad_error_elsewhere": error(rewritten, sigmoid, x64 != 0.0),
        "points": len(SOFTPLUS_POINTS),
    }


def _softplus() -> Point:
    def measure() -> Record:
        return Record(benchmark="softplus", variant="check", values=_softplus_facts())

    return partial(guarded, "softplus", "check", {}, measure, 60.0)


def _memory_of(compiled: Any) -> Memory:
    """XLA's memory analysis of an executable already compiled."""
    stats = compiled.memory_analysis()
    return Memory(
        temp_bytes=int(stats.temp_size_in_bytes),
        argument_bytes=int(stats.argument_size_in_bytes),
        output_bytes=int(stats.output_size_in_bytes),
        alias_bytes=int(stats.alias_size_in_bytes),
    )


def _points(profile: Profile) -> Iterator[Point]:
    for dim in agreement_dims(profile):
        yield _agreement(dim)
    for dim in memory_dims(profile):
        yield _memory(profile, dim)
    for dim in time_dims(profile):
        yield _time(profile, dim)
    yield _checkpoint(profile)
    yield _softplus()


SUITE = Suite(
    name="autodiff",
    version=2,
    description="Hessian-vector products three ways against the dense Hessian; gradient "
    "checkpointing policies; custom derivatives of a softplus",
    points=_points,
    produces=benchmark_variants(
        "hvp-agreement/check",
        *(f"hvp-memory/{name}" for name in (*HVPS, HESSIAN)),
        *(f"hvp-time/{name}" for name in HVPS),
        *(f"checkpoint/{name}" for name in POLICIES),
        "softplus/check",
    ),
)
