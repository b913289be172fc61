"""The page "JAX across releases": each workload's medians over releases, release-to-release
ratios by the one comparison rule, and the claims judged on every release's file.

Each release's results come from its own process (``nox -s releases``), so a ratio between
releases compares samples that were not timed interleaved, as between two machines' files.
A point a release did not measure (``unsupported`` by that release, or failed) is shown as not
measured, with the reason its file gives; nothing is drawn or computed in its place.

Only that page imports this module (:mod:`jaxguide.render` does not), so a change here
re-executes no other page.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jaxguide.claims import CLAIMS
from jaxguide.render._charts import _LINESTYLES, CHART_STYLE, _quartiles, variant_style
from jaxguide.render._comparison import SAME, _verdict
from jaxguide.render._tables import Table, format_seconds
from jaxguide.render._verdicts import verdict_badge
from jaxguide.results import CONFIDENCE, Comparison, Record, Results, compare

__all__ = [
    "NO_FILES",
    "changes_list",
    "comparable",
    "dispatch_cost_table",
    "release_changes",
    "release_chart",
    "release_claims_tables",
    "release_label",
    "release_provenance",
    "release_ratio_tables",
    "release_records",
]


NO_FILES = "*No release's file is stored yet: run `nox -s releases` (below) to measure them.*"
"""What the page says where no release's file is stored."""


def release_label(results: Results) -> str:
    """The release a file was measured with: ``"jax 0.4.30"``."""
    return f"jax {results.environment.jax_version}"


def _params(record: Record) -> str:
    return ", ".join(
        f"{k}={v:,}" if isinstance(v, int) else f"{k}={v}" for k, v in record.params.items()
    )


def release_records(
    runs: Sequence[Results], benchmarks: Sequence[str]
) -> dict[tuple[str, str, str], list[Record | None]]:
    """Each (benchmark, variant, parameters) any of ``runs`` has for ``benchmarks``, with its
    record in each run (``None`` where that file has none at all)."""
    keys: dict[tuple[str, str, str], list[Record | None]] = {}
    for i, run in enumerate(runs):
        for record in run.records:
            if record.benchmark in benchmarks:
                key = (record.benchmark, record.variant, _params(record))
                keys.setdefault(key, [None] * len(runs))[i] = record
    return keys


def _not_measured(record: Record | None) -> str:
    if record is None:
        return "not measured (not in this release's file)"
    reason = f"{record.status}: {record.message}" if record.message else record.status
    return f"not measured ({reason})"


def _compare(after: Record | None, before: Record | None) -> Comparison | None:
    """``after``'s median ÷ ``before``'s with its interval, resampling each side's processes
    (``None`` where either side is not measured)."""
    if after is None or before is None or after.timing is None or before.timing is None:
        return None
    if after.status != "ok" or before.status != "ok":
        return None
    a, b = after.timing, before.timing
    return compare(a.samples_s, b.samples_s, SAME, processes=(a.processes, b.processes))


def _step(
    before: Record | None, after: Record | None
) -> tuple[str, str, str, float | None, float | None, float | None]:
    """One step from a release to the next: ``after``'s median, the ratio after ÷ before with
    its interval, the verdict, and the ratio and interval's bounds as numbers (``None``s where
    either side is not measured).

    >>> from jaxguide.results import Timing
    >>> a = Record(benchmark="b", variant="v", timing=Timing(
    ...     first_call_s=1.0, samples_s=(2.0, 2.1, 1.9, 2.0, 2.05), loops=1))
    >>> b = a.model_copy(update={"timing": Timing(
    ...     first_call_s=1.0, samples_s=(1.0, 1.05, 0.95, 1.0, 1.02), loops=1)})
    >>> _step(a, b)[:3]
    ('1.00 s', '0.5×', 'faster')
    >>> _step(a, Record(benchmark="b", variant="v", status="unsupported",
    ...                         message="this release has no jax.pmap"))[0]
    'not measured (unsupported: this release has no jax.pmap)'
    """
    if after is None or after.status != "ok" or after.timing is None:
        return _not_measured(after), "", "", None, None, None
    median = format_seconds(after.timing.median_s)
    c = _compare(after, before)
    if c is None:
        return median, "", "", None, None, None
    return median, f"{c.ratio:.3g}×", _verdict(c.ratio, c.outcome), c.ratio, c.low, c.high


def comparable(runs: Sequence[Results]) -> tuple[list[Results], list[Results]]:
    """The files measured with the newest version of the workloads, and the others, which are
    not compared with them (a workload changed between them).

    >>> comparable([])
    ([], [])
    """
    newest = max((r.suite_version for r in runs), default=0)
    return [r for r in runs if r.suite_version == newest], [
        r for r in runs if r.suite_version != newest
    ]


