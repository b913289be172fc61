"""Practical: a recurrence written with ``lax.scan``, then vmapped over sequences."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from jaxguide.practice._jaxpr import grows_with
from jaxguide.practice._models import init_rnn
from jaxguide.practice._report import Hint, Wrong, call, checker, identify, vmapped_axes
from jaxguide.practice._trees import compare

__all__ = ["check_batched_rnn", "check_rnn"]

FEATURES, HIDDEN = 2, 3
LENGTHS = (6, 1, 9)
BATCHES = ((4, 6), (3, 3), (3, 2))  # (sequences, time steps); square in the second


def _params_mapped(_error: BaseException, text: str) -> str | None:
    named = [name for _, name in vmapped_axes(text) if "[" in name]
    if named:
        return (
            f"the parameters are shared by every sequence, so give them in_axes None (vmap "
            f"mapped {named[0]})"
        )
    return None


def _time_mapped(_error: BaseException, text: str) -> str | None:
    axes = vmapped_axes(text)
    if any(axis == 1 and "[" not in name for axis, name in axes):
        name = next(n for a, n in axes if a == 1 and "[" not in n)
        return (
            f"vmap mapped axis 1 of {name}, its time steps: the sequences lie along axis 0 of xss"
        )
    return None


def _h0s_whole(shape: tuple[int, ...]) -> Hint:
    """The error is about the whole of h0s, ``shape``, meeting one sequence's step."""

    def evidence(_error: BaseException, text: str) -> str | None:
        if "broadcast" in text and str(shape) in text:
            return (
                f"an array of h0s's shape {shape} met one sequence's step: each sequence starts "
                "from its own state, so map h0s over axis 0 as well"
            )
        return None

    return Hint("every initial state run on each sequence", evidence)


HINTS = (
    Hint("the parameters mapped by vmap", _params_mapped),
    Hint("the time axis mapped instead of the sequences", _time_mapped),
)


def _states(params: dict[str, Any], h0: np.ndarray, xs: np.ndarray) -> np.ndarray:
    """Every state of the recurrence, from a NumPy loop: row t follows reading ``xs[t]``."""
    p = {k: np.asarray(v) for k, v in params.items()}
    h, states = h0, []
    for x in xs:
        h = np.tanh(h @ p["w"] + x @ p["u"] + p["b"])
        states.append(h)
    return np.stack(states)


def _from_h0(params: dict[str, Any], h0: np.ndarray, xs: np.ndarray) -> np.ndarray:
    p = {k: np.asarray(v) for k, v in params.items()}
    return np.stack([np.tanh(h0 @ p["w"] + x @ p["u"] + p["b"]) for x in xs])


WRONGS = (
    Wrong(
        "lax.scan's pair returned",
        "lax.scan's pair (final state, states)",
        lambda p, h0, xs: (_states(p, h0, xs)[-1], _states(p, h0, xs)),
        "return the states alone",
    ),
    Wrong(
        "only the final state",
        "the final state alone",
        lambda p, h0, xs: _states(p, h0, xs)[-1] if len(xs) > 1 else None,
        "return every state (the scan's stacked outputs)",
    ),
    Wrong(
        "the states one step late",
        "the states one step late (row t is the state before reading xs[t])",
        lambda p, h0, xs: np.concatenate([h0[None], _states(p, h0, xs)[:-1]]),
        "the scan body should output the new state, not the one it was given",
    ),
    Wrong(
        "h0 included as the first state",
        "h0 followed by every state, one row too many",
        lambda p, h0, xs: np.concatenate([h0[None], _states(p, h0, xs)]),
        "row t is the state after reading xs[t]; h0 is not one of them",
    ),
    Wrong(
        "every step from h0 (the carry not passed on)",
        "each step taken from h0 (the new state never carried to the next step)",
        _from_h0,
        "the scan body returns the new state as its carry",
    ),
    Wrong(
        "the sequence read backwards",
        "the recurrence run from the last step back to the first (reverse=True)",
        lambda p, h0, xs: _states(p, h0, xs[::-1])[::-1] if len(xs) > 1 else None,
        "read xs from t = 0 onwards",
    ),
)


def _each(wrong: Wrong) -> Wrong:
    """``wrong`` made on every sequence of a batch, for the batched task."""

    def output(p: Any, h0s: np.ndarray, xss: np.ndarray) -> Any:
        outs = [wrong.output(p, h, xs) for h, xs in zip(h0s, xss, strict=True)]
        if any(o is None or isinstance(o, tuple) for o in outs):
            return None
        return np.stack(outs)

    return Wrong(wrong.name, f"{wrong.says}, on every sequence", output, wrong.fix)


BATCH_WRONGS = (
    Wrong(
        "sequences and time steps swapped",
        "the states with sequences and time steps swapped, (time, batch, hidden)",
        lambda p, h0s, xss: np.stack(
            [_states(p, h, xs) for h, xs in zip(h0s, xss, strict=True)]
        ).transpose(1, 0, 2),
        "vmap puts its axis first unless out_axes says otherwise",
    ),
    Wrong(
        "every initial state run on each sequence",
        "each sequence run from every initial state at once (h0s not mapped)",
        lambda p, h0s, xss: np.stack([_states(p, h0s, xs) for xs in xss]),
        "map h0s over axis 0 as well, one initial state per sequence",
    ),
    Wrong(
        "sequences taken along the time axis",
        "the states of the sequences xss[:, i] (vmap over axis 1 of xss, its time steps)",
        lambda p, h0s, xss: (
            np.stack([_states(p, h, xs) for h, xs in zip(h0s, xss.transpose(1, 0, 2), strict=True)])
            if xss.shape[0] == xss.shape[1]
            else None
        ),
        "the sequences lie along axis 0 of xss",
    ),
    *(_each(w) for w in WRONGS[1:]),
)


@checker("run_rnn", (*WRONGS, "a Python loop over the time steps"))
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
    ✗ run_rnn: your output equals the states one step late ...
    """
    rng = np.random.default_rng(8)
    for seed, length in enumerate(LENGTHS):
        params = init_rnn(seed, FEATURES, HIDDEN)
        h0 = rng.standard_normal(HIDDEN, dtype=np.float32)
        xs = rng.standard_normal((length, FEATURES), dtype=np.float32)
        got = call(fn, params, h0, xs, jit=True)
        expected = _states(params, h0, xs)
        identify(got, expected, WRONGS, (params, h0, xs), what="the state after each step")
        compare(got, expected, what="the states", axes=("step",))
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


@checker(
    "run_batch",
    (*BATCH_WRONGS, *HINTS, "a Python loop over the sequences or the time steps"),
)
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
        got = call(fn, params, h0s, xss, hints=(*HINTS, _h0s_whole(h0s.shape)), jit=True)
        expected = np.stack([_states(params, h, xs) for h, xs in zip(h0s, xss, strict=True)])
        identify(got, expected, BATCH_WRONGS, (params, h0s, xss), what="every sequence's states")
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
