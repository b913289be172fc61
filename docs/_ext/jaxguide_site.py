"""The site's own Sphinx extension.

- :func:`execution_cache_path`: MyST-NB's cache keys on cell source only; this folds what
  else the outputs depend on (:func:`fingerprint_parts`: the jaxguide source, the stored
  results, the versions of Python and of the libraries that compute or draw, the environment
  variables the kernels read, the backend) into the cache's folder, so a change to any of
  them re-executes the pages.
- ``{claim}`id``` role: the verdict a page glued with :func:`jaxguide.claims.verify`,
  shown beside its sentence, with an anchor the claims report links to.
- ``claims-report`` directive: every registered claim with its verdict per backend; the
  build also writes ``claims.json``.
- :func:`check_raising_cells`: a cell tagged ``raises-exception`` that raised nothing is a
  warning, so it fails the ``-W`` build.
- ``{given}`64 MiB <why>``` role: a number no measurement produced, with its reason.
- MathJax is served with the site (:func:`_serve_mathjax`): math renders without a network.
- ``snippet`` and ``not-run`` directives: code offered for copying that a test runs on its
  own, and code deliberately not run, with its reason on the page.
- :func:`encrypt_kernel_channels`: the kernels that execute the pages get CurveZMQ keys, so
  they do not warn about plain TCP at every page.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import subprocess
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from myst_nb.core.variables import RetrievalError
from myst_nb.ext.glue.utils import retrieve_glue_data
from myst_nb.sphinx_ import NbMetadataCollector
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective, SphinxRole
from sphinx.util.nodes import split_explicit_title

from jaxguide.claims import CLAIMS, MIME_TYPE, ClaimFailed, Verdict, check_strict, verdicts
from jaxguide.results import Results, ResultsError, load_results

logger = logging.getLogger(__name__)

SEED_PREFIX = "seed:"
"""How a claim's source names a seed text (``jaxguide.claims``' sources start so)."""


# --- execution cache --------------------------------------------------------------------
STORED_RESULTS = Path(__file__).parents[1] / "results" / "data"
# What a page's outputs depend on besides its cells and the jaxguide source:
FINGERPRINT_ENV = ("JAXGUIDE_PROFILE", "JAX_ENABLE_X64", "XLA_FLAGS")  # read by the kernels
FINGERPRINT_DISTRIBUTIONS = ("jax", "jaxlib", "numpy", "matplotlib", "myst-nb")


def _tree_digest(folder: Path) -> str:
    """A digest of every file's relative path and bytes under ``folder`` ("absent" if none)."""
    if not folder.is_dir():
        return "absent"
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(folder)).encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def fingerprint_parts(
    package: Path | None = None, results: Path | None = None
) -> list[tuple[str, str | None]]:
    """What page outputs depend on besides their cells' source, as ``(name, value)`` pairs.

    ``package`` is the jaxguide source folder (by default, the one imported); ``results``
    the stored results the pages read (by default, ``docs/results/data``).
    """
    import jax  # noqa: PLC0415 - imported only when the site is configured

    import jaxguide  # noqa: PLC0415

    return [
        ("jaxguide source", _tree_digest(package or Path(jaxguide.__file__).parent)),
        ("stored results", _tree_digest(results or STORED_RESULTS)),
        ("python", platform.python_version()),
        *((dist, version(dist)) for dist in FINGERPRINT_DISTRIBUTIONS),
        *((f"${name}", os.environ.get(name)) for name in FINGERPRINT_ENV),
        ("backend", jax.default_backend()),
        ("device kind", jax.devices()[0].device_kind),
        ("device count", str(jax.device_count())),
    ]


def execution_fingerprint(package: Path | None = None, results: Path | None = None) -> str:
    """A short digest of :func:`fingerprint_parts`, in order."""
    parts = json.dumps(fingerprint_parts(package, results)).encode()
    return hashlib.sha256(parts).hexdigest()[:16]


