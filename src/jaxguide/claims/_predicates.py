"""Predicates a claim is built from: numeric agreement, counts, and a pair of timings.

:func:`agree` and :func:`agreement` judge strict numeric agreement with a relative tolerance,
warning when it holds only narrowly; :func:`timing_pair` gives a measured claim its samples;
every predicate that compares counts (operations, collectives, launches, flops, bytes) first
shows with :func:`counted` that what it counts is there.

A strict claim that two computations give "the same values" holds when their largest
difference is within ``atol + rtol · max|expected|``. A difference a little under that bound
holds today and may fail on the next machine, so one within :data:`NEAR` of the bound says so,
in the verdict's figure and as a :class:`NearThreshold` warning.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike

from jaxguide.claims._core import Evidence, Pair
from jaxguide.results import NotMeasured, Record, Results

__all__ = [
    "NEAR",
    "NearThreshold",
    "agree",
    "agreement",
    "agreements",
    "counted",
    "timing_pair",
]

NEAR = 10.0
"""A difference more than 1/NEAR of its tolerance is close enough to it to be flagged."""


class NearThreshold(UserWarning):
    """A strict agreement held, but its difference is within :data:`NEAR` of the tolerance."""


def agree(a: ArrayLike, b: ArrayLike, *, rtol: float, atol: float = 0.0) -> Evidence:
    """Whether ``a`` agrees with the expected ``b``: ``max|a - b| ≤ atol + rtol · max|b|``.

    >>> agree([1.0, 2.0], [1.0, 2.0], rtol=1e-6).figure
    'largest difference 0 against a tolerance of 2e-06'
    >>> agree([1.0, 2.5], [1.0, 2.0], rtol=1e-6).holds
    False
    """
    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if x.shape != y.shape:
        return Evidence(False, f"shapes differ: {x.shape} against {y.shape}")
    scale = float(np.max(np.abs(y))) if y.size else 0.0
    difference = float(np.max(np.abs(x - y))) if x.size else 0.0
    return _judge(difference, scale, rtol, atol)


def agreement(record: Record, *, rtol: float, atol: float = 0.0) -> Evidence:
    """:func:`agree` on a record that :func:`jaxguide.pages.measure` compared to its reference.

    The record holds ``max_abs_diff`` (its outputs against the reference variant's) and
    ``reference_max_abs`` (the reference's largest magnitude); without them it is not measured.
    """
    values = record.values
    if "max_abs_diff" not in values or "reference_max_abs" not in values:
        raise NotMeasured(
            f"{record.benchmark}/{record.variant} was not compared with a reference variant"
        )
    return _judge(float(values["max_abs_diff"]), float(values["reference_max_abs"]), rtol, atol)


def agreements(
    results: Results, benchmark: str, variants: Sequence[str], *, rtol: float, atol: float = 0.0
) -> Evidence:
    """:func:`agreement` of each of ``variants``: holds if all do; the figure is the worst's.

    The worst is the first that fails, or else the one with the largest difference.
    """
    found = {v: agreement(results.record(benchmark, v), rtol=rtol, atol=atol) for v in variants}
    failing = [v for v, e in found.items() if not e.holds]
    worst = failing[0] if failing else max(found, key=lambda v: found[v].values["max_abs_diff"])
    return Evidence(
        holds=not failing,
        figure=f"{worst}: {found[worst].figure}",
        values={f"{v}.max_abs_diff": e.values["max_abs_diff"] for v, e in found.items()},
    )


def counted(counts: Mapping[str, float], where: str) -> None:
    """Raise :class:`NotMeasured` unless every one of ``counts`` is positive.

    A counter that finds nothing agrees with itself: "0 tanh against 0" would pass any
    comparison of counts. So a predicate that compares counts first passes here each count
    of something the program is known to have (the tanh in a function that calls ``tanh``,
    the all-reduce that a block writes); one of zero, negative or NaN means the counter
    missed it, and the claim is not measured, with that reason.

    >>> counted({"tanh": 2, "dot": 3}, "the compiled program")
    >>> counted({"tanh": 0, "dot": 3}, "the compiled program")
    Traceback (most recent call last):
    ...
    jaxguide.results._schema.NotMeasured: the compiled program: counted no tanh, though the program has them: a counter that finds nothing would agree with itself
    """
    missing = [name for name, n in counts.items() if not float(n) > 0]  # NaN too
    if missing:
        raise NotMeasured(
            f"{where}: counted no {', '.join(missing)}, though the program has them: a "
            "counter that finds nothing would agree with itself"
        )


def timing_pair(
    results: Results, benchmark: str, slow: str, fast: str, label: str = ""
) -> dict[str, Pair]:
    """``{label: (slow's samples, fast's samples)}``: what a measured claim's predicate returns.

    ``slow`` is the variant expected to take longer (for "about as fast", either).
    """
    a, b = results.timing(benchmark, slow), results.timing(benchmark, fast)
    return {label: (a.samples_s, b.samples_s)}


def _judge(difference: float, scale: float, rtol: float, atol: float) -> Evidence:
    """The evidence for ``difference`` against ``atol + rtol · scale``; a NaN never agrees.

    >>> import pytest
    >>> with pytest.warns(NearThreshold, match="within 10× of"):
    ...     print(_judge(9.8e-4, 1.0, 1e-3, 0.0).figure)
    largest difference 0.00098 against a tolerance of 0.001 (within 10× of it)
    """
    tolerance = atol + rtol * scale
    holds = difference <= tolerance  # False for NaN
    figure = f"largest difference {difference:.2g} against a tolerance of {tolerance:.2g}"
    if holds and difference * NEAR > tolerance:
        note = f"within {NEAR:g}× of it"
        figure += f" ({note})"
        warnings.warn(
            f"agreement holds narrowly: {figure}; a tolerance this tight may fail on other "
            "hardware: state it with more room, or explain why it is tight",
            NearThreshold,
            stacklevel=3,
        )
    values = {"max_abs_diff": difference, "tolerance": tolerance, "rtol": rtol, "atol": atol}
    return Evidence(holds, figure, values)
