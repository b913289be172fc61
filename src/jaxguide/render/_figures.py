"""The figures a page quotes from a verdict, named for :func:`jaxguide.pages.glue_figures`."""

from __future__ import annotations

from jaxguide.claims import Verdict

__all__ = ["comparison_figures"]


def comparison_figures(verdict: Verdict) -> dict[str, object]:
    """A measured claim's ratios in brief: the smallest, the median and the largest, how many
    comparisons, and the threshold in words.

    >>> from jaxguide.results import Comparison
    >>> cs = tuple(Comparison(label=f"at {n}", ratio=r, low=r - 1, high=r + 1, outcome="holds")
    ...            for n, r in ((1, 3.0), (2, 5.0), (3, 4.0)))
    >>> v = Verdict(claim="c", kind="measured", status="holds", comparisons=cs, threshold="≥ 2×")
    >>> comparison_figures(v)
    {'min': 3.0, 'median': 4.0, 'max': 5.0, 'points': 3, 'threshold': '≥ 2×'}
    """
    ratios = sorted(c.ratio for c in verdict.comparisons)
    if not ratios:
        raise ValueError(f"claim {verdict.claim!r} has no comparisons ({verdict.text})")
    return {
        "min": ratios[0],
        "median": ratios[len(ratios) // 2],
        "max": ratios[-1],
        "points": len(ratios),
        "threshold": verdict.threshold,
    }
