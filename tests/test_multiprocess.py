"""The multi-process launcher: a collective across processes, and nothing left behind."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest

import markdown_blocks
from jaxguide.examples import PortInUse, launch_processes
from jaxguide.examples._multiprocess import HOST, free_port
from markdown_blocks import DOCS, blocks, run_snippet


def _children() -> set[int]:
    """Processes whose parent is this one (running or zombie), from /proc."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # it exited while we looked
        if int(fields[1]) == os.getpid():
            found.add(int(stat.parent.name))
    return found


pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")


def test_two_processes_sum_over_every_device() -> None:
    before = _children()
    results = launch_processes(num_processes=2, local_devices=2, timeout_s=120)
    assert [r.result["process_index"] for r in results] == [0, 1]
    for r in results:
        assert r.result["process_count"] == 2
        assert r.result["device_count"] == 4
        assert r.result["total"] == r.result["pmap_total"] == 1 + 2 + 3 + 4
        assert f"process {r.process_id} of 2" in r.printed
        assert "jaxguide-result" not in r.printed
    assert results[1].result["local"] == [3.0, 4.0]
    assert _children() == before


def test_a_taken_port_is_refused_clearly() -> None:
    before = _children()
    with socket.socket() as busy:
        busy.bind((HOST, 0))
        busy.listen()
        with pytest.raises(PortInUse, match=r"port \d+ on 127\.0\.0\.1 is taken"):
            launch_processes(port=busy.getsockname()[1])
    assert _children() == before


def test_a_time_out_kills_and_reaps_every_process() -> None:
    before = _children()
    with pytest.raises(TimeoutError, match=r"did not finish within 0\.5 s"):
        launch_processes(num_processes=2, local_devices=1, timeout_s=0.5)
    assert _children() == before


def test_free_port_can_be_bound() -> None:
    with socket.socket() as sock:
        sock.bind((HOST, free_port()))


def test_the_two_terminal_recipe_runs_as_two_processes(tmp_path: Path) -> None:
    recipe = next(
        b
        for b in blocks(DOCS / "transforms" / "multiprocess.md")
        if b.options.get("name") == "two-terminals"
    )
    before = _children()
    result = run_snippet(recipe.code, tmp_path, processes=int(recipe.options["processes"]))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == recipe.options["output"].split()
    assert _children() == before


def test_a_stuck_multi_process_snippet_is_killed_at_its_time_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(markdown_blocks, "SNIPPET_TIMEOUT_S", 1)
    stuck = "import time\nADDRESS = '127.0.0.1:1'\ntime.sleep(120)"
    before = _children()
    with pytest.raises(subprocess.TimeoutExpired):
        run_snippet(stuck, tmp_path, processes=2)
    assert _children() == before
