"""The vmap-memory suite's variants agree, its lessons' training-step forms too, and its claims
can fail as well as hold."""

from __future__ import annotations

import jax
import numpy as np
import pytest

import factories
from factories import timing
from jaxguide.bench import PROFILES, describe_environment
from jaxguide.bench.suites import vmap_memory
from jaxguide.claims import CLAIMS
from jaxguide.examples.vmap_memory import (
    FEATURES,
    TOKENS,
    TRAIN_FORMS,
    init_network,
    train_batch,
    train_step,
)
from jaxguide.results import Memory, Record, Results


def test_variants_compute_the_same() -> None:
    xs = jax.random.normal(jax.random.key(0), (10, TOKENS, FEATURES))
    expected = vmap_memory.variant("vmap", 10)(xs)
    for name, chunk in [("chunked_vmap", 4), ("lax.map", 3), ("sequential", 1)]:
        got = vmap_memory.variant(name, chunk)(xs)
        for g, e in zip(got, expected, strict=True):
            np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-5)


def test_batches() -> None:
    assert vmap_memory.batches(PROFILES["quick"]) == (256, 1024, 4096)


def results(temps: dict[tuple[str, int, int], int]) -> Results:
    records = tuple(
        Record(
            benchmark="attention",
            variant=v,
            params={"batch": n, "chunk": c},
            memory=Memory(temp_bytes=t, argument_bytes=0, output_bytes=0),
            values={"weights_bytes": n * 100},
        )
        for (v, n, c), t in temps.items()
    )
    env = describe_environment()
    return Results(
        suite="vmap-memory",
        suite_version=1,
        profile="quick",
        environment=env,
        method=PROFILES["quick"].method,
        records=records,
    )


@pytest.mark.parametrize(
    ("chunked_temp", "holds"), [(100 * 64 * 3 // 2, True), (100 * 64 * 3, False), (2000, False)]
)
def test_k_fold_claim(chunked_temp: int, holds: bool) -> None:
    """Chunks of 64 out of 1024 (k = 16): a cut from 8-fold to 32-fold holds."""
    r = results({("vmap", 1024, 1024): 102_400, ("chunked_vmap", 1024, 64): chunked_temp})
    verdict = CLAIMS["chunking-cuts-memory-k-fold"].evaluate(r)
    assert verdict.status == ("holds" if holds else "fails")


def test_materialization_claim_fails_when_vmap_keeps_less_than_the_batch() -> None:
    temps = {("vmap", 256, 256): 25_600, ("sequential", 256, 1): 10}
    assert CLAIMS["vmap-materializes-batch"].evaluate(results(temps)).status == "holds"
    temps[("vmap", 1024, 1024)] = 1000  # less than the batch's 102,400 bytes of weights
    temps[("sequential", 1024, 1)] = 10
    assert CLAIMS["vmap-materializes-batch"].evaluate(results(temps)).status == "fails"


def test_train_step_forms_compute_the_same_step() -> None:
    """10 examples in chunks of 4 (a remainder too): every form gives vmap's loss and gradient."""
    params = init_network(jax.random.key(0))
    batch = train_batch(jax.random.key(1), 10)
    loss, grads = jax.jit(train_step("vmap", 10))(params, batch)
    for form in TRAIN_FORMS[1:]:
        got_loss, got_grads = jax.jit(train_step(form, 4))(params, batch)
        np.testing.assert_allclose(got_loss, loss, rtol=1e-5)
        for g, e in zip(jax.tree.leaves(got_grads), jax.tree.leaves(grads), strict=True):
            np.testing.assert_allclose(g, e, rtol=1e-4, atol=1e-6)
    with pytest.raises(ValueError, match="unknown form 'scan'"):
        train_step("scan", 4)


def train_records(
    temps: dict[str, int], times: dict[str, float], batch: int = 4096
) -> tuple[Record, ...]:
    memory = tuple(
        Record(
            benchmark="train-step",
            variant=form,
            params={"batch": batch, "chunk": 32},
            memory=Memory(temp_bytes=t, argument_bytes=0, output_bytes=0),
        )
        for form, t in temps.items()
    )
    timed = tuple(
        Record(
            benchmark="train-step-timed",
            variant=form,
            params={"batch": 256, "chunk": 32},
            timing=timing(s, spread=0.05),
        )
        for form, s in times.items()
    )
    return memory + timed


@pytest.mark.parametrize(
    ("micro", "remat", "holds"),
    [
        (15, 14, True),
        (27, 14, True),  # within 2× of remat's
        (29, 14, False),  # more than 2× remat's
        (6, 14, False),  # less than half: not "as much"
        (15, 190, False),  # remat's above a tenth of vmap's
    ],
)
def test_microbatching_memory_claim(micro: int, remat: int, holds: bool) -> None:
    records = train_records({"vmap": 1800, "chunked-remat": remat, "microbatched": micro}, {})
    verdict = CLAIMS["microbatching-cuts-like-remat"].evaluate(
        factories.results("vmap-memory", *records)
    )
    assert verdict.status == ("holds" if holds else "fails")


def test_microbatching_memory_claim_reads_the_largest_common_batch() -> None:
    small = train_records({"vmap": 180, "chunked-remat": 14, "microbatched": 15}, {}, batch=256)
    big = train_records({"vmap": 1800, "chunked-remat": 14, "microbatched": 100}, {})
    claim = CLAIMS["microbatching-cuts-like-remat"]
    assert claim.evaluate(factories.results("vmap-memory", *small)).status == "holds"
    verdict = claim.evaluate(factories.results("vmap-memory", *small, *big))
    assert (verdict.status, verdict.values["batch"]) == ("fails", 4096)
    assert claim.evaluate(factories.results("vmap-memory", *big[1:])).status == "not-measured"


@pytest.mark.parametrize(
    ("remat_s", "status"), [(0.15, "holds"), (0.105, "inconclusive"), (0.09, "fails")]
)
def test_microbatching_time_claim(remat_s: float, status: str) -> None:
    records = train_records({}, {"microbatched": 0.1, "chunked-remat": remat_s})
    verdict = CLAIMS["microbatching-beats-remat"].evaluate(
        factories.results("vmap-memory", *records)
    )
    assert verdict.status == status
    assert verdict.comparison().ratio == pytest.approx(remat_s / 0.1)
