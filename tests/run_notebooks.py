"""Run notebooks as a reader would: each in a fresh kernel, in an empty folder, top to bottom.

    python tests/run_notebooks.py docs/_build/html/_sources [--devices 1] [--timeout 600]

Every ``*.ipynb`` under the folder is copied alone into a new temporary folder and executed
there with nbclient, in a kernel of the Python that runs this script, with
``JAX_NUM_CPU_DEVICES`` set to ``--devices`` (which wins over a notebook's own
``os.environ.setdefault``). One line per notebook says whether it ran and how long it took; a
failure names the notebook, the cell (its index and first line) and the error's last line.
Cells tagged ``raises-exception`` may raise, as on the site. The exit status is the number of
notebooks that failed (capped at 100).

``--jobs N`` runs N notebooks at once (default: one for each core this process may use), each
in a process of its own. Nothing here is a measurement: a notebook's timings are printed into
a kernel's output that nobody reads, so sharing the cores changes no result the site shows
(the docs build, which publishes them, executes one page at a time).

With ``--visible``, each notebook runs only the code a reader sees on its page (and the setup
cell): the cells the site removes, or shows without their code, are left out (see
:func:`shows_code`), so a name that only a hidden cell defines fails as it would for a reader
who copies the page cell by cell.

It needs only nbclient, nbformat and ipykernel besides whatever the notebooks import: the
``notebooks`` nox session runs it in an environment with the package and nothing of the docs.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

# Environment variables of a docs build that would make a notebook behave as a page being
# built rather than as a download (the build's shared results, its execution cache).
BUILD_ONLY_ENV = ("JAXGUIDE_SHARED_RESULTS", "JAXGUIDE_CACHE_DIR", "JAXGUIDE_FRESH")


SETUP_TAG = "jaxguide-setup"  # the downloaded notebook's first cell (docs/_ext/jaxguide_site)
# MyST-NB's tags (either spelling) for a code cell it leaves out, or shows without its code.
NOT_SHOWN_TAGS = frozenset({"remove-cell", "remove_cell", "remove-input", "remove_input"})


def shows_code(metadata: dict[str, Any]) -> bool:
    """Whether the site shows a code cell's code, by MyST-NB's rule, from its ``metadata``.

    Cells tagged ``remove-cell`` are left out, and ``remove-input`` (or the cell option
    ``mystnb: {remove_code_source: true}``) shows only the output: neither's code can be read
    or copied. A cell tagged ``hide-input`` or ``hide-cell`` (a practical's solution, say) is
    shown collapsed, one click from its code and copy button: it counts as shown.
    """
    tags = set(metadata.get("tags", []))
    removed = metadata.get("mystnb", {}).get("remove_code_source", False)
    return not (tags & NOT_SHOWN_TAGS or removed)


def shown_only(nb: Any) -> Any:
    """``nb`` with only the code cells the page shows (and the setup cell, and the prose)."""
    nb.cells = [
        cell
        for cell in nb.cells
        if cell.cell_type != "code"
        or shows_code(cell.metadata)
        or SETUP_TAG in cell.metadata.get("tags", [])
    ]
    return nb


@dataclass(frozen=True)
class Outcome:
    """What became of one notebook."""

    name: str
    seconds: float
    failure: str = ""

    @property
    def ok(self) -> bool:
        return not self.failure

    def line(self) -> str:
        status = "ok  " if self.ok else "FAIL"
        text = f"{status} {self.name} ({self.seconds:.1f} s)"
        return f"{text}\n     {self.failure}" if self.failure else text


def first_line(source: str) -> str:
    """The cell's first line of code (its first line, if it is all comments)."""
    lines = [line.strip() for line in source.splitlines() if line.strip()]
    code = [line for line in lines if not line.startswith("#")]
    return (code or lines or ["(empty cell)"])[0]


def last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "(nothing)"


def last_error_line(exc: BaseException) -> str:
    """The last line of what a failing cell raised (``ValueError: ...``)."""
    if isinstance(exc, CellExecutionError):
        ename, evalue = getattr(exc, "ename", ""), getattr(exc, "evalue", "")
        if ename:
            return f"{ename}: {last_line(str(evalue))}" if str(evalue).strip() else ename
    return last_line(str(exc)) if str(exc).strip() else type(exc).__name__


def run_notebook(
    path: Path, name: str, *, timeout_s: float, devices: int, visible: bool = False
) -> Outcome:
    """Execute ``path`` alone in a fresh folder and kernel, within ``timeout_s`` in all
    (``visible``: only the code cells its page shows, :func:`shown_only`)."""
    nb = nbformat.read(path, as_version=4)
    if visible:
        nb = shown_only(nb)
    env = {k: v for k, v in os.environ.items() if k not in BUILD_ONLY_ENV}
    env["JAX_NUM_CPU_DEVICES"] = str(devices)
    start = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix="notebook-") as folder,
        tempfile.TemporaryFile("w+") as kernel_log,
    ):
        shutil.copy(path, Path(folder) / path.name)
        client = NotebookClient(
            nb,
            kernel_name="python3",
            resources={"metadata": {"path": folder}},
            timeout=int(timeout_s),
            allow_errors=False,
        )
        index, cell = -1, None
        try:
            # The kernel process's own stderr (start-up notices, a crash) goes to a log, read
            # back only if the kernel dies; what the cells print comes back as their outputs.
            with client.setup_kernel(env=env, cwd=folder, stderr=kernel_log):
                for index, cell in enumerate(nb.cells):
                    left = timeout_s - (time.perf_counter() - start)
                    if left <= 0:
                        raise CellTimeoutError(f"notebook time-out of {timeout_s:g} s reached")
                    client.timeout = max(1, int(left))
                    client.execute_cell(cell, index)
        except (CellExecutionError, CellTimeoutError, DeadKernelError, RuntimeError) as exc:
            where = "before the first cell"
            if cell is not None:
                where = f"cell {index} (`{first_line(cell.source)}`)"
            what = last_error_line(exc)
            if isinstance(exc, CellTimeoutError):
                what = f"timed out: the notebook's {timeout_s:g} s ran out"
            elif isinstance(exc, DeadKernelError):
                kernel_log.seek(0)
                what = f"the kernel died; its last words: {last_line(kernel_log.read())}"
            return Outcome(name, time.perf_counter() - start, f"{name}: {where}: {what}")
    return Outcome(name, time.perf_counter() - start)


