"""Provenance captions: what every measured table and chart on the site carries beneath it."""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass

from jaxguide.results import CONFIDENCE, Environment, Load, Results

__all__ = ["Caption", "caption"]


@dataclass(frozen=True)
class Caption:
    """A caption built from a results file's own provenance; renders as HTML in a page: one
    line (where, on what, with which jax, when) that opens to every field and the file."""

    fields: tuple[tuple[str, str], ...]
    filename: str
    payload: str
    """The results file's text, offered for download from the caption."""
    line: str = ""
    """The caption in one line, e.g. ``"Measured on cpu ×8 (8 devices simulated on 2
    cores), jax 0.10.2, 2026-12-07"``: what a page shows before it is opened."""

    @property
    def busy(self) -> bool:
        """Whether the machine was busy while the results were measured."""
        return any(label == "Machine load" and v.startswith("BUSY") for label, v in self.fields)

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
        flag = ' <strong class="jg-provenance-flag">busy machine</strong>' if self.busy else ""
        summary = (  # the disclosure triangle says it opens; the title says to what
            '<summary title="Open: every field of the provenance, and the results file">'
            f'<span class="jg-provenance-line">{html.escape(self.line)}</span>{flag}</summary>'
        )
        classes = "jg-provenance jg-provenance-busy" if self.busy else "jg-provenance"
        return f'<details class="{classes}">{summary}<dl>{items}</dl><p>{link}</p></details>'

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

    A page shows one line of it, which opens to the rest and the file:

    >>> print(caption(r).line)
    Measured on cpu ×1 (one device, 2 cores), jax 0.10.2, 2026-01-01

    Results that say how busy the machine was show it, plainly when it was busy
    (:class:`~jaxguide.results.Load` says when that is):

    >>> from jaxguide.results import Load
    >>> busy = r.model_copy(update={"load": Load(cores=2, wall_s=10.0, load_before=3.6,
    ...                                           load_after=4.2, others_cpu_s=12.0)})
    >>> print(caption(busy).fields[-1][1])
    BUSY: other processes took 60% of the 2 cores' time; load average 3.6 before, 4.2 after. Timings may be slower than on a quiet machine.
    >>> caption(busy).busy
    True
    >>> "busy machine" in caption(busy)._repr_html_().partition("</summary>")[0]
    True
    """
    env, method = results.environment, results.method
    warmups = f"{method.warmups} warm-up{'s' if method.warmups != 1 else ''} discarded"
    fields: tuple[tuple[str, str], ...] = (
        ("Measured on", env.hardware),
        ("Device", _device_field(env)),
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
    if results.load is not None:
        fields += (("Machine load", _load_words(results.load)),)
    return Caption(
        fields=fields,
        filename=filename or f"{results.suite}-{env.backend}.json",
        payload=results.to_json(),
        line=(
            f"Measured on {env.device_kind} ×{env.device_count} ({_devices_words(env)}), "
            f"jax {env.jax_version}, {env.date[:10]}"
        ),
    )


def _devices_words(env: Environment) -> str:
    """What ``cpu ×8`` means, in a caption's one line.

    >>> from jaxguide.results import EXAMPLE_ENVIRONMENT as env
    >>> _devices_words(env.model_copy(update={"device_count": 8, "cpu_count": 2}))
    '8 devices simulated on 2 cores'
    >>> _devices_words(env.model_copy(update={"device_count": 1, "cpu_count": 2}))
    'one device, 2 cores'
    >>> _devices_words(env.model_copy(update={"backend": "gpu", "device_kind": "NVIDIA H100",
    ...                                        "device_count": 1}))
    'one NVIDIA H100'
    """
    if env.backend != "cpu":
        count = "one" if env.device_count == 1 else f"{env.device_count}"
        return f"{count} {env.device_kind}"
    if env.device_count == 1:
        return f"one device, {env.cpu_count} cores"
    return f"{env.device_count} devices simulated on {env.cpu_count} cores"


def _device_field(env: Environment) -> str:
    """The caption's ``Device`` field: kind and count, and for simulated CPU devices what that
    means for the timings (the pmap page's words)."""
    found = f"{env.device_kind} ×{env.device_count}"
    if env.backend == "cpu" and env.device_count > 1:
        found += (
            f": {env.device_count} devices simulated on one CPU (JAX_NUM_CPU_DEVICES), sharing "
            f"its {env.cpu_count} cores, so the results are those of {env.device_count} "
            "devices and the timings are not"
        )
    return found


def _load_words(load: Load) -> str:
    """How busy the machine was, in a caption's words: ``BUSY: ...`` and what that may mean,
    or ``quiet: ...``.

    >>> from jaxguide.results import Load
    >>> _load_words(Load(cores=2, wall_s=10.0, load_before=0.3, load_after=0.9, others_cpu_s=0.4))
    "quiet: other processes took 2% of the 2 cores' time; load average 0.3 before, 0.9 after"
    """
    state, _, said = load.summary().partition(": ")
    if load.busy:
        return f"BUSY: {said}. Timings may be slower than on a quiet machine."
    return f"{state}: {said}"
