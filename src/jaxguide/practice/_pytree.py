"""Practical: a dataclass of parameters registered as a pytree, and an SGD update over it."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Mapping
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxguide.practice._report import (
    Fitted,
    Hint,
    Mistake,
    Wrong,
    _one_line,
    call,
    checker,
    identify,
)
from jaxguide.practice._trees import ATOL, RTOL, a, close, compare, describe

__all__ = ["check_sgd_update", "init_layers", "mlp_loss"]

Layers = list[dict[str, Any]]
TRIALS = (((3, 4, 1), "tanh", 0.1), ((2, 5, 3, 2), "relu", 0.03))  # (sizes, activation, lr)
FIELDS = "MLP(layers=..., activation=...)"
STATIC = (
    "declare activation static: activation: str = dataclasses.field(metadata=dict(static=True)) "
    "under @jax.tree_util.register_dataclass (or meta_fields=['activation'])"
)


def init_layers(seed: int, sizes: tuple[int, ...]) -> Layers:
    """Random layers for sizes ``(n0, n1, …)``: a list of ``{"w": (n_i, n_i+1), "b": (n_i+1,)}``.

    >>> [{k: v.shape for k, v in layer.items()} for layer in init_layers(0, (3, 4, 1))]
    [{'w': (3, 4), 'b': (4,)}, {'w': (4, 1), 'b': (1,)}]
    """
    rng = np.random.default_rng(seed)
    return [
        {
            "w": jnp.asarray(rng.standard_normal((n, m)) * n**-0.5, jnp.float32),
            "b": jnp.asarray(rng.standard_normal(m) * 0.1, jnp.float32),
        }
        for n, m in itertools.pairwise(sizes)
    ]


def mlp_loss(params: Any, xs: jax.Array, ys: jax.Array) -> jax.Array:
    """Mean squared error of the network ``params`` (``params.layers``, ``params.activation``
    the name of a function in ``jax.nn`` or ``jnp``) on a batch ``xs`` (batch, n0), ``ys``
    (batch, n_last)."""
    act = getattr(jax.nn, params.activation, None) or getattr(jnp, params.activation)
    h = xs
    for i, layer in enumerate(params.layers):
        h = h @ layer["w"] + layer["b"][None, :]  # one row per example
        if i < len(params.layers) - 1:
            h = act(h)
    return jnp.mean((h - ys) ** 2)


def _make(cls: type, layers: Layers, activation: str) -> Any:
    return call(lambda: cls(layers=layers, activation=activation), what=f"{cls.__name__}(...)")


def _registration(cls: type, params: Any, layers: Layers) -> None:
    """Raise a :class:`Mistake` if JAX does not see ``params`` as layers of arrays with a
    static activation."""
    name = cls.__name__
    leaves = call(jax.tree.leaves, params, what=f"jax.tree.leaves of your {name}")
    if len(leaves) == 1 and leaves[0] is params:
        raise Mistake(
            f"the class not registered: JAX sees your {name} as one leaf, not a node holding "
            "arrays (jax.tree.leaves returns the object itself); decorate the dataclass with "
            "@jax.tree_util.register_dataclass, and declare "
            + STATIC.removeprefix("declare activation static: ").split(" under ")[0]
        )
    strings = [leaf for leaf in leaves if isinstance(leaf, str)]
    if strings:
        raise Mistake(
            f"activation declared as data: jax.tree.leaves of your {name} holds the string "
            f"{strings[0]!r}, which jit and grad cannot trace (they trace arrays); {STATIC}"
        )
    arrays = 2 * len(layers)
    if not leaves:
        raise Mistake(
            f"the layers declared static: jax.tree.leaves of your {name} is empty, so its "
            f"{arrays} arrays sit in the tree's static part, which jit hashes and compares "
            "rather than traces (every new value a new program) and grad does not "
            "differentiate; make layers a data field"
        )
    if len(leaves) != arrays:
        raise Mistake(
            f"jax.tree.leaves of your {name} with {len(layers)} layers holds {len(leaves)} "
            f"leaves, where its arrays are {arrays} (a w and a b per layer)"
        )
    _static_equal(cls, params)


def _static_equal(cls: type, params: Any) -> None:
    """Name static data that is not equal to itself taken again: jit, jax.tree.map and grad
    compare two structures' static data with ==, and such data makes every two differ."""
    what = f"jax.tree.structure of your {cls.__name__}"
    first = call(jax.tree.structure, params, what=what)
    again = call(jax.tree.structure, params, what=what)
    if call(lambda: first == again, what=f"== between two structures of your {cls.__name__}"):
        return
    static = call(first.node_data, what=what)
    kind = type(static[1]).__name__ if isinstance(static, tuple) and len(static) == 2 else "?"
    raise Mistake(
        f"static data that does not compare equal: jax.tree.structure of the same "
        f"{cls.__name__}, taken twice, gives two structures that are not ==, because the "
        f"static data your flatten returns (a new {kind} each time) does not compare equal; "
        "jit, jax.tree.map and grad compare it: give it __eq__ and __hash__, or use a tuple "
        "or a str (or register_dataclass with activation static)"
    )


