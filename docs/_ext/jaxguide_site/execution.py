"""The ``execution-summary`` directive: how many pages this build executed, and for how long.

Filled when the page is written, from MyST-NB's execution data and this build's read time
(from ``builder-inited`` to ``env-updated``: reading the sources, executing what changed);
the page is written again whenever the build read any page.
"""

from __future__ import annotations

import time

from docutils import nodes
from myst_nb.sphinx_ import NbMetadataCollector
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util.docutils import SphinxDirective

from jaxguide_site.state import pages_read, pages_with, per_page


class execution_summary(nodes.General, nodes.Element):
    """Placeholder for the build's execution totals, filled when the page is written."""


class ExecutionSummaryDirective(SphinxDirective):
    """How many pages this build executed, their total execution time, and the read time."""

    def run(self) -> list[nodes.Node]:
        kinds = per_page(self.env, "jaxguide_reports").setdefault(self.env.docname, set())
        kinds.add("execution-summary")
        return [execution_summary()]


def summary(app: Sphinx) -> str:
    """The totals in one sentence."""
    runs = [
        data["exec_data"]
        for data in NbMetadataCollector.get_doc_data(app.env).values()
        if data.get("exec_data")
    ]
    total = sum(run["runtime"] or 0.0 for run in runs)
    failed = sum(1 for run in runs if not run["succeeded"])
    read_s = getattr(app, "jaxguide_read_s", 0.0)
    return (
        f"{len(runs)} pages executed, {failed} failed; their cells ran for {total:.1f} s in "
        f"total. Reading the sources of this build, executing what changed, took "
        f"{read_s:.1f} s of wall time."
    )


def _start_clock(app: Sphinx) -> None:
    app.jaxguide_clock = time.perf_counter()  # type: ignore[attr-defined]


def _stop_clock(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Note the read time; the summary pages are written again if any page was read."""
    app.jaxguide_read_s = time.perf_counter() - app.jaxguide_clock  # type: ignore[attr-defined]
    return sorted(pages_with(env, "execution-summary")) if pages_read(app) else []


def _draw(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    del docname
    for node in list(doctree.findall(execution_summary)):
        text = summary(app)
        node.replace_self(nodes.paragraph(text, text, classes=["jg-execution-summary"]))


def setup(app: Sphinx) -> None:
    app.add_node(execution_summary)
    app.add_directive("execution-summary", ExecutionSummaryDirective)
    app.connect("builder-inited", _start_clock)
    app.connect("env-updated", _stop_clock)
    app.connect("doctree-resolved", _draw)
