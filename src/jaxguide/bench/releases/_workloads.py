"""The release sweep's workloads: one process, one JAX release, one results file.

Design. This file runs under every JAX release of the sweep, 0.4.30 to 0.10.2, in an
environment that holds that release and nothing of jaxguide: it imports only the standard
library, ``jax`` and ``numpy``, and runs as a script (``python _workloads.py --out FILE``,
by its path, so ``jaxguide/__init__.py`` and the package's pydantic models are never
imported). It writes the results file as plain JSON in the project's one schema
(``jaxguide-results/2``, :mod:`jaxguide.results`), which the parent validates with
:func:`jaxguide.results.load_results`. Importing the harness instead would tie every old
release to the site's pinned pydantic, matplotlib and newest-JAX-only APIs
(``jax.sharding.AxisType``, ``jax.shard_map``); a standalone runner keeps the sweep's question
("what did this release cost?") free of the site's own dependencies. The one jaxguide piece it
needs, the vmap-speed lesson's functions and their inputs (:mod:`jaxguide.examples.vmap_speed`,
which imports only jax), it loads by path from beside it.

The timing method is the harness's (:func:`jaxguide.bench.time_calls`): the first call apart,
with the XLA compile seconds inside it; warmups discarded; loop counts calibrated to the
method's minimum loop time; variants that are compared timed interleaved; an array output's
``block_until_ready()``. Its calibration is the harness's own code, line for line (a test
keeps them equal). APIs newer than 0.4.30 are looked up and used only where present; what a
release lacks is recorded with status ``"unsupported"`` and the reason, never stood in for.

Each process runs in one CPU dispatch mode: the release's default (suite ``releases``), or
with ``jax_cpu_enable_async_dispatch`` off (suite ``releases-sync``). From jax 0.4.32 the CPU
backend hands more computations to a worker thread; a call that is blocked on its result pays
that hand-off, and the second mode measures the same calls without it. The sweep
(``_sweep.py``) runs each release and mode in several processes, one round after another, and
merges their samples into one file per release and mode.

Records use the names of the suites that measure the same thing, so the claims written for
those suites can be judged on every release's file: ``add``, ``where`` and ``mlp`` with the
variants ``manual``, ``vmap`` (both op by op), ``jit_manual`` and ``jit_vmap`` at a ``batch``
(the vmap-speed suite); ``value-and-grad`` (transforms-grad); ``dispatch`` with ``pmap``,
``jit_sharded`` and ``jit_shard_map`` (parallel). Besides them: ``jit-dispatch`` (a tiny
function's jitted call) and ``mlp-train`` (a small MLP's training step: ``compile``, each
sample a fresh trace, lower and compile, and ``step``).

>>> doc = run(profile="tiny", only=("jit-dispatch",))
>>> doc["schema"], doc["suite"], [r["status"] for r in doc["records"]]
('jaxguide-results/2', 'releases', ['ok'])
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import platform
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

__all__ = ["DISPATCH", "METHODS", "SUITES", "SUITE_VERSION", "WORKLOADS", "Unsupported", "run"]

SCHEMA = "jaxguide-results/2"
SUITES = {"default": "releases", "sync": "releases-sync"}
"""The suite each CPU dispatch mode writes: the release's default, or with
``jax_cpu_enable_async_dispatch`` off (every call dispatched and run on the calling thread)."""
DISPATCH = "jax_cpu_enable_async_dispatch"
SUITE_VERSION = 2
"""Bumped when a workload changes: files of another version are not compared."""

METHODS: dict[str, dict[str, Any]] = {
    # The harness's quick and full methods (jaxguide.bench.PROFILES), and a tiny one for tests.
    "tiny": {"warmups": 1, "repeats": 3, "min_loop_s": 0.001, "statistic": "median"},
    "quick": {"warmups": 1, "repeats": 7, "min_loop_s": 0.01, "statistic": "median"},
    "full": {"warmups": 2, "repeats": 15, "min_loop_s": 0.1, "statistic": "median"},
}
BATCHES = {"tiny": (10, 100), "quick": (100, 10_000), "full": (100, 100_000)}
"""The two batch sizes of the vmap-speed functions, per profile."""
COMPILES = {"tiny": 2, "quick": 5, "full": 9}
"""How many fresh compiles of the MLP step are timed after the first, cold one (its samples)."""
MLP_SIZES = (64, 256, 256, 8)
MLP_BATCH = 128
GRAD_BATCH = 512
AXIS = "devices"
DEVICES = 8
SPEC = PartitionSpec(AXIS)  # type: ignore[no-untyped-call]  # untyped in jax
COMPILE_EVENT = "/jax/core/compile/backend_compile_duration"

Record = dict[str, Any]
Call = tuple[Callable[..., Any], Sequence[Any]]


class Unsupported(Exception):
    """This release lacks what a workload needs: the message names it."""


# --- timing: the harness's method, on any release ------------------------------------------


class _Compiles:
    """XLA compilations seen by the one listener this module registers (0.4.30 has no way to
    unregister one, so it is registered once and counts into whichever counter is active)."""

    active: list[float] | None = None
    registered = False

    @classmethod
    def listen(cls, event: str, duration_secs: float, **kwargs: Any) -> None:
        del kwargs
        if event == COMPILE_EVENT and cls.active is not None:
            cls.active.append(duration_secs)

    @classmethod
    def start(cls) -> list[float]:
        if not cls.registered:
            jax.monitoring.register_event_duration_secs_listener(cls.listen)
            cls.registered = True
        cls.active = []
        return cls.active


def _block(out: Any) -> None:
    for leaf in jax.tree_util.tree_leaves(out):
        if hasattr(leaf, "block_until_ready"):
            leaf.block_until_ready()


def _steady_call(fn: Callable[..., Any], args: Sequence[Any], array: bool) -> Callable[[], None]:
    if array:

        def call() -> None:
            fn(*args).block_until_ready()

    else:

        def call() -> None:
            _block(fn(*args))

    return call


def _run_loops(call: Callable[[], None], loops: int) -> float:
    start = time.perf_counter()
    for _ in range(loops):
        call()
    return time.perf_counter() - start


def _calibrate(call: Callable[[], None], min_loop_s: float, max_loops: int) -> int:
    """The smallest power-of-ten-ish loop count whose run takes at least ``min_loop_s``."""
    loops = 1
    while loops < max_loops:
        elapsed = _run_loops(call, loops)
        if elapsed >= min_loop_s:
            return loops
        # Aim past the target from what one run took, growing at least 2× and at most 10×.
        loops = min(max_loops, loops * max(2, min(10, int(min_loop_s / max(elapsed, 1e-9)) + 1)))
    return max_loops


def time_calls(
    calls: dict[str, Call], method: dict[str, Any], max_loops: int = 1_000_000
) -> dict[str, dict[str, Any]]:
    """Time several calls side by side, as :func:`jaxguide.bench.time_calls` does; each
    timing as the schema's ``Timing`` (a dict).

    >>> t = time_calls({"sin": (jax.jit(jnp.sin), (jnp.ones(3),))}, METHODS["tiny"])
    >>> len(t["sin"]["samples_s"]), t["sin"]["recompiled"]
    (3, False)
    """
    steady: dict[str, Callable[[], None]] = {}
    firsts: dict[str, tuple[float, float]] = {}
    for name, (fn, args) in calls.items():
        compiles = _Compiles.start()
        start = time.perf_counter()
        out = fn(*args)
        _block(out)
        firsts[name] = (time.perf_counter() - start, sum(compiles))
        steady[name] = _steady_call(fn, args, isinstance(out, jax.Array))
    compiles = _Compiles.start()
    for call in steady.values():
        for _ in range(method["warmups"]):
            call()
    loops = {name: _calibrate(c, method["min_loop_s"], max_loops) for name, c in steady.items()}
    samples: dict[str, list[float]] = {name: [] for name in steady}
    for _ in range(method["repeats"]):
        for name, call in steady.items():
            samples[name].append(_run_loops(call, loops[name]) / loops[name])
    _Compiles.active = None
    return {
        name: {
            "first_call_s": firsts[name][0],
            "compile_s": firsts[name][1],
            "samples_s": samples[name],
            "loops": loops[name],
            "recompiled": len(compiles) > 0,
        }
        for name in steady
    }


# --- the workloads --------------------------------------------------------------------------


def _vmap_speed() -> ModuleType:
    """The vmap-speed lesson's functions: the package's module where jaxguide is installed,
    else the file beside this one's package, loaded by its path."""
    try:
        from jaxguide.examples import vmap_speed  # noqa: PLC0415 - absent in a release env

        return vmap_speed
    except ImportError:
        path = Path(__file__).resolve().parents[2] / "examples" / "vmap_speed.py"
        spec = importlib.util.spec_from_file_location("_jaxguide_vmap_speed", path)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module


