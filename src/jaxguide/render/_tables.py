"""Tables of results: aligned on a terminal, Markdown in a page; the CLI's text report."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from jaxguide.results import Load, NotMeasured, Record, Results, Scalar

__all__ = [
    "NOISY_SPREAD",
    "Table",
    "bandwidth_table",
    "busy_warning",
    "format_seconds",
    "measured_bandwidth",
    "measured_table",
    "memory_rows",
    "memory_table",
    "points_table",
    "ratio_table",
    "report",
    "timing_table",
    "values_table",
]

NOISY_SPREAD = 0.1
"""An IQR above this fraction of the median marks a timing as noisy (pyperf's threshold)."""

_STATUS = {"oom": "OOM", "timeout": "time-out", "unsupported": "unsupported", "error": "error"}


def format_seconds(seconds: float) -> str:
    """Seconds in the unit that reads best.

    >>> format_seconds(2.5e-6), format_seconds(0.0123), format_seconds(3.0)
    ('2.50 µs', '12.3 ms', '3.00 s')
    """
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            value = seconds / scale
            return f"{value:.3g} {unit}" if value >= 10 else f"{value:.2f} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


@dataclass(frozen=True)
class Table:
    """A small table that prints aligned on a terminal and renders as Markdown in a page."""

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    notes: tuple[str, ...] = field(default=())

    def __str__(self) -> str:
        widths = [
            max(len(r[i]) for r in (self.header, *self.rows)) for i in range(len(self.header))
        ]

        def line(cells: tuple[str, ...]) -> str:
            return "  ".join(c.rjust(w) for c, w in zip(cells, widths, strict=True))

        body = [line(self.header), line(tuple("-" * w for w in widths))]
        body += [line(r) for r in self.rows]
        return "\n".join([self.title, *body, *self.notes])

    def _repr_markdown_(self) -> str:
        """A Markdown table (with its title and notes), which a page renders in its own style."""

        def row(cells: tuple[str, ...]) -> str:
            return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

        title = [f"**{self.title}**", ""] if self.title else []
        lines = [*title, row(self.header), "|" + "---|" * len(self.header)]
        lines += [row(r) for r in self.rows]
        return "\n".join([*lines, "", *(f"{n}  " for n in self.notes)])


def _cell(record: Record | None) -> str:
    if record is None:
        return "—"
    if record.status != "ok" or record.timing is None:
        return _STATUS.get(record.status, record.status)
    timing = record.timing
    marks = ("~" if timing.spread > NOISY_SPREAD else "") + ("R" if timing.recompiled else "")
    return format_seconds(timing.median_s) + (f" {marks}" if marks else "")


def batched(results: Results, benchmark: str) -> tuple[list[str], list[int]]:
    """The timed variants of ``benchmark`` in order of appearance, and its batch sizes."""
    variants: dict[str, None] = {}
    batches: set[int] = set()
    for record in results.select(benchmark):
        if "batch" in record.params and (record.timing is not None or record.status != "ok"):
            variants[record.variant] = None
            batches.add(int(record.params["batch"]))
    return list(variants), sorted(batches)


def timing_table(
    results: Results,
    benchmark: str,
    variants: Sequence[str] = (),
    statistic: Literal["median", "compile"] = "median",
) -> Table:
    """Seconds per call of each variant of ``benchmark`` (only ``variants`` when given), one row
    per batch size: the steady state's median, or the first call's XLA compile time.

    ``~`` marks a noisy median (IQR above 10 % of it), ``R`` one that recompiled in its steady
    state; a point that did not run shows why (``OOM``, ``time-out``...).
    """
    present, batches = batched(results, benchmark)
    shown = [v for v in variants if v in present] if variants else present
    cell = _cell if statistic == "median" else _compile_cell
    rows = tuple(
        (f"{n:,}", *(cell(results.find(benchmark, v, batch=n)) for v in shown)) for n in batches
    )
    notes = [r.message for r in results.select(benchmark) if r.status != "ok" and r.message]
    if any("~" in c for row in rows for c in row):
        notes.append("~ IQR above 10% of the median: a noisy timing")
    if any(c.endswith("R") for row in rows for c in row):
        notes.append("R recompiled during the steady state")
    what = "median time per call" if statistic == "median" else "XLA compile time, first call"
    return Table(
        title=f"{benchmark}: {what}",
        header=("batch", *shown),
        rows=rows,
        notes=tuple(dict.fromkeys(notes)),
    )


def _compile_cell(record: Record | None) -> str:
    if record is None:
        return "—"
    if record.status != "ok" or record.timing is None:
        return _STATUS.get(record.status, record.status)
    return format_seconds(record.timing.compile_s)


def values_table(results: Results, variant: str, keys: Sequence[str]) -> Table:
    """The ``values`` named ``keys`` of every record of ``variant``, one row per benchmark.

    >>> from jaxguide.results import EXAMPLE_ENVIRONMENT, Method, Record, Results
    >>> r = Results(suite="s", suite_version=1, profile="quick",
    ...             environment=EXAMPLE_ENVIRONMENT, method=Method(warmups=1, repeats=3,
    ...             min_loop_s=0.01), records=[Record(benchmark="add", variant="check",
    ...             params={}, values={"diff": 0.0, "same": True})])
    >>> print(values_table(r, "check", ("diff", "same")))
    check
    benchmark  diff  same
    ---------  ----  ----
          add     0  True
    """
    rows = tuple(
        (r.benchmark, *(_scalar(r.values[k]) for k in keys))
        for r in results.select(variant=variant)
        if r.status == "ok"
    )
    return Table(title=variant, header=("benchmark", *keys), rows=rows)


def _scalar(value: Scalar) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)


