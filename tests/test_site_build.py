"""The docs pipeline on throwaway Sphinx projects: what fails a build, and what the cache re-runs.

Each test builds a tiny site with the real extension (docs/_ext/jaxguide_site.py) and
MyST-NB, so a regression in either shows here in seconds rather than in the full build.
"""

from __future__ import annotations

import json
from pathlib import Path

from tiny_site import build, cell, counter, index, page, runs


def test_a_cell_that_raises_fails_the_build(site: Path) -> None:
    page(site, "broken", "Broken", cell("raise ValueError('the example is wrong')"))
    index(site, "broken")
    result = build(site)
    assert result.returncode != 0
    assert "the example is wrong" in result.stderr
    assert "broken" in result.stderr


def test_a_failing_strict_claim_fails_the_build(site: Path) -> None:
    page(
        site,
        "strict",
        "Strict",
        cell("""
        from jaxguide.bench import DEFAULT_METHOD, Record, Results, describe_environment
        from jaxguide.claims import Claim, Evidence, verify
        from jaxguide.claims._registry import register

        register(Claim(id="one-is-two", statement="One is two.", kind="strict", suite="t",
                       predicate=lambda r: Evidence(holds=False, figure="1 != 2",
                                                    values={"one": 1})))
        results = Results(suite="t", suite_version=1, profile="quick",
                          environment=describe_environment(), method=DEFAULT_METHOD)
        verify("one-is-two", results)
    """),
    )
    index(site, "strict")
    result = build(site)
    assert result.returncode != 0
    assert "strict claim 'one-is-two' does not hold" in result.stderr
    assert "'one': 1" in result.stderr
    assert "strict" in result.stderr  # the page is named in Sphinx's warning location


def test_verdicts_render_and_the_report_lists_every_claim(site: Path) -> None:
    page(
        site,
        "measured",
        "Measured",
        cell("""
        from jaxguide.bench import DEFAULT_METHOD, Record, Results, Timing, describe_environment
        from jaxguide.claims import verify

        def timing(s):
            return Timing(first_call_s=1, median_s=s, iqr_s=0, min_s=s, loops=1, repeats=3)

        results = Results(suite="site-demo", suite_version=1, profile="quick",
                          environment=describe_environment(), method=DEFAULT_METHOD,
                          records=(Record(benchmark="chain", variant="op-by-op", timing=timing(3.0)),
                                   Record(benchmark="chain", variant="jit", timing=timing(1.0))))
        verify("demo-jit-fuses-chain", results)
    """),
        prose="Fused chains are faster {claim}`demo-jit-fuses-chain`.\n",
    )
    (site / "report.md").write_text("# Report\n\n```{claims-report}\n```\n")
    index(site, "measured", "report")
    result = build(site)
    assert result.returncode == 0, result.stderr
    # The kernel got CurveZMQ keys (jaxguide_site.encrypt_kernel_channels), so it did not warn.
    assert "without encryption" not in result.stdout + result.stderr
    html = (site / "_build" / "measured.html").read_text()
    assert 'id="claim-demo-jit-fuses-chain"' in html
    assert "holds on cpu: 3.0× faster" in html
    report = (site / "_build" / "report.html").read_text()
    assert 'href="measured.html#claim-demo-jit-fuses-chain"' in report
    claims = json.loads((site / "_build" / "claims.json").read_text())["claims"]
    by_id = {c["id"]: c for c in claims}
    assert by_id["demo-jit-fuses-chain"]["verdicts"][0]["status"] == "holds"
    assert by_id["demo-jit-fuses-chain"]["page"] == "measured"
    assert by_id["vmap-beats-loop"]["verdicts"][0]["status"] == "not-measured"
    assert report.count("not yet measured") == len(claims) - 1


def test_a_claim_without_a_verdict_on_its_page_is_an_error(site: Path) -> None:
    page(site, "bare", "Bare", cell("x = 1"), prose="Unchecked {claim}`vmap-beats-loop`.\n")
    index(site, "bare")
    result = build(site)
    assert result.returncode != 0
    assert "claim 'vmap-beats-loop' has no verdict on this page" in result.stderr


def test_the_cache_reruns_only_what_changed(site: Path, tmp_path: Path) -> None:
    a, b = tmp_path / "a.log", tmp_path / "b.log"
    page(site, "a", "A", counter(a))
    page(site, "b", "B", counter(b))
    index(site, "a", "b")
    assert build(site).returncode == 0
    assert (runs(a), runs(b)) == (1, 1)

    assert build(site).returncode == 0  # nothing changed: nothing executes
    assert (runs(a), runs(b)) == (1, 1)

    page(site, "a", "A", counter(a), cell("y = 2"))  # one page changed: only it executes
    assert build(site).returncode == 0
    assert (runs(a), runs(b)) == (2, 1)

    with (tmp_path / "pkg" / "__init__.py").open("a") as f:  # the package changed: all execute
        f.write("\n# edited\n")
    assert build(site).returncode == 0
    assert (runs(a), runs(b)) == (3, 2)
