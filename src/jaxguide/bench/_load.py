"""How busy the machine is: sampled around each suite run and each page measurement."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from jaxguide.results import Load

__all__ = ["LoadWatch", "watch_load"]

PROC_STAT = Path("/proc/stat")


@dataclass(frozen=True)
class _Sample:
    wall_s: float
    load: float | None
    busy_s: float | None
    """Seconds every core spent busy since boot (Linux), all processes together."""
    own_s: float
    """CPU seconds of this process (all its threads)."""


def _load_average() -> float | None:
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):  # no load average on this OS
        return None


def _busy_seconds(stat: Path) -> float | None:
    """Seconds all cores spent busy since boot, from the first line of ``/proc/stat``: user,
    nice, system, irq, softirq and steal time (idle and iowait are not busy; guest time is
    counted in user already)."""
    try:
        first = stat.read_text().splitlines()[0].split()
        ticks = [int(x) for x in first[1:9]]
        hz = os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError, AttributeError):
        return None
    if first[0] != "cpu" or len(ticks) < 8:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = ticks
    return (user + nice + system + irq + softirq + steal) / hz


def _sample(stat: Path) -> _Sample:
    return _Sample(time.perf_counter(), _load_average(), _busy_seconds(stat), time.process_time())


def _between(before: _Sample, after: _Sample, cores: int) -> Load:
    others = None
    if before.busy_s is not None and after.busy_s is not None:
        # The machine's busy time less this process's own; clock ticks make it coarse (10 ms a
        # tick), so a small negative difference is rounding, not time.
        others = max(0.0, (after.busy_s - before.busy_s) - (after.own_s - before.own_s))
    return Load(
        cores=cores,
        wall_s=after.wall_s - before.wall_s,
        load_before=before.load,
        load_after=after.load,
        others_cpu_s=others,
    )


class LoadWatch:
    """What :func:`watch_load` yields: its ``load`` is set when the block ends."""

    load: Load | None = None


@contextmanager
def watch_load(stat: Path = PROC_STAT) -> Iterator[LoadWatch]:
    """Watch how busy the machine is while the block runs: the load average before and after,
    and the CPU time other processes took (where ``/proc/stat`` counts it).

    >>> with watch_load() as watch:
    ...     _ = sum(range(10_000))
    >>> watch.load is not None and watch.load.wall_s > 0
    True
    """
    watch = LoadWatch()
    before = _sample(stat)
    try:
        yield watch
    finally:
        watch.load = _between(before, _sample(stat), os.cpu_count() or 1)
