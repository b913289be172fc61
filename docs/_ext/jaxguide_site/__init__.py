"""The site's own Sphinx extension, one module per job; :func:`setup` wires them.

- :mod:`~jaxguide_site.fingerprint`: the execution cache's key (what every page's outputs
  depend on besides their cells; the claims are not part of it).
- :mod:`~jaxguide_site.dependencies`: the package modules each page used, recorded when it
  executes; a change to one re-executes the pages that used it.
- :mod:`~jaxguide_site.verified` and :mod:`~jaxguide_site.verdicts`: what each page verified,
  judged again at every build with the current claims code; a failing strict claim is one
  error naming page, line, claim, figure, sentence and values.
- :mod:`~jaxguide_site.claims` (``{claim}`` role), :mod:`~jaxguide_site.report`
  (``claims-report``, ``claims.json``), :mod:`~jaxguide_site.render` (badges and tables).
- :mod:`~jaxguide_site.execution`: the ``execution-summary`` and ``execution-breakdown``
  directives, and ``execution.json`` (each page's seconds against its budget).
- :mod:`~jaxguide_site.blocks`: ``{given}``, ``snippet``, ``not-run``.
- :mod:`~jaxguide_site.cached`: a page's executed notebook keeps its cached outputs.
- :mod:`~jaxguide_site.raising`: a cell tagged ``raises-exception`` must raise.
- :mod:`~jaxguide_site.mathjax`: MathJax served with the site.
- :mod:`~jaxguide_site.download`: each page offered as a notebook.
- :mod:`~jaxguide_site.kernels`: the page kernels' channels encrypted.
- :mod:`~jaxguide_site.jaxlinks`: inline code naming a JAX API links to JAX's documentation.
- :mod:`~jaxguide_site.listings`: a listing of the package's source is captioned with its module.

Build state lives on the Sphinx environment (:mod:`~jaxguide_site.state`) or application.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx

from jaxguide_site import (
    blocks,
    cached,
    claims,
    dependencies,
    download,
    execution,
    jaxlinks,
    kernels,
    listings,
    mathjax,
    raising,
    report,
    state,
    verdicts,
    verified,
)
from jaxguide_site.blocks import GivenRole, NotRunDirective, SnippetDirective
from jaxguide_site.download import SETUP_TAG, downloadable, pinned_requirement, setup_cell
from jaxguide_site.execution import OVER_BUDGET, over_budget
from jaxguide_site.fingerprint import (
    FINGERPRINT_ENV,
    STORED_RESULTS,
    execution_cache_path,
    execution_fingerprint,
    fingerprint_parts,
)
from jaxguide_site.kernels import encrypt_kernel_channels
from jaxguide_site.mathjax import mathjax_bundle
from jaxguide_site.report import claim_rows

__all__ = [
    "FINGERPRINT_ENV",
    "OVER_BUDGET",
    "SETUP_TAG",
    "STORED_RESULTS",
    "GivenRole",
    "NotRunDirective",
    "SnippetDirective",
    "claim_rows",
    "downloadable",
    "encrypt_kernel_channels",
    "execution_cache_path",
    "execution_fingerprint",
    "fingerprint_parts",
    "mathjax_bundle",
    "over_budget",
    "pinned_requirement",
    "setup",
    "setup_cell",
]

JOBS = (
    kernels,
    state,
    verified,
    verdicts,
    claims,
    report,
    execution,
    blocks,
    cached,
    dependencies,
    raising,
    mathjax,
    download,
    jaxlinks,
    listings,
)
"""Every job's module, each with a ``setup(app)`` connecting its own events."""


ENV_VERSION = 1
"""The version of what the extension keeps on the Sphinx environment
(:data:`jaxguide_site.state.PER_PAGE`): raise it when that changes shape, and Sphinx reads
every page afresh rather than an environment pickled by an older extension."""


def setup(app: Sphinx) -> dict[str, Any]:
    for job in JOBS:
        job.setup(app)
    return {
        "version": "2",
        "env_version": ENV_VERSION,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
