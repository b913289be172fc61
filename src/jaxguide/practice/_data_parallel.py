"""Practical: a data-parallel training step, gradients averaged across devices."""

from __future__ import annotations

import contextlib
import os
import traceback
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import numpy as np

from jaxguide.practice._jaxpr import equations
from jaxguide.practice._models import init_mlp, sgd_step
from jaxguide.practice._report import (
    Hint,
    Mistake,
    Wrong,
    call,
    checker,
    function_name,
    identify,
)
from jaxguide.practice._trees import compare

__all__ = ["check_data_parallel_step"]

FEATURES, PER_DEVICE, RATES = 3, 4, (0.1, 0.3)
PROBE = 5
"""Examples per device when the jaxpr is read: 5 × 3 features matches no parameter's size."""
RTOL, ATOL = 1e-5, 1e-6
"""Averaging on several devices adds in another order than one device does: float32 rounding."""
PARALLEL = {"shard_map", "xla_pmap"}  # pmap is built on shard_map in this JAX

_reference = jax.jit(sgd_step)


class Map(NamedTuple):
    """One parallel map in the reader's jaxpr: which API wrote it (``"pmap"`` or
    ``"shard_map"``), whether ``shard_map`` checked what varies across devices (``check_vma``),
    and the shapes of what one device receives."""

    api: str
    check_vma: bool
    blocks: list[tuple[int, ...]]


def _averages(primitives: set[str]) -> bool:
    return any(
        p.startswith("psum") or p in {"pmean", "all_gather", "reduce_scatter"} for p in primitives
    )


def _devices() -> int:
    return jax.device_count()


def _maps(fn: Callable[..., Any], *args: Any) -> list[Map]:
    """Each parallel map in ``fn``'s jaxpr. ``jax.pmap`` is, in this JAX, a ``shard_map`` (with
    ``check_vma=False``) of a function of JAX's own ``pmap.py``: that is how it is told apart
    from a ``shard_map`` the reader wrote."""
    found = []
    for eqn in equations(fn, *args):
        if eqn.primitive.name in PARALLEL:
            body = eqn.params.get("jaxpr", eqn.params.get("call_jaxpr"))
            body = getattr(body, "jaxpr", body)
            source = str(getattr(getattr(body, "debug_info", None), "func_src_info", ""))
            pmap = eqn.primitive.name == "xla_pmap" or f"{os.sep}pmap.py:" in source
            found.append(
                Map(
                    "pmap" if pmap else "shard_map",
                    bool(eqn.params.get("check_vma", True)) and not pmap,
                    [tuple(v.aval.shape) for v in body.invars],
                )
            )
    return found


def _api(maps: list[Map]) -> str:
    """``"pmap"`` or ``"shard_map"`` if every map is one of them, else ``""``."""
    apis = {m.api for m in maps}
    return apis.pop() if len(apis) == 1 else ""


SUMMED = "the gradients summed across devices, not averaged"
FIRST = "the first device's step alone"
UNCHECKED = "shard_map's check_vma=False: the gradients never combined"
COPIES = "one copy of the parameters per device"


