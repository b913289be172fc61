"""One look for every chart: the site's matplotlib style, a fixed colour for each variant, and
the charts the pages share (time against batch size, memory against batch size)."""

from __future__ import annotations

import io
import statistics
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from jaxguide.render._tables import batched, memory_rows, row_label, whole_batch
from jaxguide.results import Results, Timing

__all__ = [
    "CHART_STYLE",
    "VARIANT_COLORS",
    "chart_svg",
    "compile_run_chart",
    "memory_chart",
    "memory_time_chart",
    "timing_chart",
    "variant_style",
]

CHART_STYLE = str(Path(__file__).with_name("jaxguide.mplstyle"))
"""The site's matplotlib style file: ``plt.style.use(CHART_STYLE)`` in a page's setup cell."""

# Okabe & Ito's colour-blind-safe palette first, then Paul Tol's, for the variants charted
# less often. One colour per variant on every chart; a marker each too, so that no line is
# told apart by its colour alone.
_VARIANTS: dict[str, tuple[str, str]] = {
    "manual": ("#D55E00", "s"),  # vermillion
    "jit_manual": ("#E69F00", "P"),  # orange
    "vmap": ("#0072B2", "o"),  # blue
    "jit_vmap": ("#56B4E9", "D"),  # sky blue
    "vmap_jit": ("#CC6677", "H"),  # rose
    "loop": ("#000000", "^"),  # black
    "jit_loop": ("#CC79A7", "v"),  # reddish purple
    "chunked_vmap": ("#009E73", "X"),  # bluish green
    "lax.map": ("#882255", "h"),  # wine
    "sequential": ("#777777", "<"),  # grey
    "pmap": ("#332288", ">"),  # indigo
    "jit_shard_map": ("#44AA99", "p"),  # teal
    "jit_sharded": ("#999933", "d"),  # olive
    "op-by-op": ("#AA4499", "*"),  # purple
    "jit": ("#117733", "8"),  # green
    # Paul Tol's high-contrast and vibrant schemes: the autodiff page's Hessian-vector products
    "fwd-over-rev": ("#004488", "+"),  # dark blue
    "rev-over-fwd": ("#DDAA33", "x"),  # ochre
    "rev-over-rev": ("#BB5566", "1"),  # dark rose
    "hessian": ("#EE3377", "2"),  # magenta
}

VARIANT_COLORS: dict[str, str] = {name: color for name, (color, _) in _VARIANTS.items()}
"""The colour of each variant the suites chart, the same on every chart (no two alike)."""

_OTHER = "#5F5F5F"


def variant_style(variant: str) -> dict[str, Any]:
    """Keyword arguments that draw ``variant`` in its own colour and marker.

    A variant not in :data:`VARIANT_COLORS` is drawn in dark grey with a plain marker.

    >>> variant_style("vmap")
    {'color': '#0072B2', 'marker': 'o'}
    >>> variant_style("vmap") != variant_style("loop")
    True
    """
    color, marker = _VARIANTS.get(variant, (_OTHER, "."))
    return {"color": color, "marker": marker}


def chart_svg(figure: Any) -> str:
    """``figure`` as SVG text, drawn in the site's style (transparent, text as paths).

    >>> from matplotlib.figure import Figure
    >>> chart_svg(Figure()).lstrip().startswith("<?xml")
    True
    """
    import matplotlib.style  # noqa: PLC0415 - only charts need matplotlib

    buffer = io.StringIO()
    with matplotlib.style.context(CHART_STYLE):
        figure.savefig(buffer, format="svg", bbox_inches="tight")
    return buffer.getvalue()


