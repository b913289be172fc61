"""No measured-looking number is typed into a page's prose: numbers with units are glued.

A number with a unit of time, memory, bandwidth, a percentage or a ratio in prose is either
inserted by the build (a ``{glue:text}`` role) or marked as not a measurement, with the
reason, in a ``{given}`` role. Code, math and directive options are not prose.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from markdown_blocks import DOCS, pages, typed_numbers


def typed_in(paths: list[Path]) -> list[str]:
    """``file:line: number`` for each number typed into the prose of ``paths``."""
    return [
        f"{path.relative_to(path.parents[1])}:{line}: {number}"
        for path in paths
        for line, number in typed_numbers(path)
    ]


def test_no_number_is_typed_into_prose() -> None:
    typed = typed_in(pages())
    assert not typed, (
        "numbers typed into prose: glue them from the measurement or the code constant, or "
        "mark one that is not a measurement with {given}`number <why>`:\n" + "\n".join(typed)
    )


def test_a_crafted_page_with_typed_numbers_is_reported(tmp_path: Path) -> None:
    page = tmp_path / "docs" / "crafted.md"
    page.parent.mkdir()
    page.write_text("# Results\n\njit made it 6× (35 µs against\n2.3 ms) faster.\n")
    assert typed_in([page]) == [
        "docs/crafted.md:3: 6×",
        "docs/crafted.md:3: 35 µs",
        "docs/crafted.md:4: 2.3 ms",
    ]


def _typed(text: str) -> list[tuple[int, str]]:
    return typed_numbers(DOCS / "crafted.md", textwrap.dedent(text))


def test_a_typed_number_is_caught_with_its_line() -> None:
    assert _typed("""
        # Results

        jit made it 6× (35 µs against
        2.3 ms) faster.
        """) == [(4, "6×"), (4, "35 µs"), (5, "2.3 ms")]


@pytest.mark.parametrize(
    "prose",
    [
        "It took 12 ns.",
        "It took 1.5s.",
        "It took 3 s per call.",
        "A 64 MiB budget.",
        "16 KiB of temporaries.",
        "2 GiB peak.",
        "a 900 kB page",
        "1,024 MB",
        "at 12.5 GB/s",
        "a 40% cut",
        "3 x faster than the loop",
        "2.5x slower",
        "| batch | time |\n|---|---|\n| 1000 | 35 µs |",
        "- a list item: 4×",
        "## A heading, 10× faster",
        "[a link at 5 ms](https://example.org)",
        "![a chart of 3 ms](c.svg)",
        ":::{note} Up to 3× faster\nbody\n:::",
        "::::{tab-set}\n:::{tab-item} A\nIt took 4 ms.\n:::\n::::",
        "```{not-run} it needs 16 GB of GPU memory\nx = 1\n```",
    ],
)
def test_each_unit_and_place_is_caught(prose: str) -> None:
    assert len(_typed(prose)) == 1, prose


@pytest.mark.parametrize(
    "text",
    [
        "Glued: {glue:text}`speedup:.1f`× faster, {glue:text}`t` ms.",
        "Given: {given}`64 MiB <the budget this example chose>`.",
        "Inline code: `time.sleep(0.5)  # 500 ms`.",
        "A shape: a 128 × 128 matrix, 8 devices, batch 1000, version 3.11.",
        "Math: $2 \\times 3\\%$.",
        "```python\nx = 35  # µs\n```",
        "Prose.\n\n    indented 35 ms",
        "```{code-cell} ipython3\nprint('35 ms')\n```",
        "```{snippet}\n---\noutput: |\n  first call 3 ms\n---\nprint('3 ms')\n```",
        "<!-- 35 ms, a comment -->",
        "```{figure} c.svg\n:alt: a chart of 3 ms\n```",
        "the 3.11 series, items 1, 2, x",
    ],
)
def test_what_is_not_typed_prose_passes(text: str) -> None:
    assert _typed(text) == [], text
