"""``python -m jaxguide.bench``: list the suites, run them, report on results files (claims too).

The one module of the harness that shows results: its reports are :mod:`jaxguide.render`'s.

Misuse (an unknown suite, a bad size list, an unwritable path, an unknown backend, a GPU
asked for where there is none) exits with status 2 and a one-line message.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Never, NoReturn, TextIO

import jax
from tqdm import tqdm

from jaxguide.bench._suites import PROFILES, Profile
from jaxguide.bench.suites import SUITES
from jaxguide.render import (
    busy_warning,
    claims_report,
    comparison_tables,
    report,
    timing_chart,
)
from jaxguide.results import Results, ResultsError, differences, load_results

__all__ = ["UsageError", "main"]

BACKENDS = ("cpu", "gpu", "tpu")


class UsageError(Exception):
    """A mistake in how the CLI was called: reported in one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m jaxguide.bench", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    commands.add_parser("list", help="the suites this harness can run")

    run = commands.add_parser("run", help="run a suite (or all) and write its results")
    run.add_argument("suite", help="a suite's name (see `list`), or `all`")
    run.add_argument("--profile", choices=sorted(PROFILES), default="quick")
    run.add_argument(
        "--out",
        type=Path,
        default=Path(),
        help="a .json file (one suite), or a folder that receives <suite>-<backend>.json "
        "for each suite (default: the current folder)",
    )
    run.add_argument("--sizes", help="batch sizes to sweep, comma-separated (e.g. 10,100,1000)")
    run.add_argument("--backend", choices=BACKENDS, help="the JAX backend to measure on")
    run.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")

    rep = commands.add_parser(
        "report", help="print results files as tables, and every claim's verdict on them"
    )
    rep.add_argument("files", nargs="+", type=Path, metavar="FILE")
    rep.add_argument("--chart", type=Path, help="write a log-log chart of the timings (SVG)")

    cmp = commands.add_parser(
        "compare", help="two results files of one suite side by side, with ratios"
    )
    cmp.add_argument("files", nargs=2, type=Path, metavar="FILE", help="A.json B.json")
    cmp.add_argument("--chart", type=Path, help="write both files' timings on one chart (SVG)")
    return parser


def parse_sizes(text: str) -> tuple[int, ...]:
    """``"10,100,1_000"`` → ``(10, 100, 1000)``; anything else is a :class:`UsageError`.

    >>> parse_sizes("100, 10,1_000")
    (10, 100, 1000)
    >>> parse_sizes("10,ten")
    Traceback (most recent call last):
    ...
    jaxguide.bench._cli.UsageError: --sizes '10,ten': expected positive integers separated by commas
    """
    try:
        sizes = tuple(sorted({int(part) for part in text.split(",")}))
    except ValueError:
        sizes = ()
    if not sizes or sizes[0] < 1:
        raise UsageError(f"--sizes {text!r}: expected positive integers separated by commas")
    return sizes


def select_backend(name: str) -> None:
    """Measure on backend ``name``, or raise :class:`UsageError` where it is not available."""
    # Takes effect if JAX has not started yet; jax.config.update is untyped.
    jax.config.update("jax_platforms", name)  # type: ignore[no-untyped-call]
    try:
        jax.devices(name)
    except RuntimeError as exc:
        reason = str(exc).strip().splitlines()[0]
        raise UsageError(f"--backend {name}: no {name} device on this machine ({reason})") from None
    if jax.default_backend() != name:
        raise UsageError(f"--backend {name}: JAX already runs on {jax.default_backend()}")


def _writable(path: Path) -> Path:
    """``path`` once its folder exists and would accept the file; a :class:`UsageError` if not."""
    existed = path.exists()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a"):
            pass
        if not existed:
            path.unlink()
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None
    return path


