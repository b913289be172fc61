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
# Log-uniform ranges of a. The first two converge within NEWTON_STEPS (values, gradients); for a
# from 1e11 on, NEWTON_STEPS steps from a + 1 are still halving x towards the root, so a step
# more or less changes x by far more than float32 rounding: the count is checked by the values.
TRIALS = ((0.01, 1e4), (0.5, 50.0), (1e11, 1e13))
MOST_STEPS = 64  # the counts fitted to an output: past this every a here has converged
# Where the start shows: x = a and x = 1 give the same steps after the first, and differ from
# x = a + 1 by about 1e-12 relative after NEWTON_STEPS steps, below float32 rounding; in float64
# they differ by over a thousand times its rounding (measured: 6e-13 against 4e-16).
START_PROBE = (1e11, 1e12)
START_RTOL = 2e-14
LOOPS = frozenset({"scan", "while"})
ROOTS = frozenset({"sqrt", "rsqrt", "cbrt"})
FIX = (
    "loop a fixed NEWTON_STEPS times with lax.fori_loop(0, NEWTON_STEPS, ...) (Python int "
    "bounds: a scan underneath) or lax.scan, which grad differentiates"
)


def _iterates(
    a: np.ndarray, steps: int = NEWTON_STEPS, start: np.ndarray | None = None
) -> list[np.ndarray]:
    """x after 0, 1, …, ``steps`` Newton steps from ``start`` (a + 1), in float64."""
    a = np.asarray(a, np.float64)
    xs = [a + 1.0 if start is None else np.asarray(start, np.float64)]
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


def _other_count(a: np.ndarray, *, got: Any) -> Fitted | None:
    """x after the number of steps (other than NEWTON_STEPS) that is nearest the output."""
    try:
        g = np.asarray(got, np.float64)
    except (TypeError, ValueError):
        return None
    iterates = _iterates(a, MOST_STEPS)
    if g.shape != a.shape:
        return None
    k = int(np.argmin([np.max(np.abs(x - g) / (np.abs(x) + 1e-6)) for x in iterates]))
    if k == NEWTON_STEPS:
        return None
    converged = np.allclose(iterates[k], iterates[-1], rtol=1e-6, atol=0)
    return Fitted(
        iterates[k],
        f"({k} or more of {NEWTON_STEPS} steps, which converge to the root)"
        if converged and k > NEWTON_STEPS
        else f"({k} of {NEWTON_STEPS} steps)",
    )


WRONGS = (
    Wrong(
        "another number of steps",
        "x after another number of Newton steps than NEWTON_STEPS",
        _other_count,
        "take exactly NEWTON_STEPS steps: lax.fori_loop(lower, upper, ...) takes upper - lower",
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
        "lax.scan's (carry, None) pair returned",
        "lax.scan's pair (final x, None): a step that stacks no outputs",
        lambda a: (_iterates(a)[-1], None),
        "return the final carry alone: x, _ = lax.scan(...)",
    ),
    Wrong(
        "lax.scan's pair returned",
        "lax.scan's pair (final x, every iterate)",
        lambda a: (_iterates(a)[-1], np.stack(_iterates(a)[1:])),
        "return the final carry alone",
    ),
)


STARTS = (
    Wrong(
        "started from a or from 1",
        "NEWTON_STEPS steps from x = a or x = 1 (the two give the same steps after the first)",
        lambda a: _iterates(a, start=a)[-1],
    ),
    Wrong(
        "started from a / 2",
        "NEWTON_STEPS steps from x = a / 2",
        lambda a: _iterates(a, start=a / 2)[-1],
    ),
)


