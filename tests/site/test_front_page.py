"""The front page shows: where to start, the lead chart, cards for the sections, the seeds' verdicts."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup

from jaxguide.claims import CLAIMS, MeasuredClaim


@pytest.fixture(scope="module")
def front(html_dir: Path) -> Any:
    return BeautifulSoup((html_dir / "index.html").read_text(), "html.parser").find("article")


# The path a reader new to JAX follows (issue 30): sharding before pmap, which is optional.
PATH = [
    "start/numpy.html",
    "transforms/jit.html",
    "transforms/grad.html",
    "transforms/vmap.html",
    "transforms/sharding.html",
    "transforms/pmap.html",
]


def test_next_follows_the_path(html_dir: Path) -> None:
    for here, there in pairwise(PATH):
        page = BeautifulSoup((html_dir / here).read_text(), "html.parser")
        following = page.select_one("a.right-next")
        assert following is not None, here
        assert following["href"].split("#")[0].endswith(Path(there).name), (here, there)


def test_start_here_opens_the_page_then_the_lead_chart_with_its_caption(front: Any) -> None:
    first_section, measured = front.find_all("h2")[:2]
    assert first_section.get_text(strip=True).startswith("Start here")
    start = first_section.find_parent("section")
    assert "pip install jax" in start.get_text()
    path = [a["href"] for a in start.find("ol").find_all("a", href=True)]
    assert path[:6] == PATH
    figure = front.find("figure")
    assert figure is not None
    assert figure.find_parent("section") is measured.find_parent("section"), "chart follows"
    second_section = measured.find_next("h2")
    assert second_section in figure.find_all_next("h2")
    image = figure.find("img")
    assert image["src"].endswith(".svg")
    assert image.get("alt")
    assert "measured by this build" in figure.find("figcaption").get_text()
    provenance = figure.find_next(class_="jg-provenance")
    assert provenance is not None
    assert second_section in provenance.find_all_next("h2")
    assert "vmap-speed" in provenance.get_text()
    # One line that opens to the rest: "cpu ×8" said in words on it, the file behind it.
    assert provenance.name == "details"
    line = provenance.find("summary").get_text(" ", strip=True)
    assert line.startswith("Measured on ")
    assert "jax " in line
    if " ×1 " not in line and line.startswith("Measured on cpu"):
        assert "simulated" in line, line
    assert provenance.find("summary").find("a") is None
    assert provenance.select_one("dl") is not None
    assert provenance.select_one("a[download]") is not None


def test_every_section_has_a_card_linking_its_pages(front: Any, html_dir: Path) -> None:
    cards = front.select(".sd-card")
    assert len(cards) >= 4
    linked = {a["href"].split("#")[0] for card in cards for a in card.find_all("a", href=True)}
    pages = {
        p.relative_to(html_dir).as_posix()
        for p in html_dir.glob("*/*.html")
        if p.parent.name in {"start", "transforms", "performance", "results", "reference", "about"}
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
            verdict = cells[1].select_one(".jg-verdict")
            assert verdict is not None
            link = verdict.find_parent("a")  # to how to read a verdict
            assert link is not None
            assert link["href"].endswith("about/verification.html#reading-a-verdict")
            claim = CLAIMS[cells[0].find("code").get_text()]
            said = verdict.get_text(" ", strip=True)
            judged = {"jg-holds", "jg-fails", "jg-inconclusive"} & set(verdict["class"])
            if isinstance(claim, MeasuredClaim) and judged:
                # a measured verdict names whose time its ratio divides by whose
                assert " took " in said, said
                assert " the time of " in said, said
            ids.append(cells[0].find("code").get_text())
    expected = [c.id for c in CLAIMS.values() if c.source in seeds]
    assert sorted(ids) == sorted(expected)
