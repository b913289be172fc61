"""One look for every chart: the site's style file, and one colour per variant on every chart."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib.colors
import matplotlib.style
import pytest
from matplotlib.figure import Figure

from factories import fixture, results
from jaxguide.render import CHART_STYLE, VARIANT_COLORS, chart_svg, timing_chart, variant_style
from jaxguide.results import Record, Timing

# The variants the site's charts draw: the vmap speed chart, the memory charts, the vmap page.
CHARTED = {
    "vmap-speed": None,  # every timed variant
    "vmap-memory": "attention",
    "transforms-vmap": "vmap-jit",
}


def _charted_variants(suite: str, benchmark: str | None) -> set[str]:
    results = fixture(suite)
    return {
        r.variant
        for r in results.records
        if "batch" in r.params
        and (r.timing is not None or r.memory is not None)
        and benchmark in (None, r.benchmark)
    }


@pytest.mark.parametrize(("suite", "benchmark"), CHARTED.items())
def test_every_charted_variant_has_its_own_colour(suite: str, benchmark: str | None) -> None:
    variants = _charted_variants(suite, benchmark)
    assert len(variants) >= 2
    missing = sorted(variants - VARIANT_COLORS.keys())
    assert not missing, f"{suite}: variants drawn in the fallback grey: {missing}"


def test_no_two_variants_share_a_colour_or_a_marker() -> None:
    colours = [c.lower() for c in VARIANT_COLORS.values()]
    markers = [variant_style(v)["marker"] for v in VARIANT_COLORS]
    assert len(set(colours)) == len(colours)
    assert len(set(markers)) == len(markers)


def test_the_chart_draws_each_variant_in_its_colour_on_every_panel() -> None:
    results = fixture("vmap-speed")
    fig = timing_chart([results])
    for ax in fig.get_axes():
        assert ax.containers, ax.get_title()
        for bars in ax.containers:  # one errorbar container per variant, its line first
            variant, line = bars.get_label(), bars.lines[0]
            expected = matplotlib.colors.to_hex(VARIANT_COLORS[variant])
            assert matplotlib.colors.to_hex(line.get_color()) == expected, variant
            assert line.get_marker() == variant_style(variant)["marker"], variant


def test_the_chart_keeps_only_the_variants_asked_for_in_that_order() -> None:
    fig = timing_chart([fixture("vmap-speed")], ["add"], ("jit_vmap", "loop", "vmap"), title="t")
    (ax,) = fig.get_axes()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["jit_vmap", "loop", "vmap"]
    assert fig.get_suptitle() == "t"


def test_charts_are_transparent_with_text_that_reads_on_a_light_card() -> None:
    fig = timing_chart([fixture("vmap-speed")], ["add"])
    assert fig.get_facecolor()[3] == 0  # the page shows through
    (ax,) = fig.get_axes()
    assert ax.get_facecolor()[3] == 0
    # Dark grey text: at least 7:1 (WCAG AAA) on white, the light mode's page and the dark
    # mode's chart card alike.
    assert _contrast(ax.xaxis.label.get_color(), "#ffffff") >= 7
    assert _contrast(ax.title.get_color(), "#f6f7f8") >= 7
    svg = chart_svg(fig)
    # No opaque white rectangle behind the chart (matplotlib's default figure background).
    assert not re.search(r"fill:\s*#ffffff", svg)


def test_pyplot_charts_take_the_style_too() -> None:
    assert Path(CHART_STYLE).is_file()  # package data: hatchling ships it in the wheel
    with matplotlib.style.context(CHART_STYLE):
        fig = Figure()
        ax = fig.subplots()
    assert fig.get_facecolor()[3] == 0
    assert not ax.spines["top"].get_visible()


def _contrast(a: object, b: object) -> float:
    def luminance(colour: object) -> float:
        channels = []
        for c in matplotlib.colors.to_rgb(colour):  # type: ignore[arg-type]
            channels.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
        r, g, b = channels
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_error_bars_span_the_quartiles_never_below_zero() -> None:
    # Skewed samples: quartiles 1.1 and 5 around a median of 1.2; a symmetric ±IQR/2 would
    # reach below zero, which a log axis cannot show.
    skewed = Timing(first_call_s=1.0, samples_s=(1.0, 1.1, 1.2, 5.0, 9.0), loops=1)
    run = results(
        "vmap-speed", Record(benchmark="add", variant="vmap", params={"batch": 10}, timing=skewed)
    )
    (ax,) = timing_chart([run]).get_axes()
    (bars,) = ax.containers
    (segment,) = bars.lines[2][0].get_segments()
    assert [y for _, y in segment] == pytest.approx([1.1, 5.0])
