"""The results schema: round trips, and clear errors for files it cannot read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from factories import results as make_results
from factories import timing
from jaxguide.results import (
    SCHEMA,
    Memory,
    NotMeasured,
    Record,
    Results,
    ResultsError,
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
        ('{"schema": "jaxguide-results/0", "suite": "x"}', "schema 'jaxguide-results/0', expected"),
        ('{"schema": "jaxguide-results/1", "suite": "x"}', "measure again with this version"),
        ('{"schema": "jaxguide-results/2", "suite": "x"', "not a jaxguide-results/2 file"),
        ("", "not a jaxguide-results/2 file"),
        ('{"schema": "jaxguide-results/2", "suite": 3}', "first: suite"),
        ("[1, 2]", "not a jaxguide-results/2 file"),
    ],
    ids=["other-version", "older-version", "truncated", "empty", "wrong-type", "not-an-object"],
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