def _descend(params: Any, grads: Any, lr: float) -> Any:
    return jax.tree.map(lambda p, g: p - lr * g, params, grads)


def _some_not_updated(params: Any, grads: Any, lr: float, *, got: Any) -> Fitted | None:
    """The step with the leaves that ``got`` left as they were, named by their paths."""
    right = _descend(params, grads, lr)
    if str(jax.tree.structure(got)) != str(jax.tree.structure(params)):
        return None
    try:
        pairs = list(
            zip(
                jax.tree_util.tree_leaves_with_path(got),
                jax.tree.leaves(params),
                jax.tree.leaves(right),
                strict=True,
            )
        )
    except (TypeError, ValueError):
        return None
    kept = [
        jax.tree_util.keystr(path)
        for (path, g), p, r in pairs
        if np.shape(g) == np.shape(p) and close(g, p) and not close(g, r)
    ]
    if not kept or len(kept) == len(pairs):
        return None
    new = jax.tree_util.tree_map_with_path(
        lambda path, p, r: p if jax.tree_util.keystr(path) in kept else r, params, right
    )
    shown = ", ".join(kept[:3]) + (f" and {len(kept) - 3} more" if len(kept) > 3 else "")
    return Fitted(new, f"({shown} left as {'they were' if len(kept) > 1 else 'it was'})")


def _layers_of(step: Callable[[Any, Any, float], Any]) -> Callable[..., Any]:
    return lambda p, g, lr: step(p, g, lr).layers


WRONGS = (
    Wrong(
        "the parameters not moved",
        "the parameters passed in, unchanged",
        lambda p, _g, _lr: p,
        "return params - lr * grads, leaf by leaf",
    ),
    Wrong(
        "the gradients returned",
        "the gradients, where the new parameters belong",
        lambda _p, g, _lr: g,
        "return params - lr * grads, leaf by leaf",
    ),
    Wrong(
        "jax.tree.map's arguments swapped",
        "grads - lr * params: jax.tree.map's arguments swapped",
        lambda p, g, lr: _descend(g, p, lr),
        "the function's first argument comes from the first tree: tree.map(f, params, grads)",
    ),
    Wrong(
        "the step uphill",
        "a step uphill, params + lr * grads",
        lambda p, g, lr: _descend(p, g, -lr),
        "descent subtracts lr * grads",
    ),
    Wrong(
        "lr ignored",
        "a step of the whole gradient, params - grads (lr ignored)",
        lambda p, g, _lr: _descend(p, g, 1.0),
        "scale the gradients by lr",
    ),
    Wrong(
        "a leaf left un-updated",
        "the step with some leaves not updated",
        _some_not_updated,
        "jax.tree.map(f, params, grads) reaches every leaf",
        fit=True,
    ),
    Wrong(
        "the layers list returned",
        "the list of new layers, the MLP's layers field alone",
        _layers_of(_descend),
        "return the whole MLP: jax.tree.map over params and grads themselves rebuilds it",
    ),
    Wrong(
        "the flat list of leaves returned",
        "the new leaves in a flat list",
        lambda p, g, lr: jax.tree.leaves(_descend(p, g, lr)),
        "jax.tree.map keeps the structure (or rebuild it with jax.tree.unflatten)",
    ),
)
STRUCTURE = (
    "static data that does not compare equal",
    "the parameters changed in place",
    "a dict of the fields returned",
    "the activation not carried over",
)
REGISTRATION = (
    "the class not registered",
    "activation declared as data",
    "the layers declared static",
)


