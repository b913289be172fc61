"""``python -m jaxguide.bench``: a real run of the vmap-speed suite, its report, and misuse."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import jax
import pytest

from jaxguide.bench._cli import main
from jaxguide.bench.suites import vmap_speed
from jaxguide.claims import CLAIMS
from jaxguide.render import report, timing_chart
from jaxguide.results import SCHEMA, load_results

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def run_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The suite at a batch of 3 (every variant, the loops included), through the CLI."""
    out = tmp_path_factory.mktemp("run") / "sub" / "vmap.json"
    proc = subprocess.run(
        [sys.executable, "-m", "jaxguide.bench", "run", "vmap-speed", "--sizes=3", f"--out={out}"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return out, proc.stderr


def test_run_writes_every_point_of_the_suite(run_file: tuple[Path, str]) -> None:
    path, stderr = run_file
    assert "vmap-speed" in stderr  # the progress bar, on stderr
    assert json.loads(path.read_text())["schema"] == SCHEMA
    results = load_results(path)
    assert results.suite == "vmap-speed"
    assert results.profile == "quick"
    assert results.environment.backend == jax.default_backend()
    assert {(r.benchmark, r.variant) for r in results.records} == vmap_speed.SUITE.produces
    assert all(r.status == "ok" for r in results.records), [r.message for r in results.records]
    timed = [r for r in results.records if r.timing is not None and r.benchmark != "stream"]
    assert {r.params["batch"] for r in timed} == {3}
    assert all(r.timing.compile_s > 0 for r in timed if r.variant.startswith("jit"))  # type: ignore[union-attr]
    assert all(len(r.timing.samples_s) == results.method.repeats for r in timed)  # type: ignore[union-attr]


def test_every_vmap_speed_claim_is_measured_by_the_run(run_file: tuple[Path, str]) -> None:
    results = load_results(run_file[0])
    for claim in (c for c in CLAIMS.values() if c.suite == "vmap-speed"):
        verdict = claim.evaluate(results)
        assert verdict.status not in {"not-measured", "not-applicable"}, (claim.id, verdict.figure)


def test_report_prints_every_claim_with_its_verdict(
    run_file: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", str(run_file[0])]) == 0
    out = capsys.readouterr().out
    claims = [c for c in CLAIMS.values() if c.suite == "vmap-speed"]
    assert claims
    for claim in claims:
        line = next(x for x in out.splitlines() if f" {claim.id} (" in x)
        assert any(w in line for w in ("holds on", "does not hold on", "inconclusive on")), line


def test_report_prints_tables_and_draws_the_chart(
    run_file: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    chart = tmp_path / "charts" / "vmap.svg"
    assert main(["report", str(run_file[0]), "--chart", str(chart)]) == 0
    out = capsys.readouterr().out
    for name in ("add", "where", "mlp", *vmap_speed.TIMED, "copy bandwidth"):
        assert name in out
    svg = chart.read_text()
    assert svg.lstrip().startswith("<?xml")
    assert "<svg" in svg
    assert "batch size (examples)" in svg


def test_chart_has_a_log_log_panel_per_benchmark(run_file: tuple[Path, str]) -> None:
    fig = timing_chart([load_results(run_file[0])])
    axes = fig.get_axes()
    assert [ax.get_title() for ax in axes] == list(vmap_speed.BENCHMARKS)
    assert all(ax.get_xscale() == ax.get_yscale() == "log" for ax in axes)
    assert "median time per call (s)" in axes[0].get_ylabel()


def test_failed_points_are_reported_not_raised(run_file: tuple[Path, str]) -> None:
    results = load_results(run_file[0])
    batched = next(r for r in results.records if "batch" in r.params)
    record = batched.model_copy(update={"status": "oom", "message": "OOM at batch=3"})
    text = report(results.model_copy(update={"records": (*results.records, record)}))
    assert "OOM at batch=3" in text


def test_list_names_the_suites(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    assert "vmap-speed" in capsys.readouterr().out


def _misuse(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own checks exit directly
        code = int(exc.code or 0)
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert "Traceback" not in err
    return err


def test_misuse_exits_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "unknown suite 'nope'" in _misuse(["run", "nope"], capsys)
    assert "--sizes '10,x'" in _misuse(["run", "vmap-speed", "--sizes", "10,x"], capsys)
    assert "--sizes '0'" in _misuse(["run", "vmap-speed", "--sizes", "0"], capsys)
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert "cannot write" in _misuse(
        ["run", "vmap-speed", "--out", str(blocker / "x.json")], capsys
    )
    assert "one file per suite" in _misuse(
        ["run", "all", "--out", str(tmp_path / "x.json")], capsys
    )
    assert "invalid choice: 'qpu'" in _misuse(["run", "vmap-speed", "--backend", "qpu"], capsys)
    assert "invalid choice: 'slow'" in _misuse(["run", "vmap-speed", "--profile", "slow"], capsys)


def test_bad_results_files_are_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    malformed = tmp_path / "malformed.json"
    malformed.write_text("{not json")
    assert str(malformed) in _misuse(["report", str(malformed)], capsys)
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"schema": "jaxguide-results/0"}))
    assert "schema 'jaxguide-results/0'" in _misuse(["report", str(other)], capsys)
    older = tmp_path / "older.json"
    older.write_text(json.dumps({"schema": "jaxguide-results/1", "records": []}))
    assert "older.json: not a jaxguide-results/1 file" in _misuse(["report", str(older)], capsys)
    assert "cannot read" in _misuse(["report", str(tmp_path / "missing.json")], capsys)


@pytest.mark.skipif(jax.default_backend() == "gpu", reason="this machine has a GPU")
def test_a_gpu_asked_for_where_there_is_none() -> None:
    """In a fresh interpreter, as from a shell: JAX has not started when the CLI picks it."""
    proc = subprocess.run(
        [sys.executable, "-m", "jaxguide.bench", "run", "vmap-speed", "--backend", "gpu"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("python -m jaxguide.bench: error: --backend gpu: no gpu device")
    assert "Traceback" not in proc.stderr


def test_compare_two_files_of_a_suite(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    cpu = FIXTURES / "results" / "vmap-speed.json"
    gpu = FIXTURES / "FIXTURE-gpu-vmap-speed.json"
    chart = tmp_path / "both.svg"
    assert main(["compare", str(cpu), str(gpu), "--chart", str(chart)]) == 0
    out = capsys.readouterr().out
    assert "Not directly comparable: " in out
    assert "profile full" in out
    row = next(line for line in out.splitlines() if line.split()[:2] == ["vmap", "batch=10"])
    assert re.search(r"× \[[\d.]+, [\d.]+\] (faster|slower|same|unclear)$", row), row
    assert "<svg" in chart.read_text()


def test_compare_refuses_files_of_two_suites(capsys: pytest.CaptureFixture[str]) -> None:
    err = _misuse(
        [
            "compare",
            str(FIXTURES / "results" / "vmap-speed.json"),
            str(FIXTURES / "results" / "parallel.json"),
        ],
        capsys,
    )
    assert "compare two files of one suite" in err
    one = _misuse(["compare", str(FIXTURES / "results" / "vmap-speed.json")], capsys)
    assert "required: FILE" in one
