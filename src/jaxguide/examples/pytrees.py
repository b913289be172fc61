"""Examples for the pytrees page: nested containers of arrays, your own nodes, and what the
transformations do with them.

>>> jax.tree.leaves({"b": 2.0, "a": (1.0, None)})  # dict keys sorted; None holds no leaf
[1.0, 2.0]
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

__all__ = [
    "ACTIVATIONS",
    "Dense",
    "Interval",
    "Params",
    "batch_loss",
    "batch_loss_numpy",
    "dense",
    "finite_difference_grad",
    "first_element",
    "init_params",
    "jit_with_structure_log",
    "loss",
    "mlp",
    "mlp_numpy",
    "split_leaves",
    "sum_leaves",
]

ACTIVATIONS: dict[str, Callable[[jax.Array], jax.Array]] = {
    "tanh": jnp.tanh,
    "relu": jax.nn.relu,
    "identity": lambda x: x,
}
"""The activations a :class:`Dense` layer may name, by name."""


@functools.partial(
    jax.tree_util.register_dataclass,
    data_fields=["weight", "bias"],  # leaves: traced, differentiated, batched
    meta_fields=["activation"],  # static: part of the tree's structure
)
@dataclasses.dataclass(frozen=True)
class Dense:
    """A dense layer: two arrays, and the name of its activation (one of :data:`ACTIVATIONS`).

    ``weight`` and ``bias`` are data fields, the node's leaves. ``activation`` is a static
    field: not a leaf but part of the tree's structure, so ``jit`` sees its value while
    tracing and compiles again when it changes.

    >>> layer = Dense(jnp.ones((2, 3)), jnp.zeros(3), "relu")
    >>> len(jax.tree.leaves(layer)), jax.tree.structure(layer)
    (2, PyTreeDef(CustomNode(Dense[('relu',)], [*, *])))
    """

    weight: jax.Array
    bias: jax.Array
    activation: str = "tanh"


def dense(layer: Dense, x: jax.Array) -> jax.Array:
    """``layer`` applied to one example ``x``: its activation of ``x @ weight + bias``.

    >>> dense(Dense(jnp.eye(2), jnp.ones(2), "identity"), jnp.array([1.0, 2.0]))
    Array([2., 3.], dtype=float32)
    """
    return ACTIVATIONS[layer.activation](x @ layer.weight + layer.bias)


Params = dict[str, Any]
"""The parameters of a small network, ``{"hidden": [Dense, ...], "readout": Dense}``."""


def init_params(key: jax.Array, sizes: tuple[int, ...] = (3, 16, 16, 1)) -> Params:
    """Random parameters for :func:`mlp`: ``tanh`` hidden layers, then an ``identity`` readout.

    >>> params = init_params(jax.random.key(0), (3, 4, 1))
    >>> jax.tree.map(jnp.shape, params)
    {'hidden': [Dense(weight=(3, 4), bias=(4,), activation='tanh')], 'readout': Dense(weight=(4, 1), bias=(1,), activation='identity')}
    """
    keys = jax.random.split(key, len(sizes) - 1)
    layers = [
        Dense(
            jax.random.normal(k, (n_in, n_out)) / jnp.sqrt(n_in),
            jnp.full(n_out, 0.1, dtype=jnp.float32),
            "tanh",
        )
        for k, n_in, n_out in zip(keys, sizes[:-1], sizes[1:], strict=True)
    ]
    readout = dataclasses.replace(layers[-1], activation="identity")
    return {"hidden": layers[:-1], "readout": readout}


def mlp(params: Params, x: jax.Array) -> jax.Array:
    """The network's output for one example ``x``: each hidden layer, then the readout.

    >>> mlp(init_params(jax.random.key(0), (3, 4, 2)), jnp.ones(3)).shape
    (2,)
    """
    for layer in params["hidden"]:
        x = dense(layer, x)
    return dense(params["readout"], x)


def loss(params: Params, x: jax.Array, y: jax.Array) -> jax.Array:
    """The squared error of :func:`mlp` on one example.

    >>> params = init_params(jax.random.key(0), (3, 4, 1))
    >>> bool(loss(params, jnp.ones(3), mlp(params, jnp.ones(3))) == 0)
    True
    """
    return jnp.sum((mlp(params, x) - y) ** 2)


def batch_loss(params: Params, xs: jax.Array, ys: jax.Array) -> jax.Array:
    """The mean of :func:`loss` over a batch: ``vmap`` with the parameters shared (``None``).

    >>> params = init_params(jax.random.key(0), (3, 4, 1))
    >>> batch_loss(params, jnp.ones((5, 3)), jnp.zeros((5, 1))).shape
    ()
    """
    return jnp.mean(jax.vmap(loss, in_axes=(None, 0, 0))(params, xs, ys))


_NUMPY_ACTIVATIONS: dict[str, Callable[[np.ndarray[Any, Any]], np.ndarray[Any, Any]]] = {
    "tanh": np.tanh,
    "relu": lambda v: np.maximum(v, 0.0),
    "identity": lambda v: v,
}


def mlp_numpy(params: Params, xs: Any) -> np.ndarray[Any, np.dtype[np.float64]]:
    """:func:`mlp` on a batch ``xs``, written again in NumPy, in float64: a reference.

    >>> params = init_params(jax.random.key(0), (3, 4, 2))
    >>> mlp_numpy(params, np.ones((5, 3))).shape
    (5, 2)
    """
    h = np.asarray(xs, dtype=np.float64)
    for layer in [*params["hidden"], params["readout"]]:
        weight, bias = (np.asarray(a, dtype=np.float64) for a in (layer.weight, layer.bias))
        h = _NUMPY_ACTIVATIONS[layer.activation](h @ weight + bias)
    return h


def batch_loss_numpy(params: Params, xs: Any, ys: Any) -> float:
    """:func:`batch_loss` in NumPy, in float64: the reference that finite differences read.

    >>> params = init_params(jax.random.key(0), (3, 4, 1))
    >>> xs = np.ones((5, 3))
    >>> batch_loss_numpy(params, xs, mlp_numpy(params, xs))
    0.0
    """
    errors = mlp_numpy(params, xs) - np.asarray(ys, dtype=np.float64)
    return float(np.mean(np.sum(errors**2, axis=-1)))


def finite_difference_grad(
    f: Callable[..., float], params: Any, *args: Any, eps: float = 1e-6
) -> Any:
    """The gradient of ``f(params, *args)`` by central differences, one element at a time.

    ``f`` must compute in float64 (:func:`batch_loss_numpy` does), so that ``eps`` is far above
    its rounding. Returns float64 NumPy arrays in a tree of ``params``' structure: its
    structure is rebuilt from ``params``, with no automatic differentiation involved.

    >>> f = lambda p: float(np.sum(np.asarray(p["a"], np.float64) ** 2) + 3 * p["b"])
    >>> g = finite_difference_grad(f, {"a": np.array([1.0, 2.0]), "b": 0.5})
    >>> np.round(g["a"], 6), round(float(g["b"]), 6)
    (array([2., 4.]), 3.0)
    """
    leaves, treedef = jax.tree.flatten(params)
    leaves64 = [np.asarray(leaf, dtype=np.float64) for leaf in leaves]
    grads = []
    for i, leaf in enumerate(leaves64):
        grad = np.zeros_like(leaf)
        for index in np.ndindex(leaf.shape):
            sides = []
            for step in (eps, -eps):
                moved = leaf.copy()
                moved[index] += step
                tree = jax.tree.unflatten(treedef, [*leaves64[:i], moved, *leaves64[i + 1 :]])
                sides.append(f(tree, *args))
            grad[index] = (sides[0] - sides[1]) / (2 * eps)
        grads.append(grad)
    return jax.tree.unflatten(treedef, grads)


class Interval:
    """A closed interval ``[lo, hi]``, standing for a class from a library you cannot change.

    It knows nothing of JAX; :func:`jax.tree_util.register_pytree_node`, called from outside
    it, below, tells JAX how to take it apart and put it back together.

    >>> jax.tree.map(lambda v: 2 * v, Interval(1.0, 3.0))
    Interval(lo=2.0, hi=6.0)
    """

    def __init__(self, lo: Any, hi: Any) -> None:
        self.lo = lo
        self.hi = hi

    def __repr__(self) -> str:
        return f"Interval(lo={self.lo!r}, hi={self.hi!r})"


jax.tree_util.register_pytree_node(
    Interval,
    lambda interval: ((interval.lo, interval.hi), None),  # the children, and no static data
    lambda _, children: Interval(*children),  # rebuilt from (static data, children)
)


def jit_with_structure_log(
    fn: Callable[..., Any], **jit_kwargs: Any
) -> tuple[Callable[..., Any], list[str]]:
    """``jax.jit(fn, **jit_kwargs)`` and a log with one line per trace: the tree structure of
    the arguments that trace saw, static fields included.

    The log grows only when ``jit`` traces: a call whose arguments have a structure (and
    shapes and dtypes) it has seen reuses the compiled program.

    >>> double, log = jit_with_structure_log(lambda t: jax.tree.map(lambda v: 2 * v, t))
    >>> for tree in [(1.0, 2.0), (3.0, 4.0), [1.0, 2.0]]:
    ...     _ = double(tree)
    >>> log
    ['PyTreeDef(((*, *),))', 'PyTreeDef(([*, *],))']
    """
    log: list[str] = []

    @functools.wraps(fn)
    def logged(*args: Any) -> Any:
        log.append(str(jax.tree.structure(args)))  # runs only while tracing
        return fn(*args)

    return jax.jit(logged, **jit_kwargs), log


def split_leaves(x: jax.Array, n: int) -> jax.Array | list[jax.Array]:
    """``x`` itself for ``n`` of one, else the same data as a list of ``n`` equal pieces.

    The pieces are cut on the host and put on the device together: ``jnp.split`` would
    dispatch one slicing operation per piece, each compiled for its own offset.

    >>> [leaf.shape for leaf in split_leaves(jnp.arange(6.0), 3)]
    [(2,), (2,), (2,)]
    """
    if n == 1:
        return x
    pieces: list[jax.Array] = jax.device_put(np.split(np.asarray(x), n))
    return pieces


def first_element(tree: Any) -> jax.Array:
    """The first element of the first leaf of ``tree``: the same work however many leaves
    ``tree`` holds.

    Jitted with ``keep_unused=True``, every leaf is still an argument of the compiled program,
    so a call hands each one over while the program reads one number: what such a call costs
    beyond a one-leaf call is the call's own work per leaf.

    >>> first_element([jnp.arange(3.0) + 7, {"a": jnp.ones(3)}])
    Array(7., dtype=float32)
    """
    return jnp.ravel(jax.tree.leaves(tree)[0])[0]


def sum_leaves(tree: Any) -> jax.Array:
    """The sum of every element of every leaf of ``tree``: the same for any split of the data.

    >>> sum_leaves([jnp.ones(2), {"a": jnp.ones(3)}])
    Array(5., dtype=float32)
    """
    return sum((jnp.sum(leaf) for leaf in jax.tree.leaves(tree)), start=jnp.zeros(()))
