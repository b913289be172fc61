"""Claims of the jnp.vectorize page, read from what that page measures (``vectorize``)."""

from __future__ import annotations

from jaxguide.claims._core import MeasuredClaim, StrictClaim
from jaxguide.claims._predicates import agreement, timing_pair
from jaxguide.results import Threshold, benchmark_variants

__all__ = ["CLAIMS"]

CLAIMS = (
    StrictClaim(
        id="vectorize-matches-vmap",
        statement="jnp.vectorize with a signature computes the same values as its vmap.",
        suite="vectorize",
        falsified_by="jnp.vectorize's values differ from vmap's by more than a relative 1e-6.",
        reads=benchmark_variants("affine/vectorize", "affine/vmap"),
        predicate=lambda r: agreement(r.record("affine", "vectorize"), rtol=1e-6),
    ),
    MeasuredClaim(
        id="vectorize-as-fast-as-vmap",
        statement="Under jit, jnp.vectorize takes the same time as its vmap.",
        suite="vectorize",
        falsified_by="Under jit, one of jnp.vectorize and its vmap takes over 1.1× the other's "
        "time.",
        reads=benchmark_variants("affine/vectorize", "affine/vmap"),
        predicate=lambda r: timing_pair(r, "affine", "vectorize", "vmap"),
        threshold=Threshold(at_least=0.9, at_most=1.1),
    ),
)
