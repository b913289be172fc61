"""Where a measurement was taken: the provenance every results file carries."""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

import jax

from jaxguide.results import Environment

__all__ = ["cpu_model", "describe_environment", "git_commit"]


def describe_environment() -> Environment:
    """Describe the environment this process measures in.

    >>> env = describe_environment()
    >>> env.backend in {"cpu", "gpu", "tpu"}
    True
    >>> env.jax_version == jax.__version__
    True
    >>> env.date.endswith("Z")
    True
    """
    device = jax.devices()[0]
    return Environment(
        backend=jax.default_backend(),
        device_kind=device.device_kind,
        device_count=jax.device_count(),
        jax_version=jax.__version__,
        jaxlib_version=metadata.version("jaxlib"),
        xla_flags=os.environ.get("XLA_FLAGS", ""),
        cpu_model=cpu_model(),
        cpu_count=os.cpu_count() or 1,
        python_version=platform.python_version(),
        commit=git_commit(),
        date=dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )


def cpu_model(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """The CPU's model name, from ``/proc/cpuinfo`` where there is one.

    >>> isinstance(cpu_model(), str)
    True
    """
    try:
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def git_commit(cwd: Path | None = None) -> str:
    """The short commit of the checkout around ``cwd``, or ``"unknown"``.

    ``JAXGUIDE_COMMIT`` wins when set (a CI job that builds from an archive sets it).

    >>> git_commit(Path("/"))
    'unknown'
    """
    if commit := os.environ.get("JAXGUIDE_COMMIT"):
        return commit
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],
            cwd=cwd or Path(__file__).parent,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.stdout.strip() or "unknown"
