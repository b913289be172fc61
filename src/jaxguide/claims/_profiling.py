"""Claims of the profiling page, read from the trace and timings it measures, for a small model
(``profiling``) and a large one (``profiling-large``).

The page traces each variant of a training step for a few steps and records, with the
variant's timing, each step's counts and seconds as
:func:`jaxguide.examples.profiling.step_facts` writes them: ``steps``, then ``launches/i``,
``dispatches/i``, ``inside_s/i``, ``outside_s/i``, ``running_s/i`` and ``host_s/i`` for step
``i``. A measured claim takes the steps' seconds as its samples. At the small size the kernels
are tiny and dispatch dominates by construction; the large size is there to see whether what
the small one shows holds where the kernels take the time.
"""

from __future__ import annotations

from collections.abc import Callable

from jaxguide.claims._core import Evidence, MeasuredClaim, Pair, StrictClaim
from jaxguide.claims._predicates import counted, timing_pair
from jaxguide.results import NotMeasured, Record, Results, Threshold, benchmark_variants

__all__ = ["CLAIMS"]

STEPS = benchmark_variants("step/op-by-op", "step/jit")


def per_step(record: Record, fact: str) -> list[float]:
    """Each traced step's ``fact`` (``fact/0``, ``fact/1``, ...) from ``record``'s values."""
    steps = int(record.values.get("steps", 0))
    if not steps:
        raise NotMeasured(f"{record.benchmark}/{record.variant} holds no traced steps")
    return [float(record.values[f"{fact}/{i}"]) for i in range(steps)]


def one_launch_per_dispatch(results: Results) -> Evidence:
    """Every step launched one program per jitted call: one under jit, many op by op."""
    found = {}
    for variant in ("jit", "op-by-op"):
        record = results.record("step", variant)
        found[variant] = (per_step(record, "launches"), per_step(record, "dispatches"))
        counted(
            {
                f"{fact} in a step": min(n)
                for fact, n in zip(("launches", "dispatches"), found[variant], strict=True)
            },
            f"step/{variant}",
        )
    (jit, jit_calls), (ops, op_calls) = found["jit"], found["op-by-op"]
    steps = f"in each of {len(ops)} steps" if len(ops) == len(jit) else "per step"
    return Evidence(
        holds=jit == jit_calls and set(jit) == {1} and ops == op_calls and min(ops) > 1,
        figure=f"jit: {_span(jit)} launch for {_span(jit_calls)} jitted call; op-by-op: "
        f"{_span(ops)} launches for {_span(op_calls)} operations, {steps}",
        values={"jit_launches": max(jit), "op_by_op_launches": min(ops)},
    )


def _span(counts: list[float]) -> str:
    """``"38"``, or ``"36–38"`` when the steps differ."""
    low, high = int(min(counts)), int(max(counts))
    return f"{low}" if low == high else f"{low}–{high}"


_SECONDS = {
    "inside_s": "inside launches",
    "outside_s": "outside launches",
    "running_s": "programs running",
    "host_s": "host alone",
}
"""Each of a step's seconds as a comparison's label names it."""


def step_seconds(variant: str, longer: str, shorter: str) -> Callable[[Results], dict[str, Pair]]:
    """A predicate pairing ``variant``'s steps' seconds ``longer`` (a key of :data:`_SECONDS`)
    with their seconds ``shorter``, the side expected to take less."""

    def pairs(results: Results) -> dict[str, Pair]:
        record = results.record("step", variant)
        label = f"{variant}, {_SECONDS[longer]} over {_SECONDS[shorter]}"
        return {label: (per_step(record, longer), per_step(record, shorter))}

    return pairs


_STRETCHES = {
    "running_s": "stretches running compiled programs",
    "host_s": "host-alone stretches",
}
"""Each of a step's seconds as a ratio's side names it."""


def step_sides(longer: str, shorter: str) -> Callable[[str], tuple[str, str, str]]:
    """The sides of :func:`step_seconds`' comparison, ``longer`` over ``shorter``.

    >>> step_sides("host_s", "running_s")("op-by-op, host alone over programs running")
    ("an unjitted step's host-alone stretches", 'its stretches running compiled programs', '')
    """
    names = (f"an unjitted step's {_STRETCHES[longer]}", f"its {_STRETCHES[shorter]}", "")
    return lambda _: names


CLAIMS = (
    StrictClaim(
        id="profile-one-launch-per-dispatch",
        statement="In the trace, every step launches one compiled program for each jitted "
        "call it makes: one per step under jit, one per operation, many per step, without.",
        suite="profiling",
        falsified_by="The trace shows a jitted step launching more than one program, or op by op a "
        "launch count other than its dispatches.",
        reads=STEPS,
        predicate=one_launch_per_dispatch,
    ),
    MeasuredClaim(
        id="profile-jit-step-faster",
        statement="With the small model, the jitted training step is at least ten times as fast "
        "as the unjitted one.",
        suite="profiling",
        falsified_by="With the small model, the unjitted step takes under ten times the jitted "
        "step's time.",
        reads=STEPS,
        predicate=lambda r: timing_pair(r, "step", "op-by-op", "jit"),
        ratio_of=("the unjitted step", "the jitted step"),
        threshold=Threshold(at_least=10),
    ),
    MeasuredClaim(
        id="profile-op-by-op-outside-programs",
        statement="With the small model, an unjitted step spends at least twice as long with "
        "the host alone, no compiled program running on any thread, as running programs.",
        suite="profiling",
        falsified_by="With the small model, an unjitted step's time with the host alone is under "
        "twice its time with programs running.",
        reads=benchmark_variants("step/op-by-op"),
        predicate=step_seconds("op-by-op", "host_s", "running_s"),
        ratio_of=step_sides("host_s", "running_s"),
        threshold=Threshold(at_least=2),
    ),
    MeasuredClaim(
        id="profile-large-op-by-op-in-programs",
        statement="With the large model, an unjitted step spends longer running compiled "
        "programs than with the host alone.",
        suite="profiling-large",
        falsified_by="With the large model, an unjitted step's time with programs running is "
        "under 1.1× its time with the host alone.",
        reads=benchmark_variants("step/op-by-op"),
        predicate=step_seconds("op-by-op", "running_s", "host_s"),
        ratio_of=step_sides("running_s", "host_s"),
        threshold=Threshold(at_least=1.1),
    ),
    MeasuredClaim(
        id="profile-large-jit-gain",
        statement="With the large model, the jitted training step is still faster than the "
        "unjitted one, but by less than ten times.",
        suite="profiling-large",
        falsified_by="With the large model, the unjitted step takes under 1.1× the jitted step's "
        "time, or over ten times.",
        reads=STEPS,
        predicate=lambda r: timing_pair(r, "step", "op-by-op", "jit"),
        ratio_of=("the unjitted step", "the jitted step"),
        threshold=Threshold(at_least=1.1, at_most=10),
    ),
)
