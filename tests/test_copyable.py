"""Code a reader can copy: each executed page's shown cells, alone and in order, define or
import every name they use, import only what the package installs, and show the source of
each function they take from ``jaxguide.examples``.

A reader copies the code the site shows, not the cells it removes (``remove-cell``) or shows
only the output of (``remove-input``): :func:`run_notebooks.shows_code` is MyST-NB's rule, and
a collapsed cell (``hide-input``, a practical's solution) counts as shown, since one click
opens it and its copy button. The shown cells of a page, joined in order as one module
(IPython's magics turned into the calls IPython makes of them), are read by pyflakes: a name
no shown cell binds before its use is a ``NameError`` for that reader. Every import among
them is resolved here, where the package is installed as a reader installs it: one that does
not resolve is an ``ImportError``.

This reads the pages' sources and runs nothing of them, so it covers every cell, the timing
ones included, in a second. ``nox -s notebooks -- --visible`` runs the same cells for real, in
a fresh kernel on one device, from the notebooks the site offers for download.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from IPython.core.inputtransformer2 import TransformerManager
from pyflakes import messages as flakes
from pyflakes.checker import Checker
from sphinx.config import Config
from sphinx.directives.code import LiteralIncludeReader

from markdown_blocks import DOCS, SRC, Block, blocks, pages
from run_notebooks import shows_code
from tiny_site import FRONT

EXECUTED = [p for p in pages() if any(b.kind == "executed" for b in blocks(p))]

# What a fresh IPython kernel defines before the first cell: a shown cell may use these.
IPYTHON_NAMES = {"get_ipython", "display", "In", "Out", "_", "__", "___", "exit", "quit"}


def tags(block: Block) -> list[str]:
    found = block.options.get("tags", [])  # a list as MyST parses it; YAML text in older blocks
    return (yaml.safe_load(found) or []) if isinstance(found, str) else list(found)


def metadata(block: Block) -> dict[str, Any]:
    """The cell's metadata as the executed notebook holds it (tags, ``mystnb`` options)."""
    return {**block.options, "tags": tags(block)}


def shown_cells(page: Path) -> list[Block]:
    """The page's executed cells whose code the site shows, in page order."""
    return [b for b in blocks(page) if b.kind == "executed" and shows_code(metadata(b))]


def as_python(code: str) -> str:
    """A cell's code as IPython runs it: ``%magic`` and ``!shell`` lines become calls."""
    return TransformerManager().transform_cell(code)


def joined(cells: list[Block]) -> tuple[str, list[tuple[Block, int]]]:
    """The cells as one module, and for each of its lines, the cell and that cell's line."""
    lines: list[str] = []
    where: list[tuple[Block, int]] = []
    for cell in cells:
        for number, line in enumerate(as_python(cell.code).splitlines(), start=1):
            lines.append(line)
            where.append((cell, number))
    return "\n".join(lines) + "\n", where


def undefined_names(cells: list[Block]) -> list[str]:
    """Each use of a name that no shown cell binds before it, with its page line."""
    code, where = joined(cells)
    checker = Checker(ast.parse(code), filename="<shown cells>", builtins=IPYTHON_NAMES)
    found = []
    for message in sorted(checker.messages, key=lambda m: m.lineno):
        if isinstance(message, flakes.UndefinedName | flakes.UndefinedLocal):
            cell, line = where[message.lineno - 1]
            found.append(
                f"{named(cell.path)}:{cell.line}: the cell's line {line}: "
                f"{message.message % message.message_args}"
            )
    return list(dict.fromkeys(found))


def named(page: Path) -> str:
    return page.relative_to(DOCS).as_posix() if page.is_relative_to(DOCS) else page.name


