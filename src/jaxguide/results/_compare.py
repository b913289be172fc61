"""The one comparison rule for timings: a ratio of medians, its confidence interval, a verdict.

Two sets of per-repeat samples (the slower-expected side and the faster-expected side) give
the ratio of their medians and a 95% percentile-bootstrap interval for it (each side resampled
on its own). A bootstrap of the ratio of medians was chosen over a rank test (pyperf's
``is_significant``) because a claim's threshold is a ratio ("at least 1.1× faster"), not
"different at all": the interval is set against that threshold directly, and the median is
robust to the long right tail of timings on a shared machine. The resampling is seeded, so the
same samples always give the same interval and verdict.

Samples taken in one process share that process's luck (its memory layout, what else ran). When
a side's samples come from several processes (equal consecutive blocks, one per process), the
bootstrap resamples at both levels: processes with replacement, then samples within each chosen
process, so the interval also covers how much processes differ.

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


def _bootstrap_medians(x: np.ndarray, processes: int, rng: np.random.Generator) -> np.ndarray:
    """:data:`_RESAMPLES` medians of ``x`` resampled: processes first, then samples in each."""
    if processes == 1:
        resampled = rng.choice(x, size=(_RESAMPLES, x.size))
    else:
        blocks = x.reshape(processes, -1)
        chosen = blocks[rng.integers(processes, size=(_RESAMPLES, processes))]
        within = rng.integers(blocks.shape[1], size=chosen.shape)
        resampled = np.take_along_axis(chosen, within, axis=2).reshape(_RESAMPLES, -1)
    medians: np.ndarray = np.median(resampled, axis=1)
    return medians


def compare(
    slow: Sequence[float],
    fast: Sequence[float],
    threshold: Threshold,
    label: str = "",
    processes: tuple[int, int] = (1, 1),
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

    ``processes`` says how many processes each side's samples come from (equal consecutive
    blocks). Three processes that disagree widen the interval that pooling their samples hides:

    >>> slow, fast = [1.3] * 20 + [1.5] * 20 + [1.7] * 20, [1.0] * 20
    >>> str(compare(slow, fast, Threshold(at_least=1.4)))
    '1.5× [1.5, 1.5]'
    >>> str(compare(slow, fast, Threshold(at_least=1.4), processes=(3, 1)))
    '1.5× [1.3, 1.7]'
    """
    s, f = np.asarray(slow, dtype=float), np.asarray(fast, dtype=float)
    if not (s.size and f.size and np.all(np.isfinite(s)) and np.all(np.isfinite(f))):
        raise ValueError(f"compare {label!r}: samples must be finite and non-empty")
    if np.any(s <= 0) or np.any(f <= 0):
        raise ValueError(f"compare {label!r}: samples must be positive")
    if s.size % processes[0] or f.size % processes[1]:
        raise ValueError(f"compare {label!r}: samples do not split into {processes} processes")
    rng = np.random.default_rng(_SEED)
    s_medians = _bootstrap_medians(s, processes[0], rng)
    f_medians = _bootstrap_medians(f, processes[1], rng)
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
