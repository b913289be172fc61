"""Where a build's time goes: the ``execution-summary`` and ``execution-breakdown`` directives.

Filled when the page is written, from MyST-NB's execution data and this build's read time
(from ``builder-inited`` to ``env-updated``: reading the sources, executing what changed);
the page is written again whenever the build read any page. The breakdown has a row per
executed page: whether this build executed it, its cells' seconds, the seconds of the suites
its run measured (:func:`jaxguide_site.dependencies.suite_seconds`) and its budget: front
matter's ``execution_budget_s``, or ``jaxguide_execution_budget_s`` from conf.py. The same rows
go to ``execution.json`` beside the site, which ``tests/site/test_execution_budget.py`` checks:
a page that took more than :data:`OVER_BUDGET` times its budget fails it.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import yaml
from docutils import nodes
from myst_nb.sphinx_ import NbMetadataCollector
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util.docutils import SphinxDirective

from jaxguide_site.dependencies import suite_seconds
from jaxguide_site.state import pages_read, pages_with, per_page

BUDGET_KEY = "execution_budget_s"
"""The front matter key of a page's execution budget, in seconds."""
OVER_BUDGET = 3.0
"""How many times its budget a page's execution may take before the check fails: by far."""


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


class execution_breakdown(nodes.General, nodes.Element):
    """Placeholder for the per-page table, filled when the page is written."""


class ExecutionBreakdownDirective(SphinxDirective):
    """A row per executed page: how, how long, of which suites, against its budget."""

    def run(self) -> list[nodes.Node]:
        kinds = per_page(self.env, "jaxguide_reports").setdefault(self.env.docname, set())
        kinds.add("execution-breakdown")
        return [execution_breakdown()]


def front_matter(path: Path) -> dict[str, Any]:
    """The YAML front matter of a page's source (empty if none).

    >>> import tempfile
    >>> page = Path(tempfile.mkdtemp()) / "p.md"
    >>> _ = page.write_text("---\\nexecution_budget_s: 45\\n---\\n# P\\n")
    >>> front_matter(page)
    {'execution_budget_s': 45}
    """
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        return {}
    head, _, _ = text[4:].partition("\n---")
    data = yaml.safe_load(head)
    return data if isinstance(data, dict) else {}


def breakdown(app: Sphinx) -> list[dict[str, Any]]:
    """A row per executed page, slowest first."""
    started = getattr(app, "jaxguide_started", 0.0)
    rows = []
    for docname, data in NbMetadataCollector.get_doc_data(app.env).items():
        run = data.get("exec_data")
        if not run:
            continue
        matter = front_matter(Path(app.env.doc2path(docname)))
        rows.append(
            {
                "page": docname,
                "executed": "this build" if run["mtime"] >= started else "earlier (cached)",
                "seconds": run["runtime"],
                "suite_seconds": suite_seconds(app, docname),
                "budget_s": float(matter.get(BUDGET_KEY, app.config.jaxguide_execution_budget_s)),
                "succeeded": run["succeeded"],
            }
        )
    return sorted(rows, key=lambda row: -(row["seconds"] or 0.0))


def over_budget(rows: list[dict[str, Any]], factor: float = OVER_BUDGET) -> list[str]:
    """The rows whose execution took more than ``factor`` times their budget, in words.

    >>> over_budget([{"page": "a", "seconds": 100.0, "budget_s": 30.0},
    ...              {"page": "b", "seconds": 80.0, "budget_s": 30.0}])
    ['a: 100.0 s, over 3× its budget of 30.0 s']
    """
    return [
        f"{row['page']}: {row['seconds']:.1f} s, over {factor:g}× its budget of "
        f"{row['budget_s']:.1f} s"
        for row in rows
        if row["seconds"] is not None and row["seconds"] > factor * row["budget_s"]
    ]


def _seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def breakdown_table(app: Sphinx, docname: str) -> nodes.table:
    """The breakdown as a table, each page linked."""
    head = ("Page", "Executed", "Cells (s)", "Of which suites (s)", "Budget (s)")
    table = nodes.table(classes=["jg-execution-breakdown"])
    group = nodes.tgroup(cols=len(head))
    table += group
    group.extend(nodes.colspec(colwidth=1) for _ in head)
    group += nodes.thead("", _row([nodes.Text(h) for h in head]))
    body = nodes.tbody()
    for row in breakdown(app):
        uri = app.builder.get_relative_uri(docname, row["page"])
        link = nodes.reference("", row["page"], internal=True, refuri=uri)
        over = row["seconds"] is not None and row["seconds"] > OVER_BUDGET * row["budget_s"]
        budget = f"{row['budget_s']:g}" + (" (far over)" if over else "")
        cells = [link, row["executed"], _seconds(row["seconds"]), _seconds(row["suite_seconds"])]
        body += _row([nodes.Text(c) if isinstance(c, str) else c for c in [*cells, budget]])
    group += body
    return table


def _row(cells: list[nodes.Node]) -> nodes.row:
    row = nodes.row()
    for content in cells:
        row += nodes.entry("", nodes.paragraph("", "", content))
    return row


def _start_clock(app: Sphinx) -> None:
    app.jaxguide_clock = time.perf_counter()  # type: ignore[attr-defined]
    app.jaxguide_started = time.time()  # type: ignore[attr-defined]


def _stop_clock(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Note the read time; the report pages are written again if any page was read."""
    app.jaxguide_read_s = time.perf_counter() - app.jaxguide_clock  # type: ignore[attr-defined]
    if not pages_read(app):
        return []
    return sorted(pages_with(env, "execution-summary") | pages_with(env, "execution-breakdown"))


def _draw(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    for node in list(doctree.findall(execution_summary)):
        text = summary(app)
        node.replace_self(nodes.paragraph(text, text, classes=["jg-execution-summary"]))
    for table in list(doctree.findall(execution_breakdown)):
        table.replace_self(breakdown_table(app, docname))


def _write_json(app: Sphinx, exception: Exception | None) -> None:
    if exception is None and app.builder.format == "html":
        out = Path(app.outdir) / "execution.json"
        out.write_text(json.dumps({"pages": breakdown(app)}, indent=1) + "\n")


def setup(app: Sphinx) -> None:
    app.add_config_value("jaxguide_execution_budget_s", 30.0, "env", float)
    app.add_node(execution_summary)
    app.add_node(execution_breakdown)
    app.add_directive("execution-summary", ExecutionSummaryDirective)
    app.add_directive("execution-breakdown", ExecutionBreakdownDirective)
    app.connect("builder-inited", _start_clock)
    app.connect("env-updated", _stop_clock)
    app.connect("doctree-resolved", _draw)
    app.connect("build-finished", _write_json)