def _gradient_structure(cls: type, params: Any, sizes: tuple[int, ...]) -> None:
    """Raise a :class:`Mistake` unless ``jax.grad(mlp_loss)`` returns ``params``'s structure."""
    rng = np.random.default_rng(len(sizes))
    xs = rng.standard_normal((8, sizes[0]), dtype=np.float32)
    ys = rng.standard_normal((8, sizes[-1]), dtype=np.float32)
    name = cls.__name__
    grads = call(
        jax.grad(mlp_loss), params, xs, ys, jit=True, what=f"jax.grad(mlp_loss) on your {name}"
    )
    want = call(jax.tree.structure, params, what=f"jax.tree.structure of your {name}")
    have = call(jax.tree.structure, grads, what="jax.tree.structure of the gradient")
    same = call(
        lambda: have == want, what=f"== between the structures of your {name} and its gradient"
    )
    if isinstance(grads, cls) and same:
        return
    arrays = [
        leaf
        for leaf in jax.tree.leaves(call(want.node_data, what="its static data"))
        if isinstance(leaf, jax.Array | np.ndarray)
    ]
    why = (
        f"; its static data holds {len(arrays)} arrays (your flatten returns them as static "
        "data): put only activation there"
        if arrays
        else ""
    )
    raise Mistake(
        f"jax.grad(mlp_loss) of your {name} returns {describe(grads)} with structure "
        f"{_one_line(str(have), most=120)}, where the parameters' is "
        f"{_one_line(str(want), most=120)}: flattening and unflattening must rebuild the "
        f"same object{why}"
    )


def _in_place(params: Any, before: list[tuple[Any, Any]]) -> None:
    """Name a step that rebound arrays inside the ``params`` it was given."""
    after = dict(call(jax.tree_util.tree_leaves_with_path, params, what="jax.tree.leaves"))
    changed = [
        jax.tree_util.keystr(path)
        for path, leaf in before
        if path not in after or not (after[path] is leaf or np.array_equal(after[path], leaf))
    ]
    if changed or len(after) != len(before):
        where = f"params{changed[0]}" if changed else "its structure"
        raise Mistake(
            f"the parameters changed in place: after your call, {where} of the params passed "
            "in is no longer what it was, so the caller's params are overwritten (jit hides "
            "this: it hands your function copies); build new containers and return them, as "
            "jax.tree.map does"
        )


def _structure(got: Any, expected: Any, cls: type) -> None:
    """Name a result that holds the right arrays in the wrong container, or loses activation."""
    name = cls.__name__
    if isinstance(got, Mapping) and "layers" in got and close(got["layers"], expected.layers):
        raise Mistake(
            f"your output is a dict of the fields ({describe(got)}), not {a(name)}, so the next "
            f"step, jit and grad see another structure: return {a(name)} (jax.tree.map over "
            "params and grads returns one)"
        )
    if (
        isinstance(got, cls)
        and close(getattr(got, "layers", None), expected.layers)
        and getattr(got, "activation", None) != expected.activation
    ):
        raise Mistake(
            f"the activation not carried over: your {name} has activation "
            f"{getattr(got, 'activation', None)!r} where params has {expected.activation!r}; "
            "keep params' static fields (jax.tree.map carries them over)"
        )


