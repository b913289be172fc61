"""What pages, the site and the CLI do with claims: verify on a page, tabulate, check stored files.

On the site a page's verdicts are not final: the page glues the results it verified beside
each verdict, and the site's extension judges every claim again at each build with the claims
code of that build (so editing a claim re-executes no page). Hence, in a site build, a failing
strict claim does not raise in the page: the extension reports it, once, and fails the build.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

from jaxguide.claims._catalog import CLAIMS
from jaxguide.claims._core import ClaimFailed, Verdict
from jaxguide.results import Results

__all__ = [
    "RESULTS_MIME_TYPE",
    "SITE_BUILD_ENV",
    "VERIFIED_MIME_TYPE",
    "check_strict",
    "verdicts",
    "verify",
]

SITE_BUILD_ENV = "JAXGUIDE_SITE_JUDGES_CLAIMS"
"""Set (to ``1``) by the site's extension for the kernels that execute pages: the build judges
the claims, so :func:`verify` glues what it verified and raises nothing."""
RESULTS_MIME_TYPE = "application/vnd.jaxguide.results+json"
"""The mime type under which :func:`verify` glues the results it verified (``results:<hash>``)."""
VERIFIED_MIME_TYPE = "application/vnd.jaxguide.verified+json"
"""Beside a glued verdict: ``{"results": <the glue key of the results it judged>}``."""

_GLUED_RESULTS: set[str] = set()  # the kernel's results keys glued already: one page per kernel


def verify(claim_id: str, results: Results) -> Verdict:
    """Evaluate a claim on ``results``, glue its verdict into the page, stop on a strict failure.

    Inside a page the verdict is glued as ``claim:<id>``, for the ``{claim}`` role to show
    beside its sentence; without MyST-NB (a downloaded notebook) it is printed instead. A strict
    claim that does not hold, or that is not measured where it applies, raises
    :class:`ClaimFailed` with one line naming the claim, its sentence and what was found.

    In a site build (``JAXGUIDE_SITE_JUDGES_CLAIMS`` set) it also glues ``results`` (once per page)
    and raises nothing: the build judges the claim again on those results with its own
    claims code, and reports a failing strict claim itself, in one line.
    """
    if claim_id not in CLAIMS:
        raise KeyError(f"no claim {claim_id!r}: list it in jaxguide/claims/_catalog.py")
    verdict = CLAIMS[claim_id].evaluate(results)
    if os.environ.get(SITE_BUILD_ENV):
        _glue_for_site(claim_id, verdict, results)
        return verdict
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


class _Glued:
    """A mime bundle as it is, for :func:`myst_nb.glue` (which displays objects)."""

    def __init__(self, bundle: dict[str, Any]) -> None:
        self.bundle = bundle

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        del kwargs
        return self.bundle


def _glue_for_site(claim_id: str, verdict: Verdict, results: Results) -> None:
    """Glue ``results`` (once per page) and the verdict, which names them."""
    from myst_nb import glue  # noqa: PLC0415 - only a kernel executing a page

    data = json.loads(results.model_dump_json(by_alias=True))
    key = "results:" + hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]
    if key not in _GLUED_RESULTS:
        _GLUED_RESULTS.add(key)
        summary = f"{results.suite} results, {len(results.records)} records"
        glue(key, _Glued({RESULTS_MIME_TYPE: data, "text/plain": summary}), display=False)
    bundle = {**verdict._repr_mimebundle_(), VERIFIED_MIME_TYPE: {"results": key}}
    glue(f"claim:{claim_id}", _Glued(bundle), display=False)


def verdicts(results: Results) -> list[Verdict]:
    """The verdict of every claim on ``results``' suite, in the registry's order."""
    return [c.evaluate(results) for c in CLAIMS.values() if c.suite == results.suite]
