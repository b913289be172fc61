"""What a page verified, read from MyST-NB's glue data when the page is read.

A site build's ``verify(claim_id, results)`` glues, beside the verdict, the glue key of the
results it judged, and glues those results once per page
(:func:`jaxguide.claims.verify`). :func:`collect` stores, per page, each claim with the line
that verifies it and the results it read, for :mod:`jaxguide_site.verdicts` to judge again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from docutils import nodes
from myst_nb.sphinx_ import NbMetadataCollector
from sphinx.application import Sphinx

from jaxguide.claims import RESULTS_MIME_TYPE, VERIFIED_MIME_TYPE
from jaxguide_site.cached import nb_config
from jaxguide_site.state import per_page


def collect(app: Sphinx, doctree: nodes.document) -> None:
    """Store what the page just read verified: claim, line, glue key of its results, results."""
    del doctree
    env, docname = app.env, app.env.docname
    if "glue" not in NbMetadataCollector.get_doc_data(env).get(docname, {}):
        return
    folder = Path(nb_config(env).output_folder)
    glued = json.loads((folder / f"{docname}.glue.json").read_text(encoding="utf-8"))
    claims: dict[str, dict[str, Any]] = {}
    results: dict[str, Any] = {}
    for key, output in glued.items():
        marker = output.get("data", {}).get(VERIFIED_MIME_TYPE)
        if not key.startswith("claim:") or marker is None:
            continue
        found = glued.get(marker["results"], {}).get("data", {}).get(RESULTS_MIME_TYPE)
        results[marker["results"]] = found
        claims[key.removeprefix("claim:")] = {"results": marker["results"]}
    if claims:
        source = Path(env.doc2path(docname)).read_text(encoding="utf-8").splitlines()
        for claim_id, line in verifying_lines(source, claims).items():
            claims[claim_id]["line"] = line
        per_page(env, "jaxguide_verified")[docname] = {"claims": claims, "results": results}


def verifying_lines(source: list[str], claim_ids: Iterable[str]) -> dict[str, int | None]:
    """For each claim, the line (1-based) of the page's code cells that quotes its id (its
    ``verify`` call, or the list a loop verifies), else the first line calling ``verify``.

    >>> page = ["```{code-cell} ipython3", "r = load()", "verify('a', r)", "```", "'b'"]
    >>> verifying_lines(page, ["a", "b"])
    {'a': 3, 'b': 3}
    """
    in_cell, code = False, []
    for number, text in enumerate(source, 1):
        if text.lstrip().startswith("```"):
            in_cell = not in_cell and "{code-cell}" in text
        elif in_cell:
            code.append((number, text))
    calls = [number for number, text in code if "verify(" in text]
    lines: dict[str, int | None] = {}
    for claim_id in claim_ids:
        quoted = (f'"{claim_id}"', f"'{claim_id}'")
        found = [number for number, text in code if any(q in text for q in quoted)] or calls
        lines[claim_id] = found[0] if found else None
    return lines


def setup(app: Sphinx) -> None:
    app.connect("doctree-read", collect)