@checker("sgd_update", (*REGISTRATION, *WRONGS, *STRUCTURE))
def check_sgd_update(cls: type, fn: Callable[..., Any]) -> str:
    """Check a dataclass ``cls`` registered as a pytree, and ``fn(params, grads, lr)``, one
    step of SGD over it.

    ``cls(layers=..., activation=...)`` holds ``layers``, a list of ``{"w", "b"}`` dicts of
    arrays (data), and ``activation``, a name (static). ``fn`` must return a ``cls`` whose every
    leaf is ``p - lr * g`` and whose activation is ``params``'s; under ``jit``, new values of the
    leaves and of ``lr`` must not trace it again, a new activation must.

    >>> import dataclasses, jax
    >>> @jax.tree_util.register_dataclass
    ... @dataclasses.dataclass
    ... class MLP:
    ...     layers: list
    ...     activation: str = dataclasses.field(metadata=dict(static=True))
    >>> check_sgd_update(MLP, lambda p, g, lr: jax.tree.map(lambda p, g: p - lr * g, p, g))
    ✓ ...
    >>> check_sgd_update(MLP, lambda p, g, lr: jax.tree.map(lambda p, g: p - lr * g, g, p))
    ✗ sgd_update: your output equals grads - lr * params: jax.tree.map's arguments swapped, ...
    """
    for seed, (sizes, activation, lr) in enumerate(TRIALS):
        layers = init_layers(seed, sizes)
        params = _make(cls, layers, activation)
        _registration(cls, params, layers)
        _gradient_structure(cls, params, sizes)
        grads = _make(cls, init_layers(seed + 10, sizes), activation)
        expected = _descend(params, grads, lr)
        before = jax.tree_util.tree_leaves_with_path(params)
        # Called as written (not under jit), so a step that changes params in place shows.
        got = call(fn, params, grads, lr)
        _in_place(params, before)
        _structure(got, expected, cls)
        identify(got, expected, WRONGS, (params, grads, lr), what="params - lr * grads")
        if (
            isinstance(got, cls)
            and str(jax.tree.structure(got)) != str(jax.tree.structure(expected))
            and not isinstance(got, Mapping)
        ):
            raise Mistake(
                f"wrong structure: expected {jax.tree.structure(expected)}, got "
                f"{jax.tree.structure(got)}"
            )
        compare(got, expected, what="the new parameters", rtol=RTOL, atol=ATOL)
    traces = _count_traces(cls, fn)
    return (
        f"jax.grad(mlp_loss) returns {a(cls.__name__)}; sgd_update matches params - lr * grads "
        f"on {len(TRIALS)} networks ({', '.join(act for _, act, _ in TRIALS)}), keeps the "
        f"{cls.__name__} and its activation, leaves params as they were, "
        f"and under jit traced {traces[0]} time for 3 calls with new leaves and rates, again "
        "for a new activation"
    )


def _count_traces(cls: type, fn: Callable[..., Any]) -> tuple[int, int]:
    """Traces of ``jit(fn)`` over three calls that change only leaves and ``lr``, then one more
    with another activation; a :class:`Mistake` unless that is 1, then 2."""
    traced = [0]

    def counted(params: Any, grads: Any, lr: Any) -> Any:
        traced[0] += 1
        return fn(params, grads, lr)

    jitted = jax.jit(counted)
    sizes = TRIALS[0][0]
    for seed, lr in ((20, 0.1), (21, 0.2), (22, 0.05)):
        params = _make(cls, init_layers(seed, sizes), "tanh")
        grads = _make(cls, init_layers(seed + 10, sizes), "tanh")
        call(jitted, params, grads, lr, hints=(TRACED_LR,), what=f"jax.jit({_fn_name(fn)})")
    leaves_only = traced[0]
    if leaves_only != 1:
        raise Mistake(
            f"under jit it traced {leaves_only} times for 3 calls that changed only the "
            f"values of the leaves and lr, where once is enough: the tree's static part must "
            "not hold arrays or values that change from step to step"
        )
    params = _make(cls, init_layers(23, sizes), "relu")
    grads = _make(cls, init_layers(33, sizes), "relu")
    call(jitted, params, grads, 0.1, hints=(TRACED_LR,), what=f"jax.jit({_fn_name(fn)})")
    if traced[0] != 2:
        raise Mistake(
            "under jit a new activation did not trace again: activation is not part of the "
            f"tree's static structure; {STATIC}"
        )
    return leaves_only, traced[0]


def _traced_lr(error: BaseException, text: str) -> str | None:
    """Advice for an error under jit that must not be "make lr static": the check requires
    that a new rate does not compile again."""
    if not isinstance(error, jax.errors.ConcretizationTypeError):
        return None
    if isinstance(error, jax.errors.TracerBoolConversionError):
        return (
            "under jit lr and the arrays are traced, so a Python if cannot test them (and lr "
            "must stay traced: a new rate must not compile again): use jnp.where or "
            "jnp.minimum"
        )
    converts = re.search(r"arose with the `(float|int|complex|bool)` function", text)
    conversion = f"{converts.group(1)}()" if converts else "a conversion to a Python number"
    return (
        f"{conversion} needs a concrete value, and under jit lr and the arrays are traced (lr "
        f"must stay traced: a new rate must not compile again): drop {conversion} and compute "
        "with lr as it comes"
    )


TRACED_LR = Hint("a Python number made of lr under jit", _traced_lr)


def _fn_name(fn: Callable[..., Any]) -> str:
    name = getattr(fn, "__name__", None)
    return "your function" if not name or name == "<lambda>" else name
