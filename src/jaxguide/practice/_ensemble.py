"""Practical: ``vmap`` with ``in_axes`` over a pytree of parameters, the batch on axis 1."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from jaxguide.practice._jaxpr import grows_with
from jaxguide.practice._models import init_ensemble
from jaxguide.practice._report import Mistake, call, checker
from jaxguide.practice._trees import close, compare

__all__ = ["check_ensemble_predict"]

FEATURES, HIDDEN = 2, 4
TRIALS = ((3, 5), (2, 7), (4, 1))  # (members, examples)
HINTS = {
    "contracting dimensions": "xs holds one example per column, (features, batch): map over its axis 1",
    "rank should be at least 1": "only w1 and b1 have a member axis: give w2 and b2 in_axes None",
    "inconsistent sizes": "only w1 and b1 have a member axis, and the examples lie along axis 1 of "
    "xs: check in_axes",
}


def _reference(params: dict[str, Any], xs: np.ndarray) -> np.ndarray:
    """Member k on example i, written out in NumPy: ``out[k, i]``."""
    p = {k: np.asarray(v) for k, v in params.items()}
    return np.stack(
        [np.tanh(xs.T @ p["w1"][k] + p["b1"][k]) @ p["w2"] + p["b2"] for k in range(len(p["w1"]))]
    )


@checker("ensemble_predict")
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
    ✗ ensemble_predict: members and examples are swapped: ...
    """
    rng = np.random.default_rng(2)
    for seed, (members, batch) in enumerate(TRIALS):
        params = init_ensemble(seed, members, FEATURES, HIDDEN)
        xs = rng.standard_normal((FEATURES, batch), dtype=np.float32)
        got = call(fn, params, xs, hints=HINTS, jit=True)
        expected = _reference(params, xs)
        if np.shape(got) == (batch, members) != expected.shape:
            raise Mistake(
                f"members and examples are swapped: expected (members, batch) = "
                f"{expected.shape}, got {np.shape(got)}"
            )
        if batch > 1 and close(got, _reference(params, xs.reshape(batch, FEATURES).T)):
            raise Mistake(
                "the examples were cut out of xs with a reshape, which mixes features of "
                "different examples: example i is the column xs[:, i]"
            )
        compare(got, expected, what="the predictions", axes=("member", "example"))
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
