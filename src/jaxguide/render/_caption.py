"""Provenance captions: what every measured table and chart on the site carries beneath it."""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass

from jaxguide.results import CONFIDENCE, Results

__all__ = ["Caption", "caption"]


@dataclass(frozen=True)
class Caption:
    """A caption built from a results file's own provenance; renders as HTML in a page."""

    fields: tuple[tuple[str, str], ...]
    filename: str
    payload: str
    """The results file's text, offered for download from the caption."""

    def text(self) -> str:
        """The caption as plain text, one ``label: value`` per line."""
        return "\n".join(f"{label}: {value}" for label, value in self.fields)

    def _repr_html_(self) -> str:
        items = "".join(
            f"<dt>{html.escape(label)}</dt><dd>{html.escape(value)}</dd>"
            for label, value in self.fields
        )
        data = base64.b64encode(self.payload.encode()).decode()
        link = (
            f'<a download="{html.escape(self.filename)}" '
            f'href="data:application/json;base64,{data}">Download the results '
            f"({html.escape(self.filename)})</a>"
        )
        return f'<div class="jg-provenance"><dl>{items}</dl><p>{link}</p></div>'

    def __repr__(self) -> str:
        return self.text()


def caption(results: Results, filename: str | None = None) -> Caption:
    """The provenance caption for ``results``, with the file behind it downloadable.

    >>> from jaxguide.results import EXAMPLE_ENVIRONMENT, Method, Results
    >>> r = Results(suite="demo", suite_version=1, profile="quick",
    ...             environment=EXAMPLE_ENVIRONMENT, method=Method(warmups=1, repeats=5,
    ...             min_loop_s=0.02))
    >>> print(caption(r).text())  # doctest: +ELLIPSIS
    Measured on: cpu (...)
    Device: cpu ×...
    Software: jax ... / jaxlib ..., Python ...
    XLA flags: ...
    Build: commit ..., ...Z
    Method: suite demo v1, profile quick; first call timed apart; 1 warm-up discarded; 5 repeats of a loop of at least 0.02 s, interleaved across the variants compared; median and IQR; ratios with 95% bootstrap intervals
    """
    env, method = results.environment, results.method
    warmups = f"{method.warmups} warm-up{'s' if method.warmups != 1 else ''} discarded"
    fields = (
        ("Measured on", env.hardware),
        ("Device", f"{env.device_kind} ×{env.device_count}"),
        (
            "Software",
            f"jax {env.jax_version} / jaxlib {env.jaxlib_version}, Python {env.python_version}",
        ),
        ("XLA flags", env.xla_flags or "none"),
        ("Build", f"commit {env.commit}, {env.date}"),
        (
            "Method",
            (
                f"suite {results.suite} v{results.suite_version}, profile {results.profile}; "
                f"first call timed apart; {warmups}; {method.repeats} repeats of a loop of at "
                f"least {method.min_loop_s:g} s, interleaved across the variants compared; "
                f"{method.statistic} and IQR; ratios with {CONFIDENCE:.0%} bootstrap intervals"
            ),
        ),
    )
    return Caption(
        fields=fields,
        filename=filename or f"{results.suite}-{env.backend}.json",
        payload=results.to_json(),
    )
