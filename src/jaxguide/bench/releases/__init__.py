"""JAX across releases: the same workloads, timed the same way, under each JAX release.

``nox -s releases`` makes one environment per release in :data:`RELEASES` holding only that
``jax`` and ``jaxlib``, and runs :data:`WORKLOADS_SCRIPT` there (a script that imports only
the standard library, ``jax`` and ``numpy``: its docstring, in ``_workloads.py``, says
why); it writes one results file per release, named by :func:`release_file`, in the one
schema, whose environment names the release. :func:`measure` runs the same workloads in this
process, under the JAX pinned here.

>>> import jax
>>> results = measure("tiny", only=("jit-dispatch",))
>>> results.suite, results.environment.jax_version == jax.__version__
('releases', True)
>>> release_file(Path("data"), "0.4.30").name
'releases-jax-0.4.30.json'
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from jaxguide.bench.releases import _sweep, _workloads
from jaxguide.bench.releases._sweep import release_key
from jaxguide.results import Results, load_results

__all__ = [
    "RELEASES",
    "SUITE",
    "WORKLOADS",
    "WORKLOADS_SCRIPT",
    "load_releases",
    "measure",
    "release_file",
    "release_key",
]

RELEASES = _sweep.RELEASES
"""The releases ``nox -s releases`` sweeps by default: the last patch release of each minor
series from 0.4.30 to 0.10.2, the release the site is pinned to. The registry serves ``jax``
and ``jaxlib`` wheels of each for Python 3.11."""

SUITE = _workloads.SUITE
"""The suite name of the sweep's results files (``"releases"``)."""

WORKLOADS = tuple(_workloads.WORKLOADS)
"""The workloads' names, in the order they run (``--only`` takes them)."""

WORKLOADS_SCRIPT = Path(_workloads.__file__)
"""The path of the standalone script each release's environment runs, as ``python
WORKLOADS_SCRIPT --out FILE [--profile quick] [--only WORKLOAD ...]``."""


def measure(profile: str = "quick", only: Sequence[str] | None = None) -> Results:
    """The workloads (or those in ``only``) run in this process, as schema-checked results.

    ``profile`` is ``"tiny"`` (for tests), ``"quick"`` or ``"full"``.
    """
    return Results.model_validate(_workloads.run(profile, only))


def release_file(folder: Path, version: str) -> Path:
    """Where the sweep stores ``version``'s results in ``folder``."""
    return folder / f"{_sweep.environment_name(version)}.json"


def load_releases(folder: Path) -> list[Results]:
    """Every release's results file in ``folder``, oldest release first.

    >>> import tempfile
    >>> load_releases(Path(tempfile.mkdtemp()))
    []
    """
    found = [load_results(path) for path in sorted(folder.glob(f"{SUITE}-jax-*.json"))]
    return sorted(found, key=lambda r: release_key(r.environment.jax_version))
