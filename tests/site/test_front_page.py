"""The front page shows: the lead chart first, cards for the sections, the seeds' verdicts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup

from jaxguide.claims import CLAIMS


@pytest.fixture(scope="module")
def front(html_dir: Path) -> Any:
    return BeautifulSoup((html_dir / "index.html").read_text(), "html.parser").find("article")


def test_the_lead_chart_comes_first_with_its_caption_and_provenance(front: Any) -> None:
    figure = front.find("figure")
    assert figure is not None
    first_section = front.find("h2")
    assert first_section in figure.find_all_next("h2"), "the chart leads the page"
    image = figure.find("img")
    assert image["src"].endswith(".svg")
    assert image.get("alt")
    assert "measured by this build" in figure.find("figcaption").get_text()
    provenance = figure.find_next(class_="jg-provenance")
    assert provenance is not None
    assert first_section in provenance.find_all_next("h2")
    assert "vmap-speed" in provenance.get_text()


def test_every_section_has_a_card_linking_its_pages(front: Any, html_dir: Path) -> None:
    cards = front.select(".sd-card")
    assert len(cards) >= 4
    linked = {a["href"].split("#")[0] for card in cards for a in card.find_all("a", href=True)}
    pages = {
        p.relative_to(html_dir).as_posix()
        for p in html_dir.glob("*/*.html")
        if p.parent.name in {"transforms", "performance", "results", "reference", "about"}
    }
    assert pages
    assert pages <= linked, sorted(pages - linked)


def test_seed_claims_are_compact_with_each_seed_named_once(front: Any) -> None:
    tables = front.select("table.jg-claims-seed")
    assert tables
    text = front.get_text(" ")
    seeds = {c.source for c in CLAIMS.values() if c.source != "jaxguide"}
    assert seeds
    for name in seeds:
        assert text.count(name) == 1, f"{name!r} should be named once, above its table"
    ids = []
    for table in tables:
        header = [th.get_text(strip=True) for th in table.select("thead th")]
        assert header == ["Claim", "Verdict on this build"]
        for row in table.select("tbody tr"):
            cells = row.find_all("td")
            assert len(cells) == 2
            assert cells[1].select_one(".jg-verdict") is not None
            ids.append(cells[0].find("code").get_text())
    expected = [c.id for c in CLAIMS.values() if c.source in seeds]
    assert sorted(ids) == sorted(expected)
