"""The measurement harness: timing, memory, provenance, the results schema, suites and reports.

Run it from a shell with ``python -m jaxguide.bench`` (``list``, ``run``, ``report``); use it
from code as below.

>>> import jax, jax.numpy as jnp
>>> from jaxguide import bench
>>> timing = bench.time_call(jax.jit(jnp.cos), jnp.ones(100))
>>> timing.median_s > 0
True
>>> "vmap-speed" in bench.SUITES  # importing jaxguide registers every suite
True
"""

from jaxguide.bench._bandwidth import bandwidth_point, copy_bandwidth, measured_bandwidth
from jaxguide.bench._caption import Caption, caption
from jaxguide.bench._environment import Environment, describe_environment
from jaxguide.bench._memory import compiled_memory, peak_bytes_in_use
from jaxguide.bench._points import guarded
from jaxguide.bench._report import (
    NOISY_SPREAD,
    Table,
    format_seconds,
    report,
    timing_chart,
    timing_table,
)
from jaxguide.bench._results import (
    SCHEMA,
    Memory,
    Method,
    Record,
    Results,
    ResultsError,
    Status,
    Timing,
    load_results,
)
from jaxguide.bench._shared import SHARED_RESULTS_ENV, page_results
from jaxguide.bench._side_by_side import SideBySide, records_table, side_by_side
from jaxguide.bench._stored import differences, load_stored
from jaxguide.bench._suites import (
    PROFILES,
    SUITES,
    Profile,
    ProfileName,
    Suite,
    page_profile,
    register_suite,
    run_suite,
)
from jaxguide.bench._timing import DEFAULT_METHOD, CompileCount, count_compiles, time_call

__all__ = [
    "DEFAULT_METHOD",
    "NOISY_SPREAD",
    "PROFILES",
    "SCHEMA",
    "SHARED_RESULTS_ENV",
    "SUITES",
    "Caption",
    "CompileCount",
    "Environment",
    "Memory",
    "Method",
    "Profile",
    "ProfileName",
    "Record",
    "Results",
    "ResultsError",
    "SideBySide",
    "Status",
    "Suite",
    "Table",
    "Timing",
    "bandwidth_point",
    "caption",
    "compiled_memory",
    "copy_bandwidth",
    "count_compiles",
    "describe_environment",
    "differences",
    "format_seconds",
    "guarded",
    "load_results",
    "load_stored",
    "measured_bandwidth",
    "page_profile",
    "page_results",
    "peak_bytes_in_use",
    "records_table",
    "register_suite",
    "report",
    "run_suite",
    "side_by_side",
    "suites",
    "time_call",
    "timing_chart",
    "timing_table",
]
