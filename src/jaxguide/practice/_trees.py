"""Comparing a reader's output with the reference: structure, then shapes, dtypes and values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jax
import numpy as np

from jaxguide.practice._report import Mistake

__all__ = [
    "ATOL",
    "RTOL",
    "a",
    "close",
    "compare",
    "conform",
    "describe",
    "evidence",
    "lower_precision",
    "same_shapes",
]

RTOL, ATOL = 1e-4, 1e-5
"""Float32 results of different but equivalent programs agree to about this (relative, absolute)."""


def describe(tree: Any) -> str:
    """A few words for what a value is: ``an array of shape (3,)``, ``a dict with keys a, b``.

    >>> import numpy as np
    >>> describe({"w": np.ones(2), "b": 0.0}), describe((np.ones((2, 3)), 1.0)), describe(None)
    ('a dict with keys b, w', 'a tuple of 2 (shapes (2, 3), ())', 'None')
    """
    if tree is None:
        return "None"
    if isinstance(tree, Mapping):
        return f"{a(type(tree).__name__)} with keys {', '.join(sorted(map(str, tree)))}"
    if isinstance(tree, tuple | list):
        shapes = ", ".join(str(np.shape(x)) if _is_array(x) else describe(x) for x in tree)
        return f"a {type(tree).__name__} of {len(tree)} (shapes {shapes})"
    if _is_array(tree):
        return f"an array of shape {np.shape(tree)}"
    return a(type(tree).__name__)


def a(name: str) -> str:
    """``name`` with its indefinite article, as it is read aloud.

    >>> a("dict"), a("MLP"), a("OrderedDict")
    ('a dict', 'an MLP', 'an OrderedDict')
    """
    vowel = name[:1].lower() in "aeio" or (name[:1] in "FHLMNRSX" and name[1:2].isupper())
    return f"{'an' if vowel else 'a'} {name}"


def _is_array(x: Any) -> bool:
    return isinstance(x, jax.Array | np.ndarray | np.generic | float | int)


def conform(got: Any, expected: Any, *, exact: bool = False) -> Any:
    """``got`` with its containers made ``expected``'s where only the kind of container matters.

    A mapping with the same keys (an ``OrderedDict``) becomes a dict, a list where a tuple is
    expected (or a tuple for a list) of the same length becomes one; with ``exact`` only the
    mapping is converted. Anything else is returned as it is, for :func:`compare` to describe.

    >>> from collections import OrderedDict
    >>> conform(OrderedDict(b=1, a=2), {"a": 0, "b": 0}), conform([1, 2], (0, 0))
    ({'b': 1, 'a': 2}, (1, 2))
    """
    if isinstance(expected, dict) and isinstance(got, Mapping) and set(got) == set(expected):
        return {k: conform(got[k], expected[k], exact=exact) for k in got}
    if (
        isinstance(expected, tuple | list)
        and isinstance(got, tuple | list)
        and len(got) == len(expected)
        and (not exact or type(got) is type(expected))
    ):
        return type(expected)(
            conform(g, e, exact=exact) for g, e in zip(got, expected, strict=True)
        )
    return got


def close(got: Any, expected: Any, rtol: float = RTOL, atol: float = ATOL) -> bool:
    """Whether ``got`` has ``expected``'s structure and shapes, and values within tolerance.

    Dtypes are not compared here: :func:`compare` names a dtype that differs.
    """
    try:
        compare(got, expected, rtol=rtol, atol=atol, dtypes=False)
    except Mistake:
        return False
    return True


def same_shapes(got: Any, expected: Any) -> bool:
    """Whether ``got`` has ``expected``'s structure and the same shape at every leaf."""
    got = conform(got, expected)
    return _structure(got) == _structure(expected) and all(
        np.shape(g) == np.shape(e)
        for g, e in zip(jax.tree.leaves(got), jax.tree.leaves(expected), strict=True)
    )


def _structure(tree: Any) -> str:
    return str(jax.tree.structure(tree))


def _structure_difference(got: Any, expected: Any, name: str) -> str:
    """The first place where ``got``'s containers differ from ``expected``'s, in words."""
    if isinstance(expected, Mapping):
        if not isinstance(got, Mapping):
            return f"{name}: expected {describe(expected)}, got {describe(got)}"
        missing, extra = (
            sorted(set(map(str, expected)) - set(map(str, got))),
            sorted(set(map(str, got)) - set(map(str, expected))),
        )
        if missing or extra:
            parts = [f"missing keys {', '.join(missing)}"] if missing else []
            parts += [f"unexpected keys {', '.join(extra)}"] if extra else []
            return f"{name}: {'; '.join(parts)} (expected {describe(expected)})"
        for key in expected:
            if _structure(got[key]) != _structure(expected[key]):
                return _structure_difference(got[key], expected[key], f"{name}[{key!r}]")
    elif isinstance(expected, tuple | list):
        if not isinstance(got, tuple | list) or len(got) != len(expected):
            return f"{name}: expected {describe(expected)}, got {describe(got)}"
        for i, (g, e) in enumerate(zip(got, expected, strict=True)):
            if _structure(g) != _structure(e):
                return _structure_difference(g, e, f"{name}[{i}]")
    return f"{name}: expected {describe(expected)}, got {describe(got)}"


def _dtype(x: Any) -> np.dtype[Any]:
    return np.asarray(x).dtype if not hasattr(x, "dtype") else np.dtype(x.dtype)


