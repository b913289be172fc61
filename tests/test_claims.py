"""Claims: every one can say yes and no, strict means measured, the comparison rule, badges."""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import pytest

from factories import (
    broken,
    fixture,
    results,
    scaled_memory,
    set_first_call,
    set_ratio,
    timing,
    with_memory,
    with_values,
    without,
)
from jaxguide.bench import FAR_PAST as SUITE_FAR_PAST
from jaxguide.bench import SUITES
from jaxguide.claims import (
    CLAIMS,
    FAR_PAST,
    ClaimFailed,
    Evidence,
    MeasuredClaim,
    StrictClaim,
    verify,
)
from jaxguide.pages import MEASUREMENTS
from jaxguide.results import Record, Results, Threshold, compare

Perturb = Callable[[Results], Results]


def _every(benchmarks: tuple[str, ...], slow: str, fast: str, ratio: float) -> Perturb:
    def perturb(r: Results) -> Results:
        for b in benchmarks:
            r = set_ratio(r, b, slow, fast, ratio)
        return r

    return perturb


def _chunks_vs_vmap(ratio: float) -> Perturb:
    """Every chunk size of the timed attention takes ``ratio`` × vmap's (constant) time."""

    def perturb(r: Results) -> Results:
        vmap = r.timing("attention-timed", "vmap").median_s

        def change(record: Record) -> Record:
            if record.benchmark != "attention-timed" or record.timing is None:
                return record
            seconds = vmap if record.variant == "vmap" else vmap * ratio
            t = record.timing.model_copy(update={"samples_s": (seconds,) * 7})
            return record.model_copy(update={"timing": t})

        return r.model_copy(update={"records": tuple(change(x) for x in r.records)})

    return perturb


def _jacobian(ratio: float) -> Perturb:
    def perturb(r: Results) -> Results:
        r = set_ratio(r, "jacobian", "jacrev", "jacfwd", ratio, shape="tall")
        return set_ratio(r, "jacobian", "jacfwd", "jacrev", ratio, shape="wide")

    return perturb


def _same(r: Results) -> Results:
    return r


def _every_against(benchmark: str, slow: tuple[str, ...], fast: str, ratio: float) -> Perturb:
    """Each of ``slow`` takes ``ratio`` × ``fast``'s time at every point of ``benchmark``."""

    def perturb(r: Results) -> Results:
        for variant in slow:
            r = set_ratio(r, benchmark, variant, fast, ratio)
        return r

    return perturb


def _traced_steps(variant: str, **seconds: float) -> Perturb:
    """Every traced step of ``variant`` spent ``seconds[fact]`` on each fact (``host_s``...)."""

    def perturb(r: Results) -> Results:
        steps = int(r.record("step", variant).values["steps"])
        per_step = {f"{fact}/{i}": s for fact, s in seconds.items() for i in range(steps)}
        return with_values(r, "step", variant, **per_step)

    return perturb


SPEED = ("add", "where", "mlp")


# For every claim: a perturbation of real records under which it must hold, and one under
# which it must not. A claim missing here fails `test_every_claim_can_say_yes_and_no`.
def _at_rows(r: Results, variant: str, rows: int, **values: float) -> Results:
    """``values`` set on the ``agreement`` record of ``variant`` at ``rows`` rows per device."""

    def change(record: Record) -> Record:
        if (record.benchmark, record.variant) != ("agreement", variant):
            return record
        if record.params.get("rows_per_device") != rows:
            return record
        return record.model_copy(update={"values": {**record.values, **values}})

    return r.model_copy(update={"records": tuple(change(x) for x in r.records)})


