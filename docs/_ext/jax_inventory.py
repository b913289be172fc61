"""Write ``docs/_inventories/jax.inv``: an intersphinx inventory of JAX's API documentation.

The site links ``jax.*`` names to https://docs.jax.dev/en/latest/, but its build has no
internet, so it cannot download JAX's own ``objects.inv``. This script rebuilds one from JAX's
documentation *sources*: the reStructuredText pages under ``docs/`` of a checkout of
https://github.com/jax-ml/jax (read with ``git show``, no work tree needed), placed where JAX's
Sphinx build puts each object:

- a name listed under an ``autosummary`` directive with ``:toctree: DIR`` gets its own page,
  ``DIR/<full.name>.html#<full.name>`` (DIR relative to the listing page's folder; a module
  listed there has the anchor ``module-<full.name>``), the name resolved as autosummary does:
  the current module's prefix first, then the name as written;
- ``autoclass``, ``autofunction``, ``autoexception``, ``autodata``, ``automethod``,
  ``autoattribute`` and the plain ``data``/``function``/``class`` directives document the name
  on the page itself, ``<page>.html#<full.name>`` (a dotted name is absolute, as autodoc takes
  it; a bare one is in the current module);
- ``automodule``/``module`` give ``<page>.html#module-<name>``.

Members that ``:members:`` pulls in are left out (they would come from JAX's code at that
commit, not from the pages). Where two pages document a name, the API reference's top-level
page (``docs/*.rst``) wins, as the site would want the reference.

Only names that exist in the JAX installed here are written (each is imported and looked up;
one whose lookup warns of deprecation counts as absent), so no link leads to a page for an API
the pinned JAX lacks; the object's kind (function, class, ...) comes from the same lookup.

The committed inventory was generated from jax-ml/jax at :data:`JAX_COMMIT` (2026-08-08, the
docs served as "latest"), filtered by jax 0.10.2 (the version pyproject.toml pins)::

    .nox/docs/bin/python docs/_ext/jax_inventory.py /path/to/jax.git

(``fetch`` of github:jax-ml/jax gives such a git directory.) The output is the inventory format
Sphinx writes and reads (``sphinx.util.inventory.InventoryFile``): four header lines, then
zlib-compressed lines ``name domain:type priority uri display-name``.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import inspect
import re
import subprocess
import types
import warnings
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

JAX_COMMIT = "cec06d116c05f0d52adfceee3d3b730fdbcb0ce5"
"""The jax-ml/jax commit whose ``docs/`` the committed inventory was generated from."""

BASE_URL = "https://docs.jax.dev/en/latest/"
INVENTORY = Path(__file__).parents[1] / "_inventories" / "jax.inv"

_DIRECTIVE = re.compile(r"^(?P<indent>\s*)\.\.\s+(?:py:)?(?P<name>[a-z]+)::\s*(?P<arg>\S*)\s*$")
_OPTION = re.compile(r"^\s*:(?P<name>[a-z-]+):\s*(?P<value>.*)$")
_DOCUMENTERS = {
    "autoclass",
    "autofunction",
    "autoexception",
    "autodata",
    "automethod",
    "autoattribute",
    "data",
    "function",
    "class",
    "exception",
}
_MODULE_SETTERS = {"currentmodule", "module", "automodule"}


@dataclass(frozen=True)
class Documented:
    """A name as a JAX docs page documents it: where it lands, before any import check."""

    candidates: tuple[str, ...]  # full names to try in order (autosummary's prefixes)
    page: str  # the HTML page, relative to the docs root (no anchor)
    own_page: bool  # an autosummary page of its own (the anchor is then the resolved name)
    source: str  # the .rst file it came from


def documented(path: str, text: str) -> Iterator[Documented]:
    """Every API name the reStructuredText page at ``path`` (under ``docs/``) documents."""
    folder = PurePosixPath(path).parent
    page = str(PurePosixPath(path).with_suffix(".html"))
    module = ""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        m = _DIRECTIVE.match(lines[i])
        i += 1
        if not m:
            continue
        name, arg, indent = m["name"], m["arg"].split("(")[0], len(m["indent"])
        if name in _MODULE_SETTERS:
            module = "" if arg == "None" else arg
            if name != "currentmodule":
                yield Documented((arg,), page, False, path)
        elif name in _DOCUMENTERS and arg:
            if "." in arg and name not in {"automethod", "autoattribute"}:
                full = arg
            else:
                full = f"{module}.{arg}" if module else arg
            yield Documented((full,), page, False, path)
        elif name == "autosummary":
            toctree = None
            while i < len(lines) and (o := _OPTION.match(lines[i])):
                if o["name"] == "toctree":
                    toctree = o["value"].strip()
                i += 1
            while i < len(lines):
                line = lines[i]
                if line.strip() and len(line) - len(line.lstrip()) <= indent:
                    break
                i += 1
                entry = line.strip().lstrip("~")
                if not entry or entry.startswith(".."):
                    continue
                if toctree is None:
                    continue  # a table linking to where the name is documented elsewhere
                own = str(folder / toctree)
                prefixes = [module, ""] if module else [""]
                yield Documented(
                    tuple(f"{p}.{entry}" if p else entry for p in prefixes), own, True, path
                )


def lookup(full: str) -> tuple[object, object] | None:
    """``(parent, object)`` for ``full`` in the installed JAX, or None if it has no such name
    (or only a deprecated one)."""
    parts = full.split(".")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for split in range(len(parts), 0, -1):
            try:
                obj: object = importlib.import_module(".".join(parts[:split]))
            except Exception:  # noqa: BLE001, S112 - absent, or needs hardware this machine lacks
                continue
            parent: object = None
            try:
                for attr in parts[split:]:
                    parent, obj = obj, getattr(obj, attr)
            except Exception:  # noqa: BLE001 - an attribute that raises is absent to a reader
                return None
            break
        else:
            return None
    if any(issubclass(w.category, DeprecationWarning) for w in caught):
        return None
    return parent, obj


def kind(parent: object, attr: str, obj: object) -> str:
    """The Python domain's object type for ``obj``, found as ``attr`` on ``parent``."""
    if isinstance(obj, types.ModuleType):
        return "module"
    if inspect.isclass(obj):
        return "exception" if issubclass(obj, BaseException) else "class"
    if inspect.isclass(parent):
        static = inspect.getattr_static(parent, attr, None)
        if isinstance(static, (property, functools.cached_property)):
            return "property"
        if isinstance(static, (staticmethod, classmethod)) or callable(obj):
            return "method"
        return "attribute"
    return "function" if callable(obj) else "data"


