"""Examples for the vmap page: functions written for one example, batched by (nested) vmap.

>>> import jax.numpy as jnp
>>> pairwise_distances(jnp.zeros((2, 3)), jnp.ones((4, 3))).shape
(2, 4)
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from jaxguide.examples.grad import example_loss
from jaxguide.examples.jit import Params

__all__ = ["batched_matmul", "distance", "matmul", "pairwise_distances", "per_example_grads"]


def distance(x: jax.Array, y: jax.Array) -> jax.Array:
    """Euclidean distance between two points of shape ``(d,)``.

    >>> distance(jnp.zeros(2), jnp.array([3.0, 4.0]))
    Array(5., dtype=float32)
    """
    return jnp.sqrt(jnp.sum((x - y) ** 2))


def pairwise_distances(xs: jax.Array, ys: jax.Array) -> jax.Array:
    """Distances between every row of ``xs`` ``(n, d)`` and of ``ys`` ``(m, d)``: ``(n, m)``.

    The inner vmap maps over ``ys`` with ``x`` fixed; the outer one over ``xs``.

    >>> pairwise_distances(jnp.array([[0.0, 0.0]]), jnp.array([[3.0, 4.0], [0.0, 1.0]]))
    Array([[5., 1.]], dtype=float32)
    """
    one_to_many = jax.vmap(distance, in_axes=(None, 0))
    return jax.vmap(one_to_many, in_axes=(0, None))(xs, ys)


def matmul(a: jax.Array, b: jax.Array) -> jax.Array:
    """``a @ b`` built from dot products: rows of ``a`` (axis 0) against columns of ``b`` (axis 1).

    >>> a, b = jnp.arange(6.0).reshape(2, 3), jnp.arange(12.0).reshape(3, 4)
    >>> bool(jnp.allclose(matmul(a, b), a @ b))
    True
    """
    row_times_columns = jax.vmap(jnp.dot, in_axes=(None, 1))
    return jax.vmap(row_times_columns, in_axes=(0, None))(a, b)


def batched_matmul(a: jax.Array, b: jax.Array) -> jax.Array:
    """:func:`matmul` over a leading batch axis of both operands: ``(k, n, d) @ (k, d, m)``.

    >>> batched_matmul(jnp.ones((5, 2, 3)), jnp.ones((5, 3, 4))).shape
    (5, 2, 4)
    """
    return jax.vmap(matmul)(a, b)


def per_example_grads(params: Params, xs: jax.Array, ys: jax.Array) -> Params:
    """The gradient of :func:`~jaxguide.examples.grad.example_loss` for each example of a batch.

    Every leaf gains a leading batch axis: ``grads[i]`` is the gradient at ``(xs[i], ys[i])``.

    >>> from jaxguide.examples.jit import init_mlp
    >>> params = init_mlp(jax.random.key(0), [3, 4, 1])
    >>> grads = per_example_grads(params, jnp.ones((8, 3)), jnp.ones((8, 1)))
    >>> grads[0]["w"].shape
    (8, 3, 4)
    """
    grads: Params = jax.vmap(jax.grad(example_loss), in_axes=(None, 0, 0))(params, xs, ys)
    return grads
