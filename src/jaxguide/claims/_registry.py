"""The registry of every claim on the site, and :func:`verify`, which pages call."""

from __future__ import annotations

from collections.abc import Sequence

from jaxguide.bench._results import Record, Results
from jaxguide.claims._core import Claim, ClaimFailed, NotMeasured, Verdict

__all__ = [
    "REGISTRY",
    "SEED_COURSE",
    "SEED_QA",
    "median_by_batch",
    "ok_record",
    "register",
    "verify",
]

SEED_COURSE = "seed: course page 'Performance considerations for vmap'"
SEED_QA = "seed: Q&A page 'the role of vmap in parallel batch processing'"

REGISTRY: dict[str, Claim] = {}
"""Every claim on the site, by id."""


def register(*claims: Claim) -> None:
    """Add claims to :data:`REGISTRY`; an id may be registered once."""
    for claim in claims:
        if claim.id in REGISTRY:
            raise ValueError(f"claim {claim.id!r} registered twice")
        REGISTRY[claim.id] = claim


def median_by_batch(results: Results, benchmark: str, variant: str) -> dict[int, float]:
    """Steady-state median seconds by ``batch`` parameter, for the records that ran."""
    out: dict[int, float] = {}
    for record in results.select(benchmark, variant):
        if record.status == "ok" and record.timing is not None:
            out[int(record.params["batch"])] = record.timing.median_s
    return out


def ok_record(results: Results, benchmark: str, variant: str) -> Record:
    """The first record of ``benchmark``/``variant`` that ran, or :class:`NotMeasured`."""
    for record in results.select(benchmark, variant):
        if record.status == "ok":
            return record
    raise NotMeasured(f"no {benchmark!r}/{variant!r} record")


def verify(claim_id: str, results: Results) -> Verdict:
    """Evaluate a claim on ``results``, glue its verdict into the page, stop on a strict failure.

    Inside a page the verdict is glued as ``claim:<id>``, for the ``{claim}`` role to show
    beside its sentence. A strict claim that does not hold raises :class:`ClaimFailed`,
    naming the claim and the measured values, which fails the docs build.
    """
    claim = REGISTRY[claim_id]
    verdict = claim.evaluate(results)
    _glue(f"claim:{claim_id}", verdict)
    if claim.kind == "strict" and verdict.status == "fails":
        raise ClaimFailed(
            f"strict claim {claim_id!r} does not hold on {verdict.backend}: {verdict.figure} "
            f"(values: {verdict.values})"
        )
    return verdict


def _glue(name: str, verdict: Verdict) -> None:
    try:
        from myst_nb import glue  # noqa: PLC0415 - only pages being built have MyST-NB
    except ImportError:
        return
    glue(name, verdict, display=False)


def verdict_table(results: Sequence[Results]) -> str:
    """A Markdown table: each claim on these results' suites, its verdict on each of them.

    >>> verdict_table([])
    ''
    """
    suites = {r.suite for r in results}
    claims = [c for c in REGISTRY.values() if c.suite in suites]
    if not claims:
        return ""
    header = "| claim | kind | " + " | ".join(r.environment.hardware for r in results) + " |"
    lines = [header, "|---|---|" + "---|" * len(results)]
    for claim in claims:
        cells = []
        for r in results:
            verdict = claim.evaluate(r if r.suite == claim.suite else None)
            cells.append(f"{verdict.icon} {verdict.text}".replace("|", "\\|"))
        lines.append(
            f"| {claim.statement} (`{claim.id}`) | {claim.kind} | " + " | ".join(cells) + " |"
        )
    return "\n".join(lines)
