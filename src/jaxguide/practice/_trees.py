"""Comparing a reader's output with the reference: structure, then shapes, then values."""

from __future__ import annotations

from typing import Any

import jax
import numpy as np

from jaxguide.practice._report import Mistake

__all__ = ["ATOL", "RTOL", "close", "compare", "describe", "same_shapes"]

RTOL, ATOL = 1e-4, 1e-5
"""Float32 results of different but equivalent programs agree to about this (relative, absolute)."""


def describe(tree: Any) -> str:
    """A few words for what a value is: ``an array of shape (3,)``, ``a dict with keys a, b``.

    >>> import numpy as np
    >>> describe({"w": np.ones(2), "b": 0.0}), describe((np.ones((2, 3)), 1.0))
    ('a dict with keys b, w', 'a tuple of 2 (shapes (2, 3), ())')
    """
    if isinstance(tree, dict):
        return f"a dict with keys {', '.join(sorted(map(str, tree)))}"
    if isinstance(tree, tuple | list):
        shapes = ", ".join(str(np.shape(x)) if _is_array(x) else type(x).__name__ for x in tree)
        return f"a {type(tree).__name__} of {len(tree)} (shapes {shapes})"
    if _is_array(tree):
        return f"an array of shape {np.shape(tree)}"
    return f"a {type(tree).__name__}"


def _is_array(x: Any) -> bool:
    return isinstance(x, jax.Array | np.ndarray | np.generic | float | int)


def close(got: Any, expected: Any, rtol: float = RTOL, atol: float = ATOL) -> bool:
    """Whether ``got`` has ``expected``'s structure and shapes, and values within tolerance."""
    try:
        compare(got, expected, rtol=rtol, atol=atol)
    except Mistake:
        return False
    return True


def same_shapes(got: Any, expected: Any) -> bool:
    """Whether ``got`` has ``expected``'s structure and the same shape at every leaf."""
    return str(jax.tree.structure(got)) == str(jax.tree.structure(expected)) and all(
        np.shape(g) == np.shape(e)
        for g, e in zip(jax.tree.leaves(got), jax.tree.leaves(expected), strict=True)
    )


def compare(
    got: Any,
    expected: Any,
    *,
    what: str = "the output",
    axes: tuple[str, ...] = (),
    rtol: float = RTOL,
    atol: float = ATOL,
) -> None:
    """Raise a :class:`Mistake` naming the first difference; ``axes`` names leading axes.

    >>> import numpy as np
    >>> compare({"w": np.zeros((4, 2))}, {"w": np.zeros((4, 3))}, what="grads")
    Traceback (most recent call last):
    ...
    jaxguide.practice._report.Mistake: wrong shape for grads['w']: expected (4, 3), got (4, 2)
    >>> compare(np.array([1.0, 2.0]), np.array([1.0, 2.5]), axes=("example",))
    Traceback (most recent call last):
    ...
    jaxguide.practice._report.Mistake: wrong values for the output at example 1: expected 2.5, got 2
    """
    if str(jax.tree.structure(got)) != str(jax.tree.structure(expected)):
        raise Mistake(f"wrong structure: expected {describe(expected)}, got {describe(got)}")
    for (path, g), e in zip(
        jax.tree_util.tree_leaves_with_path(got), jax.tree.leaves(expected), strict=True
    ):
        name = what + jax.tree_util.keystr(path)
        g_arr, e_arr = np.asarray(g), np.asarray(e)
        if g_arr.shape != e_arr.shape:
            raise Mistake(f"wrong shape for {name}: expected {e_arr.shape}, got {g_arr.shape}")
        ok = np.isclose(g_arr, e_arr, rtol=rtol, atol=atol)
        if not ok.all():
            index = tuple(int(i) for i in np.argwhere(~ok)[0])
            where = _where(index, axes)
            raise Mistake(
                f"wrong values for {name}{where}: expected {e_arr[index]:.4g}, got {g_arr[index]:.4g}"
            )


def _where(index: tuple[int, ...], axes: tuple[str, ...]) -> str:
    if not index:
        return ""
    named = [f"{axis} {i}" for axis, i in zip(axes, index, strict=False)]
    rest = index[len(named) :]
    if rest:
        named.append(f"index {rest[0] if len(rest) == 1 else rest}")
    return " at " + ", ".join(named)
