"""Claims the site's own pages make to show how verification works."""

from __future__ import annotations

from jaxguide.bench._results import Results
from jaxguide.claims._core import Claim, Evidence, NotMeasured
from jaxguide.claims._registry import ok_record, register


def jit_fuses_chain(results: Results) -> Evidence:
    """The verification page's demonstration: jit beats op-by-op on an element-wise chain."""
    op_by_op = ok_record(results, "chain", "op-by-op").timing
    jitted = ok_record(results, "chain", "jit").timing
    if op_by_op is None or jitted is None:
        raise NotMeasured("chain records without timings")
    speedup = op_by_op.median_s / jitted.median_s
    return Evidence(holds=speedup > 1, figure=f"{speedup:.1f}× faster", values={"speedup": speedup})


register(
    Claim(
        id="demo-jit-fuses-chain",
        statement="Compiling a chain of element-wise operations with jit makes it faster than "
        "running the operations one by one.",
        kind="measured",
        suite="site-demo",
        predicate=jit_fuses_chain,
    ),
)
