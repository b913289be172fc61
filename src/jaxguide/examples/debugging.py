"""Examples for the debugging page: a NaN made deep inside a jitted function, an index ``jit``
clamps, and a function that prints while it is traced and while it runs.

>>> float(jax.jit(deep_nan)(jnp.array([1.0, 2.0, 3.0]))) > 0  # every input at least 1: finite
True
>>> bool(jnp.isnan(jax.jit(deep_nan)(jnp.array([1.0, 0.5, 3.0]))))  # 0.5: a NaN, and no error
True
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

__all__ = ["deep_nan", "noisy_double", "pick"]


def deep_nan(x: jax.Array) -> jax.Array:
    """The sum of ``sqrt(tanh(log(x)))``: a NaN for any entry of ``x`` below 1.

    ``log`` of an entry below 1 is negative, ``tanh`` keeps its sign, and the square root of
    a negative number is NaN, which the sum passes on. The NaN is made by ``sqrt``, two
    operations after the entry that causes it.

    >>> round(float(deep_nan(jnp.array([jnp.e, jnp.e]))), 4)  # 2 * sqrt(tanh(1))
    1.7455
    """
    y = jnp.log(x)
    z = jnp.tanh(y)
    return jnp.sum(jnp.sqrt(z))


def pick(x: jax.Array, i: jax.Array) -> jax.Array:
    """``x[i]``: under ``jit``, an index past the end gives the last entry, and no error.

    >>> x = jnp.array([10.0, 20.0, 30.0])
    >>> float(jax.jit(pick)(x, 1)), float(jax.jit(pick)(x, 7))  # 7 is clamped to 2
    (20.0, 30.0)
    """
    return x[i]


def noisy_double(x: jax.Array) -> jax.Array:
    """``2 * x``, printing ``x`` with ``print`` (when traced) and ``jax.debug.print`` (when run).

    >>> _ = jax.jit(noisy_double)(jnp.float32(1.0)); jax.effects_barrier()
    print: JitTracer(float32[])
    debug.print: 1.0
    """
    print("print:", x)  # noqa: T201 (the lesson: print runs while the function is traced)
    jax.debug.print("debug.print: {}", x)
    return 2 * x
