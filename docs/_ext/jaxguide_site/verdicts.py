"""Verdicts judged by the build, with the claims code of this build.

In a site build, a page's ``verify(claim_id, results)`` glues the results it verified beside
the verdict and raises nothing (:func:`jaxguide.claims.verify`); reading the page stores them
(:mod:`jaxguide_site.verified`). After reading, at every build (even one that read no page), :func:`judge` evaluates every verified
claim again with the claims code imported now: pages whose verdicts changed are written again
(their badges, and the claims reports), and a strict claim that fails or is not measured is
one error at the line that verifies it. So editing a claim re-executes no page, and a cached
page whose strict claim fails under the current code still fails the build.
"""

from __future__ import annotations

import json
import os
from typing import Any

from pydantic import ValidationError
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

from jaxguide.claims import (
    CLAIMS,
    SITE_BUILD_ENV,
    ClaimFailed,
    check_strict,
)
from jaxguide.results import Results
from jaxguide_site.state import pages_read, pages_with, per_page

logger = logging.getLogger(__name__)


def judge(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Evaluate every verified claim with the current claims code; report strict failures.

    Returns the pages to write again: those whose verdicts changed and, when anything was
    read or changed, the pages with a claims report; only pages this build has (``--only``
    leaves the others out, and their old verdicts with them).
    """
    before: dict[str, dict[str, Any]] = getattr(env, "jaxguide_verdicts", {})
    now: dict[str, dict[str, Any]] = {}
    for docname, page in sorted(per_page(env, "jaxguide_verified").items()):
        loaded: dict[str, Results] = {}
        for claim_id, where in page["claims"].items():
            location = (docname, where["line"])
            results = _results(claim_id, where["results"], page["results"], loaded, location)
            if results is None:
                continue
            verdict = CLAIMS[claim_id].evaluate(results)
            now.setdefault(docname, {})[claim_id] = verdict.model_dump(mode="json")
            try:
                check_strict(verdict)
            except ClaimFailed as exc:
                logger.error("%s", exc, location=location)
                app.statuscode = 1  # fails the build even without -W, as a failing cell would
    env.jaxguide_verdicts = now  # type: ignore[attr-defined]
    _warn_shown_twice(env)
    changed = {d for d in before.keys() | now.keys() if not _same(before.get(d), now.get(d))}
    if changed or pages_read(app):
        changed |= pages_with(env, "claims-report")
    return sorted(changed & env.found_docs)


def _results(
    claim_id: str,
    key: str,
    glued: dict[str, Any],
    loaded: dict[str, Results],
    location: tuple[str, int | None],
) -> Results | None:
    """The results glued as ``key`` for ``claim_id``, read once per page; None (reported) if
    the claim is not registered now or the results were not glued or do not read back."""
    problem = None
    if claim_id not in CLAIMS:
        problem = "is verified here but not registered in jaxguide/claims/_catalog.py"
    elif glued.get(key) is None:
        problem = f"has no results glued on this page ({key})"
    elif key not in loaded:
        try:
            loaded[key] = Results.model_validate(glued[key])
        except ValidationError as exc:
            problem = f"has results that do not read back: {exc.errors()[0]['msg']}"
    if problem:
        logger.error("claim %r %s", claim_id, problem, location=location)
        return None
    return loaded[key]


def _same(a: Any, b: Any) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)  # NaN equals NaN


def _warn_shown_twice(env: BuildEnvironment) -> None:
    home: dict[str, str] = {}
    for docname, shown in sorted(per_page(env, "jaxguide_shown").items()):
        for claim_id, line in shown.items():
            if home.setdefault(claim_id, docname) != docname:
                logger.warning(
                    "claim %r is shown on %s already; a claim has one home page",
                    claim_id,
                    home[claim_id],
                    location=(docname, line),
                )


def current_verdict(env: BuildEnvironment, docname: str, claim_id: str) -> dict[str, Any] | None:
    """This build's verdict (as JSON) of ``claim_id`` as verified on ``docname``, if it was."""
    found: dict[str, Any] | None = (
        getattr(env, "jaxguide_verdicts", {}).get(docname, {}).get(claim_id)
    )
    return found


def setup(app: Sphinx) -> None:
    # The kernels that execute the pages inherit this: their verify() leaves judging to us.
    os.environ[SITE_BUILD_ENV] = "1"
    app.connect("env-updated", judge)
