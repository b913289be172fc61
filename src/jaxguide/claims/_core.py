"""Claims: sentences bound to the measurements that support them.

A **strict** claim states a deterministic fact (numbers equal, bytes from XLA's memory analysis,
operations in a jaxpr): its predicate returns :class:`Evidence`. A **measured** claim states a
timing: its predicate returns pairs of samples, and the one comparison rule
(:func:`jaxguide.results.compare`) judges each pair against the claim's declared
:class:`~jaxguide.results.Threshold`. A claim reads only the (benchmark, variant) records it
declares in ``reads``; anything else is invisible to its predicate.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from jaxguide.results import (
    Comparison,
    NotMeasured,
    Quantifier,
    Results,
    Scalar,
    Threshold,
    combine,
    compare,
)

__all__ = [
    "MIME_TYPE",
    "Claim",
    "ClaimFailed",
    "Evidence",
    "Kind",
    "MeasuredClaim",
    "NotApplicable",
    "Pair",
    "RatioOf",
    "StrictClaim",
    "Verdict",
    "VerdictStatus",
    "largest",
]

Kind = Literal["strict", "measured"]
"""``strict``: a deterministic fact; failing it fails the build. ``measured``: a timing."""
VerdictStatus = Literal["holds", "fails", "inconclusive", "not-measured", "not-applicable"]
MIME_TYPE = "application/vnd.jaxguide.verdict+json"
"""The mime type a verdict is glued under, for the site's ``{claim}`` role to read."""

Pair = tuple[Sequence[float], Sequence[float]]
"""Samples (seconds) of the side expected to be slower, then of the side expected faster."""

RatioOf = tuple[str, str] | Callable[[str], tuple[str, str, str]]
"""What a measured claim's ratio is of, in a reader's words: the side whose time is divided
(the first of a :data:`Pair`), then the side it is divided by, e.g. ``("vmap", "the
hand-batched add")``; the figure reads "vmap took 3.77× [2.51, 15.4] the time of the
hand-batched add at batch 10,000", the comparison's label last. Where the sides change from one
comparison to the next (jacrev against jacfwd on the tall Jacobian, the other way round on the
wide), a function of the comparison's label that gives both names and the words to end on."""


class NotApplicable(LookupError):
    """Raised by a predicate when the claim does not apply to these results (one device, say)."""


class ClaimFailed(AssertionError):
    """A strict claim did not hold, or was not measured where it applies: the build stops."""


def largest(values: Iterable[float]) -> float:
    """The largest of ``values``, NaN if any is NaN (Python's ``max`` may drop a NaN).

    >>> largest([0.0, 1e-7]), math.isnan(largest([0.0, float("nan"), 1.0]))
    (1e-07, True)
    """
    found = list(values)
    if not found:
        raise NotMeasured("no values to compare")
    return math.nan if any(math.isnan(v) for v in found) else max(found)


@dataclass(frozen=True)
class Evidence:
    """What a strict predicate found: whether the claim holds, and the figure that says so."""

    holds: bool
    figure: str
    """The measured figure as a reader reads it, e.g. ``"largest difference 0"``."""
    values: Mapping[str, Scalar] = field(default_factory=dict)
    """The raw numbers behind the figure."""


@dataclass(frozen=True, kw_only=True)
class _Claim:
    id: str
    statement: str
    """The sentence as the reader sees it, without its figure."""
    suite: str
    """The suite whose results the predicate reads."""
    reads: frozenset[tuple[str, str]]
    """The (benchmark, variant) pairs the predicate reads; it sees no other record."""
    falsified_by: str
    """The observation, on some real hardware, that would make the claim false: required, for a
    sentence that nothing could falsify is a definition, not a claim."""
    source: str = "jaxguide"
    """Where the claim comes from: a text the site grew from (``SEED_COURSE``, ``SEED_QA``), or
    ``"jaxguide"``, the site itself."""
    backends: tuple[str, ...] = ()
    """Backends the claim is meant for; empty means every backend."""
    kind: ClassVar[Kind]

    def __post_init__(self) -> None:
        if not self.falsified_by.strip():
            raise ValueError(f"claim {self.id!r}: say what observation would falsify it")

    def evaluate(self, results: Results | None) -> Verdict:
        """The claim's verdict on ``results`` (``None``: not yet measured)."""
        if results is None:
            return Verdict(claim=self.id, kind=self.kind, status="not-measured")
        env = results.environment
        where: dict[str, Any] = {
            "claim": self.id,
            "kind": self.kind,
            "backend": env.backend,
            "hardware": env.hardware,
            "date": env.date,
        }
        if self.backends and env.backend not in self.backends:
            return Verdict(status="not-applicable", **where)
        try:
            return self._judge(results.only(self.reads), where)
        except NotApplicable as exc:
            return Verdict(status="not-applicable", figure=str(exc), **where)
        except NotMeasured as exc:
            return Verdict(status="not-measured", figure=str(exc), **where)

    def _judge(self, results: Results, where: dict[str, Any]) -> Verdict:
        raise NotImplementedError


