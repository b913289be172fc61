"""The package's arrows run one way.

results ← claims ← render; results ← bench → examples, mitigations; bench's CLI → render;
pages → bench, claims (a page measures its own callables with the harness), never render.
The harness measures and writes results: apart from its CLI, no module of it imports the
rendering package, matplotlib, IPython or MyST, or writes HTML.
"""

from __future__ import annotations

import ast
import functools
import subprocess
import sys
from pathlib import Path

import pytest

import jaxguide.bench

BENCH = Path(jaxguide.bench.__file__).parent
# What showing results needs; the harness (but its CLI) needs none of it.
RENDERING = ("jaxguide.render", "matplotlib", "IPython", "myst_nb", "myst_parser", "html")


@functools.cache  # a module loads the same modules each time: one fresh interpreter each
def _loaded_after(module: str) -> frozenset[str]:
    code = (
        f"import sys, {module}; print(' '.join(m for m in sys.modules if m.startswith('jaxguide')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return frozenset(out.stdout.split())


@pytest.mark.parametrize(
    ("module", "must_not_load"),
    [
        ("jaxguide", "jaxguide.bench"),  # importing the package imports no suite
        ("jaxguide.results", "jaxguide.bench"),
        ("jaxguide.results", "jaxguide.claims"),
        ("jaxguide.results", "jaxguide.render"),
        ("jaxguide.claims", "jaxguide.bench"),
        ("jaxguide.claims", "jaxguide.render"),
        ("jaxguide.render", "jaxguide.bench"),
        ("jaxguide.bench", "jaxguide.render"),
        ("jaxguide.bench", "jaxguide.pages"),
        ("jaxguide.pages", "jaxguide.render"),
        ("jaxguide.mitigations", "jaxguide.bench"),
        ("jaxguide.examples", "jaxguide.bench"),
        # A lesson module loads only what it imports, so that a page re-executes only when a
        # module it used changes (jaxguide.examples imports its lessons on first use).
        ("jaxguide.examples.random", "jaxguide.examples.jit"),
        ("jaxguide.examples.pytrees", "jaxguide.examples.vmap_speed"),
    ],
)
def test_a_layer_does_not_import_the_layers_above(module: str, must_not_load: str) -> None:
    loaded = _loaded_after(module)
    assert not {m for m in loaded if m == must_not_load or m.startswith(must_not_load + ".")}


def test_the_suites_load_only_with_the_harness() -> None:
    assert "jaxguide.bench.suites.vmap_speed" in _loaded_after("jaxguide.bench")


def test_the_cli_shows_results_through_render() -> None:
    assert "jaxguide.render" in _loaded_after("jaxguide.bench._cli")


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at its top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


@pytest.mark.parametrize(
    "path",
    [p for p in sorted(BENCH.rglob("*.py")) if p.name != "_cli.py"],
    ids=lambda p: p.relative_to(BENCH).as_posix(),
)
def test_the_harness_knows_nothing_of_rendering(path: Path) -> None:
    shown = {m for m in _imports(path) if m.split(".")[0] in RENDERING or m in RENDERING}
    shown |= {m for m in _imports(path) if m.startswith("jaxguide.render")}
    assert not shown, f"{path.name} imports {sorted(shown)}: rendering is jaxguide.render's"


def test_the_check_sees_an_import_inside_a_function(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "def f():\n    import matplotlib.style\n    from jaxguide.render import caption\n"
    )
    assert _imports(module) == {"matplotlib.style", "jaxguide.render"}


def test_judging_claims_needs_no_jax() -> None:
    """The docs build judges every claim in the Sphinx process: importing jax there (about a
    second) would slow every rebuild, the edit loop's included."""
    code = "import sys, jaxguide.claims; print('jax' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
