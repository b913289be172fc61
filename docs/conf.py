"""Sphinx configuration for the jaxguide site."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path, PurePosixPath

DOCS = Path(__file__).parent
sys.path.insert(0, str(DOCS / "_ext"))

# Pages (and the kernels MyST-NB starts, which inherit this environment) see 8 simulated
# CPU devices unless the caller chose otherwise; this must happen before JAX initialises.
os.environ.setdefault("JAX_NUM_CPU_DEVICES", "8")

import jaxguide
from jaxguide.bench import SHARED_RESULTS_ENV
from jaxguide.results import STORED_RESULTS
from jaxguide_site import execution_cache_path

project = "jaxguide"
author = "jaxguide contributors"
copyright = "2026, jaxguide contributors"
release = version = jaxguide.__version__

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx_copybutton",
    "sphinx_design",
    "jaxguide_site",
]

exclude_patterns = ["_build", "jupyter_execute", "**.ipynb_checkpoints", "README.md"]
nitpicky = True
# Names the site's own docstrings use that no inventory can resolve offline.
nitpick_ignore_regex = [
    (r"py:.*", r"(jax|jaxlib|numpy|pydantic|matplotlib|collections|pathlib|typing|types)\..*"),
    # pydantic's Field(min_length=...) as autodoc renders the annotation it makes
    (r"py:class", r"annotated_types\..*|min_length=\d+"),
]
# Type aliases in signatures, which autodoc shows by name but does not document as objects.
nitpick_ignore = [
    ("py:class", alias)
    for alias in (
        "Scalar",
        "Params",
        "Status",
        "Kind",
        "VerdictStatus",
        "Outcome",
        "Quantifier",
        "Pair",
        "RatioOf",
        "Call",
        "Point",
        "Claim",
    )
]
suppress_warnings = ["mystnb.unknown_mime_type"]
# `nox -s docs -- --only PAGE ...` (the edit loop): just those pages and the front page. Links
# and references to the pages left out cannot resolve there; the full build checks them.
if only := os.environ.get("JAXGUIDE_ONLY"):
    include_patterns = ["index.md", *(f"{page}.md" for page in only.split(","))]
    suppress_warnings += ["toc.excluded", "toc.not_readable", "toc.not_included", "ref"]
    suppress_warnings += ["myst.xref_missing"]

# --- MyST and MyST-NB ------------------------------------------------------------------
# Math renders with MathJax served from the site itself, not a CDN: one self-contained bundle
# (TeX in, SVG out, every TeX extension built in; no font files), which jaxguide_site copies in
# from the django-static-mathjax package. Relative to _static.
mathjax_path = "mathjax/tex-svg-full.js"

myst_enable_extensions = ["colon_fence", "dollarmath", "deflist", "attrs_inline", "substitution"]
myst_heading_anchors = 3

# Execute every page; any cell error fails the build. Caching keys on the cell source, on what
# every page depends on (jaxguide_site.fingerprint_parts: the stored results, library versions,
# the kernels' environment, the backend, the package's data files) and, page by page, on the
# jaxguide modules the page imported when it executed (jaxguide_site.dependencies); CI runs
# and deploys execute everything afresh. Claims are judged again at every build on the
# results the pages verified (jaxguide_site.verdicts), so editing one re-executes no page.
nb_execution_mode = "force" if os.environ.get("CI") or os.environ.get("JAXGUIDE_FRESH") else "cache"
# stored results files (a GPU runner's, say), relative to this folder
jaxguide_results_dir = str(PurePosixPath(STORED_RESULTS).relative_to("docs"))
nb_execution_cache_path = str(
    execution_cache_path(
        Path(os.environ.get("JAXGUIDE_CACHE_DIR", DOCS / "_build" / ".jupyter_cache")),
        results=DOCS / jaxguide_results_dir,
    )
)
# Each suite runs once per build: every page showing it reads that run (bench.page_results).
# It lives in the cache folder, so whatever re-executes every page also re-measures; a change
# to a module a suite's run imported deletes its results, and re-executes every page that read
# them (jaxguide_site.dependencies).
os.environ[SHARED_RESULTS_ENV] = str(Path(nb_execution_cache_path) / "results")
if nb_execution_mode == "force":
    shutil.rmtree(os.environ[SHARED_RESULTS_ENV], ignore_errors=True)
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_execution_timeout = 300
nb_merge_streams = True
nb_render_markdown_format = "myst"

# --- HTML -------------------------------------------------------------------------------
html_theme = "sphinx_book_theme"
html_title = "jaxguide"
html_static_path = ["_static"]
html_css_files = ["jaxguide.css"]
html_favicon = "_static/favicon.svg"
html_search_scorer = str(DOCS / "_static" / "scorer.js")  # teaching pages above the API reference
html_context = {"default_mode": "auto"}  # light or dark as the reader's system prefers
html_theme_options = {
    "repository_url": "https://github.com/jaxguide/jaxguide",
    "repository_branch": "main",
    "path_to_docs": "docs",
    "use_repository_button": True,
    "use_download_button": True,
    "show_toc_level": 2,
    # The sidebar lists the sections' pages only; the API reference's parts are listed on its
    # own page. (A nested level draws the theme's expand toggle, a <summary> with an icon and
    # no text, which screen readers cannot name: axe's summary-name.)
    "max_navbar_depth": 1,
    "navbar_persistent": [],  # the sidebar has the search field already
}

# Copy code, not prompts or output: doctest blocks copy only their '>>> ' / '... ' lines.
copybutton_prompt_text = r">>> |\.\.\. "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = True
copybutton_exclude = ".linenos, .gp, .go"

autodoc_typehints = "description"
autodoc_member_order = "bysource"
# JAX's API documentation, read from an inventory committed with the site (the build is
# offline): docs/_ext/jax_inventory.py generated it from JAX's docs sources at the commit it
# names, keeping only names the pinned jax has. jaxguide_site.jaxlinks links inline code that
# names one of them (``jax.vmap``, ``lax.scan``, ``jnp.where``).
intersphinx_mapping: dict[str, tuple[str, str | None]] = {
    "jax": ("https://docs.jax.dev/en/latest/", str(DOCS / "_inventories" / "jax.inv")),
}