@dataclass(frozen=True, kw_only=True)
class StrictClaim(_Claim):
    """A deterministic fact: failing it, or not measuring it where it applies, stops the build.

    >>> from jaxguide.claims import Evidence, StrictClaim
    >>> c = StrictClaim(
    ...     id="demo", statement="Two is more than one.", suite="demo", reads=frozenset(),
    ...     falsified_by="Two counted as no more than one.", predicate=lambda r: Evidence(holds=2 > 1, figure="2 > 1"),
    ... )
    >>> c.kind
    'strict'
    """

    predicate: Callable[[Results], Evidence]
    kind: ClassVar[Kind] = "strict"

    def _judge(self, results: Results, where: dict[str, Any]) -> Verdict:
        broken = [
            f"{r.benchmark}/{r.variant}: {r.message}" for r in results.records if r.status != "ok"
        ]
        if broken:  # a crashed, timed-out or out-of-memory point leaves the fact unmeasured
            raise NotMeasured("; ".join(broken))
        evidence = self.predicate(results)
        return Verdict(
            status="holds" if evidence.holds else "fails",
            figure=evidence.figure,
            values=dict(evidence.values),
            **where,
        )


@dataclass(frozen=True, kw_only=True)
class MeasuredClaim(_Claim):
    """A timing: each pair of samples is compared under ``threshold``; ``over`` combines them."""

    predicate: Callable[[Results], Mapping[str, Pair]]
    """Labelled pairs of samples, e.g. ``{"at batch 1,000": (loop samples, vmap samples)}``."""
    ratio_of: RatioOf
    """The names of the two sides each pair compares, in the pair's order. Required, for a
    ratio whose sides are not named reads either way."""
    threshold: Threshold
    over: Quantifier = "all"
    kind: ClassVar[Kind] = "measured"

    def __post_init__(self) -> None:
        super().__post_init__()
        if not callable(self.ratio_of):
            self.sides("")

    def sides(self, label: str) -> tuple[str, str, str]:
        """The name of the side whose time is divided, of the side it is divided by, and the
        words the figure ends on, for the comparison labelled ``label``.

        >>> from jaxguide.results import Threshold
        >>> c = MeasuredClaim(
        ...     id="demo", statement="vmap beats the loop.", suite="demo", reads=frozenset(),
        ...     falsified_by="The loop takes under 1.1× vmap's time.", predicate=lambda r: {},
        ...     ratio_of=("the loop", "vmap"), threshold=Threshold(at_least=1.1),
        ... )
        >>> c.sides("at batch 1,000")
        ('the loop', 'vmap', 'at batch 1,000')

        The figure names them, whichever way the ratio came out (:meth:`figure`):

        >>> c.figure([Comparison(label="at batch 10", ratio=12.8, low=11.0, high=14.2,
        ...                      outcome="holds")])
        'the loop took 12.8× [11, 14.2] the time of vmap at batch 10; threshold ≥ 1.1×'
        >>> c.figure([Comparison(label="", ratio=0.8, low=0.7, high=0.9, outcome="fails")])
        'the loop was faster: it took 0.8× [0.7, 0.9] the time of vmap; threshold ≥ 1.1×'
        """
        found = self.ratio_of(label) if callable(self.ratio_of) else (*self.ratio_of, label)
        if not (found[0].strip() and found[1].strip()):
            raise ValueError(
                f"claim {self.id!r}: name the two sides its ratio compares (ratio_of), "
                f"not {found[:2]!r}"
            )
        return found

    def _judge(self, results: Results, where: dict[str, Any]) -> Verdict:
        pairs = self.predicate(results)
        if not pairs:
            raise NotMeasured("no pair of timings to compare")
        if unsampled := [label or "the pair" for label, (s, f) in pairs.items() if not (s and f)]:
            raise NotMeasured(
                f"{', '.join(unsampled)}: a timing without its samples (a version-1 results "
                "file kept only their summary), so no interval to judge"
            )
        comparisons = [compare(s, f, self.threshold, label) for label, (s, f) in pairs.items()]
        outcome = combine([c.outcome for c in comparisons], self.over)
        return Verdict(
            status=outcome,
            figure=self.figure(comparisons, outcome),
            values={c.label: c.ratio for c in comparisons},
            comparisons=tuple(comparisons),
            threshold=str(self.threshold),
            **where,
        )

    def figure(self, comparisons: Sequence[Comparison], outcome: str | None = None) -> str:
        """The comparison that decides the outcome (the weakest of them) in words that say which
        way its ratio points, the count, and the threshold.

        ``outcome`` is the combined one (:func:`jaxguide.results.combine`'s), computed when not
        given. A ratio below 1 says plainly that the side expected slower was faster.
        """
        if outcome is None:
            outcome = combine([c.outcome for c in comparisons], self.over)
        deciding = [c for c in comparisons if c.outcome == outcome] or list(comparisons)
        shown = min(deciding, key=lambda c: c.low)
        slow, fast, where = self.sides(shown.label)
        number = str(shown.model_copy(update={"label": ""}))
        took = f"took {number} the time of {fast}" + (f" {where}" if where else "")
        said = f"{slow} was faster: it {took}" if shown.ratio < 1 else f"{slow} {took}"
        tally = (
            f"; {sum(c.outcome == 'holds' for c in comparisons)} of {len(comparisons)} hold"
            if len(comparisons) > 1
            else ""
        )
        return f"{said}{tally}; threshold {self.threshold}"


