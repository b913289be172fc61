"""jaxguide.examples.control_flow against plain Python and NumPy, and what each lax construct
becomes under the transformations."""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax
from jax.ad_checkpoint import print_saved_residuals

from jaxguide.examples.control_flow import (
    branchy,
    cheap,
    expensive,
    fori_power_sum,
    halve_at_most,
    halve_until_small,
    init_weights,
    loop_over_examples,
    prefix_sum_associative,
    prefix_sum_scan,
    rnn,
    rnn_loss,
    step,
)

KX, KW = jax.random.split(jax.random.key(0))


def _primitives(jaxpr: jax.extend.core.ClosedJaxpr) -> set[str]:
    found: set[str] = set()
    for eqn in jaxpr.jaxpr.eqns:
        found.add(eqn.primitive.name)
    return found


def test_branches_match_numpy() -> None:
    x, w = np.asarray(jax.random.normal(KX, (6,))), np.asarray(jax.random.normal(KW, (6, 6))) / 3
    h = x.copy()
    for _ in range(64):
        h = np.tanh(w @ h)
    np.testing.assert_allclose(expensive(jnp.asarray(x), jnp.asarray(w)), h, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(cheap(jnp.asarray(x), jnp.asarray(w)), 2 * x)


def test_vmapped_cond_is_a_select_and_matches_a_loop() -> None:
    xs, w = jax.random.normal(KX, (5, 4)), jax.random.normal(KW, (4, 4)) / 2
    preds = jnp.array([True, False, False, True, False])
    batched = jax.vmap(branchy, in_axes=(0, 0, None))
    prims = _primitives(jax.make_jaxpr(batched)(preds, xs, w))
    assert "cond" not in prims
    assert "select_n" in prims
    assert "cond" in _primitives(jax.make_jaxpr(branchy)(preds[0], xs[0], w))
    expected = np.stack(
        [expensive(x, w) if p else cheap(x, w) for p, x in zip(preds, xs, strict=False)]
    )
    np.testing.assert_allclose(batched(preds, xs, w), expected, rtol=1e-5, atol=1e-6)
    looped = loop_over_examples(jax.jit(branchy), preds, xs, w)
    np.testing.assert_allclose(looped, expected, rtol=1e-5, atol=1e-6)


def test_vmapped_switch_with_a_batched_index_selects_over_every_branch() -> None:
    branches = [jnp.sin, jnp.cos, jnp.tanh]
    batched = jax.vmap(lambda i, x: lax.switch(i, branches, x))
    index, xs = jnp.array([0, 1, 2, 1]), jnp.linspace(-1.0, 1.0, 4)
    jaxpr = jax.make_jaxpr(batched)(index, xs)
    prims = _primitives(jaxpr)
    assert "cond" not in prims
    assert {"sin", "cos", "tanh", "select_n"} <= prims
    expected = [np.sin, np.cos, np.tanh]
    np.testing.assert_allclose(
        batched(index, xs),
        [expected[i](x) for i, x in zip(index.tolist(), np.asarray(xs), strict=True)],
        rtol=1e-6,
    )


def test_vmapped_cond_with_an_unbatched_predicate_stays_a_cond() -> None:
    xs, w = jax.random.normal(KX, (5, 4)), jax.random.normal(KW, (4, 4)) / 2
    batched = jax.vmap(branchy, in_axes=(None, 0, None))
    prims = _primitives(jax.make_jaxpr(batched)(jnp.array(True), xs, w))
    assert "cond" in prims
    assert "select_n" not in prims
    for pred, branch in ((True, expensive), (False, cheap)):
        expected = np.stack([branch(x, w) for x in xs])
        np.testing.assert_allclose(batched(jnp.array(pred), xs, w), expected, rtol=1e-5, atol=1e-6)


def test_where_gradient_takes_nan_from_the_side_not_chosen() -> None:
    def log_or_zero(x: jax.Array) -> jax.Array:
        return jnp.where(x > 0, jnp.log(x), 0.0)

    def log_or_zero_safe(x: jax.Array) -> jax.Array:
        return jnp.where(x > 0, jnp.log(jnp.where(x > 0, x, 1.0)), 0.0)

    assert np.isnan(float(jax.grad(log_or_zero)(0.0)))
    assert float(jax.grad(log_or_zero_safe)(0.0)) == 0.0
    for x in (0.5, 2.0):
        assert float(jax.grad(log_or_zero_safe)(x)) == pytest.approx(1 / x)


def test_bounded_loop_differentiates_like_the_while_loop() -> None:
    assert "scan" in _primitives(jax.make_jaxpr(halve_at_most)(5.0))
    for start in (0.5, 5.0, 100.0, 3.0e18):
        v, trips = start, 0
        while v >= 1.0:
            v, trips = v / 2.0, trips + 1
        assert float(halve_at_most(start)) == pytest.approx(v, rel=1e-6)
        assert float(jax.grad(halve_at_most)(start)) == pytest.approx(0.5**trips, rel=1e-6)
        assert float(jax.jvp(halve_until_small, (start,), (1.0,))[1]) == pytest.approx(0.5**trips)


def test_while_loop_forward_mode_only() -> None:
    for start in (0.5, 5.0, 100.0):
        v = start
        while v >= 1.0:
            v /= 2.0
        value, tangent = jax.jvp(halve_until_small, (start,), (1.0,))
        assert float(value) == v
        assert float(tangent) == v / start
    with pytest.raises(ValueError, match="Reverse-mode differentiation does not work"):
        jax.grad(halve_until_small)(5.0)


def test_fori_loop_static_is_scan_and_traced_is_while() -> None:
    for n in (1, 3, 6):
        assert float(fori_power_sum(1.5, n)) == pytest.approx(sum(1.5**i for i in range(1, n + 1)))
        derivative = sum(i * 1.5 ** (i - 1) for i in range(1, n + 1))
        assert float(jax.grad(fori_power_sum)(1.5, n)) == pytest.approx(derivative)
    assert "scan" in _primitives(jax.make_jaxpr(fori_power_sum, static_argnums=1)(2.0, 3))
    assert "while" in _primitives(jax.make_jaxpr(fori_power_sum)(2.0, 3))
    with pytest.raises(ValueError, match="Reverse-mode differentiation does not work"):
        jax.jit(jax.grad(fori_power_sum))(2.0, 3)
    # Forward mode goes through the while_loop that traced bounds make.
    tangent = jax.jit(lambda x, n: jax.jvp(lambda y: fori_power_sum(y, n), (x,), (1.0,))[1])
    assert float(tangent(2.0, 3)) == pytest.approx(1 + 2 * 2.0 + 3 * 2.0**2)


def test_scan_matches_a_python_loop_and_vmaps_over_sequences() -> None:
    weights = init_weights(KW, 4, 16)
    xs = jax.random.normal(KX, (3, 7, 4))
    lasts, outputs = jax.vmap(rnn, in_axes=(None, 0))(weights, xs)
    for seq, last, out in zip(xs, lasts, outputs, strict=True):
        h, ys = jnp.zeros(4), []
        for x in seq:
            h, y = step(weights, h, x)
            ys.append(y)
        np.testing.assert_allclose(last, h, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(out, np.stack(ys), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(rnn(weights, seq, unroll=4)[1], out, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("unroll", [1, 4, 16])
def test_unrolled_scan_compiles_that_many_copies_of_the_step(unroll: int) -> None:
    weights, xs = init_weights(KW, 4, 16), jnp.ones((64, 4))
    lowered = jax.jit(partial(rnn, unroll=unroll)).lower(weights, xs)
    # JAX's lowering calls the step `unroll` times in the loop's body; XLA inlines each call.
    assert lowered.as_text().count("func.call @closed_call") == unroll
    assert lowered.compile().as_text().count(" tanh(") == 2 * unroll  # the step has two tanh


def test_what_grad_through_the_scan_keeps(capsys: pytest.CaptureFixture[str]) -> None:
    """The page: two hidden-sized and three carry-sized arrays a step; checkpointed, the carry."""
    weights, seq = init_weights(KW, 8, 64), jax.random.normal(KX, (16, 8))
    print_saved_residuals(rnn_loss, weights, seq)
    plain = [line for line in capsys.readouterr().out.splitlines() if "output of scan" in line]
    assert sorted(line.split()[0] for line in plain) == ["f32[16,64]"] * 2 + ["f32[16,8]"] * 3
    print_saved_residuals(partial(rnn_loss, checkpoint=True), weights, seq)
    remat = [line for line in capsys.readouterr().out.splitlines() if "output of scan" in line]
    assert [line.split()[0] for line in remat] == ["f32[16,8]"]


def test_checkpoint_gives_the_same_gradient_with_less_memory() -> None:
    weights, seq = init_weights(KW, 8, 64), jax.random.normal(KX, (128, 8))
    plain = jax.jit(jax.grad(rnn_loss))
    remat = jax.jit(jax.grad(partial(rnn_loss, checkpoint=True)))
    for a, b in zip(plain(weights, seq), remat(weights, seq), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)

    def loop_loss(w: tuple[jax.Array, jax.Array]) -> jax.Array:  # no scan: a Python loop
        h, ys = jnp.zeros(seq.shape[-1]), []
        for x in np.asarray(seq):
            h, y = step(w, h, x)
            ys.append(y)
        return jnp.mean(jnp.stack(ys))

    # The reference differentiates no scan, so scan's own reverse rule is checked too.
    for a, b in zip(plain(weights, seq), jax.jit(jax.grad(loop_loss))(weights), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    temp = {
        name: fn.lower(weights, seq).compile().memory_analysis().temp_size_in_bytes
        for name, fn in (("plain", plain), ("remat", remat))
    }
    assert temp["remat"] < temp["plain"]


def test_prefix_sums_match_numpy_cumsum() -> None:
    values = jax.random.randint(KX, (1000,), 0, 4).astype(jnp.float32)
    expected = np.cumsum(np.asarray(values))
    np.testing.assert_array_equal(prefix_sum_scan(values), expected)
    np.testing.assert_array_equal(prefix_sum_associative(values), expected)
    np.testing.assert_array_equal(jnp.cumsum(values), expected)
