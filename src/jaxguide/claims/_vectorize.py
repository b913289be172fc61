"""Claims of the jnp.vectorize page, read from what that page measures (``vectorize``).

Under ``jit``, ``jnp.vectorize`` and its ``vmap`` compile to the same optimized program, so
the page compares the programs (a strict claim) and times nothing: a timing of two identical
programs could only measure the machine's noise.
"""

from __future__ import annotations

from jaxguide.claims._core import Evidence, StrictClaim
from jaxguide.claims._predicates import agreement
from jaxguide.results import NotMeasured, Results, benchmark_variants

__all__ = ["CLAIMS", "same_program"]


def same_program(results: Results) -> Evidence:
    """vectorize's optimized HLO is vmap's (names, metadata and source locations left out)."""
    digests = {}
    for variant in ("vectorize", "vmap"):
        values = results.record("affine", variant).values
        if "hlo_digest" not in values:
            raise NotMeasured(f"affine/{variant} holds no fingerprint of its compiled program")
        digests[variant] = str(values["hlo_digest"])
    same = digests["vectorize"] == digests["vmap"]
    return Evidence(
        holds=same,
        figure=f"the same optimized HLO (digest {digests['vmap']})"
        if same
        else f"the optimized HLO differs: digest {digests['vectorize']} against {digests['vmap']}",
        values={f"{v}.hlo_digest": d for v, d in digests.items()},
    )


CLAIMS = (
    StrictClaim(
        id="vectorize-matches-vmap",
        statement="jnp.vectorize with a signature computes the same values as its vmap.",
        suite="vectorize",
        falsified_by="jnp.vectorize's values differ from vmap's by more than a relative 1e-6.",
        reads=benchmark_variants("affine/vectorize", "affine/vmap"),
        predicate=lambda r: agreement(r.record("affine", "vectorize"), rtol=1e-6),
    ),
    StrictClaim(
        id="vectorize-compiles-to-vmap",
        statement="Under jit, jnp.vectorize compiles to the same optimized program as its vmap.",
        suite="vectorize",
        reads=benchmark_variants("affine/vectorize", "affine/vmap"),
        predicate=same_program,
        falsified_by="A jax/jaxlib or backend where XLA's optimized HLO for the vectorized "
        "affine map differs from its vmap's (an extra broadcast, transpose or copy, say), once "
        "names, metadata and source locations are left out.",
    ),
)