PERTURBATIONS: dict[str, tuple[Perturb, Perturb]] = {
    "manual-vs-vmap": (
        lambda r: set_ratio(r, "add", "vmap", "manual", 1.2),
        lambda r: set_ratio(r, "add", "vmap", "manual", 5.0),
    ),
    "manual-vs-vmap-jit": (
        lambda r: set_ratio(r, "add", "jit_vmap", "jit_manual", 1.0),
        lambda r: set_ratio(r, "add", "jit_vmap", "jit_manual", 2.0),
    ),
    "vmap-beats-loop": (_every(SPEED, "loop", "vmap", 10), _every(SPEED, "loop", "vmap", 1.0)),
    "jit-vmap-beats-vmap": (
        _every(SPEED, "vmap", "jit_vmap", 10),
        _every(SPEED, "vmap", "jit_vmap", 1.5),
    ),
    "vmap-matches-manual": (
        _same,
        lambda r: with_values(r, "where", "equivalence", max_abs_diff=math.nan),
    ),
    "vmap-materializes-batch": (
        _same,
        lambda r: scaled_memory(r, "attention", "vmap", 0.5),
    ),
    "chunking-cuts-memory-k-fold": (
        _same,
        lambda r: scaled_memory(r, "attention", "chunked_vmap", 20),
    ),
    "chunking-costs-time": (_chunks_vs_vmap(2.0), _chunks_vs_vmap(0.7)),
    "grad-chunking-needs-remat": (
        _same,
        lambda r: scaled_memory(r, "grad", "batch-loss", 0.1, chunk=32),
    ),
    "jit-speeds-up-mlp": (
        lambda r: set_ratio(r, "mlp-forward", "op-by-op", "jit", 3),
        lambda r: set_ratio(r, "mlp-forward", "op-by-op", "jit", 1),
    ),
    "jit-first-call": (
        lambda r: set_first_call(r, "mlp-forward", "jit", 50),
        lambda r: set_first_call(r, "mlp-forward", "jit", 3),
    ),
    "jit-one-compile-per-signature": (
        _same,
        lambda r: with_values(r, "recompilation", "trace-log", traces=6, compiles=6),
    ),
    "jit-unrolled-loop-compile": (
        lambda r: set_ratio(r, "compile", "unrolled", "fori_loop", 5),
        lambda r: set_ratio(r, "compile", "unrolled", "fori_loop", 1),
    ),
    "value-and-grad-one-pass": (
        _same,
        lambda r: with_values(r, "value-and-grad", "jaxpr", value_and_grad_tanh=4),
    ),
    "value-and-grad-faster": (
        lambda r: set_ratio(r, "value-and-grad", "separate", "value_and_grad", 2),
        lambda r: set_ratio(r, "value-and-grad", "separate", "value_and_grad", 1),
    ),
    "xla-dedups-forward-pass": (
        _same,
        lambda r: with_values(r, "value-and-grad", "jaxpr", compiled_one_jit_tanh=4),
    ),
    "jacfwd-tall-jacrev-wide": (_jacobian(3), _jacobian(0.5)),
    "jit-vmap-same-jaxpr": (_same, lambda r: with_values(r, "vmap-jit", "jaxpr", same_jaxpr=False)),
    "vmap-jit-overhead": (
        lambda r: set_ratio(r, "vmap-jit", "vmap_jit", "jit_vmap", 3),
        lambda r: set_ratio(r, "vmap-jit", "vmap_jit", "jit_vmap", 1),
    ),
    "per-example-grads-vmap-beats-loop": (
        lambda r: set_ratio(r, "per-example-grads", "loop", "vmap", 3),
        lambda r: set_ratio(r, "per-example-grads", "loop", "vmap", 1),
    ),
    "parallel-forms-agree": (  # fails where only a block of several rows goes wrong
        _same,
        lambda r: _at_rows(r, "psum", 2, shard_map_vs_pmap=0.13, shard_map_vs_one_device=0.13),
    ),
    "data-parallel-step-matches-one-device": (
        _same,
        lambda r: with_values(r, "agreement", "train_step", pmap_vs_one_device=1e-3),
    ),
    "pmap-one-device-like-vmap": (
        _same,
        lambda r: with_values(r, "one-device-batch", "check", batch_refused=0),
    ),
    "pmap-one-device-slower": (
        lambda r: set_ratio(r, "one-device", "pmap", "jit_vmap", 3, devices=1),
        lambda r: set_ratio(r, "one-device", "pmap", "jit_vmap", 1, devices=1),
    ),
    "vmap-one-device-pmap-spreads": (
        _same,
        lambda r: with_values(r, "placement", "both", pmap_devices=1),
    ),
    "pmap-dispatch-costs-more": (
        lambda r: set_ratio(r, "dispatch", "pmap", "jit_shard_map", 3),
        lambda r: set_ratio(r, "dispatch", "pmap", "jit_shard_map", 1),
    ),
    "add-reaches-copy-bandwidth": (
        lambda r: set_ratio(r, "stream", "copy", "add", 0.9),
        lambda r: set_ratio(r, "stream", "copy", "add", 0.1),
    ),
    "microbatching-cuts-like-remat": (
        _same,
        lambda r: scaled_memory(r, "train-step", "microbatched", 10),
    ),
    "microbatching-beats-remat": (
        lambda r: set_ratio(r, "train-step-timed", "chunked-remat", "microbatched", 2),
        lambda r: set_ratio(r, "train-step-timed", "chunked-remat", "microbatched", 0.8),
    ),
    "demo-jit-fuses-chain": (
        lambda r: set_ratio(r, "chain", "op-by-op", "jit", 3),
        lambda r: set_ratio(r, "chain", "op-by-op", "jit", 1),
    ),
    "vectorize-matches-vmap": (
        _same,
        lambda r: with_values(r, "affine", "vectorize", max_abs_diff=1e-3),
    ),
    "vectorize-compiles-to-vmap": (
        _same,  # a program that differs in anything but names has another digest
        lambda r: with_values(r, "affine", "vectorize", hlo_digest="0123456789abcdef"),
    ),
    "hvp-forms-agree": (
        _same,
        lambda r: with_values(r, "hvp-agreement", "check", **{"rev-over-rev": 1e-3}),
    ),
    "hvp-memory-linear": (
        _same,  # a Hessian no bigger at the largest dimension than at the one before bends it
        lambda r: scaled_memory(r, "hvp-memory", "hessian", 1 / 16, dim=4096),
    ),
    "hvp-fwd-over-rev-cheapest": (
        _every_against("hvp-time", ("rev-over-fwd", "rev-over-rev"), "fwd-over-rev", 2),
        _every_against("hvp-time", ("rev-over-fwd", "rev-over-rev"), "fwd-over-rev", 1),
    ),
    "cost-analysis-counts-matmul-flops": (
        _same,
        lambda r: with_values(r, "cost", "matmul", flops=1.0),
    ),
    "persistent-cache-speeds-first-call": (
        lambda r: set_ratio(r, "persistent-cache", "off", "warm", 5),
        lambda r: set_ratio(r, "persistent-cache", "off", "warm", 1),
    ),
    "donation-aliases-argument": (
        _same,
        lambda r: with_memory(r, "donation", "donated", alias_bytes=0),
    ),
    "checkpoint-nothing-saveable-cuts-memory": (
        _same,
        lambda r: scaled_memory(r, "checkpoint", "nothing_saveable", 3),
    ),
    "custom-jvp-keeps-forward-mode": (
        _same,  # an HVP off by a thousandth, or one that raised (NaN)
        lambda r: with_values(r, "softplus", "check", jvp_hvp_error=math.nan),
    ),
    "custom-vjp-blocks-forward-mode": (
        _same,  # a JAX that derived a forward rule for jacfwd
        lambda r: with_values(r, "softplus", "check", vjp_forward_raised=2),
    ),
    "rewritten-softplus-wrong-at-zero": (
        _same,  # derivative conventions at the kinks that add up to the true 1/2
        lambda r: with_values(r, "softplus", "check", rewritten_grad_at_0=0.5),
    ),
    "model-parallel-block-matches-one-device": (
        _same,
        lambda r: with_values(r, "mlp", "automatic", max_abs_diff=1e-3),
    ),
    "automatic-block-communicates-as-written": (
        _same,  # the compiler gathering the hidden layer as well is more than was written
        lambda r: with_values(r, "mlp", "automatic", **{"all-gather": 1}),
    ),
    "model-parallel-forms-as-fast": (
        lambda r: set_ratio(r, "mlp", "automatic", "shard_map", 1.0),
        lambda r: set_ratio(r, "mlp", "automatic", "shard_map", 2.0),
    ),
    "training-loops-agree-step-by-step": (
        _same,
        lambda r: with_values(r, "loop", "shard_map", max_abs_diff=1e-2),
    ),
    "profile-one-launch-per-dispatch": (
        _same,
        lambda r: with_values(r, "step", "jit", **{"launches/0": 2}),
    ),
    "profile-jit-step-faster": (
        lambda r: set_ratio(r, "step", "op-by-op", "jit", 20),
        lambda r: set_ratio(r, "step", "op-by-op", "jit", 5),
    ),
    "profile-op-by-op-outside-programs": (
        _traced_steps("op-by-op", host_s=5e-3, running_s=1e-3),
        _traced_steps("op-by-op", host_s=1e-3, running_s=1e-3),
    ),
    "profile-large-op-by-op-in-programs": (
        _traced_steps("op-by-op", running_s=5e-3, host_s=1e-3),
        _traced_steps("op-by-op", running_s=1e-3, host_s=1e-3),
    ),
    "profile-large-jit-gain": (
        lambda r: set_ratio(r, "step", "op-by-op", "jit", 3),
        lambda r: set_ratio(r, "step", "op-by-op", "jit", 30),
    ),
    "vmapped-cond-costs-both-branches": (
        lambda r: set_ratio(r, "cond", "vmap-expensive", "vmap-cheap", 1.0),
        lambda r: set_ratio(r, "cond", "vmap-expensive", "vmap-cheap", 3.0),
    ),
    "vmapped-cond-cheap-pays-expensive": (
        lambda r: set_ratio(r, "cond", "vmap-cheap", "vmap-cheap-branch", 50.0),
        # an expensive branch that cost next to nothing: the all-cheap batch as fast as cheap
        lambda r: set_ratio(r, "cond", "vmap-cheap", "vmap-cheap-branch", 1.0),
    ),
    "cond-loop-pays-branch-taken": (
        lambda r: set_ratio(r, "cond", "loop-expensive", "loop-cheap", 3.0),
        lambda r: set_ratio(r, "cond", "loop-expensive", "loop-cheap", 1.0),
    ),
    "scan-grad-memory-linear": (
        _same,  # no more memory at the longest length than at the shortest bends the slope flat
        lambda r: scaled_memory(r, "scan-grad", "plain-1024", 1 / 4),
    ),
    "checkpoint-cuts-scan-memory": (
        _same,  # a checkpointed step keeping ten times more at one length cuts too little there
        lambda r: scaled_memory(r, "scan-grad", "checkpoint-512", 10),
    ),
    "scan-unroll-same-values": (
        _same,
        lambda r: with_values(r, "scan-unroll", "unroll-8", max_abs_diff=1.0),
    ),
    "associative-scan-matches-scan": (
        _same,
        lambda r: with_values(r, "prefix-sum", "associative_scan", max_abs_diff=1.0),
    ),
    "static-field-recompiles": (
        _same,  # a call that changed only leaves traced and compiled: one more of each
        lambda r: with_values(r, "static", "trace-log", traces=3, compiles=3),
    ),
    "grad-returns-argument-structure": (
        _same,  # grad's tree is not the parameters' structure
        lambda r: with_values(r, "grad", "grad", same_structure=False),
    ),
    "leaves-cost-dispatch": (
        lambda r: set_ratio(r, "dispatch", "passed-1000", "passed-1", 20.0),
        lambda r: set_ratio(r, "dispatch", "passed-1000", "passed-1", 2.0),
    ),
    "vmap-keys-match-loop": (
        _same,  # the mapped draws' bytes are not the loop's
        lambda r: with_values(r, "per-example", "vmap", digest="0" * 64),
    ),
    "one-key-same-draws": (
        _same,  # two examples of the one-key batch drew different rows
        lambda r: with_values(r, "per-example", "one-key", distinct_rows=2),
    ),
    "sharded-draw-matches-one-device": (
        _same,  # the sharded draw's bytes are not the one-device draw's
        lambda r: with_values(r, "draw", "sharded", digest="0" * 64, max_abs_diff=0.5),
    ),
    "split-at-once-faster": (
        lambda r: set_ratio(r, "split", "successive", "at-once", 3.0),
        lambda r: set_ratio(r, "split", "successive", "at-once", 1.1),
    ),
    "jit-sampling-faster": (
        lambda r: set_ratio(r, "sample", "op-by-op", "jit", 2.0),
        lambda r: set_ratio(r, "sample", "op-by-op", "jit", 1.0),
    ),
    "debug-nans-names-primitive": (
        _same,  # the error for the log function names another primitive
        lambda r: with_values(r, "nans", "log", named="tanh"),
    ),
    "checkify-catches-clamped-index": (
        _same,  # checkify under vmap reported nothing
        lambda r: with_values(r, "index", "checkify-vmap", error=""),
    ),
    "print-once-debug-print-every-call": (
        _same,  # print printed at every call, as if traced each time
        lambda r: with_values(r, "prints", "jit", print_lines=3),
    ),
    "checkify-nan-checks-cost": (
        lambda r: set_ratio(r, "checkify", "checkified", "unchecked", 3.0),
        lambda r: set_ratio(r, "checkify", "checkified", "unchecked", 1.1),
    ),
    "python-scalar-keeps-dtype": (
        _same,  # a Python float widened a float16 array under jit
        lambda r: with_values(r, "promote", "float16", python_argument="float32"),
    ),
    "float64-needs-x64": (
        _same,  # a float64 NumPy array kept its 64 bits without the flag
        lambda r: with_values(r, "request", "default", asarray="float64"),
    ),
    "matmul-precision-no-effect-on-cpu": (
        _same,  # 'bfloat16' rounded the inputs, as a GPU or TPU does
        lambda r: with_values(r, "matmul", "bfloat16", digest="0" * 64, relative_error=2e-3),
    ),
    "float32-matmul-faster": (
        lambda r: set_ratio(r, "matmul", "float64", "float32", 2.0),
        lambda r: set_ratio(r, "matmul", "float64", "float32", 1.0),
    ),
    "float32-chain-faster": (
        lambda r: set_ratio(r, "chain", "float64", "float32", 2.0),
        lambda r: set_ratio(r, "chain", "float64", "float32", 1.0),
    ),
}


