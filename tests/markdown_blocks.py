"""The code blocks of the site's Markdown pages, and which of the four kinds each one is."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

DOCS = Path(__file__).parents[1] / "docs"
PYTHON_LANGUAGES = {"python", "py", "python3", "pycon", "ipython", "ipython3"}
FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")


@dataclass(frozen=True)
class Block:
    path: Path
    line: int
    info: str
    code: str
    options: dict[str, str]

    @property
    def directive(self) -> str | None:
        match = re.match(r"\{([\w:-]+)\}", self.info)
        return match.group(1) if match else None

    @property
    def argument(self) -> str:
        return re.sub(r"^\{[\w:-]+\}", "", self.info).strip()

    @property
    def kind(self) -> str | None:
        """executed, doctest, snippet, not-run; "other" for non-Python; None if unclassified."""
        if self.directive == "code-cell":
            return "executed"
        if self.directive == "snippet":
            return "snippet"
        if self.directive == "not-run":
            return "not-run" if self.argument else None
        language = self.argument if self.directive in {"code-block", "code"} else self.info
        if language.split()[0].lower() not in PYTHON_LANGUAGES if language else True:
            return "other"
        first = next((ln.strip() for ln in self.code.splitlines() if ln.strip()), "")
        return "doctest" if first.startswith(">>>") else None


CODE_DIRECTIVES = {"code-cell", "snippet", "not-run", "code-block", "code", "sourcecode"}


def blocks(path: Path) -> list[Block]:
    """The code blocks of one page; directive fences holding Markdown are looked inside."""
    found: list[Block] = []
    containers: list[str] = []  # open directive fences whose content is Markdown
    lines = path.read_text().splitlines()
    i = 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        fence, info = match.group("fence"), match.group("info").strip()
        if not info and containers and fence.startswith(containers[-1]):
            containers.pop()
            i += 1
            continue
        directive = re.match(r"\{([\w:-]+)\}", info)
        if directive and directive.group(1) not in CODE_DIRECTIVES:
            containers.append(fence)  # tab-set, note, ...: keep scanning inside
            i += 1
            continue
        end = i + 1
        while end < len(lines):
            close = FENCE.match(lines[end])
            if close and close.group("fence").startswith(fence) and not close.group("info").strip():
                break
            end += 1
        body, options = _options(textwrap.dedent("\n".join(lines[i + 1 : end])))
        found.append(Block(path, i + 1, info, body, options))
        i = end + 1
    return found


def pages() -> list[Path]:
    return sorted(p for p in DOCS.rglob("*.md") if "_build" not in p.parts)


def _options(text: str) -> tuple[str, dict[str, str]]:
    """Split a directive's options (``:key: value`` lines or a ``---`` YAML block) from its body."""
    lines = text.splitlines()
    if lines and lines[0].strip() == "---":
        end = lines.index("---", 1)
        options = yaml.safe_load("\n".join(lines[1:end])) or {}
        return "\n".join(lines[end + 1 :]), {k: str(v) for k, v in options.items()}
    options = {}
    while lines and (match := re.match(r"^:([\w-]+):\s*(.*)$", lines[0])):
        options[match.group(1)] = match.group(2)
        lines.pop(0)
    return "\n".join(lines), options


SNIPPET_TIMEOUT_S = 300
SNIPPET_ENV = {**os.environ, "JAX_NUM_CPU_DEVICES": "8"}
COORDINATOR = re.compile(r"127\.0\.0\.1:\d+")


def run_fresh(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``code`` as pasted into a fresh interpreter (8 simulated CPU devices, as the site)."""
    return subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=SNIPPET_TIMEOUT_S,
        env=SNIPPET_ENV,
    )


def run_snippet(code: str, cwd: Path, processes: int = 1) -> subprocess.CompletedProcess[str]:
    """Run a snippet as copied: in one fresh interpreter, or in ``processes`` at once.

    A snippet for several processes is started as ``python snippet.py <process id>`` in each,
    and names its coordinator ``127.0.0.1:<port>``: that port is replaced by a free one, so
    runs side by side do not collide. Their outputs are joined in process order, without
    gloo's ``[Gloo] ...`` connection messages, whose order varies from run to run. Every
    process is killed and reaped on the way out, after a time-out or a failure too.
    """
    if processes == 1:
        return run_fresh(code, cwd)
    code, found = COORDINATOR.subn(f"127.0.0.1:{_free_port()}", code)
    if found != 1:
        raise ValueError(f"a snippet for {processes} processes names 127.0.0.1:<port> once")
    children = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(process_id)],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=SNIPPET_ENV,
            start_new_session=True,  # its own process group, killed as one below
        )
        for process_id in range(processes)
    ]
    outputs: list[tuple[str, str]] = []
    deadline = time.monotonic() + SNIPPET_TIMEOUT_S
    try:
        for child in children:
            outputs.append(child.communicate(timeout=max(0.0, deadline - time.monotonic())))
    finally:
        for child in children:
            if child.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(child.pid, signal.SIGKILL)
            child.wait()
            for pipe in (child.stdout, child.stderr):
                if pipe is not None:
                    pipe.close()
    stdout = "".join(
        line
        for out, _ in outputs
        for line in out.splitlines(keepends=True)
        if not line.startswith("[Gloo]")
    )
    return subprocess.CompletedProcess(
        [sys.executable, "-c", code],
        next((c.returncode for c in children if c.returncode), 0),
        stdout,
        "".join(f"--- process {i}:\n{err}" for i, (_, err) in enumerate(outputs)),
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
