"""The code blocks of the site's pages, found with MyST's own parser, and the kind of each.

Pages are parsed as the build parses them: markdown-it-py with MyST's plugins (myst_parser's
``create_md_parser``, configured with the extensions ``docs/conf.py`` enables), directive
options read by myst_parser, ``{eval-rst}`` content by docutils. Directives whose content is
Markdown (tab sets, admonitions, ...) are looked inside. Each block that could be Python gets
one of :data:`KINDS`, or ``None`` with the reason it is not verified.
"""

from __future__ import annotations

import ast
import contextlib
import doctest
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from fnmatch import fnmatch
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from docutils.core import publish_doctree
from docutils.parsers.rst import Directive, directives
from docutils.utils import SystemMessagePropagation
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from myst_nb.core.read import is_myst_markdown_notebook
from myst_parser.config.main import MdParserConfig
from myst_parser.parsers.directives import (
    DirectiveParsingResult,
    MarkupError,
    parse_directive_text,
)
from myst_parser.parsers.mdit import create_md_parser
from pyflakes import messages as flakes
from pyflakes.checker import Checker
from pygments.lexers import get_lexer_by_name, get_lexer_for_filename
from pygments.util import ClassNotFound
from sphinx.config import Config
from sphinx.directives.code import CodeBlock, LiteralInclude, LiteralIncludeReader

from jaxguide_site import NotRunDirective, SnippetDirective

ROOT = Path(__file__).parents[1]
DOCS = ROOT / "docs"
SRC = ROOT / "src"

KINDS = ("executed", "doctest", "snippet", "not-run", "literalinclude")
"""The verified kinds; a block is one of these, ``"other"`` (not Python) or ``None``."""

# Pygments lexers (by name) that highlight Python source or a Python session.
PYTHON_LEXERS = {
    "Python",
    "Python 2.x",
    "Python console session",
    "IPython",
    "IPython console session",
}
CODE_DIRECTIVES = {"code-block", "code", "sourcecode"}
# Directives whose content is not Markdown: not looked inside.
NOT_MARKDOWN = {"raw", "math", "toctree", "csv-table", "glue:math"}


@dataclass(frozen=True)
class Block:
    """One code block: where it is, what it holds, and which kind it is."""

    path: Path
    line: int
    directive: str | None  # None: a plain fence, indented code or an RST literal block
    argument: str  # the directive's argument, or a plain fence's info string
    code: str
    options: dict[str, Any] = field(default_factory=dict)
    kind: str | None = None
    why: str = ""  # for kind None: why the block is not verified

    @property
    def info(self) -> str:
        return f"{{{self.directive}}} {self.argument}".strip() if self.directive else self.argument

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.info or '(no language)'}: {self.why}"


@dataclass(frozen=True)
class _Context:
    path: Path
    notebook: bool  # MyST-NB executes this page's top-level code cells
    nested: bool  # inside another directive


def blocks(path: Path, text: str | None = None) -> list[Block]:
    """The code blocks of the page at ``path`` (its ``text``, by default read from there)."""
    return list(_blocks(path, path.read_text() if text is None else text))


@cache  # several test modules read each page's blocks, most while collecting: parse each once
def _blocks(path: Path, text: str) -> tuple[Block, ...]:
    where = path.relative_to(DOCS).as_posix() if path.is_relative_to(DOCS) else path.name
    excluded = any(fnmatch(where, p) for p in _conf("nb_execution_excludepatterns", ()))
    notebook = is_myst_markdown_notebook(text) and not excluded
    found = list(_markdown(text, 0, _Context(path, notebook, nested=False)))
    return tuple(_with_assumptions_checked(found))


def pages() -> list[Path]:
    return sorted(p for p in DOCS.rglob("*.md") if "_build" not in p.parts)


# --- Markdown ---------------------------------------------------------------------------
@cache
def _conf(name: str, default: Any) -> Any:
    """A literal setting of docs/conf.py, read without executing it."""
    for node in ast.parse((DOCS / "conf.py").read_text()).body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == name for t in targets) and node.value:
                return ast.literal_eval(node.value)
    return default


@cache
def _parser() -> Any:
    config = MdParserConfig(enable_extensions=set(_conf("myst_enable_extensions", ())))
    return create_md_parser(config, RendererHTML)


class _AnyDirective(Directive):
    """Stands for a directive whose own class is not needed: one argument, YAML options."""

    optional_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec: ClassVar[dict[str, Any]] = {"any": directives.unchanged}


