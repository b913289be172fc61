"""Practical: a jitted function with a static argument, which a sweep must not recompile."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Any

import jax
import numpy as np

from jaxguide.bench import count_compiles
from jaxguide.practice._report import Hint, Mistake, Wrong, call, checker, identify
from jaxguide.practice._trees import compare

__all__ = ["check_smooth"]

SIZE, STEPS, PROBE = 16, (2, 4), 6  # the sweep's values of steps: fresh ones, not checked before
_CHECKS = itertools.count(1)  # how many checks ran: each probes with values of its own
STRENGTHS = tuple(float(s) for s in np.linspace(0.05, 0.95, 8))
STATIC = "steps sets the output's shape and the loop's length, so jit must see it as a Python int"


def _steps_traced(error: BaseException, text: str) -> str | None:
    """The error says a traced value depends on steps (JAX names the argument)."""
    if isinstance(
        error, jax.errors.ConcretizationTypeError | jax.errors.TracerIntegerConversionError
    ):
        found = re.search(r"depends on the values? of the arguments? (\w+)\b", text)
        if found and found.group(1) == "steps":
            return f"{STATIC}: mark it static (static_argnames='steps')"
    if "Shapes must be 1D sequences of concrete values" in text and "steps" in text:
        return f"{STATIC}: mark it static (static_argnames='steps')"
    return None


def _x_static(_error: BaseException, text: str) -> str | None:
    if "Non-hashable static arguments" in text and re.search(r"ndarray|Array|float32\[", text):
        return (
            "an array cannot be a static argument (it cannot be hashed): only steps should be "
            "static, x is traced"
        )
    return None


HINTS = (
    Hint("steps traced, not static", _steps_traced),
    Hint("x made static", _x_static),
)


def _reference(x: np.ndarray, strength: float, steps: int) -> np.ndarray:
    states = []
    for _ in range(steps):
        x = (1 - strength) * x + strength * 0.5 * (np.roll(x, 1) + np.roll(x, -1))
        states.append(x)
    return np.stack(states)


WRONGS = (
    Wrong(
        "the first state repeated",
        "the first step's state, repeated",
        lambda x, s, n: np.stack([_reference(x, s, 1)[0]] * n) if n > 1 else None,
        "each round smooths the state the previous round left",
    ),
    Wrong(
        "the states one step late",
        "x followed by the states before the last (one step late)",
        lambda x, s, n: np.concatenate([x[None], _reference(x, s, n)[:-1]]),
        "keep each state after its step, not before",
    ),
    Wrong(
        "only the final state",
        "the final state alone",
        lambda x, s, n: _reference(x, s, n)[-1],
        "stack every state: (steps, len(x))",
    ),
    Wrong(
        "strength and 1 - strength swapped",
        "the smoothing with strength and 1 - strength swapped",
        lambda x, s, n: _reference(x, 1 - s, n) if s != 0.5 else None,
        "smooth_step(x, strength) applies the task's weights",
    ),
)
STRUCTURE = (
    "not jitted",
    "a new x compiled again (x static)",
    "a new strength compiled again (strength static)",
    "jit made afresh at every call",
)


@checker("smooth", (*WRONGS, *HINTS, *STRUCTURE))
def check_smooth(fn: Callable[..., Any]) -> str:
    """Check ``fn(x, strength, steps)``: ``steps`` rounds of :func:`smooth_step`, every state kept.

    ``fn`` must return the (steps, len(x)) states, be jitted, and compile once per value of
    ``steps`` over a sweep of strengths and inputs: it counts XLA's compilations.

    >>> import functools, jax, jax.numpy as jnp
    >>> from jaxguide.practice import smooth_step
    >>> @functools.partial(jax.jit, static_argnames="steps")
    ... def smooth(x, strength, steps):
    ...     states = []
    ...     for _ in range(steps):
    ...         x = smooth_step(x, strength)
    ...         states.append(x)
    ...     return jnp.stack(states)
    >>> check_smooth(smooth)
    ✓ ...
    >>> check_smooth(jax.jit(smooth.__wrapped__, static_argnames=("strength", "steps")))
    ✗ smooth: a new strength compiled again: ...
    """
    rng = np.random.default_rng(3)
    xs = [rng.standard_normal(SIZE).astype(np.float32) for _ in range(len(STRENGTHS))]
    for x, strength, steps in ((xs[0], 0.3, 3), (xs[1], 0.7, 5), (xs[2], 0.5, 1)):
        got = call(fn, x, strength, steps, hints=HINTS)
        expected = _reference(x, strength, steps)
        identify(got, expected, WRONGS, (x, strength, steps), what="every state, in order")
        compare(got, expected, what="the states", axes=("step",))
    if not hasattr(fn, "lower"):
        raise Mistake("not a jitted function (it has no .lower): wrap it in jax.jit, steps static")
    # Values no earlier check has used, so nothing a static argument compiled is cached yet.
    fresh = next(_CHECKS) * 1e-6
    first, second = 0.25 + fresh, 0.55 + fresh
    call(fn, xs[0] + fresh, first, PROBE)
    with count_compiles() as same:
        call(fn, xs[0] + fresh, first, PROBE)
    if same.count:
        raise Mistake(
            "compiled again when called a second time with the same arguments: a jax.jit made "
            "inside the function is a new function at every call, with an empty cache; jit "
            "once, outside"
        )
    with count_compiles() as new_x:
        call(fn, xs[1] + fresh, first, PROBE)
    with count_compiles() as new_strength:
        call(fn, xs[0] + fresh, second, PROBE)
    if new_x.count:
        raise Mistake("a new x of the same shape compiled again: x must be traced, not static")
    if new_strength.count:
        raise Mistake(
            "a new strength compiled again: strength is static, so each value is a new program "
            "— only steps should be static"
        )
    with count_compiles() as sweep:
        for steps in STEPS:
            for x, strength in zip(xs, STRENGTHS, strict=True):
                call(fn, x, strength, steps)
    calls = len(STEPS) * len(STRENGTHS)
    if sweep.count > len(STEPS):
        raise Mistake(
            f"compiled {sweep.count} times over a sweep of {calls} calls with {len(STEPS)} "
            f"values of steps, where one compilation per value of steps is enough"
        )
    return (
        f"smooth matches the reference for three (strength, steps) pairs, and a sweep of {calls} "
        f"calls ({len(STRENGTHS)} strengths × steps in {STEPS}) compiled {sweep.count} time"
        f"{'' if sweep.count == 1 else 's'}: once per value of steps at most"
    )
