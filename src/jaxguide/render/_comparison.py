"""Two or more results files of one suite side by side: medians, ratios and their intervals."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from jaxguide.render._tables import Table, format_seconds
from jaxguide.results import Record, Results, Threshold, compare, differences

__all__ = ["SAME", "comparison_grids", "comparison_tables"]

SAME = Threshold(at_least=1 / 1.1, at_most=1.1)
"""Two timings are "the same" when the ratio's whole interval lies within 10% of 1."""


def _value(value: object) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def _key(record: Record) -> tuple[str, str]:
    return record.variant, ", ".join(f"{k}={_value(v)}" for k, v in record.params.items())


def _verdict(ratio: float, outcome: str) -> str:
    if outcome == "holds":
        return "same"
    if outcome == "inconclusive":
        return "unclear"
    return "faster" if ratio < 1 else "slower"


def _timing_cells(base: Record | None, other: Record | None) -> list[str]:
    if other is None or other.timing is None:
        return ["—" if other is None else other.status, ""]
    cell = format_seconds(other.timing.median_s)
    if base is None or base.timing is None:
        return [cell, ""]
    if not (other.timing.samples_s and base.timing.samples_s):
        return [cell, "no interval (a version-1 file kept no samples)"]
    c = compare(other.timing.samples_s, base.timing.samples_s, SAME)
    return [cell, f"{c.ratio:.3g}× [{c.low:.3g}, {c.high:.3g}] {_verdict(c.ratio, c.outcome)}"]


def _memory_cells(base: Record | None, other: Record | None) -> list[str]:
    if other is None or other.memory is None:
        return ["—" if other is None else other.status, ""]
    cell = f"{other.memory.temp_bytes / 2**20:.2f} MiB"
    if base is None or base.memory is None or base.memory.temp_bytes == 0:
        return [cell, ""]
    return [cell, f"{other.memory.temp_bytes / base.memory.temp_bytes:.3g}×"]


@dataclass(frozen=True)
class _Benchmark:
    """One benchmark's records in every run, indexed by (variant, parameters)."""

    name: str
    indexed: list[dict[tuple[str, str], Record]]
    keys: list[tuple[str, str]]
    cells: Callable[[Record | None, Record | None], list[str]]
    title: str
    notes: list[str]


def _benchmarks(runs: Sequence[Results], names: Sequence[str]) -> list[_Benchmark]:
    suites = {r.suite for r in runs}
    if len(suites) > 1:
        raise ValueError(f"results of different suites: {', '.join(sorted(suites))}")
    base, others = runs[0], runs[1:]
    notes = [
        f"{names[i + 1]}: {note}" for i, o in enumerate(others) for note in differences(o, base)
    ]
    backends = {r.environment.backend for r in runs}
    found = []
    for benchmark in dict.fromkeys(r.benchmark for run in runs for r in run.records):
        indexed = [
            {_key(r): r for r in run.select(benchmark) if r.timing or r.memory or r.status != "ok"}
            for run in runs
        ]
        timed = any(r.timing is not None for rs in indexed for r in rs.values())
        memory = any(r.memory is not None for rs in indexed for r in rs.values())
        if not (timed or memory):
            continue
        table_notes = list(notes)
        if memory and not timed and len(backends) > 1:
            table_notes.append(
                "XLA's memory analysis is the compiler's plan for each backend: bytes from "
                "different backends are not directly comparable"
            )
        what = "median time per call" if timed else "XLA temporary memory"
        found.append(
            _Benchmark(
                name=benchmark,
                indexed=indexed,
                keys=list(dict.fromkeys(k for rs in indexed for k in rs)),
                cells=_timing_cells if timed else _memory_cells,
                title=f"{benchmark}: {what}",
                notes=table_notes,
            )
        )
    return found


def comparison_tables(
    base: Results, others: Sequence[Results], labels: Sequence[str] | None = None
) -> list[Table]:
    """One table per benchmark: ``base``'s median (or temporary memory) for each variant and
    parameters, then each other file's, with its ratio to ``base`` and that ratio's interval.

    A ratio below 1 means the other file was faster (or needed less memory). Timings are
    judged by the one comparison rule: ``same`` when the whole interval lies within 10% of 1,
    ``faster`` or ``slower`` when it lies wholly outside, ``unclear`` otherwise.
    """
    runs = [base, *others]
    names = list(labels) if labels else [r.environment.hardware for r in runs]
    header = ["variant", "params", names[0]]
    for name in names[1:]:
        header += [name, f"÷ {names[0]}"]
    tables = []
    for bench in _benchmarks(runs, names):
        rows = []
        for key in bench.keys:
            b = bench.indexed[0].get(key)
            row = [key[0], key[1], bench.cells(b, b)[0]]
            for found in bench.indexed[1:]:
                row += bench.cells(b, found.get(key))
            rows.append(tuple(row))
        tables.append(Table(bench.title, tuple(header), tuple(rows), tuple(bench.notes)))
    return tables


