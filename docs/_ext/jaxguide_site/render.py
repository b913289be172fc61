"""Docutils nodes for verdicts: the badge beside a claim's sentence and the claims tables.

The badge is :func:`jaxguide.render.verdict_badge` (icon, words and classes, the same a
notebook or the CLI shows) as a docutils node; rows come from
:func:`jaxguide_site.report.claim_rows`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from docutils import nodes

from jaxguide.claims import Verdict
from jaxguide.render import verdict_badge

SITE_SOURCE = "jaxguide"
"""The source of the site's own claims; any other source names a text the site grew from."""

PageUri = Callable[[str], str]
"""A page's docname to its URI from the page being written."""


def verdict_node(verdict: Verdict, ids: list[str] | None = None) -> nodes.inline:
    """:func:`jaxguide.render.verdict_badge` as a node: icon and words, classed by status."""
    badge = verdict_badge(verdict)
    node = nodes.inline("", "", classes=list(badge.classes), ids=ids or [])
    node += nodes.inline("", f"{badge.icon} ", classes=["jg-verdict-icon"])
    node += nodes.Text(badge.text)
    return node


def explained_node(badge: nodes.inline, explained: str | None) -> nodes.Node:
    """``badge`` linked to ``explained``, the URI of how to read a verdict, where the site has
    one."""
    if explained is None:
        return badge
    link = nodes.reference(
        "", "", internal=True, refuri=explained, reftitle="How to read a verdict"
    )
    link += badge
    return link


def report_table(
    rows: list[dict[str, Any]], uri: PageUri, explained: str | None = None
) -> nodes.table:
    """Every claim: statement and what would falsify it, kind, source, and its verdicts, this
    build's first, each linked to ``explained`` (how to read a verdict) where given."""
    headers = ["Claim", "Kind", "Source", "Verdicts (this build first, then stored results)"]
    table, body = _table(["jg-claims-report"], headers, [33, 13, 18, 36])
    for row in rows:
        verdicts = nodes.paragraph()
        for i, verdict in enumerate(row["verdicts"]):
            if i:
                verdicts += nodes.Text(" ")
            verdicts += explained_node(verdict_node(Verdict.model_validate(verdict)), explained)
        kind, source = nodes.paragraph(text=row["kind"]), nodes.paragraph(text=_source(row))
        falsified = nodes.paragraph(classes=["jg-falsified-by"])
        falsified += nodes.emphasis(text="False if: ")
        falsified += nodes.Text(row["falsified_by"])
        body += _row([[_statement(row, uri), falsified], kind, source, verdicts])
    return table


def seed_tables(
    rows: list[dict[str, Any]], uri: PageUri, explained: str | None = None
) -> list[nodes.Node]:
    """The seed texts' claims in compact form: for each seed, named once above its table,
    each claim with this build's verdict, linked to ``explained`` where given."""
    by_source: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if row["source"] != SITE_SOURCE:
            by_source.setdefault(row["source"], []).append(row)
    out: list[nodes.Node] = []
    for source, seeded in by_source.items():
        out.append(nodes.paragraph("", f"From the {source}:", classes=["jg-claims-source"]))
        table, body = _table(["jg-claims-seed"], ["Claim", "Verdict on this build"], [60, 40])
        for row in seeded:
            verdict = nodes.paragraph()
            verdict += explained_node(
                verdict_node(Verdict.model_validate(row["verdicts"][0])), explained
            )
            body += _row([_statement(row, uri), verdict])
        out.append(table)
    return out


def _source(row: dict[str, Any]) -> str:
    """Where a claim comes from, in a reader's words: this site, or the text it came from."""
    return "this site" if row["source"] == SITE_SOURCE else f"the {row['source']}"


def _statement(row: dict[str, Any], uri: PageUri) -> nodes.paragraph:
    """The claim's sentence and its id, linked to the verdict on the page that measures it."""
    statement = nodes.paragraph()
    statement += nodes.Text(row["statement"] + " ")
    if not row["page"]:
        statement += nodes.literal(text=row["id"])
        return statement
    anchor = f"#claim-{row['id']}" if row["shown"] else ""
    ref = nodes.reference("", "", internal=True, refuri=uri(row["page"]) + anchor)
    ref += nodes.literal(text=row["id"])
    statement += ref
    return statement


def _table(
    classes: list[str], headers: list[str], widths: list[int]
) -> tuple[nodes.table, nodes.tbody]:
    table = nodes.table(classes=[*classes, "colwidths-given"])
    group = nodes.tgroup(cols=len(headers))
    table += group
    for width in widths:
        group += nodes.colspec(colwidth=width)
    head = nodes.thead()
    group += head
    head += _row([nodes.paragraph(text=h) for h in headers])
    body = nodes.tbody()
    group += body
    return table, body


def _row(cells: Sequence[nodes.Node | list[nodes.Node]]) -> nodes.row:
    row = nodes.row()
    for cell in cells:
        entry = nodes.entry()
        entry += cell
        row += entry
    return row
