"""Suites: named, versioned sets of measurements that the CLI, the pages and CI run alike."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal, get_args

from jaxguide.bench._environment import describe_environment
from jaxguide.bench._load import watch_load
from jaxguide.results import Method, Record, Results

__all__ = [
    "PROFILES",
    "Point",
    "Profile",
    "ProfileName",
    "Suite",
    "page_profile",
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
    stream_elements: tuple[int, ...] = (2**20, 2**24, 2**26)
    """Sizes (float32 elements) of the copy and add timed against the memory's bandwidth:
    one that fits a typical last-level cache, two well past it."""
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
        method=Method(warmups=1, repeats=7, min_loop_s=0.01),
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
    ),
}

Point = Callable[[], Record | tuple[Record, ...]]
"""One measurement of a suite: the record it takes, or the records of variants timed together."""


@dataclass(frozen=True)
class Suite:
    """A named set of measurements; bump ``version`` when what it measures changes."""

    name: str
    version: int
    description: str
    points: Callable[[Profile], Iterable[Point]]
    """Given a profile, the measurements to take."""
    produces: frozenset[tuple[str, str]]
    """Every (benchmark, variant) pair its records may have; claims are checked against it."""

    def run(
        self,
        profile: ProfileName | Profile = "quick",
        on_point: Callable[[int, int], None] | None = None,
    ) -> Results:
        """Run the suite in ``profile`` and return its results, provenance included.

        ``profile`` is a profile's name, or a :class:`Profile` (e.g. with its own ``sizes``).
        ``on_point(done, total)`` is called after each point (the CLI draws a progress bar).
        A record of a (benchmark, variant) the suite does not declare is an error. The results
        say how busy the machine was meanwhile (:func:`~jaxguide.bench.watch_load`).
        """
        prof = PROFILES[profile] if isinstance(profile, str) else profile
        points = list(self.points(prof))
        records: list[Record] = []
        with watch_load() as watch:
            for done, point in enumerate(points, start=1):
                taken = point()
                records.extend(taken if isinstance(taken, tuple) else (taken,))
                if on_point is not None:
                    on_point(done, len(points))
        undeclared = {(r.benchmark, r.variant) for r in records} - self.produces
        if undeclared:
            raise ValueError(f"suite {self.name!r} wrote undeclared records: {sorted(undeclared)}")
        return Results(
            suite=self.name,
            suite_version=self.version,
            profile=prof.name,
            environment=describe_environment(),
            method=prof.method,
            records=tuple(records),
            load=watch.load,
        )


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
