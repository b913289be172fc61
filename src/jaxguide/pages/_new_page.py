"""Start a page, with everything it needs: ``nox -s new-page -- NAME [--section transforms]``.

Writes the page from ``page_template.md`` (beside this file) to ``docs/<section>/<NAME>.md``,
an examples module for the functions it teaches, a claims module with a strict and a measured
claim on what it measures, and lists each where the site looks for it: the section's toctree
and front-page card (``docs/index.md``), :mod:`jaxguide.examples` and its API reference page,
the claims catalog, the page measurements, and each claim's two perturbations in
``tests/test_claims.py``. It then prints what is left: the teaching itself, and
``nox -s page -- <section>/<NAME>``, which builds the page, writes its measurement's fixture
and checks it as CI will. A bad or taken name, or an unknown section, is refused with one line
and exit status 2 before anything is written; so is a registry it cannot find its place in.

This module uses only the standard library, so that ``noxfile.py`` can load it by its path
without installing anything; tests call :func:`new_page` and :func:`main` directly.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["TEMPLATE", "PageRefused", "main", "new_page", "sections"]

TEMPLATE = Path(__file__).with_name("page_template.md")
"""The page template: front matter, setup cell, lesson source, a measure-and-glue cell, table
and caption."""
EXAMPLES_TEMPLATE = TEMPLATE.with_name("examples_template.txt")
CLAIMS_TEMPLATE = TEMPLATE.with_name("claims_template.txt")

_NAME = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
_TOCTREE = re.compile(r"```\{toctree\}\n(?P<body>.*?)```", re.DOTALL)
_CARD = re.compile(r"^:::\{grid-item-card\}.*?\n(?P<body>.*?)^:::$", re.DOTALL | re.MULTILINE)


class PageRefused(ValueError):
    """The page cannot be started as asked; the message is the one line to show."""


def sections(index: str) -> dict[str, str]:
    """Each section folder that ``index`` (docs/index.md) has a toctree for, with its caption.

    >>> sections("```{toctree}\\n:caption: Guides\\n\\nguides/a\\nguides/b\\n```\\n")
    {'guides': 'Guides'}
    """
    found: dict[str, str] = {}
    for match in _TOCTREE.finditer(index):
        body = match.group("body")
        caption = re.search(r"^:caption: (.+)$", body, re.MULTILINE)
        folders = {line.split("/")[0] for line in _entries(body) if "/" in line}
        if caption and len(folders) == 1:
            found[folders.pop()] = caption.group(1).strip()
    return found


def _entries(body: str) -> list[str]:
    return [line.strip() for line in body.splitlines() if line.strip() and line[0] != ":"]


def new_page(docs: Path, name: str, section: str = "transforms") -> list[str]:
    """Write the page ``docs/<section>/<name>.md``, its examples and claims modules, and list
    each in its registry (``docs`` is the site's folder in a checkout of the project).

    Returns the steps left to the contributor, one string each. Raises :class:`PageRefused`
    (having written nothing) for a bad name, an unknown section, a page or module that exists,
    or a registry without the place this writes into.
    """
    if not _NAME.fullmatch(name):
        raise PageRefused(
            f"bad page name {name!r}: use lowercase letters and digits in words joined by "
            "hyphens, e.g. jvp-basics"
        )
    root, index_path = docs.parent, docs / "index.md"
    index = index_path.read_text()
    known = sections(index)
    if section not in known:
        raise PageRefused(f"unknown section {section!r}: one of {', '.join(sorted(known))}")
    docname, module = f"{section}/{name}", name.replace("-", "_")
    words = {
        "__NAME__": name,
        "__MODULE__": module,
        "__BENCHMARK__": name.split("-", maxsplit=1)[0],
        "__TITLE__": name.replace("-", " ").capitalize(),
    }
    package = root / "src" / "jaxguide"
    written = {
        docs / section / f"{name}.md": _filled(TEMPLATE, words),
        package / "examples" / f"{module}.py": _filled(EXAMPLES_TEMPLATE, words),
        package / "claims" / f"_{module}.py": _filled(CLAIMS_TEMPLATE, words),
    }
    for path in written:
        if path.exists():
            raise PageRefused(f"{path} exists: choose another name, or edit that page")
    edits = {
        index_path: _with_card_link(_with_entry(index, section, docname), section, docname),
        package / "examples" / "__init__.py": _with_lesson(package, module),
        package / "claims" / "_catalog.py": _with_claims(package, module),
        package / "pages" / "_measurements.py": _with_measurement(package, words, docname),
        docs / "reference" / "api" / "examples.md": _with_api_entry(docs, module),
        root / "tests" / "test_claims.py": _with_perturbations(root, words),
    }
    for path, text in {**written, **edits}.items():
        path.write_text(text)
    return [
        f"wrote {', '.join(str(p.relative_to(root)) for p in written)}",
        (
            f"listed {docname} last in the {known[section]} toctree and card of docs/index.md "
            "(move it where it belongs), the examples module in jaxguide.examples and "
            f"docs/reference/api/examples.md, its claims in the catalog, the measurement "
            f'"{name}" in src/jaxguide/pages/_measurements.py, and each claim\'s two '
            "perturbations in tests/test_claims.py"
        ),
        (
            "replace the template's functions, claims and prose with the page's (a page "
            "whose examples need several devices says so in its front matter: "
            "jaxguide: {cpu_devices: 8}, as docs/transforms/sharding.md does)"
        ),
        (
            f"check it: nox -s page -- {docname} (builds it, writes the fixture "
            f"tests/fixtures/results/{name}.json the perturbations read, runs its tests and "
            "lint); then, before you push: nox -s docs && nox -s tests && nox -s lint"
        ),
    ]


def _filled(template: Path, words: dict[str, str]) -> str:
    text = template.read_text()
    for key, value in words.items():
        text = text.replace(key, value)
    return text


def _insert(text: str, anchor: str, line: str, where: str) -> str:
    """``text`` with ``line`` inserted before the one occurrence of ``anchor``."""
    if text.count(anchor) != 1:
        raise PageRefused(f"{where}: cannot find where to list the new page ({anchor.strip()!r})")
    at = text.index(anchor)
    return text[:at] + line + text[at:]


def _with_sorted_line(text: str, block: re.Pattern[str], line: str, where: str) -> str:
    """``text`` with ``line`` added, in order, to the lines of the one match of ``block``."""
    found = list(block.finditer(text))
    if len(found) != 1:
        raise PageRefused(f"{where}: cannot find where to list the new page")
    body = found[0].group("body")
    lines = sorted({*body.splitlines(keepends=True), line})
    return text[: found[0].start("body")] + "".join(lines) + text[found[0].end("body") :]


def _with_lesson(package: Path, module: str) -> str:
    path = package / "examples" / "__init__.py"
    text = path.read_text()
    imported = re.compile(r"    from jaxguide\.examples import \(\n(?P<body>(?:        \w+,\n)+)")
    text = _with_sorted_line(text, imported, f"        {module},\n", str(path))
    public = re.compile(r"__all__ = \[\n(?P<body>(?:    \"\w+\",\n)+)")
    return _with_sorted_line(text, public, f'    "{module}",\n', str(path))


def _with_claims(package: Path, module: str) -> str:
    path = package / "claims" / "_catalog.py"
    text = path.read_text()
    imported = re.compile(r"from jaxguide\.claims import \(\n(?P<body>(?:    _\w+,\n)+)")
    text = _with_sorted_line(text, imported, f"    _{module},\n", str(path))
    return _insert(text, "    )\n)\n", f"        *_{module}.CLAIMS,\n", str(path))


def _with_measurement(package: Path, words: dict[str, str], docname: str) -> str:
    path = package / "pages" / "_measurements.py"
    name, benchmark = words["__NAME__"], words["__BENCHMARK__"]
    line = f'        declare("{name}", 1, "{docname}", "{benchmark}/slow", "{benchmark}/fast"),\n'
    return _insert(path.read_text(), "    )\n)\n", line, str(path))


def _with_api_entry(docs: Path, module: str) -> str:
    path = docs / "reference" / "api" / "examples.md"
    entry = f"\n.. automodule:: jaxguide.examples.{module}\n   :members:\n   :undoc-members:\n"
    return _insert(path.read_text(), "\n```\n", entry, str(path))


def _with_perturbations(root: Path, words: dict[str, str]) -> str:
    path = root / "tests" / "test_claims.py"
    name, benchmark = words["__NAME__"], words["__BENCHMARK__"]
    lines = (
        f'    "{name}-same-values": (\n'
        "        _same,\n"
        f'        lambda r: with_values(r, "{benchmark}", "fast", max_abs_diff=math.nan),\n'
        "    ),\n"
        f'    "{name}-faster": (\n'
        f'        lambda r: set_ratio(r, "{benchmark}", "slow", "fast", 2.0),\n'
        f'        lambda r: set_ratio(r, "{benchmark}", "slow", "fast", 1.0),\n'
        "    ),\n"
    )
    text = path.read_text()
    start = text.find("\nPERTURBATIONS: dict[")
    end = text.find("\n}\n", start)
    if start < 0 or end < 0:
        raise PageRefused(f"{path}: cannot find PERTURBATIONS")
    return text[: end + 1] + lines + text[end + 1 :]


def _with_card_link(index: str, section: str, docname: str) -> str:
    """``index`` with a link to ``docname`` after the last link of ``section``'s card."""
    title = docname.rpartition("/")[2].replace("-", " ")
    for match in _CARD.finditer(index):
        body = match.group("body")
        if f"]({section}/" in body:
            end = match.start("body") + len(body.rstrip("\n"))
            return f"{index[:end]} ·\n[{title}]({docname}.md){index[end:]}"
    raise PageRefused(f"no card on the front page links to the {section!r} section")


def _with_entry(index: str, section: str, docname: str) -> str:
    """``index`` with ``docname`` appended to the toctree of ``section``."""
    for match in _TOCTREE.finditer(index):
        body = match.group("body")
        entries = _entries(body)
        if entries and all(e.startswith(f"{section}/") for e in entries):
            end = match.start("body") + body.rindex(entries[-1]) + len(entries[-1])
            return f"{index[:end]}\n{docname}{index[end:]}"
    raise PageRefused(f"no toctree for section {section!r} in docs/index.md")


def main(argv: Sequence[str] | None = None, docs: Path | None = None) -> int:
    """The command line: prints the steps left, or one line saying why not; the exit status."""
    parser = argparse.ArgumentParser(
        prog="nox -s new-page --", description="Start a page from the template."
    )
    parser.add_argument("name", help="the page's file name without .md, e.g. jvp-basics")
    parser.add_argument("--section", default="transforms", help="docs/ folder (transforms)")
    args = parser.parse_args(argv)
    try:
        steps = new_page(docs or Path.cwd() / "docs", args.name, args.section)
    except PageRefused as exc:
        print(f"new-page: {exc}", file=sys.stderr)  # noqa: T201 - the one line of a refusal
        return 2
    for number, step in enumerate(steps, start=1):
        print(f"{number}. {step}")  # noqa: T201 - the steps left to the contributor
    return 0


if __name__ == "__main__":
    sys.exit(main())