def release_ratio_tables(
    runs: Sequence[Results], benchmarks: Sequence[str], title: str
) -> list[Table]:
    """A table per benchmark and parameters: a row per release, a column per variant, each cell
    the median and, after the first release, its ratio to the release before with the interval,
    judged by the one comparison rule (``same`` within 10 % of 1, ``faster`` or ``slower``
    wholly outside, ``unclear`` otherwise), on lines joined by ``<br>``."""
    records = release_records(runs, benchmarks)
    panels = list(dict.fromkeys((b, p) for b, _, p in records))
    tables = []
    for benchmark, params in panels:
        variants = [(v, rs) for (b, v, p), rs in records.items() if (b, p) == (benchmark, params)]
        rows = []
        for i, run in enumerate(runs):
            cells = []
            for _, found in variants:
                median, ratio, verdict, _, low, high = _step(found[i - 1] if i else None, found[i])
                if ratio and low is not None and high is not None:
                    median += f"<br>{ratio} [{low:.3g}, {high:.3g}]<br>{verdict}"
                cells.append(median)
            rows.append((release_label(run).removeprefix("jax "), *cells))
        where = f"{benchmark} ({params})" if params else benchmark
        tables.append(
            Table(
                title=f"{title}, {where}: median, and ÷ the release before "
                f"[{CONFIDENCE:.0%} interval]",
                header=("jax", *(v for v, _ in variants)),
                rows=tuple(rows),
            )
        )
    return tables