def _records(benchmark: str, params: dict[str, Any], timings: dict[str, Any]) -> list[Record]:
    return [
        {"benchmark": benchmark, "variant": v, "params": params, "status": "ok", "timing": t}
        for v, t in timings.items()
    ]


def jit_dispatch(profile: str) -> list[Record]:
    """A tiny function's jitted call: what a release spends dispatching it."""
    x = jnp.float32(1.0)
    timings = time_calls({"jit": (jax.jit(lambda a: a + 1.0), (x,))}, METHODS[profile])
    return _records("jit-dispatch", {}, timings)


def vmap_functions(profile: str) -> Iterator[list[Record]]:
    """Op by op against jitted, and vmap against manual, for the vmap-speed functions at two
    batch sizes: ``manual`` and ``vmap`` run op by op, ``jit_manual`` and ``jit_vmap``
    compiled; the four timed interleaved."""
    vs = _vmap_speed()
    functions = {
        "add": (vs.add, vs.add_batch, (0, 0)),
        "where": (vs.huber, vs.huber_batch, (0,)),
        "mlp": (vs.mlp, vs.mlp_batch, (None, 0)),
    }
    for benchmark, (f, manual, in_axes) in functions.items():
        vmapped = jax.vmap(f, in_axes=in_axes)
        variants = {
            "manual": manual,
            "vmap": vmapped,
            "jit_manual": jax.jit(manual),
            "jit_vmap": jax.jit(vmapped),
        }
        for batch in BATCHES[profile]:
            args = vs.inputs(benchmark, batch)
            calls: dict[str, Call] = {v: (fn, args) for v, fn in variants.items()}
            yield _records(benchmark, {"batch": batch}, time_calls(calls, METHODS[profile]))


