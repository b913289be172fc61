"""The ``autodiff`` suite: Hessian-vector products three ways, and gradient checkpointing.

Benchmarks (variants in brackets):

- ``hvp-agreement`` [check] by ``dim``: each HVP's largest difference from
  ``jax.hessian(f)(x) @ v``, relative to that product's largest entry;
- ``hvp-memory`` [fwd-over-rev, rev-over-fwd, rev-over-rev, hessian] by ``dim``: XLA's
  temporary bytes of each, compiled for shapes only (nothing is allocated);
- ``hvp-time`` [fwd-over-rev, rev-over-fwd, rev-over-rev] by ``dim``: timed interleaved;
- ``checkpoint`` [no-checkpoint, nothing_saveable, dots_saveable, save_only_these_names]:
  the gradient of a deep MLP under each checkpoint policy, its temporary bytes and its time.

The function differentiated is :func:`jaxguide.examples.autodiff.coupled_energy`.

>>> SUITE.name, sorted({b for b, _ in SUITE.produces})
('autodiff', ['checkpoint', 'hvp-agreement', 'hvp-memory', 'hvp-time'])
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
    init_deep_mlp,
)
from jaxguide.results import Memory, Record, Scalar, benchmark_variants

__all__ = ["CHECKPOINT_SHAPE", "SUITE", "agreement_dims", "memory_dims", "time_dims"]

HESSIAN = "hessian"
"""The variant that forms the Hessian, then multiplies: ``jax.hessian(f)(x) @ v``."""

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


SUITE = Suite(
    name="autodiff",
    version=1,
    description="Hessian-vector products three ways against the dense Hessian; gradient "
    "checkpointing policies",
    points=_points,
    produces=benchmark_variants(
        "hvp-agreement/check",
        *(f"hvp-memory/{name}" for name in (*HVPS, HESSIAN)),
        *(f"hvp-time/{name}" for name in HVPS),
        *(f"checkpoint/{name}" for name in POLICIES),
    ),
)