def row_label(record: Record, across: str, whole: frozenset[str] = frozenset()) -> str:
    """A record's variant and its parameters other than ``across`` and the batch; the chunk
    of a variant in ``whole`` (one that always takes the whole batch at once) is not named."""
    params = {k: v for k, v in record.params.items() if k not in (across, "batch")}
    if record.variant in whole:
        params.pop("chunk", None)
    return ", ".join([record.variant, *(f"{k} {v}" for k, v in params.items())])


def whole_batch(results: Results, benchmark: str) -> frozenset[str]:
    """The variants of ``benchmark`` whose chunk is the whole batch in every record."""
    records = list(results.select(benchmark))
    return frozenset(
        r.variant
        for r in records
        if all(
            o.params.get("chunk") == o.params.get("batch")
            for o in records
            if o.variant == r.variant
        )
    )


def memory_rows(
    results: Results, benchmark: str, across: str = "batch"
) -> dict[str, dict[Scalar, int]]:
    """XLA's temporary bytes of ``benchmark``'s records, by row label (the variant and its
    parameters other than ``across``: a chunk size), then by the value of ``across``."""
    rows: dict[str, dict[Scalar, int]] = {}
    whole = whole_batch(results, benchmark)
    for record in results.select(benchmark):
        if record.memory is not None and across in record.params:
            row = rows.setdefault(row_label(record, across, whole), {})
            row[record.params[across]] = record.memory.temp_bytes
    return rows


def memory_table(results: Results, benchmark: str, across: str = "batch") -> Table:
    """XLA's temporary memory (MiB) of each variant of ``benchmark``, one column per value of
    the parameter ``across``; a row per variant and its other parameters (a chunk size).

    >>> from jaxguide.results import EXAMPLE_ENVIRONMENT, Memory, Method, Record, Results
    >>> def rec(v, n, c, t): return Record(benchmark="b", variant=v, params={"batch": n,
    ...     "chunk": c}, memory=Memory(temp_bytes=t, argument_bytes=0, output_bytes=0))
    >>> r = Results(suite="s", suite_version=1, profile="quick",
    ...             environment=EXAMPLE_ENVIRONMENT, method=Method(warmups=1, repeats=3,
    ...             min_loop_s=0.01), records=[rec("vmap", 8, 8, 2**20), rec("vmap", 16, 16,
    ...             2**21), rec("chunked", 8, 4, 2**19), rec("chunked", 16, 4, 2**19)])
    >>> print(memory_table(r, "b"))
    b: XLA temporary memory (MiB)
    temporary MiB at batch     8    16
    ----------------------  ----  ----
                      vmap  1.00  2.00
          chunked, chunk 4  0.50  0.50
    """
    rows = memory_rows(results, benchmark, across)
    columns = sorted({c for row in rows.values() for c in row}, key=lambda c: (str(type(c)), c))
    cells = {label: {c: f"{t / 2**20:.2f}" for c, t in row.items()} for label, row in rows.items()}
    labels = (f"{c:,}" if isinstance(c, int) else str(c) for c in columns)
    header = (f"temporary MiB at {across}", *labels)
    body = tuple((label, *(row.get(c, "—") for c in columns)) for label, row in cells.items())
    return Table(title=f"{benchmark}: XLA temporary memory (MiB)", header=header, rows=body)