def release_chart(runs: Sequence[Results], benchmarks: Sequence[str], title: str) -> Any:
    """Median seconds per call (log scale) against release, one panel per benchmark and
    parameters, one line per variant in its colour, bars from the first to the third quartile
    of its samples. A release that did not measure a point leaves a gap. Returns a
    :class:`matplotlib.figure.Figure` (write it with :func:`jaxguide.render.chart_svg`)."""
    import matplotlib.style  # noqa: PLC0415 - only charts need matplotlib
    from matplotlib.figure import Figure  # noqa: PLC0415

    records = release_records(runs, benchmarks)
    panels = list(dict.fromkeys((b, p) for b, _, p in records))
    if not panels:
        raise ValueError(f"no records of {', '.join(benchmarks)} in these files")
    columns = min(2, len(panels))
    rows = -(-len(panels) // columns)
    labels = [release_label(r).removeprefix("jax ") for r in runs]
    order: dict[str, int] = {}
    with matplotlib.style.context(CHART_STYLE):
        fig = Figure(figsize=(7.0, 1.4 + 2.4 * rows), layout="constrained")
        grid = fig.subplots(rows, columns, squeeze=False)
        for ax in grid.flat[len(panels) :]:
            ax.set_visible(False)
        for ax, (benchmark, params) in zip(grid.flat, panels, strict=False):
            variants = [
                (v, rs) for (b, v, p), rs in records.items() if (b, p) == (benchmark, params)
            ]
            for variant, found in variants:
                xs, ys, low, high = [], [], [], []
                for x, record in enumerate(found):
                    if record is None or record.status != "ok" or record.timing is None:
                        continue
                    q1, q3 = _quartiles(record.timing)
                    xs.append(x)
                    ys.append(record.timing.median_s)
                    low.append(record.timing.median_s - q1)
                    high.append(q3 - record.timing.median_s)
                if xs:
                    ax.errorbar(
                        xs,
                        ys,
                        yerr=[low, high],
                        label=variant,
                        linestyle=_LINESTYLES[order.setdefault(variant, len(order)) % 4],
                        **variant_style(variant),
                    )
            ax.set_yscale("log")
            ax.set_xticks(range(len(runs)), labels, rotation=45)
            if len(panels) > 1 or params:
                ax.set_title(f"{benchmark} ({params})" if params else benchmark)
            if not ax.get_legend_handles_labels()[1]:
                ax.text(0.5, 0.5, "not measured", ha="center", transform=ax.transAxes)
        for ax in grid[:, 0]:
            ax.set_ylabel("median time per call (s)")
        for ax in grid[-1, :]:
            ax.set_xlabel("jax release")
        # One legend below the panels: a variant keeps its colour, marker and dash throughout.
        labelled: dict[str, Any] = {}
        for ax in grid.flat[: len(panels)]:
            labelled.update(zip(*reversed(ax.get_legend_handles_labels()), strict=True))
        if labelled:
            fig.legend(
                list(labelled.values()),
                list(labelled),
                loc="outside lower center",
                ncols=min(4, len(labelled)),
            )
        fig.suptitle(title)
    return fig


def release_claims_tables(runs: Sequence[Results]) -> list[Table]:
    """A table per claim whose every read these files record: its verdict on each release's
    file, a row per release (the claims report gives each claim's sentence)."""
    produced = {(r.benchmark, r.variant) for run in runs for r in run.records if r.status == "ok"}
    return [
        Table(
            title=f"{claim.id}: {claim.statement}",
            header=("jax", "verdict"),
            rows=tuple(
                (release_label(r).removeprefix("jax "), str(verdict_badge(claim.evaluate(r))))
                for r in runs
            ),
        )
        for claim in CLAIMS.values()
        if claim.reads and claim.reads <= produced
    ]


def dispatch_cost_table(
    runs: Sequence[Results], sync_runs: Sequence[Results], points: Sequence[tuple[str, str]]
) -> Table:
    """What asynchronous CPU dispatch costs a blocked call: for each release measured both ways,
    a row, and for each of ``points`` (benchmark, variant) at each of its parameters, the
    default's median ÷ the synchronous one's, with its interval and verdict."""
    synced = {r.environment.jax_version: r for r in sync_runs}
    pairs = [
        (r, synced[r.environment.jax_version]) for r in runs if r.environment.jax_version in synced
    ]
    columns = [
        (b, v, p)
        for (b, v, p) in release_records([r for r, _ in pairs], [b for b, _ in points])
        if (b, v) in points
    ]
    rows = []
    for default, sync in pairs:
        both = release_records([default, sync], [b for b, _ in points])
        cells = []
        for column in columns:
            mine, synced_record = both.get(column, [None, None])
            c = _compare(mine, synced_record)
            cells.append(
                f"{c.ratio:.3g}×<br>[{c.low:.3g}, {c.high:.3g}]<br>{_verdict(c.ratio, c.outcome)}"
                if c
                else _not_measured(synced_record if mine and mine.status == "ok" else mine)
            )
        rows.append((release_label(default).removeprefix("jax "), *cells))
    varies = {b for b, _, _ in columns if len({p for c, _, p in columns if c == b}) > 1}
    header = ("jax", *(f"{b} {v}" + (f" ({p})" if b in varies else "") for b, v, p in columns))
    return Table(
        title="Default dispatch ÷ asynchronous dispatch off, per blocked call "
        f"[{CONFIDENCE:.0%} interval]",
        header=header,
        rows=tuple(rows),
    )


def release_changes(
    runs: Sequence[Results], benchmarks: Sequence[str] | None = None, overall: bool = False
) -> list[tuple[float, str]]:
    """Every decided release-to-release change (``faster`` or ``slower``), largest first: the
    factor (the ratio, or its inverse when below 1) and a line saying what changed, with the
    ratio's interval. ``overall`` compares the oldest release with the newest instead: steps
    that are each ``same`` or ``unclear`` can add up to a decided change.

    >>> release_changes([])
    []
    """
    names = benchmarks or list(dict.fromkeys(r.benchmark for run in runs for r in run.records))
    steps = [(0, len(runs) - 1)] if overall else [(i - 1, i) for i in range(1, len(runs))]
    found = []
    for (benchmark, variant, params), records in release_records(runs, names).items():
        for before, after in steps:
            if before == after:
                continue
            _, ratio, verdict, value, low, high = _step(records[before], records[after])
            if verdict in ("faster", "slower") and value and low is not None and high is not None:
                where = f"{benchmark} {variant}" + (f" ({params})" if params else "")
                step = f"{release_label(runs[before])} → {runs[after].environment.jax_version}"
                line = f"{where}: {step}: {ratio} [{low:.3g}, {high:.3g}] {verdict}"
                found.append((max(value, 1 / value), line))
    return sorted(found, reverse=True)


def changes_list(runs: Sequence[Results], count: int = 5, overall: bool = False) -> str:
    """The ``count`` largest of :func:`release_changes` as a Markdown list, or a line saying
    that no file is stored or that no change is decided.

    >>> changes_list([])
    "*No release's file is stored yet: run `nox -s releases` (below) to measure them.*"
    """
    if not runs:
        return NO_FILES
    lines = [f"- {line}" for _, line in release_changes(runs, overall=overall)[:count]]
    return "\n".join(lines) or "*No change is decided.*"


def release_provenance(runs: Sequence[Results]) -> Table:
    """Where and when each release's file was measured: a row per release (its NumPy, date,
    how many processes, how busy the machine was), and below, the hardware, devices, profile
    and site commit of the files, each named once."""

    def numpy(r: Results) -> str:
        return r.environment.numpy_version or "not recorded"

    def processes(r: Results) -> str:
        counts = {rec.timing.processes for rec in r.records if rec.timing}
        return ", ".join(map(str, sorted(counts))) or "none"

    rows = tuple(
        (
            release_label(r).removeprefix("jax "),
            numpy(r),
            r.environment.date.replace("T", " ")[:16],
            processes(r),
            r.load.summary() if r.load else "not recorded",
        )
        for r in runs
    )
    shared = {
        "hardware": {r.environment.hardware for r in runs},
        "devices": {str(r.environment.device_count) for r in runs},
        "profile": {r.profile for r in runs},
        "site commit": {r.environment.commit for r in runs},
    }
    notes = tuple(f"{name}: {', '.join(sorted(values))}" for name, values in shared.items())
    header = ("jax", "numpy", "measured (UTC)", "processes", "machine")
    return Table(
        title="Where each release's file was measured", header=header, rows=rows, notes=notes
    )
