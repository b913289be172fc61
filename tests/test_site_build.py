"""The docs pipeline on throwaway Sphinx projects: what fails a build, and what the cache re-runs.

Each test builds a tiny site with the real extension (docs/_ext/jaxguide_site/) and
MyST-NB, so a regression in either shows here in seconds rather than in the full build.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup

from factories import results, timing
from jaxguide.results import Record
from jaxguide_site import mathjax_bundle
from tiny_site import build, cell, counter, index, make_site, page, runs


@pytest.fixture(scope="module")
def good_site(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """One site whose build succeeds, with the pages of the tests that read a good build:
    math and a given number; a verified claim and the claims report; a practice page.
    (Each tiny build costs seconds; these pages do not interfere.)"""
    site = make_site(tmp_path_factory.mktemp("good"))
    (site / "math.md").write_text(
        "# Math\n\nThe square $x^2$ of a {given}`64 MiB <a budget chosen here>` buffer.\n\n"
        "$$\n\\sum_i x_i^2\n$$\n"
    )
    page(site, "measured", "Measured", DEMO_CLAIM, prose=DEMO_PROSE)
    (site / "report.md").write_text("# Report\n\n```{claims-report}\n```\n")
    page(
        site,
        "practice",
        "Practice",
        cell("""
        def answer():
            raise NotImplementedError  # the starter
        """),
        cell("""
        :tags: [hide-input, solution]

        def answer():
            return 42  # the solution
        """),
        cell("""
        :tags: [solution]

        answer()
        """),
        cell("print('after the solution')"),
    )
    index(site, "math", "measured", "report", "practice")
    return site, build(site)


def test_a_cell_that_raises_fails_the_build(site: Path) -> None:
    page(site, "broken", "Broken", cell("raise ValueError('the example is wrong')"))
    index(site, "broken")
    result = build(site)
    assert result.returncode != 0
    assert "the example is wrong" in result.stderr
    assert "broken" in result.stderr


RAISING = "```{code-cell} ipython3\n:tags: [raises-exception]\n\n%s\n```\n"


def test_a_cell_tagged_to_raise_must_raise(site: Path) -> None:
    page(site, "raises", "Raises", cell("x = 1"), RAISING % "1 / 0")
    page(site, "quiet", "Quiet", cell("x = 1"), cell("y = 2"), RAISING % "1 / 1")
    index(site, "raises", "quiet")
    result = build(site)
    assert result.returncode != 0
    assert "quiet.md:22: WARNING: code cell 3 is tagged raises-exception but raised nothing" in (
        result.stderr
    )
    assert "raises.md" not in result.stderr  # its cell raised, as it says


def test_math_renders_from_the_site_and_given_numbers_show_as_text(
    good_site: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    site, result = good_site
    assert result.returncode == 0, result.stderr
    html = (site / "_build" / "math.html").read_text()
    soup = BeautifulSoup(html, "html.parser")
    assert soup.select("span.math")
    assert soup.select("div.math")
    urls = [str(t.get("src") or t.get("href")) for t in soup.find_all(["script", "link", "img"])]
    external = [u for u in urls if urlsplit(u).scheme or u.startswith("//")]
    assert not external, external
    mathjax = [u for u in urls if u.endswith("mathjax/tex-svg-full.js")]
    assert mathjax == ["_static/mathjax/tex-svg-full.js"]
    served = site / "_build" / mathjax[0]
    assert served.read_bytes() == mathjax_bundle("tex-svg-full.js").read_bytes()
    assert b"MathJax" in served.read_bytes()[:100_000]
    (given,) = soup.select("span.jg-given")
    assert given.get_text() == "64 MiB"
    assert "a budget chosen here" not in html


def test_a_given_number_must_say_why(site: Path) -> None:
    (site / "bare.md").write_text("# Bare\n\nA {given}`64 MiB` buffer.\n")
    index(site, "bare")
    result = build(site)
    assert result.returncode != 0
    assert "bare.md:3: ERROR: {given}`64 MiB` says no reason" in result.stderr


FIXTURES = Path(__file__).parent / "fixtures" / "results"


DEMO_CLAIM = cell("""
    from jaxguide.bench import DEFAULT_METHOD, describe_environment
    from jaxguide.claims import verify
    from jaxguide.results import Record, Results, Timing

    def timing(s):
        return Timing(first_call_s=1, samples_s=(s, s * 1.01, s * 0.99), loops=1)

    results = Results(suite="site-demo", suite_version=1, profile="quick",
                      environment=describe_environment(), method=DEFAULT_METHOD,
                      records=(Record(benchmark="chain", variant="op-by-op", timing=timing(3.0)),
                               Record(benchmark="chain", variant="jit", timing=timing(1.0))))
    verify("demo-jit-fuses-chain", results)
