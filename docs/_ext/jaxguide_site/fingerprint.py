"""The execution cache's key: what every page's outputs depend on besides their cells' source.

MyST-NB's cache keys on cell source only; :func:`execution_cache_path` folds what all pages
depend on (:func:`fingerprint_parts`: library versions, the kernels' environment, the backend,
the stored results, the package's data files) into the cache's folder, so that a change to any
of it re-executes every page. The package's modules are not part of it: which of them a page
imported is recorded when it executes, and a change to one re-executes only the pages that
used it (:mod:`jaxguide_site.dependencies`). The claims (``jaxguide/claims/``) are left out
of both: the build judges them again on the pages' cached results at each build
(:mod:`jaxguide_site.verdicts`), so editing a claim re-executes nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
from importlib.metadata import version
from pathlib import Path

from jaxguide import results

STORED_RESULTS = Path(__file__).parents[3] / results.STORED_RESULTS
"""The stored results the pages read, by default (:data:`jaxguide.results.STORED_RESULTS`)."""
FINGERPRINT_ENV = ("JAXGUIDE_PROFILE", "JAX_ENABLE_X64", "XLA_FLAGS")  # read by the kernels
FINGERPRINT_DISTRIBUTIONS = ("jax", "jaxlib", "numpy", "matplotlib", "myst-nb")
JUDGED_AT_BUILD = ("claims",)
"""Folders of the jaxguide source the fingerprint leaves out: the build reads them itself."""
MODULES = (".py",)
"""The package's modules: each page depends on those it imported (jaxguide_site.dependencies)."""


def tree_digest(folder: Path, leave_out: tuple[str, ...] = (), skip: tuple[str, ...] = ()) -> str:
    """A digest of every file's relative path and bytes under ``folder`` ("absent" if none),
    less the top-level folders named in ``leave_out`` and files whose names end with ``skip``.

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> _ = (root / "claims").mkdir(), (root / "claims" / "a.py").write_text("x = 1")
    >>> tree_digest(root, leave_out=("claims",)) == tree_digest(Path(tempfile.mkdtemp()))
    True
    """
    if not folder.is_dir():
        return "absent"
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if not path.is_file() or "__pycache__" in relative.parts:
            continue
        if len(relative.parts) > 1 and relative.parts[0] in leave_out:
            continue
        if skip and path.name.endswith(skip):
            continue
        digest.update(str(relative).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def fingerprint_parts(
    package: Path | None = None, results: Path | None = None
) -> list[tuple[str, str | None]]:
    """What page outputs depend on besides their cells' source, as ``(name, value)`` pairs.

    ``package`` is the jaxguide source folder (by default, the one imported), of which its
    data files count (a chart style, say; not its modules, nor ``claims/``); ``results`` the stored results the pages read (by default,
    ``docs/results/data``).
    """
    import jax  # noqa: PLC0415 - imported only when the site is configured

    import jaxguide  # noqa: PLC0415

    source = package or Path(jaxguide.__file__).parent
    return [
        ("jaxguide data files", tree_digest(source, leave_out=JUDGED_AT_BUILD, skip=MODULES)),
        ("stored results", tree_digest(results or STORED_RESULTS)),
        ("python", platform.python_version()),
        *((dist, version(dist)) for dist in FINGERPRINT_DISTRIBUTIONS),
        *((f"${name}", os.environ.get(name)) for name in FINGERPRINT_ENV),
        ("backend", jax.default_backend()),
        ("device kind", jax.devices()[0].device_kind),
        ("device count", str(jax.device_count())),
    ]


def execution_fingerprint(package: Path | None = None, results: Path | None = None) -> str:
    """A short digest of :func:`fingerprint_parts`, in order."""
    parts = json.dumps(fingerprint_parts(package, results)).encode()
    return hashlib.sha256(parts).hexdigest()[:16]


def execution_cache_path(
    root: Path, package: Path | None = None, results: Path | None = None
) -> Path:
    """The jupyter-cache folder for this fingerprint; caches of other fingerprints are removed."""
    path = root / execution_fingerprint(package, results)
    if root.is_dir():
        for stale in root.iterdir():
            if stale != path and stale.is_dir():
                shutil.rmtree(stale)
    return path
