"""Suite results shared by the pages of one docs build: each suite runs once per build."""

from __future__ import annotations

import os
import time
from pathlib import Path

from jaxguide.bench._suites import page_profile
from jaxguide.bench.suites import SUITES
from jaxguide.results import Results, load_results

__all__ = ["SHARED_RESULTS_ENV", "page_results"]

SHARED_RESULTS_ENV = "JAXGUIDE_SHARED_RESULTS"
"""The folder where a docs build keeps the suites' results; the site's conf.py sets it."""


def page_results(suite: str) -> Results:
    """The results of ``suite`` for a page, in :func:`page_profile`.

    Within a docs build (``JAXGUIDE_SHARED_RESULTS`` set), the first page that needs a suite
    runs it and every later page, the results-across-hardware page included, shows that same
    run. The folder lives inside the execution cache, so anything that re-executes every page
    (a change to jax or to the backend) also re-measures, and the build deletes a suite's
    results when a module its run imported changes (and re-executes the pages that read
    them). Elsewhere the suite simply runs.
    """
    profile = page_profile()
    folder = os.environ.get(SHARED_RESULTS_ENV)
    if not folder:
        return SUITES[suite].run(profile)
    path = Path(folder) / f"{suite}-v{SUITES[suite].version}-{profile}.json"
    if path.exists():
        return load_results(path)
    started = time.perf_counter()
    results = SUITES[suite].run(profile)
    results.save(path)
    # how long the run took, for the build's execution report (jaxguide_site.execution)
    path.with_suffix(".seconds").write_text(f"{time.perf_counter() - started:.3f}\n")
    return results
