"""Suites: named, versioned sets of measurements that the CLI, the pages and CI run alike."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal, get_args

from jaxguide.bench._environment import describe_environment
from jaxguide.bench._results import Method, Record, Results

__all__ = [
    "PROFILES",
    "SUITES",
    "Profile",
    "ProfileName",
    "Suite",
    "page_profile",
    "register_suite",
    "run_suite",
]

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
    copy_bytes: int = 64 * 2**20
    """The size of the reference copy that measures this machine's memory bandwidth."""
    sizes: tuple[int, ...] = ()
    """Batch sizes to sweep (when empty, powers of ten from 10 up to ``max_batch``)."""

    def batches(self, limit: int | None = None) -> tuple[int, ...]:
        """The batch sizes to sweep, those up to ``limit`` when given.

        >>> PROFILES["quick"].batches()
        (10, 100, 1000, 10000)
        >>> PROFILES["quick"].batches(limit=1000)
        (10, 100, 1000)
        """
        sweep = self.sizes or tuple(10**k for k in range(1, len(str(self.max_batch))))
        return sweep if limit is None else tuple(n for n in sweep if n <= limit)


PROFILES: dict[ProfileName, Profile] = {
    "quick": Profile(
        name="quick",
        method=Method(warmups=1, repeats=5, min_loop_s=0.01),
        max_batch=10_000,
        max_loop_batch=100,
        point_timeout_s=20.0,
    ),
    "full": Profile(
        name="full",
        method=Method(warmups=2, repeats=15, min_loop_s=0.1),
        max_batch=1_000_000,
        max_loop_batch=10_000,
        point_timeout_s=300.0,
        copy_bytes=256 * 2**20,
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


def page_profile() -> ProfileName:
    """The profile a page runs its suites in: ``JAXGUIDE_PROFILE``, ``quick`` when unset.

    >>> page_profile() in PROFILES
    True
    """
    name = os.environ.get("JAXGUIDE_PROFILE", "quick")
    choices: tuple[ProfileName, ...] = get_args(ProfileName)
    for choice in choices:
        if name == choice:
            return choice
    raise ValueError(f"JAXGUIDE_PROFILE={name!r}: expected one of {', '.join(choices)}")


def run_suite(
    name: str,
    profile: ProfileName | Profile = "quick",
    on_point: Callable[[int, int], None] | None = None,
) -> Results:
    """Run suite ``name`` in ``profile`` and return its results, provenance included.

    ``profile`` is a profile's name, or a :class:`Profile` (e.g. with its own ``sizes``).
    ``on_point(done, total)`` is called after each point (the CLI draws a progress bar).
    """
    suite = SUITES[name]
    prof = PROFILES[profile] if isinstance(profile, str) else profile
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
