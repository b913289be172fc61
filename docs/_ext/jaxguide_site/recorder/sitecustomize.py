"""What a page's processes used of jaxguide, for the docs build's execution cache.

The build puts this folder on ``PYTHONPATH`` for the kernels it starts (and so for whatever
they start: ``python -m jaxguide.bench ...`` from a cell), and names, in
``JAXGUIDE_PAGE_RECORD``, a file for the page being executed. Each process appends one JSON
line there when it exits: the files of the jaxguide modules it imported (less ``claims/``,
which the build judges itself) and the shared suite results (``JAXGUIDE_SHARED_RESULTS``) it
read or wrote. :mod:`jaxguide_site.dependencies` turns the lines into the page's dependencies.
Elsewhere (no ``JAXGUIDE_PAGE_RECORD``) this does nothing but load any other sitecustomize.
"""

from __future__ import annotations

import atexit
import importlib.machinery
import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import Any

_RECORD = os.environ.get("JAXGUIDE_PAGE_RECORD")
_SHARED = os.environ.get("JAXGUIDE_SHARED_RESULTS")


def _modules() -> list[str]:
    files = set()
    for name, module in list(sys.modules.items()):
        if name != "jaxguide" and not name.startswith("jaxguide."):
            continue
        if name == "jaxguide.claims" or name.startswith("jaxguide.claims."):
            continue
        file = getattr(module, "__file__", None)
        if isinstance(file, str):
            files.add(os.path.realpath(file))
    return sorted(files)


if _RECORD:
    _shared = os.path.realpath(_SHARED) + os.sep if _SHARED else None
    _opened: dict[str, set[str]] = {"read": set(), "wrote": set()}

    def _audit(event: str, args: tuple[Any, ...]) -> None:
        if event != "open" or _shared is None:
            return
        try:
            path = os.path.realpath(os.fsdecode(args[0]))
        except TypeError:  # a file descriptor
            return
        if path.startswith(_shared):
            mode = args[1] if isinstance(args[1], str) else "r"
            _opened["wrote" if any(c in mode for c in "wax+") else "read"].add(path)

    def _write() -> None:
        line = {
            "pid": os.getpid(),
            "modules": _modules(),
            "read": sorted(_opened["read"]),
            "wrote": sorted(_opened["wrote"]),
        }
        try:
            with Path(str(_RECORD)).open("a", encoding="utf-8") as f:
                f.write(json.dumps(line) + "\n")
        except OSError:  # the build went on without it: the page counts as depending on all
            pass

    sys.addaudithook(_audit)
    atexit.register(_write)


def _chain() -> None:
    """Load the sitecustomize this one shadows, if the environment has one."""
    here = Path(__file__).resolve().parent
    path = [p for p in sys.path if Path(p or os.curdir).resolve() != here]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", path)
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)


_chain()
