"""The figures a page quotes from a verdict, named for :func:`jaxguide.pages.glue_figures`."""

from __future__ import annotations

from collections.abc import Sequence

from jaxguide.claims import Verdict
from jaxguide.results import Comparison

__all__ = ["comparison_figures", "direction_words", "verdict_words"]


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


def direction_words(comparisons: Sequence[Comparison], what: str, than: str) -> str:
    """How many timing comparisons came out faster, slower or too close to tell, in words a
    sentence can quote: each ratio is one side's time over ``than``'s, so a whole interval below
    1 is faster, a whole interval above 1 slower, and one across 1 cannot tell them apart.

    >>> cs = [Comparison(label=f"chunk {n}", ratio=r, low=lo, high=hi, outcome="fails")
    ...       for n, r, lo, hi in ((16, 0.7, 0.6, 0.8), (64, 0.9, 0.8, 1.1), (128, 1.2, 1.1, 1.3))]
    >>> direction_words(cs, "chunk sizes", "vmap")
    '1 of the 3 chunk sizes ran faster than vmap (chunk 16), 1 slower (chunk 128), and 1 could not be told apart from it'
    """
    faster = [c.label for c in comparisons if c.high < 1]
    slower = [c.label for c in comparisons if c.low > 1]
    unclear = len(comparisons) - len(faster) - len(slower)

    def named(labels: list[str]) -> str:
        return f" ({', '.join(labels)})" if labels else ""

    return (
        f"{len(faster)} of the {len(comparisons)} {what} ran faster than {than}{named(faster)}, "
        f"{len(slower)} slower{named(slower)}, and {unclear} could not be told apart from it"
    )


def verdict_words(verdict: Verdict, holds: str, otherwise: str) -> str:
    """Words for a sentence that restates a claim elsewhere on its page: ``holds`` where the
    claim holds, else ``otherwise`` with the verdict itself in parentheses.

    >>> v = Verdict(claim="c", kind="measured", status="inconclusive", backend="cpu",
    ...             figure="1.05× [0.92, 1.21]")
    >>> verdict_words(v, "it was as fast", "it may not be as fast")
    'it may not be as fast (inconclusive on cpu: 1.05× [0.92, 1.21])'
    >>> verdict_words(v.model_copy(update={"status": "holds"}), "it was as fast", "")
    'it was as fast'
    """
    return holds if verdict.status == "holds" else f"{otherwise} ({verdict.text})"