def _wrongs(maps: list[Map]) -> tuple[Wrong, ...]:
    """The mistakes, each with the fix for the API the reader's function uses (read from its
    jaxpr): the same wrong numbers come from different code under pmap and under shard_map."""
    api = _api(maps)
    unchecked = api == "shard_map" and not all(m.check_vma for m in maps)
    summed_fix = {
        "pmap": "under pmap each device's gradient is its own, and lax.psum adds them: average "
        "the gradients across devices with lax.pmean",
        "shard_map": (
            "with check_vma=False nothing sums the gradients for you, and lax.psum adds them: "
            "average them with lax.pmean (or keep check_vma on and pmean the loss)"
            if unchecked
            else "under shard_map with check_vma on (the default), autodiff itself sums the "
            "gradient of the replicated parameters (in_specs P()) over devices, so the "
            "gradients come out summed and a pmean of them stays a sum: pmean the loss and "
            "differentiate that (or divide the gradients by the number of devices)"
        ),
    }.get(api, "average across devices (lax.pmean) rather than sum")
    first_fix = {
        "pmap": "under pmap each device's gradient is its own: average the gradients across "
        "devices with lax.pmean",
        "shard_map": "pmean the loss across devices and differentiate that",
    }.get(api, "average the gradients (or the loss) across devices with lax.pmean")
    copies_fix = {
        "pmap": "return one set with pmap's out_axes=None",
        "shard_map": "return one set with out_specs=P()",
    }.get(api, "return one set, e.g. with pmap's out_axes=None or shard_map's out_specs=P()")
    first = lambda p, xs, ys, lr: (
        _reference(p, xs[: len(xs) // _devices()], ys[: len(ys) // _devices()], lr)
        if _devices() > 1
        else None
    )
    copies = Wrong(
        COPIES,
        "one copy of the new parameters per device (a leading axis of one entry per device)",
        lambda p, xs, ys, lr: jax.tree.map(
            lambda e: np.broadcast_to(e, (_devices(), *np.shape(e))), _reference(p, xs, ys, lr)
        ),
        copies_fix,
    )
    summed = Wrong(
        SUMMED,
        "the step taken with the devices' gradients summed rather than averaged",
        lambda p, xs, ys, lr: (
            jax.tree.map(lambda q, e: q + _devices() * (e - q), p, _reference(p, xs, ys, lr))
            if _devices() > 1
            else None
        ),
        summed_fix,
    )
    if unchecked:
        alone = Wrong(
            UNCHECKED,
            "the first device's step on its own examples, the other devices' gradients left out",
            first,
            "the cause is check_vma=False: without that check autodiff does not sum the "
            "gradient of the replicated parameters over devices, so each device steps with "
            "its own block's gradient (a pmean of the loss does not change that) and "
            "out_specs=P() returns the first device's copy; keep check_vma on (the default) "
            "and pmean the loss, or with it off pmean the gradients",
        )
    else:
        alone = Wrong(
            FIRST,
            "the first device's step on its own examples (no average across devices)",
            first,
            first_fix,
        )
    return (copies, summed, alone)


HINTS = (
    Hint(
        "a mesh of Explicit axes",
        lambda _, text: (
            "the mesh's axes are Explicit (jax.make_mesh's default), so shard_map expects "
            "arguments already laid out as in_specs says: make the mesh with "
            "axis_types=(AxisType.Auto,), as the starter does"
            if "shard_map" in text and "does not match the specs of the input" in text
            else None
        ),
    ),
    Hint(
        "a shard_map spec that does not fit its argument",
        lambda _, text: (
            "the new parameters are the same on every device and come back once, replicated: "
            'out_specs=P(), not P("devices")'
            if "shard_map" in text and "out_specs" in text
            else "in_specs gives each argument its layout, one entry per argument: "
            '(P(), P("devices"), P("devices"), P()) for params, xs, ys and lr, the batch split '
            'along "devices", the parameters and the learning rate whole on every device'
            if "shard_map" in text and "in_specs" in text
            else None
        ),
    ),
    Hint(
        "the batch not reshaped for pmap",
        lambda e, text: (
            "pmap maps over the leading axis of xs and ys, one entry per device: reshape xs to "
            "(devices, batch / devices, features) and ys to (devices, batch / devices) first"
            if _in_pmap(e) and ("squeeze" in text or "inconsistent sizes" in text)
            else None
        ),
    ),
)


def _in_pmap(error: BaseException) -> bool:
    """Whether ``error`` was raised inside ``jax.pmap``'s own code (seen only in a traceback
    JAX has not filtered: see :func:`_unfiltered`)."""
    frames = traceback.extract_tb(error.__traceback__)
    return any(f.filename.endswith(f"jax{os.sep}_src{os.sep}pmap.py") for f in frames)


def _unfiltered() -> contextlib.AbstractContextManager[Any]:
    """JAX's traceback left whole within the block, so that :func:`_in_pmap` can see JAX's
    own frames; the messages are the same. Without this (private) setting, nothing changes."""
    try:
        from jax._src import config  # noqa: PLC0415 (private: read only for a hint's evidence)

        return config.traceback_filtering("off")  # type: ignore[no-any-return]
    except Exception:  # noqa: BLE001 (another JAX: the hint goes without its evidence)
        return contextlib.nullcontext()


JIT_SHARDED = "jit with shardings where shard_map is asked for"
STRUCTURE = (
    JIT_SHARDED,
    "no pmap or shard_map",
    "no cross-device sum",
    "the whole batch on every device",
    "a block that is not batch / devices",
)


def _lays_out(eqns: list[Any]) -> bool:
    """Whether a jaxpr places a value over several devices itself (``jax.device_put`` or
    ``lax.with_sharding_constraint`` with a sharding that splits an axis): jit with shardings,
    where the compiler, not the reader, writes each device's program."""

    def splits(sharding: Any) -> bool:
        return any(entry is not None for entry in getattr(sharding, "spec", ()) or ())

    return any(
        (eqn.primitive.name == "device_put" and any(map(splits, eqn.params.get("devices", ()))))
        or (eqn.primitive.name == "sharding_constraint" and splits(eqn.params.get("sharding")))
        for eqn in eqns
    )


def _check_blocks(fn: Callable[..., Any], params: Any, n: int) -> None:
    """Each device must receive batch / n examples of xs and of ys, and never the whole batch."""
    batch = PROBE * n
    xs, ys = np.zeros((batch, FEATURES), np.float32), np.zeros(batch, np.float32)
    maps = _maps(fn, params, xs, ys, 0.1)
    for name, _, blocks in maps:
        sizes = [int(np.prod(b)) for b in blocks]
        if batch * FEATURES in sizes or batch in sizes:
            whole = blocks[sizes.index(batch * FEATURES if batch * FEATURES in sizes else batch)]
            where = (
                "a leading axis of one entry per device for pmap"
                if name == "pmap"
                else 'P("devices") in shard_map\'s in_specs'
            )
            raise Mistake(
                f"every device gets the whole batch: for {batch} examples on {n} devices, each "
                f"device's block inside the {name} is {whole}, where it should hold "
                f"{batch} / {n} = {PROBE} examples (split xs and ys along the batch: {where})"
            )
    if not any(
        PROBE * FEATURES in s and PROBE in s
        for s in ([int(np.prod(b)) for b in m.blocks] for m in maps)
    ):
        shapes = "; ".join(f"{m.api}: {', '.join(map(str, m.blocks))}" for m in maps)
        raise Mistake(
            f"no device receives {PROBE} = {batch} / {n} examples: for {batch} examples on "
            f"{n} devices its blocks are {shapes}; give each device batch / devices examples"
        )


@checker("data_parallel_step", (COPIES, SUMMED, FIRST, UNCHECKED, *HINTS, *STRUCTURE), named=True)
def check_data_parallel_step(fn: Callable[..., Any]) -> str:
    """Check ``fn(params, xs, ys, lr)``: :func:`sgd_step`, computed across every device.

    ``xs`` (batch, features) and ``ys`` (batch,) hold ``4 × jax.device_count()`` examples.
    The new parameters must equal the one-device :func:`sgd_step` to within a relative 1e-5
    (absolute 1e-6), and the jaxpr must hold a ``pmap`` or ``shard_map`` and a cross-device
    sum (``psum``/``pmean``); inside the parallel map each device must receive batch / devices
    examples of ``xs`` and ``ys``, not the whole batch (read from the shapes its body receives
    for a batch of 5 per device). On one device a sum and a mean across devices agree, and a
    block is the whole batch, so only several devices tell them apart: the report says which
    it ran on. The report names ``fn`` by its own name, and explains a mistake for the API
    ``fn`` uses (``pmap`` or ``shard_map``, read from its jaxpr). With ``optional=True``, an
    ``fn`` that raises ``NotImplementedError`` is reported skipped.

    >>> import functools
    >>> import jax
    >>> from jax import lax
    >>> from jax.sharding import PartitionSpec as P
    >>> from jaxguide.practice import batch_loss
    >>> from jax.sharding import AxisType
    >>> mesh = jax.make_mesh((jax.device_count(),), ("devices",), axis_types=(AxisType.Auto,))
    >>> def mean_loss(params, xs, ys):
    ...     return lax.pmean(batch_loss(params, xs, ys), "devices")
    >>> @jax.jit
    ... @functools.partial(
    ...     jax.shard_map, mesh=mesh, in_specs=(P(), P("devices"), P("devices"), P()),
    ...     out_specs=P())
    ... def step_shard_map(params, xs, ys, lr):
    ...     grads = jax.grad(mean_loss)(params, xs, ys)
    ...     return jax.tree.map(lambda p, g: p - lr * g, params, grads)
    >>> check_data_parallel_step(step_shard_map)
    ✓ step_shard_map equals ...
    >>> check_data_parallel_step(jax.jit(sgd_step))
    ✗ sgd_step: runs on one device: ...
    >>> def step_pmap(params, xs, ys, lr):
    ...     raise NotImplementedError
    >>> check_data_parallel_step(step_pmap, optional=True)
    ○ step_pmap: skipped (optional): not written yet (it raises NotImplementedError)
    """
    name = function_name(fn, "data_parallel_step")
    n = jax.device_count()
    batch = PER_DEVICE * n
    rng = np.random.default_rng(6)
    wrongs: tuple[Wrong, ...] | None = None
    for seed, lr in enumerate(RATES):
        params = init_mlp(seed, FEATURES)
        xs = rng.standard_normal((batch, FEATURES), dtype=np.float32)
        ys = rng.standard_normal(batch, dtype=np.float32)
        with _unfiltered():
            got = call(fn, params, xs, ys, lr, jit=True, hints=HINTS)
        expected = _reference(params, xs, ys, lr)
        if wrongs is None:
            wrongs = _wrongs(_maps(fn, params, xs, ys, lr))
        identify(
            got,
            expected,
            wrongs,
            (params, xs, ys, lr),
            what="the one-device sgd_step",
            rtol=RTOL,
            atol=ATOL,
        )
        compare(got, expected, what="new_params", rtol=RTOL, atol=ATOL)
    eqns = equations(fn, params, xs, ys, 0.1)
    primitives = {eqn.primitive.name for eqn in eqns}
    if not primitives & PARALLEL and _lays_out(eqns):
        raise Mistake(
            "its values are right, by jit with shardings: it lays the batch out over the "
            "devices and the compiler writes each device's program, the averaging included; "
            "this practical asks for that program written out, with jax.shard_map (and, "
            "optionally, jax.pmap)"
        )
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
            f"{name} equals the one-device sgd_step (to a relative 1e-5) on "
            f"{len(RATES)} random batches, and its jaxpr gives each device batch / devices "
            f"examples and sums across devices; checked on {n} devices"
        )
    return (
        f"{name} equals the one-device sgd_step (to a relative 1e-5) on "
        f"{len(RATES)} random batches, and its jaxpr holds a parallel map and a cross-device "
        "sum; checked on 1 device, where a sum and a mean across devices agree and one device's "
        "block is the whole batch: run it on several (on a CPU, or a machine with one GPU, "
        "JAX_PLATFORMS=cpu JAX_NUM_CPU_DEVICES=8 set before JAX starts) to check the averaging "
        "and the split"
    )