Claim = StrictClaim | MeasuredClaim

_ICONS: dict[VerdictStatus, str] = {
    "holds": "✓",
    "fails": "✗",
    "inconclusive": "?",
    "not-measured": "…",
    "not-applicable": "–",
}
_WORDS: dict[VerdictStatus, str] = {
    "holds": "holds",
    "fails": "does not hold",
    "inconclusive": "inconclusive",
}


class Verdict(BaseModel):
    """A claim's verdict on one backend, as pages show it and the claims report lists it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    claim: str
    kind: Kind
    status: VerdictStatus
    backend: str | None = None
    hardware: str | None = None
    date: str | None = None
    figure: str = ""
    values: dict[str, Scalar] = {}
    comparisons: tuple[Comparison, ...] = ()
    """For a measured claim, every comparison with its interval and outcome."""
    threshold: str = ""
    """For a measured claim, its threshold in words (``"≥ 1.1×"``)."""

    @property
    def text(self) -> str:
        """The verdict in words, figure included.

        >>> Verdict(claim="c", kind="measured", status="holds", backend="cpu", figure="3×").text
        'holds on cpu: 3×'
        >>> Verdict(claim="c", kind="measured", status="inconclusive", backend="cpu",
        ...         figure="1.05× [0.92, 1.21]; threshold ≥ 1.1×").text
        'inconclusive on cpu: 1.05× [0.92, 1.21]; threshold ≥ 1.1×'
        >>> Verdict(claim="c", kind="measured", status="not-measured").text
        'not yet measured'
        >>> Verdict(claim="c", kind="strict", status="not-applicable", backend="cpu",
        ...         figure="one device: nothing to communicate").text
        'does not apply on cpu: one device: nothing to communicate'
        """
        if self.status == "not-measured":
            return "not yet measured" + (f": {self.figure}" if self.figure else "")
        if self.status == "not-applicable":  # with a reason from the predicate, or for a backend
            if self.figure:
                return f"does not apply on {self.backend}: {self.figure}"
            return f"not meant for {self.backend}"
        return f"{_WORDS[self.status]} on {self.backend}: {self.figure}"

    def comparison(self, label: str | None = None) -> Comparison:
        """A measured claim's comparison labelled ``label``; its only one when not given.

        >>> from jaxguide.results import Comparison
        >>> c = Comparison(label="at batch 10", ratio=3.0, low=2.5, high=3.5, outcome="holds")
        >>> Verdict(claim="c", kind="measured", status="holds", comparisons=(c,)).comparison().ratio
        3.0
        """
        if label is None:
            if len(self.comparisons) != 1:
                raise KeyError(f"claim {self.claim!r} has {len(self.comparisons)} comparisons")
            return self.comparisons[0]
        for found in self.comparisons:
            if found.label == label:
                return found
        raise KeyError(f"claim {self.claim!r} has no comparison {label!r}")

    @property
    def icon(self) -> str:
        """A one-character marker; the text carries the meaning, never the icon alone."""
        return _ICONS[self.status]

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        """The verdict as JSON, for the site's ``{claim}`` role, and as text. Its badge (HTML)
        is :func:`jaxguide.render.verdict_badge`'s."""
        del kwargs
        return {MIME_TYPE: self.model_dump(mode="json"), "text/plain": str(self)}

    def __str__(self) -> str:
        return f"[{self.kind} claim {self.claim}] {self.text}"
