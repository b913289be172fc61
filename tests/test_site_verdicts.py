"""What a page's ``verify`` hands the site's build, and where the build says a claim is verified.

In a site build ``verify`` glues the results it judged (once per page) beside each verdict and
raises nothing, so that the extension can judge the claims again at every build; outside one
(a downloaded notebook, a page run by hand) a failing strict claim still raises. The builds
themselves are in tests/test_site_build.py.
"""

from __future__ import annotations

from typing import Any

import myst_nb
import pytest

import jaxguide.claims._verify as verify_module
from factories import fixture, with_values
from jaxguide.claims import (
    MIME_TYPE,
    RESULTS_MIME_TYPE,
    SITE_BUILD_ENV,
    VERIFIED_MIME_TYPE,
    ClaimFailed,
    verify,
)
from jaxguide.results import Results
from jaxguide_site.verified import verifying_lines


@pytest.fixture
def glued(monkeypatch: pytest.MonkeyPatch) -> dict[str, dict[str, Any]]:
    """What ``verify`` glues, by key, as a kernel of a site build would."""
    found: dict[str, dict[str, Any]] = {}

    def glue(name: str, variable: Any, display: bool = True) -> None:
        assert not display  # nothing glued shows in the page
        assert name not in found  # MyST-NB warns on a key glued twice
        found[name] = variable._repr_mimebundle_()

    monkeypatch.setenv(SITE_BUILD_ENV, "1")
    monkeypatch.setattr(myst_nb, "glue", glue)
    monkeypatch.setattr(verify_module, "_GLUED_RESULTS", set())  # a fresh kernel: a new page
    return found


def test_in_a_site_build_verify_glues_its_results_once_and_raises_nothing(
    glued: dict[str, dict[str, Any]],
) -> None:
    results = with_values(fixture("transforms-vmap"), "vmap-jit", "jaxpr", same_jaxpr=False)
    assert verify("jit-vmap-same-jaxpr", results).status == "fails"  # strict, yet no raise
    assert verify("vmap-jit-overhead", results).kind == "measured"

    (key,) = [k for k in glued if k.startswith("results:")]  # the same results: glued once
    assert Results.model_validate(glued[key][RESULTS_MIME_TYPE]) == results
    for claim_id in ("jit-vmap-same-jaxpr", "vmap-jit-overhead"):
        bundle = glued[f"claim:{claim_id}"]
        assert bundle[VERIFIED_MIME_TYPE] == {"results": key}
        assert bundle[MIME_TYPE]["claim"] == claim_id  # the verdict, for the {claim} role

    other = fixture("transforms-vmap")  # other results on the same page: glued under their own key
    glued.pop("claim:jit-vmap-same-jaxpr")
    verify("jit-vmap-same-jaxpr", other)
    assert len([k for k in glued if k.startswith("results:")]) == 2


def test_outside_a_site_build_a_failing_strict_claim_raises(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(SITE_BUILD_ENV, raising=False)
    results = with_values(fixture("transforms-vmap"), "vmap-jit", "jaxpr", same_jaxpr=False)
    with pytest.raises(ClaimFailed, match="strict claim 'jit-vmap-same-jaxpr' does not hold"):
        verify("jit-vmap-same-jaxpr", results)


PAGE = """\
# A page

Prose naming "in-prose" and {claim}`looped`.

```{code-cell} ipython3
results = measure()
```

```{code-cell} ipython3
:tags: [remove-cell]

verify("first", results)
for claim_id in ("looped", 'quoted'):
    verify(claim_id, results)
```
"""


def test_a_failure_is_located_at_the_line_quoting_the_claim_in_a_cell() -> None:
    lines = verifying_lines(PAGE.splitlines(), ["first", "looped", "quoted", "in-prose"])
    assert lines == {"first": 12, "looped": 13, "quoted": 13, "in-prose": 12}
    assert verifying_lines(["# no cells", "verify('x', r)"], ["x"]) == {"x": None}
