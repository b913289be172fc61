"""This build's results beside stored ones: the merge, the flags and the rendered tabs.

The stored GPU results here are a fixture (tests/fixtures, device "FIXTURE GPU"), never data
shown on the site.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from factories import fixture, results, timing, with_values
from jaxguide.bench import SUITES
from jaxguide.render import records_table, side_by_side, timing_chart
from jaxguide.results import Record, Results, ResultsError, differences, load_stored
from tiny_site import build, cell, index, page

FIXTURES = Path(__file__).parent / "fixtures"


def _current() -> Results:
    record = Record(
        benchmark="add", variant="vmap", params={"batch": 10}, timing=timing(1e-4, 1e-6)
    )
    return results("vmap-speed", record, version=SUITES["vmap-speed"].version)


def test_stored_results_load_and_are_flagged() -> None:
    (gpu,) = load_stored(FIXTURES, suite="vmap-speed")
    assert gpu.environment.backend == "gpu"
    assert load_stored(FIXTURES, suite="no-such-suite") == []
    notes = differences(gpu, _current())
    assert "jax 0.9.0, this build runs" in notes[0]
    assert "profile full, this build runs quick" in notes


def test_both_backends_share_each_cell_of_one_table_with_a_ratio() -> None:
    text = side_by_side(_current(), load_stored(FIXTURES)).markdown
    assert "tab-item" not in text
    header = next(line for line in text.splitlines() if line.startswith("| variant"))
    assert "batch 10" in header
    assert "cpu: cpu" in text
    assert "this build" in text
    assert "gpu: gpu (FIXTURE GPU (test data, not a measurement) ×1), 2026-01-01" in text
    row = next(line for line in text.splitlines() if line.startswith("| vmap |"))
    cell = row.split(" | ")[1]
    assert cell.startswith("cpu: "), cell
    assert "<br>gpu: " in cell, cell
    assert re.search(r"gpu: .+ · [\d.]+× \[[\d.]+, [\d.]+\] (faster|slower|same|unclear)", cell)
    assert "commit fixture0000" in text
    assert text.count('class="jg-provenance"') == 2
    assert text.count(":::{dropdown} Raw records") == 2
    assert "**oom**: OOM at batch=100000000" in text
    assert "No gpu results yet" not in text


def test_the_empty_state_is_honest() -> None:
    text = side_by_side(_current(), []).markdown
    assert "No gpu results yet" in text
    assert "nox -s bench -- run all --profile full --backend gpu" in text
    assert text.count('class="jg-provenance"') == 1
    assert "÷" not in text


def test_a_bad_stored_file_is_named(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "FIXTURE-gpu-vmap-speed.json", tmp_path / "good.json")
    (tmp_path / "cut.json").write_text((tmp_path / "good.json").read_text()[:300])
    with pytest.raises(ResultsError, match=r"cut\.json"):
        load_stored(tmp_path)


def test_the_page_renders_both_columns(site: Path) -> None:
    """This build's real CPU run of vmap-speed beside the fixture GPU file, rendered."""
    page(
        site,
        "hardware",
        "Hardware",
        cell(f"""
        from pathlib import Path
        from jaxguide.render import side_by_side
        from jaxguide.results import load_results, load_stored
        cpu = load_results(Path({str(FIXTURES / "results" / "vmap-speed.json")!r}))
        side_by_side(cpu, load_stored(Path({str(FIXTURES)!r})))
        """),
    )
    index(site, "hardware")
    result = build(site)
    assert result.returncode == 0, result.stderr
    html = (site / "_build" / "hardware.html").read_text()
    tables = html.split("<table")[1:]
    comparisons = [t for t in tables if "<p>batch " in t.split("</thead>")[0]]
    assert comparisons, "no comparison table"
    assert "&lt;br" not in html, "a cell's line break shows as text"
    for table in comparisons:
        body = table.split("</thead>")[1].split("</tbody>")[0]
        assert "cpu: " in body, "a table without this build"
        assert "gpu: " in body, "a table without the stored GPU file"
    # The fixture GPU file measures `add` only: its table (the first) has the ratios.
    add = comparisons[0].split("</tbody>")[0]
    assert re.search(r"gpu: [^<]+ · [\d.]+× \[[\d.]+, [\d.]+\]", add), "no ratio"
    assert "this build" in html
    assert "FIXTURE GPU" in html
    assert html.count('class="jg-provenance"') == 2
    assert "sd-tab-set" not in html


def test_the_chart_draws_every_hardware_on_the_same_axes() -> None:
    cpu = fixture("vmap-speed")
    (gpu,) = load_stored(FIXTURES, suite="vmap-speed")
    figure = timing_chart([cpu, gpu], benchmarks=["add"])
    (ax,) = figure.get_axes()
    labels = ax.get_legend_handles_labels()[1]
    assert any(cpu.environment.hardware in label for label in labels)
    assert any(gpu.environment.hardware in label for label in labels)


def test_a_bad_results_file_fails_the_build(site: Path) -> None:
    data = site / "results" / "data"
    data.mkdir(parents=True)
    (data / "broken.json").write_text('{"schema": "jaxguide-results/1", "suite": ')
    (site / "index.md").write_text("# Site\n")
    result = build(site)
    assert result.returncode != 0
    assert "broken.json" in result.stderr


def test_a_stored_file_failing_a_strict_claim_fails_the_build(site: Path) -> None:
    data = site / "results" / "data"
    data.mkdir(parents=True)
    bad = with_values(fixture("transforms-vmap"), "vmap-jit", "jaxpr", same_jaxpr=False)
    bad.save(data / "other-machine.json")
    (site / "index.md").write_text("# Site\n")
    result = build(site)
    assert result.returncode != 0
    assert "other-machine.json" in result.stderr
    assert "strict claim 'jit-vmap-same-jaxpr' does not hold" in result.stderr


def test_every_suite_is_on_the_results_page() -> None:
    page_text = (Path(__file__).parents[1] / "docs" / "results" / "hardware.md").read_text()
    missing = [name for name in SUITES if f'across("{name}")' not in page_text]
    assert not missing, f"suites not shown across hardware: {missing}"


def test_a_jaxpr_in_a_record_keeps_the_table_whole() -> None:
    """A multi-line, coloured value (a jaxpr) would end its Markdown row early."""
    jaxpr = (
        "{ \x1b[34;1mlambda \x1b[39;22m; a\x1b[35m:f32[3]\x1b[39m. let\n    b = sin a\n  in (b,) }"
    )
    run = results("s", Record(benchmark="b", variant="jaxpr", values={"jaxpr": jaxpr, "n": 2}))
    table = records_table(run).strip().splitlines()
    assert all(line.startswith("|") for line in table), table
    assert "\x1b" not in "".join(table)
    assert "jaxpr: 3 lines of text" in table[-1]
    assert "n 2" in table[-1]
