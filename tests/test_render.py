"""One rendering of each thing: badges, verdict tables, tables of results, charts."""

from __future__ import annotations

import re

import pytest

from factories import fixture
from jaxguide.claims import CLAIMS, MIME_TYPE, Verdict
from jaxguide.render import (
    bandwidth_table,
    claims_report,
    code_columns,
    comparison_figures,
    compile_run_chart,
    measured_table,
    memory_chart,
    memory_rows,
    memory_table,
    memory_time_chart,
    points_table,
    ratio_table,
    timing_table,
    values_table,
    verdict_badge,
    verdict_table,
)


@pytest.mark.parametrize(
    "status", ["holds", "fails", "inconclusive", "not-measured", "not-applicable"]
)
def test_badge_renders_words_not_colour_alone(status: str) -> None:
    verdict = Verdict(claim="c", kind="measured", status=status, backend="cpu", figure="3×")  # type: ignore[arg-type]
    html = verdict_badge(verdict)._repr_html_()
    assert f"jg-{status}" in html
    words = re.sub(r"<[^>]+>", "", html)
    assert verdict.text in words
    assert verdict.text.split()[0] in {"holds", "does", "not", "inconclusive"}
    assert 'aria-hidden="true"' in html  # the icon is decoration; the words are read out


def test_a_glued_verdict_carries_its_data_and_text_only() -> None:
    verdict = Verdict(claim="c", kind="strict", status="holds", backend="cpu", figure="x")
    bundle = verdict._repr_mimebundle_()
    assert set(bundle) == {MIME_TYPE, "text/plain"}
    assert Verdict.model_validate(bundle[MIME_TYPE]) == verdict


def test_the_verdict_table_and_the_cli_report_use_the_badge() -> None:
    results = fixture("vmap-speed")
    table = verdict_table([results])
    on_suite = [c for c in CLAIMS.values() if c.suite == "vmap-speed"]
    assert table.count("\n") == len(on_suite) + 1  # header, rule, a row per claim
    for claim in on_suite:
        badge = str(verdict_badge(claim.evaluate(results)))
        assert badge.replace("|", "\\|") in table
        assert f"{badge.split(maxsplit=1)[0]} {claim.id} ({claim.kind})" in claims_report(results)


def test_memory_rows_name_chunks_but_not_the_whole_batch() -> None:
    results = fixture("vmap-memory")
    rows = memory_rows(results, "attention")
    assert "vmap" in rows
    assert "vmap, chunk 256" not in rows
    assert "chunked_vmap, chunk 256" in rows  # equal to the batch once, named at every batch
    assert set(rows["chunked_vmap, chunk 256"]) == set(rows["vmap"])
    record = results.find("attention", "chunked_vmap", batch=1024, chunk=64)
    assert record is not None
    assert record.memory is not None
    assert rows["chunked_vmap, chunk 64"][1024] == record.memory.temp_bytes
    table = memory_table(results, "attention")
    assert table.header[1:] == ("256", "1,024", "4,096")
    assert (
        f"{record.memory.temp_bytes / 2**20:.2f}"
        in {r[0]: r for r in table.rows}["chunked_vmap, chunk 64"]
    )


def test_measured_table_divides_by_the_reference() -> None:
    results = fixture("vmap-memory")
    table = measured_table(results, "attention-timed")
    by_label = {row[0]: row for row in table.rows}
    assert by_label["vmap"][4] == "1.00"
    chunk = results.timing("attention-timed", "chunked_vmap", batch=512, chunk=64)
    vmap = results.timing("attention-timed", "vmap", batch=512, chunk=512)
    assert by_label["chunked_vmap, chunk 64"][4] == f"{chunk.median_s / vmap.median_s:.2f}"


def test_points_ratio_values_and_compile_tables() -> None:
    speed, parallel = fixture("vmap-speed"), fixture("parallel")
    compile_table = timing_table(speed, "add", ("jit_vmap", "loop"), statistic="compile")
    assert compile_table.header == ("batch", "jit_vmap", "loop")
    assert "compile" in compile_table.title
    points = points_table(speed, "add", labels={"vmap": "vmap(f)"}, first_call=True)
    assert "first call" in points.header
    assert any(r[0] == "vmap(f)" for r in points.rows)
    ratios = ratio_table(parallel, "one-device", "pmap", "jit_vmap")
    assert ratios.header[-1] == "pmap ÷ jit_vmap"
    assert ratios.rows
    equivalence = values_table(speed, "equivalence", ("max_abs_diff", "same_primitives"))
    assert {r[0] for r in equivalence.rows} == {"add", "where", "mlp"}
    assert bandwidth_table(speed).rows[0][-1].endswith("%")


def test_comparison_figures_summarise_a_measured_verdict() -> None:
    verdict = CLAIMS["vmap-beats-loop"].evaluate(fixture("vmap-speed"))
    figures = comparison_figures(verdict)
    ratios = sorted(c.ratio for c in verdict.comparisons)
    assert (figures["min"], figures["max"], figures["points"]) == (
        ratios[0],
        ratios[-1],
        len(ratios),
    )
    assert figures["min"] <= figures["median"] <= figures["max"]


def test_compile_run_chart_plots_compile_and_median_per_setting() -> None:
    results = fixture("control-flow-unroll")
    across = {f"unroll-{k}": k for k in (1, 2, 4, 8, 16)}
    compile_ax, run_ax = compile_run_chart(results, "scan-unroll", across, "unroll").axes
    (compiled,) = compile_ax.get_lines()
    assert list(compiled.get_xdata()) == sorted(across.values())
    expected = [results.timing("scan-unroll", v).compile_s * 1e3 for v in across]
    assert list(compiled.get_ydata()) == pytest.approx(expected)
    medians = run_ax.get_lines()[0].get_ydata()
    assert list(medians) == pytest.approx(
        [results.timing("scan-unroll", v).median_s * 1e3 for v in across]
    )


def test_memory_charts_draw_a_line_or_point_per_row() -> None:
    results = fixture("vmap-memory")
    lines = memory_chart(results, "attention").axes[0].get_lines()
    assert len(lines) == len(memory_rows(results, "attention"))
    scatter = memory_time_chart(results, "attention-timed").axes[0]
    timed = [r for r in results.select("attention-timed") if r.status == "ok"]
    assert len(scatter.texts) == len(timed)
    with pytest.raises(ValueError, match="no record"):
        memory_time_chart(results, "attention")


def test_code_columns_escape_and_name_each_text() -> None:
    html = code_columns({"manual": "a <b>", "vmap": "\x1b[31mred\x1b[0m"})._repr_html_()
    assert "a &lt;b&gt;" in html
    assert "\x1b" not in html
    assert html.count("<strong>") == 2