def measured_table(results: Results, benchmark: str, relative_to: str = "vmap") -> Table:
    """Each record of ``benchmark`` that ran, timed and compiled: its temporary memory, median
    time and IQR, its time over ``relative_to``'s, and the device's peak where reported."""
    ran = [r for r in results.select(benchmark) if r.status == "ok" and r.timing is not None]
    base = next((r.timing for r in ran if r.variant == relative_to and r.timing), None)
    whole = whole_batch(results, benchmark)
    rows = []
    for r in ran:
        assert r.timing is not None
        peak = r.memory.peak_bytes if r.memory else None
        rows.append(
            (
                row_label(r, "batch", whole),
                f"{r.memory.temp_bytes / 2**20:.2f}" if r.memory else "—",
                format_seconds(r.timing.median_s),
                format_seconds(r.timing.iqr_s),
                f"{r.timing.median_s / base.median_s:.2f}" if base else "—",
                "not reported" if peak is None else f"{peak / 2**20:.0f}",
            )
        )
    batch = {r.params.get("batch") for r in ran}
    at = f", batch {batch.pop():,}" if len(batch) == 1 else ""
    return Table(
        title=f"{benchmark}: memory and time{at}",
        header=(
            "variant",
            "temporary MiB",
            "median",
            "IQR",
            f"time ÷ {relative_to}'s",
            "device peak MiB",
        ),
        rows=tuple(rows),
    )


def points_table(
    results: Results,
    benchmark: str,
    title: str = "",
    labels: Mapping[str, str] | None = None,
    first_call: bool = False,
) -> Table:
    """Every timed record of ``benchmark``, one row each: its variant (named by ``labels``
    where given), its parameters, then the first call's time if ``first_call``, the median
    and the IQR.

    >>> from jaxguide.results import EXAMPLE_ENVIRONMENT, Method, Record, Results, Timing
    >>> rec = Record(benchmark="b", variant="jit", params={"batch": 8},
    ...              timing=Timing(first_call_s=0.5, samples_s=(1e-3, 2e-3, 3e-3), loops=1))
    >>> r = Results(suite="s", suite_version=1, profile="quick",
    ...             environment=EXAMPLE_ENVIRONMENT, method=Method(warmups=1, repeats=3,
    ...             min_loop_s=0.01), records=[rec])
    >>> print(points_table(r, "b", labels={"jit": "jit(f)"}, first_call=True))
    b: time per call
    variant  batch  first call  median       IQR
    -------  -----  ----------  -------  -------
     jit(f)      8     500 ms   2.00 ms  1.00 ms
    """
    timed = [r for r in results.select(benchmark) if r.status == "ok" and r.timing is not None]
    params = list(dict.fromkeys(k for r in timed for k in r.params))
    rows = []
    for r in timed:
        assert r.timing is not None
        first = (format_seconds(r.timing.first_call_s),) if first_call else ()
        rows.append(
            (
                (labels or {}).get(r.variant, r.variant),
                *(_scalar(r.params.get(k, "—")) for k in params),
                *first,
                format_seconds(r.timing.median_s),
                format_seconds(r.timing.iqr_s),
            )
        )
    return Table(
        title=title or f"{benchmark}: time per call",
        header=("variant", *params, *(("first call",) if first_call else ()), "median", "IQR"),
        rows=tuple(rows),
    )


