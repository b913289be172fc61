"""Claims of the jit, grad and vmap pages, checked by the ``transforms-*`` suites.

"Faster" means by more than :data:`MARGIN`, so that timing noise alone never makes a claim hold.
"""

from __future__ import annotations

from jaxguide.bench._results import Results, Timing
from jaxguide.claims._core import Claim, Evidence, NotMeasured
from jaxguide.claims._registry import SEED_COURSE, ok_record, register

MARGIN = 1.1
"""A ratio of medians must exceed this for one variant to count as faster than another."""


def _timing(results: Results, benchmark: str, variant: str, **params: int | str) -> Timing:
    """The timing of the first ``ok`` record of ``benchmark``/``variant`` with these params."""
    for record in results.select(benchmark, variant):
        matches = all(record.params.get(k) == v for k, v in params.items())
        if matches and record.status == "ok" and record.timing is not None:
            return record.timing
    raise NotMeasured(f"no timing for {benchmark!r}/{variant!r} {params or ''}")


def _speedup(results: Results, benchmark: str, slow: str, fast: str) -> float:
    """``slow``'s median over ``fast``'s (>1: ``fast`` is faster)."""
    return _timing(results, benchmark, slow).median_s / _timing(results, benchmark, fast).median_s


def jit_speeds_up(results: Results) -> Evidence:
    """jit runs the MLP's forward pass faster than op-by-op dispatch."""
    speedup = _speedup(results, "mlp-forward", "op-by-op", "jit")
    return Evidence(speedup > MARGIN, f"{speedup:.1f}× faster", {"speedup": speedup})


def first_call_costly(results: Results) -> Evidence:
    """The first call (trace + compile + run) costs at least 10 steady-state calls."""
    timing = _timing(results, "mlp-forward", "jit")
    ratio = timing.first_call_s / timing.median_s
    return Evidence(
        ratio >= 10,
        f"first call {ratio:.0f}× a steady-state call",
        {"ratio": ratio, "first_call_s": timing.first_call_s, "median_s": timing.median_s},
    )


def one_trace_per_signature(results: Results) -> Evidence:
    """jit traces and compiles once per distinct (shape, dtype, static value), no more."""
    values = ok_record(results, "recompilation", "trace-log").values
    calls, distinct = int(values["calls"]), int(values["distinct_signatures"])
    traces, compiles = int(values["traces"]), int(values["compiles"])
    return Evidence(
        traces == compiles == distinct < calls,
        f"{calls} calls, {distinct} distinct signatures: {traces} traces, {compiles} compiles",
        values,
    )


def unrolling_grows_compile(results: Results) -> Evidence:
    """An unrolled loop's compile time grows with its count at least 2× more than fori_loop's."""
    steps = sorted({int(r.params["steps"]) for r in results.select("static-steps")})
    if len(steps) < 2:
        raise NotMeasured("static-steps needs two step counts")
    growth = {
        variant: _timing(results, "static-steps", variant, steps=steps[-1]).first_call_s
        / _timing(results, "static-steps", variant, steps=steps[0]).first_call_s
        for variant in ("unrolled", "fori_loop")
    }
    return Evidence(
        growth["unrolled"] >= 2 * growth["fori_loop"],
        f"from {steps[0]} to {steps[-1]} steps the first call grows {growth['unrolled']:.1f}× "
        f"unrolled, {growth['fori_loop']:.1f}× with fori_loop",
        {f"{k}_growth": v for k, v in growth.items()},
    )


def value_and_grad_one_pass(results: Results) -> Evidence:
    """Seed claim 5 on the jaxpr: value_and_grad holds f's forward pass once, f + grad(f) twice."""
    v = ok_record(results, "value-and-grad", "jaxpr").values
    tanh = {k: int(v[f"{k}_tanh"]) for k in ("f", "value_and_grad", "separate")}
    dots = {k: int(v[f"{k}_dot_general"]) for k in ("f", "value_and_grad", "separate")}
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


def value_and_grad_faster(results: Results) -> Evidence:
    """Seed claim 5, timed: value_and_grad against jitted f and grad(f) called one after the other."""
    speedup = _speedup(results, "value-and-grad", "separate", "value_and_grad")
    return Evidence(
        speedup > MARGIN,
        f"f then grad(f) take {speedup:.2f}× value_and_grad's time",
        {"speedup": speedup},
    )


def xla_dedups_forward(results: Results) -> Evidence:
    """Under one jit, XLA's compiled f + grad(f) has value_and_grad's tanh and dot counts."""
    v = ok_record(results, "value-and-grad", "jaxpr").values
    same = all(
        v[f"compiled_one_jit_{p}"] == v[f"compiled_value_and_grad_{p}"] for p in ("tanh", "dot")
    )
    return Evidence(
        same,
        f"compiled: {v['compiled_one_jit_tanh']} tanh and {v['compiled_one_jit_dot']} dot "
        f"against {v['compiled_value_and_grad_tanh']} and {v['compiled_value_and_grad_dot']}",
        v,
    )


