"""The measurement harness: timing, memory, provenance and suites.

Run it from a shell with ``python -m jaxguide.bench`` (``list``, ``run``, ``report``,
``compare``); use it from code as below. What it writes is a :class:`jaxguide.results.Results`;
showing results (tables, charts, captions) is :mod:`jaxguide.render`'s.

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
    FAR_PAST,
    last_level_cache_bytes,
    stream_point,
)
from jaxguide.bench._environment import describe_environment
from jaxguide.bench._load import LoadWatch, watch_load
from jaxguide.bench._memory import compiled_memory, peak_bytes_in_use
from jaxguide.bench._points import guarded, guarded_group
from jaxguide.bench._shared import SHARED_RESULTS_ENV, page_results
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
    "DEFAULT_METHOD",
    "FAR_PAST",
    "PROFILES",
    "SHARED_RESULTS_ENV",
    "SUITES",
    "Call",
    "CompileCount",
    "LoadWatch",
    "Point",
    "Profile",
    "ProfileName",
    "Suite",
    "compiled_memory",
    "count_compiles",
    "describe_environment",
    "guarded",
    "guarded_group",
    "last_level_cache_bytes",
    "page_profile",
    "page_results",
    "peak_bytes_in_use",
    "stream_point",
    "suites",
    "time_call",
    "time_calls",
    "watch_load",
]
