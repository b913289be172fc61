"""Measuring on a page: declared like a suite, timed by the harness, read by claims; agreement."""

from __future__ import annotations

import math
import re
import warnings
from pathlib import Path

import jax
import jax.numpy as jnp
import pytest

from jaxguide.bench import SHARED_RESULTS_ENV, SUITES
from jaxguide.claims import CLAIMS, ClaimFailed, NearThreshold, agree, agreement, verify
from jaxguide.pages import MEASUREMENTS, measure
from jaxguide.results import Results, load_results

DOCS = Path(__file__).parent.parent / "docs"
X = jnp.arange(12.0).reshape(4, 3)


def _double(x: jax.Array) -> jax.Array:
    return 2 * x


def _calls(vectorize_offset: float = 0.0) -> dict[str, tuple[object, tuple[jax.Array]]]:
    """Both variants compile to one program, unless ``vectorize_offset`` adds an operation."""
    vectorized = jnp.vectorize(_double)
    if vectorize_offset:
        return {
            "vectorize": (jax.jit(lambda x: vectorized(x) + vectorize_offset), (X,)),
            "vmap": (jax.jit(jax.vmap(_double)), (X,)),
        }
    return {"vectorize": (jax.jit(vectorized), (X,)), "vmap": (jax.jit(jax.vmap(_double)), (X,))}


def _measure(
    calls: dict[str, tuple[object, tuple[jax.Array]]], *, claims: bool = True, timed: bool = True
) -> Results:
    """``measure("vectorize", ...)`` as the page calls it: with the programs' fingerprints."""
    return measure(
        "vectorize",
        calls,  # type: ignore[arg-type]
        benchmark="affine",
        reference="vmap",
        hlo=True,
        timed=timed,
        claims=claims,
    )


def test_measure_times_both_variants_as_the_declared_measurement() -> None:
    results = _measure(_calls())
    assert (results.suite, results.suite_version) == (
        "vectorize",
        MEASUREMENTS["vectorize"].version,
    )
    assert {r.variant for r in results.records} == {"vectorize", "vmap"}
    assert all(r.timing is not None and r.timing.median_s > 0 for r in results.records)
    values = dict(results.record("affine", "vectorize").values)
    assert values.pop("hlo_digest") == results.record("affine", "vmap").values["hlo_digest"]
    assert values == {"max_abs_diff": 0.0, "reference_max_abs": 22.0}
    assert verify("vectorize-matches-vmap", results).status == "holds"
    assert verify("vectorize-compiles-to-vmap", results).status == "holds"


def test_two_programs_that_differ_fail_the_same_program_claim() -> None:
    results = _measure(_calls(1e-30), claims=False)  # one more add: another program
    digests = {r.values["hlo_digest"] for r in results.records}
    assert len(digests) == 2
    with pytest.raises(ClaimFailed, match="optimized HLO differs"):
        verify("vectorize-compiles-to-vmap", results)


def test_untimed_measurement_records_no_timing() -> None:
    results = _measure(_calls(), timed=False)
    assert all(r.timing is None for r in results.records)
    assert verify("vectorize-compiles-to-vmap", results).status == "holds"


def test_a_nan_in_a_later_output_makes_the_largest_difference_nan() -> None:
    """Python's max keeps a NaN only where it comes first: the NaN here is in the second leaf."""
    pair = {
        "vectorize": (jax.jit(lambda x: (x + 0.5, jnp.where(x > 5, jnp.nan, x))), (X,)),
        "vmap": (jax.jit(lambda x: (x, x)), (X,)),
    }
    results = measure("vectorize", pair, benchmark="affine", reference="vmap", claims=False)
    assert math.isnan(float(results.record("affine", "vectorize").values["max_abs_diff"]))
    nan_reference = {"vectorize": pair["vmap"], "vmap": pair["vectorize"]}
    results = measure(
        "vectorize", nan_reference, benchmark="affine", reference="vmap", claims=False
    )
    values = results.record("affine", "vectorize").values
    assert math.isnan(float(values["max_abs_diff"]))
    assert math.isnan(float(values["reference_max_abs"]))


def test_measure_verifies_the_claims_that_read_it() -> None:
    with pytest.raises(ClaimFailed, match=r"strict claim 'vectorize-matches-vmap' does not hold"):
        _measure(_calls(0.5))