def _dtype_mistake(g: Any, e: Any) -> bool:
    """A float expected and an integer or boolean given, or a float of lower precision."""
    got, want = _dtype(g), _dtype(e)
    if not jax.numpy.issubdtype(want, jax.numpy.floating):
        return False
    if isinstance(g, float):  # a Python float is a weakly typed float64
        return False
    if not jax.numpy.issubdtype(got, jax.numpy.floating):
        return True
    return got.itemsize < want.itemsize


def lower_precision(got: Any, expected: Any) -> bool:
    """Whether some leaf of ``got`` is an integer, or a float of fewer bits, where ``expected``'s is a float."""
    got = conform(got, expected)
    if _structure(got) != _structure(expected):
        return False
    return any(
        _dtype_mistake(g, e)
        for g, e in zip(jax.tree.leaves(got), jax.tree.leaves(expected), strict=True)
    )


def pair(e: float, g: float) -> tuple[str, str]:
    """Two numbers written with enough digits to tell them apart (4 at least, 9 at most).

    >>> pair(-0.33081, -0.330811), pair(1.0, 2.0)
    (('-0.33081', '-0.330811'), ('1', '2'))
    """
    for digits in range(4, 10):
        a, b = f"{e:.{digits}g}", f"{g:.{digits}g}"
        if a != b:
            return a, b
    return a, b


def evidence(got: Any, expected: Any, axes: tuple[str, ...] = ()) -> str:
    """Where ``got`` first differs from ``expected``, with both values, in a few words."""
    got = conform(got, expected)
    if _structure(got) != _structure(expected):
        return f"expected {describe(expected)}, got {describe(got)}"
    for (path, g), e in zip(
        jax.tree_util.tree_leaves_with_path(got), jax.tree.leaves(expected), strict=True
    ):
        if np.shape(g) != np.shape(e):
            at = jax.tree_util.keystr(path)
            return (
                f"{at + ' has ' if at else ''}shape {np.shape(g)}, where {np.shape(e)} is expected"
            )
    for (path, g), e in zip(
        jax.tree_util.tree_leaves_with_path(got), jax.tree.leaves(expected), strict=True
    ):
        g_arr, e_arr = np.asarray(g, np.float64), np.asarray(e, np.float64)
        ok = np.isclose(g_arr, e_arr, rtol=RTOL, atol=ATOL)
        if not ok.all():
            index = tuple(int(i) for i in np.argwhere(~ok)[0])
            a, b = pair(float(e_arr[index]), float(g_arr[index]))
            at = (jax.tree_util.keystr(path) + _where(index, axes)).strip()
            return f"{at}: expected {a}, got {b}".removeprefix("at ").removeprefix(": ")
    return "they differ"


def compare(
    got: Any,
    expected: Any,
    *,
    what: str = "the output",
    axes: tuple[str, ...] = (),
    rtol: float = RTOL,
    atol: float = ATOL,
    dtypes: bool = True,
    exact_containers: bool = False,
) -> None:
    """Raise a :class:`Mistake` naming the first difference; ``axes`` names leading axes.

    Containers are compared by kind (see :func:`conform`), then shapes, then dtypes (a float
    expected: not an integer, not fewer bits), then values.

    >>> import numpy as np
    >>> compare({"w": np.zeros((4, 2))}, {"w": np.zeros((4, 3))}, what="grads")
    Traceback (most recent call last):
    ...
    jaxguide.practice._report.Mistake: wrong shape for grads['w']: expected (4, 3), got (4, 2)
    >>> compare(np.array([1.0, 2.0]), np.array([1.0, 2.5]), axes=("example",))
    Traceback (most recent call last):
    ...
    jaxguide.practice._report.Mistake: wrong values for the output at example 1: expected 2.5, got 2
    >>> compare(np.float16(-0.3308), np.float32(-0.3308))
    Traceback (most recent call last):
    ...
    jaxguide.practice._report.Mistake: wrong dtype for the output: expected float32, got float16
    """
    got = conform(got, expected, exact=exact_containers)
    if _structure(got) != _structure(expected):
        raise Mistake(f"wrong structure for {_structure_difference(got, expected, what)}")
    for (path, g), e in zip(
        jax.tree_util.tree_leaves_with_path(got), jax.tree.leaves(expected), strict=True
    ):
        name = what + jax.tree_util.keystr(path)
        g_arr, e_arr = np.asarray(g), np.asarray(e)
        if g_arr.shape != e_arr.shape:
            raise Mistake(f"wrong shape for {name}: expected {e_arr.shape}, got {g_arr.shape}")
        if dtypes and _dtype_mistake(g, e):
            raise Mistake(f"wrong dtype for {name}: expected {e_arr.dtype}, got {_dtype(g)}")
        try:
            ok = np.isclose(
                g_arr.astype(np.float64), e_arr.astype(np.float64), rtol=rtol, atol=atol
            )
        except (TypeError, ValueError):
            raise Mistake(
                f"wrong type for {name}: expected {describe(e)}, got {describe(g)}"
            ) from None
        if not ok.all():
            index = tuple(int(i) for i in np.argwhere(~ok)[0])
            a, b = pair(float(e_arr[index]), float(g_arr[index]))
            raise Mistake(f"wrong values for {name}{_where(index, axes)}: expected {a}, got {b}")


def _where(index: tuple[int, ...], axes: tuple[str, ...]) -> str:
    if not index:
        return ""
    named = [f"{axis} {i}" for axis, i in zip(axes, index, strict=False)]
    rest = index[len(named) :]
    if rest:
        named.append(f"index {rest[0] if len(rest) == 1 else rest}")
    return " at " + ", ".join(named)
