"""Provenance: what describe_environment reports, and how it degrades outside a checkout."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from jaxguide.bench import describe_environment
from jaxguide.bench._environment import cpu_model, git_commit
from jaxguide.results import Environment

ROOT = Path(__file__).parents[1]


def test_describes_the_process_it_runs_in(tmp_path: Path) -> None:
    """Run in a fresh process whose environment the test chose, and compare with that choice
    (and with the pin in pyproject.toml), not with what the function itself reads."""
    pins = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pinned_jax = next(p.removeprefix("jax==") for p in pins if p.startswith("jax=="))
    flags = "--xla_force_host_platform_device_count=3"
    env = {k: v for k, v in os.environ.items() if k != "JAX_NUM_CPU_DEVICES"}
    env |= {"JAX_PLATFORMS": "cpu", "XLA_FLAGS": flags, "JAXGUIDE_COMMIT": "c0ffee"}
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "from jaxguide.bench import describe_environment as d; print(d().model_dump_json())",
        ],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    ).stdout
    after = dt.datetime.now(dt.UTC)
    described = Environment.model_validate_json(out)
    assert (described.backend, described.device_kind, described.device_count) == ("cpu", "cpu", 3)
    assert described.xla_flags == flags
    assert described.commit == "c0ffee"
    assert described.jax_version == described.jaxlib_version == pinned_jax
    assert described.python_version == "{}.{}.{}".format(*sys.version_info[:3])
    assert before <= dt.datetime.fromisoformat(described.date) <= after
    assert described.cpu_count >= 1
    assert described.hardware.startswith("cpu (")


def test_round_trips_through_json() -> None:
    env = describe_environment()
    assert Environment.model_validate_json(env.model_dump_json()) == env


def test_commit_in_a_checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A commit with fixed author, dates and content has a known hash, so the expected short
    commit is written here rather than asked of git the way the function asks."""
    monkeypatch.delenv("JAXGUIDE_COMMIT", raising=False)
    fixed = {
        "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
        "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
    }

    def git(*args: str) -> None:
        subprocess.run(
            [
                "git",
                "-C",
                str(tmp_path),
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@t",
                "-c",
                "commit.gpgsign=false",
                *args,
            ],
            check=True,
            capture_output=True,
            env={**os.environ, **fixed},
        )

    git("init", "-q")
    (tmp_path / "f").write_text("x")
    git("add", "f")
    git("commit", "-qm", "c")
    assert git_commit(tmp_path) == "665ea573b62b"


def test_commit_outside_a_checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JAXGUIDE_COMMIT", raising=False)
    assert git_commit(tmp_path) == "unknown"


def test_commit_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("JAXGUIDE_COMMIT", "abc123")
    assert git_commit(tmp_path) == "abc123"


def test_cpu_model_from_cpuinfo(tmp_path: Path) -> None:
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nmodel name\t: Example CPU @ 3.0GHz\n")
    assert cpu_model(info) == "Example CPU @ 3.0GHz"
    assert cpu_model(tmp_path / "missing") != ""


def test_hardware_label_names_the_device() -> None:
    env = describe_environment().model_copy(
        update={"backend": "gpu", "device_kind": "NVIDIA H100", "device_count": 1}
    )
    assert env.hardware == "gpu (NVIDIA H100 ×1)"
