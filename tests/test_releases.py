"""The release sweep's workloads: portable, schema-valid, and honest about what a release lacks."""

from __future__ import annotations

import ast
import inspect
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jax
import pytest

from jaxguide.bench import PROFILES, _timing
from jaxguide.bench import releases as rel
from jaxguide.bench.releases import _sweep, _workloads
from jaxguide.claims import CLAIMS
from jaxguide.render import chart_svg
from jaxguide.render.releases import (
    comparable,
    dispatch_cost_table,
    release_changes,
    release_chart,
    release_claims_tables,
    release_provenance,
    release_ratio_tables,
)
from jaxguide.results import NotMeasured, Results, Threshold, compare, load_results
from tiny_site import build, index

ROOT = Path(__file__).parents[1]


@pytest.fixture(scope="module")
def tiny() -> Results:
    return rel.measure("tiny")


def test_every_workload_runs_under_the_pinned_jax_and_writes_the_schema(tiny, tmp_path) -> None:
    assert tiny.suite == rel.SUITE
    assert tiny.environment.jax_version == jax.__version__
    assert tiny.load is not None
    produced = {(r.benchmark, r.variant) for r in tiny.records}
    declared = [
        (b, v, p) for _, points in _workloads.WORKLOADS.values() for b, v, p in points("tiny")
    ]
    assert [(r.benchmark, r.variant, r.params) for r in tiny.records] == declared
    assert produced == {(b, v) for b, v, _ in declared}
    not_ok = [(r.benchmark, r.variant, r.message) for r in tiny.records if r.status != "ok"]
    assert not not_ok
    repeats = {r.timing.repeats for r in tiny.records if r.timing and r.variant != "compile"}
    assert repeats == {_workloads.METHODS["tiny"]["repeats"]}
    compile_ = tiny.timing("mlp-train", "compile")  # the cold compile apart, then warm ones
    assert compile_.repeats == _workloads.COMPILES["tiny"]
    assert compile_.first_call_s > 0
    assert tiny.environment.numpy_version
    # Two batch sizes of each vmap-speed function, by the vmap-speed suite's names.
    assert sorted(tiny.by("batch", "where", "jit_vmap")) == list(_workloads.BATCHES["tiny"])
    path = tmp_path / "r.json"
    path.write_text(tiny.to_json())
    assert load_results(path) == tiny


def test_what_a_release_lacks_is_recorded_unsupported_not_faked(monkeypatch) -> None:
    monkeypatch.delattr(jax, "pmap")
    results = rel.measure("tiny", only=("dispatch",))
    statuses = {r.variant: (r.status, r.message, r.timing) for r in results.records}
    assert set(statuses) == {"pmap", "jit_shard_map", "jit_sharded"}
    assert all(
        s == ("unsupported", "this release has no jax.pmap", None) for s in statuses.values()
    )
    with pytest.raises(NotMeasured, match=r"unsupported: this release has no jax\.pmap"):
        results.timing("dispatch", "pmap")


def test_too_few_devices_is_unsupported_with_how_to_get_them(monkeypatch) -> None:
    monkeypatch.setattr(jax, "device_count", lambda: 1)
    (record, *_) = rel.measure("tiny", only=("dispatch",)).records
    assert record.status == "unsupported"
    assert "--xla_force_host_platform_device_count=8" in record.message


def test_a_failing_workload_is_an_error_record_naming_the_exception(monkeypatch) -> None:
    def broken(profile: str) -> list[dict[str, object]]:
        raise RuntimeError("boom")

    points = _workloads.WORKLOADS["jit-dispatch"][1]
    monkeypatch.setitem(_workloads.WORKLOADS, "jit-dispatch", (broken, points))
    (record,) = rel.measure("tiny", only=("jit-dispatch",)).records
    assert (record.status, record.message) == ("error", "RuntimeError: boom")


def test_the_sweep_and_the_script_name_the_same_suites() -> None:
    assert _sweep.MODES == _workloads.SUITES
    assert (_sweep.MODES["default"], _sweep.MODES["sync"]) == (rel.SUITE, rel.SYNC_SUITE)


def test_a_release_without_the_dispatch_option_is_unsupported_in_sync_mode(monkeypatch) -> None:
    def refuse(name: str, value: object) -> None:
        raise AttributeError(f"Unrecognized config option: {name}")

    monkeypatch.setattr(jax.config, "update", refuse)
    doc = _workloads.run("tiny", ("jit-dispatch",), dispatch="sync")
    (record,) = doc["records"]
    assert doc["suite"] == rel.SYNC_SUITE
    assert record["status"] == "unsupported"
    assert record["message"].startswith("this release has no jax_cpu_enable_async_dispatch")


