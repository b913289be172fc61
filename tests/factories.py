"""Small results files for tests: this machine's provenance, the default method."""

from __future__ import annotations

from jaxguide.bench import DEFAULT_METHOD, Record, Results, Timing, describe_environment


def timing(median_s: float, iqr_s: float = 0.0, first_call_s: float = 1.0) -> Timing:
    """A steady state of ``median_s`` per call (minimum at the median)."""
    return Timing(
        first_call_s=first_call_s,
        median_s=median_s,
        iqr_s=iqr_s,
        min_s=median_s,
        loops=1,
        repeats=3,
    )


def results(suite: str, *records: Record, version: int = 1) -> Results:
    """``records`` as suite ``suite``'s results, measured here in the quick profile."""
    return Results(
        suite=suite,
        suite_version=version,
        profile="quick",
        environment=describe_environment(),
        method=DEFAULT_METHOD,
        records=records,
    )
