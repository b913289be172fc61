"""The notebooks the site offers for download, and the check that runs them as a reader would.

``tests/run_notebooks.py`` is what ``nox -s notebooks`` runs over the built site; here it runs
small crafted notebooks, so that what it reports (and what it lets pass) is pinned down.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from run_notebooks import main, usable_cores

sys.path.insert(0, str(Path(__file__).parents[1] / "docs" / "_ext"))
from jaxguide_site import SETUP_TAG, downloadable, pinned_requirement, setup_cell

REQUIREMENT = "jaxguide @ git+https://github.com/jaxguide/jaxguide@0123456789abcdef"


def write(path: Path, *cells: nbformat.NotebookNode, **metadata: object) -> Path:
    nb = new_notebook(cells=list(cells), metadata=metadata)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def as_download(path: Path, cpu_devices: int | None = None) -> None:
    """Rewrite the notebook at ``path`` as the site offers it (its setup cell first)."""
    nb = json.loads(path.read_text())
    if cpu_devices is not None:
        nb["metadata"]["jaxguide"] = {"cpu_devices": cpu_devices}
    path.write_text(json.dumps(downloadable(nb, REQUIREMENT, "pinned to a test commit")))


# --- the download ------------------------------------------------------------------------
def test_the_download_starts_with_a_setup_cell_then_the_page_unchanged() -> None:
    page = json.loads(
        nbformat.writes(new_notebook(cells=[new_markdown_cell("# A"), new_code_cell("x = 1")]))
    )
    nb = downloadable(page, REQUIREMENT, "pinned to a test commit")
    first, *rest = nb["cells"]
    assert rest == page["cells"]
    assert first["metadata"]["tags"] == [SETUP_TAG]
    assert f'%pip install "{REQUIREMENT}"' in first["source"]
    assert "pinned to a test commit" in first["source"]
    assert "JAX_NUM_CPU_DEVICES" not in first["source"]  # the page asked for no devices
    nbformat.validate(nbformat.from_dict(nb))  # still a valid notebook (cell ids included)


def test_a_practicals_solutions_are_left_out_of_its_download() -> None:
    starter = new_code_cell("def f(x):\n    raise NotImplementedError")
    solution = new_code_cell("def f(x):\n    return 2 * x", metadata={"tags": ["solution"]})
    page = json.loads(nbformat.writes(new_notebook(cells=[starter, solution])))
    _, *cells = downloadable(page, REQUIREMENT, "pinned")["cells"]
    assert ["".join(c["source"]) for c in cells] == [starter.source]


def test_a_multi_device_page_sets_its_devices_up_before_jax_starts() -> None:
    source = setup_cell(REQUIREMENT, "pinned", cpu_devices=8)
    setdefault = source.index('os.environ.setdefault("JAX_NUM_CPU_DEVICES", "8")')
    assert "import jax" not in source
    comment = source[:setdefault].rsplit("\n\n", 1)[-1]
    assert "before it starts" in comment  # the reader is told why it comes first


def test_a_multi_device_setup_says_how_a_one_gpu_machine_simulates_them() -> None:
    """On a GPU machine, JAX_NUM_CPU_DEVICES alone leaves the one GPU as the only device."""
    source = setup_cell(REQUIREMENT, "pinned", cpu_devices=8)
    line = '# os.environ.setdefault("JAX_PLATFORMS", "cpu")'
    assert line in source.splitlines()  # offered, not imposed: a machine of several GPUs keeps them
    comment = source[: source.index(line)].rsplit("\n", 3)[-3:]
    assert "one GPU" in " ".join(comment), comment
    assert "JAX_PLATFORMS" not in setup_cell(REQUIREMENT, "pinned", None)


@pytest.mark.parametrize("devices", [None, 8])
def test_the_setup_cell_is_valid_ipython(devices: int | None) -> None:
    python = TransformerManager().transform_cell(setup_cell(REQUIREMENT, "pinned", devices))
    compile(python, "<setup cell>", "exec")
    assert "run_line_magic('pip'" in python


def test_the_install_is_pinned_to_the_commit_that_built_the_page() -> None:
    repo = "https://github.com/jaxguide/jaxguide"
    assert pinned_requirement(repo, "ab12" * 10, "main") == (
        f"jaxguide @ git+{repo}@{'ab12' * 10}",
        "pinned to the commit that built this page (ab12ab12ab12)",
    )
    # Without a known commit, the branch, and the reader is told it is not the page's commit.
    requirement, pin = pinned_requirement(repo, "", "main")
    assert requirement == f"jaxguide @ git+{repo}@main"
    assert "unknown" in pin


# --- the runner --------------------------------------------------------------------------
def test_a_failure_names_the_notebook_the_cell_and_the_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        tmp_path / "pages" / "broken.ipynb",
        new_markdown_cell("# Broken"),
        new_code_cell("total = 1 + 1"),
        new_code_cell("# why it fails\nassert total == 3, 'the example\\nis wrong'"),
        new_code_cell("print('never reached')"),
    )
    status = main([str(tmp_path), "--timeout", "120"])
    out = capsys.readouterr().out
    assert status == 1
    assert "FAIL pages/broken.ipynb" in out
    assert "pages/broken.ipynb: cell 2 (`assert total == 3, 'the example\\nis wrong'`)" in out
    assert "AssertionError: is wrong" in out
    assert "0 of 1 notebooks ran" in out


def test_a_download_runs_alone_in_an_empty_folder_on_the_devices_asked_for(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JAXGUIDE_SHARED_RESULTS", str(tmp_path / "shared"))
    path = write(
        tmp_path / "ok.ipynb",
        new_code_cell(
            "import os\n"
            "assert os.listdir('.') == ['ok.ipynb'], os.listdir('.')\n"
            "assert 'JAXGUIDE_SHARED_RESULTS' not in os.environ  # not a page being built\n"
            "import jax\n"
            "assert jax.device_count() == 3, jax.device_count()"
        ),
        new_code_cell("1 / 0", metadata={"tags": ["raises-exception"]}),
    )
    # The page asks for 8 devices; the runner's 3 win, as a reader's own setting would.
    as_download(path, cpu_devices=8)
    status = main([str(tmp_path), "--devices", "3", "--timeout", "120"])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "ok   ok.ipynb" in out
    assert "1 of 1 notebooks ran" in out


def test_a_notebook_that_outlasts_its_time_out_fails_naming_the_cell(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path / "slow.ipynb", new_code_cell("import time"), new_code_cell("time.sleep(60)"))
    status = main([str(tmp_path), "--timeout", "8"])
    out = capsys.readouterr().out
    assert status == 1
    assert "slow.ipynb: cell 1 (`time.sleep(60)`): timed out" in out


def test_a_kernel_that_dies_is_reported_with_its_cell(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path / "dies.ipynb", new_code_cell("import os\nos._exit(3)"))
    assert main([str(tmp_path), "--timeout", "120"]) == 1
    assert "dies.ipynb: cell 0 (`import os`): the kernel died" in capsys.readouterr().out


def test_no_notebooks_is_an_error(tmp_path: Path) -> None:
    assert main([str(tmp_path)]) == 1


def test_jobs_run_notebooks_at_once_and_each_outcome_is_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each of two notebooks waits for the other to start: they pass only if run together."""
    meet = tmp_path / "meet"
    meet.mkdir()
    for name, other in (("a", "b"), ("b", "a")):
        write(
            tmp_path / "pages" / f"{name}.ipynb",
            new_code_cell(
                f"import pathlib, time\n"
                f"pathlib.Path({str(meet / name)!r}).touch()\n"
                f"while not pathlib.Path({str(meet / other)!r}).exists():\n"
                f"    time.sleep(0.1)"
            ),
        )
    write(tmp_path / "pages" / "c.ipynb", new_code_cell("1 / 0"))
    status = main([str(tmp_path), "--timeout", "60", "--jobs", "2"])
    out = capsys.readouterr().out
    assert status == 1, out
    assert "ok   pages/a.ipynb" in out
    assert "ok   pages/b.ipynb" in out
    assert "pages/c.ipynb: cell 0 (`1 / 0`): ZeroDivisionError: division by zero" in out
    assert "2 of 3 notebooks ran in" in out
    assert "2 at a time" in out


