"""JAX across releases: the same workloads, timed the same way, under each JAX release.

``nox -s releases`` makes one environment per release in :data:`RELEASES` holding only that
``jax`` and ``jaxlib``, and runs :data:`WORKLOADS_SCRIPT` there (a script that imports only
the standard library, ``jax`` and ``numpy``: its docstring, in ``_workloads.py``, says
why), in each CPU dispatch mode and in several processes; it writes one results file per
release and mode, named by :func:`release_file`, in the one schema, whose environment names
the release: suite :data:`SUITE` as the release dispatches by default, :data:`SYNC_SUITE`
with asynchronous CPU dispatch off. :func:`measure` runs the same workloads in this
process, under the JAX pinned here.

>>> import jax
>>> results = measure("tiny", only=("jit-dispatch",))
>>> results.suite, results.environment.jax_version == jax.__version__
('releases', True)
>>> release_file(Path("data"), "0.4.30").name, release_file(Path("data"), "0.4.30", "sync").name
('releases-jax-0.4.30.json', 'releases-sync-jax-0.4.30.json')
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
    "SYNC_SUITE",
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

SUITE = _sweep.MODES["default"]
"""The suite of the sweep's files measured as each release dispatches by default."""

SYNC_SUITE = _sweep.MODES["sync"]
"""The suite of the sweep's files measured with ``jax_cpu_enable_async_dispatch`` off."""

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


def release_file(folder: Path, version: str, mode: str = "default") -> Path:
    """Where the sweep stores ``version``'s results in ``mode`` (``"default"`` or ``"sync"``)
    in ``folder``."""
    return folder / _sweep.results_name(version, mode)


def load_releases(folder: Path, suite: str = SUITE) -> list[Results]:
    """Every release's results file of ``suite`` in ``folder``, oldest release first.

    >>> import tempfile
    >>> load_releases(Path(tempfile.mkdtemp()))
    []
    """
    found = [load_results(path) for path in sorted(folder.glob(f"{suite}-jax-*.json"))]
    return sorted(found, key=lambda r: release_key(r.environment.jax_version))
