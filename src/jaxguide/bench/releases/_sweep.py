"""What ``nox -s releases`` runs: the plan of a sweep, with the standard library alone.

``noxfile.py`` loads this file by its path (nox's own environment has neither jax nor
jaxguide), as ``nox -s new-page`` loads its tool.

>>> plan = parse(["0.10.2", "0.4.30", "--profile", "tiny"])
>>> plan.releases, plan.profile, plan.out.as_posix()
(('0.4.30', '0.10.2'), 'tiny', 'docs/results/data')
>>> requirements("0.4.30")
['jax==0.4.30', 'jaxlib==0.4.30']
>>> environment_name("0.4.30")
'releases-jax-0.4.30'
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

__all__ = [
    "DEVICES",
    "RELEASES",
    "Plan",
    "environment_name",
    "parse",
    "release_key",
    "requirements",
    "xla_flags",
]

RELEASES = ("0.4.30", "0.4.38", "0.5.3", "0.6.2", "0.7.2", "0.8.3", "0.9.2", "0.10.2")
DEVICES = 8
STORED = Path("docs/results/data")
_VERSION = re.compile(r"\d+\.\d+\.\d+")


def release_key(version: str) -> tuple[int, ...]:
    """A release's version as numbers, to sort releases by.

    >>> sorted(["0.10.2", "0.4.30", "0.9.2"], key=release_key)
    ['0.4.30', '0.9.2', '0.10.2']
    """
    return tuple(int(part) for part in version.split(".") if part.isdigit())


class Plan(NamedTuple):
    """A sweep: which releases, in which profile, into which folder, which workloads."""

    releases: tuple[str, ...]
    profile: str
    out: Path
    only: tuple[str, ...]


def parse(argv: Sequence[str]) -> Plan:
    """``nox -s releases -- [VERSION ...] [--profile P] [--out DIR] [--only WORKLOAD ...]``:
    the releases named (every one of :data:`RELEASES` when none is), oldest first."""
    parser = argparse.ArgumentParser(prog="nox -s releases --")
    parser.add_argument("releases", nargs="*", metavar="VERSION", help="e.g. 0.4.30 0.10.2")
    parser.add_argument("--profile", choices=("tiny", "quick", "full"), default="quick")
    parser.add_argument("--out", type=Path, default=STORED, help=f"default {STORED}")
    parser.add_argument("--only", nargs="+", default=(), metavar="WORKLOAD")
    args = parser.parse_args(list(argv))
    bad = [v for v in args.releases if not _VERSION.fullmatch(v)]
    if bad:
        parser.error(f"not a release version: {', '.join(bad)} (e.g. 0.4.30)")
    chosen = sorted(set(args.releases or RELEASES), key=release_key)
    return Plan(tuple(chosen), args.profile, args.out, tuple(args.only))


def requirements(version: str) -> list[str]:
    """What a release's environment installs: that jax and jaxlib, nothing else pinned."""
    return [f"jax=={version}", f"jaxlib=={version}"]


def environment_name(version: str) -> str:
    """The release's environment's folder under ``.nox/`` (and its results file's stem)."""
    return f"releases-jax-{version}"


def xla_flags(current: str = "") -> str:
    """``XLA_FLAGS`` for a release's process: :data:`DEVICES` simulated CPU devices (a flag
    every release reads, where ``JAX_NUM_CPU_DEVICES`` is newer than 0.4.30).

    >>> xla_flags("--xla_dump_to=/tmp/x")
    '--xla_dump_to=/tmp/x --xla_force_host_platform_device_count=8'
    """
    flag = f"--xla_force_host_platform_device_count={DEVICES}"
    kept = [f for f in current.split() if not f.startswith(flag.partition("=")[0])]
    return " ".join([*kept, flag])
