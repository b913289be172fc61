"""`nox -s new-page`: the template lands in its section and toctree, or one line says why not."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from myst_nb.core.read import read_myst_markdown_notebook

from jaxguide.pages._new_page import TEMPLATE, PageRefused, main, new_page, sections

ROOT = Path(__file__).parent.parent


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    """A docs folder with the site's index.md and one existing page."""
    folder = tmp_path / "docs"
    (folder / "transforms").mkdir(parents=True)
    (folder / "performance").mkdir()
    shutil.copy(ROOT / "docs" / "index.md", folder / "index.md")
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
    assert "{claim}`jvp-basics-same-values`" in page
    front = yaml.safe_load(page.split("---")[1])
    assert front["kernelspec"]["name"] == "python3"
    index = (docs / "index.md").read_text()
    assert "performance/profiling\nperformance/jvp-basics\n```" in index
    assert index.count("jvp-basics") == 1
    assert any("_measurements.py" in s for s in steps)
    assert any("_catalog.py" in s for s in steps)


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