def _mlp_params(key: Any, sizes: Sequence[int]) -> list[tuple[Any, Any]]:
    keys = jax.random.split(key, len(sizes) - 1)
    return [
        (jax.random.normal(k, (m, n)) / m**0.5, jnp.zeros(n))
        for k, m, n in zip(keys, sizes[:-1], sizes[1:], strict=True)
    ]


def _mlp(params: list[tuple[Any, Any]], xs: Any) -> Any:
    for w, b in params[:-1]:
        xs = jnp.tanh(xs @ w + b)
    w, b = params[-1]
    return xs @ w + b


def _loss(params: list[tuple[Any, Any]], xs: Any, ys: Any) -> Any:
    return jnp.mean((_mlp(params, xs) - ys) ** 2)


def _data(batch: int) -> tuple[Any, Any, Any]:
    kp, kx, ky = jax.random.split(jax.random.key(0), 3)
    xs = jax.random.normal(kx, (batch, MLP_SIZES[0]))
    ys = jax.random.normal(ky, (batch, MLP_SIZES[-1]))
    return _mlp_params(kp, MLP_SIZES), xs, ys


def _sgd_step(params: Any, xs: Any, ys: Any) -> Any:
    grads = jax.grad(_loss)(params, xs, ys)
    return jax.tree_util.tree_map(lambda p, g: p - 0.01 * g, params, grads)


