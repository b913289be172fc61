"""Practical: a logsumexp that is accurate on 16-bit floats and returns their dtype."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from jaxguide.practice._report import Hint, Mistake, Wrong, _name, call, checker, identify
from jaxguide.practice._trees import compare

__all__ = ["check_logsumexp"]

LENGTH = 4096
"""How many numbers each row of the check's batches holds."""

ROWS = (  # (what a row is, its offset, its scale): each breaks one of the usual mistakes
    ("spread out", 0.0, 3.0),  # exp of the row sums past float16's largest number
    ("large", 100.0, 1.0),  # exp overflows even in float32
    ("very negative", -60.0, 1.0),  # exp underflows in float16; far below the batch's max
    ("small", 0.0, 0.5),  # many terms near 1: a float16 running sum loses them
    ("masked", 0.0, 3.0),  # every MASK_EVERY-th entry the dtype's most negative number
)
MASK_EVERY = 8
"""In the masked row, every this many entries is the dtype's most negative finite number, as
an attention mask writes it: a row spanning more than float32's exp range, which breaks a
shift by anything but the row's max (its min overflows exp)."""


def batch(dtype: Any, seed: int) -> jax.Array:
    """The check's inputs: one row of each of :data:`ROWS`, in ``dtype``."""
    rng = np.random.default_rng(seed)
    rows = np.stack([offset + scale * rng.standard_normal(LENGTH) for _, offset, scale in ROWS])
    rows[-1, ::MASK_EVERY] = float(np.finfo(np.dtype(dtype)).min)  # ml_dtypes: bfloat16 too
    return jnp.asarray(rows, dtype)


def _exact(x: jax.Array) -> np.ndarray[Any, np.dtype[np.float64]]:
    """logsumexp of each row of ``x``, in float64 with NumPy: the reference."""
    y = np.asarray(x, np.float64)
    m = y.max(axis=-1)
    out: np.ndarray[Any, np.dtype[np.float64]] = m + np.log(np.exp(y - m[:, None]).sum(axis=-1))
    return out


def _stable(x: jax.Array, m: jax.Array) -> jax.Array:
    """log(sum(exp(x - m))) in float32, for ``m`` of shape ``(rows, 1)`` or a scalar."""
    return jnp.log(jnp.sum(jnp.exp(x.astype(jnp.float32) - m), axis=-1))


def _row_max(x: jax.Array) -> jax.Array:
    return jnp.max(x.astype(jnp.float32), axis=-1, keepdims=True)


def _row_min(x: jax.Array) -> jax.Array:
    return jnp.min(x.astype(jnp.float32), axis=-1, keepdims=True)


def _running(x: jax.Array) -> jax.Array:
    """The max subtracted, but the terms summed one at a time in ``x``'s own dtype."""
    m = _row_max(x)
    terms = jnp.exp(x.astype(jnp.float32) - m).astype(x.dtype)
    total, _ = lax.scan(lambda acc, t: (acc + t, None), jnp.zeros(x.shape[0], x.dtype), terms.T)
    return (jnp.log(total.astype(jnp.float32)) + m[:, 0]).astype(x.dtype)


WRONGS = (
    Wrong(
        "exp overflowed",
        "log(sum(exp(x))) computed in the input's dtype: exp of a large entry, or the sum, "
        "is past the dtype's largest number, so inf (and a row of tiny entries gives log(0), "
        "-inf)",
        lambda x: jnp.log(jnp.sum(jnp.exp(x), axis=-1)),
        "subtract each row's max before exp, and add it back after the log: m + "
        "log(sum(exp(x - m)))",
    ),
    Wrong(
        "the max not subtracted",
        "log(sum(exp(x))) computed in float32: float32's range is wider than float16's, but "
        "exp(100) is still past its largest number, so inf",
        lambda x: jnp.log(jnp.sum(jnp.exp(x.astype(jnp.float32)), axis=-1)).astype(x.dtype),
        "a wider dtype only moves the overflow: subtract each row's max before exp, and add it "
        "back after the log",
    ),
    Wrong(
        "the max of the whole batch",
        "m + log(sum(exp(x - m))) with m the largest entry of the whole batch rather than of "
        "each row: a row far below it underflows to exp(...) = 0, and log(0) = -inf",
        lambda x: (_stable(x, jnp.max(x.astype(jnp.float32))) + jnp.max(x)).astype(x.dtype),
        "take each row's own max: jnp.max(x, axis=-1, keepdims=True)",
    ),
    Wrong(
        "the row's min subtracted",
        "m + log(sum(exp(x - m))) with m each row's smallest entry rather than its largest: "
        "every x - m is at least 0, and exp of a masked row's x - m (its entries less the "
        "dtype's most negative number) is past float32's largest number, so inf",
        lambda x: (_stable(x, _row_min(x)) + _row_min(x)[:, 0]).astype(x.dtype),
        "subtract the row's max, so that every x - m is at most 0 and exp cannot overflow",
    ),
    Wrong(
        "the max kept as a column",
        "m + log(sum(exp(x - m))) with m of shape (rows, 1) (keepdims=True) added to the row "
        "sums of shape (rows,): broadcasting made a (rows, rows) table",
        lambda x: (_row_max(x) + _stable(x, _row_max(x))[None, :]).astype(x.dtype),
        "keepdims=True is for x - m; drop that axis before adding m to the sums: m[:, 0]",
    ),
    Wrong(
        "the mean, not the sum",
        "m + log(mean(exp(x - m))): the log of the mean is the log of the sum less log(n), "
        "the row's length",
        lambda x: (_row_max(x)[:, 0] + _stable(x, _row_max(x)) - np.log(x.shape[-1])).astype(
            x.dtype
        ),
        "sum the terms: jnp.sum(..., axis=-1)",
    ),
    Wrong(
        "the max not added back",
        "log(sum(exp(x - m))) without m added back",
        lambda x: _stable(x, _row_max(x)).astype(x.dtype),
        "add the row's max back after the log: m + log(sum(exp(x - m)))",
    ),
    Wrong(
        "summed one term at a time in 16 bits",
        "the max subtracted, but the terms summed one at a time in the input's dtype: once the "
        "running total is large, each small term is lost in its rounding",
        _running,
        "sum in float32 (jnp.sum of a float32 array, or of the 16-bit one, which JAX sums in "
        "float32 for you), then cast the result",
    ),
)
STATE = ("the result promoted", "a fixed dtype", "not a float dtype")

