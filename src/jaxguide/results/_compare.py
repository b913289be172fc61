"""The one comparison rule for timings: a ratio of medians, its confidence interval, a verdict.

Two sets of per-repeat samples (the slower-expected side and the faster-expected side) give
the ratio of their medians and a 95% percentile-bootstrap interval for it (each side resampled
on its own). A bootstrap of the ratio of medians was chosen over a rank test (pyperf's
``is_significant``) because a claim's threshold is a ratio ("at least 1.1× faster"), not
"different at all": the interval is set against that threshold directly, and the median is
robust to the long right tail of timings on a shared machine. The resampling is seeded, so the
same samples always give the same interval and verdict.

- **holds**: the whole interval lies inside the threshold's range;
- **fails**: the whole interval lies outside it;
- **inconclusive**: the interval straddles a bound — more samples or a quieter machine decide.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

__all__ = ["CONFIDENCE", "Comparison", "Outcome", "Quantifier", "Threshold", "combine", "compare"]

Outcome = Literal["holds", "fails", "inconclusive"]
Quantifier = Literal["all", "most"]
"""``all``: every comparison must hold; ``most``: more than half must."""

CONFIDENCE = 0.95
"""The confidence level of every interval on the site."""
_RESAMPLES = 4000
_SEED = 0


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Threshold(_Model):
    """The range a claim's ratio (slower side's time over faster side's) must lie in.

    >>> str(Threshold(at_least=1.1)), str(Threshold(at_least=0.9, at_most=1.5))
    ('≥ 1.1×', 'between 0.9× and 1.5×')
    """

    at_least: float
    at_most: float = math.inf

    def judge(self, low: float, high: float) -> Outcome:
        """The outcome for an interval ``[low, high]`` of the ratio."""
        if low >= self.at_least and high <= self.at_most:
            return "holds"
        if high < self.at_least or low > self.at_most:
            return "fails"
        return "inconclusive"

    def __str__(self) -> str:
        if math.isinf(self.at_most):
            return f"≥ {self.at_least:g}×"
        return f"between {self.at_least:g}× and {self.at_most:g}×"


class Comparison(_Model):
    """One comparison: the ratio of medians, its interval, and the outcome against a threshold."""

    label: str
    ratio: float
    low: float
    high: float
    outcome: Outcome

    def __str__(self) -> str:
        where = f" {self.label}" if self.label else ""
        return f"{_fmt(self.ratio)}× [{_fmt(self.low)}, {_fmt(self.high)}]{where}"


def _fmt(x: float) -> str:
    return f"{x:.0f}" if x >= 100 else f"{x:.3g}"


def compare(
    slow: Sequence[float], fast: Sequence[float], threshold: Threshold, label: str = ""
) -> Comparison:
    """Compare two sets of samples (seconds) under ``threshold``.

    >>> a, b = [2.0, 2.1, 1.9, 2.0, 2.2], [1.0, 1.05, 0.95, 1.0, 1.02]
    >>> c = compare(a, b, Threshold(at_least=1.5))
    >>> round(c.ratio, 2), c.outcome
    (2.0, 'holds')
    >>> compare(a, b, Threshold(at_least=3)).outcome
    'fails'
    >>> compare([1.0, 1.3, 0.9, 1.2, 1.0], [1.0, 0.9, 1.2, 1.0, 1.1], Threshold(at_least=1.1)).outcome
    'inconclusive'
    """
    s, f = np.asarray(slow, dtype=float), np.asarray(fast, dtype=float)
    if not (s.size and f.size and np.all(np.isfinite(s)) and np.all(np.isfinite(f))):
        raise ValueError(f"compare {label!r}: samples must be finite and non-empty")
    if np.any(s <= 0) or np.any(f <= 0):
        raise ValueError(f"compare {label!r}: samples must be positive")
    rng = np.random.default_rng(_SEED)
    s_medians = np.median(rng.choice(s, size=(_RESAMPLES, s.size)), axis=1)
    f_medians = np.median(rng.choice(f, size=(_RESAMPLES, f.size)), axis=1)
    tail = (1 - CONFIDENCE) / 2
    low, high = np.quantile(s_medians / f_medians, [tail, 1 - tail])
    return Comparison(
        label=label,
        ratio=float(np.median(s) / np.median(f)),
        low=float(low),
        high=float(high),
        outcome=threshold.judge(float(low), float(high)),
    )


def combine(outcomes: Sequence[Outcome], over: Quantifier) -> Outcome:
    """One outcome from several comparisons.

    >>> combine(["holds", "inconclusive"], "all"), combine(["holds", "fails"], "all")
    ('inconclusive', 'fails')
    >>> combine(["holds", "holds", "fails"], "most"), combine(["holds", "fails"], "most")
    ('holds', 'fails')
    >>> combine(["holds", "inconclusive", "fails"], "most")
    'inconclusive'
    """
    if not outcomes:
        raise ValueError("no comparisons to combine")
    n, holds, fails = len(outcomes), outcomes.count("holds"), outcomes.count("fails")
    if over == "all":
        return "fails" if fails else "holds" if holds == n else "inconclusive"
    if holds > n / 2:
        return "holds"
    return "fails" if fails >= n / 2 else "inconclusive"
