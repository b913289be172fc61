"""Provenance: what describe_environment reports, and how it degrades outside a checkout."""

from __future__ import annotations

import subprocess
from pathlib import Path

import jax
import pytest

from jaxguide.bench import describe_environment
from jaxguide.bench._environment import cpu_model, git_commit
from jaxguide.results import Environment


def test_describes_this_process() -> None:
    env = describe_environment()
    assert env.backend == jax.default_backend()
    assert env.device_count == jax.device_count() == 8  # the simulated devices conftest asks for
    assert env.jax_version == jax.__version__
    assert env.cpu_count >= 1
    assert env.date.endswith("Z")
    assert env.python_version.count(".") == 2


def test_round_trips_through_json() -> None:
    env = describe_environment()
    assert Environment.model_validate_json(env.model_dump_json()) == env


def test_commit_in_a_checkout(tmp_path: Path) -> None:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(tmp_path), *args], check=True, capture_output=True, text=True
        ).stdout.strip()

    git("init", "-q")
    (tmp_path / "f").write_text("x")
    git("add", "f")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "c")
    assert git_commit(tmp_path) == git("rev-parse", "--short=12", "HEAD")


def test_commit_outside_a_checkout(tmp_path: Path) -> None:
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
