"""A chunked :func:`jax.vmap`: the same mapping, computed a chunk of examples at a time."""

from __future__ import annotations

import functools
import numbers
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
from jax import lax

__all__ = ["batch_size", "chunked_vmap", "positive_int"]


def _is_none(x: Any) -> bool:
    return x is None


def positive_int(value: object, name: str) -> int:
    """``value`` if it is a positive integer (not a bool), else a :class:`ValueError`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _leaf_axes(in_axes: Any, args: tuple[Any, ...]) -> tuple[list[Any], Any, list[int | None]]:
    """The leaves of ``args`` (``None`` counts as one), their tree, and each one's mapped axis."""
    if not isinstance(in_axes, tuple | list):
        in_axes = (in_axes,) * len(args)
    if len(in_axes) != len(args):
        raise ValueError(f"in_axes has {len(in_axes)} entries for {len(args)} positional arguments")
    leaves, tree = jax.tree.flatten(args, is_leaf=_is_none)
    axes = jax.tree.broadcast(tuple(in_axes), args, is_leaf=_is_none)
    return leaves, tree, jax.tree.leaves(axes, is_leaf=_is_none)


def batch_size(in_axes: Any, *args: Any) -> int:
    """The size of the axis that ``jax.vmap(f, in_axes)(*args)`` maps over.

    >>> import jax.numpy as jnp
    >>> batch_size((None, 1), jnp.ones(3), jnp.ones((2, 5)))
    5
    """
    leaves, _, axes = _leaf_axes(in_axes, args)
    sizes = {jnp.shape(x)[a] for x, a in zip(leaves, axes, strict=True) if a is not None}
    if len(sizes) != 1:
        raise ValueError(
            "need exactly one mapped axis size over the arguments, got "
            f"{sorted(sizes) or 'none (every in_axes entry is None)'}"
        )
    return sizes.pop()


def chunked_vmap(
    f: Callable[..., Any],
    in_axes: Any = 0,
    out_axes: Any = 0,
    *,
    chunk_size: int,
) -> Callable[..., Any]:
    """Like ``jax.vmap(f, in_axes, out_axes)``, but ``chunk_size`` examples at a time.

    ``jax.vmap`` computes every intermediate of ``f`` for the whole batch at once; this
    computes them for ``chunk_size`` examples at a time, in a sequential loop, so the
    temporary memory scales with the chunk, not the batch. The results equal vmap's.
    ``in_axes`` and ``out_axes`` mean what they mean for :func:`jax.vmap` (ints, ``None``,
    pytree prefixes of the positional arguments and of the output); keyword arguments are
    not mapped. A batch that ``chunk_size`` does not divide is finished by one smaller chunk.

    It is a thin layer over ``jax.lax.map(g, xs, batch_size=chunk_size)``, which does the
    chunking (a :func:`jax.lax.scan` over vmapped chunks, plus one vmapped remainder):
    ``lax.map`` maps one pytree over its leading axis; this adds vmap's signature, so a
    ``jax.vmap`` call becomes a chunked one by changing its name. Prefer ``lax.map``
    directly when the data already has its batch leading; prefer this when replacing a
    vmap with axes, unmapped (``None``) arguments or outputs on other axes.

    Two costs, both measured in the guide's "vmap's memory" page: smaller chunks take
    longer, and a remainder chunk makes ``lax.map`` concatenate, which copies the output.
    Under :func:`jax.grad` of a function of the results, the loop keeps every chunk's
    residuals for the backward pass; wrap ``f`` in :func:`jax.checkpoint` so each chunk
    recomputes its own instead, or the memory saved by chunking comes back.

    Args:
        f: the function of one example.
        in_axes: as for :func:`jax.vmap`.
        out_axes: as for :func:`jax.vmap`.
        chunk_size: examples per chunk, at least 1; a size of the whole batch or more is vmap.

    Returns:
        The chunked function of the batched arguments.

    >>> import jax, jax.numpy as jnp
    >>> def f(w, x):
    ...     return jnp.tanh(jnp.outer(x, w)).sum(0)
    >>> w, xs = jnp.linspace(0, 1, 4), jnp.arange(20.0).reshape(4, 5)
    >>> chunked = chunked_vmap(f, in_axes=(None, 1), chunk_size=2)
    >>> bool(jnp.allclose(chunked(w, xs), jax.vmap(f, in_axes=(None, 1))(w, xs)))
    True
    """
    positive_int(chunk_size, "chunk_size")

    @functools.wraps(f)
    def chunked(*args: Any) -> Any:
        # vmap's own checks (axis sizes, out_axes=None on a mapped output) and its messages.
        jax.eval_shape(jax.vmap(f, in_axes, out_axes), *args)
        leaves, tree, axes = _leaf_axes(in_axes, args)
        mapped = [(i, a) for i, a in enumerate(axes) if a is not None]

        def one(xs: list[Any]) -> Any:
            example = list(leaves)
            for (i, _), x in zip(mapped, xs, strict=True):
                example[i] = x
            return f(*tree.unflatten(example))

        leading = [jnp.moveaxis(leaves[i], a, 0) for i, a in mapped]
        # A chunk of one is lax.map's sequential loop: no vmap of size 1 to reshape away.
        ys = lax.map(one, leading, batch_size=chunk_size if chunk_size > 1 else None)
        return jax.tree.map(
            lambda y, a: y[0] if a is None else jnp.moveaxis(y, 0, a),
            ys,
            jax.tree.broadcast(out_axes, ys, is_leaf=_is_none),
        )

    return chunked
