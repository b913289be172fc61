"""Profiles, the page profile, and the vmap-speed suite's variants against references."""

from __future__ import annotations

import dataclasses

import jax
import numpy as np
import pytest

from jaxguide.bench import PROFILES, page_profile
from jaxguide.bench.suites import vmap_speed
from jaxguide.claims import CLAIMS
from jaxguide.examples.vmap_speed import DELTA, huber


def test_page_profile_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JAXGUIDE_PROFILE", raising=False)
    assert page_profile() == "quick"
    monkeypatch.setenv("JAXGUIDE_PROFILE", "full")
    assert page_profile() == "full"
    monkeypatch.setenv("JAXGUIDE_PROFILE", "fast")
    with pytest.raises(ValueError, match="JAXGUIDE_PROFILE='fast'"):
        page_profile()


def test_profile_batches() -> None:
    quick, full = PROFILES["quick"], PROFILES["full"]
    assert quick.batches() == (10, 100, 1000, 10_000)
    assert full.batches()[-1] == full.max_batch
    assert quick.batches(limit=quick.max_loop_batch)[-1] == quick.max_loop_batch
    custom = dataclasses.replace(quick, sizes=(3, 30, 300))
    assert custom.batches() == (3, 30, 300)
    assert custom.batches(limit=30) == (3, 30)


def _reference(benchmark: str, args: tuple[object, ...]) -> np.ndarray:
    """The same computations in NumPy, in float64, one formula per benchmark."""
    if benchmark == "add":
        xs, ys = (np.asarray(a, np.float64) for a in args)
        return xs + ys
    if benchmark == "where":
        r = np.asarray(args[0], np.float64)
        d = DELTA
        return np.where(np.abs(r) <= d, 0.5 * r**2, d * (np.abs(r) - 0.5 * d))
    params, xs = args
    w1, b1, w2, b2 = (np.asarray(p, np.float64) for p in params)  # type: ignore[attr-defined]
    return np.tanh(np.asarray(xs, np.float64) @ w1 + b1) @ w2 + b2


@pytest.mark.parametrize("benchmark", vmap_speed.BENCHMARKS)
def test_every_variant_computes_the_reference(benchmark: str) -> None:
    args = vmap_speed.inputs(benchmark, 7)
    expected = _reference(benchmark, args)
    for name, fn in vmap_speed.VARIANTS[benchmark].items():
        got = np.asarray(fn(*args))
        assert got.shape == expected.shape, name
        np.testing.assert_allclose(got, expected, rtol=2e-6, atol=2e-6, err_msg=name)


def test_where_covers_both_branches() -> None:
    (r,) = vmap_speed.inputs("where", 1000)
    inside = np.abs(np.asarray(r)) <= DELTA
    assert 0.1 < inside.mean() < 0.9


def test_equivalence_records() -> None:
    add = vmap_speed.equivalence("add", 50)
    assert add.values == {"max_abs_diff": 0.0, "same_primitives": True, "primitives": "add"}
    where = vmap_speed.equivalence("where", 50)
    # vmap turns the per-element cond into a select of both branches: same numbers, more ops.
    assert where.values["max_abs_diff"] == 0.0
    assert where.values["same_primitives"] is False
    assert "stop_gradient" in str(where.values["primitives"])


def test_primitives_look_inside_nested_jaxprs() -> None:
    assert "cond" in vmap_speed.primitives(huber, jax.numpy.float32(0.5))
    assert vmap_speed.primitives(
        vmap_speed.VARIANTS["add"]["jit_vmap"], *vmap_speed.inputs("add", 4)
    ) == {"add"}


def test_the_suite_feeds_its_claims() -> None:
    assert {"manual-vs-vmap", "vmap-beats-loop", "jit-vmap-beats-vmap", "vmap-matches-manual"} <= {
        c.id for c in CLAIMS.values() if c.suite == "vmap-speed"
    }
