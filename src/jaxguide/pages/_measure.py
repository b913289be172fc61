"""Measure a few callables on a page, with the harness, into results a claim can read."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import jax
import numpy as np

from jaxguide.bench import (
    PROFILES,
    SHARED_RESULTS_ENV,
    Call,
    compiled_memory,
    describe_environment,
    guarded_group,
    page_profile,
    time_calls,
    watch_load,
)
from jaxguide.claims import CLAIMS, verify
from jaxguide.pages._measurements import MEASUREMENTS, PageMeasurement
from jaxguide.results import Record, Results, Scalar

__all__ = ["measure"]


def measure(
    name: str,
    calls: Mapping[str, Call],
    *,
    benchmark: str,
    reference: str | None = None,
    memory: bool = False,
    params: Mapping[str, Scalar] | None = None,
    observe: Callable[..., Mapping[str, Scalar]] | None = None,
    claims: bool = True,
) -> Results:
    """Time ``calls`` interleaved (and analyse their memory) as page measurement ``name``.

    ``calls`` maps each variant to ``(fn, args)``; they are timed together with
    :func:`jaxguide.bench.time_calls` in the page's profile, so a slow spell of the machine
    falls on every variant. With ``reference``, each other variant's record also holds its
    largest difference from the reference's outputs (``max_abs_diff``) and the reference's
    largest magnitude (``reference_max_abs``), which :func:`jaxguide.claims.agreement` reads.
    With ``memory``, each record holds XLA's memory analysis of its function (jitted).
    With ``observe``, each record's values also hold what ``observe(fn, *args)`` returns for
    its variant: other facts a claim reads, such as collectives counted in the compiled HLO.

    ``name`` must be declared in ``jaxguide/pages/_measurements.py`` with every
    ``benchmark/variant`` it produces, as a suite declares them; the results carry
    ``suite=name``. With ``claims`` (the default), every claim whose ``suite`` is ``name`` is
    then verified on them (:func:`jaxguide.claims.verify`): its verdict is glued for the
    page's ``{claim}`` role, and a strict one that fails stops the page with one line. A
    failure to measure (an error, an out-of-memory) becomes a record saying so. In a docs
    build, the results are also saved beside the suites' (``JAXGUIDE_SHARED_RESULTS``):
    that file is what ``tests/fixtures/results/<name>.json`` is copied from.
    """
    declared = _declared(name, benchmark, calls, reference)
    profile = PROFILES[page_profile()]
    where = dict(params or {})

    def take() -> tuple[Record, ...]:
        timings = time_calls(calls, profile.method)
        values = _differences(calls, reference)
        if observe is not None:
            for variant, (fn, args) in calls.items():
                values[variant] = {**values.get(variant, {}), **observe(fn, *args)}
        return tuple(
            Record(
                benchmark=benchmark,
                variant=variant,
                params=where,
                timing=timings[variant],
                memory=compiled_memory(fn, *args) if memory else None,
                values=values.get(variant, {}),
            )
            for variant, (fn, args) in calls.items()
        )

    with watch_load() as watch:
        records = guarded_group(benchmark, list(calls), where, take, profile.point_timeout_s)
    results = Results(
        suite=name,
        suite_version=declared.version,
        profile=profile.name,
        environment=describe_environment(),
        method=profile.method,
        records=records,
        load=watch.load,
    )
    folder = os.environ.get(SHARED_RESULTS_ENV)
    if folder:
        results.save(Path(folder) / f"{name}-v{declared.version}-{profile.name}.json")
    if claims:
        for claim in [c for c in CLAIMS.values() if c.suite == name]:
            verify(claim.id, results)
    return results


def _declared(
    name: str, benchmark: str, calls: Mapping[str, Call], reference: str | None
) -> PageMeasurement:
    """The declaration of ``name``, after checking that it covers what is about to be measured."""
    if name not in MEASUREMENTS:
        raise KeyError(
            f"no page measurement {name!r}: declare it in jaxguide/pages/_measurements.py"
        )
    declared = MEASUREMENTS[name]
    undeclared = {(benchmark, v) for v in calls} - declared.produces
    if undeclared:
        missing = ", ".join(f"{b}/{v}" for b, v in sorted(undeclared))
        raise ValueError(f"page measurement {name!r} does not declare {missing}")
    if reference is not None and reference not in calls:
        raise ValueError(f"reference {reference!r} is not one of the variants {sorted(calls)}")
    return declared


def _differences(calls: Mapping[str, Call], reference: str | None) -> dict[str, dict[str, Scalar]]:
    """Each non-reference variant's largest difference from the reference's outputs."""
    if reference is None:
        return {}
    fn, args = calls[reference]
    expected = _leaves(fn(*args))
    scale = max((float(np.max(np.abs(x))) for x in expected if x.size), default=0.0)
    found: dict[str, dict[str, Scalar]] = {}
    for variant, (other, other_args) in calls.items():
        if variant == reference:
            continue
        outputs = _leaves(other(*other_args))
        shapes = [x.shape for x in outputs], [x.shape for x in expected]
        if shapes[0] != shapes[1]:
            raise ValueError(
                f"{variant}'s outputs have shapes {shapes[0]}, {reference}'s {shapes[1]}"
            )
        worst = max(
            (
                float(np.max(np.abs(a - b)))
                for a, b in zip(outputs, expected, strict=True)
                if a.size
            ),
            default=0.0,
        )
        found[variant] = {"max_abs_diff": worst, "reference_max_abs": scale}
    return found


def _leaves(tree: Any) -> list[np.ndarray[Any, np.dtype[np.float64]]]:
    """The leaves of an output pytree, as float64 NumPy arrays."""
    return [np.asarray(leaf, dtype=np.float64) for leaf in jax.tree.leaves(tree)]
