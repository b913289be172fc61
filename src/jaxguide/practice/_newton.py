"""Practical: Newton's square root as a loop that ``jit`` compiles once and ``grad`` differentiates."""

from __future__ import annotations

import linecache
import os
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import jaxlib
import numpy as np

import jaxguide
from jaxguide.practice._jaxpr import equations
from jaxguide.practice._report import (
    Fitted,
    Hint,
    Mistake,
    Wrong,
    _name,
    call,
    checker,
    identify,
)
from jaxguide.practice._trees import compare

__all__ = ["NEWTON_STEPS", "check_newton_sqrt"]

NEWTON_STEPS = 20
"""How many Newton steps ``newton_sqrt`` takes: a number known before the program runs."""

SIZE = 12
TRIALS = ((0.01, 1e4), (0.5, 50.0))  # log-uniform ranges of a: large ones need many steps
LOOPS = frozenset({"scan", "while"})
ROOTS = frozenset({"sqrt", "rsqrt", "pow", "cbrt"})
FIX = (
    "loop a fixed NEWTON_STEPS times with lax.fori_loop(0, NEWTON_STEPS, ...) (Python int "
    "bounds: a scan underneath) or lax.scan, which grad differentiates"
)


def _iterates(a: np.ndarray, steps: int = NEWTON_STEPS) -> list[np.ndarray]:
    """x after 0, 1, …, ``steps`` Newton steps from a + 1, in float64."""
    a = np.asarray(a, np.float64)
    xs = [a + 1.0]
    for _ in range(steps):
        xs.append((xs[-1] + a / xs[-1]) / 2)
    return xs


