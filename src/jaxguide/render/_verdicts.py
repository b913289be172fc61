"""A claim's verdict as readers see it: the badge (icon and words), and the claims tables."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from jaxguide.claims import CLAIMS, Verdict, verdicts
from jaxguide.results import Results

__all__ = ["Badge", "claims_report", "verdict_badge", "verdict_table"]


@dataclass(frozen=True)
class Badge:
    """A verdict's badge: an icon for the eye, the words that carry the meaning, and the
    classes the stylesheet colours it by. The site's ``{claim}`` role builds its node from
    these same parts; a notebook shows its HTML."""

    status: str
    icon: str
    text: str

    @property
    def classes(self) -> tuple[str, str]:
        """``jg-verdict`` and ``jg-<status>``, for the stylesheet."""
        return ("jg-verdict", f"jg-{self.status}")

    def _repr_html_(self) -> str:
        return (
            f'<span class="{" ".join(self.classes)}">'
            f'<span class="jg-verdict-icon" aria-hidden="true">{self.icon} </span>'
            f"{html.escape(self.text)}</span>"
        )

    def __str__(self) -> str:
        return f"{self.icon} {self.text}"


def verdict_badge(verdict: Verdict) -> Badge:
    """The badge of ``verdict``.

    >>> v = Verdict(claim="c", kind="measured", status="holds", backend="cpu", figure="3×")
    >>> str(verdict_badge(v))
    '✓ holds on cpu: 3×'
    >>> verdict_badge(v).classes
    ('jg-verdict', 'jg-holds')
    """
    return Badge(status=verdict.status, icon=verdict.icon, text=verdict.text)


def verdict_table(results: Sequence[Results]) -> str:
    """A compact Markdown table: each claim on these results' suites, by id, and its verdict
    on each of them (the claims report gives each claim's sentence).

    >>> verdict_table([])
    ''
    """
    suites = {r.suite for r in results}
    claims = [c for c in CLAIMS.values() if c.suite in suites]
    if not claims:
        return ""
    header = "| claim | " + " | ".join(r.environment.hardware for r in results) + " |"
    lines = [header, "|---|" + "---|" * len(results)]
    for claim in claims:
        cells = [
            str(verdict_badge(claim.evaluate(r if r.suite == claim.suite else None))).replace(
                "|", "\\|"
            )
            for r in results
        ]
        lines.append(f"| `{claim.id}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def claims_report(results: Results) -> str:
    """Every claim on ``results``' suite with its verdict there, then the observation that would
    make it false (the CLI's)."""
    found = verdicts(results)
    if not found:
        return f"Claims: none on suite {results.suite!r}"
    lines = [f"Claims on suite {results.suite!r} ({results.environment.hardware}):"]
    for v in found:
        lines.append(f"  {verdict_badge(v).icon} {v.claim} ({v.kind}): {v.text}")
        lines.append(f"      false if: {CLAIMS[v.claim].falsified_by}")
    return "\n".join(lines)