def test_every_claim_can_say_yes_and_no() -> None:
    assert set(PERTURBATIONS) == set(CLAIMS), "give each new claim its two perturbations"


@pytest.mark.parametrize("claim_id", sorted(CLAIMS))
def test_claim_holds_and_fails_on_perturbed_real_records(claim_id: str) -> None:
    claim = CLAIMS[claim_id]
    real = fixture(claim.suite)
    assert claim.evaluate(real).status not in ("not-measured", "not-applicable"), (
        f"the fixture run does not measure {claim_id}"
    )
    make_hold, make_fail = PERTURBATIONS[claim_id]
    assert claim.evaluate(make_hold(real)).status == "holds"
    assert claim.evaluate(make_fail(real)).status == "fails"


@pytest.mark.parametrize("claim_id", sorted(CLAIMS))
def test_every_claim_reads_what_its_suite_declares(claim_id: str) -> None:
    claim = CLAIMS[claim_id]
    # A claim reads a suite's results or a page measurement's: both declare what they produce.
    declared = SUITES.get(claim.suite) or MEASUREMENTS.get(claim.suite)
    assert declared, f"{claim_id}: no suite or page measurement {claim.suite!r}"
    assert claim.reads, f"{claim_id} reads nothing"
    undeclared = claim.reads - declared.produces
    assert not undeclared, f"{claim_id} reads {sorted(undeclared)}, which its suite never writes"