_CLASSES: dict[str, type[Directive]] = {
    **dict.fromkeys(CODE_DIRECTIVES, CodeBlock),
    "literalinclude": LiteralInclude,
    "snippet": SnippetDirective,
    "not-run": NotRunDirective,
}


@dataclass(frozen=True)
class _Found:
    """A block-level token of a page, with its line; a directive's name and parsed text."""

    token: Token
    line: int
    nested: bool
    directive: str | None = None
    parsed: DirectiveParsingResult | None = None
    error: str = ""  # the directive's text does not parse

    @property
    def body(self) -> tuple[str, int]:
        """The directive's content, and the page line before its first line."""
        assert self.parsed is not None
        return "\n".join(self.parsed.body), self.line + self.parsed.body_offset


def _walk(text: str, offset: int, nested: bool = False) -> Iterator[_Found]:
    """The tokens of Markdown ``text`` (whose first line is page line ``offset + 1``) and, in
    order, of the Markdown inside its directives (tab sets, admonitions, ...)."""
    for token in _parser().parse(text):
        if not token.map:
            continue
        line = offset + token.map[0] + 1
        # MyST reads a directive from the first word of a fence's info string: {name}
        first, _, rest = token.info.strip().partition(" ")
        if token.type not in ("fence", "colon_fence") or not (
            first.startswith("{") and first.endswith("}")
        ):
            yield _Found(token, line, nested)
            continue
        name = first[1:-1]
        cls = _CLASSES.get(name, _AnyDirective)
        try:
            parsed = parse_directive_text(
                cls,
                rest.strip(),
                token.content,
                line=line,
                validate_options=cls is not _AnyDirective,
            )
        except MarkupError as exc:
            yield _Found(token, line, nested, name, error=str(exc))
            continue
        found = _Found(token, line, nested, name, parsed)
        yield found
        if cls is _AnyDirective and name not in NOT_MARKDOWN | {"code-cell", "eval-rst"}:
            yield from _walk(*found.body, nested=True)


def _markdown(text: str, offset: int, context: _Context) -> Iterator[Block]:
    """The code blocks of Markdown ``text`` whose first line is line ``offset + 1``."""
    for found in _walk(text, offset):
        token, line = found.token, found.line
        here = _nested(context) if found.nested else context
        if token.type == "code_block":  # indented code: highlighted as the default, Python
            yield _classify(here, line, None, "", token.content, {})
        elif found.error:
            yield Block(context.path, line, found.directive, "", token.content, why=found.error)
        elif found.directive == "eval-rst":
            yield from _rst(*found.body, here)
        elif found.directive in _CLASSES or found.directive == "code-cell":
            assert found.parsed is not None
            argument = " ".join(found.parsed.arguments)
            body, _ = found.body
            options, warnings = found.parsed.options, found.parsed.warnings
            yield _classify(here, line, found.directive, argument, body, options, warnings)
        elif token.type in ("fence", "colon_fence") and found.directive is None:
            yield _classify(here, line, None, token.info.strip(), token.content, {})


def _nested(context: _Context) -> _Context:
    return _Context(context.path, context.notebook, nested=True)


# --- reStructuredText ({eval-rst}) --------------------------------------------------------
class _found(nodes.Element):
    """A code directive met in reStructuredText, kept for classification."""


def _recorder(name: str, cls: type[Directive]) -> type[Directive]:
    def run(self: Directive) -> list[nodes.Node]:
        return [
            _found(
                name=name,
                argument=" ".join(self.arguments),
                options=dict(self.options),
                code="\n".join(self.content),
                line=self.lineno,
            )
        ]

    attrs = ("required_arguments", "optional_arguments", "final_argument_whitespace")
    spec = {a: getattr(cls, a) for a in attrs}
    return type(
        f"Record{cls.__name__}",
        (Directive,),
        {**spec, "has_content": True, "option_spec": cls.option_spec, "run": run},
    )


class _RstContainer(Directive):
    """Any other directive: its content is parsed as reStructuredText and looked inside."""

    optional_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec: ClassVar[dict[str, Any]] = defaultdict(
        lambda: directives.unchanged, {"any": directives.unchanged}
    )

    def run(self) -> list[nodes.Node]:
        container = nodes.container()
        self.state.nested_parse(self.content, self.content_offset, container)
        return [container]


