"""Start a page from the template: ``nox -s new-page -- NAME [--section transforms]``.

Copies ``page_template.md`` (beside this file) to ``docs/<section>/<NAME>.md``, adds the page
to its section's toctree in ``docs/index.md``, and prints what is left to write: the
measurement's declaration, the claims, their perturbations. A name already taken, a name that
is not lowercase words joined by hyphens, or an unknown section is refused with one line and
exit status 2, before anything is written.

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
"""The page template: front matter, setup cell, measure-verify-glue cell, table and caption."""

_NAME = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
_TOCTREE = re.compile(r"```\{toctree\}\n(?P<body>.*?)```", re.DOTALL)


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
    """Write ``docs/<section>/<name>.md`` from the template, list it in the section's toctree.

    Returns the steps left to the contributor, one string each. Raises :class:`PageRefused`
    (having written nothing) for a bad name, an unknown section, or a page that exists.
    """
    if not _NAME.fullmatch(name):
        raise PageRefused(
            f"bad page name {name!r}: use lowercase letters and digits in words joined by "
            "hyphens, e.g. jvp-basics"
        )
    index_path = docs / "index.md"
    index = index_path.read_text()
    known = sections(index)
    if section not in known:
        raise PageRefused(f"unknown section {section!r}: one of {', '.join(sorted(known))}")
    page = docs / section / f"{name}.md"
    if page.exists():
        raise PageRefused(f"{page} exists: choose another name, or edit that page")
    docname = f"{section}/{name}"
    benchmark = name.split("-", maxsplit=1)[0]
    title = name.replace("-", " ").capitalize()
    text = TEMPLATE.read_text()
    for key, value in (("__NAME__", name), ("__BENCHMARK__", benchmark), ("__TITLE__", title)):
        text = text.replace(key, value)
    page.write_text(text)
    index_path.write_text(_with_entry(index, section, docname))
    module = name.replace("-", "_")
    declaration = f'    declare("{name}", 1, "{docname}", "{benchmark}/slow", "{benchmark}/fast"),'
    return [
        (
            f"wrote {page.relative_to(docs.parent)} and listed {docname} last in the "
            f"{known[section]} toctree of docs/index.md (move it where it belongs)"
        ),
        f"declare what the page measures, in MEASUREMENTS in src/jaxguide/pages/_measurements.py:\n{declaration}",
        (
            f"write its claims ({name}-same-values, {name}-faster) in "
            f"src/jaxguide/claims/_{module}.py, ending with CLAIMS = (...), each with "
            f'suite="{name}" (measure verifies them); list _{module} in '
            "src/jaxguide/claims/_catalog.py"
        ),
        (
            "give each claim a hold and a fail perturbation in tests/test_claims.py::"
            f"PERTURBATIONS, on tests/fixtures/results/{name}.json (tests/fixtures/README.md)"
        ),
        (
            f"put the functions the page teaches in src/jaxguide/examples/{module}.py (list it "
            "in src/jaxguide/examples/__init__.py's __all__ and in "
            "docs/reference/api/examples.md), and show each one's source with a literalinclude "
            "before the cell that first uses it (tests/test_copyable.py checks it)"
        ),
        (
            "link the page from its section's card on the front page (docs/index.md); a page "
            "whose examples need several devices says so in its front matter "
            "(jaxguide: {cpu_devices: 8}, as docs/transforms/sharding.md does)"
        ),
        (
            "replace the template's teaching code and prose, then run: "
            f"nox -s docs -- --only {docname} (the edit loop), and before you push: "
            "nox -s docs && nox -s tests && nox -s lint"
        ),
    ]


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