def _fresh_jit(fn: Callable[..., Any]) -> Any:
    """``jax.jit`` of a new wrapper: its first use traces and compiles from scratch."""

    def fresh(*args: Any) -> Any:
        return fn(*args)

    return jax.jit(fresh)


def mlp_train(profile: str) -> list[Record]:
    """A small MLP's training step: its compile time (a fresh trace, lowering and compile; the
    process's first, cold one apart, then each sample a new one) and its steady step time."""
    args = _data(MLP_BATCH)
    params = {"sizes": "-".join(map(str, MLP_SIZES)), "batch": MLP_BATCH}
    samples = []
    for _ in range(1 + COMPILES[profile]):
        start = time.perf_counter()
        _fresh_jit(_sgd_step).lower(*args).compile()
        samples.append(time.perf_counter() - start)
    compile_timing = {"first_call_s": samples[0], "samples_s": samples[1:], "loops": 1}
    step = time_calls({"step": (jax.jit(_sgd_step), args)}, METHODS[profile])
    return _records("mlp-train", params, {"compile": compile_timing, **step})


def value_and_grad(profile: str) -> list[Record]:
    """``value_and_grad`` against the value and ``grad`` jitted apart, and both in one jit
    (the transforms-grad suite's variants)."""
    args = _data(GRAD_BATCH)
    loss, grad = jax.jit(_loss), jax.jit(jax.grad(_loss))

    def both(*a: Any) -> Any:
        return _loss(*a), jax.grad(_loss)(*a)

    calls: dict[str, Call] = {
        "value_and_grad": (_fresh_jit(jax.value_and_grad(_loss)), args),
        "separate": (lambda *a: (loss(*a), grad(*a)), args),
        "one-jit": (_fresh_jit(both), args),
    }
    return _records("value-and-grad", {"batch": GRAD_BATCH}, time_calls(calls, METHODS[profile]))


def _shard_map() -> tuple[Callable[..., Any], str]:
    """``jax.shard_map`` where the release has it, else ``jax.experimental.shard_map``'s."""
    if hasattr(jax, "shard_map"):
        return jax.shard_map, "jax.shard_map"
    try:
        from jax.experimental.shard_map import shard_map  # noqa: PLC0415 - older releases
    except ImportError:
        raise Unsupported(
            "this release has neither jax.shard_map nor jax.experimental.shard_map"
        ) from None
    return shard_map, "jax.experimental.shard_map"


def _share(block: Any) -> Any:
    """The parallel suite's per-device function: each row's share of the column totals."""
    return block / jax.lax.psum(  # type: ignore[no-untyped-call]
        block.sum(axis=0, keepdims=True), AXIS
    )


