"""The execution cache's fingerprint changes with each thing page outputs depend on.

MyST-NB's cache keys on the cells' source only; ``jaxguide_site.fingerprint_parts`` lists the
rest. Each test changes one input and nothing else; tests/test_site_build.py shows, on a real
build, that a changed fingerprint re-executes the pages.
"""

from __future__ import annotations

import doctest
import importlib.metadata
import platform
import shutil
import types
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import jax
import pytest

import jaxguide
import jaxguide_site
from jaxguide_site import execution_fingerprint, fingerprint_parts


@pytest.fixture
def inputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """A copy of the jaxguide source and a stored results folder, and no variables set."""
    package = tmp_path / "pkg"
    shutil.copytree(
        Path(jaxguide.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__")
    )
    results = tmp_path / "results"
    results.mkdir()
    (results / "cpu.json").write_text('{"suite": "a"}\n')
    for name in jaxguide_site.FINGERPRINT_ENV:
        monkeypatch.delenv(name, raising=False)
    return package, results


def _other_version(monkeypatch: pytest.MonkeyPatch, dist: str) -> None:
    real = importlib.metadata.version
    monkeypatch.setattr(
        jaxguide_site.fingerprint, "version", lambda d: "0.0.0" if d == dist else real(d)
    )


Change = Callable[[pytest.MonkeyPatch, Path, Path], None]
CHANGES: dict[str, Change] = {
    "a jaxguide data file": lambda mp, pkg, res: (pkg / "render" / "jaxguide.mplstyle").write_text(
        "# edited\n"
    ),
    "a new jaxguide data file": lambda mp, pkg, res: (pkg / "extra.json").write_text(""),
    "stored results' contents": lambda mp, pkg, res: (res / "cpu.json").write_text(
        '{"suite": "b"}'
    ),
    "a new stored results file": lambda mp, pkg, res: (res / "gpu.json").write_text("{}"),
    "no stored results": lambda mp, pkg, res: shutil.rmtree(res),
    "JAXGUIDE_PROFILE": lambda mp, pkg, res: mp.setenv("JAXGUIDE_PROFILE", "full"),
    "JAX_ENABLE_X64": lambda mp, pkg, res: mp.setenv("JAX_ENABLE_X64", "1"),
    "XLA_FLAGS": lambda mp, pkg, res: mp.setenv("XLA_FLAGS", "--xla_cpu_use_thunk_runtime=false"),
    "an empty XLA_FLAGS": lambda mp, pkg, res: mp.setenv("XLA_FLAGS", ""),
    **{
        f"{dist} version": lambda mp, pkg, res, dist=dist: _other_version(mp, dist)
        for dist in ("jax", "jaxlib", "numpy", "matplotlib", "myst-nb")
    },
    "Python version": lambda mp, pkg, res: mp.setattr(platform, "python_version", lambda: "3.99.0"),
    "backend": lambda mp, pkg, res: mp.setattr(jax, "default_backend", lambda: "gpu"),
    "device kind": lambda mp, pkg, res: mp.setattr(
        jax, "devices", lambda: [SimpleNamespace(device_kind="NVIDIA H100")]
    ),
    "device count": lambda mp, pkg, res: mp.setattr(jax, "device_count", lambda: 99),
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_each_input_changes_the_fingerprint(
    change: Change, inputs: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    package, results = inputs
    before = execution_fingerprint(package, results)
    assert execution_fingerprint(package, results) == before  # nothing changed: same
    change(monkeypatch, package, results)
    assert execution_fingerprint(package, results) != before


def test_claims_are_not_part_of_it(inputs: tuple[Path, Path]) -> None:
    """The build judges claims itself (jaxguide_site.verdicts): editing one re-executes nothing."""
    package, results = inputs
    before = execution_fingerprint(package, results)
    site = package / "claims" / "_site.py"
    site.write_text(site.read_text().replace("at_least=1.1", "at_least=5.0"))
    (package / "claims" / "_new_topic.py").write_text("CLAIMS = ()\n")
    assert execution_fingerprint(package, results) == before
    (package / "claims.json").write_text("")  # a file named so elsewhere still counts
    assert execution_fingerprint(package, results) != before


def test_modules_are_not_part_of_it(inputs: tuple[Path, Path]) -> None:
    """Each page depends on the modules it imported (jaxguide_site.dependencies), not on all."""
    package, results = inputs
    before = execution_fingerprint(package, results)
    (package / "__init__.py").write_text("# edited\n")
    (package / "examples" / "new_topic.py").write_text("X = 1\n")
    assert execution_fingerprint(package, results) == before


def test_the_parts_name_what_they_read(inputs: tuple[Path, Path]) -> None:
    names = [name for name, _ in fingerprint_parts(*inputs)]
    assert names == [
        "jaxguide data files",
        "stored results",
        "python",
        "jax",
        "jaxlib",
        "numpy",
        "matplotlib",
        "myst-nb",
        "$JAXGUIDE_PROFILE",
        "$JAX_ENABLE_X64",
        "$XLA_FLAGS",
        "backend",
        "device kind",
        "device count",
    ]
    values = dict(fingerprint_parts(*inputs))
    assert values["jax"] == jax.__version__
    assert values["python"] == platform.python_version()
    assert values["$XLA_FLAGS"] is None


def test_the_default_results_folder_is_the_sites() -> None:
    site_results = Path(__file__).parents[1] / "docs" / "results" / "data"
    assert site_results == jaxguide_site.STORED_RESULTS


@pytest.mark.parametrize(
    "module",
    [jaxguide_site.fingerprint, jaxguide_site.dependencies, jaxguide_site.execution],
    ids=lambda module: module.__name__,
)
def test_the_cache_modules_doctests_pass(module: types.ModuleType) -> None:
    """pytest does not collect docs/_ext (its doctests would import it twice): run them here."""
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted
    assert result.failed == 0
