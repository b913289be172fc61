"""One look for every chart: the site's matplotlib style and a fixed colour for each variant."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

__all__ = ["CHART_STYLE", "VARIANT_COLORS", "chart_svg", "variant_style"]

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
