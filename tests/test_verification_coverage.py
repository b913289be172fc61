"""Every Python block on the site is executed, a doctest, a tested snippet or says why not."""

from __future__ import annotations

import textwrap
from collections import Counter
from pathlib import Path

import pytest

from markdown_blocks import Block, blocks, pages, run_snippet


def test_every_python_block_is_verified(capsys: pytest.CaptureFixture[str]) -> None:
    all_blocks = [b for page in pages() for b in blocks(page)]
    unclassified = [f"{b.path}:{b.line}: ```{b.info}" for b in all_blocks if b.kind is None]
    counts = Counter(b.kind for b in all_blocks if b.kind not in (None, "other"))
    with capsys.disabled():
        print(f"\nPython blocks on the site: {dict(sorted(counts.items()))}")
    assert counts["executed"] > 0
    assert not unclassified, "blocks that are none of the four kinds:\n" + "\n".join(unclassified)


def test_the_classifier_tells_the_kinds_apart(tmp_path: Path) -> None:
    page = tmp_path / "p.md"
    page.write_text(
        textwrap.dedent("""
        ```{code-cell} ipython3
        x = 1
        ```
        ::::{tab-set}
        ````{tab-item} A
        ```{snippet}
        print(1)
        ```
        ````
        ::::
        ```pycon
        >>> 1 + 1
        2
        ```
        ```{not-run} needs a GPU
        gpu()
        ```
        ```{not-run}
        no_reason()
        ```
        ```python
        unverified()
        ```
        ```console
        $ nox -s docs
        ```
    """)
    )
    kinds = [b.kind for b in blocks(page)]
    assert kinds == ["executed", "snippet", "doctest", "not-run", None, None, "other"]


SNIPPETS = [b for page in pages() for b in blocks(page) if b.kind == "snippet"]


@pytest.mark.parametrize(
    "snippet", SNIPPETS, ids=[f"{b.path.relative_to(b.path.parents[1])}:{b.line}" for b in SNIPPETS]
)
def test_snippet_runs_in_a_fresh_interpreter(snippet: Block, tmp_path: Path) -> None:
    result = run_snippet(snippet.code, tmp_path, int(snippet.options.get("processes", 1)))
    assert result.returncode == 0, result.stderr
    if "output" in snippet.options:
        assert result.stdout.split() == snippet.options["output"].split()
