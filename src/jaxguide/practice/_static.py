"""Practical: a jitted function with a static argument, which a sweep must not recompile."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from jaxguide.bench import count_compiles
from jaxguide.practice._report import Mistake, call, checker
from jaxguide.practice._trees import compare

__all__ = ["check_smooth"]

SIZE, STEPS, PROBE = 16, (2, 4), 6  # the sweep's values of steps: fresh ones, not checked before
STRENGTHS = tuple(float(s) for s in np.linspace(0.05, 0.95, 8))
STATIC = "steps sets the output's shape and the loop's length, so jit must see it as a Python int: "
HINTS = {
    "TracerIntegerConversionError": STATIC + "mark it static (static_argnames='steps')",
    "ConcretizationTypeError": STATIC + "mark it static (static_argnames='steps')",
    "Shapes must be 1D sequences of concrete values": STATIC + "mark it static",
    "Non-hashable static arguments": "only steps should be static: x is an array, and an array "
    "cannot be a static argument",
}


def _reference(x: np.ndarray, strength: float, steps: int) -> np.ndarray:
    states = []
    for _ in range(steps):
        x = (1 - strength) * x + strength * 0.5 * (np.roll(x, 1) + np.roll(x, -1))
        states.append(x)
    return np.stack(states)


@checker("smooth")
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
        compare(
            call(fn, x, strength, steps, hints=HINTS),
            _reference(x, strength, steps),
            what="the states",
            axes=("step",),
        )
    if not hasattr(fn, "lower"):
        raise Mistake("not a jitted function (it has no .lower): wrap it in jax.jit, steps static")
    call(fn, xs[0], 0.25, PROBE)
    with count_compiles() as new_x:
        call(fn, xs[1], 0.25, PROBE)
    with count_compiles() as new_strength:
        call(fn, xs[0], 0.55, PROBE)
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
