"""Claims of the jit, grad and vmap pages, checked by the ``transforms-*`` suites.

"Faster" means :data:`FASTER` under the one comparison rule (:func:`jaxguide.results.compare`).
"""

from __future__ import annotations

from jaxguide.claims._core import Evidence, MeasuredClaim, Pair, StrictClaim
from jaxguide.claims._predicates import counted
from jaxguide.claims._sources import SEED_COURSE
from jaxguide.results import NotMeasured, Results, Threshold, benchmark_variants

__all__ = ["CLAIMS", "FASTER"]

FASTER = Threshold(at_least=1.1)
"""What "faster" means on these pages: the slower side takes at least 1.1× the time."""


def _pair(
    results: Results, benchmark: str, slow: str, fast: str, label: str = ""
) -> dict[str, Pair]:
    """One labelled pair: ``slow``'s samples against ``fast``'s."""
    a, b = results.timing(benchmark, slow), results.timing(benchmark, fast)
    return {label: (a.samples_s, b.samples_s)}


def first_call_pair(results: Results) -> dict[str, Pair]:
    """The jitted MLP's first call (one sample) against its steady-state calls."""
    timing = results.timing("mlp-forward", "jit")
    return {"first call over a steady-state call": ((timing.first_call_s,), timing.samples_s)}


def compile_pair(results: Results) -> dict[str, Pair]:
    """Compiling the unrolled loop against compiling fori_loop, at the largest step count."""
    steps = max(results.by("steps", "compile", "unrolled"), default=None)
    if steps is None:
        raise NotMeasured("no compile timings")
    a = results.timing("compile", "unrolled", steps=steps)
    b = results.timing("compile", "fori_loop", steps=steps)
    return {f"at {steps} steps": (a.samples_s, b.samples_s)}


def jacobian_pairs(results: Results) -> dict[str, Pair]:
    """jacrev against jacfwd on the tall Jacobian, jacfwd against jacrev on the wide one."""
    pairs: dict[str, Pair] = {}
    for shape, slow, fast in (("tall", "jacrev", "jacfwd"), ("wide", "jacfwd", "jacrev")):
        a = results.timing("jacobian", slow, shape=shape)
        b = results.timing("jacobian", fast, shape=shape)
        pairs[f"{fast} on the {shape} Jacobian"] = (a.samples_s, b.samples_s)
    return pairs


def _jacobian_sides(label: str) -> tuple[str, str, str]:
    """The sides of :func:`jacobian_pairs`' comparison ``label``: the other mode over the one
    named first.

    >>> _jacobian_sides("jacfwd on the tall Jacobian")
    ('jacrev', 'jacfwd', 'on the tall Jacobian')
    """
    fast, _, where = label.partition(" ")
    return ("jacrev" if fast == "jacfwd" else "jacfwd"), fast, where


def vmap_jit_pair(results: Results) -> dict[str, Pair]:
    """vmap(jit(f)) against jit(vmap(f)) at the smallest batch."""
    batches = results.by("batch", "vmap-jit", "jit_vmap")
    if not batches:
        raise NotMeasured("no vmap-jit timings")
    n = min(batches)
    a = results.timing("vmap-jit", "vmap_jit", batch=n)
    b = results.timing("vmap-jit", "jit_vmap", batch=n)
    return {f"at batch {n:,}": (a.samples_s, b.samples_s)}


def one_trace_per_signature(results: Results) -> Evidence:
    """jit traces and compiles once per distinct (shape, dtype, static value), no more."""
    values = results.record("recompilation", "trace-log").values
    calls, distinct = int(values["calls"]), int(values["distinct_signatures"])
    traces, compiles = int(values["traces"]), int(values["compiles"])
    counted(
        {"calls": calls, "signatures": distinct, "traces": traces, "compiles": compiles},
        "recompilation/trace-log",
    )
    return Evidence(
        traces == compiles == distinct < calls,
        f"{calls} calls, {distinct} distinct signatures: {traces} traces, {compiles} compiles",
        values,
    )


