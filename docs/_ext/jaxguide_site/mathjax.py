"""Math without a network: the MathJax bundle that ``mathjax_path`` names is served with the
site (copied from the django-static-mathjax package), not loaded from a CDN."""

from __future__ import annotations

import shutil
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)


def mathjax_bundle(name: str) -> Path:
    """MathJax's ``es5/<name>`` bundle as installed by the docs' dependencies."""
    import mathjax  # noqa: PLC0415 - django-static-mathjax: MathJax's files, nothing else

    return Path(mathjax.__file__).parent / "static" / "mathjax" / "es5" / name


def _serve_mathjax(app: Sphinx, exception: Exception | None) -> None:
    """Copy the MathJax bundle that ``mathjax_path`` names (relative to ``_static``) into
    the built site, so that pages with math load it from the site rather than a CDN."""
    path = app.config.mathjax_path
    if exception is not None or app.builder.format != "html" or "://" in path:
        return
    source = mathjax_bundle(Path(path).name)
    if not source.is_file():
        logger.error("mathjax_path %r: no such MathJax bundle at %s", path, source)
        return
    target = Path(app.outdir) / "_static" / path
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target)


def setup(app: Sphinx) -> None:
    app.connect("build-finished", _serve_mathjax)
