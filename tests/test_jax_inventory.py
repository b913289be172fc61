"""The JAX inventory the site links ``jax.*`` names with (docs/_ext/jax_inventory.py)."""

from __future__ import annotations

import textwrap

import pytest
from sphinx.util.inventory import InventoryFile

from jax_inventory import BASE_URL, INVENTORY, Documented, documented, entries, inventory, lookup

PAGE = textwrap.dedent("""\
    ``jax.lax`` module
    ==================

    .. automodule:: jax.lax

    .. autosummary::
      :toctree: _autosummary

        scan
        cond
        not_a_function_jax_has

    A table that links to pages elsewhere documents nothing:

    .. autosummary::

        while_loop

    .. currentmodule:: jax.sharding

    .. autoclass:: NamedSharding
       :members:
    .. autofunction:: jax.debug.print
    """)


def test_each_directive_places_its_name_where_jax_docs_build_puts_it() -> None:
    docs = list(documented("jax.lax.rst", PAGE))
    assert docs == [
        Documented(("jax.lax",), "jax.lax.html", False, "jax.lax.rst"),
        Documented(("jax.lax.scan", "scan"), "_autosummary", True, "jax.lax.rst"),
        Documented(("jax.lax.cond", "cond"), "_autosummary", True, "jax.lax.rst"),
        Documented(
            ("jax.lax.not_a_function_jax_has", "not_a_function_jax_has"),
            "_autosummary",
            True,
            "jax.lax.rst",
        ),
        Documented(("jax.sharding.NamedSharding",), "jax.lax.html", False, "jax.lax.rst"),
        Documented(("jax.debug.print",), "jax.lax.html", False, "jax.lax.rst"),
    ]


def test_a_page_in_a_folder_keeps_its_autosummary_pages_there() -> None:
    text = ".. currentmodule:: jax\n\n.. autosummary::\n  :toctree: _autosummary\n\n    jit\n"
    (doc,) = documented("guide/api.rst", text)
    assert doc.page == "guide/_autosummary"
    assert entries([("guide/api.rst", text)]) == {
        "jax.jit": ("function", "guide/_autosummary/jax.jit.html#jax.jit")
    }


def test_only_names_the_installed_jax_has_are_written() -> None:
    found = entries([("jax.lax.rst", PAGE)])
    assert found == {
        "jax.lax": ("module", "jax.lax.html#module-jax.lax"),
        "jax.lax.scan": ("function", "_autosummary/jax.lax.scan.html#jax.lax.scan"),
        "jax.lax.cond": ("function", "_autosummary/jax.lax.cond.html#jax.lax.cond"),
        "jax.sharding.NamedSharding": ("class", "jax.lax.html#jax.sharding.NamedSharding"),
        "jax.debug.print": ("function", "jax.lax.html#jax.debug.print"),
    }


def test_the_first_page_to_document_a_name_wins() -> None:
    other = ".. currentmodule:: jax.lax\n\n.. autofunction:: scan\n"
    found = entries([("jax.lax.rst", PAGE), ("new/control.rst", other)])
    assert found["jax.lax.scan"][1] == "_autosummary/jax.lax.scan.html#jax.lax.scan"


def test_the_file_is_one_sphinx_reads() -> None:
    found = {"jax.jit": ("function", "_autosummary/jax.jit.html#jax.jit")}
    data = InventoryFile.loads(inventory(found), uri=BASE_URL).data
    assert data["py:function"]["jax.jit"].uri == f"{BASE_URL}_autosummary/jax.jit.html#jax.jit"


@pytest.fixture(scope="module")
def committed() -> dict[str, tuple[str, str]]:
    data = InventoryFile.loads(INVENTORY.read_bytes(), uri=BASE_URL).data
    return {
        name: (objtype, item.uri) for objtype, items in data.items() for name, item in items.items()
    }


def test_the_committed_inventory_has_what_the_pages_name(
    committed: dict[str, tuple[str, str]],
) -> None:
    for name in (
        "jax.jit",
        "jax.vmap",
        "jax.grad",
        "jax.lax.scan",
        "jax.numpy.where",
        "jax.shard_map",
    ):
        assert committed[name][1] == f"{BASE_URL}_autosummary/{name}.html#{name}"
    assert committed["jax.sharding.NamedSharding"] == (
        "py:class",
        f"{BASE_URL}jax.sharding.html#jax.sharding.NamedSharding",
    )
    assert committed["jax.numpy"] == ("py:module", f"{BASE_URL}jax.numpy.html#module-jax.numpy")


def test_every_committed_name_exists_in_the_pinned_jax(
    committed: dict[str, tuple[str, str]],
) -> None:
    """A JAX upgrade that drops a name fails here: regenerate the inventory (the docstring of
    docs/_ext/jax_inventory.py says how)."""
    assert len(committed) > 1000
    assert [name for name in committed if lookup(name) is None] == []
