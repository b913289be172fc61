"""The optimized program XLA compiles, without the names and locations that differ by caller.

Two functions that compile to the same program should compare equal, whatever the Python
names of their arguments, the module's name or the source lines they were traced from; two that
compile to different programs must not. :func:`optimized_hlo` gives the text to compare and
:func:`hlo_digest` a short fingerprint of it that a results record can hold.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

import jax

__all__ = ["hlo_digest", "optimized_hlo"]

_SOURCE_TABLES = re.compile(
    r"^(?:FileNames|FunctionNames|FileLocations|StackFrames)\n(?:.+\n)*", re.MULTILINE
)
"""The tables of source files, functions, lines and stack frames the metadata points into."""
_METADATA = re.compile(r",?\s*metadata=\{[^{}]*\}")
"""An instruction's metadata: its op name (``jit(f)/dot_general``) and source location."""
_MODULE = re.compile(r"^HloModule \S+", re.MULTILINE)
_NAME = re.compile(r"%[\w.\-]+")
"""An instruction's or computation's name, such as ``%w.1`` (from the argument ``w``)."""
_PARAMETER_NAME = re.compile(r"(?:(?<=\()|(?<=, ))[\w.\-]+(?=: )")
"""A parameter's name in a computation's signature, ``(w.1: f32[64,32], ...)``."""


def optimized_hlo(fn: Callable[..., Any], *args: Any) -> str:
    """XLA's optimized HLO of ``jax.jit(fn)`` for ``args``, with nothing that names it.

    Metadata (op names, source locations), the module's name and every instruction's and
    computation's name are replaced by what their place in the text says: names are numbered
    in order of first appearance. What is left is the program: its operations, shapes,
    layouts, fusions and their configuration. A function jitted already is compiled with its
    own options.

    >>> import jax.numpy as jnp
    >>> x = jnp.ones(3)
    >>> optimized_hlo(lambda a: a * 2, x) == optimized_hlo(lambda b: 2 * b, x)
    True
    >>> optimized_hlo(lambda a: a * 2, x) == optimized_hlo(lambda a: a + 2, x)
    False
    """
    jitted = fn if hasattr(fn, "lower") else jax.jit(fn)
    text = str(jitted.lower(*args).compile().as_text())
    text = _SOURCE_TABLES.sub("", _METADATA.sub("", text))
    text = _MODULE.sub("HloModule program", text)
    names: dict[str, str] = {}
    text = _NAME.sub(lambda m: names.setdefault(m.group(), f"%{len(names)}"), text)
    text = "\n".join(
        _PARAMETER_NAME.sub("_", line) if line.startswith(("%", "ENTRY ")) else line
        for line in text.splitlines()
    )
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def hlo_digest(text: str) -> str:
    """A 16-hex-digit fingerprint of ``text``: equal programs, equal digests.

    >>> hlo_digest("HloModule program\\n") == hlo_digest("HloModule program\\n")
    True
    >>> len(hlo_digest("x"))
    16
    """
    return hashlib.sha256(text.encode()).hexdigest()[:16]
