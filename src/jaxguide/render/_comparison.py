"""Two or more results files of one suite side by side: medians, ratios and their intervals."""

from __future__ import annotations

from collections.abc import Sequence

from jaxguide.render._tables import Table, format_seconds
from jaxguide.results import Record, Results, Threshold, compare, differences

__all__ = ["SAME", "comparison_tables"]

SAME = Threshold(at_least=1 / 1.1, at_most=1.1)
"""Two timings are "the same" when the ratio's whole interval lies within 10% of 1."""


def _key(record: Record) -> tuple[str, str]:
    params = ", ".join(
        f"{k}={v:,}" if isinstance(v, int) else f"{k}={v}" for k, v in record.params.items()
    )
    return record.variant, params


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
    c = compare(other.timing.samples_s, base.timing.samples_s, SAME)
    return [cell, f"{c.ratio:.3g}× [{c.low:.3g}, {c.high:.3g}] {_verdict(c.ratio, c.outcome)}"]


def _memory_cells(base: Record | None, other: Record | None) -> list[str]:
    if other is None or other.memory is None:
        return ["—" if other is None else other.status, ""]
    cell = f"{other.memory.temp_bytes / 2**20:.2f} MiB"
    if base is None or base.memory is None or base.memory.temp_bytes == 0:
        return [cell, ""]
    return [cell, f"{other.memory.temp_bytes / base.memory.temp_bytes:.3g}×"]


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
    suites = {r.suite for r in runs}
    if len(suites) > 1:
        raise ValueError(f"results of different suites: {', '.join(sorted(suites))}")
    notes = [
        f"{names[i + 1]}: {note}" for i, o in enumerate(others) for note in differences(o, base)
    ]
    backends = {r.environment.backend for r in runs}
    tables = []
    for benchmark in dict.fromkeys(r.benchmark for run in runs for r in run.records):
        indexed = [
            {_key(r): r for r in run.select(benchmark) if r.timing or r.memory or r.status != "ok"}
            for run in runs
        ]
        keys = list(dict.fromkeys(k for found in indexed for k in found))
        timed = any(r.timing is not None for found in indexed for r in found.values())
        memory = any(r.memory is not None for found in indexed for r in found.values())
        if not (timed or memory):
            continue
        cells = _timing_cells if timed else _memory_cells
        header = ["variant", "params", names[0]]
        for name in names[1:]:
            header += [name, f"÷ {names[0]}"]
        rows = []
        for key in keys:
            b = indexed[0].get(key)
            row = [key[0], key[1], cells(b, b)[0]]
            for found in indexed[1:]:
                row += cells(b, found.get(key))
            rows.append(tuple(row))
        table_notes = list(notes)
        if memory and not timed and len(backends) > 1:
            table_notes.append(
                "XLA's memory analysis is the compiler's plan for each backend: bytes from "
                "different backends are not directly comparable"
            )
        what = "median time per call" if timed else "XLA temporary memory"
        tables.append(
            Table(
                title=f"{benchmark}: {what}",
                header=tuple(header),
                rows=tuple(rows),
                notes=tuple(table_notes),
            )
        )
    return tables