HINTS = (
    Hint(
        "NumPy on a traced array",
        lambda e, _: (
            "NumPy's functions (np.exp, np.log, np.asarray) need concrete numbers, and under "
            "jit x is traced: use jax.numpy's (jnp.exp, jnp.log)"
            if isinstance(e, jax.errors.TracerArrayConversionError)
            else None
        ),
    ),
    Hint(
        "the max without keepdims",
        lambda _, text: (
            "x has shape (rows, n) and a row max taken without keepdims has shape (rows,), "
            "which does not broadcast against it: jnp.max(x, axis=-1, keepdims=True) gives "
            "(rows, 1)"
            if ((found := re.search(r"\((\d+), \d+\),? \((\d+),\)", text)) and found[1] == found[2])
            else None
        ),
    ),
)

TRIALS = ((jnp.float16, 0), (jnp.bfloat16, 1))


def _not_rounded(got: Any, exact: jax.Array) -> int:
    """How many rows of ``got`` differ from ``exact``, the float64 answer rounded once."""
    return int(np.sum(np.asarray(got, np.float64) != np.asarray(exact, np.float64)))


def _tolerance(dtype: Any) -> float:
    """Two roundings of ``dtype``, relative: what a result rounded to it may be off by."""
    return 2 * float(np.finfo(np.dtype(dtype)).eps)  # ml_dtypes' finfo, for bfloat16 too


@checker("logsumexp", (*WRONGS, *HINTS, *STATE))
def check_logsumexp(fn: Callable[..., Any]) -> str:
    """Check ``fn(x)``: for ``x`` of shape ``(rows, n)`` in float16 or bfloat16, each row's
    ``log(sum(exp(x)))``, of shape ``(rows,)`` and in ``x``'s dtype.

    Called under ``jit`` on a float16 and a bfloat16 batch whose rows are spread out, large,
    very negative, small and masked (every eighth entry the dtype's most negative number),
    and compared with NumPy's float64 answer to within two roundings
    of the dtype.

    >>> def logsumexp(x):
    ...     m = jnp.max(x.astype(jnp.float32), axis=-1, keepdims=True)
    ...     out = m[:, 0] + jnp.log(jnp.sum(jnp.exp(x.astype(jnp.float32) - m), axis=-1))
    ...     return out.astype(x.dtype)
    >>> check_logsumexp(logsumexp)
    ✓ ...
    >>> check_logsumexp(lambda x: jnp.log(jnp.sum(jnp.exp(x), axis=-1)))
    ✗ logsumexp: your output equals log(sum(exp(x))) computed in the input's dtype: ...
    """
    jitted = jax.jit(fn)
    off = wide_off = 0  # rows not the correctly rounded answer: the reader's, float32's inside
    for dtype, seed in TRIALS:
        x = batch(dtype, seed)
        got = call(jitted, x, hints=HINTS, what=f"jax.jit({_name(fn)})")
        kind = getattr(got, "dtype", None)
        if kind is not None and not jnp.issubdtype(kind, jnp.floating):
            raise Mistake(
                f"not a float dtype: the result came back as {np.dtype(kind)} for a {x.dtype} "
                "input; a logsumexp is a float in the input's dtype: .astype(x.dtype) at the end"
            )
        exact = jnp.asarray(_exact(x), x.dtype)  # NumPy's float64 answer, rounded to the dtype
        tolerance = _tolerance(dtype)
        what = f"each row's logsumexp (of a {x.dtype} batch)"
        identify(got, exact, WRONGS, (x,), what=what, rtol=tolerance, atol=0.0)
        compare(got, exact, what=what, axes=("row",), rtol=tolerance, atol=0.0, dtypes=False)
        found = np.dtype(getattr(got, "dtype", np.asarray(got).dtype))
        if found != x.dtype and found.itemsize == x.dtype.itemsize:
            raise Mistake(
                f"a fixed dtype: the values are right, but they came back as {found} for a "
                f"{x.dtype} input (an .astype({found}) written in?); the check runs both 16-bit "
                "floats: return the input's dtype, .astype(x.dtype)"
            )
        if found != x.dtype:
            raise Mistake(
                f"the result promoted: the values are right, but they came back as {found} "
                f"for a {x.dtype} input (a float32 intermediate, or a NumPy or float32 "
                "scalar, widened them); return the input's dtype: .astype(x.dtype) at the end"
            )
        off += _not_rounded(got, exact)
        wide_off += _not_rounded((_row_max(x)[:, 0] + _stable(x, _row_max(x))).astype(dtype), exact)
    rows = ", ".join(name for name, _, _ in ROWS)
    total = len(TRIALS) * len(ROWS)
    rounding = "every row the correctly rounded answer"
    if off:
        rounding = f"{off} of {total} rows not the correctly rounded answer"
        if not wide_off:
            rounding += ", which computing in float32 inside gives on every row (Hint 2)"
    return (
        "logsumexp matches NumPy's float64 answer to within two roundings, in the input's "
        f"dtype, on a float16 and a bfloat16 batch under jit (rows {rows}; {rounding})"
    )
