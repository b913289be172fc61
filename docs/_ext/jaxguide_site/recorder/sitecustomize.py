"""What a page's processes used of jaxguide, for the docs build's execution cache.

The build puts this folder on ``PYTHONPATH`` for the kernels it starts (and so for whatever
they start: ``python -m jaxguide.bench ...`` from a cell), and names, in
``JAXGUIDE_PAGE_RECORD``, a file for the page being executed. Each process appends JSON lines
there as it goes: one as it starts, then one for each jaxguide module it imports (less
``claims/``, which the build judges itself) and each shared suite results file
(``JAXGUIDE_SHARED_RESULTS``) it first reads or writes. Writing as it goes, not as it exits,
keeps the record whole when a kernel is slow to shut down and is killed (jupyter_client
sends SIGTERM 2.5 s after asking, and a killed process runs no exit hooks).
:mod:`jaxguide_site.dependencies` turns the lines into the page's dependencies. Elsewhere (no
``JAXGUIDE_PAGE_RECORD``) this does nothing but load any other sitecustomize.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import Any

_RECORD = os.environ.get("JAXGUIDE_PAGE_RECORD")
_SHARED = os.environ.get("JAXGUIDE_SHARED_RESULTS")


def _ours(name: str) -> bool:
    """Whether a module's dependencies are the record's to keep (the claims are judged apart)."""
    if name != "jaxguide" and not name.startswith("jaxguide."):
        return False
    return name != "jaxguide.claims" and not name.startswith("jaxguide.claims.")


if _RECORD:
    _shared = os.path.realpath(_SHARED) + os.sep if _SHARED else None
    _written: set[tuple[str, str]] = set()
    _importing: list[str] = []  # ours, being imported: written at the first event after

    def _write(
        modules: tuple[str, ...] = (), read: tuple[str, ...] = (), wrote: tuple[str, ...] = ()
    ) -> None:
        line = {"pid": os.getpid(), "modules": modules, "read": read, "wrote": wrote}
        try:
            with Path(str(_RECORD)).open("a", encoding="utf-8") as f:
                f.write(json.dumps(line) + "\n")
        except OSError:  # the build went on without it: the page counts as depending on all
            pass

    def _loaded() -> None:
        """Write the files of the modules imported since the last event that now have one
        (a module is in ``sys.modules``, its file set, before its code runs)."""
        ready = [name for name in _importing if name in sys.modules]
        _importing[:] = [name for name in _importing if name not in ready]  # before writing:
        for name in ready:  # writing opens a file, an event that comes back here
            file = getattr(sys.modules[name], "__file__", None)
            if isinstance(file, str):
                _once("modules", os.path.realpath(file))

    def _once(key: str, path: str) -> None:
        if (key, path) not in _written:
            _written.add((key, path))
            _write(**{key: (path,)})

    def _audit(event: str, args: tuple[Any, ...]) -> None:
        if _importing:
            _loaded()
        if event != "open" or _shared is None:
            return
        try:
            path = os.path.realpath(os.fsdecode(args[0]))
        except TypeError:  # a file descriptor
            return
        if path.startswith(_shared):
            mode = args[1] if isinstance(args[1], str) else "r"
            _once("wrote" if any(c in mode for c in "wax+") else "read", path)

    class _Noticer:
        """First on ``sys.meta_path``: notes each of our modules as its import starts
        (parents too, which raise no ``import`` audit event), and finds nothing."""

        @staticmethod
        def find_spec(name: str, path: object = None, target: object = None) -> None:
            del path, target  # where it would look: not ours to find
            if _ours(name):
                _importing.append(name)

    _write()  # it ran, whatever it uses
    sys.meta_path.insert(0, _Noticer)
    sys.addaudithook(_audit)


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
