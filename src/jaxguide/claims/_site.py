"""Claims the site's own pages make to show how verification works."""

from __future__ import annotations

from jaxguide.claims._core import MeasuredClaim, Pair
from jaxguide.results import Results, Threshold, benchmark_variants

__all__ = ["CLAIMS"]


def chain_pair(results: Results) -> dict[str, Pair]:
    """The verification page's demonstration: op by op against jit, on an element-wise chain."""
    slow, fast = results.timing("chain", "op-by-op"), results.timing("chain", "jit")
    return {"": (slow.samples_s, fast.samples_s)}


CLAIMS = (
    MeasuredClaim(
        id="demo-jit-fuses-chain",
        statement="Compiling a chain of element-wise operations with jit makes it faster than "
        "running the operations one by one.",
        suite="site-demo",
        falsified_by="The op-by-op chain takes under 1.1× the jitted chain's time.",
        reads=benchmark_variants("chain/op-by-op", "chain/jit"),
        predicate=chain_pair,
        ratio_of=("the chain op by op", "the jitted chain"),
        threshold=Threshold(at_least=1.1),
    ),
)
