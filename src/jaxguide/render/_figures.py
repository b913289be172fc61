"""The figures a page quotes from a verdict, named for :func:`jaxguide.pages.glue_figures`."""

from __future__ import annotations

import math
from collections.abc import Sequence

from jaxguide.claims import FAR_PAST, Verdict
from jaxguide.results import Comparison, Results, Timing

__all__ = [
    "comparison_figures",
    "direction_words",
    "first_calls_ahead",
    "stream_figures",
    "verdict_words",
]


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


def first_calls_ahead(slow: Timing, fast: Timing) -> str:
    """From which call ``fast``'s calls so far took no longer than ``slow``'s, first calls
    (compile included) counted: the break-even of a compile, in words.

    >>> from jaxguide.results import Timing
    >>> def t(first, each):
    ...     return Timing(first_call_s=first, samples_s=(each,) * 3, loops=1)
    >>> first_calls_ahead(t(0.1, 1e-3), t(0.05, 1e-4))
    'from its first call'
    >>> first_calls_ahead(t(0.1, 1e-3), t(0.2, 1e-4))
    'from call 113'
    >>> first_calls_ahead(t(0.1, 1e-3), t(0.2, 1e-3))
    'at no call: its later calls were no faster'
    """
    if fast.first_call_s <= slow.first_call_s:
        return "from its first call"
    gain = slow.median_s - fast.median_s
    if gain <= 0:
        return "at no call: its later calls were no faster"
    return f"from call {1 + math.ceil((fast.first_call_s - slow.first_call_s) / gain):,}"


def stream_figures(results: Results, verdict: Verdict) -> dict[str, object]:
    """The figures of the bandwidth section (``stream``): the last-level cache in MiB, the
    "far past" rule, the repeats at the largest size, and what the claim compared, in words."""
    copies = results.by("elements", "stream", "copy")
    top = copies[max(copies)]
    cache = int(top.values["cache_bytes"])
    found = verdict.comparisons
    return {
        "cache_mib": f"{cache / 2**20:,.0f}" if cache else "unknown",
        "far_past": f"{FAR_PAST}",
        "stream_repeats": f"{top.timing.repeats}" if top.timing else "no",
        "stream_finding": (
            f"Measured {found[0].label}, the compiled add moved data at {found[0].ratio:.0%} "
            "of the one-pass rate"
            if found
            else "No size measured here was far enough past the cache to judge the add by"
        ),
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