@contextmanager
def _rst_directives() -> Iterator[None]:
    """Resolve directive names as :func:`_rst` needs (Sphinx swaps this function the same way)."""
    recorders = {name: _recorder(name, cls) for name, cls in _CLASSES.items()}
    recorders["code-cell"] = _recorder("code-cell", _AnyDirective)
    original: Callable[..., Any] = directives.directive

    def lookup(name: str, language: Any, document: Any) -> tuple[type[Directive], list[Any]]:
        del language, document
        return recorders.get(name, _RstContainer), []

    directives.directive = lookup
    try:
        yield
    finally:
        directives.directive = original


def _rst(text: str, offset: int, context: _Context) -> Iterator[Block]:
    """The code blocks of reStructuredText ``text`` (from line ``offset + 1`` of the page)."""
    settings = {"report_level": 5, "halt_level": 5, "file_insertion_enabled": False}
    with _rst_directives():
        try:
            doctree = publish_doctree(text, settings_overrides=settings)
        except SystemMessagePropagation as exc:  # pragma: no cover - halt_level 5 never halts
            yield Block(context.path, offset + 1, "eval-rst", "", text, why=str(exc))
            return
    nested = _nested(context)
    for node in doctree.findall(
        lambda n: isinstance(n, _found | nodes.literal_block | nodes.doctest_block)
    ):
        line = offset + (node.get("line") or node.line or _parent_line(node))
        if isinstance(node, _found):
            yield _classify(
                nested, line, node["name"], node["argument"], node["code"], node["options"]
            )
        else:  # '::' literal block (highlighted as Python by default) or a >>> block
            yield _classify(nested, line, None, "", node.astext(), {})


def _parent_line(node: nodes.Node) -> int:
    while node.parent is not None and node.line is None:
        node = node.parent
    return node.line or 1


# --- classification -------------------------------------------------------------------
def python_language(language: str) -> bool | None:
    """Whether Sphinx highlights ``language`` as Python; None when it could be (unknown)."""
    if language in ("", "default"):  # Sphinx's default highlighting is Python's
        return None
    if language == "none":
        return False
    try:
        return get_lexer_by_name(language).name in PYTHON_LEXERS
    except ClassNotFound:
        return None


def _classify(
    context: _Context,
    line: int,
    directive: str | None,
    argument: str,
    code: str,
    options: dict[str, Any],
    warnings: list[Any] | None = None,
) -> Block:
    kind, why = _kind(context, directive, argument, code, options)
    if warnings and kind is not None:
        kind, why = None, f"its directive does not parse: {warnings[0].msg}"
    return Block(context.path, line, directive, argument, code, options, kind, why)


def _kind(
    context: _Context, directive: str | None, argument: str, code: str, options: dict[str, Any]
) -> tuple[str | None, str]:
    if directive == "code-cell":
        tags = options.get("tags") or []
        if not context.notebook:
            return None, "a code-cell on a page MyST-NB does not execute (no jupytext front matter)"
        if context.nested:
            return None, "a code-cell inside another directive: MyST-NB runs top-level cells only"
        if "skip-execution" in tags:
            return None, "tagged skip-execution, so not run: use {not-run} with the reason"
        return "executed", ""
    if directive == "snippet":
        return "snippet", ""
    if directive == "not-run":
        if not argument.strip():
            return None, "{not-run} without a reason"
        problems = static_problems(code, options.get("assumes", ()))
        if problems:
            return None, "{not-run} block that would fail as copied: " + "; ".join(problems)
        return "not-run", ""
    if directive == "literalinclude":
        return _included(context.path, argument, options)
    language = argument.split(maxsplit=1)[0] if argument.strip() else ""
    python = python_language(language)
    if python is False:
        return "other", ""
    if _is_doctest(code):
        return "doctest", ""
    if python is None:
        said = f"language {language!r} unknown to Pygments" if language else "no language"
        return None, f"{said}: it could be Python, unverified"
    return None, "Python that nothing runs: make it a code-cell, doctest, snippet or not-run"


# --- static checks of code that is shown but not run ----------------------------------------
# What pyflakes reports that a copy would trip over, or that the block shows for nothing.
_FLAGGED = (
    flakes.UndefinedName,
    flakes.UndefinedLocal,
    flakes.UndefinedExport,
    flakes.UnusedImport,
    flakes.UnusedVariable,
    flakes.UnusedAnnotation,
    flakes.ImportStarUsed,
    flakes.RedefinedWhileUnused,
    flakes.ImportShadowedByLoopVar,
    flakes.DuplicateArgument,
    flakes.MultiValueRepeatedKeyLiteral,
    flakes.ReturnOutsideFunction,
    flakes.YieldOutsideFunction,
    flakes.ContinueOutsideLoop,
    flakes.BreakOutsideLoop,
    flakes.FStringMissingPlaceholders,
    flakes.StringDotFormatExtraNamedArguments,
    flakes.StringDotFormatMissingArgument,
    flakes.PercentFormatExtraNamedArguments,
    flakes.PercentFormatMissingArgument,
    flakes.IsLiteral,
)