def imports(cells: list[Block]) -> list[tuple[Block, str, str | None]]:
    """Each ``import m`` (as ``(cell, m, None)``) and ``from m import n`` among the cells."""
    found: list[tuple[Block, str, str | None]] = []
    for cell in cells:
        for node in ast.walk(ast.parse(as_python(cell.code))):
            if isinstance(node, ast.Import):
                found += [(cell, alias.name, None) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found += [(cell, node.module, alias.name) for alias in node.names]
    return found


def unresolved_imports(cells: list[Block]) -> list[str]:
    """Each import among the cells that fails here, where the package is installed."""
    found = []
    for cell, module, name in imports(cells):
        try:
            imported = importlib.import_module(module)
            if name is not None and name != "*" and not hasattr(imported, name):
                importlib.import_module(f"{module}.{name}")  # a submodule, or ImportError
        except ImportError as exc:
            found.append(f"{named(cell.path)}:{cell.line}: {exc}")
    return found


def ids(paths: list[Path]) -> list[str]:
    return [p.relative_to(DOCS).as_posix() for p in paths]


@pytest.mark.parametrize("page", EXECUTED, ids=ids(EXECUTED))
def test_the_shown_cells_alone_define_every_name_they_use(page: Path) -> None:
    assert not undefined_names(shown_cells(page))


@pytest.mark.parametrize("page", EXECUTED, ids=ids(EXECUTED))
def test_the_shown_cells_import_only_what_the_package_installs(page: Path) -> None:
    assert not unresolved_imports(shown_cells(page))


# --- the source of what a page takes from jaxguide.examples ----------------------------------
DEFINED = re.compile(r"^(?:def|class)\s+(\w+)|^(\w+)\s*(?::[^=]*)?=", re.MULTILINE)


def included_names(block: Block) -> set[str]:
    """The names a ``literalinclude`` shows the definition of (top level of what it shows)."""
    target = (block.path.parent / block.argument).resolve()
    text, _ = LiteralIncludeReader(str(target), block.options, Config()).read()
    return {a or b for a, b in DEFINED.findall(text)}


def examples_taken(cell: Block) -> list[str]:
    """The functions and classes a cell imports from ``jaxguide.examples`` or its modules
    (data, such as a list of examples, is not code to show)."""
    found = []
    for _, module, name in imports([cell]):
        if name is None or not (module + ".").startswith("jaxguide.examples."):
            continue
        taken = getattr(importlib.import_module(module), name)
        if inspect.isroutine(taken) or inspect.isclass(taken):
            found.append(name)
    return found


def unseen_examples(page: Path) -> list[str]:
    """Each name a shown cell takes from ``jaxguide.examples`` whose source the page has not
    shown by then, in a ``literalinclude`` above the cell or in one of its earlier cells."""
    seen: set[str] = set()
    found = []
    for block in blocks(page):
        if block.kind == "literalinclude":
            seen |= included_names(block)
        elif block.kind == "executed" and shows_code(metadata(block)):
            found += [
                f"{named(page)}:{block.line}: `{name}`"
                for name in examples_taken(block)
                if name not in seen
            ]
            seen |= set(examples_taken(block))  # said once, where it is first used
    return found


@pytest.mark.parametrize("page", EXECUTED, ids=ids(EXECUTED))
def test_what_a_page_takes_from_the_examples_it_shows_first(page: Path) -> None:
    assert not unseen_examples(page)


PACKAGE = SRC / "jaxguide"
# The pages about the site itself show its machinery's code on purpose.
ABOUT_THE_SITE = DOCS / "about"


def test_the_lessons_a_page_lists_live_in_examples() -> None:
    """A listing of the package's code on a teaching page comes from ``jaxguide.examples``: the
    one home of lesson code (a suite keeps workloads and parameters, and imports its lessons)."""
    elsewhere = [
        f"{named(b.path)}:{b.line}: {b.argument}"
        for page in pages()
        if ABOUT_THE_SITE not in page.parents
        for b in blocks(page)
        if b.kind == "literalinclude"
        and (target := (b.path.parent / b.argument).resolve()).is_relative_to(PACKAGE)
        and not target.is_relative_to(PACKAGE / "examples")
    ]
    assert not elsewhere


# --- the check itself, on crafted pages ------------------------------------------------------
PAGE = (
    FRONT
    + """
# A page

```{{code-cell}} ipython3
:tags: [{tag}]

import math
```

```{{code-cell}} ipython3
%xmode minimal
y = 2
print(math.pi, y, _)
```
"""
)


def crafted(tmp_path: Path, tag: str) -> list[Block]:
    page = tmp_path / "page.md"
    page.write_text(PAGE.format(tag=tag))
    return shown_cells(page)


@pytest.mark.parametrize("tag", ["remove-cell", "remove-input"])
def test_a_name_only_a_hidden_cell_imports_is_undefined(tmp_path: Path, tag: str) -> None:
    (problem,) = undefined_names(crafted(tmp_path, tag))
    assert problem.endswith("undefined name 'math'")


@pytest.mark.parametrize("tag", ["hide-input", "hide-cell", "raises-exception"])
def test_a_collapsed_cell_counts_as_shown(tmp_path: Path, tag: str) -> None:
    assert undefined_names(crafted(tmp_path, tag)) == []


def test_an_import_the_package_does_not_install_is_reported(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(PAGE.format(tag="hide-input").replace("import math", "import no_such_thing"))
    (problem,) = unresolved_imports(shown_cells(page))
    assert "no_such_thing" in problem


# --- no site machinery in a shown cell --------------------------------------------------------
# What only the site's build does with a page: run its suite for it, judge and glue a claim's
# verdict, glue a figure, caption a table. A reader copies lessons, not these: a cell that needs
# one is tagged ``remove-input`` (its table, chart or badge still shows) or ``remove-cell``.
MACHINERY = {"page_results", "verify", "glue", "glue_figures", "caption"}
MACHINERY_MODULES = {"myst_nb"}

# The page that teaches the machinery itself shows it on purpose.
TEACHES_THE_MACHINERY = {"about/verification.md"}


def called_name(call: ast.Call) -> str | None:
    """``f`` of ``f(...)`` and of ``module.f(...)``."""
    if isinstance(call.func, ast.Name):
        return call.func.id
    return call.func.attr if isinstance(call.func, ast.Attribute) else None


def machinery_used(cells: list[Block]) -> list[str]:
    """Each call of :data:`MACHINERY` and each import of it, or of :data:`MACHINERY_MODULES`,
    in the cells joined as one module, with its page line."""
    code, where = joined(cells)
    found = []
    for node in ast.walk(ast.parse(code)):
        what = None
        if isinstance(node, ast.Call) and called_name(node) in MACHINERY:
            what = f"calls {called_name(node)}"
        elif isinstance(node, ast.Import):
            hit = [a.name for a in node.names if a.name.split(".")[0] in MACHINERY_MODULES]
            what = f"imports {', '.join(hit)}" if hit else None
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module.split(".")[0] in MACHINERY_MODULES:
                what = f"imports from {node.module}"
            elif hit := [a.name for a in node.names if a.name in MACHINERY]:
                what = f"imports {', '.join(hit)}"
        if what:
            cell, line = where[node.lineno - 1]
            found.append(
                (node.lineno, f"{named(cell.path)}:{cell.line}: the cell's line {line} {what}")
            )
    return [text for _, text in sorted(found)]


SHOWS_LESSONS = [p for p in EXECUTED if p.relative_to(DOCS).as_posix() not in TEACHES_THE_MACHINERY]


@pytest.mark.parametrize("page", SHOWS_LESSONS, ids=ids(SHOWS_LESSONS))
def test_no_shown_cell_holds_site_machinery(page: Path) -> None:
    assert not machinery_used(shown_cells(page))


MACHINERY_PAGE = (
    FRONT
    + """
# A page

```{{code-cell}} ipython3
:tags: [{tag}]

from jaxguide.bench import page_results
import jaxguide.claims as claims
from myst_nb import glue

results = page_results("vmap-speed")
claims.verify("manual-vs-vmap", results)
```
"""
)


@pytest.mark.parametrize("tag", ["remove-cell", "remove-input"])
def test_machinery_in_a_hidden_cell_is_allowed(tmp_path: Path, tag: str) -> None:
    page = tmp_path / "page.md"
    page.write_text(MACHINERY_PAGE.format(tag=tag))
    assert machinery_used(shown_cells(page)) == []


@pytest.mark.parametrize("tag", ["hide-input", "raises-exception"])
def test_machinery_in_a_shown_cell_is_reported(tmp_path: Path, tag: str) -> None:
    page = tmp_path / "page.md"
    page.write_text(MACHINERY_PAGE.format(tag=tag))
    found = machinery_used(shown_cells(page))
    assert [f.split(" ", 1)[1].split(" ", 4)[-1] for f in found] == [
        "imports page_results",
        "imports from myst_nb",
        "calls page_results",
        "calls verify",
    ]