def test_the_timing_method_is_the_harness_s_line_for_line() -> None:
    for name in ("_calibrate", "_run_loops"):
        ours, theirs = getattr(_workloads, name), getattr(_timing, name)
        assert inspect.getsource(ours) == inspect.getsource(theirs), name
    methods = {"quick": _workloads.METHODS["quick"], "full": _workloads.METHODS["full"]}
    for name, method in methods.items():
        assert PROFILES[name].method.model_dump() == method  # type: ignore[index]


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name.partition(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.partition(".")[0])
    return found


def test_the_release_script_imports_only_the_standard_library_jax_and_numpy() -> None:
    third_party = _imports(rel.WORKLOADS_SCRIPT) - set(sys.stdlib_module_names)
    # jaxguide only for the vmap-speed functions, where it is installed (else loaded by path).
    assert third_party == {"jax", "numpy", "jaxguide"}
    lesson = ROOT / "src" / "jaxguide" / "examples" / "vmap_speed.py"
    assert _imports(lesson) - set(sys.stdlib_module_names) == {"jax"}
    assert _imports(ROOT / "src" / "jaxguide" / "bench" / "releases" / "_sweep.py") <= set(
        sys.stdlib_module_names
    )


BLOCK = """
import importlib.abc, runpy, sys
class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.partition(".")[0] in {"jaxguide", "pydantic"}:
            raise ImportError(f"{name} is not in a release's environment")
sys.meta_path.insert(0, Refuse())
sys.argv = [sys.argv[1], *sys.argv[2:]]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def test_the_script_runs_by_its_path_without_jaxguide_or_pydantic(tmp_path) -> None:
    out = tmp_path / "release.json"
    command = [sys.executable, "-c", BLOCK, str(rel.WORKLOADS_SCRIPT), "--out", str(out)]
    command += ["--profile", "tiny", "--only", "jit-dispatch", "--dispatch", "sync"]
    subprocess.run(command, check=True, capture_output=True, timeout=300)
    results = load_results(out)
    assert results.environment.jax_version == jax.__version__
    assert results.suite == rel.SYNC_SUITE
    assert {r.status for r in results.records} == {"ok"}
    assert json.loads(out.read_text())["schema"] == "jaxguide-results/2"


def test_asynchronous_dispatch_is_off_in_the_sync_process(tmp_path) -> None:
    """The option is set before the backend starts, so the process runs with it off."""
    probe = (
        "import contextlib, runpy, sys\n"
        "sys.argv = sys.argv[1:]\n"
        "with contextlib.suppress(SystemExit):\n"
        "    runpy.run_path(sys.argv[0], run_name='__main__')\n"
        "import jax\n"
        "print(jax.config.read('jax_cpu_enable_async_dispatch'))"
    )
    command = [sys.executable, "-c", probe, str(rel.WORKLOADS_SCRIPT)]
    command += ["--out", str(tmp_path / "r.json"), "--profile", "tiny", "--only", "jit-dispatch"]
    on = subprocess.run(command, check=True, capture_output=True, text=True, timeout=300)
    off = subprocess.run(
        [*command, "--dispatch", "sync"], check=True, capture_output=True, text=True, timeout=300
    )
    assert (on.stdout.split()[-1], off.stdout.split()[-1]) == ("True", "False")


def _doc(samples: list[float], status: str = "ok", message: str = "") -> dict[str, object]:
    record: dict[str, object] = {"benchmark": "b", "variant": "v", "params": {"batch": 1}}
    record |= {"status": status, "message": message}
    if status == "ok":
        record["timing"] = {"first_call_s": 1.0, "samples_s": samples, "loops": 10}
    load = {"cores": 2, "wall_s": 1.0, "load_before": 0.1, "load_after": 0.2, "others_cpu_s": 0.5}
    env = {"jax_version": "0.4.30"}
    return {"suite": "releases", "environment": env, "records": [record], "load": load}


def test_merging_rounds_keeps_each_process_s_samples_in_its_own_block() -> None:
    merged = _sweep.merge([_doc([1.0, 2.0]), _doc([3.0, 4.0]), _doc([5.0, 6.0])])
    (record,) = merged["records"]
    assert record["timing"]["samples_s"] == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    assert record["timing"]["processes"] == 3
    assert merged["load"]["wall_s"] == 3.0
    assert merged["load"]["others_cpu_s"] == 1.5
    # A point one round could not measure is not measured, saying which round.
    failed = _sweep.merge([_doc([1.0, 2.0]), _doc([], "error", "RuntimeError: boom")])
    assert failed["records"][0]["status"] == "error"
    assert failed["records"][0]["message"] == "in round 2 of 2: RuntimeError: boom"
    lacking = _sweep.merge([_doc([], "unsupported", "no pmap")] * 2)["records"][0]
    assert (lacking["status"], lacking["message"]) == ("unsupported", "no pmap")
    with pytest.raises(ValueError, match="one release and mode"):
        _sweep.merge([_doc([1.0]), {**_doc([1.0]), "suite": "releases-sync"}])
    # Blocks of unequal size would be split at the wrong places (2 + 1 + 3 samples split in 3).
    with pytest.raises(ValueError, match="different numbers of samples"):
        _sweep.merge([_doc([1.0, 2.0]), _doc([3.0]), _doc([4.0, 5.0, 6.0])])


def test_the_sweep_runs_every_release_and_mode_round_by_round() -> None:
    plan = _sweep.parse(["0.4.30", "0.10.2", "--rounds", "2"])
    assert list(_sweep.runs(plan)) == [
        (r, v, m) for r in (0, 1) for v in ("0.4.30", "0.10.2") for m in ("default", "sync")
    ]
    with pytest.raises(SystemExit):
        _sweep.parse(["--rounds", "0"])


def test_the_interval_between_releases_covers_how_processes_differ() -> None:
    """Processes of one release that disagree (a slow spell in one round) leave the step
    between releases undecided, where pooling their samples would decide it."""
    noisy = [1.0] * 20 + [1.3] * 20 + [1.6] * 20
    steady = [1.0] * 60
    pooled = compare(noisy, steady, Threshold(at_least=1.1))
    by_process = compare(noisy, steady, Threshold(at_least=1.1), processes=(3, 3))
    assert (pooled.outcome, by_process.outcome) == ("holds", "inconclusive")


def test_the_sweep_plan_defaults_to_every_release_oldest_first() -> None:
    plan = _sweep.parse([])
    assert plan.releases == rel.RELEASES == tuple(sorted(rel.RELEASES, key=rel.release_key))
    assert rel.RELEASES[0] == "0.4.30"
    assert rel.RELEASES[-1] == jax.__version__  # the newest is the site's pinned release
    with pytest.raises(SystemExit):
        _sweep.parse(["latest"])


def test_release_files_load_oldest_release_first(tiny, tmp_path) -> None:
    for version in ("0.10.2", "0.4.30", "0.9.2"):
        env = tiny.environment.model_copy(update={"jax_version": version})
        tiny.model_copy(update={"environment": env}).save(rel.release_file(tmp_path, version))
    sync = tiny.model_copy(update={"suite": rel.SYNC_SUITE})
    sync.save(rel.release_file(tmp_path, jax.__version__, "sync"))
    (tmp_path / "other-suite.json").write_text("not read")
    found = [r.environment.jax_version for r in rel.load_releases(tmp_path)]
    assert found == ["0.4.30", "0.9.2", "0.10.2"]
    assert [r.suite for r in rel.load_releases(tmp_path, rel.SYNC_SUITE)] == [rel.SYNC_SUITE]


OLDEST_ENV = "JAXGUIDE_TEST_OLDEST_RELEASE"


@pytest.mark.skipif(
    not os.environ.get(OLDEST_ENV),
    reason=f"slow (downloads jax {rel.RELEASES[0]}, ~150 MB): set {OLDEST_ENV}=1 to run",
)
def test_the_workloads_run_under_the_oldest_release(tmp_path) -> None:
    uv = shutil.which("uv")
    assert uv, "needs uv"
    oldest, env = rel.RELEASES[0], tmp_path / "env"
    subprocess.run([uv, "venv", "-q", "-p", "3.11", str(env)], check=True)
    python = env / "bin" / "python"
    install = [uv, "pip", "install", "-q", "-p", str(python), *_sweep.requirements(oldest)]
    subprocess.run(install, check=True)
    out = tmp_path / "oldest.json"
    command = [str(python), str(rel.WORKLOADS_SCRIPT), "--out", str(out), "--profile", "tiny"]
    flags = {**os.environ, "XLA_FLAGS": _sweep.xla_flags(), "JAX_PLATFORMS": "cpu"}
    subprocess.run(command, check=True, env=flags, timeout=600)
    results = load_results(out)
    assert results.environment.jax_version == oldest
    assert results.environment.device_count == _sweep.DEVICES
    assert {r.status for r in results.records} == {"ok"}


# --- the page "JAX across releases", from fixture files --------------------------------------

RELEASE_FIXTURES = ROOT / "tests" / "fixtures" / "releases"


@pytest.fixture(scope="module")
def fixture_runs() -> list[Results]:
    return rel.load_releases(RELEASE_FIXTURES)


@pytest.fixture(scope="module")
def fixture_sync_runs() -> list[Results]:
    return rel.load_releases(RELEASE_FIXTURES, rel.SYNC_SUITE)


def test_fixture_files_are_an_old_release_missing_a_workload_and_the_pinned_one(
    fixture_runs, fixture_sync_runs
) -> None:
    assert [r.environment.jax_version for r in fixture_runs] == ["0.4.30", "0.10.2"]
    assert [r.environment.jax_version for r in fixture_sync_runs] == ["0.4.30", "0.10.2"]
    old = fixture_runs[0]
    assert not list(old.select("jit-dispatch"))
    assert old.find("dispatch", "pmap", devices=8, rows=8).status == "unsupported"
    assert {r.timing.processes for r in old.records if r.timing} == {2}


def test_a_ratio_table_per_point_a_row_per_release(fixture_runs) -> None:
    tables = release_ratio_tables(fixture_runs, ["jit-dispatch", "dispatch"], "t")
    by_title = {t.title.partition(",")[2].partition(":")[0].strip(): t for t in tables}
    assert set(by_title) == {"dispatch (devices=8, rows=8)", "jit-dispatch"}
    dispatch, jit = by_title["dispatch (devices=8, rows=8)"], by_title["jit-dispatch"]
    assert dispatch.header == ("jax", "pmap", "jit_shard_map", "jit_sharded")
    assert [row[0] for row in dispatch.rows] == ["0.4.30", "0.10.2"]
    assert jit.rows[0][1] == "not measured (not in this release's file)"
    (old, new) = dispatch.rows
    assert old[1] == "not measured (unsupported: FIXTURE: this release has no jax.pmap)"
    assert "<br>" not in new[1]  # measured, but nothing to divide by
    assert "<br>" not in old[3]  # the first release has no ratio
    ratio = new[3].partition("<br>")[2]
    assert re.fullmatch(r"[\d.]+× \[[\d.]+, [\d.]+\]<br>(faster|slower|same|unclear)", ratio)


def test_files_of_another_workload_version_are_not_compared(fixture_runs) -> None:
    older = fixture_runs[0].model_copy(update={"suite_version": 1})
    kept, skipped = comparable([older, fixture_runs[1]])
    assert (kept, skipped) == ([fixture_runs[1]], [older])


def test_the_dispatch_cost_table_divides_default_by_sync_per_release(
    fixture_runs, fixture_sync_runs
) -> None:
    points = [("jit-dispatch", "jit"), ("add", "jit_manual")]
    table = dispatch_cost_table(fixture_runs, fixture_sync_runs, points)
    assert table.header[0] == "jax"
    assert "jit-dispatch jit" in table.header
    assert [h for h in table.header if h.startswith("add")] == [
        "add jit_manual (batch=10)",
        "add jit_manual (batch=100)",
    ]
    rows = {row[0]: dict(zip(table.header, row, strict=True)) for row in table.rows}
    assert rows["0.4.30"]["jit-dispatch jit"] == "not measured (not in this release's file)"
    cell = rows["0.10.2"]["add jit_manual (batch=100)"]
    assert re.fullmatch(r"[\d.]+×<br>\[[\d.]+, [\d.]+\]<br>(faster|slower|same|unclear)", cell)
    # Only releases measured both ways get a row.
    assert len(dispatch_cost_table(fixture_runs, fixture_sync_runs[1:], points).rows) == 1


def test_the_provenance_names_numpy_and_the_processes(fixture_runs) -> None:
    table = release_provenance(fixture_runs)
    assert table.header == ("jax", "numpy", "measured (UTC)", "processes", "machine")
    assert all(row[1] != "not recorded" and row[3] == "2" for row in table.rows)
    assert any("FIXTURE CPU" in note for note in table.notes)


def test_a_chart_per_workload_skips_what_was_not_measured(fixture_runs) -> None:
    figure = release_chart(fixture_runs, ["dispatch"], "dispatch")
    (ax,) = [a for a in figure.get_axes() if a.get_visible()]
    lines = dict(zip(*reversed(ax.get_legend_handles_labels()), strict=True))
    assert [t.get_text() for t in figure.legends[0].get_texts()] == list(lines)
    assert set(lines) == {"pmap", "jit_shard_map", "jit_sharded"}
    assert len(lines["pmap"].lines[0].get_xdata()) == 1  # measured under 0.10.2 only
    assert chart_svg(figure).lstrip().startswith("<?xml")
    vmap = release_chart(fixture_runs, ["add", "where", "mlp"], "vmap")
    assert len([a for a in vmap.get_axes() if a.get_visible()]) == 6  # 3 functions × 2 batches


def test_a_claims_table_per_claim_whose_every_read_is_recorded(fixture_runs) -> None:
    tables = release_claims_tables(fixture_runs)
    assert tables
    produced = {(r.benchmark, r.variant) for run in fixture_runs for r in run.records}
    for table in tables:
        claim = CLAIMS[table.title.partition(":")[0]]
        assert claim.reads <= produced
        assert [row[0] for row in table.rows] == ["0.4.30", "0.10.2"]
    # vmap-beats-loop reads a Python loop, which the sweep does not time: not judged here.
    assert "vmap-beats-loop" not in {t.title.partition(":")[0] for t in tables}
    assert release_claims_tables([]) == []


def test_release_changes_are_decided_ones_largest_first(fixture_runs) -> None:
    changes = release_changes(fixture_runs)
    factors = [f for f, _ in changes]
    assert factors == sorted(factors, reverse=True)
    assert all(f >= 1 for f in factors)
    assert all(line.endswith(("faster", "slower")) for _, line in changes)


def test_the_page_renders_from_stored_files(site: Path) -> None:
    data = site.parent / "docs" / "results" / "data"
    data.mkdir(parents=True)
    for path in RELEASE_FIXTURES.glob("*.json"):
        shutil.copy(path, data)
    text = (ROOT / "docs" / "results" / "releases.md").read_text()
    (site / "releases.md").write_text(text.replace("(claims.md)", "(index.md)"))
    index(site, "releases")
    result = build(site)
    assert result.returncode == 0, result.stderr
    html = (site / "_build" / "releases.html").read_text()
    assert html.count("<td><p>0.10.2</p></td>") >= 5  # a row per release in each table
    assert "FIXTURE CPU" in html
    assert "not measured (unsupported: FIXTURE: this release has no jax.pmap)" in html
    assert "is stored yet" not in html
    assert "jax 0.4.30 → 0.10.2: " in html  # the largest decided changes are listed
    assert html.count('.svg" />') >= 5  # a chart per workload
    assert "Default dispatch ÷ asynchronous dispatch off" in html


def _release(run: Results, version: str, factor: float) -> Results:
    """``run`` as if measured under ``version``: one point, its samples tight, times ``factor``."""
    (record,) = [r for r in run.records if r.benchmark == "jit-dispatch"]
    assert record.timing is not None
    samples = tuple(factor * x for x in (1.0, 1.002, 0.998, 1.001, 0.999, 1.0))
    timing = record.timing.model_copy(update={"samples_s": samples, "processes": 3})
    environment = run.environment.model_copy(update={"jax_version": version})
    update = {
        "records": (record.model_copy(update={"timing": timing}),),
        "environment": environment,
    }
    return run.model_copy(update=update)


def test_steps_each_within_the_same_band_can_add_up_to_a_decided_change(fixture_runs) -> None:
    """Three releases each 6% slower than the one before: no step is decided, the whole is."""
    runs = [
        _release(fixture_runs[-1], v, 1.06**i) for i, v in enumerate(("0.4.30", "0.5.3", "0.6.2"))
    ]
    assert release_changes(runs) == []
    ((factor, line),) = release_changes(runs, overall=True)
    assert round(factor, 3) == round(1.06**2, 3)
    assert "jax 0.4.30 → 0.6.2" in line
    assert line.endswith("slower")
    # Held steady, the whole is not a change either.
    steady = [_release(fixture_runs[-1], v, 1.0) for v in ("0.4.30", "0.5.3", "0.6.2")]
    assert release_changes(steady, overall=True) == []