def usable_cores() -> int:
    """The cores this process may run on (Linux says; elsewhere, the machine's count)."""
    if hasattr(os, "sched_getaffinity"):  # not on macOS or Windows
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def notebooks(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="where the notebooks are (searched below)")
    parser.add_argument("--devices", type=int, default=1, help="JAX_NUM_CPU_DEVICES")
    # The results-across-hardware page runs every suite: about 4 minutes on 2 busy cores.
    parser.add_argument("--timeout", type=float, default=600, help="seconds per notebook")
    parser.add_argument(
        "--visible",
        action="store_true",
        help="run only the code cells each page shows (not those the site removes or hides)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=usable_cores(),
        help="notebooks run at once (default: the cores this process may use)",
    )
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    found = notebooks(args.folder)
    if not found:
        print(f"no notebooks under {args.folder}", file=sys.stderr)
        return 1
    which = "the cells each page shows" if args.visible else "every cell"
    print(
        f"{len(found)} notebooks, {which}, each in a fresh kernel on {args.devices} CPU device(s)"
    )
    options = {"timeout_s": args.timeout, "devices": args.devices, "visible": args.visible}
    named = {path: str(path.relative_to(args.folder)) for path in found}
    outcomes, jobs, start = [], min(args.jobs, len(found)), time.perf_counter()
    # Spawned, not forked: the caller may hold threads (pytest-xdist's worker does).
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(jobs, mp_context=spawn) as pool:
        running = [pool.submit(run_notebook, path, name, **options) for path, name in named.items()]
        for done in as_completed(running):  # each line as its notebook ends
            outcome = done.result()
            print(outcome.line(), flush=True)
            outcomes.append(outcome)
    failed = [o for o in outcomes if not o.ok]
    total, wall = sum(o.seconds for o in outcomes), time.perf_counter() - start
    print(
        f"{len(outcomes) - len(failed)} of {len(outcomes)} notebooks ran in {wall:.0f} s "
        f"({total:.0f} s of notebooks, {jobs} at a time)"
    )
    return min(len(failed), 100)


if __name__ == "__main__":
    sys.exit(main())
