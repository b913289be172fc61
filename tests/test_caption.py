"""Provenance captions carry every field, and the results file behind them."""

from __future__ import annotations

import base64
import re

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
