"""What pages, the site and the CLI do with claims: verify on a page, check stored files."""

from __future__ import annotations

from jaxguide.claims._catalog import CLAIMS
from jaxguide.claims._core import ClaimFailed, Verdict
from jaxguide.results import Results

__all__ = ["check_strict", "verdicts", "verify"]


def verify(claim_id: str, results: Results) -> Verdict:
    """Evaluate a claim on ``results``, glue its verdict into the page, stop on a strict failure.

    Inside a page the verdict is glued as ``claim:<id>``, for the ``{claim}`` role to show
    beside its sentence; without MyST-NB (a downloaded notebook) it is printed instead. A strict
    claim that does not hold, or that is not measured where it applies, raises
    :class:`ClaimFailed` with one line naming the claim, its sentence and what was found, which
    fails the docs build.
    """
    if claim_id not in CLAIMS:
        raise KeyError(f"no claim {claim_id!r}: list it in jaxguide/claims/_catalog.py")
    verdict = CLAIMS[claim_id].evaluate(results)
    _glue(f"claim:{claim_id}", verdict)
    check_strict(verdict)
    return verdict


def check_strict(verdict: Verdict, where: str = "") -> None:
    """Raise :class:`ClaimFailed` if ``verdict`` is a strict claim failing or not measured.

    >>> check_strict(Verdict(claim="x", kind="strict", status="not-measured", figure="no record"))
    Traceback (most recent call last):
    ...
    jaxguide.claims._core.ClaimFailed: strict claim 'x' is not measured: no record
    """
    if verdict.kind != "strict" or verdict.status not in ("fails", "not-measured"):
        return
    what = "does not hold" if verdict.status == "fails" else "is not measured"
    on = f" on {verdict.backend}" if verdict.backend and verdict.status == "fails" else ""
    claim = CLAIMS.get(verdict.claim)
    sentence = f" — “{claim.statement}”" if claim else ""
    values = f" (values: {verdict.values})" if verdict.values else ""
    prefix = f"{where}: " if where else ""
    raise ClaimFailed(
        f"{prefix}strict claim {verdict.claim!r} {what}{on}: {verdict.figure}{sentence}{values}"
    )


def _glue(name: str, verdict: Verdict) -> None:
    try:
        from myst_nb import glue  # noqa: PLC0415 - only pages being built have MyST-NB
    except ImportError:  # a downloaded notebook in a plain Jupyter: show the verdict instead
        print(verdict)  # noqa: T201
        return
    glue(name, verdict, display=False)


def verdicts(results: Results) -> list[Verdict]:
    """The verdict of every claim on ``results``' suite, in the registry's order."""
    return [c.evaluate(results) for c in CLAIMS.values() if c.suite == results.suite]
