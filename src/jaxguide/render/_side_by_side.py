"""This build's results beside stored ones from other hardware, in one table per benchmark."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from jaxguide.render._caption import caption
from jaxguide.render._comparison import comparison_grids
from jaxguide.render._tables import Table, format_seconds
from jaxguide.results import STORED_RESULTS, Record, Results, Scalar, differences

__all__ = ["CodeColumns", "SideBySide", "code_columns", "records_table", "side_by_side"]

HOW_TO_PRODUCE = f"""\
```console
$ JAXGUIDE_JAX_EXTRA=cuda12 nox -s bench -- run all --profile full --backend gpu \\
      --out {STORED_RESULTS}/
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
    """This build's results and each stored file's in one table per benchmark, with ratios.

    Each table has a row per variant and a column per parameter value; each cell stacks every
    hardware's figure (this build first), each other's with its ratio to this build and a 95%
    interval (:func:`comparison_grids`); below, collapsed, every
    file's raw records and provenance caption. A backend in ``expect`` with no stored results
    is named, with how to produce them: nothing is estimated, and nothing from another backend
    is relabelled.

    >>> from jaxguide.results import EXAMPLE_ENVIRONMENT, Method
    >>> now = Results(suite="s", suite_version=1, profile="quick",
    ...               environment=EXAMPLE_ENVIRONMENT, method=Method(warmups=1, repeats=5,
    ...               min_loop_s=0.02))
    >>> text = side_by_side(now).markdown
    >>> "this build" in text and "No gpu results yet" in text
    True
    """
    labels = [f"{current.environment.hardware}, this build"]
    labels += [f"{r.environment.hardware}, {r.environment.date[:10]}" for r in stored]
    parts = [t._repr_markdown_() for t in comparison_grids(current, stored, labels)]
    have = {current.environment.backend, *(r.environment.backend for r in stored)}
    for backend in expect:
        if backend not in have:
            parts.append(
                f"No {backend} results yet for suite `{current.suite}`: a {backend} column "
                f"appears once a results file measured on a {backend} is stored in "
                f"`{STORED_RESULTS}/`. Nothing is estimated or relabelled from another backend. "
                f"To produce one on a machine with an NVIDIA GPU:\n\n{HOW_TO_PRODUCE}"
            )
    for label, results in zip(labels, (current, *stored), strict=True):
        flags = "".join(
            f"\n\n**Not directly comparable**: {note}." for note in differences(results, current)
        )
        parts.append(
            f":::{{dropdown}} Raw records: {label}{flags}\n\n{records_table(results)}\n\n"
            f"{caption(results)._repr_html_()}\n\n:::\n"
        )
    return SideBySide("\n\n".join(parts) + "\n")


@dataclass(frozen=True)
class CodeColumns:
    """Texts side by side, as HTML (what :func:`code_columns` returns)."""

    html: str

    def _repr_html_(self) -> str:
        return self.html


def code_columns(texts: Mapping[str, object]) -> CodeColumns:
    """Texts (jaxprs, HLO) side by side, each under its name, in monospace; a long line
    scrolls within its column.

    >>> code_columns({"a": "x <y>", "b": 1})._repr_html_().count("<pre>")
    2
    """
    columns = "".join(
        f"<div><strong>{html.escape(name)}</strong><pre>{html.escape(_ANSI.sub('', str(text)))}"
        "</pre></div>"
        for name, text in texts.items()
    )
    return CodeColumns(f'<div class="jg-side-by-side">{columns}</div>')
