"""Page plumbing that degrades to plain output outside a MyST-NB build."""

from __future__ import annotations

from pathlib import Path

from jaxguide.results import Results, load_stored

__all__ = ["glue", "stored_results"]


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


def _shown(value: object) -> str:
    """``value`` as a reader should see it: floats to four significant digits.

    >>> _shown(12.3456789), _shown(0.000123456), _shown(3), _shown("1 → 8")
    ('12.35', '0.0001235', '3', '1 → 8')
    """
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def stored_results(folder: Path, suite: str) -> list[Results]:
    """The stored results of ``suite`` in ``folder`` (see :func:`~jaxguide.results.load_stored`).

    The site keeps results measured elsewhere (a GPU runner) in its source, under
    ``docs/results/data``. A downloaded notebook runs away from that folder: then there are
    none to compare with, and this prints why and returns an empty list, so the page's tables
    show this machine's run alone.
    """
    if not folder.is_dir():
        print(  # noqa: T201 - the notebook says why its tables have one column
            f"no stored {suite} results here: {folder} is not a folder; the site keeps them "
            "in its source (docs/results/data), so only this run is shown"
        )
        return []
    return load_stored(folder, suite)
