"""This build's results beside stored ones from other hardware, one tab per backend."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from jaxguide.bench._caption import caption
from jaxguide.bench._report import Table, format_seconds
from jaxguide.results import Record, Results, Scalar, differences

__all__ = ["SideBySide", "records_table", "side_by_side"]

HOW_TO_PRODUCE = """\
```console
$ JAXGUIDE_JAX_EXTRA=cuda12 nox -s bench -- run all --profile full --backend gpu \\
      --out docs/results/data/
```
"""


def _measured(record: Record) -> str:
    if record.status != "ok":
        return f"**{record.status}**: {record.message}"
    parts = []
    if record.timing is not None:
        t = record.timing
        parts.append(f"{format_seconds(t.median_s)} ± {format_seconds(t.iqr_s)} (IQR)")
        if t.recompiled:
            parts.append("recompiled")
    if record.memory is not None:
        parts.append(f"temp {record.memory.temp_bytes:,} B")
    parts.extend(_value(k, v) for k, v in record.values.items())
    return "; ".join(parts) or "ok"


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _value(key: str, value: Scalar) -> str:
    """One value for a table cell: a text of several lines (a jaxpr) would break the table's
    row, so the cell says how long it is; terminal colour codes are dropped."""
    if isinstance(value, float):
        return f"{key} {value:.3g}"
    text = _ANSI.sub("", str(value))
    if "\n" in text:
        return f"{key}: {len(text.splitlines())} lines of text, in the results file"
    return f"{key} {text}"


def records_table(results: Results) -> str:
    """Every record of ``results`` as a Markdown table."""
    rows = tuple(
        (
            record.benchmark,
            record.variant,
            ", ".join(f"{k}={v}" for k, v in record.params.items()) or "–",
            _measured(record),
        )
        for record in results.records
    )
    return Table("", ("benchmark", "variant", "parameters", "measured"), rows)._repr_markdown_()


@dataclass(frozen=True)
class SideBySide:
    """Markdown (MyST) that a page renders as tabs; shown as its text elsewhere."""

    markdown: str

    def _repr_markdown_(self) -> str:
        return self.markdown

    def __repr__(self) -> str:
        return self.markdown


def side_by_side(
    current: Results,
    stored: Sequence[Results] = (),
    expect: Sequence[str] = ("gpu",),
) -> SideBySide:
    """Tabs: this build's results first, then each stored file, each with its caption.

    A backend in ``expect`` with no stored results gets a tab that says so plainly and shows
    how to produce them: nothing is estimated, and nothing from another backend is relabelled.

    >>> from jaxguide.bench import DEFAULT_METHOD, describe_environment
    >>> now = Results(suite="s", suite_version=1, profile="quick",
    ...               environment=describe_environment(), method=DEFAULT_METHOD)
    >>> text = side_by_side(now).markdown
    >>> "this build" in text and "No gpu results yet" in text
    True
    """
    tabs = [_tab(f"{current.environment.hardware} — this build", current, [])]
    for other in stored:
        env = other.environment
        label = f"{env.hardware} — stored {env.date[:10]}, commit {env.commit}"
        tabs.append(_tab(label, other, differences(other, current)))
    have = {current.environment.backend, *(r.environment.backend for r in stored)}
    for backend in expect:
        if backend not in have:
            tabs.append(
                f":::{{tab-item}} {backend}\n"
                f"No {backend} results yet for suite `{current.suite}`. Nothing is estimated "
                f"or relabelled from another backend: a {backend} tab appears once a results "
                f"file measured on a {backend} is stored in `docs/results/data/`. To produce "
                f"one on a machine with an NVIDIA GPU:\n\n{HOW_TO_PRODUCE}:::\n"
            )
    return SideBySide("::::{tab-set}\n" + "\n".join(tabs) + "::::\n")


def _tab(label: str, results: Results, notes: list[str]) -> str:
    flag = "".join(f"\n\n**Not directly comparable**: {note}." for note in notes)
    html = caption(results)._repr_html_()
    return f":::{{tab-item}} {label}{flag}\n\n{records_table(results)}\n\n{html}\n\n:::\n"