def execution_cache_path(
    root: Path, package: Path | None = None, results: Path | None = None
) -> Path:
    """The jupyter-cache folder for this fingerprint; caches of other fingerprints are removed."""
    path = root / execution_fingerprint(package, results)
    if root.is_dir():
        for stale in root.iterdir():
            if stale != path and stale.is_dir():
                shutil.rmtree(stale)
    return path


# --- claims -----------------------------------------------------------------------------
def _claims(env: BuildEnvironment) -> dict[str, dict[str, Any]]:
    if not hasattr(env, "jaxguide_claims"):
        env.jaxguide_claims = {}  # type: ignore[attr-defined]
    return env.jaxguide_claims  # type: ignore[attr-defined, no-any-return]


def _report_docs(env: BuildEnvironment) -> set[str]:
    if not hasattr(env, "jaxguide_report_docs"):
        env.jaxguide_report_docs = set()  # type: ignore[attr-defined]
    return env.jaxguide_report_docs  # type: ignore[attr-defined, no-any-return]


def verdict_node(verdict: Verdict, ids: list[str] | None = None) -> nodes.inline:
    """A verdict badge: icon and words, classed by status for the stylesheet."""
    node = nodes.inline("", "", classes=["jg-verdict", f"jg-{verdict.status}"], ids=ids or [])
    node += nodes.inline("", f"{verdict.icon} ", classes=["jg-verdict-icon"])
    node += nodes.Text(verdict.text)
    return node


class ClaimRole(SphinxRole):
    """``{claim}`id```: the glued verdict of claim ``id``, anchored as ``claim-<id>``."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        claim_id = self.text.strip()
        if claim_id not in CLAIMS:
            msg = self.inliner.reporter.error(f"unknown claim {claim_id!r}", line=self.lineno)
            return [], [msg]
        try:
            glued = retrieve_glue_data(self.inliner.document, f"claim:{claim_id}")
            verdict = Verdict.model_validate(glued.data[MIME_TYPE])
        except (RetrievalError, KeyError) as exc:
            msg = self.inliner.reporter.error(
                f"claim {claim_id!r} has no verdict on this page: call "
                f"jaxguide.claims.verify({claim_id!r}, results) in a cell ({exc})",
                line=self.lineno,
            )
            return [], [msg]
        seen = _claims(self.env)
        if claim_id in seen and seen[claim_id]["docname"] != self.env.docname:
            logger.warning(
                "claim %r is shown on %s already; a claim has one home page",
                claim_id,
                seen[claim_id]["docname"],
                location=(self.env.docname, self.lineno),
            )
        seen[claim_id] = {"docname": self.env.docname, "verdict": verdict.model_dump()}
        return [verdict_node(verdict, ids=[f"claim-{claim_id}"])], []


class claims_report(nodes.General, nodes.Element):
    """Placeholder replaced by the report once every page has been read."""


class ClaimsReportDirective(SphinxDirective):
    """Lists every registered claim with its verdict on each backend; ``:seed:`` lists only
    the seed texts' claims, compactly: each seed named once, then its claims and this build's
    verdicts."""

    option_spec: ClassVar[dict[str, Any]] = {"seed": directives.flag}

    def run(self) -> list[nodes.Node]:
        _report_docs(self.env).add(self.env.docname)
        return [claims_report(seed="seed" in self.options)]


_STORED: list[Results] = []


def _load_stored(app: Sphinx) -> None:
    """Read the stored results files once per build. A file that cannot be read, or on which
    a strict claim fails or is not measured, is rejected: the build fails, naming both."""
    _STORED.clear()
    for path in sorted((Path(app.confdir) / app.config.jaxguide_results_dir).glob("*.json")):
        try:
            results = load_results(path)
            for verdict in verdicts(results):
                check_strict(verdict, where=str(path))
        except (ResultsError, ClaimFailed) as exc:
            logger.error("rejected results file: %s", exc)
            continue
        _STORED.append(results)
    _STORED.sort(key=lambda r: (r.environment.backend, r.environment.date))


def claim_rows(app: Sphinx) -> list[dict[str, Any]]:
    """Every registered claim, where the site shows it, and its verdicts (this build first)."""
    seen = _claims(app.env)
    rows = []
    for claim in CLAIMS.values():
        home = seen.get(claim.id)
        this_build = (
            Verdict.model_validate(home["verdict"])
            if home
            else Verdict(claim=claim.id, kind=claim.kind, status="not-measured")
        )
        stored = [claim.evaluate(r) for r in _STORED if r.suite == claim.suite]
        rows.append(
            {
                "id": claim.id,
                "statement": claim.statement,
                "kind": claim.kind,
                "source": claim.source,
                "suite": claim.suite,
                "backends": list(claim.backends),
                "page": home["docname"] if home else None,
                "verdicts": [v.model_dump() for v in (this_build, *stored)],
            }
        )
    return rows


def _table(
    classes: list[str], headers: list[str], widths: list[int]
) -> tuple[nodes.table, nodes.tbody]:
    table = nodes.table(classes=[*classes, "colwidths-given"])
    group = nodes.tgroup(cols=len(headers))
    table += group
    for width in widths:
        group += nodes.colspec(colwidth=width)
    head = nodes.thead()
    group += head
    head += _row([nodes.paragraph(text=h) for h in headers])
    body = nodes.tbody()
    group += body
    return table, body


def _statement(app: Sphinx, fromdocname: str, row: dict[str, Any]) -> nodes.paragraph:
    """The claim's sentence and its id, linked to the verdict on the page that measures it."""
    statement = nodes.paragraph()
    statement += nodes.Text(row["statement"] + " ")
    if row["page"]:
        ref = nodes.reference(
            "",
            "",
            internal=True,
            refuri=app.builder.get_relative_uri(fromdocname, row["page"]) + f"#claim-{row['id']}",
        )
        ref += nodes.literal(text=row["id"])
        statement += ref
    else:
        statement += nodes.literal(text=row["id"])
    return statement


