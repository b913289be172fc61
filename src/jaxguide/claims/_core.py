"""Claims: sentences bound to the measurements that support them."""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from jaxguide.bench._results import Results, Scalar

__all__ = [
    "Claim",
    "ClaimFailed",
    "Evidence",
    "Kind",
    "NotMeasured",
    "Verdict",
    "VerdictStatus",
]

Kind = Literal["strict", "measured"]
"""``strict``: a deterministic fact; failing it fails the build. ``measured``: a timing."""
VerdictStatus = Literal["holds", "fails", "not-measured", "not-applicable"]
MIME_TYPE = "application/vnd.jaxguide.verdict+json"
"""The mime type a verdict is glued under, for the site's ``{claim}`` role to read."""


class NotMeasured(LookupError):
    """Raised by a predicate when the results lack what it needs."""


class ClaimFailed(AssertionError):
    """A strict claim did not hold: the build stops here."""


@dataclass(frozen=True)
class Evidence:
    """What a predicate found: whether the claim holds, and the figure that says so."""

    holds: bool
    figure: str
    """The measured figure as a reader reads it, e.g. ``"412× at batch 1000"``."""
    values: Mapping[str, Scalar] = field(default_factory=dict)
    """The raw numbers behind the figure."""


@dataclass(frozen=True)
class Claim:
    """A statement the site makes, with the predicate over results that checks it.

    >>> from jaxguide.claims import Claim, Evidence
    >>> c = Claim(
    ...     id="demo", statement="Two is more than one.", kind="strict", suite="demo",
    ...     predicate=lambda r: Evidence(holds=2 > 1, figure="2 > 1"),
    ... )
    >>> c.kind
    'strict'
    """

    id: str
    statement: str
    """The sentence as the reader sees it, without its figure."""
    kind: Kind
    suite: str
    """The suite whose results the predicate reads."""
    predicate: Callable[[Results], Evidence]
    source: str = "jaxguide"
    """Where the claim comes from, a seed text or the site itself."""
    backends: tuple[str, ...] = ()
    """Backends the claim is meant for; empty means every backend."""

    def evaluate(self, results: Results | None) -> Verdict:
        """The claim's verdict on ``results`` (``None``: not yet measured)."""
        if results is None:
            return Verdict(claim=self.id, kind=self.kind, status="not-measured")
        env = results.environment
        where = {"backend": env.backend, "hardware": env.hardware, "date": env.date}
        if self.backends and env.backend not in self.backends:
            return Verdict(claim=self.id, kind=self.kind, status="not-applicable", **where)
        try:
            evidence = self.predicate(results)
        except NotMeasured as exc:
            return Verdict(
                claim=self.id, kind=self.kind, status="not-measured", figure=str(exc), **where
            )
        return Verdict(
            claim=self.id,
            kind=self.kind,
            status="holds" if evidence.holds else "fails",
            figure=evidence.figure,
            values=dict(evidence.values),
            **where,
        )


_ICONS: dict[VerdictStatus, str] = {
    "holds": "✓",
    "fails": "✗",
    "not-measured": "…",
    "not-applicable": "–",
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

    @property
    def text(self) -> str:
        """The verdict in words, figure included.

        >>> Verdict(claim="c", kind="measured", status="holds", backend="cpu", figure="3×").text
        'holds on cpu: 3×'
        >>> Verdict(claim="c", kind="measured", status="fails", backend="cpu", figure="0.8×").text
        'does not hold on cpu: 0.8×'
        >>> Verdict(claim="c", kind="measured", status="not-measured").text
        'not yet measured'
        """
        if self.status == "not-measured":
            return "not yet measured" + (f": {self.figure}" if self.figure else "")
        if self.status == "not-applicable":
            return f"not meant for {self.backend}"
        words = "holds" if self.status == "holds" else "does not hold"
        return f"{words} on {self.backend}: {self.figure}"

    @property
    def icon(self) -> str:
        """A one-character marker; the text carries the meaning, never the icon alone."""
        return _ICONS[self.status]

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        """HTML and text for a notebook; the verdict itself as JSON, for the site's ``{claim}``."""
        del kwargs
        badge = (
            f'<span class="jg-verdict jg-{self.status}">'
            f'<span aria-hidden="true">{self.icon} </span>{html.escape(self.text)}</span>'
        )
        return {MIME_TYPE: self.model_dump(), "text/html": badge, "text/plain": str(self)}

    def __str__(self) -> str:
        return f"[{self.kind} claim {self.claim}] {self.text}"
