"""Each figure's caption is said once: a cell that shows a table beside its figure gets the
figure's caption on each of its outputs (MyST-NB wraps every output of a figure cell)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from bs4 import BeautifulSoup

from conftest import HTML, site_pages


def test_no_caption_is_repeated_on_a_page(html_dir: Path) -> None:
    repeated = []
    for page in site_pages():
        soup = BeautifulSoup(page.read_text(), "html.parser")
        said = Counter(c.get_text(" ", strip=True) for c in soup.find_all("figcaption"))
        repeated += [f"{page.relative_to(HTML)}: {text[:60]}…" for text, n in said.items() if n > 1]
    assert not repeated, repeated
