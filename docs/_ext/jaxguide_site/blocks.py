"""Prose and code that are not cells: the ``{given}`` role, ``snippet`` and ``not-run``.

- ``{given}`64 MiB <why>```: a number no measurement produced, with its reason.
- ``snippet``: code offered for copying that a test runs on its own.
- ``not-run``: code deliberately not run, with its reason on the page (and the names it takes
  from the cells above, if any).
"""

from __future__ import annotations

from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective, SphinxRole
from sphinx.util.nodes import split_explicit_title


def assumed_names(argument: str | None) -> tuple[str, ...]:
    """A ``not-run`` block's ``:assumes:`` option: Python names, separated by spaces or commas."""
    names = tuple((argument or "").replace(",", " ").split())
    bad = [n for n in names if not n.isidentifier()]
    if not names or bad:
        raise ValueError(f"expected Python names, separated by spaces or commas: {argument!r}")
    return names


class GivenRole(SphinxRole):
    """``{given}`64 MiB <why>```: a number with a unit that no measurement produced (a chosen
    budget, a claim's threshold), shown as plain text; the reason stays in the source.

    The test that fails on numbers typed into prose skips these; the reason is required.
    """

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        has_reason, text, reason = split_explicit_title(self.text)
        if not has_reason or not reason.strip():
            msg = self.inliner.reporter.error(
                f"{{given}}`{self.text}` says no reason: write {{given}}`{text} <why it is "
                "not measured>`",
                line=self.lineno,
            )
            return [], [msg]
        return [nodes.inline(text, text, classes=["jg-given"])], []


class SnippetDirective(SphinxDirective):
    """Code offered for copying, run on its own in a fresh interpreter by the tests.

    An ``output`` option shows what the snippet prints; the tests compare it with what the
    snippet really prints when run as copied. A ``processes`` option (``2``) makes it a
    program for several processes, each started with its process id as first argument: the
    tests run that many at once (the class ``jg-snippet-processes-2`` tells the browser
    checks), and compare their outputs, in process order, with ``output``.
    """

    has_content = True
    option_spec: ClassVar[dict[str, Any]] = {
        "name": directives.unchanged,
        "output": directives.unchanged,
        "processes": directives.positive_int,
    }

    def run(self) -> list[nodes.Node]:
        code = "\n".join(self.content)
        classes = ["jg-snippet"]
        if self.options.get("processes", 1) > 1:
            classes.append(f"jg-snippet-processes-{self.options['processes']}")
        block = nodes.literal_block(code, code, language="python", classes=classes)
        self.set_source_info(block)
        if "name" in self.options:
            block["ids"].append(nodes.make_id(f"snippet-{self.options['name']}"))
        if "output" not in self.options:
            return [block]
        output = self.options["output"].rstrip("\n")
        shown = nodes.literal_block(output, output, language="text", classes=["jg-snippet-output"])
        return [block, shown]


class NotRunDirective(SphinxDirective):
    """Code this build does not run, with the reason shown on the page.

    The tests still check the block statically (syntax, undefined and unused names), so a copy
    never misses an import. A block that continues the page's cells names what it takes from
    them with ``:assumes: name other``; the page says so under the reason, and the tests check
    that each name is one the block uses and one the page's executed cells above define.
    """

    has_content = True
    required_arguments = 1
    final_argument_whitespace = True
    option_spec: ClassVar[dict[str, Any]] = {"assumes": assumed_names}

    def run(self) -> list[nodes.Node]:
        code = "\n".join(self.content)
        said = f"Not run by this build: {self.arguments[0]}"
        assumes = self.options.get("assumes", ())
        if assumes:
            said += f". It uses {', '.join(assumes)} from the cells above"
        reason = nodes.paragraph("", said, classes=["jg-not-run-reason"])
        block = nodes.literal_block(code, code, language="python", classes=["jg-not-run"])
        self.set_source_info(block)
        return [reason, block]


def setup(app: Sphinx) -> None:
    app.add_role("given", GivenRole())
    app.add_directive("snippet", SnippetDirective)
    app.add_directive("not-run", NotRunDirective)
