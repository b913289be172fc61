"""Every Python block on the site is verified: executed, a doctest, a tested snippet, a
literalinclude of tested source, or a block that says why it is not run."""

from __future__ import annotations

import textwrap
from collections import Counter
from pathlib import Path

import pytest

from markdown_blocks import KINDS, Block, blocks, output_matches, pages, run_snippet

NOTEBOOK = """---
jupytext:
  text_representation:
    format_name: myst
kernelspec:
  name: python3
---
"""


def test_every_python_block_is_verified(capsys: pytest.CaptureFixture[str]) -> None:
    all_blocks = [b for page in pages() for b in blocks(page)]
    unverified = [str(b) for b in all_blocks if b.kind is None]
    counts = Counter(b.kind for b in all_blocks if b.kind in KINDS)
    with capsys.disabled():
        print(f"\nPython blocks on the site: {dict(sorted(counts.items()))}")
    assert counts["executed"] > 100
    assert counts["literalinclude"] > 0
    assert not unverified, "blocks that are none of the kinds:\n" + "\n".join(unverified)


def _page(text: str, *, notebook: bool = True, folder: str = "") -> list[Block]:
    """The blocks of ``text`` as a page in docs/``folder`` (nothing is written there)."""
    page = Path(__file__).parents[1] / "docs" / folder / "crafted.md"
    return blocks(page, (NOTEBOOK if notebook else "") + textwrap.dedent(text))


def test_the_classifier_tells_the_kinds_apart() -> None:
    found = _page(
        """
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
        print("on a GPU")
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
        ```{code-block} bash
        ls
        ```
        ```{code-cell} ipython3
        :tags: [raises-exception]
        1 / 0
        ```
        """,
    )
    assert [(b.line, b.kind) for b in found] == [
        (9, "executed"),
        (14, "snippet"),
        (19, "doctest"),
        (23, "not-run"),
        (26, None),
        (29, None),
        (32, "other"),
        (35, "other"),
        (38, "executed"),
    ]
    assert found[1].code == "print(1)"
    assert found[-1].options == {"tags": ["raises-exception"]}


# Each form the regex classifier of old missed or misfiled, as a page would write it.
MISSED = {
    "bare fence": "```\nunverified()\n```\n",
    "code-block without a language": "```{code-block}\nunverified()\n```\n",
    "sourcecode with its language as argument": "```{sourcecode} python\nunverified()\n```\n",
    "py3": "```py3\nunverified()\n```\n",
    "unknown language": "```pythn\nunverified()\n```\n",
    "colon fence": ":::{code-block} python\nunverified()\n:::\n",
    "colon fence without a directive": ":::\nunverified()\n:::\n",
    "eval-rst code-block": "```{eval-rst}\n.. code-block:: python\n\n   unverified()\n```\n",
    "eval-rst literal block": "```{eval-rst}\nRun this::\n\n   unverified()\n```\n",
    "eval-rst nested in a directive": (
        "```{eval-rst}\n.. note::\n\n   .. code:: py\n\n      unverified()\n```\n"
    ),
    "indented code": "Some prose.\n\n    unverified()\n",
    "indented code in a list": "- an item\n\n      unverified()\n",
    "literalinclude of a missing file": (
        "```{literalinclude} ../src/jaxguide/no_such_module.py\n```\n"
    ),
    "literalinclude from outside src/": "```{literalinclude} ../noxfile.py\n```\n",
    "literalinclude of a missing object": (
        "```{literalinclude} ../src/jaxguide/__init__.py\n:pyobject: no_such_function\n```\n"
    ),
    "code-cell tagged skip-execution": (
        "```{code-cell} ipython3\n:tags: [skip-execution]\nunverified()\n```\n"
    ),
    "code-cell nested in a directive": (
        "::::{note}\n```{code-cell} ipython3\nunverified()\n```\n::::\n"
    ),
    "snippet with an unknown option": "```{snippet}\n:outptu: 1\nprint(1)\n```\n",
}


@pytest.mark.parametrize("markup", MISSED.values(), ids=MISSED.keys())
def test_each_form_of_unverified_code_is_reported(markup: str) -> None:
    found = _page("\n" + markup)
    assert len(found) == 1, found
    assert found[0].kind is None, found[0]
    assert found[0].why
    assert found[0].line > len(NOTEBOOK.splitlines())


def test_code_cells_run_only_on_notebook_pages() -> None:
    (found,) = _page("```{code-cell} ipython3\nx = 1\n```\n", notebook=False)
    assert found.kind is None
    assert "does not execute" in found.why