def _report_table(app: Sphinx, fromdocname: str) -> nodes.table:
    """Every claim: statement, kind, source, and its verdicts, this build's first."""
    headers = ["Claim", "Kind", "Source", "Verdicts (this build first, then stored results)"]
    table, body = _table(["jg-claims-report"], headers, [33, 13, 18, 36])
    for row in claim_rows(app):
        verdicts = nodes.paragraph()
        for i, verdict in enumerate(row["verdicts"]):
            if i:
                verdicts += nodes.Text(" ")
            verdicts += verdict_node(Verdict.model_validate(verdict))
        body += _row(
            [
                _statement(app, fromdocname, row),
                nodes.paragraph(text=row["kind"]),
                nodes.paragraph(text=row["source"]),
                verdicts,
            ]
        )
    return table


def _seed_tables(app: Sphinx, fromdocname: str) -> list[nodes.Node]:
    """The seed texts' claims in compact form: for each seed, named once above its table,
    each claim with this build's verdict."""
    by_source: dict[str, list[dict[str, Any]]] = {}
    for row in claim_rows(app):
        if row["source"].startswith(SEED_PREFIX):
            by_source.setdefault(row["source"], []).append(row)
    out: list[nodes.Node] = []
    for source, rows in by_source.items():
        name = source.removeprefix(SEED_PREFIX).strip()
        out.append(nodes.paragraph("", f"From the {name}:", classes=["jg-claims-source"]))
        table, body = _table(["jg-claims-seed"], ["Claim", "Verdict on this build"], [60, 40])
        for row in rows:
            verdict = nodes.paragraph()
            verdict += verdict_node(Verdict.model_validate(row["verdicts"][0]))
            body += _row([_statement(app, fromdocname, row), verdict])
        out.append(table)
    return out


def _row(cells: list[nodes.Node]) -> nodes.row:
    row = nodes.row()
    for cell in cells:
        entry = nodes.entry()
        entry += cell
        row += entry
    return row