""")
DEMO_PROSE = "Fused chains are faster {claim}`demo-jit-fuses-chain`.\n"


def _strict_page(site: Path, change: str) -> subprocess.CompletedProcess[str]:
    """A page verifying a strict claim on the real transforms-vmap records, changed first."""
    page(
        site,
        "strict",
        "Strict",
        cell(f"""
        from pathlib import Path
        from jaxguide.claims import verify
        from jaxguide.results import load_results

        results = load_results(Path({str(FIXTURES / "transforms-vmap.json")!r}))
        {change}
        verify("jit-vmap-same-jaxpr", results)
    """),
    )
    index(site, "strict")
    return build(site)


def _one_line(output: str, claim: str, page: Path) -> str:
    """The one line naming ``claim``'s failure; the page, at the line verifying it, first."""
    found = [line for line in output.splitlines() if f"strict claim {claim!r}" in line]
    assert len(found) == 1, output  # once: not again inside a traceback or a cell's output
    assert "Traceback" not in output
    assert "\x1b[" not in output  # no ANSI colour codes
    assert "bug" not in output.lower()  # no "report a bug" tail
    source = page.read_text().splitlines()
    line = next(i for i, text in enumerate(source, 1) if f'verify("{claim}"' in text)
    assert found[0].startswith(f"{page}:{line}: ERROR: strict claim {claim!r} "), found[0]
    return found[0]


def test_a_failing_strict_claim_fails_the_build_in_one_line(site: Path) -> None:
    change = """record = results.record("vmap-jit", "jaxpr")
        changed = record.model_copy(update={"values": {**record.values, "same_jaxpr": False}})
        results = results.model_copy(update={"records": (changed,)})"""
    result = _strict_page(site, change)
    assert result.returncode != 0
    line = _one_line(result.stdout + result.stderr, "jit-vmap-same-jaxpr", site / "strict.md")
    assert "does not hold on cpu: jaxprs differ — “" in line
    assert line.endswith("trace to the same jaxpr.”")  # its sentence; the figure had no values


def test_a_strict_claim_with_its_records_removed_stops_the_build(site: Path) -> None:
    change = """results = results.model_copy(update={"records": ()})"""
    result = _strict_page(site, change)
    assert result.returncode != 0
    line = _one_line(result.stdout + result.stderr, "jit-vmap-same-jaxpr", site / "strict.md")
    assert "strict claim 'jit-vmap-same-jaxpr' is not measured" in line


EDITED_CLAIMS = """

def _edit_claims():  # the claims code of this build, edited as a contributor would
    import dataclasses, os
    from jaxguide.claims import CLAIMS, Evidence
    from jaxguide.results import Threshold

    if "AT_LEAST" in os.environ:
        claim = CLAIMS["demo-jit-fuses-chain"]
        threshold = Threshold(at_least=float(os.environ["AT_LEAST"]))
        CLAIMS[claim.id] = dataclasses.replace(claim, threshold=threshold)
    if "STRICT_FAILS" in os.environ:
        claim = CLAIMS["jit-vmap-same-jaxpr"]
        evidence = Evidence(holds=False, figure="edited", values={"same_jaxpr": False})
        CLAIMS[claim.id] = dataclasses.replace(claim, predicate=lambda results: evidence)


_edit_claims()
"""


def test_edited_claims_are_judged_again_on_cached_pages(site: Path, tmp_path: Path) -> None:
    measured, strict = tmp_path / "measured.log", tmp_path / "strict.log"
    page(site, "measured", "Measured", counter(measured), DEMO_CLAIM, prose=DEMO_PROSE)
    page(
        site,
        "strict",
        "Strict",
        counter(strict),
        cell(f"""
        from pathlib import Path
        from jaxguide.claims import verify
        from jaxguide.results import load_results

        results = load_results(Path({str(FIXTURES / "transforms-vmap.json")!r}))
        verify("jit-vmap-same-jaxpr", results)
    """),
        prose="Same jaxpr {claim}`jit-vmap-same-jaxpr`.\n",
    )
    (site / "report.md").write_text("# Report\n\n```{claims-report}\n```\n")
    index(site, "measured", "strict", "report")
    with (site / "conf.py").open("a") as f:
        f.write(EDITED_CLAIMS)
    out = site / "_build"

    def status(claim: str) -> str:
        rows = json.loads((out / "claims.json").read_text())["claims"]
        return str(next(r for r in rows if r["id"] == claim)["verdicts"][0]["status"])

    result = build(site)
    assert result.returncode == 0, result.stderr
    assert (runs(measured), runs(strict)) == (1, 1)
    assert "holds on cpu: the chain op by op took 3×" in (out / "measured.html").read_text()
    assert status("demo-jit-fuses-chain") == "holds"

    # A threshold the 3× ratio does not reach: the badge, the report and claims.json say so,
    # and no page executes again.
    result = build(site, AT_LEAST="5")
    assert result.returncode == 0, result.stderr  # a measured claim that fails is a finding
    assert (runs(measured), runs(strict)) == (1, 1)
    html = (out / "measured.html").read_text()
    assert re.search(
        r"does not hold on cpu: the chain op by op took 3× \[2\.9\d*, 3\.0\d*\] the time of "
        r"the jitted chain; threshold ≥ 5×",
        html,
    )
    assert "jg-fails" in (out / "report.html").read_text()
    assert status("demo-jit-fuses-chain") == "fails"

    # A strict claim the edited code says fails: a cached build stops, in one line.
    result = build(site, AT_LEAST="5", STRICT_FAILS="1")
    assert result.returncode != 0
    assert (runs(measured), runs(strict)) == (1, 1)
    line = _one_line(result.stdout + result.stderr, "jit-vmap-same-jaxpr", site / "strict.md")
    assert "does not hold on cpu: edited — “" in line
    assert line.endswith("” (values: {'same_jaxpr': False})")

    result = build(site)  # the claims as they were: the verdicts are back, still no execution
    assert result.returncode == 0, result.stderr
    assert (runs(measured), runs(strict)) == (1, 1)
    assert "holds on cpu: the chain op by op took 3×" in (out / "measured.html").read_text()
    assert status("jit-vmap-same-jaxpr") == "holds"