def test_fixture_runs_are_of_the_current_suites() -> None:
    assert not set(SUITES) & set(MEASUREMENTS), "a page measurement is named like a suite"
    for name, suite in (*SUITES.items(), *MEASUREMENTS.items()):
        assert fixture(name).suite_version == suite.version, (
            f"tests/fixtures/results/{name}.json is stale: see tests/fixtures/README.md"
        )


STRICT = sorted(c.id for c in CLAIMS.values() if isinstance(c, StrictClaim))


@pytest.mark.parametrize("claim_id", STRICT)
def test_strict_claim_with_its_records_removed_stops_the_build(claim_id: str) -> None:
    claim = CLAIMS[claim_id]
    real = fixture(claim.suite)
    for benchmark, variant in claim.reads:
        real = without(real, benchmark, variant)
    with pytest.raises(ClaimFailed, match=rf"strict claim '{claim_id}' is not measured"):
        verify(claim_id, real)


@pytest.mark.parametrize("claim_id", STRICT)
def test_strict_claim_whose_measurement_crashed_stops_the_build(claim_id: str) -> None:
    claim = CLAIMS[claim_id]
    benchmark, variant = min(claim.reads)
    with pytest.raises(ClaimFailed, match=r"is not measured: .*RuntimeError.*boom"):
        verify(claim_id, broken(fixture(claim.suite), benchmark, variant))


def test_strict_failure_is_one_line_naming_claim_sentence_and_values() -> None:
    real = fixture("transforms-vmap")
    with pytest.raises(ClaimFailed) as caught:
        verify("jit-vmap-same-jaxpr", with_values(real, "vmap-jit", "jaxpr", same_jaxpr=False))
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("strict claim 'jit-vmap-same-jaxpr' does not hold on cpu: jaxprs")
    assert CLAIMS["jit-vmap-same-jaxpr"].statement in message


