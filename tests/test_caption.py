"""Provenance captions carry every field, and the results file behind them."""

from __future__ import annotations

import base64
import re
from html import escape as html_escape

from jaxguide.bench import DEFAULT_METHOD, describe_environment
from jaxguide.render import caption
from jaxguide.results import Results


def test_caption_has_every_field_and_the_file() -> None:
    env = describe_environment().model_copy(
        update={"xla_flags": "--xla_flag=1", "commit": "c0ffee"}
    )
    results = Results(
        suite="s", suite_version=3, profile="full", environment=env, method=DEFAULT_METHOD
    )
    cap = caption(results)
    text = cap.text()
    for expected in (
        env.backend,
        env.device_kind,
        env.jax_version,
        env.jaxlib_version,
        "--xla_flag=1",
        env.cpu_model,
        f"{env.cpu_count} cores",
        "c0ffee",
        env.date,
        f"{DEFAULT_METHOD.warmups} warm-up",
        f"{DEFAULT_METHOD.repeats} repeats",
        "median",
        "suite s v3",
        "profile full",
    ):
        assert expected in text, expected
    html = cap._repr_html_()
    payload = re.search(r'href="data:application/json;base64,([^"]+)"', html)
    assert payload is not None
    assert Results.model_validate_json(base64.b64decode(payload.group(1))) == results
    assert 'download="s-cpu.json"' in html


def test_caption_is_one_line_that_opens_to_the_rest() -> None:
    """A page shows one line, with "cpu ×8" said in words; the fields and the file are behind
    it, in a <details> that opens without a script."""
    env = describe_environment().model_copy(
        update={"backend": "cpu", "device_kind": "cpu", "device_count": 8, "cpu_count": 2}
    )
    cap = caption(
        Results(suite="s", suite_version=1, profile="quick", environment=env, method=DEFAULT_METHOD)
    )
    assert "\n" not in cap.line
    assert cap.line.startswith("Measured on cpu ×8 (8 devices simulated on 2 cores)")
    assert f"jax {env.jax_version}, {env.date[:10]}" in cap.line
    html = cap._repr_html_()
    assert html.startswith('<details class="jg-provenance">')
    summary, _, rest = html.partition("</summary>")
    assert html_escape(cap.line) in summary
    assert "<dl>" not in summary
    assert "download=" not in summary
    assert "<dl>" in rest
    assert 'download="s-cpu.json"' in rest
    assert rest.endswith("</details>")
    device = dict(cap.fields)["Device"]
    assert device.startswith("cpu ×8: 8 devices simulated on one CPU")
    assert "the timings are not" in device

    one = caption(
        Results(
            suite="s",
            suite_version=1,
            profile="quick",
            environment=env.model_copy(update={"device_count": 1}),
            method=DEFAULT_METHOD,
        )
    )
    assert "simulated" not in one.line + dict(one.fields)["Device"]