def _root_and_slope(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The loop's result and its derivative in a (forward mode through the same steps)."""
    a = np.asarray(a, np.float64)
    x, dx = a + 1.0, np.ones_like(a)
    for _ in range(NEWTON_STEPS):
        x, dx = (x + a / x) / 2, (dx + 1 / x - a * dx / x**2) / 2
    return x, dx


def _too_few(a: np.ndarray, *, got: Any) -> Fitted | None:
    """x after the number of steps (fewer than NEWTON_STEPS) that is nearest the output."""
    try:
        g = np.asarray(got, np.float64)
    except (TypeError, ValueError):
        return None
    iterates = _iterates(a)[:NEWTON_STEPS]
    if g.shape != a.shape:
        return None
    k = int(np.argmin([np.max(np.abs(x - g) / (np.abs(x) + 1e-6)) for x in iterates]))
    return Fitted(iterates[k], f"({k} of {NEWTON_STEPS})")


WRONGS = (
    Wrong(
        "too few steps",
        "x after fewer Newton steps than NEWTON_STEPS",
        _too_few,
        "take exactly NEWTON_STEPS steps",
        fit=True,
    ),
    Wrong(
        "the step without the halving",
        "NEWTON_STEPS steps of x + a / x, without the division by 2",
        lambda a: _steps(a, lambda x: x + a / x),
        "Newton's step is x ← (x + a / x) / 2",
    ),
    Wrong(
        "a / x written x / a",
        "NEWTON_STEPS steps of (x + x / a) / 2: a / x written x / a",
        lambda a: _steps(a, lambda x: (x + x / a) / 2),
        "Newton's step is x ← (x + a / x) / 2",
    ),
    Wrong(
        "the loop index taken for x",
        "(i + a / i) / 2 with i the last loop index: fori_loop's body was written body(x, i)",
        lambda a: (NEWTON_STEPS - 1 + a / (NEWTON_STEPS - 1)) / 2,
        "lax.fori_loop calls body(i, x), the index first",
    ),
    Wrong(
        "every iterate returned",
        "every iterate stacked, (NEWTON_STEPS, len(a)): lax.scan's stacked outputs",
        lambda a: np.stack(_iterates(a)[1:]),
        "return the last x only (lax.scan's final carry, its first output)",
    ),
    Wrong(
        "lax.scan's pair returned",
        "lax.scan's pair (final x, every iterate)",
        lambda a: (_iterates(a)[-1], np.stack(_iterates(a)[1:])),
        "return the final carry alone",
    ),
)


def _steps(a: np.ndarray, step: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """``step`` taken NEWTON_STEPS times from a + 1, in float64."""
    x = np.asarray(a, np.float64) + 1.0
    for _ in range(NEWTON_STEPS):
        x = step(x)
    return x


# --- the loop JAX sees: what kind of while, if any ------------------------------------------


def _whiles(fn: Callable[..., Any], a: Any) -> list[Any]:
    try:
        return [e for e in equations(fn, a) if e.primitive.name == "while"]
    except Mistake:
        return []


def _while_kind(eqn: Any) -> str:
    """``values`` if the loop's condition reads floats (it stops on the values), ``literal``
    if it compares a counter with a number written in the program, else ``traced``."""
    cond = eqn.params["cond_jaxpr"].jaxpr
    for inner in cond.eqns:
        if any(
            hasattr(v, "aval") and jnp.issubdtype(v.aval.dtype, jnp.floating) for v in inner.invars
        ):
            return "values"
    comparisons = [e for e in cond.eqns if e.primitive.name in {"lt", "le", "gt", "ge", "ne"}]
    if comparisons and any(hasattr(v, "val") for v in comparisons[0].invars):
        return "literal"
    return "traced"


_WHILE_SAYS = {
    "values": (
        "a while_loop that stops on the values",
        (
            "the loop's condition reads x, so how many steps it takes is known only when it "
            "runs, and reverse mode needs the count while tracing"
        ),
    ),
    "literal": (
        "a lax.while_loop counting the steps",
        (
            "lax.while_loop is never differentiated in reverse mode, even when it counts to a "
            "fixed number"
        ),
    ),
    "traced": (
        "a traced step count",
        (
            "the loop's bound is an array, not a Python int, so fori_loop became a while_loop "
            "(the count is unknown while tracing)"
        ),
    ),
}


def _reverse_hint(kinds: list[str]) -> Hint:
    """The hint for JAX's reverse-mode error, naming the while loop the jaxpr holds."""

    def evidence(_error: BaseException, text: str) -> str | None:
        if "Reverse-mode differentiation does not work" not in text or not kinds:
            return None
        says, why = _WHILE_SAYS[kinds[0]]
        return f"its jaxpr holds {says}: {why}; {FIX}"

    return Hint("a while_loop under grad", evidence)


def _statement(error: BaseException) -> tuple[str, str]:
    """The line of the reader's code an error came from (the last frame outside JAX and this
    package, as Python's traceback reads it) and the line after it; empty if none is found."""
    inside = tuple(
        str(Path(module.__file__ or "").parent) + os.sep for module in (jax, jaxlib, jaxguide)
    )
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        if not frame.filename.startswith(inside) and frame.line:
            after = linecache.getline(frame.filename, (frame.lineno or 0) + 1)
            return frame.line.strip(), after.strip()
    return "", ""


def _python_while(error: BaseException, _text: str) -> str | None:
    if not isinstance(error, jax.errors.TracerBoolConversionError):
        return None
    line, after = _statement(error)
    if line.startswith("while "):
        found = f"a Python while on the values (`{line}`)"
    elif line.startswith("if ") and (line.endswith("break") or after.startswith("break")):
        shown = line if line.endswith("break") else f"{line} break"
        found = f"a Python loop left early on the values (`{shown}`)"
    else:
        return None  # another if, or a bool() elsewhere: the general hint speaks for it
    return (
        f"{found}: under jit x is a tracer with no value to test, and stopping when close "
        f"enough would make the number of steps depend on the values; {FIX}"
    )


PYTHON_WHILE = Hint("a Python while or break on the values", _python_while)
STRUCTURE = (
    "a Python loop, unrolled",
    "the root in closed form, not Newton's steps",
    *(says for says, _ in _WHILE_SAYS.values()),
)


@checker("newton_sqrt", (*WRONGS, PYTHON_WHILE, *STRUCTURE))
def check_newton_sqrt(fn: Callable[..., Any]) -> str:
    """Check ``fn(a)``: the square roots of a positive ``a``, by :data:`NEWTON_STEPS` Newton
    steps ``x ← (x + a / x) / 2`` from ``x = a + 1``, under ``jit`` and ``grad``.

    Values are compared with the same steps in float64 NumPy, the gradient of their sum with
    the derivative carried through those steps (about ``1 / (2 √a)``); the jaxpr must hold the
    step once, in a loop (``scan``), not unrolled, and no ``sqrt``.

    >>> from jax import lax
    >>> check_newton_sqrt(
    ...     lambda a: lax.fori_loop(0, NEWTON_STEPS, lambda _, x: (x + a / x) / 2, a + 1.0))
    ✓ ...
    >>> check_newton_sqrt(
    ...     lambda a: lax.fori_loop(0, 5, lambda _, x: (x + a / x) / 2, a + 1.0))
    ✗ newton_sqrt: your output equals x after fewer Newton steps than NEWTON_STEPS (5 of 20), ...
    """
    rng = np.random.default_rng(5)
    jitted = jax.jit(fn)
    for low, high in TRIALS:
        a = np.exp(rng.uniform(np.log(low), np.log(high), SIZE)).astype(np.float32)
        got = call(jitted, a, hints=(PYTHON_WHILE,), what=_name(fn))
        root, slope = (r.astype(np.float32) for r in _root_and_slope(a))
        identify(got, root, WRONGS, (a,), what="x after NEWTON_STEPS steps")
        compare(got, root, what="the roots", axes=("entry",))
        kinds = [_while_kind(e) for e in _whiles(fn, a)]
        grads = call(
            jax.jit(jax.grad(lambda v: jnp.sum(fn(v)))),
            a,
            hints=(_reverse_hint(kinds),),
            what="jax.grad of its sum",
        )
        compare(grads, slope, what="the gradient", axes=("entry",))
    a = np.ones(SIZE, np.float32)
    found = [e.primitive.name for e in equations(fn, a)]
    if LOOPS.isdisjoint(found):
        roots = sorted(ROOTS.intersection(found))
        if roots:
            raise Mistake(
                f"the root in closed form, not Newton's steps: its jaxpr holds {roots[0]} and "
                "no loop; the task is NEWTON_STEPS steps in a lax.fori_loop or lax.scan"
            )
        divs = found.count("div")
        if divs >= NEWTON_STEPS:
            raise Mistake(
                f"a Python loop, unrolled: its jaxpr holds no loop and {divs} divisions, one "
                f"copy of the step per iteration ({len(found)} equations in all); {FIX}"
            )
        raise Mistake(f"its jaxpr holds no loop (no scan, no while): {FIX}")
    return (
        f"newton_sqrt matches {NEWTON_STEPS} Newton steps on {len(TRIALS) * SIZE} values of a, "
        "its gradient matches the derivative through those steps, and its jaxpr holds the "
        f"step once, in a loop ({len(found)} equations)"
    )
