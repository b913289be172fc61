"""The measurement harness: timing, memory, provenance and the results schema.

Run it from a shell with ``python -m jaxguide.bench``; use it from code as below.

>>> import jax, jax.numpy as jnp
>>> from jaxguide import bench
>>> timing = bench.time_call(jax.jit(jnp.cos), jnp.ones(100))
>>> timing.median_s > 0
True
"""

from jaxguide.bench._caption import Caption, caption
from jaxguide.bench._environment import Environment, describe_environment
from jaxguide.bench._memory import compiled_memory, peak_bytes_in_use
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
from jaxguide.bench._side_by_side import SideBySide, format_seconds, records_table, side_by_side
from jaxguide.bench._stored import differences, load_stored
from jaxguide.bench._timing import DEFAULT_METHOD, time_call

__all__ = [
    "DEFAULT_METHOD",
    "SCHEMA",
    "Caption",
    "Environment",
    "Memory",
    "Method",
    "Record",
    "Results",
    "ResultsError",
    "SideBySide",
    "Status",
    "Timing",
    "caption",
    "compiled_memory",
    "describe_environment",
    "differences",
    "format_seconds",
    "load_results",
    "load_stored",
    "peak_bytes_in_use",
    "records_table",
    "side_by_side",
    "time_call",
]
