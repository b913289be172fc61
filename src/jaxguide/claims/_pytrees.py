"""Claims of the pytrees page, read from what that page measures.

``pytrees-static`` counts the traces and compilations of a jitted layer called with changed
leaves and a changed static field; ``pytrees-grad`` compares ``grad`` of the page's nested
parameters with central finite differences in float64, structure and values;
``pytrees-leaves`` times jitted calls on the same data split into more and more leaves: one that
sums every leaf, and one whose program reads one number whatever it is handed.
"""

from __future__ import annotations

from jaxguide.claims._core import Evidence, MeasuredClaim, StrictClaim
from jaxguide.claims._predicates import agreement, counted, timing_pair
from jaxguide.results import Results, Threshold, benchmark_variants

__all__ = ["CLAIMS", "GRAD_TOLERANCE", "LEAF_COUNTS"]

LEAF_COUNTS = (1, 10, 100, 1000)
"""Into how many leaves the page splits the same data for a jitted call."""

GRAD_TOLERANCE = 1e-3
"""Largest difference allowed between ``grad`` (float32) and float64 central differences,
relative to the largest gradient element: float32 rounding through the network's layers
leaves far less, and central differences in float64 less again."""


def static_recompiles(results: Results) -> Evidence:
    """One trace and one compile per distinct tree structure (here, per static value); none
    for the calls whose structure was seen before, which changed only leaves."""
    values = results.record("static", "trace-log").values
    calls, structures = int(values["calls"]), int(values["structures"])
    traces, compiles = int(values["traces"]), int(values["compiles"])
    counted(
        {
            "calls": calls,
            "tree structures": structures,
            "calls changing only leaves": calls - structures,
            "traces": traces,
            "compiles": compiles,
        },
        "static/trace-log",
    )
    return Evidence(
        holds=traces == compiles == structures,
        figure=f"{calls} calls, {calls - structures} of them with new leaves only, "
        f"{structures} static values: {traces} traces, {compiles} compiles",
        values=values,
    )


def grad_keeps_structure(results: Results) -> Evidence:
    """``grad``'s result has the parameters' tree structure and finite differences' values."""
    found = results.record("grad", "grad").values
    reference = results.record("grad", "finite-differences").values
    leaves = int(found["leaves"])
    counted({"leaves": leaves}, "grad/grad")
    same = bool(found["same_structure"]) and bool(reference["same_structure"])
    close = agreement(results.record("grad", "grad"), rtol=GRAD_TOLERANCE)
    return Evidence(
        holds=same and close.holds,
        figure=f"{leaves} leaves, "
        f"{'the same' if same else 'a different'} tree structure; {close.figure}",
        values={**found, **close.values},
    )


CLAIMS = (
    StrictClaim(
        id="static-field-recompiles",
        statement="Under jit, a call that gives a static field of a pytree node a value it has "
        "not compiled for traces and compiles the function again; a call that changes only the values of its leaves (same "
        "shapes and dtypes) does neither.",
        suite="pytrees-static",
        falsified_by="Counted over calls of a jitted function on a registered dataclass, the "
        "traces or compilations differ from the number of distinct static field values: a call "
        "with new leaves only compiled, or a new static value did not.",
        reads=benchmark_variants("static/trace-log"),
        predicate=static_recompiles,
    ),
    StrictClaim(
        id="grad-returns-argument-structure",
        statement="jax.grad of a function of nested parameters returns a tree of the same "
        "structure, static fields included, holding the gradient of each leaf.",
        suite="pytrees-grad",
        falsified_by="grad's result for the page's parameters has another tree structure than "
        "the parameters, or differs from float64 central differences by more than a relative "
        "1e-3.",
        reads=benchmark_variants("grad/grad", "grad/finite-differences"),
        predicate=grad_keeps_structure,
    ),
    MeasuredClaim(
        id="leaves-cost-dispatch",
        statement="A jitted call handed its data in 1,000 leaves takes at least five times as "
        "long as the same call handed the data in one array, though its program does the same "
        "work (it reads one number and is handed every leaf).",
        suite="pytrees-leaves",
        falsified_by="A jitted call of a program that reads one number, handed 1,000 leaves "
        "(kept as arguments with keep_unused=True), runs in under 5× the time of the same call "
        "handed one array holding the same data.",
        reads=benchmark_variants("dispatch/passed-1000", "dispatch/passed-1"),
        predicate=lambda r: timing_pair(r, "dispatch", "passed-1000", "passed-1"),
        # The program's work is one indexed read in every variant, so what the 1,000-leaf call
        # pays beyond the one-leaf call is the call's own work per leaf: flattening, each
        # leaf's signature, each buffer handed over. A one-leaf call is mostly the fixed cost
        # of one dispatch; five times leaves room for a host whose per-leaf work is faster
        # than this build's.
        ratio_of=("the call handed 1,000 leaves", "the call handed one array"),
        threshold=Threshold(at_least=5.0),
    ),
)
