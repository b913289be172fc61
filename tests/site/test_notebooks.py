"""Each executed page offers itself for download as a Jupyter notebook of its code cells.

Whether those notebooks run as a reader downloads them is `nox -s notebooks`'s to check.
"""

from __future__ import annotations

import json
from pathlib import Path

from markdown_blocks import DOCS, blocks, pages

EXECUTED = [p for p in pages() if p.read_text().startswith("---\njupytext:")]


def test_every_executed_page_links_its_notebook(html_dir: Path) -> None:
    assert len(EXECUTED) >= 10
    for source in EXECUTED:
        name = source.relative_to(DOCS).with_suffix("")
        html = (html_dir / name.with_suffix(".html")).read_text()
        notebook = html_dir / "_sources" / name.with_suffix(".ipynb")
        assert f"_sources/{name}.ipynb" in html, f"{name}: no notebook download link"
        cells = json.loads(notebook.read_text())["cells"]
        setup, *code = [c for c in cells if c["cell_type"] == "code"]
        on_page = [b for b in blocks(source) if b.kind == "executed"]
        assert len(code) == len(on_page) > 0, f"{notebook}: not the page's code cells"
        # First, the cell that installs the package, pinned to what built the site.
        assert setup["metadata"]["tags"] == ["jaxguide-setup"], notebook
        assert '%pip install "jaxguide @ git+https://' in "".join(setup["source"]), notebook
