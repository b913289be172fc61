"""Cells tagged ``raises-exception`` must raise: one that did not is a warning (fails ``-W``).

The tag lets a cell's error through; without this check a cell that shows how something
fails would pass just the same once it stopped failing.
"""

from __future__ import annotations

import json

from docutils import nodes
from myst_nb.sphinx_ import NbMetadataCollector
from sphinx.application import Sphinx
from sphinx.util import logging

from jaxguide_site.cached import executed_notebook

logger = logging.getLogger(__name__)


def check_raising_cells(app: Sphinx, doctree: nodes.document) -> None:
    """Warn for each cell tagged ``raises-exception`` that did not raise.

    Reads the page's executed notebook (:mod:`jaxguide_site.cached`); pages MyST-NB did not
    execute are skipped.
    """
    del doctree
    docname = app.env.docname
    if not NbMetadataCollector.get_doc_data(app.env).get(docname, {}).get("exec_data"):
        return
    notebook = json.loads(executed_notebook(app, docname).read_text(encoding="utf-8"))
    lines = notebook["metadata"].get("source_map", [])
    code = 0
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] != "code":
            continue
        code += 1
        raised = any(out["output_type"] == "error" for out in cell.get("outputs", []))
        if "raises-exception" in cell["metadata"].get("tags", []) and not raised:
            logger.warning(
                "code cell %d is tagged raises-exception but raised nothing",
                code,
                location=(docname, lines[index] if index < len(lines) else None),
            )


def setup(app: Sphinx) -> None:
    app.connect("doctree-read", check_raising_cells)
