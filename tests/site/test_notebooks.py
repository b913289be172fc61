"""Each executed page offers itself for download as a Jupyter notebook of its code cells.

The practicals' solutions (cells tagged ``solution``) stay on the site: the notebooks leave
them out. Whether those notebooks run as a reader downloads them is `nox -s notebooks`'s to check.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from markdown_blocks import DOCS, Block, blocks, pages

EXECUTED = [p for p in pages() if p.read_text().startswith("---\njupytext:")]


def is_solution(block: Block) -> bool:
    tags = block.options.get("tags", [])  # a list as MyST parses it; YAML text in older blocks
    if isinstance(tags, str):
        tags = yaml.safe_load(tags) or []
    return "solution" in tags


def test_every_executed_page_links_its_notebook(html_dir: Path) -> None:
    assert len(EXECUTED) >= 10
    for source in EXECUTED:
        name = source.relative_to(DOCS).with_suffix("")
        html = (html_dir / name.with_suffix(".html")).read_text()
        notebook = html_dir / "_sources" / name.with_suffix(".ipynb")
        assert f"_sources/{name}.ipynb" in html, f"{name}: no notebook download link"
        cells = json.loads(notebook.read_text())["cells"]
        setup, *code = [c for c in cells if c["cell_type"] == "code"]
        on_page = [b for b in blocks(source) if b.kind == "executed" and not is_solution(b)]
        assert len(code) == len(on_page) > 0, f"{notebook}: not the page's code cells"
        # First, the cell that installs the package, pinned to what built the site.
        assert setup["metadata"]["tags"] == ["jaxguide-setup"], notebook
        assert '%pip install "jaxguide @ git+https://' in "".join(setup["source"]), notebook


def test_the_practicals_notebooks_have_no_solutions(html_dir: Path) -> None:
    practicals = [p for p in EXECUTED if p.parent.name == "practicals" and p.name != "index.md"]
    assert len(practicals) >= 4
    for source in practicals:
        solutions = [b for b in blocks(source) if is_solution(b)]
        assert solutions, f"{source.name}: no solution cells"
        notebook = html_dir / "_sources" / "practicals" / source.with_suffix(".ipynb").name
        cells = json.loads(notebook.read_text())["cells"]
        code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
        assert any("raise NotImplementedError" in c for c in code), f"{notebook}: no starter"
        for solution in (b for b in solutions if "hide-input" in b.options.get("tags", "")):
            body = solution.code.strip()
            assert all(body not in c for c in code), (
                f"{notebook}: has the solution at line {solution.line}"
            )
        assert not any("solution" in c.get("metadata", {}).get("tags", []) for c in cells)
