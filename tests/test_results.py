"""The results schema: round trips, and clear errors for files it cannot read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from factories import results as make_results
from factories import timing
from jaxguide.claims import CLAIMS
from jaxguide.render import side_by_side
from jaxguide.results import (
    SCHEMA,
    Memory,
    NotMeasured,
    Record,
    Results,
    ResultsError,
    Summary,
    Timing,
    load_results,
)


@pytest.fixture
def results() -> Results:
    return make_results(
        "demo",
        Record(benchmark="add", variant="vmap", params={"batch": 10}, timing=timing(0.01, 0.1)),
        Record(
            benchmark="add",
            variant="vmap",
            params={"batch": 100},
            status="oom",
            message="OOM at batch=100",
        ),
        Record(
            benchmark="add",
            variant="mem",
            params={"batch": 10},
            memory=Memory(temp_bytes=1, argument_bytes=2, output_bytes=3),
        ),
        version=2,
    )


def test_round_trip(tmp_path: Path, results: Results) -> None:
    path = tmp_path / "sub" / "r.json"
    results.save(path)
    assert json.loads(path.read_text())["schema"] == SCHEMA
    assert load_results(path) == results


def test_find_and_select(results: Results) -> None:
    assert results.find("add", "vmap", batch=100).status == "oom"  # type: ignore[union-attr]
    assert results.find("add", "vmap", batch=7) is None
    assert [r.variant for r in results.select("add")] == ["vmap", "vmap", "mem"]
    assert len(list(results.select(variant="vmap"))) == 2


def test_spread_is_relative(results: Results) -> None:
    assert results.records[0].timing is not None
    assert results.records[0].timing.spread == pytest.approx(0.1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"schema": "jaxguide-results/0", "suite": "x"}', "is not one this version reads"),
        ('{"schema": "jaxguide-results/3", "suite": "x"}', "a newer jaxguide wrote it: upgrade"),
        ('{"schema": "results/2", "suite": "x"}', "reads jaxguide-results/1 and .* measure again"),
        (
            '{"schema": "jaxguide-results/1", "suite": "x"}',
            "not a jaxguide-results/1 file .*first: suite_version",
        ),
        ('{"schema": "jaxguide-results/2", "suite": "x"', "not a jaxguide-results/2 file"),
        ("", "not a jaxguide-results/2 file"),
        ('{"schema": "jaxguide-results/2", "suite": 3}', "first: suite"),
        ("[1, 2]", "not a jaxguide-results/2 file"),
    ],
    ids=[
        "unknown-older",
        "newer",
        "another-format",
        "migrated-but-incomplete",
        "truncated",
        "empty",
        "wrong-type",
        "not-an-object",
    ],
)
def test_bad_files_are_named(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(ResultsError, match=message) as info:
        load_results(path)
    assert str(info.value).startswith(str(path))


def test_truncated_real_file(tmp_path: Path, results: Results) -> None:
    path = tmp_path / "cut.json"
    path.write_text(results.to_json()[:200])
    with pytest.raises(ResultsError, match=r"cut\.json: not a"):
        load_results(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ResultsError, match="cannot read"):
        load_results(tmp_path / "nope.json")


def test_queries_name_what_is_missing_or_why_it_failed(results: Results) -> None:
    assert results.timing("add", "vmap", batch=10).median_s == pytest.approx(0.01)
    assert results.memory("add", "mem").temp_bytes == 1
    with pytest.raises(NotMeasured, match=r"add/vmap \{'batch': 100\}: oom: OOM at batch=100"):
        results.record("add", "vmap", batch=100)
    with pytest.raises(NotMeasured, match="no add/loop record in suite 'demo'"):
        results.timing("add", "loop")
    with pytest.raises(NotMeasured, match="no timing"):
        results.timing("add", "mem")
    assert sorted(results.by("batch", "add", "vmap")) == [10]


def test_timing_keeps_its_samples(results: Results) -> None:
    timing = results.timing("add", "vmap")
    assert len(timing.samples_s) == 7
    assert timing.min_s == min(timing.samples_s)
    assert json.loads(results.to_json())["records"][0]["timing"]["samples_s"] == list(
        timing.samples_s
    )


VERSION_1 = Path(__file__).parent / "fixtures" / "schema-1" / "FIXTURE-gpu-vmap-speed.json"
"""A version-1 file as that version of the harness wrote it (a fixture: 'FIXTURE GPU')."""


def test_a_version_1_file_is_read_through_its_migration(tmp_path: Path) -> None:
    raw = json.loads(VERSION_1.read_text())
    assert raw["schema"] == "jaxguide-results/1"
    old = load_results(VERSION_1)
    assert [(r.benchmark, r.variant, r.params, r.status) for r in old.records] == [
        (r["benchmark"], r["variant"], r["params"], r["status"]) for r in raw["records"]
    ]
    timed = [(r.timing, was["timing"]) for r, was in zip(old.records, raw["records"], strict=True)]
    assert sum(was is not None for _, was in timed) >= 2
    for kept_timing, was in timed:
        if was is None:
            assert kept_timing is None
            continue
        assert kept_timing is not None
        assert kept_timing.samples_s == ()  # version 1 kept none; none are made up
        t = kept_timing
        kept = (t.median_s, t.min_s, t.iqr_s, t.repeats, t.first_call_s)
        assert kept == tuple(
            was[k] for k in ("median_s", "min_s", "iqr_s", "repeats", "first_call_s")
        )
    again = tmp_path / "again.json"
    old.save(again)  # saved, it is a file of this version, read back as it was
    assert json.loads(again.read_text())["schema"] == SCHEMA
    assert load_results(again) == old


def test_a_version_1_file_decides_no_comparison_and_says_why() -> None:
    """Its medians show beside this build's; no interval, and no verdict, is made up for it."""
    old = load_results(VERSION_1)
    now = make_results(
        "vmap-speed",
        *(
            r.model_copy(update={"timing": timing(r.timing.median_s * 2, 0.1)}) if r.timing else r
            for r in old.records
        ),
    )
    text = side_by_side(now, [old]).markdown
    assert "no interval (a version-1 file kept no samples)" in text
    assert "20 µs" in text or "20.0 µs" in text, text  # the first record's median, kept
    verdicts = [
        c.evaluate(old) for c in CLAIMS.values() if c.suite == "vmap-speed" and c.kind == "measured"
    ]
    assert verdicts
    assert all(v.status in ("not-measured", "not-applicable") for v in verdicts)
    assert any("version-1 results file" in v.figure for v in verdicts)


def test_a_timing_has_samples_or_a_summary_not_both_nor_neither() -> None:
    summary = Summary(median_s=1.0, min_s=1.0, iqr_s=0.0, repeats=3)
    with pytest.raises(ValidationError, match="either its samples or"):
        Timing(first_call_s=1.0, loops=1)
    with pytest.raises(ValidationError, match="either its samples or"):
        Timing(first_call_s=1.0, loops=1, samples_s=(1.0,), summary=summary)
