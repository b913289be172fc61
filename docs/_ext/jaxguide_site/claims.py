"""The ``{claim}`` role: a claim's verdict beside its sentence.

``{claim}`id``` shows this build's verdict of the claim that the page verified, judged again
at every build by :mod:`jaxguide_site.verdicts` (so a page not re-read still shows the verdict
of the current claims code), anchored as ``claim-<id>`` for the claims report to link to.
"""

from __future__ import annotations

from docutils import nodes
from myst_nb.core.variables import RetrievalError
from myst_nb.ext.glue.utils import retrieve_glue_data
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxRole

from jaxguide.claims import CLAIMS, MIME_TYPE, Verdict
from jaxguide_site.render import explained_node, verdict_node
from jaxguide_site.state import per_page
from jaxguide_site.verdicts import current_verdict


class claim_badge(nodes.Inline, nodes.Element):
    """Placeholder for a claim's verdict on its page, drawn when the page is written."""


class ClaimRole(SphinxRole):
    """``{claim}`id```: this build's verdict of claim ``id``, which the page must verify."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        claim_id = self.text.strip()
        if claim_id not in CLAIMS:
            msg = self.inliner.reporter.error(f"unknown claim {claim_id!r}", line=self.lineno)
            return [], [msg]
        try:
            glued = retrieve_glue_data(self.inliner.document, f"claim:{claim_id}")
            executed = glued.data[MIME_TYPE]
        except (RetrievalError, KeyError) as exc:
            msg = self.inliner.reporter.error(
                f"claim {claim_id!r} has no verdict on this page: call "
                f"jaxguide.claims.verify({claim_id!r}, results) in a cell ({exc})",
                line=self.lineno,
            )
            return [], [msg]
        shown = per_page(self.env, "jaxguide_shown").setdefault(self.env.docname, {})
        shown[claim_id] = self.lineno
        return [claim_badge(claim=claim_id, executed=executed)], []


EXPLAINED_AT = ("about/verification", "reading-a-verdict")
"""The page and anchor that say how to read a badge; every badge links there."""


def _draw(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Replace each badge with this build's verdict (the executed one if none was judged),
    linked to the explanation of how to read it where the site has one."""
    page, anchor = EXPLAINED_AT
    explained = page in app.env.all_docs and docname != page
    for node in list(doctree.findall(claim_badge)):
        found = current_verdict(app.env, docname, node["claim"]) or node["executed"]
        badge = verdict_node(Verdict.model_validate(found), ids=[f"claim-{node['claim']}"])
        uri = app.builder.get_relative_uri(docname, page) + f"#{anchor}" if explained else None
        node.replace_self(explained_node(badge, uri))


def setup(app: Sphinx) -> None:
    app.add_role("claim", ClaimRole())
    app.add_node(claim_badge)
    app.connect("doctree-resolved", _draw)
