"""The practicals pages: enough practicals, and every solution cell tagged, so no download has one."""

from __future__ import annotations

import re

import yaml

from markdown_blocks import DOCS, Block, blocks

PAGES = sorted(p for p in (DOCS / "practicals").glob("*.md") if p.name != "index.md")


def starters(code: str) -> list[str]:
    """The functions a cell defines whose body raises NotImplementedError: what the reader writes."""
    parts = re.split(r"^def (\w+)\(", code, flags=re.MULTILINE)
    return [
        name
        for name, body in zip(parts[1::2], parts[2::2], strict=True)
        if "raise NotImplementedError" in body
    ]


def tags(block: Block) -> list[str]:
    """A cell's tags: MyST's parser gives a list (a string only from an older reader)."""
    found = block.options.get("tags", [])
    return list(yaml.safe_load(found) or []) if isinstance(found, str) else list(found)


def defines(block: Block, name: str) -> bool:
    return bool(re.search(rf"^(def {name}\(|{name} = )", block.code, re.MULTILINE))


def test_there_are_at_least_eight_practicals() -> None:
    labels = [
        m
        for p in PAGES
        for m in re.findall(r"^\(practical-[\w-]+\)=$", p.read_text(), re.MULTILINE)
    ]
    assert len(labels) >= 8, labels
    index = (DOCS / "practicals" / "index.md").read_text()
    for label in labels:
        assert f"{{ref}}`{label[1:-2]}`" in index, f"the index does not list {label}"


def test_every_solution_is_tagged_collapsed_and_checked() -> None:
    for page in PAGES:
        cells = [b for b in blocks(page) if b.kind == "executed"]
        started = {name: i for i, c in enumerate(cells) for name in starters(c.code)}
        assert started, f"{page.name}: no starter (a function that raises NotImplementedError)"
        for name, start in started.items():
            later = [(i, c) for i, c in enumerate(cells) if i > start and defines(c, name)]
            assert later, f"{page.name}: {name} has no solution"
            for i, solution in later:
                where = f"{page.name}:{solution.line}"
                assert "solution" in tags(solution), f"{where}: solution of {name} not tagged"
                assert "hide-input" in tags(solution), f"{where}: solution of {name} not collapsed"
                checks = cells[i + 1 : i + 3]
                assert any(name in c.code and "check" in c.code for c in checks), where
                assert all("solution" in tags(c) for c in checks), f"{where}: untagged check"
                assert "assert" in checks[-1].code, f"{where}: the build does not assert the check"
                assert "remove-cell" in tags(checks[-1]), where


def test_the_starters_are_not_tagged() -> None:
    for page in PAGES:
        for block in blocks(page):
            if "raise NotImplementedError" in block.code or re.search(r"^check_\w+\(", block.code):
                if "solution" in tags(block):
                    continue  # the check of the solution, after it
                assert "hide-input" not in tags(block), f"{page.name}:{block.line}"
