"""Every internal link and anchor of the built site resolves, and nothing a page loads comes
from another host (the site works offline: MathJax, fonts and scripts are served with it)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from bs4 import BeautifulSoup
from sphinx.util.inventory import InventoryFile

from conftest import HTML, site_pages
from jax_inventory import BASE_URL, INVENTORY


def _ids(page: Path, cache: dict[Path, set[str]]) -> set[str]:
    if page not in cache:
        soup = BeautifulSoup(page.read_text(), "html.parser")
        cache[page] = {str(tag["id"]) for tag in soup.find_all(id=True)} | {
            str(tag["name"]) for tag in soup.find_all("a", attrs={"name": True})
        }
    return cache[page]


def test_internal_links_and_anchors_resolve(html_dir: Path) -> None:
    broken: list[str] = []
    ids: dict[Path, set[str]] = {}
    checked = 0
    for page in site_pages():
        soup = BeautifulSoup(page.read_text(), "html.parser")
        for tag in soup.find_all(["a", "img", "link", "script"]):
            url = tag.get("href") or tag.get("src")
            if not url or not isinstance(url, str):
                continue
            parts = urlsplit(url)
            if parts.scheme or parts.netloc or url.startswith(("mailto:", "data:", "javascript:")):
                continue
            path, fragment = unquote(parts.path), parts.fragment
            target = (page.parent / path).resolve() if path else page
            if target.is_dir():
                target = target / "index.html"
            checked += 1
            where = f"{page.relative_to(HTML)} -> {url}"
            if not target.exists():
                broken.append(f"{where}: no such file")
            elif fragment and target.suffix == ".html" and fragment not in _ids(target, ids):
                broken.append(f"{where}: no anchor #{fragment}")
    assert checked > 0
    assert not broken, "\n".join(broken)


def test_pages_load_nothing_from_another_host(html_dir: Path) -> None:
    external: list[str] = []
    for page in site_pages():
        soup = BeautifulSoup(page.read_text(), "html.parser")
        for tag in soup.find_all(["script", "link", "img", "iframe", "source"]):
            if tag.name == "link" and not {"stylesheet", "preload", "icon", "modulepreload"} & set(
                tag.get("rel") or []
            ):
                continue
            url = str(tag.get("src") or tag.get("href") or "")
            if urlsplit(url).netloc:
                external.append(f"{page.relative_to(HTML)}: <{tag.name}> {url}")
    assert not external, "\n".join(external)


def test_links_to_jax_docs_are_pages_its_inventory_names(html_dir: Path) -> None:
    """Inline code naming a JAX API links to JAX's docs (jaxguide_site.jaxlinks), and only to
    a page the committed inventory names (docs/_ext/jax_inventory.py)."""
    data = InventoryFile.loads(INVENTORY.read_bytes(), uri=BASE_URL).data
    known = {item.uri for items in data.values() for item in items.values()}
    linked: dict[str, set[str]] = {}
    for page in site_pages():
        soup = BeautifulSoup(page.read_text(), "html.parser")
        for a in soup.find_all("a", href=True):
            if str(a["href"]).startswith("https://docs.jax.dev/"):
                linked.setdefault(str(a["href"]), set()).add(page.relative_to(HTML).as_posix())
    assert sorted(set(linked) - known) == []
    assert "transforms/jit.html" in linked[f"{BASE_URL}_autosummary/jax.jit.html#jax.jit"]
    assert (
        "transforms/control-flow.html"
        in linked[f"{BASE_URL}_autosummary/jax.lax.scan.html#jax.lax.scan"]
    )
