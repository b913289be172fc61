"""Examples for the profiling page: capture a trace of a few steps, and read where the time went.

A trace from ``jax.profiler.trace(..., create_perfetto_trace=True)`` is a Chrome trace (JSON,
gzipped): each complete event has a name, a thread, a start and a duration in microseconds.
Read on the thread that ran the step (the host's Python thread), its events say how often it dispatched a jitted
function (``PjitFunction(...)``; op by op, each operation is one) and launched a compiled
program (:data:`LAUNCH`), and how long the host spent inside those launches.

>>> import jax.numpy as jnp, tempfile
>>> x = jnp.ones(8)
>>> with tempfile.TemporaryDirectory() as logdir:
...     spans = read_spans(trace_steps({"sin": (jnp.sin, (x,))}, logdir, repeats=2))
>>> len(steps_named(spans, "sin"))
2
>>> [profile_step(spans, s).launches for s in steps_named(spans, "sin")]
[1, 1]
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jax

__all__ = [
    "DISPATCH",
    "LAUNCH",
    "Span",
    "StepProfile",
    "profile_step",
    "read_spans",
    "step_facts",
    "steps_named",
    "timeline",
    "trace_steps",
    "typical_step",
]

DISPATCH = "PjitFunction("
"""How the event of a call of a jitted function is named (op by op, every operation is one)."""
LAUNCH = "CommonPjRtLoadedExecutable::ExecuteHelperOnSingleDevice"
"""The event of one launch of a compiled program on one device, on the thread that calls it."""


@dataclass(frozen=True)
class Span:
    """One complete event of a trace: what ran, on which thread, when and for how long (µs)."""

    name: str
    thread: str
    start_us: float
    duration_us: float

    @property
    def end_us(self) -> float:
        return self.start_us + self.duration_us

    def contains(self, other: Span) -> bool:
        """Whether ``other`` starts and ends within this span (on any thread)."""
        return self.start_us <= other.start_us and other.end_us <= self.end_us


def trace_steps(
    steps: Mapping[str, tuple[Callable[..., Any], Sequence[Any]]], logdir: str | Path, repeats: int
) -> Path:
    """Call each ``fn(*args)`` of ``steps`` ``repeats`` times inside one profiler trace, each
    call marked as a step named after its key, and return the Perfetto trace file.

    Each step runs once before the trace, so no compilation falls in it. The Python tracer,
    which adds an event for every Python function call, is off.
    """
    for fn, args in steps.values():
        jax.block_until_ready(fn(*args))  # type: ignore[no-untyped-call]
    options = jax.profiler.ProfileOptions()
    options.python_tracer_level = 0
    with jax.profiler.trace(logdir, create_perfetto_trace=True, profiler_options=options):
        for name, (fn, args) in steps.items():
            for i in range(repeats):
                with jax.profiler.StepTraceAnnotation(name, step_num=i):
                    jax.block_until_ready(fn(*args))  # type: ignore[no-untyped-call]
    (trace,) = Path(logdir).glob("plugins/profile/*/perfetto_trace.json.gz")
    return trace


def read_spans(trace: Path) -> list[Span]:
    """Every complete event (``"ph": "X"``) of a Perfetto trace file, in order of start."""
    events = json.loads(gzip.decompress(trace.read_bytes()))["traceEvents"]
    threads = {
        (e["pid"], e["tid"]): e["args"]["name"]
        for e in events
        if e.get("ph") == "M" and e.get("name") == "thread_name"
    }
    spans = [
        Span(e["name"], threads.get((e["pid"], e["tid"]), ""), e["ts"], e["dur"])
        for e in events
        if e.get("ph") == "X"
    ]
    return sorted(spans, key=lambda s: (s.start_us, -s.duration_us))


def steps_named(spans: Sequence[Span], name: str) -> list[Span]:
    """The steps :func:`trace_steps` marked ``name``, in order."""
    return [s for s in spans if s.name == name]


def typical_step(spans: Sequence[Span], name: str) -> Span:
    """The step marked ``name`` of median duration (the later of the two middle ones)."""
    found = sorted(steps_named(spans, name), key=lambda s: s.duration_us)
    if not found:
        raise LookupError(f"no step named {name!r} in the trace")
    return found[len(found) // 2]


@dataclass(frozen=True)
class StepProfile:
    """What one step did on the host: its jitted calls and launches, and where its time went."""

    dispatches: int
    """Calls of a jitted function, outermost only (one such call may call another)."""
    launches: int
    """Compiled programs launched."""
    inside_us: float
    """Time inside launches in µs; they do not overlap, as one thread makes them one by one."""
    outside_us: float
    """The rest of the step in µs, for Python and for JAX's work before and after each launch,
    and for waiting: on a CPU, a launch hands a large program to XLA's threads and returns."""
    running_us: float
    """How long, in µs, some compiled program ran (a launch on the step's thread, or any work
    on XLA's other threads; their union, so no time counts twice)."""
    host_us: float
    """How long, in µs, the host ran alone in the step, with no compiled program running."""


