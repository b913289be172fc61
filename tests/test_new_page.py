"""`nox -s new-page`: the template lands in its section and toctree, or one line says why not."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from myst_nb.core.read import read_myst_markdown_notebook

from jaxguide.pages._new_page import TEMPLATE, PageRefused, main, new_page, sections

ROOT = Path(__file__).parent.parent


REGISTRIES = (
    "docs/index.md",
    "docs/reference/api/examples.md",
    "tests/test_claims.py",
)
"""What new-page edits outside the package, copied into each test's project."""


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    """A copy of the project's registries and package, with one existing page: its docs folder."""
    for relative in REGISTRIES:
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / relative, tmp_path / relative)
    shutil.copytree(
        ROOT / "src" / "jaxguide",
        tmp_path / "src" / "jaxguide",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    folder = tmp_path / "docs"
    (folder / "transforms").mkdir()
    (folder / "performance").mkdir()
    (folder / "transforms" / "vmap.md").write_text("# vmap\n")
    return folder


def test_the_site_has_the_sections_a_page_can_go_in() -> None:
    found = sections((ROOT / "docs" / "index.md").read_text())
    assert found["transforms"] == "Going further"  # the path's toctree mixes folders
    assert found["performance"] == "What it costs"


def test_new_page_copies_the_template_and_lists_it_in_its_toctree(docs: Path) -> None:
    steps = new_page(docs, "jvp-basics", "performance")
    page = (docs / "performance" / "jvp-basics.md").read_text()
    assert "__" not in page, "a placeholder was left in the page"
    assert 'results = measure("jvp-basics", calls, benchmark="jvp",' in page
    assert "from jaxguide.examples.jvp_basics import fast, slow" in page
    assert "{claim}`jvp-basics-same-values`" in page
    front = yaml.safe_load(page.split("---")[1])
    assert front["kernelspec"]["name"] == "python3"
    index = (docs / "index.md").read_text()
    assert "performance/profiling\nperformance/jvp-basics\n```" in index
    assert "[jvp basics](performance/jvp-basics.md)\n:::" in index  # its section's card
    assert index.count("jvp-basics") == 2
    assert "nox -s page -- performance/jvp-basics" in steps[-1]


def test_new_page_lists_its_modules_claims_and_measurement_where_the_package_finds_them(
    docs: Path,
) -> None:
    """The package, as the tool left it, imports with the new page's parts in its registries."""
    new_page(docs, "jvp-basics", "performance")
    root = docs.parent
    for written in ("examples/jvp_basics.py", "claims/_jvp_basics.py"):
        text = (root / "src" / "jaxguide" / written).read_text()
        assert not re.search(r"__[A-Z]+__", text), f"a placeholder was left in {written}"
    probe = """
import json
from jaxguide import examples
from jaxguide.claims import CLAIMS
from jaxguide.pages import MEASUREMENTS
m = MEASUREMENTS["jvp-basics"]
print(json.dumps({
    "lesson": "jvp_basics" in examples.__all__ and examples.jvp_basics.fast.__name__,
    "claims": sorted(c.id for c in CLAIMS.values() if c.suite == "jvp-basics"),
    "page": m.page, "produces": sorted("/".join(p) for p in m.produces),
}))
"""
    done = subprocess.run(
        [sys.executable, "-c", probe],
        env={**os.environ, "PYTHONPATH": str(root / "src")},
        capture_output=True,
        text=True,
        check=False,
        cwd=root,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "lesson": "fast",
        "claims": ["jvp-basics-faster", "jvp-basics-same-values"],
        "page": "performance/jvp-basics",
        "produces": ["jvp/fast", "jvp/slow"],
    }
    api = (docs / "reference" / "api" / "examples.md").read_text()
    assert ".. automodule:: jaxguide.examples.jvp_basics\n   :members:" in api
    perturbations = (root / "tests" / "test_claims.py").read_text()
    table = perturbations[perturbations.index("PERTURBATIONS: dict[") :]
    table = table[: table.index("\n}\n")]
    assert '"jvp-basics-same-values": (' in table
    assert '"jvp-basics-faster": (' in table
    compile(perturbations, "test_claims.py", "exec")


def test_a_registry_without_its_place_refuses_and_writes_nothing(docs: Path) -> None:
    catalog = docs.parent / "src" / "jaxguide" / "claims" / "_catalog.py"
    catalog.write_text("CLAIMS = {}\n")
    with pytest.raises(PageRefused, match=r"_catalog\.py: cannot find where to list"):
        new_page(docs, "jvp-basics")
    assert not (docs / "transforms" / "jvp-basics.md").exists()
    assert not (docs.parent / "src" / "jaxguide" / "examples" / "jvp_basics.py").exists()
    assert "jvp" not in (docs / "index.md").read_text()


def test_the_template_has_a_setup_cell_a_hidden_measuring_cell_and_a_table() -> None:
    notebook = read_myst_markdown_notebook(TEMPLATE.read_text())
    cells = [c for c in notebook.cells if c.cell_type == "code"]
    tags = [tuple(c.metadata.get("tags", ())) for c in cells]
    assert tags[0] == ("remove-cell",), "the first cell is the setup cell"
    assert "from jaxguide.render import" in cells[0].source
    measuring = [t for c, t in zip(cells, tags, strict=True) if "measure(" in c.source]
    assert measuring == [("remove-cell",)]
    assert sum(t == ("remove-input",) for t in tags) == 2, "a table cell and a caption cell"


@pytest.mark.parametrize("name", ["Jvp", "jvp_basics", "-jvp", "jvp-", "jvp--x", "", "a/b", "9x"])
def test_a_bad_name_is_refused_and_nothing_written(docs: Path, name: str) -> None:
    before = (docs / "index.md").read_text()
    with pytest.raises(PageRefused, match="bad page name"):
        new_page(docs, name)
    assert (docs / "index.md").read_text() == before
    assert sorted(p.name for p in (docs / "transforms").iterdir()) == ["vmap.md"]


def test_an_existing_page_is_refused_with_one_line_and_status_2(
    docs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["vmap"], docs=docs) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("new-page: ")
    assert "vmap.md exists" in err
    assert (docs / "transforms" / "vmap.md").read_text() == "# vmap\n"


def test_an_unknown_section_is_refused(docs: Path) -> None:
    with pytest.raises(PageRefused, match="unknown section 'nowhere': one of about, performance"):
        new_page(docs, "jvp", "nowhere")


def test_the_nox_session_exits_2_on_a_refusal(docs: Path) -> None:
    """The noxfile loads the tool by its path: run it the same way, as a script."""
    tool = ROOT / "src" / "jaxguide" / "pages" / "_new_page.py"
    done = subprocess.run(
        [sys.executable, str(tool), "vmap"],
        cwd=docs.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip().endswith("vmap.md exists: choose another name, or edit that page")
