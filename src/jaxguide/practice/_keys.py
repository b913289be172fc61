"""Practical: noise for every example of a batch, new at every step, from one key."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxguide.practice._report import Hint, Mistake, Wrong, _name, call, checker, identify
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


def _shifted(key: jax.Array, step: Any, xs: jax.Array) -> jax.Array:
    """Rows drawn from ``split(step_key, n + 1)[1:]``: the keys of examples 1 to n. In this JAX
    that is also ``fold_in(step_key, i + 1)`` for example ``i``."""
    return _from_keys(jax.random.split(jax.random.fold_in(key, step), xs.shape[0] + 1)[1:], xs)


HINTS = (
    Hint(
        "int() on the traced step",
        lambda e, text: (
            "under jit the step is traced, so int(step) has no value to give; pass step to "
            "fold_in as it is: fold_in takes a traced integer"
            if isinstance(e, jax.errors.ConcretizationTypeError) and "`int`" in text
            else None
        ),
    ),
)


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
    Wrong(
        "the noise alone",
        "the noise alone, NOISE * normal(keys[i]), without xs[i] added to it",
        lambda key, step, xs: _reference(key, step, xs) - xs,
        "return each example with its noise added: x + NOISE * jax.random.normal(k, x.shape)",
    ),
    Wrong(
        "the step off by one",
        "the noise of the next step: split(fold_in(key, step + 1), len(xs))",
        lambda key, step, xs: _reference(key, step + 1, xs),
        "fold in the step as it is given, fold_in(key, step); the training loop already "
        "counts the steps",
    ),
    Wrong(
        "the examples' keys shifted by one",
        "rows drawn from split(step_key, len(xs) + 1)[1:] (in this JAX the same keys as "
        "fold_in(step_key, i + 1)): example i got the key of example i + 1",
        _shifted,
        "make exactly one key per example, split(step_key, len(xs)), and give example i keys[i]",
    ),
)
STATE = (
    "a draw with hidden state",
    "noise that ignores the key",
    "fold_in missing",
    "example 0 from the step's key",
)


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
    jitted = jax.jit(fn)
    other = np.asarray(
        call(jitted, jax.random.key(99), jnp.int32(step + 1), xs, hints=HINTS, what=_name(fn))
    )
    mine = np.asarray(call(jitted, key, jnp.int32(step), xs, hints=HINTS, what=_name(fn)))
    if other.shape == mine.shape and close(other, mine) and not close(mine, xs):
        raise Mistake(
            "noise that ignores the key: under jit, another key and step gave the same "
            "numbers, so the noise was drawn once, while tracing, by a generator outside JAX "
            "(numpy.random?); draw with jax.random functions, from the key"
        )
    other_key = np.asarray(
        call(jitted, jax.random.key(99), jnp.int32(step), xs, hints=HINTS, what=_name(fn))
    )
    if other_key.shape == mine.shape and close(other_key, mine) and not close(mine, xs):
        raise Mistake(
            f"noise that ignores the key: under jit, keys 99 and {_seed(key)} with the same "
            f"step {step} gave the same numbers, so the noise comes from the step alone (a key "
            "made inside the function, jax.random.key(step)?); draw from the key you are "
            "given: fold_in(key, step)"
        )
    later = np.asarray(call(jitted, key, jnp.int32(step + 1), xs, hints=HINTS, what=_name(fn)))
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


def _seed(key: jax.Array) -> int:
    """The seed of a key the check made with ``jax.random.key(seed)``."""
    return next(seed for seed, _, _ in TRIALS if jnp.array_equal(jax.random.key(seed), key))


def _first_row(got: Any, key: jax.Array, step: int, xs: jax.Array) -> None:
    """Name example 0 drawn from the step's key itself rather than from its own split key,
    whatever the other rows hold."""
    got = np.asarray(got)
    if got.shape != xs.shape:
        return
    step_key = jax.random.fold_in(key, step)
    from_step_key = xs[0] + _normal(step_key, xs.shape[1:])
    if close(got[0], from_step_key) and not close(got[0], _reference(key, step, xs)[0]):
        raise Mistake(
            "example 0 from the step's key: its noise is NOISE * normal(fold_in(key, step)), "
            "drawn from the step's key itself, which was also split for the examples' keys; "
            "a key that is split is used up: draw every example, 0 included, from "
            "split(step_key, len(xs))"
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
        got = call(jitted, key, jnp.int32(step), xs, hints=HINTS, what=f"jax.jit({_name(fn)})")
        expected = _reference(key, step, xs)
        identify(got, expected, WRONGS, (key, step, xs), what="the reference noise")
        _first_row(got, key, step, xs)
        compare(got, expected, what="the noisy batch", axes=("example",))
    return (
        f"noisy_batch matches noise from split(fold_in(key, step), len(xs)) on "
        f"{len(TRIALS)} batches under jit, with the step traced; the same key and step give "
        "the same numbers, another key or step others"
    )
