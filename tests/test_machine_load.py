"""How busy the machine was: recorded around each suite run and page measurement, shown in the
caption, and warned about by the CLI."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import jax.numpy as jnp
import pytest

from jaxguide.bench import Suite, watch_load
from jaxguide.bench import _cli as cli
from jaxguide.bench import _suites as suites_module
from jaxguide.bench._cli import main
from jaxguide.bench._load import LoadWatch
from jaxguide.pages import measure
from jaxguide.render import caption, report
from jaxguide.results import EXAMPLE_ENVIRONMENT, Load, Method, Record, Results, load_results

FIXTURES = Path(__file__).parent / "fixtures"
BUSY = Load(cores=2, wall_s=10.0, load_before=3.4, load_after=4.6, others_cpu_s=13.0)
QUIET = Load(cores=2, wall_s=10.0, load_before=0.2, load_after=1.0, others_cpu_s=0.3)


def _results(load: Load | None) -> Results:
    return Results(
        suite="tiny",
        suite_version=1,
        profile="quick",
        environment=EXAMPLE_ENVIRONMENT,
        method=Method(warmups=1, repeats=3, min_loop_s=0.001),
        records=(Record(benchmark="b", variant="v", values={"n": 1}),),
        load=load,
    )


# --- when the machine counts as busy -------------------------------------------------------
@pytest.mark.parametrize(
    ("load", "busy"),
    [
        (BUSY, True),
        (QUIET, False),
        # others' share of the cores' time decides where it is known: just above, just below
        (Load(cores=2, wall_s=10.0, others_cpu_s=5.1), True),
        (Load(cores=2, wall_s=10.0, others_cpu_s=4.9), False),
        # ... even when this process's own threads pushed the load average above the cores
        (Load(cores=2, wall_s=10.0, load_before=1.0, load_after=8.0, others_cpu_s=0.1), False),
        # where it is not known, the load average above the core count, before or after
        (Load(cores=2, wall_s=10.0, load_before=2.5), True),
        (Load(cores=2, wall_s=10.0, load_before=0.5, load_after=2.1), True),
        (Load(cores=2, wall_s=10.0, load_before=1.9, load_after=2.0), False),
        (Load(cores=2, wall_s=10.0), False),  # nothing known: nothing claimed
    ],
)
def test_busy_by_others_share_or_else_by_load_average(load: Load, busy: bool) -> None:
    assert load.busy is busy
    assert bool(load.warning()) is busy
    assert load.summary().startswith("busy" if busy else "quiet")


def _stat(path: Path, user_ticks: int) -> None:
    path.write_text(f"cpu  {user_ticks} 0 100 900000 50 0 0 0 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n")


def test_watch_load_counts_other_processes_cpu_time(tmp_path: Path) -> None:
    stat = tmp_path / "stat"
    hz = os.sysconf("SC_CLK_TCK")
    _stat(stat, 1000)
    with watch_load(stat) as watch:
        assert watch.load is None
        _stat(stat, 1000 + 30 * hz)  # 30 s of busy time on the machine meanwhile
    load = watch.load
    assert load is not None
    assert load.cores == (os.cpu_count() or 1)
    assert load.load_before is not None
    assert load.load_after is not None
    assert load.others_cpu_s is not None
    assert 29.0 < load.others_cpu_s <= 30.0  # less this process's own, a little
    assert load.busy  # 30 CPU seconds in a blink


def test_watch_load_without_proc_stat_records_the_load_average_only(tmp_path: Path) -> None:
    with watch_load(tmp_path / "none") as watch:
        pass
    assert watch.load is not None
    assert watch.load.others_cpu_s is None
    assert watch.load.wall_s >= 0


# --- recorded in the provenance, compatible with files written before ----------------------
def test_results_carry_the_load_and_old_files_still_load(tmp_path: Path) -> None:
    path = tmp_path / "busy.json"
    _results(BUSY).save(path)
    assert load_results(path).load == BUSY
    # A file written before the load was recorded has no "load" key at all: it still loads.
    data = json.loads(_results(None).to_json())
    del data["load"]
    old = tmp_path / "old.json"
    old.write_text(json.dumps(data))
    assert load_results(old).load is None
    stored = [
        *sorted((FIXTURES / "results").glob("*.json")),
        FIXTURES / "FIXTURE-gpu-vmap-speed.json",
    ]
    assert all(load_results(path).suite for path in stored)


def _tiny_suite() -> Suite:
    return Suite(
        name="tiny",
        version=1,
        description="one record",
        points=lambda profile: [lambda: Record(benchmark="b", variant="v", values={"n": 1})],
        produces=frozenset({("b", "v")}),
    )


def test_a_suite_run_records_the_load() -> None:
    results = _tiny_suite().run("quick")
    assert results.load is not None
    assert results.load.cores == (os.cpu_count() or 1)
    assert results.load.wall_s >= 0


def test_a_page_measurement_records_the_load() -> None:
    x = jnp.arange(12.0).reshape(4, 3)
    calls = {"vectorize": (lambda a: 2 * a, (x,)), "vmap": (lambda a: a + a, (x,))}
    results = measure("vectorize", calls, benchmark="affine", claims=False)
    assert results.load is not None
    assert results.load.wall_s > 0


# --- shown: the caption says it plainly, the CLI warns ---------------------------------------
def test_the_caption_says_plainly_when_the_machine_was_busy() -> None:
    busy, quiet, unknown = (
        caption(_results(BUSY)),
        caption(_results(QUIET)),
        caption(_results(None)),
    )
    said = dict(busy.fields)["Machine load"]
    assert said.startswith("BUSY: other processes took 65% of the 2 cores' time")
    assert "slower than on a quiet machine" in said
    assert busy.busy
    assert "jg-provenance-busy" in busy._repr_html_()
    summary = busy._repr_html_().partition("</summary>")[0]  # the one line a page shows closed
    assert "busy machine" in summary
    assert "busy machine" not in quiet._repr_html_()
    assert dict(quiet.fields)["Machine load"].startswith("quiet: ")
    assert not quiet.busy
    assert "jg-provenance-busy" not in quiet._repr_html_()
    assert "Machine load" not in dict(unknown.fields)  # files from before it was recorded


def test_report_warns_of_a_busy_machine(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "WARNING: the machine was busy" in report(_results(BUSY))
    assert "WARNING" not in report(_results(QUIET))
    path = tmp_path / "busy.json"
    _results(BUSY).save(path)
    assert main(["report", str(path)]) == 0
    out = capsys.readouterr().out
    assert "WARNING: the machine was busy while this was measured" in out
    assert "65% of the 2 cores' time" in out


def test_run_warns_of_a_busy_machine(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    @contextmanager
    def busy_watch() -> Iterator[LoadWatch]:
        watch = LoadWatch()
        yield watch
        watch.load = BUSY

    monkeypatch.setattr(suites_module, "watch_load", busy_watch)
    monkeypatch.setitem(cli.SUITES, "tiny", _tiny_suite())
    out_file = tmp_path / "tiny.json"
    assert main(["run", "tiny", "--out", str(out_file), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "WARNING: the machine was busy while this was measured" in out
    assert load_results(out_file).load == BUSY
