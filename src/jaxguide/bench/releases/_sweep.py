"""What ``nox -s releases`` runs: the plan of a sweep, with the standard library alone.

``noxfile.py`` loads this file by its path (nox's own environment has neither jax nor
jaxguide), as ``nox -s new-page`` loads its tool.

Each release runs in each CPU dispatch mode (:data:`MODES`) in ``--rounds`` processes: round
one runs every release and mode once, oldest first, then round two, and so on, so a slow spell
on the machine falls on every release rather than on one; :func:`merge` then joins a release
and mode's processes into one file.

>>> plan = parse(["0.10.2", "0.4.30", "--profile", "tiny"])
>>> plan.releases, plan.profile, plan.out.as_posix(), plan.rounds
(('0.4.30', '0.10.2'), 'tiny', 'docs/results/data', 3)
>>> [f"{version} {mode}" for _, version, mode in runs(plan)][:3]
['0.4.30 default', '0.4.30 sync', '0.10.2 default']
>>> requirements("0.4.30")
['jax==0.4.30', 'jaxlib==0.4.30']
>>> environment_name("0.4.30")
'releases-jax-0.4.30'
"""

from __future__ import annotations

import argparse
import re
import statistics
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

__all__ = [
    "DEVICES",
    "MODES",
    "RELEASES",
    "Plan",
    "environment_name",
    "merge",
    "parse",
    "release_key",
    "requirements",
    "results_name",
    "runs",
    "xla_flags",
]

RELEASES = ("0.4.30", "0.4.38", "0.5.3", "0.6.2", "0.7.2", "0.8.3", "0.9.2", "0.10.2")
DEVICES = 8
MODES = {"default": "releases", "sync": "releases-sync"}
"""Each CPU dispatch mode a release runs in, and the suite (and file name) it writes: the
release's default, and asynchronous dispatch off (``_workloads.py --dispatch sync``)."""
STORED = Path("docs/results/data")
_VERSION = re.compile(r"\d+\.\d+\.\d+")


def release_key(version: str) -> tuple[int, ...]:
    """A release's version as numbers, to sort releases by.

    >>> sorted(["0.10.2", "0.4.30", "0.9.2"], key=release_key)
    ['0.4.30', '0.9.2', '0.10.2']
    """
    return tuple(int(part) for part in version.split(".") if part.isdigit())


class Plan(NamedTuple):
    """A sweep: which releases, in which profile, into which folder, which workloads, in how
    many processes each."""

    releases: tuple[str, ...]
    profile: str
    out: Path
    only: tuple[str, ...]
    rounds: int


def parse(argv: Sequence[str]) -> Plan:
    """``nox -s releases -- [VERSION ...] [--profile P] [--out DIR] [--rounds N]
    [--only WORKLOAD ...]``: the releases named (every one of :data:`RELEASES` when none is),
    oldest first."""
    parser = argparse.ArgumentParser(prog="nox -s releases --")
    parser.add_argument("releases", nargs="*", metavar="VERSION", help="e.g. 0.4.30 0.10.2")
    parser.add_argument("--profile", choices=("tiny", "quick", "full"), default="quick")
    parser.add_argument("--out", type=Path, default=STORED, help=f"default {STORED}")
    parser.add_argument("--only", nargs="+", default=(), metavar="WORKLOAD")
    parser.add_argument("--rounds", type=int, default=3, help="processes per release and mode")
    args = parser.parse_args(list(argv))
    if args.rounds < 1:
        parser.error(f"--rounds must be at least 1, not {args.rounds}")
    bad = [v for v in args.releases if not _VERSION.fullmatch(v)]
    if bad:
        parser.error(f"not a release version: {', '.join(bad)} (e.g. 0.4.30)")
    chosen = sorted(set(args.releases or RELEASES), key=release_key)
    return Plan(tuple(chosen), args.profile, args.out, tuple(args.only), args.rounds)


def runs(plan: Plan) -> Iterator[tuple[int, str, str]]:
    """Each process of the sweep, in the order it runs: its round, release and mode."""
    for round_ in range(plan.rounds):
        for version in plan.releases:
            for mode in MODES:
                yield round_, version, mode


