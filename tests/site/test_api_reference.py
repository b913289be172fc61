"""Every public name of jaxguide is documented in the built API reference."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from sphinx.util.inventory import InventoryFile

import jaxguide


def public_names() -> set[str]:
    """``module.name`` for each name in the ``__all__`` of every public jaxguide module."""
    names = set()
    for info in pkgutil.walk_packages(jaxguide.__path__, "jaxguide."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        module = importlib.import_module(info.name)
        for name in getattr(module, "__all__", ()):
            if not name.startswith("_") and not isinstance(getattr(module, name), type(jaxguide)):
                names.add(f"{info.name}.{name}")
    return names


def test_every_public_name_is_documented(html_dir: Path) -> None:
    with (html_dir / "objects.inv").open("rb") as f:
        inventory = InventoryFile.load(f, "", lambda base, uri: uri)
    documented = {
        name for kind, objects in inventory.items() if kind.startswith("py:") for name in objects
    }
    expected = public_names()
    assert len(expected) > 20
    missing = sorted(expected - documented)
    assert not missing, f"public names missing from the API reference: {missing}"
