"""Where a measurement was taken: the provenance every results file carries."""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

import jax
from pydantic import BaseModel, ConfigDict

__all__ = ["Environment", "describe_environment"]


class Environment(BaseModel):
    """The hardware and software a result was produced with.

    Every field is read from the running process; nothing is configured by hand.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    backend: str
    """JAX's default backend, ``"cpu"``, ``"gpu"`` or ``"tpu"``."""
    device_kind: str
    """The kind of the default device, e.g. ``"cpu"`` or ``"NVIDIA H100 80GB HBM3"``."""
    device_count: int
    jax_version: str
    jaxlib_version: str
    xla_flags: str
    """``XLA_FLAGS`` as set for this process (empty when unset)."""
    cpu_model: str
    cpu_count: int
    python_version: str
    commit: str
    """The site's git commit, or ``"unknown"`` outside a checkout."""
    date: str
    """UTC date and time of the measurement, ISO 8601."""

    @property
    def hardware(self) -> str:
        """A short label for the hardware, e.g. ``"cpu (AMD EPYC, 2 cores)"``.

        >>> env = describe_environment()
        >>> env.hardware.startswith(env.backend)
        True
        """
        if self.backend == "cpu":
            return f"cpu ({self.cpu_model}, {self.cpu_count} cores)"
        return f"{self.backend} ({self.device_kind} ×{self.device_count})"


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
