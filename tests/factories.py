"""Small results for tests: hand-made ones, and the real fixture runs with perturbations."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from jaxguide.bench import DEFAULT_METHOD, describe_environment
from jaxguide.results import Record, Results, Scalar, Timing, load_results

FIXTURE_RESULTS = Path(__file__).parent / "fixtures" / "results"
"""Real quick-profile runs of every suite on a CPU (see fixtures/README.md)."""


def timing(median_s: float, spread: float = 0.0, first_call_s: float = 1.0) -> Timing:
    """Seven samples around ``median_s``, ``spread`` apart relative to it (0: all equal)."""
    offsets = (-3, -2, -1, 0, 1, 2, 3)
    samples = tuple(median_s * (1 + spread * k / 3) for k in offsets)
    return Timing(first_call_s=first_call_s, samples_s=samples, loops=1)


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


def fixture(suite: str) -> Results:
    """The real fixture run of ``suite``."""
    return load_results(FIXTURE_RESULTS / f"{suite}.json")


def scaled(results: Results, benchmark: str, variants: Sequence[str], factor: float) -> Results:
    """``results`` with the timings of ``benchmark``'s ``variants`` multiplied by ``factor``
    (``"*"`` as benchmark: every benchmark)."""

    def scale(record: Record) -> Record:
        if record.timing is None or record.variant not in variants:
            return record
        if benchmark not in ("*", record.benchmark):
            return record
        t = record.timing
        timing = t.model_copy(
            update={
                "samples_s": tuple(s * factor for s in t.samples_s),
                "first_call_s": t.first_call_s * factor,
            }
        )
        return record.model_copy(update={"timing": timing})

    return results.model_copy(update={"records": tuple(scale(r) for r in results.records)})


def with_values(results: Results, benchmark: str, variant: str, **values: Scalar) -> Results:
    """``results`` with ``values`` set on every ``benchmark``/``variant`` record."""

    def change(record: Record) -> Record:
        if (record.benchmark, record.variant) != (benchmark, variant):
            return record
        return record.model_copy(update={"values": {**record.values, **values}})

    return results.model_copy(update={"records": tuple(change(r) for r in results.records)})


def without(results: Results, benchmark: str, variant: str | None = None) -> Results:
    """``results`` without the records of ``benchmark`` (and ``variant``, if given)."""
    kept = tuple(
        r
        for r in results.records
        if (r.benchmark, r.variant)[: 1 if variant is None else 2]
        != (benchmark, variant)[: 1 if variant is None else 2]
    )
    return results.model_copy(update={"records": kept})


def broken(results: Results, benchmark: str, variant: str) -> Results:
    """``results`` where ``benchmark``/``variant``'s measurement crashed."""

    def crash(record: Record) -> Record:
        if (record.benchmark, record.variant) != (benchmark, variant):
            return record
        return Record(
            benchmark=benchmark,
            variant=variant,
            params=record.params,
            status="error",
            message=f"RuntimeError at {record.params}: boom",
        )

    return results.model_copy(update={"records": tuple(crash(r) for r in results.records)})


def _constant(timing: Timing, seconds: float) -> Timing:
    return timing.model_copy(update={"samples_s": (seconds,) * len(timing.samples_s)})


def set_ratio(
    results: Results, benchmark: str, slow: str, fast: str, ratio: float, **params: Scalar
) -> Results:
    """``results`` where, at every point of ``benchmark`` matching ``params``, ``slow`` takes
    exactly ``ratio`` times ``fast``'s median on every sample (and ``fast`` its median)."""
    medians = {
        tuple(sorted(r.params.items())): r.timing.median_s
        for r in results.select(benchmark, fast)
        if r.timing is not None and all(r.params.get(k) == v for k, v in params.items())
    }

    def change(record: Record) -> Record:
        key = tuple(sorted(record.params.items()))
        if record.benchmark != benchmark or record.timing is None or key not in medians:
            return record
        if record.variant == fast:
            return record.model_copy(update={"timing": _constant(record.timing, medians[key])})
        if record.variant == slow:
            timing = _constant(record.timing, medians[key] * ratio)
            return record.model_copy(update={"timing": timing})
        return record

    return results.model_copy(update={"records": tuple(change(r) for r in results.records)})


def set_first_call(results: Results, benchmark: str, variant: str, ratio: float) -> Results:
    """The first call of ``benchmark``/``variant`` set to ``ratio`` steady-state calls."""

    def change(record: Record) -> Record:
        if (record.benchmark, record.variant) != (benchmark, variant) or record.timing is None:
            return record
        t = _constant(record.timing, record.timing.median_s)
        t = t.model_copy(update={"first_call_s": t.median_s * ratio})
        return record.model_copy(update={"timing": t})

    return results.model_copy(update={"records": tuple(change(r) for r in results.records)})


def scaled_memory(
    results: Results, benchmark: str, variant: str, factor: float, **params: Scalar
) -> Results:
    """``results`` with the temporary bytes of matching records multiplied by ``factor``."""

    def change(record: Record) -> Record:
        if (record.benchmark, record.variant) != (benchmark, variant) or record.memory is None:
            return record
        if not all(record.params.get(k) == v for k, v in params.items()):
            return record
        memory = record.memory.model_copy(
            update={"temp_bytes": int(record.memory.temp_bytes * factor)}
        )
        return record.model_copy(update={"memory": memory})

    return results.model_copy(update={"records": tuple(change(r) for r in results.records)})


def with_memory(results: Results, benchmark: str, variant: str, **fields: int) -> Results:
    """``results`` with the memory analysis of ``benchmark``/``variant`` changed as given."""

    def change(record: Record) -> Record:
        if (record.benchmark, record.variant) != (benchmark, variant) or record.memory is None:
            return record
        return record.model_copy(update={"memory": record.memory.model_copy(update=fields)})

    return results.model_copy(update={"records": tuple(change(r) for r in results.records)})