def value_and_grad_one_pass(results: Results) -> Evidence:
    """Seed claim 5 on the jaxpr: value_and_grad holds f's forward pass once, f + grad(f) twice."""
    v = results.record("value-and-grad", "jaxpr").values
    tanh = {k: int(v[f"{k}_tanh"]) for k in ("f", "value_and_grad", "separate")}
    dots = {k: int(v[f"{k}_dot_general"]) for k in ("f", "value_and_grad", "separate")}
    counted({f"tanh in {k}": n for k, n in tanh.items()}, "the jaxprs")
    counted({f"dot_general in {k}": n for k, n in dots.items()}, "the jaxprs")
    holds = (
        tanh["value_and_grad"] == tanh["f"]
        and tanh["separate"] == 2 * tanh["f"]
        and dots["separate"] - dots["value_and_grad"] == dots["f"]
    )
    return Evidence(
        holds,
        f"f has {tanh['f']} tanh; value_and_grad's jaxpr {tanh['value_and_grad']}, "
        f"f and grad(f)'s {tanh['separate']}",
        v,
    )


def xla_dedups_forward(results: Results) -> Evidence:
    """Under one jit, XLA's compiled f + grad(f) has value_and_grad's tanh and dot counts."""
    v = results.record("value-and-grad", "jaxpr").values
    counted(
        {
            f"{op} in {program}": float(v[f"compiled_{program}_{op}"])
            for program in ("one_jit", "value_and_grad")
            for op in ("tanh", "dot")
        },
        "the compiled programs",
    )
    same = all(
        v[f"compiled_one_jit_{p}"] == v[f"compiled_value_and_grad_{p}"] for p in ("tanh", "dot")
    )
    return Evidence(
        same,
        f"compiled: {v['compiled_one_jit_tanh']} tanh and {v['compiled_one_jit_dot']} dot "
        f"against {v['compiled_value_and_grad_tanh']} and {v['compiled_value_and_grad_dot']}",
        v,
    )


def same_jaxpr(results: Results) -> Evidence:
    """jit(vmap(f)) and vmap(jit(f)) trace to the same jaxpr."""
    v = results.record("vmap-jit", "jaxpr").values
    return Evidence(
        bool(v["same_jaxpr"]), "identical jaxprs" if v["same_jaxpr"] else "jaxprs differ"
    )


