"""Examples for the autodiff page: Hessian-vector products, custom derivatives, checkpointing.

>>> import jax, jax.numpy as jnp
>>> x, v = jnp.linspace(-1.0, 1.0, 5), jnp.ones(5)
>>> dense = jax.hessian(coupled_energy)(x) @ v
>>> all(bool(jnp.allclose(hvp(coupled_energy, x, v), dense, atol=1e-6)) for hvp in HVPS.values())
True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
from jax.ad_checkpoint import checkpoint_name

__all__ = [
    "HVPS",
    "POLICIES",
    "clip_gradient",
    "coupled_energy",
    "deep_mlp_loss",
    "hvp_fwd_over_rev",
    "hvp_rev_over_fwd",
    "hvp_rev_over_rev",
    "init_deep_mlp",
    "mlp_layer",
    "naive_softplus",
    "rewritten_softplus",
    "softplus_jvp",
    "stable_softplus",
]


def coupled_energy(x: jax.Array) -> jax.Array:
    """``logsumexp(sin(x)) + 0.05 * |x|²``: a scalar whose Hessian is dense.

    The log-sum-exp couples every entry with every other, so no entry of the Hessian is zero
    by structure, and forming it costs ``x.size ** 2`` numbers.

    >>> float(coupled_energy(jnp.zeros(4)))  # log(4)
    1.386...
    """
    return jax.nn.logsumexp(jnp.sin(x)) + 0.05 * jnp.vdot(x, x)


def hvp_fwd_over_rev(f: Callable[[jax.Array], jax.Array], x: jax.Array, v: jax.Array) -> jax.Array:
    """``H(x) @ v`` as the forward-mode derivative of ``grad(f)`` along ``v``.

    >>> hvp_fwd_over_rev(lambda x: jnp.sum(x**3), jnp.array([1.0, 2.0]), jnp.array([1.0, 0.0]))
    Array([6., 0.], dtype=float32)
    """
    hv: jax.Array = jax.jvp(jax.grad(f), (x,), (v,))[1]
    return hv


def hvp_rev_over_fwd(f: Callable[[jax.Array], jax.Array], x: jax.Array, v: jax.Array) -> jax.Array:
    """``H(x) @ v`` as the gradient of the directional derivative ``x -> f'(x; v)``.

    >>> hvp_rev_over_fwd(lambda x: jnp.sum(x**3), jnp.array([1.0, 2.0]), jnp.array([1.0, 0.0]))
    Array([6., 0.], dtype=float32)
    """
    hv: jax.Array = jax.grad(lambda y: jax.jvp(f, (y,), (v,))[1])(x)
    return hv


def hvp_rev_over_rev(f: Callable[[jax.Array], jax.Array], x: jax.Array, v: jax.Array) -> jax.Array:
    """``H(x) @ v`` as the gradient of ``x -> grad(f)(x) · v``: reverse mode twice.

    >>> hvp_rev_over_rev(lambda x: jnp.sum(x**3), jnp.array([1.0, 2.0]), jnp.array([1.0, 0.0]))
    Array([6., 0.], dtype=float32)
    """
    hv: jax.Array = jax.grad(lambda y: jnp.vdot(jax.grad(f)(y), v))(x)
    return hv


HVPS: dict[str, Callable[..., jax.Array]] = {
    "fwd-over-rev": hvp_fwd_over_rev,
    "rev-over-fwd": hvp_rev_over_fwd,
    "rev-over-rev": hvp_rev_over_rev,
}
"""The three ways to compose forward and reverse mode into a Hessian-vector product."""


def naive_softplus(x: jax.Array) -> jax.Array:
    """``log(1 + exp(x))`` as written: ``exp`` overflows float32 past ``x ≈ 88.7``.

    >>> naive_softplus(jnp.array([0.0, 100.0]))
    Array([0.6931472,       inf], dtype=float32)
    """
    return jnp.log1p(jnp.exp(x))


def rewritten_softplus(x: jax.Array) -> jax.Array:
    """``log(1 + exp(x))`` rewritten so that nothing overflows, with no derivative rule.

    Right in value everywhere, and its gradient is ``sigmoid(x)`` everywhere but at 0: there
    autodiff adds the derivatives of two pieces at their kinks (``maximum``'s tie splits 1/2,
    ``abs`` counts as slope 1), which give 1/2 - 1/2 = 0 where the derivative is 1/2.

    >>> rewritten_softplus(jnp.array([0.0, 100.0]))
    Array([  0.6931472, 100.       ], dtype=float32)
    >>> jax.grad(rewritten_softplus)(0.0), jax.grad(rewritten_softplus)(1e-3)
    (Array(0., dtype=float32, weak_type=True), Array(0.50025, dtype=float32, weak_type=True))
    """
    return jnp.maximum(x, 0.0) + jnp.log1p(jnp.exp(-jnp.abs(x)))


@jax.custom_vjp
def stable_softplus(x: jax.Array) -> jax.Array:
    """:func:`rewritten_softplus`, with its derivative ``sigmoid(x)`` given to reverse mode.

    Reverse mode (``grad``, ``vjp``, ``jacrev``) works; forward mode (``jvp``, ``jacfwd``,
    ``hessian``, a forward-over-reverse HVP) raises: a ``custom_vjp`` function has no rule for it.

    >>> stable_softplus(jnp.array([0.0, 100.0]))
    Array([  0.6931472, 100.       ], dtype=float32)
    >>> jax.grad(stable_softplus)(0.0), jax.grad(stable_softplus)(100.0)
    (Array(0.5, dtype=float32, weak_type=True), Array(1., dtype=float32, weak_type=True))
    """
    return rewritten_softplus(x)


def _softplus_fwd(x: jax.Array) -> tuple[jax.Array, jax.Array]:
    return stable_softplus(x), x  # the residual: what the backward pass needs


def _softplus_bwd(x: jax.Array, g: jax.Array) -> tuple[jax.Array]:
    return (g * jax.nn.sigmoid(x),)


stable_softplus.defvjp(_softplus_fwd, _softplus_bwd)


@jax.custom_vjp
def clip_gradient(x: jax.Array, limit: float) -> jax.Array:
    """The identity on ``x``, whose gradient is clipped to ``[-limit, limit]`` on the way back.

    >>> jax.grad(lambda x: 10.0 * clip_gradient(x, 1.0))(3.0)
    Array(1., dtype=float32, weak_type=True)
    """
    del limit  # used on the way back only
    return x


def _clip_fwd(x: jax.Array, limit: float) -> tuple[jax.Array, float]:
    return x, limit


def _clip_bwd(limit: float, g: jax.Array) -> tuple[jax.Array, None]:
    return jnp.clip(g, -limit, limit), None  # no gradient for the limit


clip_gradient.defvjp(_clip_fwd, _clip_bwd)


@jax.custom_jvp
def softplus_jvp(x: jax.Array) -> jax.Array:
    """:func:`rewritten_softplus`, with its derivative ``sigmoid(x)`` given as a forward rule.

    The rule is linear in the tangent and written in JAX, so JAX transposes it for reverse
    mode and differentiates it again for second derivatives: ``grad``, ``jacfwd``, ``hessian``
    and every Hessian-vector product work.

    >>> jax.grad(softplus_jvp)(0.0), jax.hessian(softplus_jvp)(0.0)
    (Array(0.5, dtype=float32, weak_type=True), Array(0.25, dtype=float32, weak_type=True))
    """
    return rewritten_softplus(x)


@softplus_jvp.defjvp
def _softplus_jvp_rule(
    primals: tuple[jax.Array], tangents: tuple[jax.Array]
) -> tuple[jax.Array, jax.Array]:
    (x,), (dx,) = primals, tangents
    return softplus_jvp(x), jax.nn.sigmoid(x) * dx


def init_deep_mlp(key: jax.Array, depth: int, width: int) -> dict[str, jax.Array]:
    """``depth`` tanh layers of ``width`` units, stacked on a leading axis for ``lax.scan``.

    >>> jax.tree.map(jnp.shape, init_deep_mlp(jax.random.key(0), 3, 4))
    {'b': (3, 4), 'w': (3, 4, 4)}
    """
    w = jax.random.normal(key, (depth, width, width)) / jnp.sqrt(width)
    return {"w": w, "b": jnp.zeros((depth, width))}


POLICIES: dict[str, Callable[..., Any] | None] = {
    "no-checkpoint": None,
    "nothing_saveable": jax.checkpoint_policies.nothing_saveable,
    "dots_saveable": jax.checkpoint_policies.dots_saveable,
    "save_only_these_names": jax.checkpoint_policies.save_only_these_names("preactivation"),
}
"""What the backward pass may keep from each layer's forward pass (``None``: no checkpoint)."""