def test_measured_claim_never_raises() -> None:
    real = fixture("site-demo")
    verdict = verify("demo-jit-fuses-chain", set_ratio(real, "chain", "op-by-op", "jit", 1))
    assert verdict.status == "fails"


def test_a_predicate_sees_only_what_its_claim_reads() -> None:
    seen: list[set[tuple[str, str]]] = []

    def spy(r: Results) -> Evidence:
        seen.append({(x.benchmark, x.variant) for x in r.records})
        return Evidence(holds=True, figure="")

    claim = StrictClaim(
        id="spy",
        statement="S.",
        suite="vmap-speed",
        falsified_by="F.",
        reads=frozenset({("add", "vmap")}),
        predicate=spy,
    )
    assert claim.evaluate(fixture("vmap-speed")).status == "holds"
    assert seen == [{("add", "vmap")}]


def test_unknown_claim_names_the_catalog() -> None:
    with pytest.raises(KeyError, match=r"_catalog\.py"):
        verify("no-such-claim", fixture("site-demo"))


def test_inconclusive_is_its_own_verdict_never_holds() -> None:
    noisy = results(
        "site-demo",
        Record(benchmark="chain", variant="op-by-op", timing=timing(1.05, spread=0.3)),
        Record(benchmark="chain", variant="jit", timing=timing(1.0, spread=0.3)),
    )
    verdict = CLAIMS["demo-jit-fuses-chain"].evaluate(noisy)
    assert verdict.status == "inconclusive"
    assert verdict.text.startswith("inconclusive on cpu: the chain op by op took 1.05× [")
    assert verdict.text.endswith("; threshold ≥ 1.1×")
    assert verdict.icon == "?"


def test_comparison_interval_straddles_only_where_samples_overlap() -> None:
    fast = [1.0, 1.02, 0.98, 1.01, 0.99]
    assert compare([2 * x for x in fast], fast, Threshold(at_least=1.5)).outcome == "holds"
    assert compare(fast, fast, Threshold(at_least=1.5)).outcome == "fails"
    two_sided = Threshold(at_least=0.9, at_most=1.1)
    assert compare(fast, fast, two_sided).outcome == "holds"
    assert compare([3 * x for x in fast], fast, two_sided).outcome == "fails"
    with pytest.raises(ValueError, match="finite"):
        compare([math.nan], fast, Threshold(at_least=1))


def test_most_of_the_comparisons() -> None:
    real = fixture("vmap-speed")
    loop = CLAIMS["vmap-beats-loop"]
    assert isinstance(loop, MeasuredClaim)
    assert loop.over == "most"
    mostly = _every(SPEED, "loop", "vmap", 10)(real)
    one_fails = set_ratio(mostly, "add", "loop", "vmap", 1.0, batch=10)
    assert loop.evaluate(one_fails).status == "holds"
    assert loop.evaluate(_every(SPEED, "loop", "vmap", 1.0)(real)).status == "fails"


def test_backends_a_claim_is_not_meant_for() -> None:
    claim = StrictClaim(
        id="gpu-only",
        statement="G.",
        suite="site-demo",
        falsified_by="F.",
        reads=frozenset(),
        backends=("gpu",),
        predicate=lambda r: Evidence(holds=True, figure=""),
    )
    verdict = claim.evaluate(fixture("site-demo"))
    assert (verdict.status, verdict.text) == ("not-applicable", "not meant for cpu")


def test_not_applicable_on_one_device_does_not_stop_the_build() -> None:
    one_device = with_values(fixture("parallel"), "placement", "both", rows=1, pmap_devices=1)
    assert verify("vmap-one-device-pmap-spreads", one_device).status == "not-applicable"


def test_catalog_is_well_formed() -> None:
    for claim_id, claim in CLAIMS.items():
        assert claim.id == claim_id
        assert re.fullmatch(r"[a-z0-9-]+", claim_id)
        assert claim.statement.endswith(".")
        if isinstance(claim, MeasuredClaim):
            assert 0 < claim.threshold.at_least < claim.threshold.at_most


def test_communication_claims_do_not_apply_on_one_device() -> None:
    real = fixture("meshes-block")
    env = real.environment.model_copy(update={"device_count": 1})
    one_device = real.model_copy(update={"environment": env})
    for claim_id in ("automatic-block-communicates-as-written", "model-parallel-forms-as-fast"):
        assert verify(claim_id, one_device).status == "not-applicable"
    assert verify("model-parallel-block-matches-one-device", one_device).status == "holds"


def test_every_claim_says_what_would_falsify_it() -> None:
    assert all(c.falsified_by.strip() for c in CLAIMS.values())
    with pytest.raises(TypeError, match="falsified_by"):
        StrictClaim(  # type: ignore[call-arg]
            id="x",
            statement="S.",
            suite="site-demo",
            reads=frozenset(),
            predicate=lambda r: Evidence(holds=True, figure=""),
        )
    with pytest.raises(ValueError, match="falsify"):
        StrictClaim(
            id="x",
            statement="S.",
            suite="site-demo",
            reads=frozenset(),
            falsified_by=" ",
            predicate=lambda r: Evidence(holds=True, figure=""),
        )