def timing_chart(
    runs: Sequence[Results],
    benchmarks: Sequence[str] | None = None,
    variants: Sequence[str] = (),
    title: str = "Time per call against batch size (log-log; lower is faster)",
    columns: int = 1,
) -> Any:
    """A log-log chart of median time per call against batch size, one panel per benchmark.

    Every variant is a line (only ``variants`` when given, in that order), in its own colour
    and marker (:func:`variant_style`), with error bars from the first to the third quartile;
    several results files are told apart by line style and their hardware in the legend. The
    panels stand in one column, each with its legend, or in ``columns`` columns sharing one
    legend below. Drawn in the site's style (:data:`CHART_STYLE`). Returns a
    :class:`matplotlib.figure.Figure`: write it with :func:`chart_svg`, or
    ``fig.savefig("x.svg")``.
    """
    import matplotlib.style  # noqa: PLC0415 - only reports draw
    from matplotlib.figure import Figure  # noqa: PLC0415

    names = list(benchmarks or dict.fromkeys(b for r in runs for b in _timed_benchmarks(r)))
    if not names:
        raise ValueError("no timed records with a batch size to chart")
    columns = max(1, min(columns, len(names)))
    rows = -(-len(names) // columns)
    with matplotlib.style.context(CHART_STYLE):
        height = 1.0 + 3.0 * rows if columns == 1 else 1.6 + 2.6 * rows
        fig = Figure(figsize=(7.0, height), layout="constrained")
        grid = fig.subplots(rows, columns, squeeze=False)
        for ax in grid.flat[len(names) :]:
            ax.set_visible(False)
        for ax, benchmark in zip(grid.flat, names, strict=False):
            for i, results in enumerate(runs):
                _draw_variants(ax, results, benchmark, variants, _LINESTYLES[i % 4], len(runs))
            ax.set(xscale="log", yscale="log", title=benchmark, xlabel="batch size (examples)")
            if columns == 1:
                ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
        for ax in grid[:, 0]:
            ax.set_ylabel("median time per call (s)")
        if columns > 1:
            labelled: dict[str, Any] = {}
            for ax in grid.flat[: len(names)]:
                labelled.update(zip(*reversed(ax.get_legend_handles_labels()), strict=True))
            ncols = 3 if len(runs) == 1 else 1
            fig.legend(
                list(labelled.values()),
                list(labelled.keys()),
                loc="outside lower center",
                ncols=ncols,
            )
        fig.suptitle(title)
    return fig


_LINESTYLES = ("-", "--", ":", "-.")


def _draw_variants(
    ax: Any, results: Results, benchmark: str, only: Sequence[str], linestyle: str, runs: int
) -> None:
    suffix = f" ({results.environment.hardware})" if runs > 1 else ""
    present = batched(results, benchmark)[0]
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
    """The first and third quartiles of a timing's samples (the median twice for one sample,
    or for a version-1 file's timing, which kept no samples)."""
    if len(timing.samples_s) < 2:
        return timing.median_s, timing.median_s
    q1, _, q3 = statistics.quantiles(timing.samples_s, n=4, method="inclusive")
    return q1, q3


def _timed_benchmarks(results: Results) -> list[str]:
    return [
        b for b in dict.fromkeys(r.benchmark for r in results.records) if batched(results, b)[1]
    ]


def memory_chart(results: Results, benchmark: str, title: str = "") -> Any:
    """XLA's temporary memory (MiB) against batch size, log-log, one line per variant and chunk
    size (rows of :func:`~jaxguide.render.memory_table`); the chunk sizes of one variant share
    its colour, each with its own dash. Returns a :class:`matplotlib.figure.Figure`."""
    import matplotlib.style  # noqa: PLC0415 - only charts need matplotlib
    from matplotlib.figure import Figure  # noqa: PLC0415

    dashes: dict[str, int] = {}
    with matplotlib.style.context(CHART_STYLE):
        fig = Figure(figsize=(7.0, 4.0), layout="constrained")
        ax = fig.subplots()
        for label, row in memory_rows(results, benchmark).items():
            variant = label.split(",")[0]
            points = sorted((int(n), t / 2**20) for n, t in row.items())
            style = variant_style(variant)
            style["linestyle"] = _LINESTYLES[dashes.setdefault(variant, 0) % 4]
            dashes[variant] += 1
            ax.plot(*zip(*points, strict=True), label=label, **style)
        ax.set_xscale("log", base=2)
        ax.set(yscale="log", xlabel="batch size (examples)", ylabel="XLA temporary memory (MiB)")
        ax.set_title(title or f"{benchmark}: temporary memory against batch size")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig


def memory_time_chart(results: Results, benchmark: str, title: str = "") -> Any:
    """Each record of ``benchmark`` that was both timed and compiled, as a point: median time
    (ms) across, XLA's temporary memory (MiB, log scale) up, labelled with its variant and
    chunk size. Points on the lower-left edge are the trade-offs worth having."""
    import matplotlib.style  # noqa: PLC0415 - only charts need matplotlib
    from matplotlib.figure import Figure  # noqa: PLC0415

    whole = whole_batch(results, benchmark)
    points = [
        (
            row_label(r, "batch", whole),
            r.variant,
            r.timing.median_s * 1e3,
            r.memory.temp_bytes / 2**20,
        )
        for r in results.select(benchmark)
        if r.status == "ok" and r.timing is not None and r.memory is not None
    ]
    if not points:
        raise ValueError(f"no record of {benchmark!r} both timed and compiled")
    batches = {r.params.get("batch") for r in results.select(benchmark)}
    at = f", batch {batches.pop():,}" if len(batches) == 1 else ""
    with matplotlib.style.context(CHART_STYLE):
        fig = Figure(figsize=(7.0, 4.0), layout="constrained")
        ax = fig.subplots()
        for label, variant, ms, mib in points:
            ax.plot(ms, mib, linestyle="none", **variant_style(variant))
            ax.annotate(label, (ms, mib), textcoords="offset points", xytext=(6, 4), fontsize=9)
        ax.set(yscale="log", xlabel="median time (ms)", ylabel="XLA temporary memory (MiB)")
        ax.set_title(title or f"{benchmark}: memory against time{at}")
    return fig


def compile_run_chart(
    results: Results, benchmark: str, across: Mapping[str, float], xlabel: str, title: str = ""
) -> Any:
    """What a compile-time setting trades, in two panels against its value: the first call's XLA
    compile seconds, and the steady state's median seconds per call (quartiles as error bars).

    ``across`` maps each variant of ``benchmark`` to the value of the setting it was compiled
    with (``{"unroll-4": 4, ...}``); the x axis is logarithmic, base 2.
    """
    import matplotlib.style  # noqa: PLC0415 - only charts need matplotlib
    from matplotlib.figure import Figure  # noqa: PLC0415

    points = sorted(
        (value, results.timing(benchmark, variant)) for variant, value in across.items()
    )
    xs = [value for value, _ in points]
    with matplotlib.style.context(CHART_STYLE):
        fig = Figure(figsize=(8.0, 3.6), layout="constrained")
        compile_ax, run_ax = fig.subplots(1, 2)
        compile_ax.plot(xs, [t.compile_s * 1e3 for _, t in points], **variant_style("jit"))
        medians = [t.median_s * 1e3 for _, t in points]
        quartiles = [_quartiles(t) for _, t in points]
        run_ax.errorbar(
            xs,
            medians,
            yerr=[
                [m - q1 * 1e3 for m, (q1, _) in zip(medians, quartiles, strict=True)],
                [q3 * 1e3 - m for m, (_, q3) in zip(medians, quartiles, strict=True)],
            ],
            capsize=3,
            **variant_style("jit"),
        )
        for ax, what in ((compile_ax, "XLA compile (ms)"), (run_ax, "median time per call (ms)")):
            ax.set(xlabel=xlabel, ylabel=what, ylim=(0, None))
            ax.set_xscale("log", base=2)
            ax.set_xticks(xs, [f"{x:g}" for x in xs])
        compile_ax.set_title("Compiled once")
        run_ax.set_title("Paid on every call")
        if title:
            fig.suptitle(title)
    return fig
