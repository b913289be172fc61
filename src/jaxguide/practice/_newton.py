"""Practical: Newton's square root as a loop that jit compiles once and grad differentiates."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxguide.practice._jaxpr import primitive_counts
from jaxguide.practice._report import Mistake, call, checker
from jaxguide.practice._trees import compare

__all__ = ["NEWTON_STEPS", "check_newton_sqrt"]

NEWTON_STEPS = 20
"""How many Newton steps ``newton_sqrt`` takes: a number known before the program runs."""

HINTS = {
    "Reverse-mode differentiation does not work": "a while_loop's trip count is not known "
    "while tracing, so reverse mode cannot differentiate it: loop a fixed NEWTON_STEPS times "
    "with lax.fori_loop and Python int bounds (a scan underneath)",
    "TracerBoolConversionError": "a Python if or while on a traced value: loop a fixed "
    "NEWTON_STEPS times with lax.fori_loop instead",
}


@checker("newton_sqrt")
def check_newton_sqrt(fn: Callable[..., Any]) -> str:
    """Check ``fn(a)``: the square roots of a positive ``a``, by :data:`NEWTON_STEPS` Newton
    steps ``x ← (x + a / x) / 2`` from ``x = a + 1``, jitted and differentiated by ``grad``.

    Values are compared with NumPy's ``sqrt`` and gradients with ``1 / (2 √a)``; the jaxpr
    must hold the step once, in a loop, not unrolled.

    >>> from jax import lax
    >>> check_newton_sqrt(
    ...     lambda a: lax.fori_loop(0, NEWTON_STEPS, lambda _, x: (x + a / x) / 2, a + 1.0))
    ✓ ...
    """
    rng = np.random.default_rng(5)
    a = rng.uniform(0.1, 50.0, size=8).astype(np.float32)
    compare(call(fn, a, hints=HINTS, jit=True), np.sqrt(a), what="the roots", axes=("entry",))
    grads = call(jax.jit(jax.grad(lambda v: jnp.sum(fn(v)))), a, hints=HINTS)
    compare(grads, 0.5 / np.sqrt(a), what="the gradient", axes=("entry",))
    counts = primitive_counts(fn, a)
    if counts["div"] > 2:
        raise Mistake(
            f"the jaxpr holds {counts['div']} divisions: a Python loop unrolled the step "
            "into one copy per iteration; lax.fori_loop with Python int bounds compiles it once"
        )
    if not counts["scan"] and not counts["while"]:
        raise Mistake("the jaxpr holds no loop: use lax.fori_loop (or lax.scan)")
    return (
        f"newton_sqrt matches NumPy's sqrt on {a.size} values, its gradient matches "
        "1 / (2 √a), and its jaxpr holds the step once, in a scan"
    )
