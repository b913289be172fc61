"""How results are shown: captions, tables, charts, side-by-side tabs and verdict badges.

One implementation of each, used by the pages, the claims report and the CLI's ``report`` and
``compare``. It reads :mod:`jaxguide.results` and :mod:`jaxguide.claims`; the harness
(:mod:`jaxguide.bench`) measures and writes results and imports none of it.

>>> from jaxguide.render import format_seconds, variant_style
>>> format_seconds(0.0123)
'12.3 ms'
>>> variant_style("vmap")["color"]
'#0072B2'
"""

from jaxguide.render._caption import Caption, caption
from jaxguide.render._charts import (
    CHART_STYLE,
    VARIANT_COLORS,
    chart_svg,
    compile_run_chart,
    memory_chart,
    memory_time_chart,
    timing_chart,
    variant_style,
)
from jaxguide.render._comparison import SAME, comparison_grids, comparison_tables
from jaxguide.render._figures import (
    comparison_figures,
    direction_words,
    first_calls_ahead,
    stream_figures,
    verdict_words,
)
from jaxguide.render._side_by_side import (
    CodeColumns,
    SideBySide,
    code_columns,
    records_table,
    side_by_side,
)
from jaxguide.render._tables import (
    NOISY_SPREAD,
    Table,
    bandwidth_table,
    busy_warning,
    format_seconds,
    measured_bandwidth,
    measured_table,
    memory_rows,
    memory_table,
    points_table,
    ratio_table,
    report,
    timing_table,
    values_table,
)
from jaxguide.render._timeline import timeline_chart
from jaxguide.render._verdicts import Badge, claims_report, verdict_badge, verdict_table

__all__ = [
    "CHART_STYLE",
    "NOISY_SPREAD",
    "SAME",
    "VARIANT_COLORS",
    "Badge",
    "Caption",
    "CodeColumns",
    "SideBySide",
    "Table",
    "bandwidth_table",
    "busy_warning",
    "caption",
    "chart_svg",
    "claims_report",
    "code_columns",
    "comparison_figures",
    "comparison_grids",
    "comparison_tables",
    "compile_run_chart",
    "direction_words",
    "first_calls_ahead",
    "format_seconds",
    "measured_bandwidth",
    "measured_table",
    "memory_chart",
    "memory_rows",
    "memory_table",
    "memory_time_chart",
    "points_table",
    "ratio_table",
    "records_table",
    "report",
    "side_by_side",
    "stream_figures",
    "timeline_chart",
    "timing_chart",
    "timing_table",
    "values_table",
    "variant_style",
    "verdict_badge",
    "verdict_table",
    "verdict_words",
]