def _column(records: Sequence[Record]) -> str:
    """The parameter a grid's columns sweep: ``batch`` where there is one, else the one with
    the most values."""
    values: dict[str, set[str]] = {}
    for r in records:
        for k, v in r.params.items():
            values.setdefault(k, set()).add(_value(v))
    if "batch" in values:
        return "batch"
    return max(values, key=lambda k: len(values[k]), default="")


def _labelled(records: Sequence[Record], column: str) -> set[tuple[str, str]]:
    """The (variant, parameter) pairs a row must name: those that take several values at one
    column (a chunk size that varies at each batch). One value per column (vmap's chunk, equal
    to its batch) says nothing the column does not."""
    seen: dict[tuple[str, str, str], set[str]] = {}
    for r in records:
        at = _value(r.params.get(column, ""))
        for k, v in r.params.items():
            if k != column:
                seen.setdefault((r.variant, k, at), set()).add(_value(v))
    return {(variant, k) for (variant, k, _), vs in seen.items() if len(vs) > 1}


def _place(record: Record, column: str, labelled: set[tuple[str, str]]) -> tuple[str, str]:
    """Where ``record`` sits in a grid whose columns sweep ``column``: (row, column) labels."""
    rest = ", ".join(
        f"{k}={_value(v)}" for k, v in record.params.items() if (record.variant, k) in labelled
    )
    label = record.variant + (f" ({rest})" if rest else "")
    params = record.params
    return label, (f"{column} {_value(params[column])}" if column in params else "—")


def _short_names(runs: Sequence[Results]) -> list[str]:
    """Each run's backend, numbered where two runs share one: ``cpu``, ``gpu``, ``gpu 2``."""
    seen: dict[str, int] = {}
    names = []
    for run in runs:
        backend = run.environment.backend
        seen[backend] = seen.get(backend, 0) + 1
        names.append(backend if seen[backend] == 1 else f"{backend} {seen[backend]}")
    return names


def comparison_grids(
    base: Results, others: Sequence[Results], labels: Sequence[str] | None = None
) -> list[Table]:
    """:func:`comparison_tables` folded for a page: one row per variant, one column per
    parameter value (the batch, say), each cell stacking every run's figure, in order, each
    other run's with its ratio to ``base`` and that ratio's interval.

    >>> from jaxguide.results import EXAMPLE_ENVIRONMENT, Method, Timing
    >>> def run(*medians):
    ...     return Results(suite="s", suite_version=1, profile="quick",
    ...                    environment=EXAMPLE_ENVIRONMENT,
    ...                    method=Method(warmups=1, repeats=3, min_loop_s=0.0),
    ...                    records=[Record(benchmark="add", variant="vmap", params={"batch": n},
    ...                                    timing=Timing(first_call_s=1.0, samples_s=(m,), loops=1))
    ...                             for n, m in zip((10, 100), medians)])
    >>> (grid,) = comparison_grids(run(1e-5, 2e-5), [])
    >>> grid.header, grid.rows
    (('variant', 'batch 10', 'batch 100'), (('vmap', '10 µs', '20 µs'),))
    >>> (grid,) = comparison_grids(run(1e-5, 2e-5), [run(5e-6, 2e-5)])
    >>> grid.rows[0][1]
    'cpu: 10 µs<br>cpu 2: 5.00 µs · 0.5× [0.5, 0.5] faster'
    """
    runs = [base, *others]
    names = list(labels) if labels else [r.environment.hardware for r in runs]
    short = _short_names(runs)
    legend = (
        []
        if not others
        else [
            "Each cell: "
            + "; ".join(f"{s}: {n}" for s, n in zip(short, names, strict=True))
            + f". Ratios are to {short[0]}."
        ]
    )
    tables = []
    for bench in _benchmarks(runs, names):
        records = {k: r for found in bench.indexed for k, r in found.items()}
        column = _column(list(records.values()))
        labelled = _labelled(list(records.values()), column)
        places = {key: _place(records[key], column, labelled) for key in bench.keys}
        rows_at = list(dict.fromkeys(row for row, _ in places.values()))
        columns = list(dict.fromkeys(col for _, col in places.values()))
        at = {place: key for key, place in places.items()}
        rows = []
        for row_label in rows_at:
            row = [row_label]
            for col in columns:
                key = at.get((row_label, col))
                if key is None:
                    row.append("")
                    continue
                b = bench.indexed[0].get(key)
                lines = []
                for i, (name, found) in enumerate(zip(short, bench.indexed, strict=True)):
                    figure, ratio = bench.cells(b, found.get(key))
                    text = figure + (f" · {ratio}" if ratio and i else "")
                    lines.append(f"{name}: {text}" if others else text)
                row.append("<br>".join(lines))
            rows.append(tuple(row))
        header = ("variant", *columns)
        tables.append(Table(bench.title, header, tuple(rows), (*legend, *bench.notes)))
    return tables