def dispatch(profile: str) -> list[Record]:
    """pmap against jit with shardings (and jit of shard_map) on :data:`DEVICES` devices, each
    input already laid out as its form wants it (the parallel suite's ``dispatch``): pmap's is
    an output of ``pmap`` itself, the others' a ``NamedSharding`` over the mesh."""
    if jax.device_count() < DEVICES:
        raise Unsupported(
            f"needs {DEVICES} devices and the process has {jax.device_count()} "
            f"(XLA_FLAGS=--xla_force_host_platform_device_count={DEVICES})"
        )
    if not hasattr(jax, "pmap"):
        raise Unsupported("this release has no jax.pmap")
    devices = jax.devices()[:DEVICES]
    mesh = Mesh(np.array(devices), (AXIS,))
    x = jnp.arange(1.0, 3 * DEVICES + 1.0).reshape(-1, 3)
    spread = jax.device_put(x, NamedSharding(mesh, SPEC))
    blocks = jax.pmap(lambda b: b)(x.reshape(DEVICES, 1, 3))
    shard_map, source = _shard_map()
    calls: dict[str, Call] = {
        "pmap": (jax.pmap(_share, axis_name=AXIS), (blocks,)),
        "jit_shard_map": (
            jax.jit(shard_map(_share, mesh=mesh, in_specs=SPEC, out_specs=SPEC)),
            (spread,),
        ),
        "jit_sharded": (jax.jit(lambda a: a / a.sum(axis=0, keepdims=True)), (spread,)),
    }
    params = {"devices": DEVICES, "rows": int(x.shape[0])}
    records = _records("dispatch", params, time_calls(calls, METHODS[profile]))
    for record in records:
        if record["variant"] == "jit_shard_map":
            record["message"] = f"shard_map from {source}"
    return records


Point = tuple[str, str, dict[str, Any]]
"""A benchmark, a variant and its parameters: one record a workload writes."""


def _vmap_points(profile: str) -> list[Point]:
    return [
        (b, v, {"batch": n})
        for b in ("add", "where", "mlp")
        for n in BATCHES[profile]
        for v in ("manual", "vmap", "jit_manual", "jit_vmap")
    ]


WORKLOADS: dict[str, tuple[Callable[[str], Any], Callable[[str], list[Point]]]] = {
    "jit-dispatch": (jit_dispatch, lambda _: [("jit-dispatch", "jit", {})]),
    "vmap-functions": (vmap_functions, _vmap_points),
    "mlp-train": (
        mlp_train,
        lambda _: [
            ("mlp-train", v, {"sizes": "-".join(map(str, MLP_SIZES)), "batch": MLP_BATCH})
            for v in ("compile", "step")
        ],
    ),
    "value-and-grad": (
        value_and_grad,
        lambda _: [
            ("value-and-grad", v, {"batch": GRAD_BATCH})
            for v in ("value_and_grad", "separate", "one-jit")
        ],
    ),
    "dispatch": (
        dispatch,
        lambda _: [
            ("dispatch", v, {"devices": DEVICES, "rows": DEVICES})
            for v in ("pmap", "jit_shard_map", "jit_sharded")
        ],
    ),
}
"""Each workload: its function of the profile (a list of records, or an iterator of lists),
and the points it records in that profile, so that a failure is recorded for each of them."""


def _failed(points: Sequence[Point], status: str, message: str) -> list[Record]:
    return [
        {"benchmark": b, "variant": v, "params": p, "status": status, "message": message}
        for b, v, p in points
    ]


def _measure(name: str, profile: str) -> list[Record]:
    """One workload's records; what the release lacks as ``unsupported``, a failure as
    ``error``, each with its reason."""
    fn, points = WORKLOADS[name]
    try:
        out = fn(profile)
        if isinstance(out, list):
            return out
        return [record for group in out for record in group]
    except Unsupported as exc:
        return _failed(points(profile), "unsupported", str(exc))
    except Exception as exc:  # noqa: BLE001 - recorded, with its reason, rather than losing the file
        last = traceback.format_exception_only(type(exc), exc)[-1].strip()
        return _failed(points(profile), "error", last[:500])


# --- the file -------------------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def _commit() -> str:
    if commit := os.environ.get("JAXGUIDE_COMMIT"):
        return commit
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.stdout.strip() or "unknown"