def static_problems(code: str, assumes: tuple[str, ...] = ()) -> list[str]:
    """What is wrong with ``code`` as a reader would paste it into a fresh interpreter, read
    without running it: a syntax error, or pyflakes' undefined and unused names (ruff's F
    rules). ``assumes`` are names the block takes from the page's cells above; each must be
    one the block uses."""
    try:
        tree = ast.parse(code)
    except SyntaxError as exc:
        return [f"line {exc.lineno}: syntax error: {exc.msg}"]
    checker = Checker(tree, filename="<block>", builtins=set(assumes))
    problems = list(  # in line order, each once (a name used twice on a line is one problem)
        dict.fromkeys(
            f"line {m.lineno}: {m.message % m.message_args}"
            for m in sorted(checker.messages, key=lambda m: m.lineno)
            if isinstance(m, _FLAGGED)
        )
    )
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    problems += [f"assumes {name}, which it does not use" for name in assumes if name not in used]
    return problems


def defined_names(code: str) -> set[str]:
    """The names an executed cell binds at top level (IPython's ``%`` and ``!`` lines aside)."""
    lines = [ln for ln in code.splitlines() if not ln.lstrip().startswith(("%", "!"))]
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:
        return set()
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        else:  # assignments, for and with targets, walrus: every name stored at top level
            names |= {
                n.id
                for n in ast.walk(node)
                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
            }
    return names


def _with_assumptions_checked(found: list[Block]) -> list[Block]:
    """A not-run block's assumed names must be defined by the page's executed cells above it."""
    out: list[Block] = []
    defined: set[str] = set()
    for block in found:
        missing = [n for n in block.options.get("assumes", ()) if n not in defined]
        if block.kind == "not-run" and missing:
            why = f"{{not-run}} assumes {', '.join(missing)}, which no executed cell above defines"
            out.append(replace(block, kind=None, why=why))
            continue
        if block.kind == "executed":
            defined |= defined_names(block.code)
        out.append(block)
    return out


def _is_doctest(code: str) -> bool:
    first = next((ln.strip() for ln in code.splitlines() if ln.strip()), "")
    return first.startswith(">>>")


def _included(page: Path, argument: str, options: dict[str, Any]) -> tuple[str | None, str]:
    """A literalinclude shows verified code when it shows Python from src/ (tested there)."""
    docs = DOCS if page.is_relative_to(DOCS) else page.parent
    target = (docs / argument[1:] if argument.startswith("/") else page.parent / argument).resolve()
    if options.get("language"):
        python = python_language(options["language"])
    else:  # Sphinx highlights it as the default (Python) unless told otherwise; Pygments
        try:  # knows most languages by their files' names
            python = get_lexer_for_filename(target.name).name in PYTHON_LEXERS
        except ClassNotFound:
            python = None
    if python is False:
        return "other", ""
    if not target.is_file():
        return None, f"includes {argument}, which does not exist"
    if not target.is_relative_to(SRC.resolve()):
        return None, f"includes {argument}, outside src/ where no test covers it"
    try:
        LiteralIncludeReader(target, options, Config()).read()
    except (ValueError, OSError) as exc:
        return None, f"includes {argument}, which Sphinx cannot read as asked: {exc}"
    return "literalinclude", ""


# --- running snippets -------------------------------------------------------------------
_CHECKER = doctest.OutputChecker()


def output_matches(expected: str, printed: str) -> bool:
    """Whether a snippet printed its declared output: whitespace is free, ``...`` stands for
    anything (a timing, say), as in a doctest."""
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    return bool(printed.strip()) and _CHECKER.check_output(expected, printed, flags)


SNIPPET_TIMEOUT_S = 300
SNIPPET_ENV = {**os.environ, "JAX_NUM_CPU_DEVICES": "8"}
COORDINATOR = re.compile(r"127\.0\.0\.1:\d+")
# Gloo's connection messages ("[Gloo] Rank 0 is connected to 3 peer ranks. Expected number of
# connected peer ranks is : 3"), which the native collectives print to stdout in an order, and
# sometimes in pieces (the second sentence on a line of its own), that vary by run.
GLOO = re.compile(
    r"^\[Gloo\]|is connected to \d+ peer ranks|Expected number of connected peer ranks is : \d+"
)