def mlp_layer(h: jax.Array, layer: dict[str, jax.Array]) -> tuple[jax.Array, None]:
    """One tanh layer, shaped as a ``lax.scan`` body; its pre-activation is named
    ``"preactivation"`` for :func:`jax.checkpoint_policies.save_only_these_names`.

    >>> layer = {"w": jnp.eye(2), "b": jnp.zeros(2)}
    >>> mlp_layer(jnp.zeros((1, 2)), layer)
    (Array([[0., 0.]], dtype=float32), None)
    """
    z = checkpoint_name(h @ layer["w"] + layer["b"][None, :], "preactivation")  # type: ignore[no-untyped-call]
    return jnp.tanh(z), None


def deep_mlp_loss(
    layers: dict[str, jax.Array], xs: jax.Array, policy: str = "no-checkpoint"
) -> jax.Array:
    """Mean square of the last layer's output, each layer checkpointed under ``POLICIES[policy]``.

    >>> layers = init_deep_mlp(jax.random.key(0), 2, 3)
    >>> grads = [jax.grad(deep_mlp_loss)(layers, jnp.ones((4, 3)), p) for p in POLICIES]
    >>> all(bool(jnp.allclose(g["w"], grads[0]["w"])) for g in grads)
    True
    """
    if policy not in POLICIES:
        raise ValueError(f"unknown policy {policy!r}: expected one of {', '.join(POLICIES)}")
    chosen = POLICIES[policy]
    step = mlp_layer if policy == "no-checkpoint" else jax.checkpoint(mlp_layer, policy=chosen)
    h, _ = jax.lax.scan(step, xs, layers)
    return jnp.mean(h**2)
