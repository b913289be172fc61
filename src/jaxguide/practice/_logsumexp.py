"""Practical: a logsumexp that is accurate on 16-bit floats and returns their dtype."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from jaxguide.practice._report import Mistake, Wrong, _name, call, checker, identify
from jaxguide.practice._trees import compare

__all__ = ["check_logsumexp"]

LENGTH = 4096
"""How many numbers each row of the check's batches holds."""

ROWS = (  # (what a row is, its offset, its scale): each breaks one of the usual mistakes
    ("spread out", 0.0, 3.0),  # exp of the row sums past float16's largest number
    ("large", 100.0, 1.0),  # exp overflows even in float32
    ("very negative", -60.0, 1.0),  # exp underflows in float16; far below the batch's max
    ("small", 0.0, 0.5),  # many terms near 1: a float16 running sum loses them
)


def batch(dtype: Any, seed: int) -> jax.Array:
    """The check's inputs: one row of each of :data:`ROWS`, in ``dtype``."""
    rng = np.random.default_rng(seed)
    rows = [offset + scale * rng.standard_normal(LENGTH) for _, offset, scale in ROWS]
    return jnp.asarray(np.stack(rows), dtype)


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
STATE = ("the result promoted",)

TRIALS = ((jnp.float16, 0), (jnp.bfloat16, 1))


def _tolerance(dtype: Any) -> float:
    """Two roundings of ``dtype``, relative: what a result rounded to it may be off by."""
    return 2 * float(np.finfo(np.dtype(dtype)).eps)  # ml_dtypes' finfo, for bfloat16 too


@checker("logsumexp", (*WRONGS, *STATE))
def check_logsumexp(fn: Callable[..., Any]) -> str:
    """Check ``fn(x)``: for ``x`` of shape ``(rows, n)`` in float16 or bfloat16, each row's
    ``log(sum(exp(x)))``, of shape ``(rows,)`` and in ``x``'s dtype.

    Called under ``jit`` on a float16 and a bfloat16 batch whose rows are spread out, large,
    very negative and small, and compared with NumPy's float64 answer to within two roundings
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
    for dtype, seed in TRIALS:
        x = batch(dtype, seed)
        got = call(jitted, x, what=f"jax.jit({_name(fn)})")
        exact = jnp.asarray(_exact(x), x.dtype)  # NumPy's float64 answer, rounded to the dtype
        tolerance = _tolerance(dtype)
        what = f"each row's logsumexp (of a {x.dtype} batch)"
        identify(got, exact, WRONGS, (x,), what=what, rtol=tolerance, atol=0.0)
        compare(got, exact, what=what, axes=("row",), rtol=tolerance, atol=0.0, dtypes=False)
        found = np.dtype(getattr(got, "dtype", np.asarray(got).dtype))
        if found != x.dtype:
            raise Mistake(
                f"the result promoted: the values are right, but they came back as {found} "
                f"for a {x.dtype} input (a float32 intermediate, or a NumPy or float32 "
                "scalar, widened them); return the input's dtype: .astype(x.dtype) at the end"
            )
    rows = ", ".join(name for name, _, _ in ROWS)
    return (
        "logsumexp matches NumPy's float64 answer to within two roundings, in the input's "
        f"dtype, on a float16 and a bfloat16 batch under jit (rows {rows})"
    )