def _host(spans: Sequence[Span], step: Span, starts: str) -> list[Span]:
    """The spans within ``step``, on its thread, whose names start with ``starts``."""
    return [
        s
        for s in spans
        if s.thread == step.thread and s.name.startswith(starts) and step.contains(s)
    ]


def _outermost(spans: Sequence[Span]) -> list[Span]:
    """Those of ``spans`` (in order of start) that no other of them contains."""
    kept: list[Span] = []
    for span in spans:
        if not kept or not kept[-1].contains(span):
            kept.append(span)
    return kept


def profile_step(spans: Sequence[Span], step: Span) -> StepProfile:
    """How many jitted calls and launches ``step`` made, its time inside and outside them, and
    its time with some compiled program running (on any thread) and with the host alone."""
    launches = _host(spans, step, LAUNCH)
    inside = sum(s.duration_us for s in launches)
    workers = [s for s in spans if s.thread != step.thread and step.contains(s)]
    running = _covered([*launches, *workers])
    return StepProfile(
        dispatches=len(_outermost(_host(spans, step, DISPATCH))),
        launches=len(launches),
        inside_us=inside,
        outside_us=step.duration_us - inside,
        running_us=running,
        host_us=step.duration_us - running,
    )


def _covered(spans: Sequence[Span]) -> float:
    """The time in µs that at least one of ``spans`` covers.

    >>> _covered([Span("a", "t", 0, 4), Span("b", "u", 2, 4), Span("c", "t", 10, 1)])
    7.0
    """
    total, start, end = 0.0, None, None
    for span in sorted(spans, key=lambda s: s.start_us):
        if end is None or span.start_us > end:
            total += 0.0 if start is None or end is None else end - start
            start, end = span.start_us, span.end_us
        else:
            end = max(end, span.end_us)
    return total + (0.0 if start is None or end is None else end - start)


def step_facts(spans: Sequence[Span], name: str) -> dict[str, float]:
    """Each step named ``name``, profiled, as scalars a results record can hold.

    ``steps`` is their number; step ``i``'s counts are ``dispatches/i`` and ``launches/i``,
    its seconds inside and outside launches ``inside_s/i`` and ``outside_s/i``, and its seconds
    with a compiled program running and with the host alone ``running_s/i`` and ``host_s/i``.

    >>> step = Span("train", "python", 0.0, 10.0)
    >>> step_facts([step, Span(LAUNCH, "python", 2.0, 6.0)], "train")["outside_s/0"]
    4e-06
    """
    facts: dict[str, float] = {"steps": 0}
    for i, step in enumerate(steps_named(spans, name)):
        found = profile_step(spans, step)
        facts.update(
            {
                "steps": i + 1,
                f"dispatches/{i}": found.dispatches,
                f"launches/{i}": found.launches,
                f"inside_s/{i}": found.inside_us * 1e-6,
                f"outside_s/{i}": found.outside_us * 1e-6,
                f"running_s/{i}": found.running_us * 1e-6,
                f"host_s/{i}": found.host_us * 1e-6,
            }
        )
    return facts


def timeline(spans: Sequence[Span], step: Span) -> dict[str, list[tuple[float, float]]]:
    """One step's lanes for a timeline chart: each a list of (start, duration), in µs from the
    step's start.

    On the step's thread, the time outside any jitted call, the jitted calls and the launches
    within them; then what ran on other threads (XLA's CPU client runs the compiled programs' kernels there).
    """
    calls = _outermost(_host(spans, step, DISPATCH))
    edges = [step.start_us, *(t for c in calls for t in (c.start_us, c.end_us)), step.end_us]
    between = [(a, b - a) for a, b in zip(edges[::2], edges[1::2], strict=True) if b > a]
    workers = [s for s in spans if s.thread != step.thread and step.contains(s)]

    def lane(found: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
        return [(start - step.start_us, duration) for start, duration in found]

    return {
        "Python, between jitted calls": lane(between),
        "jitted calls (dispatch)": lane([(c.start_us, c.duration_us) for c in calls]),
        "compiled programs (launch)": lane(
            [(s.start_us, s.duration_us) for s in _host(spans, step, LAUNCH)]
        ),
        "XLA's threads (kernels)": lane([(s.start_us, s.duration_us) for s in workers]),
    }
