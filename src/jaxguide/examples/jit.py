"""Examples for the jit page: a small model to compile, tracing made visible, loops under jit.

>>> import jax, jax.numpy as jnp
>>> params = init_mlp(jax.random.key(0), [4, 8, 2])
>>> jnp.allclose(jax.jit(mlp)(params, jnp.ones(4)), mlp(params, jnp.ones(4)))
Array(True, dtype=bool)
"""

from __future__ import annotations

import contextlib
import functools
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import jax
import jax.numpy as jnp
from jax import lax
from jax.extend.core import ClosedJaxpr, Jaxpr

__all__ = [
    "Params",
    "cache_miss_log",
    "compiled_ops",
    "init_mlp",
    "jaxpr_primitives",
    "jit_with_trace_log",
    "mlp",
    "newton_sqrt",
    "newton_sqrt_unrolled",
]

Params = list[dict[str, jax.Array]]
"""An MLP's parameters, a pytree with one ``{"w": ..., "b": ...}`` per layer."""


def init_mlp(key: jax.Array, sizes: Sequence[int]) -> Params:
    """Parameters of an MLP with layer widths ``sizes``, scaled so activations stay near 1.

    >>> params = init_mlp(jax.random.key(0), [3, 5, 1])
    >>> [(p["w"].shape, p["b"].shape) for p in params]
    [((3, 5), (5,)), ((5, 1), (1,))]
    """
    keys = jax.random.split(key, len(sizes) - 1)
    return [
        {
            "w": jax.random.normal(k, (n_in, n_out)) / jnp.sqrt(n_in),
            "b": jnp.zeros(n_out),
        }
        for k, n_in, n_out in zip(keys, sizes[:-1], sizes[1:], strict=True)
    ]


def mlp(params: Params, x: jax.Array) -> jax.Array:
    """The MLP's output for one example ``x`` of shape ``(d,)`` (``jax.vmap`` batches it).

    Hidden layers apply ``tanh``; the last layer is linear.

    >>> params = init_mlp(jax.random.key(0), [3, 5, 2])
    >>> mlp(params, jnp.ones(3)).shape
    (2,)
    """
    *hidden, last = params
    for layer in hidden:
        x = jnp.tanh(x @ layer["w"] + layer["b"])
    return x @ last["w"] + last["b"]


def jaxpr_primitives(fn: Callable[..., Any], *args: Any) -> Counter[str]:
    """How many times each primitive appears in ``fn``'s jaxpr, nested jaxprs included.

    >>> counts = jaxpr_primitives(lambda x: jnp.sin(x) + jnp.sin(2 * x), 1.0)
    >>> counts["sin"], counts["mul"]
    (2, 1)
    """
    counts: Counter[str] = Counter()
    for eqn in _equations(jax.make_jaxpr(fn)(*args).jaxpr):
        counts[eqn.primitive.name] += 1
    return counts


def _equations(jaxpr: Jaxpr) -> Iterator[Any]:
    """Every equation of ``jaxpr`` and of the jaxprs in its equations' parameters."""
    for eqn in jaxpr.eqns:
        yield eqn
        for param in eqn.params.values():
            for sub in param if isinstance(param, tuple | list) else (param,):
                if isinstance(sub, ClosedJaxpr):
                    yield from _equations(sub.jaxpr)
                elif isinstance(sub, Jaxpr):
                    yield from _equations(sub)


def compiled_ops(fn: Callable[..., Any], *args: Any) -> Counter[str]:
    """How many times each operation appears in the program XLA compiled for ``jit(fn)``.

    This is after XLA's optimisations: fused, with duplicate work removed, unlike the jaxpr.

    >>> ops = compiled_ops(lambda x: jnp.sin(x) + jnp.sin(x), jnp.ones(3))
    >>> ops["sine"]
    1
    """
    text = jax.jit(fn).lower(*args).compile().as_text() or ""
    return Counter(re.findall(r"^\s*(?:ROOT )?%\S+ = .*? ([a-z][a-z0-9-]*)\(", text, re.MULTILINE))


