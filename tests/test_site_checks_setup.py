"""The built-site checks (tests/site) fail in CI when there is nothing to check.

Without a built site, or without the browser packages, a local run skips those checks and
says why; a CI run (``CI`` set) fails instead, so a missing build cannot pass as green.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


def _site_checks(html: Path, *, ci: bool) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["JAXGUIDE_SITE_HTML"] = str(html)
    if ci:
        env["CI"] = "true"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "tests/site", "-q", "-rfEs", "-p", "no:cacheprovider"],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )


@pytest.fixture(scope="module")
def no_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("no-site")


def test_without_a_site_ci_fails_every_check(no_site: Path) -> None:
    result = _site_checks(no_site, ci=True)
    assert result.returncode == 1, result.stdout
    summary = result.stdout.strip().splitlines()[-1]
    assert "error" in summary, summary  # each check errs in its fixture (html_dir, browser)
    assert "skipped" not in summary, summary
    assert "passed" not in summary, summary
    assert f"no built site in {no_site}" in result.stdout
    assert "CI is set" in result.stdout


def test_without_a_site_a_local_run_skips_and_says_why(no_site: Path) -> None:
    result = _site_checks(no_site, ci=False)
    assert result.returncode == 0, result.stdout
    summary = result.stdout.strip().splitlines()[-1]
    assert "skipped" in summary, summary
    assert "failed" not in summary, summary
    assert "error" not in summary, summary
    assert f"no built site in {no_site}" in result.stdout
