"""Suites: named, versioned sets of measurements that the CLI, the pages and CI run alike."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from jaxguide.bench._environment import describe_environment
from jaxguide.bench._results import Method, Record, Results

__all__ = ["PROFILES", "SUITES", "Profile", "ProfileName", "Suite", "register_suite", "run_suite"]

ProfileName = Literal["quick", "full"]


@dataclass(frozen=True)
class Profile:
    """How much a run measures: ``quick`` bounds a CPU docs build, ``full`` is for GPUs."""

    name: ProfileName
    method: Method
    max_batch: int
    """The largest batch any suite runs at in this profile."""
    max_loop_batch: int
    """The largest batch a Python-loop variant runs at (it is slow by construction)."""
    point_timeout_s: float
    """A point that takes longer is recorded as a time-out and the suite goes on."""


PROFILES: dict[ProfileName, Profile] = {
    "quick": Profile(
        name="quick",
        method=Method(warmups=1, repeats=5, min_loop_s=0.01),
        max_batch=10_000,
        max_loop_batch=1_000,
        point_timeout_s=20.0,
    ),
    "full": Profile(
        name="full",
        method=Method(warmups=2, repeats=15, min_loop_s=0.1),
        max_batch=1_000_000,
        max_loop_batch=10_000,
        point_timeout_s=300.0,
    ),
}


@dataclass(frozen=True)
class Suite:
    """A named set of measurements; bump ``version`` when what it measures changes."""

    name: str
    version: int
    description: str
    points: Callable[[Profile], Iterable[Callable[[], Record]]]
    """Given a profile, the measurements to take, each a thunk returning its record."""


SUITES: dict[str, Suite] = {}


def register_suite(suite: Suite) -> Suite:
    """Make ``suite`` available to :func:`run_suite` and the CLI."""
    if suite.name in SUITES:
        raise ValueError(f"suite {suite.name!r} registered twice")
    SUITES[suite.name] = suite
    return suite


def run_suite(
    name: str,
    profile: ProfileName = "quick",
    on_point: Callable[[int, int], None] | None = None,
) -> Results:
    """Run suite ``name`` in ``profile`` and return its results, provenance included.

    ``on_point(done, total)`` is called after each point (the CLI draws a progress bar).
    """
    suite = SUITES[name]
    prof = PROFILES[profile]
    thunks = list(suite.points(prof))
    records = []
    for done, thunk in enumerate(thunks, start=1):
        records.append(thunk())
        if on_point is not None:
            on_point(done, len(thunks))
    return Results(
        suite=suite.name,
        suite_version=suite.version,
        profile=prof.name,
        environment=describe_environment(),
        method=prof.method,
        records=tuple(records),
    )