def test_without_affinity_the_jobs_are_the_machines_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    """macOS and Windows have no ``os.sched_getaffinity``: the default still runs."""
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    assert usable_cores() == (os.cpu_count() or 1)


def test_jobs_below_one_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([str(tmp_path), "--jobs", "0"])
    assert exit_.value.code == 2
    assert "--jobs must be at least 1" in capsys.readouterr().err


@pytest.mark.parametrize("tag", ["remove-cell", "remove-input"])
def test_visible_runs_only_the_code_a_reader_sees(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], tag: str
) -> None:
    """With ``--visible``, a name only a removed cell defines is the reader's NameError; a
    collapsed cell (``hide-input``) still runs."""
    write(
        tmp_path / "page.ipynb",
        new_code_cell("import math", metadata={"tags": ["hide-input"]}),
        new_code_cell("hidden = math.pi", metadata={"tags": [tag]}),
        new_code_cell("print(hidden)"),
    )
    assert main([str(tmp_path), "--timeout", "120"]) == 0
    assert main([str(tmp_path), "--timeout", "120", "--visible"]) == 1
    out = capsys.readouterr().out
    assert "the cells each page shows" in out
    assert "page.ipynb: cell 1 (`print(hidden)`)" in out
    assert "NameError: name 'hidden' is not defined" in out
