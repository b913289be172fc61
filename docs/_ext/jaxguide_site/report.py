"""The claims report: every registered claim with its verdicts, on a page and in claims.json.

``claims-report`` lists each claim with its verdict on this build (the page that shows or
verifies it, as :mod:`jaxguide_site.verdicts` judged it) and on each stored results file;
``:seed:`` lists only the seed texts' claims, compactly. A stored file that cannot be read,
or on which a strict claim fails, is rejected with an error.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from jaxguide.claims import CLAIMS, ClaimFailed, Verdict, check_strict, verdicts
from jaxguide.results import Results, ResultsError, load_results
from jaxguide_site.claims import EXPLAINED_AT
from jaxguide_site.render import report_table, seed_tables
from jaxguide_site.state import per_page
from jaxguide_site.verdicts import current_verdict

logger = logging.getLogger(__name__)


class claims_report(nodes.General, nodes.Element):
    """Placeholder for the claims report, drawn when the page is written."""


class ClaimsReportDirective(SphinxDirective):
    """Lists every registered claim with its verdict on each backend; ``:seed:`` lists only
    the seed texts' claims, compactly: each seed named once, then its claims and this build's
    verdicts."""

    option_spec: ClassVar[dict[str, Any]] = {"seed": directives.flag}

    def run(self) -> list[nodes.Node]:
        kinds = per_page(self.env, "jaxguide_reports").setdefault(self.env.docname, set())
        kinds.add("claims-report")
        return [claims_report(seed="seed" in self.options)]


def _load_stored(app: Sphinx) -> None:
    """Read the stored results files once per build; reject (an error) a file that cannot be
    read or on which a strict claim fails or is not measured, naming both."""
    stored: list[Results] = []
    for path in sorted((Path(app.confdir) / app.config.jaxguide_results_dir).glob("*.json")):
        try:
            results = load_results(path)
            for verdict in verdicts(results):
                check_strict(verdict, where=str(path))
        except (ResultsError, ClaimFailed) as exc:
            logger.error("rejected results file: %s", exc)
            continue
        stored.append(results)
    stored.sort(key=lambda r: (r.environment.backend, r.environment.date))
    app.jaxguide_stored = stored  # type: ignore[attr-defined]


def claim_rows(app: Sphinx) -> list[dict[str, Any]]:
    """Every registered claim, where the site shows it, and its verdicts (this build first)."""
    shown = per_page(app.env, "jaxguide_shown")
    verified = per_page(app.env, "jaxguide_verified")
    stored: list[Results] = getattr(app, "jaxguide_stored", [])
    rows = []
    for claim in CLAIMS.values():
        showing = sorted(doc for doc, ids in shown.items() if claim.id in ids)
        verifying = sorted(doc for doc, page in verified.items() if claim.id in page["claims"])
        homes = showing or verifying
        page = homes[0] if homes else None
        this_build = (current_verdict(app.env, page, claim.id) if page else None) or (
            Verdict(claim=claim.id, kind=claim.kind, status="not-measured").model_dump(mode="json")
        )
        others = [
            claim.evaluate(r).model_dump(mode="json") for r in stored if r.suite == claim.suite
        ]
        rows.append(
            {
                "id": claim.id,
                "statement": claim.statement,
                "falsified_by": claim.falsified_by,
                "kind": claim.kind,
                "source": claim.source,
                "suite": claim.suite,
                "backends": list(claim.backends),
                "page": page,
                "shown": bool(showing),
                "verdicts": [this_build, *others],
            }
        )
    return rows


def _draw(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    reports = list(doctree.findall(claims_report))
    if not reports:
        return
    rows = claim_rows(app)

    def uri(page: str) -> str:
        return app.builder.get_relative_uri(docname, page)

    page, anchor = EXPLAINED_AT
    explained = f"{uri(page)}#{anchor}" if page in app.env.all_docs else None
    for node in reports:
        node.replace_self(
            seed_tables(rows, uri, explained)
            if node.get("seed")
            else report_table(rows, uri, explained)
        )


def _write_claims_json(app: Sphinx, exception: Exception | None) -> None:
    if exception is None and app.builder.format == "html":
        out = Path(app.outdir) / "claims.json"
        out.write_text(json.dumps({"claims": claim_rows(app)}, indent=1) + "\n")


def setup(app: Sphinx) -> None:
    app.add_config_value("jaxguide_results_dir", "results/data", "env", str)
    app.add_node(claims_report)
    app.add_directive("claims-report", ClaimsReportDirective)
    app.connect("builder-inited", _load_stored)
    app.connect("doctree-resolved", _draw)
    app.connect("build-finished", _write_claims_json)
