"""Examples for the grad page: a loss over a pytree of parameters, and gradients that stay finite.

>>> import jax, jax.numpy as jnp
>>> from jaxguide.examples.jit import init_mlp
>>> params = init_mlp(jax.random.key(0), [2, 4, 1])
>>> grads = jax.grad(batch_loss)(params, jnp.ones((3, 2)), jnp.zeros((3, 1)))
>>> jax.tree.map(jnp.shape, grads) == jax.tree.map(jnp.shape, params)
True
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from jaxguide.examples.jit import Params, mlp

__all__ = ["batch_loss", "dense_tanh", "example_loss", "loss_with_metrics", "safe_sqrt"]


def example_loss(params: Params, x: jax.Array, y: jax.Array) -> jax.Array:
    """Squared error of :func:`~jaxguide.examples.jit.mlp` on one example ``(x, y)``.

    >>> from jaxguide.examples.jit import init_mlp
    >>> params = init_mlp(jax.random.key(0), [2, 1])
    >>> float(example_loss(params, jnp.zeros(2), jnp.ones(1)))
    1.0
    """
    return jnp.sum((mlp(params, x) - y) ** 2)


def batch_loss(params: Params, xs: jax.Array, ys: jax.Array) -> jax.Array:
    """Mean of :func:`example_loss` over a batch: ``xs`` is ``(n, d)``, ``ys`` is ``(n, k)``.

    >>> from jaxguide.examples.jit import init_mlp
    >>> params = init_mlp(jax.random.key(0), [2, 1])
    >>> float(batch_loss(params, jnp.zeros((5, 2)), jnp.ones((5, 1))))
    1.0
    """
    return jnp.mean(jax.vmap(example_loss, in_axes=(None, 0, 0))(params, xs, ys))


def loss_with_metrics(
    params: Params, xs: jax.Array, ys: jax.Array, l2: float = 1e-3
) -> tuple[jax.Array, dict[str, jax.Array]]:
    """An L2-regularised :func:`batch_loss` and the metrics worth logging (for ``has_aux``).

    >>> from jaxguide.examples.jit import init_mlp
    >>> params = init_mlp(jax.random.key(0), [2, 1])
    >>> loss, metrics = loss_with_metrics(params, jnp.zeros((5, 2)), jnp.ones((5, 1)))
    >>> sorted(metrics)
    ['mse', 'weight_norm']
    """
    mse = batch_loss(params, xs, ys)
    weight_norm = jnp.sum(jnp.stack([jnp.sum(layer["w"] ** 2) for layer in params]))
    return mse + l2 * weight_norm, {"mse": mse, "weight_norm": weight_norm}


def safe_sqrt(x: jax.Array) -> jax.Array:
    """``sqrt(x)`` for ``x > 0`` and 0 elsewhere, with a finite gradient everywhere.

    ``jnp.where(x > 0, jnp.sqrt(x), 0.0)`` has a NaN gradient at ``x <= 0``: the untaken
    branch's derivative (infinite or NaN) is multiplied by zero, which stays NaN. Feeding
    the square root a safe value where it is not taken keeps every branch finite.

    >>> jax.grad(lambda x: jnp.where(x > 0, jnp.sqrt(x), 0.0))(-1.0)
    Array(nan, dtype=float32, weak_type=True)
    >>> jax.grad(safe_sqrt)(-1.0), jax.grad(safe_sqrt)(4.0)
    (Array(0., dtype=float32, weak_type=True), Array(0.25, dtype=float32, weak_type=True))
    """
    positive = x > 0
    return jnp.where(positive, jnp.sqrt(jnp.where(positive, x, 1.0)), 0.0)


def dense_tanh(w: jax.Array, x: jax.Array) -> jax.Array:
    """``tanh(w @ x)``: a map from ``x.size`` inputs to ``w.shape[0]`` outputs.

    Its Jacobian is ``w.shape[0] × x.size``: tall when ``w`` has more rows than columns,
    wide otherwise.

    >>> w = jnp.ones((3, 2))
    >>> jax.jacfwd(dense_tanh, argnums=1)(w, jnp.zeros(2)).shape
    (3, 2)
    """
    return jnp.tanh(w @ x)
