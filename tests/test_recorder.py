"""The kernels' recorder (``jaxguide_site/recorder``): what a page's processes used of jaxguide.

Its record must be whole however the process ends: jupyter_client asks a kernel to shut down,
then sends SIGTERM 2.5 s later, and a killed process runs no exit hooks.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from jaxguide_site.dependencies import RECORD_ENV, RECORDER


def recorded(
    tmp_path: Path, code: str
) -> tuple[subprocess.CompletedProcess[str], list[dict[str, Any]]]:
    """Run ``code`` in a fresh interpreter that records, over a package ``jaxguide`` of two
    modules and a ``claims`` subpackage, with shared results in ``tmp_path / "shared"``."""
    package = tmp_path / "pkg" / "jaxguide"
    (package / "claims").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "used.py").write_text("import jaxguide.claims\n")
    (package / "unused.py").write_text("")
    (package / "claims" / "__init__.py").write_text("")
    (tmp_path / "shared").mkdir()
    record = tmp_path / "record.jsonl"
    env = {
        **os.environ,
        RECORD_ENV: str(record),
        "JAXGUIDE_SHARED_RESULTS": str(tmp_path / "shared"),
        "PYTHONPATH": os.pathsep.join([str(RECORDER), str(tmp_path / "pkg")]),
    }
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    return result, [json.loads(line) for line in record.read_text().splitlines()]


def used(lines: list[dict[str, Any]], key: str) -> set[str]:
    return {Path(path).name for line in lines for path in line[key]}


def test_a_process_killed_before_it_exits_has_its_record(tmp_path: Path) -> None:
    result, lines = recorded(
        tmp_path,
        "import importlib, os, signal\n"
        "importlib.import_module('jaxguide.used')\n"
        "open(os.path.join(os.environ['JAXGUIDE_SHARED_RESULTS'], 'suite.json'), 'w').close()\n"
        "open(os.path.join(os.environ['JAXGUIDE_SHARED_RESULTS'], 'suite.json')).close()\n"
        "os.kill(os.getpid(), signal.SIGTERM)\n",
    )
    assert result.returncode == -signal.SIGTERM, result.stderr
    assert used(lines, "modules") == {"__init__.py", "used.py"}  # not claims/, not unused
    assert (used(lines, "wrote"), used(lines, "read")) == ({"suite.json"}, {"suite.json"})
    assert {line["pid"] for line in lines} == {lines[0]["pid"]}


def test_a_process_that_used_nothing_says_so(tmp_path: Path) -> None:
    """One line, empty: the page depends on no module (no line at all: on every module)."""
    result, lines = recorded(tmp_path, "import json")
    assert result.returncode == 0, result.stderr
    assert [(line["modules"], line["read"], line["wrote"]) for line in lines] == [([], [], [])]


def test_each_file_is_written_once(tmp_path: Path) -> None:
    result, lines = recorded(
        tmp_path,
        "import os\n"
        "path = os.path.join(os.environ['JAXGUIDE_SHARED_RESULTS'], 'suite.json')\n"
        "open(path, 'w').close()\n"
        "for _ in range(3):\n"
        "    open(path).close()\n"
        "import jaxguide.used, jaxguide.used\n",
    )
    assert result.returncode == 0, result.stderr
    assert len(lines) == 1 + 2 + 2  # started; two modules; the results written, then read
