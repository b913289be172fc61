"""Fixtures for checks of the built site: its HTML files, a local HTTP server, Chromium."""

from __future__ import annotations

import functools
import http.server
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NoReturn

import pytest

# The built site (``JAXGUIDE_SITE_HTML`` to check another build).
HTML = Path(
    os.environ.get("JAXGUIDE_SITE_HTML", Path(__file__).parents[2] / "docs" / "_build" / "html")
)
BUILT = (HTML / "index.html").exists()
NO_SITE = "(no built site)"  # the one parameter of per-page tests when there is no site
ARTIFACTS = Path(__file__).parents[2] / "artifacts"
# Debian's chromium by default (Playwright cannot download its own browser here).
CHROMIUM = os.environ.get("JAXGUIDE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def unavailable(reason: str) -> NoReturn:
    """Skip for want of ``reason``; in CI (``CI`` set), fail: a CI run checks the site."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set: a check that cannot run fails)", pytrace=False)
    pytest.skip(reason)


def site_paths(keep: Callable[[Path], bool] = lambda page: True) -> list[str]:
    """The site's pages (those ``keep`` accepts) relative to the site, for parametrizing
    per-page tests; without a built site, one placeholder whose test asks for the site."""
    if not BUILT:
        return [NO_SITE]
    return [p.relative_to(HTML).as_posix() for p in site_pages() if keep(p)]


def site_pages() -> list[Path]:
    """The site's own pages (not Sphinx's generated index and search pages)."""
    skip = {"genindex.html", "search.html", "py-modindex.html"}
    return sorted(
        p
        for p in HTML.rglob("*.html")
        if p.name not in skip and "_static" not in p.parts and "_sources" not in p.parts
    )


@pytest.fixture(scope="session")
def html_dir() -> Path:
    if not BUILT:
        unavailable(f"no built site in {HTML}: run `nox -s docs` first")
    return HTML


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        del format, args


@pytest.fixture(scope="session")
def base_url(html_dir: Path) -> Iterator[str]:
    """The built site over HTTP on a free localhost port (the theme's scripts need HTTP)."""
    handler = functools.partial(_QuietHandler, directory=str(html_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    try:
        from playwright.sync_api import sync_playwright  # noqa: PLC0415 - the browser group
    except ImportError:
        unavailable("playwright is not installed: `nox -s browser` installs it")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
