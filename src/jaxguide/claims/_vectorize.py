"""Claims of the jnp.vectorize page, read from what that page measures (``vectorize``)."""

from __future__ import annotations

from jaxguide.claims._agree import agreement
from jaxguide.claims._core import MeasuredClaim, StrictClaim
from jaxguide.results import Threshold, benchmark_variants

__all__ = ["CLAIMS"]

READS = benchmark_variants("affine/vectorize", "affine/vmap")

CLAIMS = (
    StrictClaim(
        id="vectorize-matches-vmap",
        statement="jnp.vectorize with a signature computes the same values as the vmap it "
        "stands for.",
        suite="vectorize",
        reads=READS,
        predicate=lambda r: agreement(r.record("affine", "vectorize"), rtol=1e-6),
    ),
    MeasuredClaim(
        id="vectorize-as-fast-as-vmap",
        statement="Under jit, jnp.vectorize takes the same time as the equivalent vmap.",
        suite="vectorize",
        reads=READS,
        predicate=lambda r: {
            "": (r.timing("affine", "vectorize").samples_s, r.timing("affine", "vmap").samples_s)
        },
        threshold=Threshold(at_least=0.9, at_most=1.1),
    ),
)