def _targets(suite: str, out: Path, backend: str) -> list[tuple[str, Path]]:
    names = sorted(SUITES) if suite == "all" else [suite]
    if suite != "all" and suite not in SUITES:
        raise UsageError(f"unknown suite {suite!r}; suites: {', '.join(sorted(SUITES))}")
    if out.suffix == ".json":
        if len(names) > 1:
            raise UsageError(f"--out {out}: `run all` writes one file per suite; give a folder")
        return [(names[0], _writable(out))]
    return [(name, _writable(out / f"{name}-{backend}.json")) for name in names]


def _run(args: argparse.Namespace) -> None:
    profile: Profile = PROFILES[args.profile]
    if args.sizes is not None:
        profile = dataclasses.replace(profile, sizes=parse_sizes(args.sizes))
    if args.backend is not None:
        select_backend(args.backend)
    for name, path in _targets(args.suite, args.out, jax.default_backend()):
        with tqdm(desc=name, unit="point", disable=args.no_progress, file=sys.stderr) as bar:

            def advance(done: int, total: int, bar: tqdm[Never] = bar) -> None:
                bar.total = total
                bar.update(done - bar.n)

            results = SUITES[name].run(profile, on_point=advance)
        results.save(path)
        failed = [r.message for r in results.records if r.status != "ok"]
        _say(f"{name}: {len(results.records)} records → {path}")
        for message in failed:
            _say(f"  not measured: {message}")
        if results.load is not None and results.load.busy:
            _say(f"  {busy_warning(results.load)}")


def _load(paths: Sequence[Path]) -> list[Results]:
    runs = []
    for path in paths:
        try:
            runs.append(load_results(path))
        except ResultsError as exc:
            raise UsageError(str(exc)) from None
    return runs


def _chart(runs: list[Results], path: Path) -> None:
    try:
        figure = timing_chart(runs)
    except ValueError as exc:
        raise UsageError(f"--chart: {exc}") from None
    # A file on its own has no page behind it: it gets a white background.
    figure.savefig(_writable(path), format="svg", facecolor="white")
    _say(f"chart → {path}")


def _compare(args: argparse.Namespace) -> None:
    a, b = _load(args.files)
    if a.suite != b.suite:
        raise UsageError(
            f"{args.files[0]} is suite {a.suite!r}, {args.files[1]} is {b.suite!r}: "
            "compare two files of one suite"
        )
    labels = ["A", "B"]
    _say(f"A: {args.files[0]} ({a.environment.hardware}, {a.environment.date})")
    _say(f"B: {args.files[1]} ({b.environment.hardware}, {b.environment.date})")
    for label, run in zip(labels, (a, b), strict=True):
        if run.load is not None and run.load.busy:
            _say(f"{label}: {busy_warning(run.load)}")
    notes = differences(b, a)
    _say(
        "Not directly comparable: " + "; ".join(notes)
        if notes
        else "Comparable: same suite version, profile and jax version."
    )
    _say(
        "B ÷ A below 1: B was faster (or needed less memory); same / slower / faster / unclear "
        "by the one comparison rule (95% interval within 10% of 1, or wholly outside)."
    )
    for table in comparison_tables(a, [b], labels):
        _say("\n" + str(table))
    if args.chart is not None:
        _chart([a, b], args.chart)


def _report(args: argparse.Namespace) -> None:
    runs = _load(args.files)
    _say(
        "\n\n".join(
            report(results, name=str(path)) + "\n\n" + claims_report(results)
            for results, path in zip(runs, args.files, strict=True)
        )
    )
    if args.chart is not None:
        _chart(runs, args.chart)


def _say(text: str, stream: TextIO | None = None) -> None:
    (stream or sys.stdout).write(text + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    """The CLI's entry point; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "list":
            for suite in SUITES.values():
                _say(f"{suite.name:14} v{suite.version}  {suite.description}")
        elif args.command == "run":
            _run(args)
        elif args.command == "compare":
            _compare(args)
        else:
            _report(args)
    except UsageError as exc:
        _say(f"{parser.prog}: error: {exc}", sys.stderr)
        return 2
    except BrokenPipeError:  # the reader stopped early (`... | head`): not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0