def run_fresh(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``code`` as pasted into a fresh interpreter (8 simulated CPU devices, as the site)."""
    return subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=SNIPPET_TIMEOUT_S,
        env=SNIPPET_ENV,
    )


def run_snippet(code: str, cwd: Path, processes: int = 1) -> subprocess.CompletedProcess[str]:
    """Run a snippet as copied: in one fresh interpreter, or in ``processes`` at once.

    A snippet for several processes is started as ``python snippet.py <process id>`` in each,
    and names its coordinator ``127.0.0.1:<port>``: that port is replaced by a free one, so
    runs side by side do not collide. Their outputs are joined in process order, without
    gloo's ``[Gloo] ...`` connection messages, whose order varies from run to run. Every
    process is killed and reaped on the way out, after a time-out or a failure too.
    """
    if processes == 1:
        return run_fresh(code, cwd)
    code, found = COORDINATOR.subn(f"127.0.0.1:{_free_port()}", code)
    if found != 1:
        raise ValueError(f"a snippet for {processes} processes names 127.0.0.1:<port> once")
    children = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(process_id)],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=SNIPPET_ENV,
            start_new_session=True,  # its own process group, killed as one below
        )
        for process_id in range(processes)
    ]
    outputs: list[tuple[str, str]] = []
    deadline = time.monotonic() + SNIPPET_TIMEOUT_S
    try:
        for child in children:
            outputs.append(child.communicate(timeout=max(0.0, deadline - time.monotonic())))
    finally:
        for child in children:
            if child.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(child.pid, signal.SIGKILL)
            child.wait()
            for pipe in (child.stdout, child.stderr):
                if pipe is not None:
                    pipe.close()
    stdout = "".join(
        line
        for out, _ in outputs
        for line in out.splitlines(keepends=True)
        if not GLOO.search(line)
    )
    return subprocess.CompletedProcess(
        [sys.executable, "-c", code],
        next((c.returncode for c in children if c.returncode), 0),
        stdout,
        "".join(f"--- process {i}:\n{err}" for i, (_, err) in enumerate(outputs)),
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- numbers typed into prose -------------------------------------------------------------
TYPED_NUMBER = re.compile(
    r"""
    (?<![\w.,])\d[\d,]*(?:\.\d+)?  # a number
    \s?
    (?:
        [µμ]s | ms | ns | s | GB/s | MB/s | GiB | MiB | KiB | kB | MB | GB | %
      | ×(?!\s?\d)  # a ratio, 6×; not a shape, 128 × 128
      | x(?=\s(?:faster|slower))
    )
    (?![\w/])
    """,
    re.VERBOSE,
)
# Inline tokens that are not prose: code, roles (glue and {given} among them), math, HTML.
NOT_PROSE = {"code_inline", "myst_role", "math_inline", "html_inline", "substitution_inline"}


def typed_numbers(path: Path, text: str | None = None) -> list[tuple[int, str]]:
    """Numbers with a unit (``35 µs``, ``6×``, ``64 MiB``) typed into the prose of a page:
    ``(line, number)`` each. Code, math and roles are not prose: a glued number is a
    ``{glue:text}`` role, and a number that is not a measurement says why in a ``{given}``."""
    text = path.read_text() if text is None else text
    found = []
    for block in _walk(text, 0):
        if block.token.type == "inline":
            found += _prose_numbers(block.token.children or [], block.line)
        elif block.directive in _CLASSES.keys() - {"not-run"} or not block.parsed:
            continue
        elif block.directive not in NOT_MARKDOWN | {"code-cell", "eval-rst"}:
            argument = " ".join(block.parsed.arguments)  # a title, a tab's label, a reason
            found += [(block.line, m.group()) for m in TYPED_NUMBER.finditer(argument)]
    return found


def _prose_numbers(children: list[Token], line: int) -> list[tuple[int, str]]:
    found = []
    for child in children:
        if child.type in ("softbreak", "hardbreak"):
            line += 1
        elif child.type == "image":
            found += _prose_numbers(child.children or [], line)
        elif child.type not in NOT_PROSE:
            found += [(line, m.group()) for m in TYPED_NUMBER.finditer(child.content)]
    return found
