"""Reference implementations the pages import: one module per transformation or topic.

Each lesson module is imported when first used, not with this package, so that a page records
only the modules it uses and the docs build re-executes it only when one of those changes.

>>> from jaxguide import examples
>>> examples.pytrees.__name__  # imported here, if nothing had imported it yet
'jaxguide.examples.pytrees'
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from jaxguide.examples._multiprocess import PortInUse, ProcessResult, launch_processes

if TYPE_CHECKING:
    from jaxguide.examples import (
        autodiff,
        compilation,
        control_flow,
        debugging,
        grad,
        jit,
        meshes,
        numbers,
        parallel,
        profiling,
        pytrees,
        random,
        vmap,
        vmap_memory,
        vmap_speed,
    )

__all__ = [
    "PortInUse",
    "ProcessResult",
    "autodiff",
    "compilation",
    "control_flow",
    "debugging",
    "grad",
    "jit",
    "launch_processes",
    "meshes",
    "numbers",
    "parallel",
    "profiling",
    "pytrees",
    "random",
    "vmap",
    "vmap_memory",
    "vmap_speed",
]


def __getattr__(name: str) -> Any:
    """``examples.<lesson>``: the lesson module, imported now if it was not yet (the names
    of ``__all__`` that this module does not define itself)."""
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
