"""A timeline of traced spans: one panel per step, one row per kind of work, in the site's style."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from jaxguide.render._charts import CHART_STYLE

__all__ = ["timeline_chart"]

Lanes = Mapping[str, Sequence[tuple[float, float]]]


def timeline_chart(panels: Mapping[str, Lanes], title: str = "") -> Any:
    """Each panel a timeline: a row per lane, a bar per ``(start, duration)`` in µs.

    Lanes are drawn top down in the order given, each in its colour of the style's cycle, the
    same on every panel. Every bar has an edge in its own colour, so that one too short for a
    pixel still shows as a hairline. Each panel has its own time axis. Returns a
    :class:`matplotlib.figure.Figure`: write it with :func:`~jaxguide.render.chart_svg`.

    >>> fig = timeline_chart({"step": {"host": [(0.0, 5.0)], "device": [(1.0, 2.0)]}})
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ['host', 'device']
    """
    import matplotlib.style  # noqa: PLC0415 - only charts need matplotlib
    from matplotlib.figure import Figure  # noqa: PLC0415

    if not panels:
        raise ValueError("no timeline to draw")
    with matplotlib.style.context(CHART_STYLE):
        colors = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
        rows = max(len(lanes) for lanes in panels.values())
        fig = Figure(figsize=(7.0, len(panels) * (0.9 + 0.45 * rows)), layout="constrained")
        for ax, (name, lanes) in zip(
            fig.subplots(len(panels), 1, squeeze=False)[:, 0], panels.items(), strict=True
        ):
            for row, bars in enumerate(lanes.values()):
                color = colors[row % len(colors)]
                ax.broken_barh(
                    bars, (row - 0.35, 0.7), facecolor=color, edgecolor=color, linewidth=0.5
                )
            ax.set_yticks(range(len(lanes)), list(lanes))
            ax.set_ylim(len(lanes) - 0.5, -0.5)
            ax.set_xlim(left=0)
            ax.grid(axis="y", visible=False)
            ax.set(title=name, xlabel="µs from the step's start")
        if title:
            fig.suptitle(title)
    return fig
