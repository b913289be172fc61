"""Examples for the numbers page: dtypes, 64-bit numbers, low precision and matmul precision.

>>> (jnp.ones(3, jnp.float16) * 2.0).dtype  # a Python number keeps the array's dtype
dtype('float16')
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from numpy.typing import ArrayLike

__all__ = ["chain", "relative_error", "running_sum", "under_x64"]


def chain(x: jax.Array) -> jax.Array:
    """An element-wise chain: a few transcendental functions and products, one value per entry.

    >>> x = jnp.linspace(-1.0, 1.0, 5)
    >>> y = chain(x)
    >>> y.dtype, bool(jnp.allclose(y, np.tanh(x) * np.exp(-x * x) + np.sin(3 * x), atol=1e-6))
    (dtype('float32'), True)
    """
    return jnp.tanh(x) * jnp.exp(-x * x) + jnp.sin(3.0 * x)


def running_sum(xs: jax.Array) -> jax.Array:
    """The sum of ``xs``, one term at a time, in ``xs``'s own dtype (a ``lax.scan``).

    Each partial sum is rounded to the dtype: once it is large, a small term is lost.

    >>> running_sum(jnp.ones(4, jnp.float16))
    Array(4., dtype=float16)
    >>> running_sum(jnp.ones(4096, jnp.float16))  # 2049 rounds back to 2048
    Array(2048., dtype=float16)
    """
    total, _ = lax.scan(lambda acc, x: (acc + x, None), jnp.zeros((), xs.dtype), xs)
    return total


def under_x64(fn: Callable[..., Any], enabled: bool = True) -> Callable[..., Any]:
    """``fn``, called with ``jax_enable_x64`` set to ``enabled`` for the call alone.

    A jitted ``fn`` is traced and compiled once per setting: the setting is part of its key.

    >>> def dtype_of(x):
    ...     return jnp.asarray(x).dtype
    >>> under_x64(dtype_of)(np.zeros(2)), under_x64(dtype_of, enabled=False)(np.zeros(2))
    (dtype('float64'), dtype('float32'))
    """

    def call(*args: Any) -> Any:
        with jax.enable_x64(enabled):
            return fn(*args)

    return call


def relative_error(out: ArrayLike, reference: ArrayLike) -> float:
    """``max|out - reference| / max|reference|``, computed in float64 with NumPy.

    >>> relative_error([1.0, 2.0], [1.0, 2.5])
    0.2
    """
    got, expected = np.asarray(out, np.float64), np.asarray(reference, np.float64)
    return float(np.max(np.abs(got - expected)) / np.max(np.abs(expected)))