def environment() -> dict[str, Any]:
    """The schema's ``Environment`` of this process (as
    :func:`jaxguide.bench.describe_environment` describes it)."""
    device = jax.devices()[0]
    return {
        "backend": jax.default_backend(),
        "device_kind": device.device_kind,
        "device_count": jax.device_count(),
        "jax_version": jax.__version__,
        "jaxlib_version": metadata.version("jaxlib"),
        "numpy_version": np.__version__,
        "xla_flags": os.environ.get("XLA_FLAGS", ""),
        "cpu_model": _cpu_model(),
        "cpu_count": os.cpu_count() or 1,
        "python_version": platform.python_version(),
        "commit": _commit(),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def _busy_seconds() -> float | None:
    """Seconds all cores spent busy since boot (Linux's ``/proc/stat``), as the harness's
    load watch reads them."""
    try:
        first = Path("/proc/stat").read_text().splitlines()[0].split()
        ticks = [int(x) for x in first[1:9]]
        hz = os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError, AttributeError):
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = ticks
    return (user + nice + system + irq + softirq + steal) / hz


def _load_average() -> float | None:
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


def _dispatch_synchronously() -> str | None:
    """Turn asynchronous CPU dispatch off, before the backend starts; the reason it could not
    be, or ``None``."""
    try:
        jax.config.update(DISPATCH, False)  # type: ignore[no-untyped-call]  # untyped in jax
    except (AttributeError, KeyError, ValueError) as exc:
        return f"this release has no {DISPATCH} option ({exc})"
    return None


def run(
    profile: str = "quick", only: Sequence[str] | None = None, dispatch: str = "default"
) -> dict[str, Any]:
    """Every workload (or those named in ``only``) in this process: a results file's data.

    ``dispatch="sync"`` turns asynchronous CPU dispatch off first (it must run before anything
    starts JAX's backend) and writes the ``releases-sync`` suite. The load on the machine is
    recorded around the whole run, as the harness records it.
    """
    names = list(only) if only else list(WORKLOADS)
    unknown = sorted(set(names) - set(WORKLOADS))
    if unknown:
        raise ValueError(f"no workload {unknown}: the workloads are {sorted(WORKLOADS)}")
    lacking = _dispatch_synchronously() if dispatch == "sync" else None
    env = environment()
    before = (time.perf_counter(), _load_average(), _busy_seconds(), time.process_time())
    if lacking:
        records = [
            r
            for name in names
            for r in _failed(WORKLOADS[name][1](profile), "unsupported", lacking)
        ]
    else:
        records = [record for name in names for record in _measure(name, profile)]
    after = (time.perf_counter(), _load_average(), _busy_seconds(), time.process_time())
    others = None
    if before[2] is not None and after[2] is not None:
        others = max(0.0, (after[2] - before[2]) - (after[3] - before[3]))
    load = {
        "cores": os.cpu_count() or 1,
        "wall_s": after[0] - before[0],
        "load_before": before[1],
        "load_after": after[1],
        "others_cpu_s": others,
    }
    return {
        "schema": SCHEMA,
        "suite": SUITES[dispatch],
        "suite_version": SUITE_VERSION,
        "profile": profile,
        "environment": env,
        "method": METHODS[profile],
        "records": records,
        "load": load,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """``python _workloads.py --out FILE [--profile quick] [--dispatch sync] [--only W ...]``."""
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0] if __doc__ else "")
    parser.add_argument("--out", type=Path, required=True, help="the results file to write")
    parser.add_argument("--profile", choices=sorted(METHODS), default="quick")
    parser.add_argument("--only", nargs="+", choices=sorted(WORKLOADS), help="just these")
    parser.add_argument(
        "--dispatch", choices=sorted(SUITES), default="default", help=f"sync: {DISPATCH} off"
    )
    args = parser.parse_args(argv)
    doc = run(args.profile, args.only, args.dispatch)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=1) + "\n")
    failed = [
        f"{r['benchmark']}/{r['variant']}: {r['status']}"
        for r in doc["records"]
        if r.get("status", "ok") != "ok"
    ]
    sys.stdout.write(
        f"jax {jax.__version__} ({doc['suite']}): {len(doc['records'])} records, "
        f"{doc['load']['wall_s']:.0f} s -> {args.out}"
        + (f"; not ok: {failed}" if failed else "")
        + "\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
