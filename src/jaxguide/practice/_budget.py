"""Practical: a vmapped computation made to fit a memory budget, checked by XLA's analysis."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import jax
import numpy as np

from jaxguide.practice._jaxpr import equation_counts, grows_with, shapes
from jaxguide.practice._report import Fitted, Hint, Mistake, Wrong, call, checker, identify
from jaxguide.practice._trees import compare

__all__ = ["MEMORY_BUDGET", "check_soft_nearest_batch"]

MEMORY_BUDGET = 2**20
"""The budget, in bytes of XLA's temporary memory, for 2048 queries against 1024 keys."""
QUERIES, KEYS, FEATURES = 2048, 1024, 8
SMALL = ((300, 50), (5, 20))  # (queries, keys) for the values; 300 is a multiple of few chunks


def _not_a_multiple(_error: BaseException, text: str) -> str | None:
    """The queries, (n, features), reshaped into (chunks, chunk, features), n not a multiple."""
    pattern = rf"cannot reshape array of shape \((\d+), {FEATURES}\).* into shape \(-?\d+, (\d+), {FEATURES}\)"
    found = re.search(pattern, text)
    if found and int(found.group(1)) in {q for q, _ in SMALL}:
        return (
            f"the number of queries, here {found.group(1)}, need not be a multiple of your "
            f"chunk size, {found.group(2)}: lax.map(..., batch_size=...) finishes with a "
            "smaller chunk"
        )
    return None


HINTS = (Hint("the queries reshaped into whole chunks", _not_a_multiple),)


def _reference(queries: np.ndarray, keys: np.ndarray) -> np.ndarray:
    distances = ((queries[:, None, :] - keys[None, :, :]) ** 2).sum(-1)
    weights = np.exp(distances.min(axis=1, keepdims=True) - distances)
    out: np.ndarray = (weights / weights.sum(axis=1, keepdims=True)) @ keys
    return out


def _dropped(queries: np.ndarray, keys: np.ndarray, *, got: Any) -> Fitted | None:
    rows = np.shape(got)[0] if np.ndim(got) == 2 else None
    if rows is None or not 0 < rows < len(queries):
        return None
    return Fitted(_reference(queries, keys)[:rows], f"({len(queries) - rows} of them missing)")


WRONGS = (
    Wrong(
        "the last, smaller chunk dropped",
        "the first queries' results alone, the last partial chunk dropped",
        _dropped,
        "lax.map(..., batch_size=...) finishes with a smaller chunk",
        fit=True,
    ),
    Wrong(
        "queries and keys swapped",
        "the result for every key against the queries (queries and keys swapped)",
        lambda qs, ks: _reference(ks, qs),
        "soft_nearest(query, keys) takes one query and every key",
    ),
)
STRUCTURE = (
    "every query's distances at once",
    "chunks too large for the budget",
    "a Python loop over chunks",
)


def _largest(fn: Callable[..., Any], *args: Any) -> tuple[int, ...]:
    """The shape of the largest intermediate in ``fn``'s jaxpr that holds one value per key."""
    held = [s for s in shapes(fn, *args) if KEYS in s]
    return max(held, key=lambda s: int(np.prod(s)), default=())


@checker("soft_nearest_batch", (*WRONGS, *HINTS, *STRUCTURE))
def check_soft_nearest_batch(fn: Callable[..., Any], budget_bytes: int = MEMORY_BUDGET) -> str:
    """Check ``fn(queries, keys)``: :func:`soft_nearest` for every query, within a memory budget.

    Values are compared with a NumPy reference on small batches; then ``jax.jit(fn)`` is
    compiled (not run) for 2048 queries against 1024 keys of 8 features, and XLA's
    ``memory_analysis()`` must report at most ``budget_bytes`` of temporary memory.

    >>> import jax
    >>> from jaxguide.practice import soft_nearest
    >>> check_soft_nearest_batch(
    ...     lambda qs, ks: jax.lax.map(lambda q: soft_nearest(q, ks), qs, batch_size=128))
    ✓ ...
    >>> check_soft_nearest_batch(jax.vmap(soft_nearest, in_axes=(0, None)))
    ✗ soft_nearest_batch: needs 8,388,608 bytes of temporary memory ...
    """
    rng = np.random.default_rng(5)
    for queries, keys in SMALL:
        qs = rng.standard_normal((queries, FEATURES), dtype=np.float32)
        ks = rng.standard_normal((keys, FEATURES), dtype=np.float32)
        got = call(fn, qs, ks, hints=HINTS, jit=True)
        expected = _reference(qs, ks)
        identify(got, expected, WRONGS, (qs, ks), what="soft_nearest of every query")
        compare(got, expected, what="the output", axes=("query",))
    big = (
        jax.ShapeDtypeStruct((QUERIES, FEATURES), np.float32),  # type: ignore[no-untyped-call]
        jax.ShapeDtypeStruct((KEYS, FEATURES), np.float32),  # type: ignore[no-untyped-call]
    )
    analysis = call(
        lambda *a: jax.jit(fn).lower(*a).compile().memory_analysis(),
        *big,
        hints=HINTS,
        what="compiling your function for the large batch",
    )
    temp = int(analysis.temp_size_in_bytes)

    def zeros(n: int) -> tuple[np.ndarray, np.ndarray]:
        return np.zeros((n, FEATURES), np.float32), np.zeros((KEYS, FEATURES), np.float32)

    if temp > budget_bytes:
        small, large = equation_counts(fn, zeros, (QUERIES // 2, QUERIES))
        largest = _largest(fn, *zeros(QUERIES))
        if large != small:
            why = (
                f" — its jaxpr grows with the queries ({small} equations for {QUERIES // 2}, "
                f"{large} for {QUERIES}): a Python loop over chunks is one program to XLA, which "
                "may keep every chunk's intermediates at once; use lax.map"
            )
        elif QUERIES in largest:
            why = (
                f": it makes every query's distances at once (its largest intermediate is "
                f"{largest}); compute the queries a chunk at a time"
            )
        elif largest:
            why = (
                f": it computes {largest[0]} queries at a time (its largest intermediate is "
                f"{largest}), more than the budget holds; use smaller chunks"
            )
        else:
            why = ""
        raise Mistake(
            f"needs {temp:,} bytes of temporary memory for {QUERIES} queries against {KEYS} "
            f"keys, where the budget is {budget_bytes:,}{why}"
        )
    grows_with(fn, zeros, (QUERIES // 2, QUERIES), "queries")
    return (
        f"soft_nearest_batch matches the reference on {len(SMALL)} random batches and needs "
        f"{temp:,} bytes of temporary memory for {QUERIES} queries against {KEYS} keys, within "
        f"the budget of {budget_bytes:,}; its jaxpr does not grow with the queries"
    )
