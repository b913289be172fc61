"""Several JAX processes on one machine: a bounded launcher and the program each process runs.

:func:`launch_processes` starts ``num_processes`` Python processes that each run
``cluster_sum``, which joins them with :func:`jax.distributed.initialize` (a coordinator
on ``127.0.0.1``, CPU collectives over gloo) and sums one number per device across all of them.
On a real cluster the same program runs once per host, with the coordinator's address changed.

The launcher is bounded: a free port is chosen by binding port 0 (a port given and already
taken is refused with :class:`PortInUse`), the whole run has a time-out, and every child is
killed and reaped on the way out, whatever happened.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass

__all__ = ["PortInUse", "ProcessResult", "cluster_sum", "free_port", "launch_processes"]

HOST = "127.0.0.1"
_RESULT_TAG = "jaxguide-result "
_ENV_PREFIX = "JAXGUIDE_CLUSTER_"


class PortInUse(OSError):
    """The coordinator's port is taken by another program."""


@dataclass(frozen=True)
class ProcessResult:
    """What one process printed, and the result it reported."""

    process_id: int
    returncode: int
    output: str
    """Its standard output and standard error, interleaved as written."""
    result: dict[str, float | int | list[float]]
    """The dictionary its worker reported (empty if it reported none)."""

    @property
    def printed(self) -> str:
        """Its output without the machine-readable result line."""
        return "\n".join(ln for ln in self.output.splitlines() if not ln.startswith(_RESULT_TAG))


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now (the OS picks it: bind to port 0).

    >>> 1024 <= free_port() <= 65535
    True
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _check_port(port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((HOST, port))
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            raise PortInUse(
                f"port {port} on {HOST} is taken by another program: choose another port, "
                "or pass port=None to let the operating system pick a free one"
            ) from None


def launch_processes(
    num_processes: int = 2,
    local_devices: int = 2,
    *,
    port: int | None = None,
    timeout_s: float = 60.0,
) -> list[ProcessResult]:
    """Run ``cluster_sum`` in ``num_processes`` processes, each with ``local_devices`` CPUs.

    Returns each process's output and result, ordered by process id. Raises
    :class:`PortInUse` if ``port`` is taken, :class:`TimeoutError` if the run takes longer
    than ``timeout_s``, :class:`RuntimeError` if a process fails; in every case no child
    process is left running.

    >>> results = launch_processes(num_processes=2, local_devices=1, timeout_s=60)
    >>> [r.result["total"] for r in results]
    [3.0, 3.0]
    """
    port = free_port() if port is None else port
    _check_port(port)
    env = {
        **os.environ,
        "JAX_PLATFORMS": "cpu",
        "JAX_NUM_CPU_DEVICES": str(local_devices),
        "JAX_CPU_COLLECTIVES_IMPLEMENTATION": "gloo",
        f"{_ENV_PREFIX}COORDINATOR": f"{HOST}:{port}",
        f"{_ENV_PREFIX}NUM_PROCESSES": str(num_processes),
    }
    command = [sys.executable, "-c", f"import {__name__} as m; m.cluster_sum()"]
    children: list[subprocess.Popen[str]] = []
    try:
        for process_id in range(num_processes):
            children.append(
                subprocess.Popen(
                    command,
                    env={**env, f"{_ENV_PREFIX}PROCESS_ID": str(process_id)},
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                    start_new_session=True,  # its own process group, killed as one below
                )
            )
        outputs = _collect(children, time.monotonic() + timeout_s, timeout_s)
    finally:
        for child in children:
            _kill(child)
    results = [
        ProcessResult(i, child.returncode, out, _parse(out))
        for i, (child, out) in enumerate(zip(children, outputs, strict=True))
    ]
    failed = [r for r in results if r.returncode != 0]
    if failed:
        if any("address already in use" in r.output.lower() for r in failed):
            raise PortInUse(f"the coordinator could not bind {HOST}:{port}: it is taken")
        first = failed[0]
        raise RuntimeError(
            f"process {first.process_id} of {num_processes} exited with {first.returncode}:\n"
            + first.output[-2000:]
        )
    return results


def _collect(children: list[subprocess.Popen[str]], deadline: float, timeout_s: float) -> list[str]:
    """Every child's output once all have exited; :class:`TimeoutError` at ``deadline``."""
    outputs = []
    for child in children:
        try:
            out, _ = child.communicate(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            raise TimeoutError(
                f"{len(children)} processes did not finish within {timeout_s:g} s"
            ) from None
        outputs.append(out)
    return outputs


def _kill(child: subprocess.Popen[str]) -> None:
    """Kill ``child``'s process group if it is still running, and reap it."""
    if child.poll() is None:
        with contextlib.suppress(ProcessLookupError):  # it exited since
            os.killpg(child.pid, signal.SIGKILL)
    child.wait()
    if child.stdout is not None:
        child.stdout.close()


def _parse(output: str) -> dict[str, float | int | list[float]]:
    for line in output.splitlines():
        if line.startswith(_RESULT_TAG):
            result: dict[str, float | int | list[float]] = json.loads(line[len(_RESULT_TAG) :])
            return result
    return {}


def cluster_sum() -> None:
    """The program every process runs: join the cluster, then sum one value per device.

    Process ``p`` holds the values ``p * L + 1, …, p * L + L`` on its ``L`` local devices;
    the sum over every device of every process is computed twice, with ``jax.shard_map`` over
    a mesh of all devices and with ``jax.pmap``, and both must equal ``N (N + 1) / 2`` for
    ``N`` devices in all.
    """
    import jax  # noqa: PLC0415 - JAX must start after the environment is set
    import jax.numpy as jnp  # noqa: PLC0415
    import numpy as np  # noqa: PLC0415
    from jax.sharding import NamedSharding  # noqa: PLC0415
    from jax.sharding import PartitionSpec as P  # noqa: PLC0415

    jax.distributed.initialize(
        coordinator_address=os.environ[f"{_ENV_PREFIX}COORDINATOR"],
        num_processes=int(os.environ[f"{_ENV_PREFIX}NUM_PROCESSES"]),
        process_id=int(os.environ[f"{_ENV_PREFIX}PROCESS_ID"]),
        initialization_timeout=30,
    )
    me, count = jax.process_index(), jax.process_count()
    local = jax.local_device_count()
    mine = np.arange(me * local + 1, me * local + local + 1, dtype=np.float32)

    # Today's path: one global array over every device of every process, summed by shard_map.
    mesh = jax.make_mesh((jax.device_count(),), ("hosts",))
    spread = jax.make_array_from_process_local_data(NamedSharding(mesh, P("hosts")), mine)
    total = jax.shard_map(
        lambda block: jax.lax.psum(block, "hosts"), mesh=mesh, in_specs=P("hosts"), out_specs=P()
    )(spread)
    # The older path: each process passes its local devices' values to pmap.
    by_pmap = jax.pmap(lambda v: jax.lax.psum(v, "hosts"), axis_name="hosts")(jnp.asarray(mine))

    summed = float(total.addressable_data(0)[0])
    line = f"process {me} of {count}: local values {mine.tolist()}, sum over all devices {summed}"
    print(line)  # noqa: T201 - what each process prints is what the page shows
    result = {
        "process_index": me,
        "process_count": count,
        "device_count": jax.device_count(),
        "local": mine.tolist(),
        "total": summed,
        "pmap_total": float(by_pmap[0]),
    }
    print(_RESULT_TAG + json.dumps(result), flush=True)  # noqa: T201 - read by the launcher
    jax.distributed.shutdown()