def jacobian_modes(results: Results) -> Evidence:
    """jacfwd is faster on a tall Jacobian, jacrev on a wide one, each by more than MARGIN."""
    tall = (
        _timing(results, "jacobian", "jacrev", shape="tall").median_s
        / _timing(results, "jacobian", "jacfwd", shape="tall").median_s
    )
    wide = (
        _timing(results, "jacobian", "jacfwd", shape="wide").median_s
        / _timing(results, "jacobian", "jacrev", shape="wide").median_s
    )
    return Evidence(
        tall > MARGIN and wide > MARGIN,
        f"jacfwd {tall:.1f}× faster on the tall Jacobian, jacrev {wide:.1f}× on the wide one",
        {"tall_fwd_speedup": tall, "wide_rev_speedup": wide},
    )


def same_jaxpr(results: Results) -> Evidence:
    """jit(vmap(f)) and vmap(jit(f)) trace to the same jaxpr."""
    v = ok_record(results, "vmap-jit", "jaxpr").values
    return Evidence(
        bool(v["same_jaxpr"]), "identical jaxprs" if v["same_jaxpr"] else "jaxprs differ"
    )


def vmap_jit_overhead(results: Results) -> Evidence:
    """Called from Python, vmap(jit(f)) is slower than jit(vmap(f)) at the smallest batch."""
    batches = sorted(int(r.params["batch"]) for r in results.select("vmap-jit", "jit_vmap"))
    if not batches:
        raise NotMeasured("no vmap-jit timings")
    ratios = {
        n: _timing(results, "vmap-jit", "vmap_jit", batch=n).median_s
        / _timing(results, "vmap-jit", "jit_vmap", batch=n).median_s
        for n in batches
    }
    small, large = batches[0], batches[-1]
    return Evidence(
        ratios[small] > MARGIN,
        f"vmap(jit(f)) takes {ratios[small]:.1f}× jit(vmap(f))'s time at batch {small}, "
        f"{ratios[large]:.1f}× at batch {large}",
        {f"ratio@{n}": r for n, r in ratios.items()},
    )


def per_example_vmap_beats_loop(results: Results) -> Evidence:
    """Per-example gradients: jit(vmap(grad)) faster than a loop of jitted grad calls."""
    speedup = _speedup(results, "per-example-grads", "loop", "vmap")
    return Evidence(
        speedup > MARGIN, f"the loop takes {speedup:.2f}× vmap's time", {"speedup": speedup}
    )


register(
    Claim(
        id="jit-speeds-up-mlp",
        statement="jit runs a small MLP's forward pass faster than dispatching its operations "
        "one by one.",
        kind="measured",
        suite="transforms-jit",
        predicate=jit_speeds_up,
    ),
    Claim(
        id="jit-first-call",
        statement="A jitted function's first call, which traces and compiles, costs at least "
        "ten steady-state calls.",
        kind="measured",
        suite="transforms-jit",
        predicate=first_call_costly,
    ),
    Claim(
        id="jit-one-compile-per-signature",
        statement="jit traces and compiles once per new combination of input shapes, dtypes "
        "and static argument values, and reuses the compiled code for every repeat.",
        kind="strict",
        suite="transforms-jit",
        predicate=one_trace_per_signature,
    ),
    Claim(
        id="jit-unrolled-loop-compile",
        statement="A Python loop over a static count is unrolled into the program, so its "
        "compile time grows with the count far faster than lax.fori_loop's.",
        kind="measured",
        suite="transforms-jit",
        predicate=unrolling_grows_compile,
    ),
    Claim(
        id="value-and-grad-one-pass",
        statement="value_and_grad costs one forward pass, where calling f and grad(f) "
        "separately costs two (counted in the jaxpr).",
        kind="strict",
        suite="transforms-grad",
        predicate=value_and_grad_one_pass,
        source=SEED_COURSE,
    ),
    Claim(
        id="value-and-grad-faster",
        statement="value_and_grad is faster than calling f and grad(f) separately.",
        kind="measured",
        suite="transforms-grad",
        predicate=value_and_grad_faster,
        source=SEED_COURSE,
    ),
    Claim(
        id="xla-dedups-forward-pass",
        statement="Inside one jit, XLA removes the duplicated forward pass of f and grad(f): "
        "the compiled program has value_and_grad's operations.",
        kind="strict",
        suite="transforms-grad",
        predicate=xla_dedups_forward,
    ),
    Claim(
        id="jacfwd-tall-jacrev-wide",
        statement="jacfwd is cheaper for tall Jacobians (more outputs than inputs), jacrev for "
        "wide ones.",
        kind="measured",
        suite="transforms-grad",
        predicate=jacobian_modes,
    ),
    Claim(
        id="jit-vmap-same-jaxpr",
        statement="jit(vmap(f)) and vmap(jit(f)) trace to the same jaxpr.",
        kind="strict",
        suite="transforms-vmap",
        predicate=same_jaxpr,
    ),
    Claim(
        id="vmap-jit-overhead",
        statement="Called from Python, vmap(jit(f)) batches f's cached jaxpr again on every "
        "call, which makes it slower than jit(vmap(f)) on a small batch.",
        kind="measured",
        suite="transforms-vmap",
        predicate=vmap_jit_overhead,
    ),
    Claim(
        id="per-example-grads-vmap-beats-loop",
        statement="Per-example gradients with jit(vmap(grad(loss))) are faster than a Python "
        "loop of jitted grad calls.",
        kind="measured",
        suite="transforms-vmap",
        predicate=per_example_vmap_beats_loop,
    ),
)