def test_a_difference_from_the_reference_fails_the_strict_claim() -> None:
    results = _measure(_calls(0.5), claims=False)
    assert results.record("affine", "vectorize").values["max_abs_diff"] == 0.5
    with pytest.raises(ClaimFailed, match=r"largest difference 0\.5 against a tolerance"):
        verify("vectorize-matches-vmap", results)


def test_measure_with_memory_records_xla_memory_analysis() -> None:
    results = measure("vectorize", _calls(), benchmark="affine", memory=True, claims=False)
    memory = results.record("affine", "vmap").memory
    assert memory is not None
    assert memory.argument_bytes == memory.output_bytes == X.nbytes


def test_measure_refuses_what_is_not_declared() -> None:
    with pytest.raises(KeyError, match=r"declare it in jaxguide/pages/_measurements\.py"):
        measure("no-such-page", _calls(), benchmark="affine")
    with pytest.raises(ValueError, match="does not declare other/vectorize, other/vmap"):
        measure("vectorize", _calls(), benchmark="other")
    with pytest.raises(ValueError, match="reference 'loop' is not one of"):
        measure("vectorize", _calls(), benchmark="affine", reference="loop")


def test_a_crashing_callable_is_recorded_not_raised() -> None:
    def boom(x: jax.Array) -> jax.Array:
        raise RuntimeError("boom")

    calls = {"vectorize": (boom, (X,)), "vmap": (jax.jit(_double), (X,))}
    results = measure("vectorize", calls, benchmark="affine", reference="vmap", claims=False)
    assert {r.status for r in results.records} == {"error"}
    with pytest.raises(ClaimFailed, match=r"is not measured: .*RuntimeError.*boom"):
        verify("vectorize-matches-vmap", results)


def test_in_a_docs_build_the_results_are_saved_for_the_fixture(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SHARED_RESULTS_ENV, str(tmp_path))
    results = _measure(_calls())
    version = MEASUREMENTS["vectorize"].version
    assert load_results(tmp_path / f"vectorize-v{version}-quick.json") == results


@pytest.mark.parametrize("name", sorted(MEASUREMENTS))
def test_every_page_measurement_is_measured_by_its_page_and_read_by_a_claim(name: str) -> None:
    declared = MEASUREMENTS[name]
    assert name not in SUITES
    page = (DOCS / f"{declared.page}.md").read_text()
    assert re.search(rf"measure\(\s*\"{re.escape(name)}\",", page), (
        f"{declared.page} never measures {name}"
    )
    assert any(c.suite == name for c in CLAIMS.values()), f"no claim reads {name}"


def test_agree_holds_within_a_relative_tolerance() -> None:
    evidence = agree([100.0, 200.0], [100.0, 200.000001], rtol=1e-6)
    assert evidence.holds
    assert evidence.values["tolerance"] == pytest.approx(2e-4)
    assert not agree([1.0, 2.5], [1.0, 2.0], rtol=1e-3).holds


def test_agree_warns_and_says_so_when_it_holds_narrowly() -> None:
    with pytest.warns(NearThreshold, match="narrowly"):
        evidence = agree(1.00098, 1.0, rtol=0, atol=1e-3)
    assert evidence.holds
    assert "within 10× of it" in evidence.figure


def test_agree_is_silent_with_room_to_spare() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        evidence = agree(1.00001, 1.0, rtol=0, atol=1e-3)
    assert evidence.holds
    assert "within" not in evidence.figure


def test_agree_never_holds_on_nan_or_different_shapes() -> None:
    assert not agree([math.nan], [1.0], rtol=1.0).holds
    assert agree([1.0, 2.0], [1.0], rtol=1.0).figure == "shapes differ: (2,) against (1,)"


def test_agreement_needs_a_record_compared_with_its_reference() -> None:
    results = measure("vectorize", _calls(), benchmark="affine", claims=False)
    with pytest.raises(LookupError, match="was not compared with a reference"):
        agreement(results.record("affine", "vectorize"), rtol=1e-6)


def test_observe_adds_its_facts_to_each_variants_values() -> None:
    def size_of_output(fn: object, x: jax.Array) -> dict[str, float]:
        assert callable(fn)
        return {"output_size": float(fn(x).size)}

    results = measure(
        "vectorize",
        _calls(),
        benchmark="affine",
        reference="vmap",
        observe=size_of_output,
        claims=False,
    )
    assert results.record("affine", "vmap").values == {"output_size": 12.0}
    assert results.record("affine", "vectorize").values == {
        "max_abs_diff": 0.0,
        "reference_max_abs": 22.0,
        "output_size": 12.0,
    }
