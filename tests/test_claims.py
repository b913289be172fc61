"""Claims: evaluation, verdicts and their rendering, and strict failures."""

from __future__ import annotations

import re

import pytest

from factories import results, timing
from jaxguide.bench import Record, Results
from jaxguide.claims import REGISTRY, Claim, ClaimFailed, Evidence, NotMeasured, Verdict, verify
from jaxguide.claims._core import MIME_TYPE
from jaxguide.claims._registry import register


def _results(speedup: float) -> Results:
    return results(
        "site-demo",
        Record(benchmark="chain", variant="op-by-op", timing=timing(speedup)),
        Record(benchmark="chain", variant="jit", timing=timing(1.0)),
    )


def _claim(kind: str, holds: bool, backends: tuple[str, ...] = ()) -> Claim:
    return Claim(
        id=f"test-{kind}-{holds}-{len(backends)}",
        statement="A test statement.",
        kind=kind,  # type: ignore[arg-type]
        suite="site-demo",
        predicate=lambda r: Evidence(holds=holds, figure="2.0×", values={"x": 2.0}),
        backends=backends,
    )


def test_measured_claim_verdicts() -> None:
    demo = REGISTRY["demo-jit-fuses-chain"]
    assert demo.evaluate(_results(5.0)).status == "holds"
    fails = demo.evaluate(_results(0.5))
    assert fails.status == "fails"
    assert fails.text == "does not hold on cpu: 0.5× faster"
    assert fails.values["speedup"] == pytest.approx(0.5)


def test_not_measured_is_never_holding() -> None:
    verdict = REGISTRY["demo-jit-fuses-chain"].evaluate(None)
    assert verdict.status == "not-measured"
    assert verdict.text == "not yet measured"
    empty = _results(2.0).model_copy(update={"records": ()})
    assert REGISTRY["demo-jit-fuses-chain"].evaluate(empty).status == "not-measured"


def test_backends_a_claim_is_not_meant_for() -> None:
    verdict = _claim("measured", True, backends=("gpu",)).evaluate(_results(2.0))
    assert verdict.status == "not-applicable"
    assert verdict.text == "not meant for cpu"


def test_strict_failure_raises_with_claim_and_values() -> None:
    claim = _claim("strict", False)
    register(claim)
    try:
        with pytest.raises(ClaimFailed, match=r"strict claim 'test-strict-False-0'.*'x': 2\.0"):
            verify(claim.id, _results(2.0))
    finally:
        del REGISTRY[claim.id]


def test_measured_failure_does_not_raise() -> None:
    assert verify("demo-jit-fuses-chain", _results(0.5)).status == "fails"


@pytest.mark.parametrize("status", ["holds", "fails", "not-measured", "not-applicable"])
def test_badge_renders_words_not_colour_alone(status: str) -> None:
    verdict = Verdict(claim="c", kind="measured", status=status, backend="cpu", figure="3×")  # type: ignore[arg-type]
    bundle = verdict._repr_mimebundle_()
    html = bundle["text/html"]
    assert f"jg-{status}" in html
    words = re.sub(r"<[^>]+>", "", html)
    assert verdict.text in words
    assert verdict.text.split()[0] in {"holds", "does", "not"}
    assert Verdict.model_validate(bundle[MIME_TYPE]) == verdict


def test_registry_is_well_formed() -> None:
    assert set(REGISTRY) >= {
        "manual-vs-vmap",
        "vmap-beats-loop",
        "jit-vmap-beats-vmap",
        "vmap-matches-manual",
        "demo-jit-fuses-chain",
    }
    for claim_id, claim in REGISTRY.items():
        assert claim.id == claim_id
        assert re.fullmatch(r"[a-z0-9-]+", claim_id)
        assert claim.statement.endswith(".")
        assert claim.kind in ("strict", "measured")


def test_duplicate_ids_are_refused() -> None:
    with pytest.raises(ValueError, match="registered twice"):
        register(REGISTRY["demo-jit-fuses-chain"])


def test_predicate_may_say_not_measured() -> None:
    def missing(results: Results) -> Evidence:
        raise NotMeasured("no such record")

    claim = Claim(id="x", statement="X.", kind="strict", suite="s", predicate=missing)
    verdict = claim.evaluate(_results(1.0))
    assert (verdict.status, verdict.text) == ("not-measured", "not yet measured: no such record")
