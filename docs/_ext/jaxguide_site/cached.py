"""A page's executed notebook holds its outputs, also when they came from the cache.

On a cache hit MyST-NB merges the cached outputs into a copy of the notebook and writes the
original, without them, to its output folder (myst-nb 1.4). Whatever reads that file later
(the check that tagged cells raised, the notebook offered for download) would see a page that
never ran, so :func:`restore_outputs` writes the merged notebook there when the page is read.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from docutils import nodes
from jupyter_cache import get_cache
from myst_nb.core.config import NbParserConfig
from myst_nb.sphinx_ import NbMetadataCollector
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment


def nb_config(env: BuildEnvironment) -> NbParserConfig:
    """MyST-NB's configuration of this build, which MyST-NB keeps on the environment."""
    config: NbParserConfig = env.mystnb_config  # type: ignore[attr-defined]  # set by MyST-NB
    return config


def executed_notebook(app: Sphinx, docname: str) -> Path:
    """Where MyST-NB writes the executed notebook of ``docname``."""
    return Path(nb_config(app.env).output_folder) / f"{docname}.ipynb"


def restore_outputs(app: Sphinx, doctree: nodes.document) -> None:
    """Put the cached outputs back into the page's executed notebook (cache mode only)."""
    del doctree
    docname = app.env.docname
    exec_data = NbMetadataCollector.get_doc_data(app.env).get(docname, {}).get("exec_data")
    if not exec_data or exec_data["method"] != "cache":
        return
    path = executed_notebook(app, docname)
    notebook = nbformat.read(path, as_version=nbformat.NO_CONVERT)
    cache = get_cache(nb_config(app.env).execution_cache_path)
    try:
        _, merged = cache.merge_match_into_notebook(notebook)
    except KeyError:  # not in the cache: it failed, and the build says so already
        return
    nbformat.write(merged, path)


def setup(app: Sphinx) -> None:
    app.connect("doctree-read", restore_outputs, priority=400)  # before the readers
