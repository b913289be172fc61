"""The built site in headless Chromium, as a reader meets it.

Each page loads with no console errors and no failed requests, its images load and have alt
text, and a screenshot is kept (artifacts/screenshots). Copy buttons put runnable code on the
clipboard; the search finds the vmap page; the dark-mode toggle works; axe-core finds no
serious or critical accessibility violation beyond the listed exceptions.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from conftest import ARTIFACTS, site_paths, unavailable
from markdown_blocks import output_matches, run_snippet

PAGES = site_paths()

# axe rules with a known cause outside the site's own content; each says why.
AXE_EXCEPTIONS: dict[str, str] = {}


@pytest.fixture
def page(browser: Any, base_url: str) -> Any:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900},
        permissions=["clipboard-read", "clipboard-write"],
        base_url=base_url,
    )
    tab = context.new_page()
    yield tab
    context.close()


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_cleanly(page: Any, path: str) -> None:
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("requestfailed", lambda req: errors.append(f"failed request: {req.url}"))
    response = page.goto(f"/{path}", wait_until="networkidle")
    assert response is not None
    assert response.ok
    images = page.eval_on_selector_all(
        "article img",
        "els => els.map(e => ({src: e.src, alt: e.getAttribute('alt'), ok: e.complete && e.naturalWidth > 0}))",
    )
    for image in images:
        assert image["ok"], f"image did not load: {image['src']}"
        assert image["alt"], f"image without alt text: {image['src']}"
    shots = ARTIFACTS / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / (path.replace("/", "__") + ".png")), full_page=True)
    assert not errors, errors


@pytest.mark.parametrize("path", PAGES)
def test_no_serious_accessibility_violations(page: Any, path: str) -> None:
    try:
        from axe_playwright_python.sync_playwright import Axe  # noqa: PLC0415 - browser group
    except ImportError:
        unavailable("axe-playwright-python is not installed: `nox -s browser` installs it")
    axe = Axe()
    page.goto(f"/{path}", wait_until="networkidle")
    results = axe.run(page)
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} — {len(v['nodes'])} node(s), e.g. "
        f"{v['nodes'][0]['target']}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical") and v["id"] not in AXE_EXCEPTIONS
    ]
    assert not serious, "\n".join(serious)


@pytest.mark.parametrize("path", site_paths(lambda p: 'class="jg-snippet' in p.read_text()))
def test_copy_buttons_copy_runnable_code(page: Any, path: str, tmp_path: Path) -> None:
    page.goto(f"/{path}", wait_until="networkidle")
    blocks = page.locator("div.jg-snippet")
    assert blocks.count() > 0
    for i in range(blocks.count()):
        block = blocks.nth(i)
        block.hover()
        block.locator("button.copybtn").click()
        code = page.evaluate("navigator.clipboard.readText()")
        assert code.strip(), f"snippet {i} of {path}: nothing copied"
        expected = page.evaluate(
            "el => { const n = el.nextElementSibling;"
            " return n && n.classList.contains('jg-snippet-output') ? n.innerText : null; }",
            block.element_handle(),
        )
        classes = block.get_attribute("class") or ""
        processes = re.search(r"jg-snippet-processes-(\d+)", classes)
        result = run_snippet(code, tmp_path, int(processes.group(1)) if processes else 1)
        assert result.returncode == 0, f"snippet {i} of {path} failed as copied:\n{result.stderr}"
        if expected is not None:
            assert output_matches(expected, result.stdout), f"snippet {i} of {path}"


def test_search_finds_the_vmap_page(page: Any) -> None:
    page.goto("/search.html?q=vmap", wait_until="networkidle")
    page.wait_for_selector("#search-results li", timeout=15_000)
    hits = page.eval_on_selector_all("#search-results li a", "els => els.map(e => e.href)")
    assert any("transforms/vmap.html" in h for h in hits), hits


def test_dark_mode_toggle(page: Any) -> None:
    page.goto("/index.html", wait_until="networkidle")
    for mode in ("dark", "light"):
        page.locator("button.theme-switch-button:visible").first.click()
        page.locator(f'.theme-change-button[data-mode="{mode}"]:visible').first.click()
        assert page.evaluate("document.documentElement.dataset.theme") == mode
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    page.locator("button.theme-switch-button:visible").first.click()
    page.locator('.theme-change-button[data-mode="dark"]:visible').first.click()
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") != background