def _start(fn: Callable[..., Any]) -> None:
    """Name a start other than x = a + 1, seen in float64 (JAX's x64 mode): in float32 the
    outputs agree to rounding. Says nothing if the function does not run in float64."""
    a = np.logspace(np.log10(START_PROBE[0]), np.log10(START_PROBE[1]), SIZE)

    def in_x64(v: np.ndarray) -> Any:
        with jax.enable_x64(True):
            return jax.jit(fn)(v)

    try:
        got = np.asarray(call(in_x64, a, what=_name(fn)), np.float64)
    except Mistake as mistake:
        if "did not finish" in str(mistake):
            raise
        return  # its errors are named on the float32 inputs, as the task gives them
    except (TypeError, ValueError):
        return
    right = _iterates(a)[-1]
    if got.shape != a.shape or np.allclose(got, right, rtol=START_RTOL, atol=0):
        return
    for wrong in STARTS:
        out = wrong.output(a)
        if np.allclose(got, out, rtol=START_RTOL, atol=0):
            i = int(np.argmax(np.abs(out - right) / right))
            raise Mistake(
                f"your output equals {wrong.says}, not NEWTON_STEPS steps from x = a + 1: in "
                "float32 the two agree to rounding, but in float64 (jax.enable_x64) they differ "
                f"by {abs(out[i] - right[i]) / right[i]:.1g} of x at a = {a[i]:.3g}, where your "
                "output equals the other start's — start from x = a + 1, as the task says"
            )


def _roots(fn: Callable[..., Any], a: np.ndarray) -> None:
    """Name a square root taken by an operation anywhere in the jaxpr, loop or no loop."""
    found = []
    for eqn in equations(fn, a):
        name = eqn.primitive.name
        if name in ROOTS:
            found.append(name)
        elif name == "pow":
            power = eqn.invars[1]
            value = getattr(power, "val", None)
            if value is None or float(np.asarray(value)) != round(float(np.asarray(value))):
                shown = "a traced power" if value is None else f"power {float(np.asarray(value)):g}"
                found.append(f"pow ({shown})")
    if found:
        loops = any(e.primitive.name in LOOPS for e in equations(fn, a))
        raise Mistake(
            f"the root in closed form, not Newton's steps: its jaxpr holds {found[0]}"
            f"{' beside its loop' if loops else ' and no loop'}, so Newton's steps are not all that "
            "computes the output; the task is NEWTON_STEPS steps of x ← (x + a / x) / 2 in a "
            "lax.fori_loop or lax.scan, and no root taken any other way"
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


def _loop(fn: Callable[..., Any]) -> list[str]:
    """The primitives of ``fn``'s jaxpr; a :class:`Mistake` unless they hold a loop."""
    a = np.ones(SIZE, np.float32)
    found = [e.primitive.name for e in equations(fn, a)]
    if LOOPS.isdisjoint(found):
        divs = found.count("div")
        if divs >= NEWTON_STEPS:
            raise Mistake(
                f"a Python loop, unrolled: its jaxpr holds no loop and {divs} divisions, one "
                f"copy of the step per iteration ({len(found)} equations in all); {FIX}"
            )
        raise Mistake(f"its jaxpr holds no loop (no scan, no while): {FIX}")
    return found


@checker("newton_sqrt", (*WRONGS, *STARTS, PYTHON_WHILE, *STRUCTURE))
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
    ✗ newton_sqrt: your output equals x after another number of Newton steps than NEWTON_STEPS (5 of 20 steps), ...
    """
    rng = np.random.default_rng(5)
    jitted = jax.jit(fn)
    found: list[str] = []
    for trial, (low, high) in enumerate(TRIALS):
        a = np.exp(rng.uniform(np.log(low), np.log(high), SIZE)).astype(np.float32)
        got = call(jitted, a, hints=(PYTHON_WHILE,), what=_name(fn))
        if trial == 0:
            _roots(fn, a)
            found = _loop(fn)
            _start(fn)
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
    return (
        f"newton_sqrt matches {NEWTON_STEPS} Newton steps on {len(TRIALS) * SIZE} values of a, "
        "its gradient matches the derivative through those steps, and its jaxpr holds the "
        f"step once, in a loop ({len(found)} equations)"
    )
