"""What a page prints in place of MyST-NB's glue when it runs as a downloaded notebook."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from factories import fixture
from jaxguide.claims import verify
from jaxguide.pages import glue, glue_figures, stored_folder, stored_results
from jaxguide.results import STORED_RESULTS


@pytest.fixture
def without_myst_nb(monkeypatch: pytest.MonkeyPatch) -> None:
    """As in a reader's plain Jupyter: importing MyST-NB fails."""
    monkeypatch.setitem(sys.modules, "myst_nb", None)


@pytest.mark.usefixtures("without_myst_nb")
def test_glue_prints_the_figure_without_myst_nb(capsys: pytest.CaptureFixture[str]) -> None:
    glue("speedup", 12.3456789, display=False)
    glue("batch", "1,024")
    assert capsys.readouterr().out == "speedup = 12.35\nbatch = 1,024\n"


def test_glue_hands_the_value_to_myst_nb_when_there_is_one(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    glued: list[tuple[str, object, bool]] = []
    fake = types.ModuleType("myst_nb")
    fake.glue = lambda name, value, display=True: glued.append((name, value, display))  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "myst_nb", fake)
    glue("speedup", 12.5, display=False)
    assert glued == [("speedup", 12.5, False)]
    assert capsys.readouterr().out == ""


@pytest.mark.usefixtures("without_myst_nb")
def test_verify_prints_its_verdict_without_myst_nb(capsys: pytest.CaptureFixture[str]) -> None:
    verdict = verify("jit-one-compile-per-signature", fixture("transforms-jit"))
    assert capsys.readouterr().out == f"{verdict}\n"
    assert "jit-one-compile-per-signature" in str(verdict)


def test_stored_results_away_from_the_site_says_why_there_are_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert stored_results("vmap-speed", tmp_path / "data") == []
    out = capsys.readouterr().out
    assert "no stored vmap-speed results here" in out
    assert str(tmp_path / "data") in out


def test_stored_results_in_the_site_read_the_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fixture("vmap-speed").save(tmp_path / "gpu.json")
    fixture("vmap-memory").save(tmp_path / "other-suite.json")
    found = stored_results("vmap-speed", tmp_path)
    assert [r.suite for r in found] == ["vmap-speed"]
    assert capsys.readouterr().out == ""


@pytest.mark.usefixtures("without_myst_nb")
def test_glue_figures_glues_each_under_its_name(capsys: pytest.CaptureFixture[str]) -> None:
    glue_figures({"batch": "1,024", "loop": {"min": 2.5, "threshold": "≥ 2×"}})
    assert capsys.readouterr().out == "batch = 1,024\nloop_min = 2.5\nloop_threshold = ≥ 2×\n"


def test_a_page_finds_the_stored_folder_from_its_own(tmp_path: Path) -> None:
    site, elsewhere = tmp_path / "site", tmp_path / "elsewhere"
    (site / STORED_RESULTS).mkdir(parents=True)
    (site / "docs" / "performance").mkdir()
    elsewhere.mkdir()
    assert stored_folder(site / "docs" / "performance") == site / STORED_RESULTS
    assert stored_folder(elsewhere) == elsewhere / STORED_RESULTS


def test_the_site_keeps_its_stored_results_where_the_constant_says() -> None:
    root = Path(__file__).parents[1]
    assert (root / STORED_RESULTS).is_dir()
    assert stored_folder(root / "docs" / "results") == root / STORED_RESULTS