def requirements(version: str) -> list[str]:
    """What a release's environment installs: that jax and jaxlib, nothing else pinned."""
    return [f"jax=={version}", f"jaxlib=={version}"]


def environment_name(version: str) -> str:
    """The release's environment's folder under ``.nox/``."""
    return f"releases-jax-{version}"


def results_name(version: str, mode: str) -> str:
    """The release and mode's results file's name.

    >>> results_name("0.4.30", "default"), results_name("0.4.30", "sync")
    ('releases-jax-0.4.30.json', 'releases-sync-jax-0.4.30.json')
    """
    return f"{MODES[mode]}-jax-{version}.json"


def _point(record: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    return record["benchmark"], record["variant"], record["params"]


def _merged_timing(timings: list[dict[str, Any]]) -> dict[str, Any]:
    # The bootstrap splits the samples into equal consecutive blocks, one per process: blocks
    # of different sizes would be split at the wrong places, silently where the total divides.
    if len({len(t["samples_s"]) for t in timings}) > 1:
        counts = [len(t["samples_s"]) for t in timings]
        raise ValueError(f"merge: the processes took different numbers of samples, {counts}")
    samples = [s for t in timings for s in t["samples_s"]]
    return {
        "first_call_s": statistics.median(t["first_call_s"] for t in timings),
        "compile_s": statistics.median(t.get("compile_s", 0.0) for t in timings),
        "samples_s": samples,
        "loops": min(t["loops"] for t in timings),
        "recompiled": any(t.get("recompiled", False) for t in timings),
        "processes": len(timings),
    }


def merge(docs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One results file's data from the files of one release and mode's processes.

    A point's samples are the processes' samples in order, in equal blocks (``processes``
    says how many); its first call and compile seconds are the processes' medians, its loops
    the fewest. A point any process did not measure keeps the first such status and message,
    with the round that met it. The environment and date are the first process's; the load
    sums the processes' wall and others' CPU seconds.

    >>> t = {"first_call_s": 1.0, "samples_s": [2.0, 3.0], "loops": 10}
    >>> doc = {"suite": "releases", "records": [{"benchmark": "b", "variant": "v",
    ...        "params": {}, "status": "ok", "timing": t}], "load": None}
    >>> merged = merge([doc, doc])
    >>> merged["records"][0]["timing"]["samples_s"], merged["records"][0]["timing"]["processes"]
    ([2.0, 3.0, 2.0, 3.0], 2)
    """
    first = docs[0]
    if len({(d["suite"], d.get("environment", {}).get("jax_version")) for d in docs}) > 1:
        raise ValueError("merge: the files are not of one release and mode")
    merged = []
    for i, record in enumerate(first["records"]):
        same = [d["records"][i] for d in docs]
        if any(_point(r) != _point(record) for r in same):
            raise ValueError(f"merge: the processes' records differ at {i}")
        failed = [(k, r) for k, r in enumerate(same, 1) if r.get("status", "ok") != "ok"]
        if failed:
            k, r = failed[0]
            if len(failed) < len(same) or any(x != r for _, x in failed):
                r = {**r, "message": f"in round {k} of {len(same)}: {r.get('message', '')}"}
            merged.append(r)
        else:
            merged.append({**record, "timing": _merged_timing([r["timing"] for r in same])})
    loads = [d["load"] for d in docs if d.get("load")]
    load = None
    if loads:
        others = [x["others_cpu_s"] for x in loads]
        load = {
            **loads[0],
            "wall_s": sum(x["wall_s"] for x in loads),
            "load_after": loads[-1]["load_after"],
            "others_cpu_s": None if None in others else sum(others),
        }
    return {**first, "records": merged, "load": load}


def xla_flags(current: str = "") -> str:
    """``XLA_FLAGS`` for a release's process: :data:`DEVICES` simulated CPU devices (a flag
    every release reads, where ``JAX_NUM_CPU_DEVICES`` is newer than 0.4.30).

    >>> xla_flags("--xla_dump_to=/tmp/x")
    '--xla_dump_to=/tmp/x --xla_force_host_platform_device_count=8'
    """
    flag = f"--xla_force_host_platform_device_count={DEVICES}"
    kept = [f for f in current.split() if not f.startswith(flag.partition("=")[0])]
    return " ".join([*kept, flag])
