"""The measurement harness: timing, memory, provenance, suites and reports.

Run it from a shell with ``python -m jaxguide.bench`` (``list``, ``run``, ``report``); use it
from code as below. What it writes is a :class:`jaxguide.results.Results`.

>>> import jax, jax.numpy as jnp
>>> from jaxguide import bench
>>> timing = bench.time_call(jax.jit(jnp.cos), jnp.ones(100))
>>> timing.median_s > 0
True
>>> "vmap-speed" in bench.SUITES
True
"""

from jaxguide.bench._bandwidth import (
    BYTES_MOVED,
    last_level_cache_bytes,
    measured_bandwidth,
    stream_point,
)
from jaxguide.bench._caption import Caption, caption
from jaxguide.bench._comparison import SAME, comparison_tables
from jaxguide.bench._environment import describe_environment
from jaxguide.bench._memory import compiled_memory, peak_bytes_in_use
from jaxguide.bench._points import guarded, guarded_group
from jaxguide.bench._report import (
    NOISY_SPREAD,
    Table,
    format_seconds,
    report,
    timing_chart,
    timing_table,
)
from jaxguide.bench._shared import SHARED_RESULTS_ENV, page_results
from jaxguide.bench._side_by_side import SideBySide, records_table, side_by_side
from jaxguide.bench._style import CHART_STYLE, VARIANT_COLORS, chart_svg, variant_style
from jaxguide.bench._suites import PROFILES, Point, Profile, ProfileName, Suite, page_profile
from jaxguide.bench._timing import (
    DEFAULT_METHOD,
    Call,
    CompileCount,
    count_compiles,
    time_call,
    time_calls,
)
from jaxguide.bench.suites import SUITES

__all__ = [
    "BYTES_MOVED",
    "CHART_STYLE",
    "DEFAULT_METHOD",
    "NOISY_SPREAD",
    "PROFILES",
    "SAME",
    "SHARED_RESULTS_ENV",
    "SUITES",
    "VARIANT_COLORS",
    "Call",
    "Caption",
    "CompileCount",
    "Point",
    "Profile",
    "ProfileName",
    "SideBySide",
    "Suite",
    "Table",
    "caption",
    "chart_svg",
    "comparison_tables",
    "compiled_memory",
    "count_compiles",
    "describe_environment",
    "format_seconds",
    "guarded",
    "guarded_group",
    "last_level_cache_bytes",
    "measured_bandwidth",
    "page_profile",
    "page_results",
    "peak_bytes_in_use",
    "records_table",
    "report",
    "side_by_side",
    "stream_point",
    "suites",
    "time_call",
    "time_calls",
    "timing_chart",
    "timing_table",
    "variant_style",
]
