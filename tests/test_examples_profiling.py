"""The profiling page's trace reader, on a real trace of a tiny function, and its timeline."""

from __future__ import annotations

import gzip
import json
import math
import tempfile
from pathlib import Path

import jax
import jax.numpy as jnp
import matplotlib.colors
import pytest

from jaxguide.examples.profiling import (
    Span,
    profile_step,
    read_spans,
    step_facts,
    steps_named,
    timeline,
    trace_steps,
    typical_step,
)
from jaxguide.render import timeline_chart

REPEATS = 3


def three_operations(x: jax.Array) -> jax.Array:
    return jnp.tanh(jnp.sin(x) @ x)


@pytest.fixture(scope="module")
def spans() -> list[Span]:
    x = jnp.ones((4, 4))
    steps = {"eager": (three_operations, (x,)), "jitted": (jax.jit(three_operations), (x,))}
    with tempfile.TemporaryDirectory() as logdir:
        return read_spans(trace_steps(steps, logdir, repeats=REPEATS))


def test_every_step_run_is_in_the_trace(spans: list[Span]) -> None:
    for name in ("eager", "jitted"):
        found = steps_named(spans, name)
        assert len(found) == REPEATS
        assert len({s.thread for s in found}) == 1
    assert steps_named(spans, "eager")[-1].end_us <= steps_named(spans, "jitted")[0].start_us


def test_eager_launches_one_program_per_operation_jitted_one(spans: list[Span]) -> None:
    for step in steps_named(spans, "eager"):
        found = profile_step(spans, step)
        assert (found.dispatches, found.launches) == (3, 3)
    for step in steps_named(spans, "jitted"):
        found = profile_step(spans, step)
        assert (found.dispatches, found.launches) == (1, 1)


def test_a_steps_time_is_inside_launches_or_outside(spans: list[Span]) -> None:
    for step in steps_named(spans, "eager"):
        found = profile_step(spans, step)
        assert 0 < found.inside_us < step.duration_us
        assert math.isclose(found.inside_us + found.outside_us, step.duration_us)
        # a program runs at least while it is launched; host and running make up the step
        assert found.inside_us <= found.running_us + 1e-6 < step.duration_us
        assert math.isclose(found.running_us + found.host_us, step.duration_us)


def test_step_facts_hold_each_steps_profile_in_seconds(spans: list[Span]) -> None:
    facts = step_facts(spans, "eager")
    assert facts["steps"] == REPEATS
    last = profile_step(spans, steps_named(spans, "eager")[-1])
    assert facts[f"launches/{REPEATS - 1}"] == last.launches
    assert facts[f"outside_s/{REPEATS - 1}"] == pytest.approx(last.outside_us * 1e-6)
    assert facts[f"host_s/{REPEATS - 1}"] == pytest.approx(last.host_us * 1e-6)
    assert step_facts(spans, "no-such-step") == {"steps": 0}


def test_the_timeline_covers_the_step_between_and_within_calls(spans: list[Span]) -> None:
    step = steps_named(spans, "eager")[0]
    lanes = timeline(spans, step)
    between, calls, launches, _ = lanes.values()
    assert len(calls) == len(launches) == 3
    covered = sum(d for _, d in between) + sum(d for _, d in calls)
    assert covered == pytest.approx(step.duration_us)
    for bars in lanes.values():
        assert all(start >= 0 and start + d <= step.duration_us + 1e-6 for start, d in bars)


def test_typical_step_is_the_median_one() -> None:
    spans = [Span("s", "main", start, d) for start, d in ((0, 5), (10, 1), (20, 9))]
    assert typical_step(spans, "s").duration_us == 5
    with pytest.raises(LookupError, match="no step named 'x'"):
        typical_step(spans, "x")


def test_read_spans_names_threads_and_orders_by_start(tmp_path: Path) -> None:
    events = [
        {"ph": "M", "pid": 1, "tid": 7, "name": "thread_name", "args": {"name": "python"}},
        {"ph": "X", "pid": 1, "tid": 7, "name": "late", "ts": 5.0, "dur": 1.0},
        {"ph": "X", "pid": 1, "tid": 8, "name": "early", "ts": 1.0, "dur": 2.0},
        {"ph": "i", "pid": 1, "tid": 7, "name": "instant", "ts": 0.0},
    ]
    trace = tmp_path / "perfetto_trace.json.gz"
    trace.write_bytes(gzip.compress(json.dumps({"traceEvents": events}).encode()))
    assert read_spans(trace) == [Span("early", "", 1.0, 2.0), Span("late", "python", 5.0, 1.0)]


def test_timeline_chart_gives_each_lane_one_colour_on_every_panel(spans: list[Span]) -> None:
    panels = {name: timeline(spans, typical_step(spans, name)) for name in ("eager", "jitted")}
    fig = timeline_chart(panels)
    first, second = (
        [matplotlib.colors.to_hex(c.get_facecolor()[0]) for c in ax.collections] for ax in fig.axes
    )
    assert first == second
    assert len(set(first)) == 4
    with pytest.raises(ValueError, match="no timeline"):
        timeline_chart({})