def test_building_one_page_then_another_rebuilds(site: Path) -> None:
    """The edit loop, ``nox -s docs -- --only A`` then ``--only B``: the second build leaves
    out A, whose verdicts the first judged, and must not try to write it again."""
    page(site, "measured", "Measured", DEMO_CLAIM, prose=DEMO_PROSE)
    page(site, "other", "Other", cell("print('other')"))
    index(site, "measured", "other")
    for only in ("measured", "other", "measured"):
        result = build(site, JAXGUIDE_ONLY=only)
        assert result.returncode == 0, f"--only {only}:\n{result.stderr}"
        assert (site / "_build" / f"{only}.html").exists()


def test_verdicts_render_and_the_report_lists_every_claim(
    good_site: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    site, result = good_site
    assert result.returncode == 0, result.stderr
    # The kernel got CurveZMQ keys (jaxguide_site.encrypt_kernel_channels), so it did not warn.
    assert "without encryption" not in result.stdout + result.stderr
    html = (site / "_build" / "measured.html").read_text()
    assert 'id="claim-demo-jit-fuses-chain"' in html
    assert re.search(
        r"holds on cpu: the chain op by op took 3× \[2\.9\d*, 3\.0\d*\] the time of the "
        r"jitted chain; threshold ≥ 1\.1×",
        html,
    ), html
    report = (site / "_build" / "report.html").read_text()
    assert 'href="measured.html#claim-demo-jit-fuses-chain"' in report
    claims = json.loads((site / "_build" / "claims.json").read_text())["claims"]
    by_id = {c["id"]: c for c in claims}
    assert by_id["demo-jit-fuses-chain"]["verdicts"][0]["status"] == "holds"
    assert by_id["demo-jit-fuses-chain"]["page"] == "measured"
    assert by_id["vmap-beats-loop"]["verdicts"][0]["status"] == "not-measured"
    assert report.count("not yet measured") == len(claims) - 1
    assert all(c["falsified_by"] for c in claims)  # the report shows what would falsify each
    assert report.count("False if: ") == len(claims)


def test_a_claim_without_a_verdict_on_its_page_is_an_error(site: Path) -> None:
    page(site, "bare", "Bare", cell("x = 1"), prose="Unchecked {claim}`vmap-beats-loop`.\n")
    index(site, "bare")
    result = build(site)
    assert result.returncode != 0
    assert "claim 'vmap-beats-loop' has no verdict on this page" in result.stderr


def test_the_cache_reruns_only_what_changed(site: Path, tmp_path: Path) -> None:
    a, b, measured = tmp_path / "a.log", tmp_path / "b.log", tmp_path / "measured.log"
    package = tmp_path / "pkg" / "jaxguide"  # what the build and its kernels import
    (package / "tiny_a.py").write_text("A = 1\n")
    (package / "tiny_b.py").write_text("B = 1\n")
    shared = "Path(os.environ['JAXGUIDE_SHARED_RESULTS']) / 'suite.json'"
    # a measures a "suite" once per build and b shows it, as pages do with bench.page_results
    a_cells = (
        counter(a),
        cell(f"""
        import os
        from pathlib import Path
        import jaxguide.tiny_a

        shared = {shared}
        if not shared.exists():
            shared.parent.mkdir(parents=True, exist_ok=True)
            shared.write_text("measured")
            shared.with_suffix(".seconds").write_text("2.5")  # as page_results notes its run
            with open({str(measured)!r}, "a") as f:
                f.write("ran\\n")
    """),
    )
    b_cells = (
        counter(b),
        cell(f"""
        import os
        from pathlib import Path
        import jaxguide.claims  # recorded without claims/: editing a claim re-executes nothing
        import jaxguide.tiny_b

        print(({shared}).read_text())
    """),
        RAISING % "1 / 0",
    )
    page(site, "a", "A", *a_cells)
    page(site, "b", "B", *b_cells, prose="Division fails.\n")
    index(site, "a", "b")
    result = build(site)
    assert result.returncode == 0, result.stderr
    assert (runs(a), runs(b), runs(measured)) == (1, 1, 1)
    rows = {
        row["page"]: row
        for row in json.loads((site / "_build" / "execution.json").read_text())["pages"]
    }
    assert rows.keys() == {"a", "b"}
    assert rows["a"]["executed"] == "this build"
    assert (rows["a"]["suite_seconds"], rows["b"]["suite_seconds"]) == (2.5, None)
    assert rows["a"]["budget_s"] == 30.0  # the site's default

    result = build(site)
    assert result.returncode == 0, result.stderr  # nothing changed: nothing executes
    assert (runs(a), runs(b)) == (1, 1)

    # prose edited on a page whose cell must raise: read from the cache, its error with it
    page(site, "b", "B", *b_cells, prose="Division by zero fails.\n")
    result = build(site)
    assert result.returncode == 0, result.stderr
    assert (runs(a), runs(b)) == (1, 1)
    executed = json.loads((site / "jupyter_execute" / "b.ipynb").read_text())
    *_, raised = (c for c in executed["cells"] if c["cell_type"] == "code")
    assert [o["ename"] for o in raised["outputs"]] == ["ZeroDivisionError"]

    # one page changed, and a claim: only that page executes (not b, which imported the claims)
    page(site, "a", "A", *a_cells, cell("y = 2"))
    with (package / "claims" / "_site.py").open("a") as f:
        f.write("\n# edited\n")
    assert build(site).returncode == 0
    assert (runs(a), runs(b), runs(measured)) == (2, 1, 1)

    with (package / "tiny_b.py").open("a") as f:  # a module only b imported: only b executes
        f.write("\n# edited\n")
    result = build(site)
    assert result.returncode == 0, result.stderr
    assert (runs(a), runs(b), runs(measured)) == (2, 2, 1)

    # a module a's "suite" run imported: a measures again, and b, which showed the old run,
    # executes too and shows the new one
    with (package / "tiny_a.py").open("a") as f:
        f.write("\n# edited\n")
    result = build(site)
    assert result.returncode == 0, result.stderr
    assert (runs(a), runs(b), runs(measured)) == (3, 3, 2)

    # the edit loop (nox -s docs -- --only a) reads a alone; b keeps what it recorded, so the
    # next full build executes it for the module it imported
    with (package / "tiny_b.py").open("a") as f:
        f.write("\n# edited again\n")
    page(site, "a", "A", *a_cells, cell("y = 3"))
    result = build(site, JAXGUIDE_ONLY="a")
    assert result.returncode == 0, result.stderr
    assert (runs(a), runs(b), runs(measured)) == (4, 3, 2)
    result = build(site)
    assert result.returncode == 0, result.stderr
    assert (runs(a), runs(b), runs(measured)) == (4, 4, 2)

    with (package / "__init__.py").open("a") as f:  # both imported the package: both execute
        f.write("\n# edited\n")
    assert build(site).returncode == 0
    assert (runs(a), runs(b)) == (5, 5)

    stored = site / "results" / "data"  # a results file is stored: all execute
    stored.mkdir(parents=True)
    results("t", Record(benchmark="b", variant="v", timing=timing(1.0))).save(stored / "t.json")
    assert build(site).returncode == 0
    assert (runs(a), runs(b)) == (6, 6)

    assert build(site, JAXGUIDE_PROFILE="full").returncode == 0  # the profile changed: all execute
    assert (runs(a), runs(b)) == (7, 7)
    assert build(site, JAXGUIDE_PROFILE="full").returncode == 0
    assert (runs(a), runs(b)) == (7, 7)


def test_the_offered_notebook_leaves_out_solutions(
    good_site: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    site, result = good_site
    assert result.returncode == 0, result.stderr
    html = (site / "_build" / "practice.html").read_text()
    assert "the solution" in html  # the page keeps it
    cells = json.loads((site / "_build" / "_sources" / "practice.ipynb").read_text())["cells"]
    setup, *code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    assert "%pip install" in setup  # the download's own first cell
    assert len(code) == 2
    assert "the starter" in code[0]
    assert "after the solution" in code[1]
    assert not any("solution" in c.get("metadata", {}).get("tags", []) for c in cells)
    assert not any("42" in source for source in code)
