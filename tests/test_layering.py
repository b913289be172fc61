"""The package's arrows run one way: results ← claims, results ← bench → examples, mitigations."""

from __future__ import annotations

import subprocess
import sys

import pytest


def _loaded_after(module: str) -> set[str]:
    code = (
        f"import sys, {module}; print(' '.join(m for m in sys.modules if m.startswith('jaxguide')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


@pytest.mark.parametrize(
    ("module", "must_not_load"),
    [
        ("jaxguide", "jaxguide.bench"),  # importing the package imports no suite
        ("jaxguide.results", "jaxguide.bench"),
        ("jaxguide.results", "jaxguide.claims"),
        ("jaxguide.claims", "jaxguide.bench"),
        ("jaxguide.mitigations", "jaxguide.bench"),
        ("jaxguide.examples", "jaxguide.bench"),
    ],
)
def test_a_layer_does_not_import_the_layers_above(module: str, must_not_load: str) -> None:
    loaded = _loaded_after(module)
    assert not {m for m in loaded if m == must_not_load or m.startswith(must_not_load + ".")}


def test_the_suites_load_only_with_the_harness() -> None:
    assert "jaxguide.bench.suites.vmap_speed" in _loaded_after("jaxguide.bench")