def test_verified_forms_are_counted() -> None:
    forms = {
        "```{sourcecode} python\n>>> 1 + 1\n2\n```\n": "doctest",
        "```\n>>> 1 + 1\n2\n```\n": "doctest",
        "```{eval-rst}\n.. code-block:: python\n\n   >>> 1\n   1\n\n>>> 2\n2\n```\n": "doctest",
        "```{literalinclude} ../../src/jaxguide/__init__.py\n```\n": "literalinclude",
        "```{literalinclude} /../src/jaxguide/__init__.py\n:pyobject: __getattr__\n```\n": None,
        "```{code-block} toml\n[x]\n```\n": "other",
        "```{literalinclude} ../../pyproject.toml\n```\n": "other",
    }
    for markup, kind in forms.items():
        found = _page(markup, folder="transforms")
        assert found, markup
        assert [b.kind for b in found] == [kind] * len(found), markup
    real = blocks(Path(__file__).parents[1] / "docs" / "transforms" / "sharding.md")
    included = [b for b in real if b.kind == "literalinclude"]
    assert len(included) > 20  # tab sets are looked inside
    assert all(b.options.get("pyobject") or b.options.get("start-at") for b in included)


SNIPPETS = [b for page in pages() for b in blocks(page) if b.kind == "snippet"]


@pytest.mark.parametrize(
    "snippet", SNIPPETS, ids=[f"{b.path.relative_to(b.path.parents[1])}:{b.line}" for b in SNIPPETS]
)
def test_snippet_runs_in_a_fresh_interpreter(snippet: Block, tmp_path: Path) -> None:
    result = run_snippet(snippet.code, tmp_path, int(snippet.options.get("processes", 1)))
    assert result.returncode == 0, result.stderr
    # A snippet that prints says what: the page shows it, and it must be what a reader sees.
    assert "output" in snippet.options or not result.stdout.strip(), (
        f"the snippet prints, but declares no output option:\n{result.stdout}"
    )
    if "output" in snippet.options:
        assert output_matches(snippet.options["output"], result.stdout), result.stdout


@pytest.mark.parametrize(
    ("expected", "printed", "matches"),
    [
        ("5.0 14.0\n", "5.0  14.0\n", True),
        ("5.0 14.0\n", "5.0 14.1\n", False),
        ("first call ... ms; median ... ms\n", "first call 2.5 ms; median 2.225 ms\n", True),
        ("first call ... ms\n", "first call 2.5 s\n", False),
        ("[0 2 4]\n", "", False),
    ],
)
def test_output_comparison(expected: str, printed: str, matches: bool) -> None:
    assert output_matches(expected, printed) is matches


# Blocks shown but not run are read as a reader would paste them: a copy never misses an import.
NOT_RUN_FAULTS = {
    "an undefined name": ("import jax\n\nprint(os.environ['HOST'], jax.devices())", "os"),
    "an unused import": ("import os\nimport jax\n\nprint(jax.devices())", "'os' imported"),
    "an unused local": ("def f():\n    x = 1\n    return 2\n\n\nprint(f())", "'x'"),
    "a syntax error": ("print(1", "syntax error"),
    "a name used before it is imported": ("print(jax.devices())\nimport jax", "jax"),
}


@pytest.mark.parametrize(("code", "said"), NOT_RUN_FAULTS.values(), ids=NOT_RUN_FAULTS.keys())
def test_a_not_run_block_that_would_fail_as_copied_is_unverified(code: str, said: str) -> None:
    (found,) = _page(f"```{{not-run}} needs a GPU\n{code}\n```\n")
    assert found.kind is None
    assert "would fail as copied" in found.why
    assert said in found.why


def test_a_not_run_block_that_would_run_as_copied_is_verified() -> None:
    code = "import os\n\nimport jax\n\nos.environ['X'] = '1'\nprint(jax.devices())"
    (found,) = _page(f"```{{not-run}} needs a GPU\n{code}\n```\n")
    assert (found.kind, found.why) == ("not-run", "")


def test_a_not_run_block_may_assume_names_the_cells_above_define() -> None:
    page = """
        ```{code-cell} ipython3
        %matplotlib inline
        import jax.numpy as jnp
        from jaxguide.examples.jit import init_mlp as make

        params = make(0)
        for xs in [jnp.ones(3)]:
            pass
        ```
        ```{not-run} needs a GPU
        :assumes: params, xs jnp
        print(jnp.sum(xs), params)
        ```
        ```{not-run} needs a GPU
        :assumes: params ys
        print(params, ys)
        ```
        ```{not-run} needs a GPU
        :assumes: params xs
        print(params)
        ```
        ```{not-run} needs a GPU
        :assumes: make
        print(params)
        ```
        ```{code-cell} ipython3
        ys = 1
        ```
        """
    _, good, later, unused, undefined, _ys = _page(page)
    assert good.options["assumes"] == ("params", "xs", "jnp")
    assert (good.kind, good.why) == ("not-run", "")
    assert later.kind is None
    assert "assumes ys, which no executed cell above defines" in later.why
    assert unused.kind is None
    assert "assumes xs, which it does not use" in unused.why
    assert undefined.kind is None
    assert "undefined name 'params'" in undefined.why


def test_an_assumption_that_is_not_names_does_not_parse() -> None:
    (found,) = _page("```{not-run} needs a GPU\n:assumes: params[0]\nprint(1)\n```\n")
    assert found.kind is None
    assert "does not parse" in found.why
