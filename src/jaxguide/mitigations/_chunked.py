"""A chunked :func:`jax.vmap`: the same mapping, computed a chunk of examples at a time."""

from __future__ import annotations

import functools
import numbers
import re
from collections.abc import Callable, Hashable
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


def _leaf_axes(
    in_axes: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[list[Any], Any, list[int | None]]:
    """The leaves of ``(*args, kwargs)`` (``None`` counts as one), their tree, each one's axis.

    Keyword arguments are mapped over their leading axis, as :func:`jax.vmap` maps them.
    """
    if not isinstance(in_axes, tuple | list):
        in_axes = (in_axes,) * len(args)
    if len(in_axes) != len(args):
        raise ValueError(f"in_axes has {len(in_axes)} entries for {len(args)} positional arguments")
    full = (*args, kwargs)
    leaves, tree = jax.tree.flatten(full, is_leaf=_is_none)
    axes = jax.tree.broadcast((*in_axes, 0), full, is_leaf=_is_none)
    return leaves, tree, jax.tree.leaves(axes, is_leaf=_is_none)


def batch_size(in_axes: Any, *args: Any) -> int:
    """The size of the axis that ``jax.vmap(f, in_axes)(*args)`` maps over.

    >>> import jax.numpy as jnp
    >>> batch_size((None, 1), jnp.ones(3), jnp.ones((2, 5)))
    5
    """
    leaves, _, axes = _leaf_axes(in_axes, args, {})
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
    axis_name: Hashable | None = None,
) -> Callable[..., Any]:
    """Like ``jax.vmap(f, in_axes, out_axes)``, but ``chunk_size`` examples at a time.

    ``jax.vmap`` computes every intermediate of ``f`` for the whole batch at once; this
    computes them for ``chunk_size`` examples at a time, in a sequential loop, so the
    temporary memory scales with the chunk, not the batch. The results equal vmap's.
    ``in_axes`` and ``out_axes`` mean what they mean for :func:`jax.vmap` (ints, ``None``,
    pytree prefixes of the positional arguments and of the output); keyword arguments are
    mapped over their leading axis, as vmap maps them. A batch that ``chunk_size`` does
    not divide is finished by one smaller chunk.

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
    recomputes its own instead, or the memory saved by chunking comes back. For the
    gradient of a mean loss, :func:`microbatched_value_and_grad` needs neither.

    Args:
        f: the function of one example.
        in_axes: as for :func:`jax.vmap`.
        out_axes: as for :func:`jax.vmap`.
        chunk_size: examples per chunk, at least 1; a size of the whole batch or more is vmap.
        axis_name: accepted so that a vmap call converts unchanged, but a collective over
            it (``psum``, ``pmean``, ``all_gather``, ``axis_index``...) needs every example
            at once, which a chunk does not have: a function that uses one is refused with
            a :class:`ValueError` that names it, as is a collective over a name that
            nothing binds. Collectives over the axes of enclosing maps work as usual.

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
    def chunked(*args: Any, **kwargs: Any) -> Any:
        # vmap's own checks (axis sizes, out_axes=None on a mapped output) and its messages.
        try:
            jax.eval_shape(jax.vmap(f, in_axes, out_axes, axis_name=axis_name), *args, **kwargs)
        except NameError as exc:  # JAX's error for a collective over an axis nothing binds
            if "unbound axis name" not in str(exc):
                raise
            unbound = re.search(r"unbound axis name: (.+?)\. ", str(exc))
            what = f"axis {unbound[1]!r}" if unbound else "an axis name"
            raise ValueError(_collective_message(f, f"{what}, which nothing binds")) from exc
        leaves, tree, axes = _leaf_axes(in_axes, args, kwargs)
        mapped = [(i, a) for i, a in enumerate(axes) if a is not None]

        def one(xs: list[Any]) -> Any:
            example = list(leaves)
            for (i, _), x in zip(mapped, xs, strict=True):
                example[i] = x
            *positional, keywords = tree.unflatten(example)
            return f(*positional, **keywords)

        if axis_name is not None:
            examples = [_one_example(leaves[i], a) for i, a in mapped]
            n = jnp.shape(leaves[mapped[0][0]])[mapped[0][1]]
            jaxpr = jax.make_jaxpr(one, axis_env=[(axis_name, n)])(examples)
            if (primitive := _collective(jaxpr.jaxpr, axis_name)) is not None:
                what = f"axis {axis_name!r}, the axis it maps ({primitive})"
                raise ValueError(_collective_message(f, what))
        leading = [jnp.moveaxis(leaves[i], a, 0) for i, a in mapped]
        # A chunk of one is lax.map's sequential loop: no vmap of size 1 to reshape away.
        ys = lax.map(one, leading, batch_size=chunk_size if chunk_size > 1 else None)
        return jax.tree.map(
            lambda y, a: y[0] if a is None else jnp.moveaxis(y, 0, a),
            ys,
            jax.tree.broadcast(out_axes, ys, is_leaf=_is_none),
        )

    return chunked


def _one_example(x: Any, axis: int) -> jax.ShapeDtypeStruct:
    """The shape and dtype of one example of ``x``, mapped on ``axis``."""
    shape = list(jnp.shape(x))
    del shape[axis]
    return jax.ShapeDtypeStruct(tuple(shape), jnp.result_type(x))  # type: ignore[no-untyped-call]


def _collective(jaxpr: Any, name: Hashable) -> str | None:
    """The first primitive in ``jaxpr`` (nested ones included) whose parameters name ``name``."""
    for eqn in jaxpr.eqns:
        for value in eqn.params.values():
            for item in value if isinstance(value, tuple | list) else (value,):
                if type(item) is type(name) and item == name:
                    return str(eqn.primitive.name)
                inner = getattr(item, "jaxpr", item)  # a ClosedJaxpr holds its Jaxpr
                if hasattr(inner, "eqns") and (found := _collective(inner, name)) is not None:
                    return found
    return None


def _collective_message(f: Callable[..., Any], what: str) -> str:
    name = getattr(f, "__name__", repr(f))
    return (
        f"chunked_vmap cannot map {name}: it uses a collective over {what}. A collective "
        "over the mapped axis needs every example at once, and chunked_vmap computes a chunk "
        "at a time: use jax.vmap with axis_name for the whole batch at once, or compute the "
        "collective outside the map"
    )