def entries(pages: Iterable[tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """``{full name: (type, uri)}`` for what ``pages`` ((path, text) pairs) document and the
    installed JAX has; earlier pages win where two document a name."""
    found: dict[str, tuple[str, str]] = {}
    for path, text in pages:
        for doc in documented(path, text):
            for full in doc.candidates:
                hit = lookup(full)
                if hit is None:
                    continue
                if full in found:
                    break
                parent, obj = hit
                objtype = kind(parent, full.rpartition(".")[2], obj)
                anchor = f"module-{full}" if objtype == "module" else full
                page = f"{doc.page}/{full}.html" if doc.own_page else doc.page
                found[full] = (objtype, f"{page}#{anchor}")
                break
    return found


def inventory(found: dict[str, tuple[str, str]], *, project: str = "JAX") -> bytes:
    """The inventory file's bytes, in the format ``InventoryFile.loads`` reads."""
    body = "".join(
        f"{name} py:{objtype} {0 if objtype == 'module' else 1} "
        f"{uri.removesuffix(name) + '$' if uri.endswith('#' + name) else uri} -\n"
        for name, (objtype, uri) in sorted(found.items())
    )
    header = (
        f"# Sphinx inventory version 2\n# Project: {project}\n# Version: \n"
        "# The remainder of this file is compressed using zlib.\n"
    )
    return header.encode() + zlib.compress(body.encode(), 9)


def rst_pages(git_dir: Path, commit: str) -> list[tuple[str, str]]:
    """``(path under docs/, text)`` of every .rst page at ``commit``: the API reference's
    top-level pages first, then the rest, each group sorted."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", f"--git-dir={git_dir}", *args], check=True, capture_output=True, text=True
        ).stdout

    paths = [
        p.removeprefix("docs/")
        for p in git("ls-tree", "-r", "--name-only", commit, "docs/").splitlines()
        if p.endswith(".rst")
    ]
    paths.sort(key=lambda p: ("/" in p, p))
    return [(p, git("show", f"{commit}:docs/{p}")) for p in paths]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("git_dir", type=Path, help="a git directory of jax-ml/jax")
    parser.add_argument("--commit", default=JAX_COMMIT)
    parser.add_argument("--out", type=Path, default=INVENTORY)
    args = parser.parse_args()
    found = entries(rst_pages(args.git_dir, args.commit))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(inventory(found))
    print(f"{len(found)} names -> {args.out}")


if __name__ == "__main__":
    main()
