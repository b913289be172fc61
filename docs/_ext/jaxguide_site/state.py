"""The extension's build state, kept on the Sphinx environment page by page.

Each table maps a docname to what reading that page found, so that a page read again drops
its old entry (``env-purge-doc``) and parallel reads merge theirs (``env-merge-info``). What
the whole build derives from them (the verdicts) is computed after reading, in the main
process, by :mod:`jaxguide_site.verdicts`.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

PER_PAGE = (
    "jaxguide_verified",  # claims a page verified, their lines, and the results they read
    "jaxguide_shown",  # claims a page shows with the {claim} role, and the role's line
    "jaxguide_reports",  # pages with a claims report or an execution summary: their kinds
)


def per_page(env: BuildEnvironment, name: str) -> dict[str, Any]:
    """The table ``name`` (one of :data:`PER_PAGE`) of ``env``: docname to what was found."""
    if name not in PER_PAGE:
        raise KeyError(f"no per-page state {name!r}")
    if not hasattr(env, name):
        setattr(env, name, {})
    table: dict[str, Any] = getattr(env, name)
    return table


def pages_with(env: BuildEnvironment, report: str) -> set[str]:
    """The pages that show ``report`` (``claims-report`` or ``execution-summary``)."""
    return {doc for doc, kinds in per_page(env, "jaxguide_reports").items() if report in kinds}


def _purge(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    del app
    for name in PER_PAGE:
        per_page(env, name).pop(docname, None)


def _merge(app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment) -> None:
    del app
    for name in PER_PAGE:
        theirs = per_page(other, name)
        per_page(env, name).update({doc: theirs[doc] for doc in docnames if doc in theirs})


def pages_read(app: Sphinx) -> int:
    """How many pages this build read (0 when every page was up to date)."""
    return int(getattr(app, "jaxguide_pages_read", 0))


def _note_reading(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    del env
    app.jaxguide_pages_read = len(docnames)  # type: ignore[attr-defined]


def setup(app: Sphinx) -> None:
    app.connect("env-before-read-docs", _note_reading)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
