"""The claims report names where each claim comes from in a reader's words."""

from __future__ import annotations

from typing import Any

from jaxguide.claims import CLAIMS
from jaxguide.claims._sources import SEED_COURSE, SEED_QA
from jaxguide_site.render import report_table, seed_tables


def _row(source: str, claim_id: str = "c") -> dict[str, Any]:
    verdict = {"claim": claim_id, "kind": "strict", "status": "not-measured"}
    return {
        "id": claim_id,
        "statement": "A sentence.",
        "kind": "strict",
        "source": source,
        "falsified_by": "An observation.",
        "page": None,
        "shown": False,
        "verdicts": [verdict],
    }


def test_the_source_column_says_this_site_or_names_the_text() -> None:
    table = report_table([_row("jaxguide"), _row(SEED_COURSE), _row(SEED_QA)], lambda d: d)
    rows = list(table.findall(lambda n: n.tagname == "row"))[1:]
    sources = [row[2].astext() for row in rows]
    assert sources == ["this site", f"the {SEED_COURSE}", f"the {SEED_QA}"]
    assert not any("seed" in s for s in sources)
    assert "course page on vmap's performance" in sources[1]
    assert "Q&A page" in sources[2]
    assert all("False if: An observation." in row[0].astext() for row in rows)


def test_the_front_page_tables_name_each_text_once() -> None:
    out = seed_tables([_row("jaxguide"), _row(SEED_COURSE, "a"), _row(SEED_COURSE, "b")], str)
    said = [n.astext() for n in out if n.tagname == "paragraph"]
    assert said == [f"From the {SEED_COURSE}:"]


def test_every_claim_comes_from_the_site_or_a_named_text() -> None:
    assert {c.source for c in CLAIMS.values()} <= {"jaxguide", SEED_COURSE, SEED_QA}