def jit_with_trace_log(
    fn: Callable[..., Any], **jit_kwargs: Any
) -> tuple[Callable[..., Any], list[str]]:
    """``jax.jit(fn, **jit_kwargs)`` and a log with one line per trace (hence per compile).

    Each line is the signature the trace saw: shapes and dtypes of array arguments, values
    of static ones. The log only grows when jit meets a signature it has not compiled.

    >>> double, log = jit_with_trace_log(lambda x: 2 * x)
    >>> for x in [jnp.ones(3), jnp.zeros(3), jnp.ones(4), jnp.ones(3, dtype=jnp.int32)]:
    ...     _ = double(x)
    >>> _ = double(jnp.full(3, 2.0))  # weakly typed (~): a trace of its own
    >>> log
    ['f32[3]', 'f32[4]', 'i32[3]', '~f32[3]']
    """
    log: list[str] = []

    @functools.wraps(fn)
    def logged(*args: Any, **kwargs: Any) -> Any:
        leaves = jax.tree.leaves((args, kwargs))
        log.append(", ".join(_describe(leaf) for leaf in leaves))  # runs only while tracing
        return fn(*args, **kwargs)

    return jax.jit(logged, **jit_kwargs), log


@contextlib.contextmanager
def cache_miss_log() -> Iterator[list[str]]:
    """JAX's explanation of each tracing-cache miss inside the block, collected in a list.

    Turns on ``jax_explain_cache_misses`` for the block, and turns it back to what it was
    after. JAX writes each explanation with Python's ``logging`` (the ``jax`` logger, at WARNING),
    which would print it to standard error; inside the block a handler collects whatever the
    ``jax`` logger writes instead, and nothing goes on to other handlers.

    >>> double = jax.jit(lambda x: 2 * x)
    >>> with cache_miss_log() as misses:
    ...     _ = double(jnp.ones(3)), double(jnp.ones(3)), double(jnp.ones(4))
    >>> len(misses)  # the first call, and the new shape
    2
    >>> for line in misses[1].splitlines()[1:]:  # the first line says where the call was
    ...     print(line)
      for <lambda> defined at <doctest jaxguide.examples.jit.cache_miss_log[0]>:1
      all previously seen cache keys differ. For the closest previous key:
      different input types:
      * at x, now f32[4] and before f32[3]
    """
    messages: list[str] = []
    handler = _Collect(messages)
    logger = logging.getLogger("jax")
    was_on = jax.config.jax_explain_cache_misses  # type: ignore[attr-defined]
    propagated = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    jax.config.update("jax_explain_cache_misses", True)  # type: ignore[no-untyped-call]
    try:
        yield messages
    finally:
        jax.config.update("jax_explain_cache_misses", was_on)  # type: ignore[no-untyped-call]
        logger.propagate = propagated
        logger.removeHandler(handler)


class _Collect(logging.Handler):
    def __init__(self, messages: list[str]) -> None:
        super().__init__()
        self.messages = messages

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _describe(leaf: Any) -> str:
    """An argument as a trace sees it: ``f32[3]``, with ``~`` if weakly typed; a static value."""
    if isinstance(leaf, jax.Array):
        aval = jax.typeof(leaf)
        weak = "~" if getattr(aval, "weak_type", False) else ""
        return weak + str(aval.str_short(short_dtypes=True))
    return repr(leaf)


def newton_sqrt_unrolled(x: jax.Array, steps: int) -> jax.Array:
    """``sqrt(x)`` by ``steps`` Newton iterations in a Python loop: ``steps`` must be static.

    Under jit the loop runs while tracing, so the jaxpr holds ``steps`` copies of its body and
    each new ``steps`` compiles anew: ``jax.jit(newton_sqrt_unrolled, static_argnames="steps")``.

    >>> sqrt5 = jax.jit(newton_sqrt_unrolled, static_argnames="steps")
    >>> round(float(sqrt5(jnp.array(2.0), steps=5)), 6)
    1.414214
    """
    y = jnp.maximum(x, 1.0)
    for _ in range(steps):
        y = 0.5 * (y + x / y)
    return y


def newton_sqrt(x: jax.Array, steps: int | jax.Array) -> jax.Array:
    """``sqrt(x)`` by ``steps`` Newton iterations in :func:`jax.lax.fori_loop`.

    The loop is one primitive whatever ``steps`` is, and ``steps`` may be traced: one compile
    serves every step count.

    >>> round(float(jax.jit(newton_sqrt)(jnp.array(2.0), 5)), 6)
    1.414214
    """
    y: jax.Array = lax.fori_loop(0, steps, lambda _, y: 0.5 * (y + x / y), jnp.maximum(x, 1.0))
    return y
