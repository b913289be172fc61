"""A listing of the package's source says what it is: a ``literalinclude`` of a file under
``src/`` gets a caption naming the module, and for a public function or class, the import that
runs it. Without one, a reader takes the listing for a cell to copy and meets a ``NameError``
(the module's imports are not in it).

A listing that has its own ``:caption:`` keeps it.
"""

from __future__ import annotations

from pathlib import Path

from docutils.nodes import Node
from sphinx.application import Sphinx
from sphinx.directives.code import LiteralInclude


def listing_caption(file: Path, source_root: Path, pyobject: str | None) -> str | None:
    """The caption of a listing of ``file``, if it lies under ``source_root`` (``src/``).

    >>> root = Path("/repo/src")
    >>> listing_caption(root / "jaxguide/examples/jit.py", root, "init_mlp")
    'Source of `init_mlp`, from `jaxguide/examples/jit.py`: run it with `from jaxguide.examples.jit import init_mlp`'
    >>> listing_caption(root / "jaxguide/examples/jit.py", root, None)
    'From `jaxguide/examples/jit.py`, which the cells import: its imports are not shown'
    >>> listing_caption(root / "jaxguide/claims/_vectorize.py", root, "shared")
    'Source of `shared`, from `jaxguide/claims/_vectorize.py`'
    >>> listing_caption(Path("/repo/docs/x.py"), root, None) is None
    True
    """
    try:
        relative = file.resolve().relative_to(source_root.resolve())
    except ValueError:
        return None
    shown = f"`{relative.as_posix()}`"
    module = ".".join(relative.with_suffix("").parts)
    public = not any(part.startswith("_") for part in relative.with_suffix("").parts)
    if pyobject is None:
        return f"From {shown}, which the cells import: its imports are not shown"
    caption = f"Source of `{pyobject}`, from {shown}"
    if public and "." not in pyobject and not pyobject.startswith("_"):
        caption += f": run it with `from {module} import {pyobject}`"
    return caption


class SourceListing(LiteralInclude):
    """``literalinclude``, with :func:`listing_caption` as its caption unless it has one."""

    def run(self) -> list[Node]:
        if "caption" not in self.options:
            _, filename = self.env.relfn2path(self.arguments[0])
            source_root = Path(self.env.srcdir).parent / "src"
            caption = listing_caption(Path(filename), source_root, self.options.get("pyobject"))
            if caption is not None:
                self.options["caption"] = caption
        return super().run()


def setup(app: Sphinx) -> None:
    app.add_directive("literalinclude", SourceListing, override=True)
