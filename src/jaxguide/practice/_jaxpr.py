"""Reading a reader's program rather than timing it: its jaxpr, nested jaxprs included."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import jax

from jaxguide.practice._report import Mistake, call

__all__ = ["equation_counts", "equations", "grows_with", "primitive_counts", "shapes"]


def _walk(jaxpr: Any) -> Iterator[Any]:
    for eqn in jaxpr.eqns:
        yield eqn
        for value in eqn.params.values():
            for sub in value if isinstance(value, tuple | list) else (value,):
                if hasattr(sub, "eqns"):
                    yield from _walk(sub)
                elif hasattr(sub, "jaxpr") and hasattr(sub.jaxpr, "eqns"):
                    yield from _walk(sub.jaxpr)


def equations(fn: Callable[..., Any], *args: Any) -> list[Any]:
    """Every equation of ``fn``'s jaxpr for ``args``, those of nested jaxprs included.

    >>> import jax.numpy as jnp
    >>> [e.primitive.name for e in equations(lambda x: jnp.sin(x) * 2, jnp.ones(3))]
    ['sin', 'mul']
    """
    return list(_walk(call(jax.make_jaxpr(fn), *args).jaxpr))


def primitive_counts(fn: Callable[..., Any], *args: Any) -> Counter[str]:
    """How many times each primitive appears in ``fn``'s jaxpr (nested ones included)."""
    return Counter(eqn.primitive.name for eqn in equations(fn, *args))


def shapes(fn: Callable[..., Any], *args: Any) -> list[tuple[int, ...]]:
    """The shape of every value an equation of ``fn``'s jaxpr produces."""
    return [
        tuple(v.aval.shape)
        for eqn in equations(fn, *args)
        for v in eqn.outvars
        if hasattr(v.aval, "shape")
    ]


def equation_counts(
    fn: Callable[..., Any], make_args: Callable[[int], tuple[Any, ...]], sizes: tuple[int, int]
) -> tuple[int, int]:
    """How many equations ``fn``'s jaxpr has for the arguments ``make_args`` builds at each size."""
    small, large = (len(equations(fn, *make_args(n))) for n in sizes)
    return small, large


def grows_with(
    fn: Callable[..., Any],
    make_args: Callable[[int], tuple[Any, ...]],
    sizes: tuple[int, int],
    what: str,
) -> None:
    """Raise a :class:`Mistake` if ``fn``'s jaxpr has more equations at the larger size.

    A vectorised program has as many equations for 4 examples as for 8; a Python loop over
    the examples traces its body once per example, so its jaxpr grows with their number.

    >>> import jax, jax.numpy as jnp
    >>> grows_with(jax.vmap(jnp.sin), lambda n: (jnp.ones(n),), (4, 8), "examples")
    >>> grows_with(lambda xs: jnp.stack([jnp.sin(x) for x in xs]),
    ...            lambda n: (jnp.ones(n),), (4, 8), "examples")
    Traceback (most recent call last):
    ...
    jaxguide.practice._report.Mistake: traced a Python loop over the examples: its jaxpr has ...
    """
    small, large = equation_counts(fn, make_args, sizes)
    if large != small:
        raise Mistake(
            f"traced a Python loop over the {what}: its jaxpr has {small} "
            f"equations for {sizes[0]} {what} and {large} for {sizes[1]}"
        )
