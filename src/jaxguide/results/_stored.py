"""Results measured elsewhere (a GPU runner, a reader's machine), stored beside the docs."""

from __future__ import annotations

from pathlib import Path

from jaxguide.results._schema import Results, load_results

__all__ = ["STORED_RESULTS", "differences", "load_stored"]

STORED_RESULTS = "docs/results/data"
"""Where the site keeps results measured elsewhere, relative to the project's root (a path
with ``/``): the pages, the site's configuration and the tables that name it all read this."""


def load_stored(folder: Path, suite: str | None = None) -> list[Results]:
    """Every results file in ``folder`` (of ``suite``, if named), sorted by backend then date.

    A file that cannot be read raises :class:`~jaxguide.results.ResultsError` naming it: a
    bad file fails the build rather than leaving a table silently empty.

    >>> import tempfile
    >>> load_stored(Path(tempfile.mkdtemp()))
    []
    """
    found = [load_results(path) for path in sorted(folder.glob("*.json"))]
    chosen = [r for r in found if suite in (None, r.suite)]
    return sorted(chosen, key=lambda r: (r.environment.backend, r.environment.date))


def differences(stored: Results, current: Results) -> list[str]:
    """What makes ``stored`` not directly comparable with ``current`` results.

    >>> from jaxguide.results import EXAMPLE_ENVIRONMENT, Method
    >>> now = Results(suite="s", suite_version=2, profile="quick",
    ...               environment=EXAMPLE_ENVIRONMENT,
    ...               method=Method(warmups=1, repeats=5, min_loop_s=0.01))
    >>> old = now.model_copy(update={"suite_version": 1, "profile": "full"})
    >>> differences(old, now)
    ['suite s v1, this build runs v2', 'profile full, this build runs quick']
    """
    notes = []
    if stored.suite_version != current.suite_version:
        notes.append(
            f"suite {stored.suite} v{stored.suite_version}, "
            f"this build runs v{current.suite_version}"
        )
    if stored.environment.jax_version != current.environment.jax_version:
        notes.append(
            f"jax {stored.environment.jax_version}, this build runs "
            f"{current.environment.jax_version}"
        )
    if stored.profile != current.profile:
        notes.append(f"profile {stored.profile}, this build runs {current.profile}")
    if stored.environment.xla_flags != current.environment.xla_flags:
        notes.append(
            f"XLA flags {stored.environment.xla_flags or 'none'!r}, this build runs "
            f"{current.environment.xla_flags or 'none'!r}"
        )
    return notes
