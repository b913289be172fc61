"""Inline code naming a JAX API links to JAX's docs (jaxguide_site.jaxlinks), on a tiny site
built with the site's real configuration: its committed JAX inventory, nitpicky, -W."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sphinx.util.inventory import InventoryFile

from jax_inventory import BASE_URL, INVENTORY
from tiny_site import build, index, make_site

PROSE = """# Names

Transform with ``jax.vmap`` and `jax.lax.scan`; pick with `jnp.where`, loop with `lax.scan`;
count with `jax.device_count()`; shard with `jax.sharding.NamedSharding`.

Roles name them too: {func}`~jax.grad`, {class}`jax.sharding.Mesh`.

Left as written: `jax.not_a_jax_function`, `np.where`, `jax.jit(f)`, `x.at[0].set(1)`,
`jnp`, and [a link around `jax.grad`](https://example.org/).

## About `jax.jit`
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BeautifulSoup:
    site = make_site(tmp_path_factory.mktemp("jaxlinks"))
    (site / "names.md").write_text(PROSE)
    index(site, "names")
    result = build(site)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # nitpicky and -W: not one warning
    return BeautifulSoup((site / "_build" / "names.html").read_text(), "html.parser")


def links(soup: BeautifulSoup) -> dict[str, str]:
    """Each linked inline literal's text, and where it links."""
    return {
        a.get_text(): str(a["href"])
        for a in soup.select("a")
        if a.code and a.get_text() == a.code.get_text()
    }


def url(name: str) -> str:
    data = InventoryFile.loads(INVENTORY.read_bytes(), uri=BASE_URL).data
    return next(items[name].uri for items in data.values() if name in items)


def test_names_in_jax_inventory_link_to_its_docs(built: BeautifulSoup) -> None:
    assert links(built.select_one("section")) == {
        "jax.vmap": url("jax.vmap"),
        "jax.lax.scan": url("jax.lax.scan"),
        "jnp.where": url("jax.numpy.where"),
        "lax.scan": url("jax.lax.scan"),
        "jax.device_count()": url("jax.device_count"),
        "jax.sharding.NamedSharding": url("jax.sharding.NamedSharding"),
        "grad()": url("jax.grad"),
        "jax.sharding.Mesh": url("jax.sharding.Mesh"),
    }
    assert links(built.select_one("section"))["jnp.where"] == (
        "https://docs.jax.dev/en/latest/_autosummary/jax.numpy.where.html#jax.numpy.where"
    )


def test_everything_else_stays_as_written(built: BeautifulSoup) -> None:
    section = built.select_one("section")
    plain = [c.get_text() for c in section.select("code") if c.find_parent("a") is None]
    assert plain == [
        "jax.not_a_jax_function",
        "np.where",
        "jax.jit(f)",
        "x.at[0].set(1)",
        "jnp",
        "jax.jit",
    ]
    (outer,) = [a for a in section.select("a") if "jax.grad" in a.get_text()]
    assert outer["href"] == "https://example.org/"  # the page's own link, not JAX's
