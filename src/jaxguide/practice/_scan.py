"""Practical: a recurrence written with ``lax.scan``, then vmapped over sequences."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from jaxguide.practice._jaxpr import grows_with
from jaxguide.practice._models import init_rnn
from jaxguide.practice._report import Mistake, call, checker
from jaxguide.practice._trees import close, compare

__all__ = ["check_batched_rnn", "check_rnn"]

FEATURES, HIDDEN = 2, 3
LENGTHS = (6, 1, 9)
BATCHES = ((4, 6), (3, 2))  # (sequences, time steps)
HINTS = {
    "carry": "each sequence starts from its own state: map h0s over axis 0 as well",
    "could not be broadcast": "the state and the input disagree in shape inside the step: each "
    "sequence starts from its own state, so map h0s over axis 0 as well",
    "inconsistent sizes": "the parameters are shared by every sequence: give them in_axes None",
    "rank should be at least 1": "the parameters are shared by every sequence: give them in_axes None",
}


def _states(params: dict[str, Any], h0: np.ndarray, xs: np.ndarray) -> np.ndarray:
    """Every state of the recurrence, from a NumPy loop: row t follows reading ``xs[t]``."""
    p = {k: np.asarray(v) for k, v in params.items()}
    h, states = h0, []
    for x in xs:
        h = np.tanh(h @ p["w"] + x @ p["u"] + p["b"])
        states.append(h)
    return np.stack(states)


def _diagnose(got: Any, params: dict[str, Any], h0: np.ndarray, xs: np.ndarray) -> None:
    expected = _states(params, h0, xs)
    if isinstance(got, tuple | list) and len(got) == 2:
        raise Mistake("returns lax.scan's pair (final state, states): return the states alone")
    if np.shape(got) == np.shape(h0) != expected.shape:
        raise Mistake(
            f"returns only the final state, {np.shape(got)}: return every state, "
            f"{expected.shape} (the scan's stacked outputs)"
        )
    shifted = np.concatenate([h0[None], expected[:-1]])
    if len(xs) > 1 and close(got, shifted):
        raise Mistake(
            "the states are one step late: row t must be the state after reading xs[t] "
            "(the scan body should output the new state, not the one it was given)"
        )


@checker("run_rnn")
def check_rnn(fn: Callable[..., Any]) -> str:
    """Check ``fn(params, h0, xs)``: every state of :func:`rnn_cell` run over one sequence.

    ``xs`` is (time, features); ``fn`` must return (time, hidden), row ``t`` being the state
    after reading ``xs[t]``, and its jaxpr must not grow with the sequence (a scan, not a
    Python loop over time steps).

    >>> import jax
    >>> from jaxguide.practice import rnn_cell
    >>> def run_rnn(params, h0, xs):
    ...     def step(h, x):
    ...         h = rnn_cell(params, h, x)
    ...         return h, h
    ...     return jax.lax.scan(step, h0, xs)[1]
    >>> check_rnn(run_rnn)
    ✓ ...
    >>> check_rnn(lambda params, h0, xs: jax.lax.scan(lambda h, x: (rnn_cell(params, h, x), h), h0, xs)[1])
    ✗ run_rnn: the states are one step late: ...
    """
    rng = np.random.default_rng(8)
    for seed, length in enumerate(LENGTHS):
        params = init_rnn(seed, FEATURES, HIDDEN)
        h0 = rng.standard_normal(HIDDEN, dtype=np.float32)
        xs = rng.standard_normal((length, FEATURES), dtype=np.float32)
        got = call(fn, params, h0, xs, jit=True)
        _diagnose(got, params, h0, xs)
        compare(got, _states(params, h0, xs), what="the states", axes=("step",))
    params = init_rnn(0, FEATURES, HIDDEN)
    grows_with(
        fn,
        lambda n: (params, np.zeros(HIDDEN, np.float32), np.zeros((n, FEATURES), np.float32)),
        (4, 8),
        "time steps",
    )
    return (
        f"run_rnn matches a loop of rnn_cell on {len(LENGTHS)} random sequences (lengths "
        f"{', '.join(map(str, LENGTHS))}), and its jaxpr does not grow with their length"
    )


@checker("run_batch")
def check_batched_rnn(fn: Callable[..., Any]) -> str:
    """Check ``fn(params, h0s, xss)``: :func:`check_rnn`'s task for a batch of sequences.

    ``h0s`` is (batch, hidden) and ``xss`` (batch, time, features); ``fn`` must return
    (batch, time, hidden), and its jaxpr must grow neither with the batch nor with time.

    >>> import jax
    >>> from jaxguide.practice import rnn_cell
    >>> def run_rnn(params, h0, xs):
    ...     return jax.lax.scan(lambda h, x: (rnn_cell(params, h, x),) * 2, h0, xs)[1]
    >>> check_batched_rnn(jax.vmap(run_rnn, in_axes=(None, 0, 0)))
    ✓ ...
    >>> check_batched_rnn(jax.vmap(run_rnn, in_axes=(None, 0, 1)))
    ✗ run_batch: ...
    """
    rng = np.random.default_rng(9)
    for seed, (batch, length) in enumerate(BATCHES):
        params = init_rnn(seed, FEATURES, HIDDEN)
        h0s = rng.standard_normal((batch, HIDDEN), dtype=np.float32)
        xss = rng.standard_normal((batch, length, FEATURES), dtype=np.float32)
        got = call(fn, params, h0s, xss, hints=HINTS, jit=True)
        expected = np.stack([_states(params, h, xs) for h, xs in zip(h0s, xss, strict=True)])
        if np.shape(got) == (length, batch, HIDDEN) != expected.shape:
            raise Mistake(
                f"sequences and time steps are swapped: expected (batch, time, hidden) = "
                f"{expected.shape}, got {np.shape(got)}"
            )
        if np.shape(got) == (batch, length, batch, HIDDEN):
            raise Mistake(
                f"each sequence ran from every initial state at once, {np.shape(got)}: "
                "map h0s over axis 0 as well, one initial state per sequence"
            )
        compare(got, expected, what="the states", axes=("sequence", "step"))
    params = init_rnn(0, FEATURES, HIDDEN)

    def zeros(batch: int, length: int) -> tuple[Any, ...]:
        return (
            params,
            np.zeros((batch, HIDDEN), np.float32),
            np.zeros((batch, length, FEATURES), np.float32),
        )

    grows_with(fn, lambda n: zeros(n, 3), (2, 4), "sequences")
    grows_with(fn, lambda n: zeros(2, n), (4, 8), "time steps")
    return (
        f"run_batch matches a loop of rnn_cell on every sequence of {len(BATCHES)} random "
        "batches, and its jaxpr grows neither with the batch nor with time"
    )
