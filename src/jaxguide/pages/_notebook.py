"""Page plumbing that degrades to plain output outside a MyST-NB build."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from jaxguide.results import STORED_RESULTS, Results, load_stored

__all__ = ["glue", "glue_figures", "stored_folder", "stored_results"]


def glue(name: str, value: object, *, display: bool = False) -> None:
    """Glue ``value`` under ``name`` for the page's prose, or print ``name = value``.

    With MyST-NB installed (a docs build) this is MyST-NB's ``glue``, and the page writes
    ``{glue:text}`name``` where the figure belongs. Without it (a downloaded notebook in a
    plain Jupyter) the figure is printed, so a reader still sees every number the page quotes.
    ``display`` is MyST-NB's: show the value in the cell's output as well.
    """
    try:
        from myst_nb import glue as myst_glue  # noqa: PLC0415 - only a docs build has it
    except ImportError:
        print(f"{name} = {_shown(value)}")  # noqa: T201 - the reader's copy of the figure
        return
    myst_glue(name, value, display=display)


def glue_figures(figures: Mapping[str, object]) -> None:
    """Glue every figure a page quotes, each under its name; a mapping's figures are glued
    under ``<name>_<figure>`` (so ``{"loop": {"min": 2.0}}`` glues ``loop_min``).

    This is what a page's hidden cell does: one call, one mapping of named figures, each
    computed where it is shown or by the claim that states it.
    """
    for name, value in _flatten(figures).items():
        glue(name, value)


def _flatten(figures: Mapping[str, object], prefix: str = "") -> dict[str, object]:
    """Nested figures under one flat name each.

    >>> _flatten({"n": 3, "loop": {"min": 2.0, "at": {"batch": 8}}})
    {'n': 3, 'loop_min': 2.0, 'loop_at_batch': 8}
    """
    flat: dict[str, object] = {}
    for name, value in figures.items():
        if isinstance(value, Mapping):
            flat |= _flatten(value, prefix=f"{prefix}{name}_")
        else:
            flat[prefix + name] = value
    return flat


def _shown(value: object) -> str:
    """``value`` as a reader should see it: floats to four significant digits.

    >>> _shown(12.3456789), _shown(0.000123456), _shown(3), _shown("1 → 8")
    ('12.35', '0.0001235', '3', '1 → 8')
    """
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def stored_folder(start: Path | None = None) -> Path:
    """The site's folder of stored results (:data:`~jaxguide.results.STORED_RESULTS`), found
    from ``start`` (by default the current folder, a page's own when it runs) or a folder above
    it; where there is none (a downloaded notebook), the path it would have under ``start``.

    >>> stored_folder(Path("/")).as_posix()
    '/docs/results/data'
    """
    start = (start or Path.cwd()).resolve()
    relative = PurePosixPath(STORED_RESULTS)
    for folder in (start, *start.parents):
        if (folder / relative).is_dir():
            return folder / relative
    return start / relative


def stored_results(suite: str, folder: Path | None = None) -> list[Results]:
    """The stored results of ``suite`` (see :func:`~jaxguide.results.load_stored`), from
    ``folder``, by default :func:`stored_folder`'s.

    The site keeps results measured elsewhere (a GPU runner) in its source, under
    :data:`~jaxguide.results.STORED_RESULTS`. A downloaded notebook runs away from that
    folder: then there are none to compare with, and this prints why and returns an empty
    list, so the page's tables show this machine's run alone.
    """
    folder = stored_folder() if folder is None else folder
    if not folder.is_dir():
        print(  # noqa: T201 - the notebook says why its tables have one column
            f"no stored {suite} results here: {folder} is not a folder; the site keeps them "
            f"in its source ({STORED_RESULTS}), so only this run is shown"
        )
        return []
    return load_stored(folder, suite)
