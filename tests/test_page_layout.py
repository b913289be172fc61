"""Pages read as lessons: little hidden plumbing, shown source written in the page or included
by Sphinx, and only public names imported.

A code cell tagged ``remove-cell`` or ``remove-input`` hides its code; what it may do is load
results, show a table or chart the reader sees, and glue figures. Counted in non-blank lines, as
MyST's own parser finds the cells (tests/markdown_blocks.py).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from markdown_blocks import DOCS, Block, blocks, pages

HIDING = {"remove-cell", "remove-input"}
MOST_HIDDEN_PER_PAGE = 40
HIDDEN_PER_VISIBLE = 0.5


def _cells(path: Path) -> list[Block]:
    return [b for b in blocks(path) if b.kind == "executed" and b.directive == "code-cell"]


def _lines(code: str) -> int:
    return sum(1 for line in code.splitlines() if line.strip())


def hidden_and_visible(path: Path, text: str | None = None) -> tuple[int, int]:
    """Non-blank code lines of the page's hidden cells, then of its visible ones."""
    hidden = visible = 0
    for block in blocks(path, text):
        if block.kind != "executed":
            continue
        if HIDING & set(block.options.get("tags") or []):
            hidden += _lines(block.code)
        else:
            visible += _lines(block.code)
    return hidden, visible


COUNTS = {path: hidden_and_visible(path) for path in pages()}


@pytest.mark.parametrize("path", list(COUNTS), ids=lambda p: p.relative_to(DOCS).as_posix())
def test_no_page_hides_more_than_forty_lines(path: Path) -> None:
    hidden, _ = COUNTS[path]
    assert hidden <= MOST_HIDDEN_PER_PAGE, (
        f"{path.relative_to(DOCS)} hides {hidden} lines of code: move the work into "
        "jaxguide.render (tables, charts) or the claim, or show it as part of the lesson"
    )


def test_across_the_site_hidden_code_is_at_most_half_the_visible() -> None:
    hidden = sum(h for h, _ in COUNTS.values())
    visible = sum(v for _, v in COUNTS.values())
    assert hidden <= HIDDEN_PER_VISIBLE * visible, (hidden, visible)


def test_the_count_reads_cells_as_myst_does(tmp_path: Path) -> None:
    page = tmp_path / "p.md"
    text = (
        "---\njupytext:\n  text_representation:\n    format_name: myst\nkernelspec:\n"
        "  name: python3\n  display_name: Python 3\n---\n\n"
        "```{code-cell} ipython3\n:tags: [remove-cell]\n\nx = 1\n\ny = 2\n```\n\n"
        "```{code-cell} ipython3\n:tags: [remove-input]\n\nx\n```\n\n"
        "```{code-cell} ipython3\nprint(x)\n```\n\n"
        "```python\nnot_a_cell = 1\n```\n"
    )
    assert hidden_and_visible(page, text) == (3, 1)


@pytest.mark.parametrize("path", pages(), ids=lambda p: p.relative_to(DOCS).as_posix())
def test_shown_source_is_never_getsource(path: Path) -> None:
    assert "getsource" not in path.read_text(), (
        f"{path.relative_to(DOCS)}: write the code in the page, or use literalinclude with "
        ":pyobject:"
    )


_PRIVATE = re.compile(r"(^|\.)_[a-z]")


def _jaxguide_imports(code: str) -> set[str]:
    try:
        tree = ast.parse(re.sub(r"(?m)^\s*[%!].*$", "", code))
    except SyntaxError:
        return set()
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return {m for m in found if m.startswith("jaxguide")}


@pytest.mark.parametrize("path", pages(), ids=lambda p: p.relative_to(DOCS).as_posix())
def test_pages_import_only_public_names(path: Path) -> None:
    private = {
        name
        for block in blocks(path)
        if block.kind in ("executed", "snippet", "not-run", "doctest")
        for name in _jaxguide_imports(block.code)
        if _PRIVATE.search(name)
    }
    assert not private, f"{path.relative_to(DOCS)} imports {sorted(private)}"


def test_private_imports_are_seen() -> None:
    code = (
        "from jaxguide.bench._cli import main\nfrom jaxguide.render import caption\n%xmode minimal"
    )
    assert {n for n in _jaxguide_imports(code) if _PRIVATE.search(n)} == {
        "jaxguide.bench._cli",
        "jaxguide.bench._cli.main",
    }


@pytest.mark.parametrize("path", pages(), ids=lambda p: p.relative_to(DOCS).as_posix())
def test_no_page_defines_its_own_table(path: Path) -> None:
    for block in _cells(path):
        assert not re.search(r"(?m)^def table\(", block.code), (
            f"{path}:{block.line}: tables are jaxguide.render's (timing_table, points_table, ...)"
        )