def ratio_table(results: Results, benchmark: str, slow: str, fast: str) -> Table:
    """Two variants of ``benchmark`` at each of its points: the median time per call of each
    (with its IQR) and their ratio, ``slow`` over ``fast``.

    >>> from jaxguide.results import EXAMPLE_ENVIRONMENT, Method, Record, Results, Timing
    >>> def rec(v, s): return Record(benchmark="b", variant=v, params={"size": 8},
    ...     timing=Timing(first_call_s=s, samples_s=(s, s), loops=1))
    >>> r = Results(suite="s", suite_version=1, profile="quick",
    ...             environment=EXAMPLE_ENVIRONMENT, method=Method(warmups=1, repeats=2,
    ...             min_loop_s=0.01), records=[rec("a", 2e-3), rec("b", 1e-3)])
    >>> ratio_table(r, "b", "a", "b").rows
    (('8', '2.00 ms (IQR 0 ns)', '1.00 ms (IQR 0 ns)', '2.00'),)
    """
    rows = []
    for record in results.select(benchmark, slow):
        other = results.find(benchmark, fast, **record.params)
        if record.timing is None or other is None or other.timing is None:
            continue
        a, b = record.timing, other.timing
        rows.append(
            (
                *(f"{v:,}" if isinstance(v, int) else str(v) for v in record.params.values()),
                f"{format_seconds(a.median_s)} (IQR {format_seconds(a.iqr_s)})",
                f"{format_seconds(b.median_s)} (IQR {format_seconds(b.iqr_s)})",
                f"{a.median_s / b.median_s:.2f}",
            )
        )
    params = next(results.select(benchmark, slow)).params if rows else {}
    return Table(
        title=f"{benchmark}: median time per call, {slow} against {fast}",
        header=(*params, slow, fast, f"{slow} ÷ {fast}"),
        rows=tuple(rows),
    )


def measured_bandwidth(results: Results) -> float:
    """The one-pass (``stream/copy``) bandwidth, bytes per second, at the largest size measured.

    Raises :class:`~jaxguide.results.NotMeasured` when the results hold no copy that ran.
    """
    copies = results.by("elements", "stream", "copy")
    if not copies:
        raise NotMeasured(f"suite {results.suite!r}: no stream/copy record")
    return float(copies[max(copies)].values["bytes_per_s"])


def bandwidth_table(results: Results) -> Table:
    """The ``stream`` benchmark: at each size, the bytes the add moves (in the cache or past
    it), the one-pass rate, the add's, and the add's fraction of the one-pass rate."""
    copies = results.by("elements", "stream", "copy")
    adds = results.by("elements", "stream", "add")
    cache = int(next(iter(copies.values())).values["cache_bytes"]) if copies else 0
    rows = []
    for n in sorted(copies.keys() & adds.keys()):
        moved = int(adds[n].values["bytes_moved"])
        where = "fits in cache" if cache and moved <= cache else "past the cache"
        one_pass, add = (float(x[n].values["bytes_per_s"]) for x in (copies, adds))
        rows.append(
            (
                f"{n:,}",
                f"{moved / 2**20:,.0f} MiB ({where})",
                f"{one_pass / 1e9:.3g} GB/s",
                f"{add / 1e9:.3g} GB/s",
                f"{add / one_pass:.0%}",
            )
        )
    return Table(
        title="stream: bytes per second",
        header=("elements", "the add moves", "one pass (x + 1)", "add", "add ÷ one pass"),
        rows=tuple(rows),
    )


def busy_warning(load: Load) -> str:
    """``WARNING: the machine was busy ...`` when it was (the CLI prints it), else empty.

    >>> from jaxguide.results import Load
    >>> print(busy_warning(Load(cores=2, wall_s=1.0, load_before=3.5, load_after=4.0,
    ...                         others_cpu_s=1.5)))
    WARNING: the machine was busy while this was measured (other processes took 75% of the 2 cores' time; load average 3.5 before, 4.0 after): its timings may be slower than on a quiet machine
    """
    return f"WARNING: {load.warning()}" if load.busy else ""


def report(results: Results, name: str = "") -> str:
    """The terminal report of one results file: provenance, bandwidth, a table per benchmark."""
    env = results.environment
    title = f"suite {results.suite} v{results.suite_version}, profile {results.profile}"
    lines = [
        f"== {name or results.suite}: {title}",
        f"   {env.hardware}; jax {env.jax_version}; commit {env.commit}; {env.date}",
    ]
    if results.load is not None:
        lines.append(f"   {busy_warning(results.load) or 'machine ' + results.load.summary()}")
    with contextlib.suppress(LookupError):
        lines.append(f"   copy bandwidth: {measured_bandwidth(results) / 1e9:.3g} GB/s")
    for benchmark in dict.fromkeys(r.benchmark for r in results.records):
        if batched(results, benchmark)[1]:
            lines += ["", str(timing_table(results, benchmark))]
        for record in results.select(benchmark):
            if record.timing is None and record.values:
                facts = ", ".join(f"{k}={v}" for k, v in record.values.items())
                lines += ["", f"{benchmark}/{record.variant} {record.params}: {facts}"]
    return "\n".join(lines)
