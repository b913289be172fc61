"""Reading results back: a table per benchmark (terminal or page) and a log-log chart."""

from __future__ import annotations

import contextlib
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from jaxguide.bench._bandwidth import measured_bandwidth
from jaxguide.bench._style import CHART_STYLE, variant_style
from jaxguide.results import Record, Results, Timing

__all__ = ["NOISY_SPREAD", "Table", "format_seconds", "report", "timing_chart", "timing_table"]

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


def _batched(results: Results, benchmark: str) -> tuple[list[str], list[int]]:
    """The timed variants of ``benchmark`` in order of appearance, and its batch sizes."""
    variants: dict[str, None] = {}
    batches: set[int] = set()
    for record in results.select(benchmark):
        if "batch" in record.params and (record.timing is not None or record.status != "ok"):
            variants[record.variant] = None
            batches.add(int(record.params["batch"]))
    return list(variants), sorted(batches)


def timing_table(results: Results, benchmark: str) -> Table:
    """Median seconds per call of each variant of ``benchmark``, one row per batch size.

    ``~`` marks a noisy timing (IQR above 10 % of the median), ``R`` one that recompiled in
    its steady state; a point that did not run shows why (``OOM``, ``time-out``...).
    """
    variants, batches = _batched(results, benchmark)
    rows = tuple(
        (f"{n:,}", *(_cell(results.find(benchmark, v, batch=n)) for v in variants)) for n in batches
    )
    notes = [r.message for r in results.select(benchmark) if r.status != "ok" and r.message]
    if any("~" in c for row in rows for c in row):
        notes.append("~ IQR above 10% of the median: a noisy timing")
    if any(c.endswith("R") for row in rows for c in row):
        notes.append("R recompiled during the steady state")
    return Table(
        title=f"{benchmark}: median time per call",
        header=("batch", *variants),
        rows=rows,
        notes=tuple(notes),
    )


def report(results: Results, name: str = "") -> str:
    """The terminal report of one results file: provenance, bandwidth, a table per benchmark."""
    env = results.environment
    title = f"suite {results.suite} v{results.suite_version}, profile {results.profile}"
    lines = [
        f"== {name or results.suite}: {title}",
        f"   {env.hardware}; jax {env.jax_version}; commit {env.commit}; {env.date}",
    ]
    with contextlib.suppress(LookupError):
        lines.append(f"   copy bandwidth: {measured_bandwidth(results) / 1e9:.3g} GB/s")
    for benchmark in dict.fromkeys(r.benchmark for r in results.records):
        if _batched(results, benchmark)[1]:
            lines += ["", str(timing_table(results, benchmark))]
        for record in results.select(benchmark):
            if record.timing is None and record.values:
                facts = ", ".join(f"{k}={v}" for k, v in record.values.items())
                lines += ["", f"{benchmark}/{record.variant} {record.params}: {facts}"]
    return "\n".join(lines)


def timing_chart(
    runs: Sequence[Results],
    benchmarks: Sequence[str] | None = None,
    variants: Sequence[str] = (),
    title: str = "Time per call against batch size (log-log; lower is faster)",
) -> Any:
    """A log-log chart of median time per call against batch size, one panel per benchmark.

    Every variant is a line (only ``variants`` when given, in that order), in its own colour
    and marker (:func:`variant_style`), with error bars from the first to the third quartile; several results files are
    told apart by line style and their hardware in the legend. Drawn in the site's style
    (:data:`CHART_STYLE`). Returns a :class:`matplotlib.figure.Figure`: write it with
    :func:`chart_svg`, or ``fig.savefig("x.svg")``.
    """
    import matplotlib.style  # noqa: PLC0415 - only reports draw
    from matplotlib.figure import Figure  # noqa: PLC0415

    names = list(benchmarks or dict.fromkeys(b for r in runs for b in _timed_benchmarks(r)))
    if not names:
        raise ValueError("no timed records with a batch size to chart")
    with matplotlib.style.context(CHART_STYLE):
        fig = Figure(figsize=(7.0, 1.0 + 3.0 * len(names)), layout="constrained")
        axes = fig.subplots(len(names), 1, squeeze=False)[:, 0]
        for ax, benchmark in zip(axes, names, strict=True):
            for i, results in enumerate(runs):
                _draw_variants(ax, results, benchmark, variants, _LINESTYLES[i % 4], len(runs))
            ax.set(
                xscale="log",
                yscale="log",
                title=benchmark,
                xlabel="batch size (examples)",
                ylabel="median time per call (s)",
            )
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
        fig.suptitle(title)
    return fig


_LINESTYLES = ("-", "--", ":", "-.")


def _draw_variants(
    ax: Any, results: Results, benchmark: str, only: Sequence[str], linestyle: str, runs: int
) -> None:
    suffix = f" ({results.environment.hardware})" if runs > 1 else ""
    present = _batched(results, benchmark)[0]
    for variant in [v for v in only if v in present] if only else present:
        points = sorted(
            (
                (int(r.params["batch"]), r.timing)
                for r in results.select(benchmark, variant)
                if r.status == "ok" and r.timing is not None
            ),
            key=lambda point: point[0],
        )
        if points:
            quartiles = [_quartiles(t) for _, t in points]
            ax.errorbar(
                [n for n, _ in points],
                [t.median_s for _, t in points],
                # The bars span the quartiles themselves: on a log scale a symmetric ±IQR/2
                # can reach below zero, and the samples' spread is rarely symmetric.
                yerr=[
                    [t.median_s - q1 for (_, t), (q1, _) in zip(points, quartiles, strict=True)],
                    [q3 - t.median_s for (_, t), (_, q3) in zip(points, quartiles, strict=True)],
                ],
                linestyle=linestyle,
                label=variant + suffix,
                **variant_style(variant),
            )


def _quartiles(timing: Timing) -> tuple[float, float]:
    """The first and third quartiles of a timing's samples (the median twice for one sample)."""
    if timing.repeats < 2:
        return timing.median_s, timing.median_s
    q1, _, q3 = statistics.quantiles(timing.samples_s, n=4, method="inclusive")
    return q1, q3


def _timed_benchmarks(results: Results) -> list[str]:
    return [
        b for b in dict.fromkeys(r.benchmark for r in results.records) if _batched(results, b)[1]
    ]
