"""Practical: ``vmap`` with ``in_axes`` over a pytree of parameters, the batch on axis 1."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import numpy as np

from jaxguide.practice._jaxpr import grows_with
from jaxguide.practice._models import init_ensemble
from jaxguide.practice._report import (
    Hint,
    Mistake,
    Wrong,
    call,
    checker,
    identify,
    rank_zero_mapped,
    vmapped_axes,
)
from jaxguide.practice._trees import compare

__all__ = ["check_ensemble_predict"]

FEATURES, HIDDEN = 2, 4
TRIALS = ((3, 5), (3, 2), (2, 7), (4, 1))  # (members, examples); xs is square in the second


def _shared_mapped(_error: BaseException, text: str) -> str | None:
    named = [name for _, name in vmapped_axes(text) if name.startswith(("params", "p["))]
    shared = [n for n in named if "w2" in n or "b2" in n]
    if shared or rank_zero_mapped(text):
        seen = (
            f"vmap mapped {shared[0]}"
            if shared
            else "vmap was asked to map a scalar, and the only scalar input is params['b2']"
        )
        return f"only w1 and b1 have a member axis: give w2 and b2 in_axes None ({seen})"
    return None


def _rows_mapped(batch: int) -> Hint:
    """An example of ``batch`` values (a row of xs) met w1, which wants ``FEATURES``."""

    def evidence(_error: BaseException, text: str) -> str | None:
        met = {f"got ({batch},) and ({FEATURES},)", f"got ({FEATURES},) and ({batch},)"}
        if "contracting dimensions" in text and any(m in text for m in met):
            return (
                f"an example is a column of xs, ({FEATURES},): yours had {batch} values, a row "
                "of xs, so the map took axis 0; map over axis 1"
            )
        return None

    return Hint("the examples read from xs's rows (axis 0)", evidence)


HINTS = (Hint("the shared layer given a member axis", _shared_mapped),)


def _reference(params: dict[str, Any], xs: np.ndarray) -> np.ndarray:
    """Member k on example i, written out in NumPy: ``out[k, i]``."""
    p = {k: np.asarray(v) for k, v in params.items()}
    return np.stack(
        [np.tanh(xs.T @ p["w1"][k] + p["b1"][k]) @ p["w2"] + p["b2"] for k in range(len(p["w1"]))]
    )


WRONGS = (
    Wrong(
        "members and examples swapped",
        "the predictions with members and examples swapped, (batch, members)",
        lambda p, xs: _reference(p, xs).T,
        "the outer vmap, over members, puts its axis first",
    ),
    Wrong(
        "the examples read from xs's rows (axis 0)",
        "the predictions on the rows of xs",
        lambda p, xs: _reference(p, xs.T) if xs.shape[0] == xs.shape[1] else None,
        "example i is the column xs[:, i]: map over axis 1",
    ),
    Wrong(
        "examples cut out of xs with a reshape",
        "the predictions on xs reshaped to (batch, features), which mixes features of "
        "different examples",
        lambda p, xs: (
            _reference(p, xs.reshape(xs.shape[1], xs.shape[0]).T) if xs.shape[1] > 1 else None
        ),
        "example i is the column xs[:, i]",
    ),
    Wrong(
        "the members averaged",
        "the members' mean prediction on each example",
        lambda p, xs: _reference(p, xs).mean(axis=0),
        "keep one row per member",
    ),
    Wrong(
        "only the first member",
        "the first member's predictions alone",
        lambda p, xs: _reference(p, xs)[0],
        "map over the members too, w1 and b1 along axis 0",
    ),
)
STRUCTURE = ("xs transposed", "a Python loop over members or examples")


def _transposes_input(fn: Callable[..., Any], params: Any, xs: np.ndarray) -> bool:
    """Whether ``fn``'s jaxpr transposes ``xs`` itself, its two axes exchanged, as ``xs.T`` does.

    ``xs`` is followed into nested jaxprs (a ``jax.jit`` inside the function) by position.
    """
    jaxpr = call(jax.make_jaxpr(fn), params, xs).jaxpr
    return _transposes(jaxpr, {id(jaxpr.invars[-1])})


def _transposes(jaxpr: Any, tracked: set[int]) -> bool:
    for eqn in jaxpr.eqns:
        if (
            eqn.primitive.name == "transpose"
            and id(eqn.invars[0]) in tracked
            and tuple(eqn.params["permutation"]) == (1, 0)
        ):
            return True
        for value in eqn.params.values():
            inner = getattr(value, "jaxpr", value)
            if hasattr(inner, "invars") and len(inner.invars) == len(eqn.invars):
                positions = {i for i, v in enumerate(eqn.invars) if id(v) in tracked}
                if positions and _transposes(
                    inner, {id(v) for i, v in enumerate(inner.invars) if i in positions}
                ):
                    return True
    return False


@checker("ensemble_predict", (*WRONGS, *HINTS, _rows_mapped(0), *STRUCTURE))
def check_ensemble_predict(fn: Callable[..., Any]) -> str:
    """Check ``fn(params, xs)``: every member of an ensemble on every example.

    ``params`` comes from :func:`init_ensemble` (``w1``, ``b1`` per member; ``w2``, ``b2``
    shared); ``xs`` is (features, batch), one example per column. ``fn`` must return
    (members, batch), entry ``[k, i]`` being :func:`predict` of member ``k`` on example ``i``,
    without a Python loop over members or examples.

    >>> import jax
    >>> from jaxguide.practice import predict
    >>> members = {"w1": 0, "b1": 0, "w2": None, "b2": None}
    >>> on_examples = jax.vmap(predict, in_axes=(None, 1))
    >>> check_ensemble_predict(jax.vmap(on_examples, in_axes=(members, None)))
    ✓ ...
    >>> check_ensemble_predict(jax.vmap(jax.vmap(predict, in_axes=(members, None)), in_axes=(None, 1)))
    ✗ ensemble_predict: your output equals the predictions with members and examples swapped, ...
    """
    rng = np.random.default_rng(2)
    for seed, (members, batch) in enumerate(TRIALS):
        params = init_ensemble(seed, members, FEATURES, HIDDEN)
        xs = rng.standard_normal((FEATURES, batch), dtype=np.float32)
        got = call(fn, params, xs, hints=(*HINTS, _rows_mapped(batch)), jit=True)
        expected = _reference(params, xs)
        identify(
            got,
            expected,
            WRONGS,
            (params, xs),
            what="every member's prediction on every column of xs",
        )
        compare(got, expected, what="the predictions", axes=("member", "example"))
    if _transposes_input(fn, init_ensemble(0, 3, FEATURES, HIDDEN), np.zeros((FEATURES, 5))):
        raise Mistake(
            "xs is transposed (its jaxpr exchanges xs's two axes, as xs.T does), which the task "
            "rules out: tell vmap where the examples are, in_axes 1"
        )
    grows_with(
        fn,
        lambda n: (init_ensemble(0, 2, FEATURES, HIDDEN), np.zeros((FEATURES, n))),
        (4, 8),
        "examples",
    )
    grows_with(
        fn,
        lambda n: (init_ensemble(0, n, FEATURES, HIDDEN), np.zeros((FEATURES, 3))),
        (2, 4),
        "members",
    )
    return (
        "ensemble_predict matches every member on every example, written out in NumPy, for "
        f"{len(TRIALS)} random ensembles, and its jaxpr does not grow with members or examples"
    )