def test_bandwidth_is_judged_only_far_past_the_cache() -> None:
    """add-reaches-copy-bandwidth reads the largest size only where each array there is at
    least FAR_PAST times the last-level cache; the suite picks its largest size by that rule."""
    assert FAR_PAST == SUITE_FAR_PAST
    real = set_ratio(fixture("vmap-speed"), "stream", "copy", "add", 0.9)
    largest = max(real.by("elements", "stream", "copy"))
    array = 4 * largest
    at = {"cache_bytes": array // FAR_PAST}  # exactly far enough
    far = with_values(with_values(real, "stream", "copy", **at), "stream", "add", **at)
    assert verify("add-reaches-copy-bandwidth", far).status == "holds"
    near = {"cache_bytes": array // FAR_PAST + 1}
    close = with_values(with_values(real, "stream", "copy", **near), "stream", "add", **near)
    verdict = verify("add-reaches-copy-bandwidth", close)
    assert verdict.status == "not-measured"
    assert f"under {FAR_PAST}× the" in verdict.text
    unknown = with_values(
        with_values(real, "stream", "copy", cache_bytes=0), "stream", "add", cache_bytes=0
    )
    assert "unknown" in verify("add-reaches-copy-bandwidth", unknown).text


@pytest.mark.parametrize(
    ("values", "holds"),
    [({"batch_vs_vmap": 0.5}, False), ({"row_vs_vmap": 0.5}, False), ({"batch_refused": 1}, True)],
)
def test_pmap_one_device_claim_reads_each_of_its_checks(
    values: dict[str, float], holds: bool
) -> None:
    changed = with_values(fixture("parallel"), "one-device-batch", "check", **values)
    assert CLAIMS["pmap-one-device-like-vmap"].evaluate(changed).status == (
        "holds" if holds else "fails"
    )


def test_forms_agree_reads_the_one_device_results_at_several_rows() -> None:
    changed = _at_rows(fixture("parallel"), "pmean", 3, sharded_vs_one_device=1.5)
    verdict = CLAIMS["parallel-forms-agree"].evaluate(changed)
    assert verdict.status == "fails", verdict.text


# Claims that compare counts (operations, collectives, launches, flops, devices, bytes): each
# must first show that what it counts is there, since a counter that finds nothing agrees with
# itself ("0 tanh against 0").
COUNT_CLAIMS = (
    "value-and-grad-one-pass",
    "xla-dedups-forward-pass",
    "jit-one-compile-per-signature",
    "automatic-block-communicates-as-written",
    "profile-one-launch-per-dispatch",
    "cost-analysis-counts-matmul-flops",
    "donation-aliases-argument",
    "vmap-one-device-pmap-spreads",
    "vmap-materializes-batch",
    "chunking-cuts-memory-k-fold",
    "grad-chunking-needs-remat",
    "microbatching-cuts-like-remat",
    "hvp-memory-linear",
    "checkpoint-nothing-saveable-cuts-memory",
    "static-field-recompiles",
    "grad-returns-argument-structure",
    "vmap-keys-match-loop",
    "one-key-same-draws",
    "sharded-draw-matches-one-device",
    "print-once-debug-print-every-call",
    "matmul-precision-no-effect-on-cpu",
)


def _zero_counts(results: Results, reads: frozenset[tuple[str, str]]) -> Results:
    """``results`` with every number and every byte count of the records in ``reads`` at 0."""

    def zero(record: Record) -> Record:
        if (record.benchmark, record.variant) not in reads:
            return record
        values = {
            k: 0 if isinstance(v, int | float) and not isinstance(v, bool) else v
            for k, v in record.values.items()
        }
        memory = record.memory
        if memory is not None:
            memory = memory.model_copy(
                update={"temp_bytes": 0, "argument_bytes": 0, "output_bytes": 0, "alias_bytes": 0}
            )
        return record.model_copy(update={"values": values, "memory": memory})

    return results.model_copy(update={"records": tuple(zero(r) for r in results.records)})


@pytest.mark.parametrize("claim_id", COUNT_CLAIMS)
def test_a_claim_comparing_counts_never_holds_when_every_count_is_zero(claim_id: str) -> None:
    claim = CLAIMS[claim_id]
    assert isinstance(claim, StrictClaim)
    verdict = claim.evaluate(_zero_counts(fixture(claim.suite), claim.reads))
    assert verdict.status in ("fails", "not-measured"), verdict.text
    if verdict.status == "not-measured":
        assert verdict.figure, "not measured, without saying why"


def test_checkpointed_scan_memory_must_still_grow_a_step() -> None:
    """The sentence says the checkpointed memory still grows with the length (the carries are
    kept): a checkpointed scan whose memory stayed flat would cut more, and fail the claim."""
    real = fixture("control-flow-scan")
    claim = CLAIMS["checkpoint-cuts-scan-memory"]
    assert claim.evaluate(real).status == "holds"
    flat = real.memory("scan-grad", "checkpoint-256").temp_bytes
    flat_run = real
    for n in (512, 1024):
        flat_run = with_memory(flat_run, "scan-grad", f"checkpoint-{n}", temp_bytes=flat)
    assert claim.evaluate(flat_run).status == "fails"
    # A memory analysis that read nothing for the checkpointed programs cut "infinitely".
    nothing = real
    for n in (256, 512, 1024):
        nothing = with_memory(nothing, "scan-grad", f"checkpoint-{n}", temp_bytes=0)
    assert claim.evaluate(nothing).status == "fails"


@pytest.mark.parametrize(
    "values",
    [
        {"compiles": 3},  # a leaf change compiled, though it traced nothing
        {"traces": 1, "compiles": 1},  # a new static value reused the program
    ],
)
def test_static_field_claim_fails_on_each_count_that_departs(values: dict[str, int]) -> None:
    changed = with_values(fixture("pytrees-static"), "static", "trace-log", **values)
    assert CLAIMS["static-field-recompiles"].evaluate(changed).status == "fails"


def test_grad_structure_claim_fails_when_the_values_differ() -> None:
    changed = with_values(fixture("pytrees-grad"), "grad", "grad", max_abs_diff=1.0)
    assert CLAIMS["grad-returns-argument-structure"].evaluate(changed).status == "fails"


def test_leaf_dispatch_claim_reads_the_call_whose_program_is_the_same() -> None:
    """The sentence is about the call's own work per leaf: a sum over 1,000 leaves, whose
    program also does work per leaf, being slow must not make it hold."""
    real = fixture("pytrees-leaves")
    slow_sum = set_ratio(real, "dispatch", "leaves-1000", "leaves-1", 50.0)
    cheap_call = set_ratio(slow_sum, "dispatch", "passed-1000", "passed-1", 2.0)
    assert CLAIMS["leaves-cost-dispatch"].evaluate(cheap_call).status == "fails"


def test_vmap_keys_claim_needs_the_same_bits_and_a_row_of_its_own_per_example() -> None:
    """Equal digests with a difference recorded, or a repeated row, each fail the sentence."""
    real = fixture("random-per-example")
    claim = CLAIMS["vmap-keys-match-loop"]
    assert claim.evaluate(real).status == "holds"
    rounded = with_values(real, "per-example", "vmap", max_abs_diff=1e-7)
    assert claim.evaluate(rounded).status == "fails"
    rows = int(real.record("per-example", "vmap").values["rows"])
    repeated = with_values(real, "per-example", "vmap", distinct_rows=rows - 1)
    assert claim.evaluate(repeated).status == "fails"


def test_sharded_draw_claim_does_not_apply_on_one_device_and_needs_several_rows() -> None:
    real = fixture("random-sharded")
    claim = CLAIMS["sharded-draw-matches-one-device"]
    assert real.environment.device_count > 1
    assert claim.evaluate(real).status == "holds"
    env = real.environment.model_copy(update={"device_count": 1})
    one_device = with_values(
        real.model_copy(update={"environment": env}), "draw", "sharded", shards=1
    )
    assert verify("sharded-draw-matches-one-device", one_device).status == "not-applicable"
    one_row = with_values(real, "draw", "sharded", shard_rows=1)
    assert claim.evaluate(one_row).status == "fails"


@pytest.mark.parametrize(
    ("claim_id", "name", "benchmark"),
    [
        ("split-at-once-faster", "random-split", "split"),
        ("jit-sampling-faster", "random-sampling", "sample"),
    ],
)
def test_random_timing_claims_read_only_the_size_their_sentence_names(
    claim_id: str, name: str, benchmark: str
) -> None:
    real = fixture(name)

    def resized(record: Record) -> Record:
        if record.benchmark != benchmark:
            return record
        return record.model_copy(update={"params": {**record.params, "batch": 10}})

    smaller = real.model_copy(update={"records": tuple(resized(r) for r in real.records)})
    assert CLAIMS[claim_id].evaluate(smaller).status == "not-measured"


MEASURED = sorted(c.id for c in CLAIMS.values() if isinstance(c, MeasuredClaim))


@pytest.mark.parametrize("claim_id", MEASURED)
def test_every_measured_figure_names_both_sides_of_its_ratio(claim_id: str) -> None:
    """A ratio reads either way unless its figure says whose time is over whose: each figure
    names the side divided, then the side it is divided by, whichever way the ratio came out."""
    claim = CLAIMS[claim_id]
    assert isinstance(claim, MeasuredClaim)
    real = fixture(claim.suite)
    make_hold, make_fail = PERTURBATIONS[claim_id]
    for found in (real, make_hold(real), make_fail(real)):
        verdict = claim.evaluate(found)
        assert verdict.comparisons, verdict.text
        for c in verdict.comparisons:
            slow, fast, _ = claim.sides(c.label)
            assert slow.strip(), c.label
            assert fast.strip(), c.label
            assert slow != fast, c.label
        shown = min(
            [c for c in verdict.comparisons if c.outcome == verdict.status] or verdict.comparisons,
            key=lambda c: c.low,
        )
        slow, fast, _ = claim.sides(shown.label)
        said = f" the time of {fast}"
        assert verdict.figure.startswith(slow), verdict.figure
        assert said in verdict.figure, verdict.figure
        assert ("was faster: it took" in verdict.figure) == (shown.ratio < 1), verdict.figure


def test_a_measured_claim_must_name_the_sides_of_its_ratio() -> None:
    def claim(**kw: object) -> MeasuredClaim:
        return MeasuredClaim(  # type: ignore[arg-type]
            id="x",
            statement="S.",
            suite="site-demo",
            reads=frozenset(),
            falsified_by="F.",
            predicate=lambda r: {},
            threshold=Threshold(at_least=1.1),
            **kw,
        )

    with pytest.raises(TypeError, match="ratio_of"):
        claim()
    with pytest.raises(ValueError, match="ratio_of"):
        claim(ratio_of=("the loop", " "))
    bad = claim(ratio_of=lambda label: ("", "vmap", label))
    with pytest.raises(ValueError, match="ratio_of"):
        bad.sides("at batch 10")


def test_debug_nans_claim_needs_each_primitive_named_and_a_nan_without_the_flag() -> None:
    """Every function's primitive must be named, and the unflagged run must have made a NaN
    (else the flag had nothing to find)."""
    real = fixture("debugging-nans")
    claim = CLAIMS["debug-nans-names-primitive"]
    assert claim.evaluate(real).status == "holds"
    assert claim.evaluate(with_values(real, "nans", "sqrt", named="")).status == "fails"
    no_nan = with_values(real, "nans", "sqrt", nan_without_flag=False)
    assert claim.evaluate(no_nan).status == "fails"
    other_error = with_values(real, "nans", "log", error="")
    assert claim.evaluate(other_error).status == "fails"


def test_checkify_index_claim_needs_the_silent_clamp_and_both_errors() -> None:
    real = fixture("debugging-index")
    claim = CLAIMS["checkify-catches-clamped-index"]
    assert claim.evaluate(real).status == "holds"
    assert claim.evaluate(with_values(real, "index", "jit", clamped=False)).status == "fails"
    assert claim.evaluate(with_values(real, "index", "checkify-jit", error="")).status == "fails"
    unnamed = with_values(real, "index", "checkify-vmap", error="out-of-bounds indexing")
    assert claim.evaluate(unnamed).status == "fails"


def test_prints_claim_counts_every_call_and_every_example() -> None:
    """jax.debug.print once in three calls, or once a call under vmap rather than once an
    example, each fail the sentence."""
    real = fixture("debugging-prints")
    claim = CLAIMS["print-once-debug-print-every-call"]
    assert claim.evaluate(real).status == "holds"
    assert claim.evaluate(with_values(real, "prints", "jit", debug_lines=1)).status == "fails"
    assert claim.evaluate(with_values(real, "prints", "vmap", debug_lines=3)).status == "fails"


@pytest.mark.parametrize(
    "dtype", ["bfloat16", "float16", "float32", "int8", "uint8", "int16", "int32"]
)
@pytest.mark.parametrize("way", ["python_eager", "python_jit", "python_argument", "numpy_scalar"])
def test_promotion_claim_fails_on_any_dtype_and_any_way_that_departs(dtype: str, way: str) -> None:
    """The sentence names seven dtypes and four ways: each one is read."""
    departed = "int64" if way != "numpy_scalar" else "float64"
    changed = with_values(fixture("numbers-promotion"), "promote", dtype, **{way: departed})
    assert CLAIMS["python-scalar-keeps-dtype"].evaluate(changed).status == "fails"


def test_promotion_claim_is_not_measured_without_one_of_its_dtypes() -> None:
    missing = without(fixture("numbers-promotion"), "promote", "uint8")
    assert CLAIMS["python-scalar-keeps-dtype"].evaluate(missing).status == "not-measured"


@pytest.mark.parametrize("request_", ["zeros", "asarray", "astype_jit", "array", "arange"])
@pytest.mark.parametrize(("variant", "found"), [("default", "float64"), ("x64", "float32")])
def test_x64_claim_fails_on_each_request_either_way(
    request_: str, variant: str, found: str
) -> None:
    changed = with_values(fixture("numbers-x64"), "request", variant, **{request_: found})
    assert CLAIMS["float64-needs-x64"].evaluate(changed).status == "fails"


def test_x64_claim_is_not_measured_when_the_flag_was_not_as_named() -> None:
    changed = with_values(fixture("numbers-x64"), "request", "x64", x64=False)
    assert CLAIMS["float64-needs-x64"].evaluate(changed).status == "not-measured"


def test_precision_claim_is_meant_for_cpus_and_reads_every_setting() -> None:
    real = fixture("numbers-matmul")
    claim = CLAIMS["matmul-precision-no-effect-on-cpu"]
    assert claim.backends == ("cpu",)
    for setting in ("default", "tensorfloat32", "float32"):
        changed = with_values(real, "matmul", setting, digest="1" * 64)
        assert claim.evaluate(changed).status == "fails"
    env = real.environment.model_copy(update={"backend": "gpu"})
    on_gpu = real.model_copy(update={"environment": env})
    assert claim.evaluate(on_gpu).status == "not-applicable"


@pytest.mark.parametrize("setting", ["default", "bfloat16", "tensorfloat32", "float32"])
def test_precision_claim_is_not_measured_when_a_setting_never_reached_the_program(
    setting: str,
) -> None:
    """Four equal digests from one program compiled four times would test nothing: each
    setting's lowered dot must carry its own precision (``DEFAULT``, ``HIGH``, ``HIGHEST``)."""
    claim = CLAIMS["matmul-precision-no-effect-on-cpu"]
    real = fixture("numbers-matmul")
    assert claim.evaluate(real).status == "holds"
    other = "HIGHEST" if setting != "float32" else "DEFAULT"
    changed = with_values(real, "matmul", setting, precision=other)
    assert claim.evaluate(changed).status == "not-measured"


@pytest.mark.parametrize("what", ["matmul", "chain"])
def test_f64_timing_claims_need_both_dtypes_and_the_named_size(what: str) -> None:
    real = fixture(f"numbers-{what}-f64")
    claim = CLAIMS[f"float32-{what}-faster"]
    assert claim.evaluate(real).status != "not-measured"
    truncated = with_values(real, what, "float64", dtype="float32")
    assert claim.evaluate(truncated).status == "not-measured"

    def resized(record: Record) -> Record:
        return record.model_copy(update={"params": {**record.params, "batch": 10}})

    smaller = real.model_copy(update={"records": tuple(resized(r) for r in real.records)})
    assert claim.evaluate(smaller).status == "not-measured"
