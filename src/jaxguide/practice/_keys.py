"""Practical: noise for every example of a batch, new at every step, from one key."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxguide.practice._report import Mistake, Wrong, _name, call, checker, identify
from jaxguide.practice._trees import close, compare

__all__ = ["NOISE", "check_noisy_batch"]

NOISE = 0.1
"""The standard deviation of the noise ``noisy_batch`` adds."""

TRIALS = ((0, 3, (5, 4)), (7, 12, (8, 3, 2)))  # (seed, step, batch shape)


def _normal(key: jax.Array, shape: tuple[int, ...]) -> jax.Array:
    return NOISE * jax.random.normal(key, shape)


def _from_keys(keys: jax.Array, xs: jax.Array) -> jax.Array:
    """``xs`` plus a draw from each row's key."""
    return xs + jax.vmap(lambda k: _normal(k, xs.shape[1:]))(keys)


def _reference(key: jax.Array, step: Any, xs: jax.Array) -> jax.Array:
    return _from_keys(jax.random.split(jax.random.fold_in(key, step), xs.shape[0]), xs)


def _successive(key: jax.Array, n: int) -> jax.Array:
    subs = []
    for _ in range(n):
        key, sub = jax.random.split(key)
        subs.append(sub)
    return jnp.stack(subs)


def _one_key(key: jax.Array, xs: jax.Array) -> jax.Array:
    return xs + _normal(key, xs.shape[1:])[None]


WRONGS = (
    Wrong(
        "one key for every example",
        "one draw from fold_in(key, step) added to every example: the same noise in every row",
        lambda key, step, xs: _one_key(jax.random.fold_in(key, step), xs),
        "split the step's key into one key per example, and draw each row from its own",
    ),
    Wrong(
        "one draw for the whole batch",
        "one draw of the whole batch's shape from fold_in(key, step): random, but not from "
        "the examples' keys",
        lambda key, step, xs: xs + _normal(jax.random.fold_in(key, step), xs.shape),
        "draw each row from its own key: jax.vmap over jax.random.split(step_key, len(xs))",
    ),
    Wrong(
        "split before fold_in",
        "rows drawn from fold_in(split(key, len(xs))[i], step): split and fold_in in the "
        "other order",
        lambda key, step, xs: _from_keys(
            jax.vmap(jax.random.fold_in, in_axes=(0, None))(
                jax.random.split(key, xs.shape[0]), step
            ),
            xs,
        ),
        "fold the step in first, then split: split(fold_in(key, step), len(xs))",
    ),
    Wrong(
        "keys from successive splits",
        "rows drawn from keys split off one at a time (step_key, sub = split(step_key))",
        lambda key, step, xs: _from_keys(
            _successive(jax.random.fold_in(key, step), xs.shape[0]), xs
        ),
        "make the examples' keys with one jax.random.split(step_key, len(xs))",
    ),
    Wrong(
        "the noise left out",
        "xs unchanged",
        lambda _key, _step, xs: xs,
        f"add NOISE * jax.random.normal(k, x.shape) to each example x (NOISE = {NOISE})",
    ),
    Wrong(
        "the noise not scaled",
        "xs plus standard normal noise, not scaled by NOISE",
        lambda key, step, xs: (
            _reference(key, step, xs) + (1 / NOISE - 1) * (_reference(key, step, xs) - xs)
        ),
        f"multiply the draws by NOISE = {NOISE}",
    ),
)
STATE = ("a draw with hidden state", "noise that ignores the key", "fold_in missing")


def _pure(fn: Callable[..., Any], key: jax.Array, step: int, xs: jax.Array) -> None:
    """Name a function whose numbers do not come from its key: two calls with the same key and
    step that differ, or two keys that give the same numbers."""
    first = np.asarray(call(fn, key, step, xs, what=_name(fn)))
    again = np.asarray(call(fn, key, step, xs, what=_name(fn)))
    if first.shape == again.shape and not np.array_equal(first, again):
        raise Mistake(
            "a draw with hidden state: two calls with the same key and step returned different "
            "numbers, so they come from a generator outside the arguments (numpy.random or "
            "Python's random?); draw with jax.random functions, from the key"
        )
    other = np.asarray(
        call(jax.jit(fn), jax.random.key(99), jnp.int32(step + 1), xs, what=_name(fn))
    )
    mine = np.asarray(call(jax.jit(fn), key, jnp.int32(step), xs, what=_name(fn)))
    if other.shape == mine.shape and close(other, mine) and not close(mine, xs):
        raise Mistake(
            "noise that ignores the key: under jit, another key and step gave the same "
            "numbers, so the noise was drawn once, while tracing, by a generator outside JAX "
            "(numpy.random?); draw with jax.random functions, from the key"
        )
    later = np.asarray(call(jax.jit(fn), key, jnp.int32(step + 1), xs, what=_name(fn)))
    if later.shape == mine.shape and close(later, mine) and not close(mine, xs):
        rows = mine.reshape(mine.shape[0], -1) - np.asarray(xs).reshape(xs.shape[0], -1)
        same_rows = bool(np.allclose(rows, rows[:1]))
        raise Mistake(
            f"fold_in missing: with the same key, steps {step} and {step + 1} gave the same "
            "noise, so a training loop would add the same noise at every step"
            + (", and every example got the same noise too" if same_rows else "")
            + "; fold the step into the key, jax.random.fold_in(key, step), then split that "
            "into one key per example"
        )


@checker("noisy_batch", (*WRONGS, *STATE))
def check_noisy_batch(fn: Callable[..., Any]) -> str:
    """Check ``fn(key, step, xs)``: ``xs`` with noise added to every example, drawn from keys
    that differ from example to example and from step to step.

    The step's key is ``fold_in(key, step)``, split into ``len(xs)`` keys, one per example;
    example ``i`` gets ``NOISE * jax.random.normal(keys[i], xs.shape[1:])``. Called under
    ``jit`` with the step traced, on two batches, and compared with that reference.

    >>> import jax
    >>> def noisy_batch(key, step, xs):
    ...     keys = jax.random.split(jax.random.fold_in(key, step), len(xs))
    ...     draw = lambda k, x: x + NOISE * jax.random.normal(k, x.shape)
    ...     return jax.vmap(draw)(keys, xs)
    >>> check_noisy_batch(noisy_batch)
    ✓ ...
    >>> check_noisy_batch(lambda key, step, xs: noisy_batch(key, 0, xs))
    ✗ noisy_batch: fold_in missing: with the same key, steps 3 and 4 gave the same noise, ...
    """
    jitted = jax.jit(fn)
    for trial, (seed, step, shape) in enumerate(TRIALS):
        key = jax.random.key(seed)
        xs = jnp.asarray(np.random.default_rng(seed).standard_normal(shape), jnp.float32)
        if trial == 0:
            _pure(fn, key, step, xs)
        got = call(jitted, key, jnp.int32(step), xs, what=f"jax.jit({_name(fn)})")
        expected = _reference(key, step, xs)
        identify(got, expected, WRONGS, (key, step, xs), what="the reference noise")
        compare(got, expected, what="the noisy batch", axes=("example",))
    return (
        f"noisy_batch matches noise from split(fold_in(key, step), len(xs)) on "
        f"{len(TRIALS)} batches under jit, with the step traced; the same key and step give "
        "the same numbers, another key or step others"
    )
