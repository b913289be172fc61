"""Each page's own HTML and images stay under 1 MB."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import HTML, site_pages

LIMIT = 1_000_000


def _weight(page: Path) -> int:
    soup = BeautifulSoup(page.read_text(), "html.parser")
    images = {
        (page.parent / str(img["src"])).resolve()
        for img in soup.find_all("img", src=True)
        if not str(img["src"]).startswith(("http", "data:"))
    }
    return page.stat().st_size + sum(p.stat().st_size for p in images if p.exists())


def test_pages_are_light(html_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    weights = sorted(((_weight(p), p.relative_to(HTML)) for p in site_pages()), reverse=True)
    with capsys.disabled():
        print("\nHeaviest pages (HTML + images):")
        for size, page in weights[:5]:
            print(f"  {size / 1e3:8.1f} kB  {page}")
    heavy = [f"{page}: {size:,} bytes" for size, page in weights if size > LIMIT]
    assert not heavy, heavy