def _resolve_reports(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    for node in list(doctree.findall(claims_report)):
        seed = node.get("seed", False)
        node.replace_self(_seed_tables(app, docname) if seed else _report_table(app, docname))
    for node in list(doctree.findall(execution_summary)):
        node.replace_self(_execution_summary(app))


# --- execution report --------------------------------------------------------------------
_BUILD_CLOCK: dict[str, float] = {}


class execution_summary(nodes.General, nodes.Element):
    """Placeholder for the build's execution totals, filled once every page has been read."""


class ExecutionSummaryDirective(SphinxDirective):
    """How many pages this build executed, their total execution time, and the read time."""

    def run(self) -> list[nodes.Node]:
        _report_docs(self.env).add(self.env.docname)
        return [execution_summary()]


def _execution_summary(app: Sphinx) -> nodes.paragraph:
    runs = [
        data["exec_data"]
        for data in NbMetadataCollector.get_doc_data(app.env).values()
        if data.get("exec_data")
    ]
    total = sum(run["runtime"] or 0.0 for run in runs)
    failed = sum(1 for run in runs if not run["succeeded"])
    text = (
        f"{len(runs)} pages executed, {failed} failed; their cells ran for {total:.1f} s in "
        f"total. Reading the sources of this build, executing what changed, took "
        f"{_BUILD_CLOCK.get('read_s', 0.0):.1f} s of wall time."
    )
    return nodes.paragraph(text, text, classes=["jg-execution-summary"])


def _start_clock(app: Sphinx) -> None:
    del app
    _BUILD_CLOCK["start"] = time.perf_counter()


def _stop_clock(app: Sphinx, env: BuildEnvironment) -> None:
    del app, env
    _BUILD_CLOCK["read_s"] = time.perf_counter() - _BUILD_CLOCK["start"]


def _always_refresh_reports(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    del app, added, removed
    if not changed:
        return []
    return sorted(_report_docs(env) - changed)


def _purge(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    del app
    seen = _claims(env)
    for claim_id in [k for k, v in seen.items() if v["docname"] == docname]:
        del seen[claim_id]
    _report_docs(env).discard(docname)


def _merge(app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment) -> None:
    del app, docnames
    _claims(env).update(_claims(other))
    _report_docs(env).update(_report_docs(other))


def _write_claims_json(app: Sphinx, exception: Exception | None) -> None:
    if exception is None and app.builder.format == "html":
        out = Path(app.outdir) / "claims.json"
        out.write_text(json.dumps({"claims": claim_rows(app)}, indent=1) + "\n")


# --- numbers that are not measurements --------------------------------------------------
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


# --- code blocks that are not cells ------------------------------------------------------
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
    """Code this build does not run, with the reason shown on the page."""

    has_content = True
    required_arguments = 1
    final_argument_whitespace = True

    def run(self) -> list[nodes.Node]:
        code = "\n".join(self.content)
        reason = nodes.paragraph(
            "", f"Not run by this build: {self.arguments[0]}", classes=["jg-not-run-reason"]
        )
        block = nodes.literal_block(code, code, language="python", classes=["jg-not-run"])
        self.set_source_info(block)
        return [reason, block]


# --- cells expected to raise -------------------------------------------------------------
def check_raising_cells(app: Sphinx, doctree: nodes.document) -> None:
    """Warn (so fail a ``-W`` build) for each cell tagged ``raises-exception`` that did not.

    The tag lets a cell's error through; without this check a cell that shows how something
    fails would pass just the same once it stopped failing. Reads the executed notebook that
    MyST-NB writes for the page; pages it did not execute are skipped.
    """
    del doctree
    docname = app.env.docname
    if not NbMetadataCollector.get_doc_data(app.env).get(docname, {}).get("exec_data"):
        return
    executed = Path(app.env.mystnb_config.output_folder) / f"{docname}.ipynb"
    notebook = json.loads(executed.read_text())
    lines = notebook["metadata"].get("source_map", [])
    code = 0
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] != "code":
            continue
        code += 1
        raised = any(out["output_type"] == "error" for out in cell.get("outputs", []))
        if "raises-exception" in cell["metadata"].get("tags", []) and not raised:
            logger.warning(
                "code cell %d is tagged raises-exception but raised nothing",
                code,
                location=(docname, lines[index] if index < len(lines) else None),
            )


# --- math without a network --------------------------------------------------------------
def mathjax_bundle(name: str) -> Path:
    """MathJax's ``es5/<name>`` bundle as installed by the docs' dependencies."""
    import mathjax  # noqa: PLC0415 - django-static-mathjax: MathJax's files, nothing else

    return Path(mathjax.__file__).parent / "static" / "mathjax" / "es5" / name


def _serve_mathjax(app: Sphinx, exception: Exception | None) -> None:
    """Copy the MathJax bundle that ``mathjax_path`` names (relative to ``_static``) into
    the built site, so that pages with math load it from the site rather than a CDN."""
    path = app.config.mathjax_path
    if exception is not None or app.builder.format != "html" or "://" in path:
        return
    source = mathjax_bundle(Path(path).name)
    if not source.is_file():
        logger.error("mathjax_path %r: no such MathJax bundle at %s", path, source)
        return
    target = Path(app.outdir) / "_static" / path
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target)


# --- executed notebooks for download ------------------------------------------------------
SOLUTION_TAG = "solution"
"""The cell tag of a practical's solution, left out of the notebook a page offers."""


SETUP_TAG = "jaxguide-setup"
"""The tag of the cell that a downloaded notebook starts with (see :func:`downloadable`)."""


def setup_cell(requirement: str, pin: str, cpu_devices: int | None = None) -> str:
    """The source of a downloaded notebook's first cell.

    It installs ``requirement`` (``pin`` says what it is pinned to, for the reader) unless the
    kernel has ``jaxguide`` already, and for a page whose examples spread over several devices
    it asks JAX for ``cpu_devices`` simulated CPU devices, which only works before JAX starts.
    """
    lines = [
        "# This notebook is a page of the jaxguide site. Its code imports the `jaxguide` package,",
        "# which brings JAX and the rest: this cell installs it unless this kernel has it",
        f"# already, {pin}.",
        "import importlib.util",
    ]
    if cpu_devices is not None:
        lines = [
            *lines,
            "import os",
            "",
            "# The page spreads its examples over several devices. On a CPU, JAX simulates them",
            "# when told before it starts (restart the kernel if JAX is imported already); a",
            "# JAX_NUM_CPU_DEVICES set before Jupyter started wins over this line.",
            f'os.environ.setdefault("JAX_NUM_CPU_DEVICES", "{cpu_devices}")',
        ]
    return "\n".join(
        [
            *lines,
            "",
            'if importlib.util.find_spec("jaxguide") is None:',
            f'    %pip install "{requirement}"',
            "    importlib.invalidate_caches()",
        ]
    )


def downloadable(notebook: dict[str, Any], requirement: str, pin: str) -> dict[str, Any]:
    """The executed ``notebook`` (nbformat 4, as JSON) as a reader downloads it.

    A first cell, tagged ``jaxguide-setup``, installs what the page needs (see
    :func:`setup_cell`); it asks for the number of CPU devices that the page's front matter
    names as ``jaxguide: {cpu_devices: N}``. The page's own cells follow unchanged, less a
    practical's solutions (cells tagged ``solution``): they run without MyST-NB, since
    :func:`jaxguide.pages.glue` and :func:`jaxguide.claims.verify` print what they would glue.
    """
    devices = notebook.get("metadata", {}).get("jaxguide", {}).get("cpu_devices")
    cells = [
        cell
        for cell in notebook["cells"]
        if SOLUTION_TAG not in cell.get("metadata", {}).get("tags", [])
    ]
    first = {
        "cell_type": "code",
        "execution_count": None,
        "id": SETUP_TAG,
        "metadata": {"tags": [SETUP_TAG]},
        "outputs": [],
        "source": setup_cell(requirement, pin, devices),
    }
    return {**notebook, "cells": [first, *cells]}


def pinned_requirement(repository: str | None, commit: str, branch: str) -> tuple[str, str]:
    """What a downloaded notebook installs, and what that is pinned to, in words.

    The package from ``repository`` at ``commit`` (at ``branch``, saying so, when the commit is
    unknown); a site that names no repository (the tests' throwaway ones) gets the bare name.
    """
    if not repository:
        return "jaxguide", "from the package index"
    if not commit:
        return (
            f"jaxguide @ git+{repository}@{branch}",
            f"from the {branch} branch (the commit that built this page is unknown)",
        )
    return (
        f"jaxguide @ git+{repository}@{commit}",
        f"pinned to the commit that built this page ({commit[:12]})",
    )


def _build_commit(confdir: str) -> str:
    """The full commit of the checkout being built (``JAXGUIDE_COMMIT`` wins), or ``""``."""
    if commit := os.environ.get("JAXGUIDE_COMMIT"):
        return commit
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=confdir,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip()


def _offer_notebook(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Offer the page as a notebook (MyST-NB's executed copy, with a setup cell first, see
    :func:`downloadable`) in the theme's download menu.

    sphinx-book-theme does this only alongside launch buttons (Binder, Colab), which cannot
    open a Markdown notebook from the repository; so the site does it here, for every page.
    Cells tagged ``solution`` (the practicals' answers) stay on the site: the notebook is
    offered without them.
    """
    del templatename, doctree
    executed = Path(app.env.mystnb_config.output_folder) / f"{pagename}.ipynb"
    if not executed.exists():
        return
    target = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    if not hasattr(app, "jaxguide_requirement"):  # once per build
        options = app.config.html_theme_options
        app.jaxguide_requirement = pinned_requirement(  # type: ignore[attr-defined]
            options.get("repository_url"),
            _build_commit(app.confdir),
            options.get("repository_branch", "main"),
        )
    requirement, pin = app.jaxguide_requirement  # type: ignore[attr-defined]
    notebook = downloadable(json.loads(executed.read_text(encoding="utf-8")), requirement, pin)
    target.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    context["ipynb_source"] = f"{pagename}.ipynb"


# --- the kernels that execute the pages ----------------------------------------------------
def encrypt_kernel_channels() -> bool:
    """Have jupyter_client give every kernel it starts here CurveZMQ keys; True if it will.

    ipykernel (7.4 and later) warns at start-up when its channels run over TCP without
    encryption, and MyST-NB starts one kernel per executed page, so every build logged that
    warning once a page. jupyter_client (8.10 and later) provisions keys for kernels whose
    kernelspec declares Curve support (ipykernel's does) when ``KernelManager.
    transport_encryption`` is ``"auto"``; it is ``"disabled"`` by default, and MyST-NB offers
    no setting that reaches the kernel manager it creates. So this changes the default, in this
    process only. Older versions, or a zmq built without Curve, are left as they are.
    """
    try:
        import zmq  # noqa: PLC0415 - optional: only to ask for encryption where it exists
        from jupyter_client.manager import KernelManager  # noqa: PLC0415
    except ImportError:  # pragma: no cover - MyST-NB depends on both
        return False
    trait = KernelManager.class_traits().get("transport_encryption")
    if trait is None or not zmq.has("curve"):
        return False
    trait.default_value = "auto"
    return True


def setup(app: Sphinx) -> dict[str, Any]:
    encrypt_kernel_channels()
    app.add_role("claim", ClaimRole())
    app.add_role("given", GivenRole())
    app.add_node(claims_report)
    app.add_directive("claims-report", ClaimsReportDirective)
    app.add_directive("snippet", SnippetDirective)
    app.add_directive("not-run", NotRunDirective)
    app.add_node(execution_summary)
    app.add_directive("execution-summary", ExecutionSummaryDirective)
    app.add_config_value("jaxguide_results_dir", "results/data", "env", str)
    app.connect("builder-inited", _start_clock)
    app.connect("builder-inited", _load_stored)
    app.connect("env-updated", _stop_clock)
    app.connect("doctree-read", check_raising_cells)
    app.connect("doctree-resolved", _resolve_reports)
    app.connect("env-get-outdated", _always_refresh_reports)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("build-finished", _write_claims_json)
    app.connect("build-finished", _serve_mathjax)
    app.connect("html-page-context", _offer_notebook, priority=400)  # before the theme's
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
