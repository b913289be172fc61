"""The vmap-memory suite's variants agree, and its claims can fail as well as hold."""

from __future__ import annotations

import jax
import numpy as np
import pytest

from jaxguide.bench import PROFILES, describe_environment
from jaxguide.bench.suites import vmap_memory
from jaxguide.claims import CLAIMS
from jaxguide.results import Memory, Record, Results


def test_variants_compute_the_same() -> None:
    xs = jax.random.normal(jax.random.key(0), (10, vmap_memory.TOKENS, vmap_memory.FEATURES))
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
