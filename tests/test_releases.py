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
from jaxguide.render import chart_svg
from jaxguide.render.releases import (
    release_changes,
    release_chart,
    release_claims_table,
    release_ratio_table,
)
from jaxguide.results import NotMeasured, Results, load_results
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
    assert tiny.timing("mlp-train", "compile").repeats == _workloads.COMPILES["tiny"]
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
    command += ["--profile", "tiny", "--only", "jit-dispatch", "vmap-functions"]
    subprocess.run(command, check=True, capture_output=True, timeout=300)
    results = load_results(out)
    assert results.environment.jax_version == jax.__version__
    assert {r.status for r in results.records} == {"ok"}
    assert json.loads(out.read_text())["schema"] == "jaxguide-results/2"


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
    (tmp_path / "other-suite.json").write_text("not read")
    found = [r.environment.jax_version for r in rel.load_releases(tmp_path)]
    assert found == ["0.4.30", "0.9.2", "0.10.2"]


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


def test_fixture_files_are_an_old_release_missing_a_workload_and_the_pinned_one(
    fixture_runs,
) -> None:
    assert [r.environment.jax_version for r in fixture_runs] == ["0.4.30", "0.10.2"]
    old = fixture_runs[0]
    assert not list(old.select("jit-dispatch"))
    assert old.find("dispatch", "pmap", devices=8, rows=8).status == "unsupported"


def test_the_ratio_table_shows_what_a_release_lacks_as_not_measured(fixture_runs) -> None:
    table = release_ratio_table(fixture_runs, ["jit-dispatch", "dispatch"], "t")
    assert table.header == ("variant", "params", "jax 0.4.30", "jax 0.10.2")
    rows = {r[0]: r[2:] for r in table.rows}
    assert rows["jit-dispatch jit"][0] == "not measured (not in this release's file)"
    pmap_old, pmap_new = rows["dispatch pmap"]
    assert pmap_old == "not measured (unsupported: FIXTURE: this release has no jax.pmap)"
    assert "<br>" not in pmap_new  # measured, but nothing to divide by
    assert "<br>" not in rows["dispatch jit_sharded"][0]  # the first release has no ratio
    ratio = rows["dispatch jit_sharded"][1].partition("<br>")[2]
    assert re.fullmatch(r"[\d.]+× \[[\d.]+, [\d.]+\] (faster|slower|same|unclear)", ratio)


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


def test_the_claims_table_judges_every_release(fixture_runs) -> None:
    table = release_claims_table(fixture_runs)
    header, _, *rows = table.splitlines()
    assert header == "| claim | jax 0.4.30 | jax 0.10.2 |"
    assert rows
    assert all(row.count(" | ") == 2 for row in rows)
    assert release_claims_table([]) == ""


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
    assert "jax 0.4.30" in html
    assert "jax 0.10.2" in html
    assert "FIXTURE CPU" in html
    assert "not measured (unsupported: FIXTURE: this release has no jax.pmap)" in html
    assert "is stored yet" not in html
    assert "jax 0.4.30 → 0.10.2: " in html  # the largest decided changes are listed
    assert html.count('.svg" />') >= 5  # a chart per workload
