"""chunked_vmap against jax.vmap: values, axes, pytrees, remainders, errors and gradients."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jaxguide.bench import compiled_memory
from jaxguide.mitigations import batch_size, chunked_vmap


def f(a: jax.Array, pair: dict[str, jax.Array]) -> dict[str, jax.Array]:
    """Per example: ``a`` (3,), ``pair['b']`` (2, 3), ``pair['c']`` a scalar."""
    y = jnp.tanh(pair["b"] @ a)[:, None] * a[None, :] + pair["c"]
    return {"y": y, "s": jnp.sum(a[None, :] * pair["b"]) * pair["c"]}


def batched(shape: tuple[int, ...], axis: int | None, n: int, seed: int) -> jax.Array:
    """An input of per-example ``shape``, with a batch of ``n`` inserted at ``axis``."""
    if axis is not None:
        shape = list(shape)
        shape.insert(axis if axis >= 0 else len(shape) + 1 + axis, n)
    return jax.random.normal(jax.random.key(seed), tuple(shape))


axes = st.sampled_from([None, 0, 1, -1])


@settings(max_examples=20, deadline=None)
@given(
    n=st.integers(1, 9),
    chunk=st.integers(1, 11),
    a_axis=st.sampled_from([0, -1]),
    b_axis=axes,
    c_axis=st.sampled_from([None, 0]),
    y_axis=st.sampled_from([0, 1, 2, -1]),
)
def test_matches_vmap(
    n: int, chunk: int, a_axis: int, b_axis: int | None, c_axis: int | None, y_axis: int
) -> None:
    a = batched((3,), a_axis, n, 0)
    pair = {"b": batched((2, 3), b_axis, n, 1), "c": batched((), c_axis, n, 2)}
    in_axes = (a_axis, {"b": b_axis, "c": c_axis})
    out_axes = {"y": y_axis, "s": 0}
    expected = jax.vmap(f, in_axes, out_axes)(a, pair)
    got = chunked_vmap(f, in_axes, out_axes, chunk_size=chunk)(a, pair)
    assert jax.tree.structure(got) == jax.tree.structure(expected)
    for g, e in zip(jax.tree.leaves(got), jax.tree.leaves(expected), strict=True):
        assert g.shape == e.shape
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-6)


def test_unmapped_output_and_jit() -> None:
    xs, w = jnp.arange(10.0), jnp.ones(3)

    def g(x: jax.Array, w: jax.Array) -> tuple[jax.Array, jax.Array]:
        return x * w, 2 * w

    chunked = jax.jit(chunked_vmap(g, (0, None), (1, None), chunk_size=3))
    ys, ws = chunked(xs, w)
    np.testing.assert_array_equal(ys, jnp.outer(w, xs))
    np.testing.assert_array_equal(ws, 2 * w)
    # A None argument is passed through unmapped, as vmap does.
    np.testing.assert_array_equal(
        chunked_vmap(lambda x, nothing: x * 2, chunk_size=4)(xs, None), 2 * xs
    )


@pytest.mark.parametrize("chunk", [1, 2, 4, 7])
def test_keyword_arguments_are_mapped_on_axis_0_as_vmap_maps_them(chunk: int) -> None:
    def g(w: jax.Array, x: jax.Array, *, scale: dict[str, jax.Array], bias: jax.Array) -> jax.Array:
        return jnp.tanh(x @ w) * scale["a"] + scale["b"].sum() + bias

    w = batched((3, 2), None, 0, 0)
    xs, ys = batched((3,), 0, 5, 1), batched((3,), 1, 5, 2)  # positional batches on axes 0, 1
    scale = {"a": batched((), 0, 5, 3), "b": batched((4,), 0, 5, 4)}
    bias = batched((2,), 0, 5, 5)
    for in_axes, x in [((None, 0), xs), ((None, 1), ys)]:
        expected = jax.vmap(g, in_axes)(w, x, scale=scale, bias=bias)
        got = chunked_vmap(g, in_axes, chunk_size=chunk)(w, x, scale=scale, bias=bias)
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)
    # A keyword argument on another axis is refused as vmap refuses it.
    with pytest.raises(ValueError, match="inconsistent sizes"):
        chunked_vmap(g, (None, 0), chunk_size=chunk)(w, xs, scale=scale, bias=bias.T)


def uses_pmean(x: jax.Array) -> jax.Array:
    return x - jax.lax.pmean(x, "batch")


def test_a_collective_over_the_mapped_axis_is_refused_clearly() -> None:
    xs = jnp.arange(12.0).reshape(6, 2)
    np.testing.assert_allclose(
        jax.vmap(uses_pmean, axis_name="batch")(xs), xs - xs.mean(0, keepdims=True)
    )
    with pytest.raises(ValueError, match=r"cannot map uses_pmean: .* over axis 'batch', the axis"):
        chunked_vmap(uses_pmean, chunk_size=2, axis_name="batch")(xs)

    def nested(x: jax.Array) -> jax.Array:  # inside a jit, a cond and a scan: still found
        def body(c: jax.Array, _: None) -> tuple[jax.Array, None]:
            return jax.lax.cond(True, lambda: jax.lax.axis_index("batch") + c, lambda: c), None

        return x * jax.jit(lambda: jax.lax.scan(body, 0, length=2)[0])()

    with pytest.raises(ValueError, match=r"'batch', the axis it maps \(axis_index\)"):
        chunked_vmap(nested, chunk_size=2, axis_name="batch")(xs)
    # Without axis_name the name is bound by nothing: one clear error instead of JAX's NameError.
    with pytest.raises(ValueError, match="collective over axis 'batch', which nothing binds"):
        chunked_vmap(uses_pmean, chunk_size=2)(xs)


def test_axis_name_without_collectives_and_collectives_over_outer_axes_work() -> None:
    xs = jnp.arange(24.0).reshape(2, 6, 2)
    plain = chunked_vmap(jnp.sin, chunk_size=4, axis_name="batch")(xs[0])
    np.testing.assert_allclose(plain, jnp.sin(xs[0]))

    def per_group(group: jax.Array) -> jax.Array:  # pmean over the outer vmap's axis
        return chunked_vmap(lambda x: x - jax.lax.pmean(x, "outer"), chunk_size=4)(group)

    got = jax.vmap(per_group, axis_name="outer")(xs)
    np.testing.assert_allclose(got, xs - xs.mean(0, keepdims=True))


def test_vmap_errors_are_vmaps() -> None:
    with pytest.raises(ValueError, match="at least one non-None"):
        chunked_vmap(jnp.sin, in_axes=None, chunk_size=2)(jnp.ones(4))
    with pytest.raises(ValueError, match="inconsistent sizes"):
        chunked_vmap(jnp.add, chunk_size=2)(jnp.ones(4), jnp.ones(5))
    with pytest.raises(ValueError, match="out_axes"):
        chunked_vmap(jnp.sin, out_axes=None, chunk_size=2)(jnp.ones(4))


@pytest.mark.parametrize("chunk", [0, -3, 2.0, True, None])
def test_chunk_size_must_be_positive_int(chunk: object) -> None:
    with pytest.raises(ValueError, match="chunk_size must be a positive integer"):
        chunked_vmap(jnp.sin, chunk_size=chunk)  # type: ignore[arg-type]


def test_batch_size() -> None:
    assert batch_size((None, {"x": 1}), jnp.ones(3), {"x": jnp.ones((2, 7))}) == 7
    with pytest.raises(ValueError, match=r"got \[4, 5\]"):
        batch_size(0, jnp.ones(4), jnp.ones(5))
    with pytest.raises(ValueError, match="every in_axes entry is None"):
        batch_size(None, jnp.ones(4))


def loss(w: jax.Array, x: jax.Array) -> jax.Array:
    return jnp.sum(jnp.tanh(jnp.outer(x, w)) ** 2)


@pytest.mark.parametrize("remat", [False, True])
def test_gradients_through_chunks(remat: bool) -> None:
    """Per-example gradients and the batch loss's gradient equal vmap's, checkpointed or not."""
    w, xs = jnp.linspace(-1, 1, 4), jax.random.normal(jax.random.key(0), (10, 5))
    fn = jax.checkpoint(loss) if remat else loss
    per_example = chunked_vmap(jax.grad(fn), (None, 0), chunk_size=4)(w, xs)
    np.testing.assert_allclose(per_example, jax.vmap(jax.grad(loss), (None, 0))(w, xs), rtol=1e-5)
    total = jax.grad(lambda w: chunked_vmap(fn, (None, 0), chunk_size=3)(w, xs).sum())(w)
    grad_one = jax.jit(jax.grad(loss))
    by_loop = sum(grad_one(w, x) for x in xs)
    np.testing.assert_allclose(total, by_loop, rtol=1e-5)


def test_chunks_cut_temporary_memory() -> None:
    """XLA's analysis: the chunked map's temporaries follow the chunk, not the batch."""
    xs = jax.ShapeDtypeStruct((512, 64), jnp.float32)

    def sorted_outer(x: jax.Array) -> jax.Array:  # the sort keeps a 64 × 64 matrix per example
        return jnp.sort(jnp.outer(x, x), axis=0)[-1]

    full = compiled_memory(jax.vmap(sorted_outer), xs).temp_bytes
    small = compiled_memory(chunked_vmap(sorted_outer, chunk_size=32), xs).temp_bytes
    assert full >= 512 * 64 * 64 * 4
    assert small < full / 8