CLAIMS = (
    MeasuredClaim(
        id="jit-speeds-up-mlp",
        statement="jit runs a small MLP's forward pass faster than dispatching its operations "
        "one by one.",
        suite="transforms-jit",
        falsified_by="The MLP's forward pass op by op takes under 1.1× the jitted call's time.",
        reads=benchmark_variants("mlp-forward/op-by-op", "mlp-forward/jit"),
        predicate=lambda r: _pair(r, "mlp-forward", "op-by-op", "jit"),
        ratio_of=("the forward pass op by op", "the jitted call"),
        threshold=FASTER,
    ),
    MeasuredClaim(
        id="jit-first-call",
        statement="A jitted function's first call, which traces and compiles, costs at least "
        "ten steady-state calls.",
        suite="transforms-jit",
        falsified_by="The jitted MLP's first call (trace and compile included) takes less than ten "
        "steady-state calls.",
        reads=benchmark_variants("mlp-forward/jit"),
        predicate=first_call_pair,
        ratio_of=lambda _: (
            "the first call (trace and compile included)",
            "a steady-state call",
            "",
        ),
        threshold=Threshold(at_least=10),
    ),
    StrictClaim(
        id="jit-one-compile-per-signature",
        statement="jit traces and compiles once per new combination of input shapes, dtypes "
        "and static argument values, and reuses the compiled code for every repeat.",
        suite="transforms-jit",
        falsified_by="The trace log shows a repeat signature traced or compiled again, or two "
        "signatures sharing one compile.",
        reads=benchmark_variants("recompilation/trace-log"),
        predicate=one_trace_per_signature,
    ),
    MeasuredClaim(
        id="jit-unrolled-loop-compile",
        statement="A Python loop over a static count is unrolled into the program, so at a "
        "large count it takes far longer to compile than lax.fori_loop, which compiles its "
        "body once.",
        suite="transforms-jit",
        falsified_by="At the largest step count, compiling the unrolled loop takes under 2× as "
        "long as compiling fori_loop.",
        reads=benchmark_variants("compile/unrolled", "compile/fori_loop"),
        predicate=compile_pair,
        ratio_of=("compiling the unrolled loop", "compiling fori_loop"),
        threshold=Threshold(at_least=2),
    ),
    StrictClaim(
        id="value-and-grad-one-pass",
        statement="value_and_grad costs one forward pass, where calling f and grad(f) "
        "separately costs two (counted in the jaxpr).",
        suite="transforms-grad",
        falsified_by="value_and_grad's jaxpr holds more tanh than f's, or f and grad(f) together "
        "hold other than two forward passes.",
        reads=benchmark_variants("value-and-grad/jaxpr"),
        predicate=value_and_grad_one_pass,
        source=SEED_COURSE,
    ),
    MeasuredClaim(
        id="value-and-grad-faster",
        statement="value_and_grad is faster than calling f and grad(f) separately.",
        suite="transforms-grad",
        falsified_by="Calling f and grad(f) separately takes under 1.1× value_and_grad's time.",
        reads=benchmark_variants("value-and-grad/separate", "value-and-grad/value_and_grad"),
        predicate=lambda r: _pair(r, "value-and-grad", "separate", "value_and_grad"),
        ratio_of=("f and grad(f) called separately", "value_and_grad"),
        threshold=FASTER,
        source=SEED_COURSE,
    ),
    StrictClaim(
        id="xla-dedups-forward-pass",
        statement="Inside one jit, XLA removes the duplicated forward pass of f and grad(f): "
        "the compiled program has value_and_grad's operations.",
        suite="transforms-grad",
        falsified_by="XLA's optimized f + grad(f) under one jit holds more tanh or dot operations "
        "than value_and_grad's.",
        reads=benchmark_variants("value-and-grad/jaxpr"),
        predicate=xla_dedups_forward,
    ),
    MeasuredClaim(
        id="jacfwd-tall-jacrev-wide",
        statement="jacfwd is cheaper for tall Jacobians (more outputs than inputs), jacrev for "
        "wide ones.",
        suite="transforms-grad",
        falsified_by="jacfwd is not 1.1× faster than jacrev on the tall Jacobian, or jacrev not "
        "1.1× faster than jacfwd on the wide one.",
        reads=benchmark_variants("jacobian/jacfwd", "jacobian/jacrev"),
        predicate=jacobian_pairs,
        ratio_of=_jacobian_sides,
        threshold=FASTER,
    ),
    StrictClaim(
        id="jit-vmap-same-jaxpr",
        statement="jit(vmap(f)) and vmap(jit(f)) trace to the same jaxpr.",
        suite="transforms-vmap",
        falsified_by="In some JAX release, jit(vmap(f)) and vmap(jit(f)) trace to different "
        "jaxprs.",
        reads=benchmark_variants("vmap-jit/jaxpr"),
        predicate=same_jaxpr,
    ),
    MeasuredClaim(
        id="vmap-jit-overhead",
        statement="Called from Python, vmap(jit(f)) batches f's cached jaxpr again on every "
        "call, which makes it slower than jit(vmap(f)) on a small batch.",
        suite="transforms-vmap",
        falsified_by="At the smallest batch, vmap(jit(f)) called from Python takes under 1.1× "
        "jit(vmap(f))'s time.",
        reads=benchmark_variants("vmap-jit/vmap_jit", "vmap-jit/jit_vmap"),
        predicate=vmap_jit_pair,
        ratio_of=("vmap(jit(f)) called from Python", "jit(vmap(f))"),
        threshold=FASTER,
    ),
    MeasuredClaim(
        id="per-example-grads-vmap-beats-loop",
        statement="Per-example gradients with jit(vmap(grad(loss))) are faster than a Python "
        "loop of jitted grad calls.",
        suite="transforms-vmap",
        falsified_by="The Python loop of jitted grad calls takes under 1.1× "
        "jit(vmap(grad(loss)))'s time.",
        reads=benchmark_variants("per-example-grads/loop", "per-example-grads/vmap"),
        predicate=lambda r: _pair(r, "per-example-grads", "loop", "vmap"),
        ratio_of=("the Python loop of jitted grad calls", "jit(vmap(grad(loss)))"),
        threshold=FASTER,
    ),
)
