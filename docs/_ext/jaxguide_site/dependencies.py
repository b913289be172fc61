"""Each page's cached outputs are kept until something the page used changes.

The execution cache's folder is keyed on what every page depends on
(:mod:`jaxguide_site.fingerprint`); which of the package's modules a page depends on is
recorded when it executes. The kernels run with ``recorder/`` on ``PYTHONPATH``: each process
a page starts appends, as it goes, the jaxguide modules it imports and the shared suite
results (:func:`jaxguide.bench.page_results`) it reads or writes. After the page is read, those
lines become its record in ``<cache>/dependencies/``: the modules' files with a digest of each,
and the shared results it read and wrote.

At the next build, before Sphinx reads anything, a page whose recorded files changed is
executed again (its cache entry is dropped and Sphinx is told to read it). Shared results
written by a run whose files changed (recorded in ``<cache>/dependencies/measured/``) are
deleted, and every page that read them executes again: the first to need them measures them
again and the others show that same run. A page with no lines recorded (its
kernel died as it started) counts as depending on the whole package less ``claims/``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import nbformat
from docutils import nodes
from jupyter_cache import get_cache
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

from jaxguide_site.cached import executed_notebook
from jaxguide_site.fingerprint import JUDGED_AT_BUILD, tree_digest

RECORDER = Path(__file__).parent / "recorder"
"""The folder holding the kernels' ``sitecustomize``, which writes what they used."""
SECONDS = ".seconds"
"""The suffix of the file beside a suite's shared results that holds how long it ran."""
RECORD_ENV = "JAXGUIDE_PAGE_RECORD"
"""The file the processes of the page being executed append their lines to."""


def file_digest(path: str) -> str:
    """A digest of the file's bytes, or ``"absent"``."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return "absent"


def package_digest() -> str:
    """A digest of the jaxguide source less ``claims/``: what an unrecorded page depends on."""
    import jaxguide  # noqa: PLC0415 - the one the build imports (a copy, in the tests)

    return tree_digest(Path(jaxguide.__file__).parent, leave_out=JUDGED_AT_BUILD)


def _active(app: Sphinx) -> bool:
    """Whether pages execute through the cache (else nothing is dropped from it)."""
    return bool(app.config.nb_execution_mode == "cache")


def _recording(app: Sphinx) -> bool:
    """Whether pages' processes record what they used: also when every page executes (CI),
    for the execution report's suite seconds."""
    return bool(app.config.nb_execution_mode in ("cache", "force"))


def _folder(app: Sphinx) -> Path:
    return Path(app.config.nb_execution_cache_path) / "dependencies"


def _record_path(app: Sphinx, docname: str, suffix: str = ".json") -> Path:
    return _folder(app) / (docname.replace("/", "__") + suffix)


def changed(record: dict[str, Any], package: str) -> bool:
    """Whether a file the record's page depends on differs from its recorded digest: a
    module, or shared results it read (measured again since, by a build that did not read
    this page: ``--only``).

    >>> changed({"files": {"/no/such/file": "absent"}}, package="p")
    False
    >>> changed({"files": {}, "read": {"/no/such/results": "abc"}}, package="p")
    True
    >>> changed({"files": None, "package": "p"}, package="q")
    True
    """
    files: dict[str, str] | None = record.get("files")
    read: dict[str, str] = record.get("read", {})
    if any(file_digest(path) != digest for path, digest in read.items()):
        return True
    if files is None:
        return bool(record.get("package") != package)
    return any(file_digest(path) != digest for path, digest in files.items())


def outdated(
    records: dict[str, dict[str, Any]], measured: dict[str, dict[str, Any]], package: str
) -> tuple[set[str], set[str]]:
    """The pages to execute again, and the shared results to delete.

    ``records`` maps each page to its record; ``measured`` each shared results file to the
    record of the page whose run wrote it (its files include every module the suite's run
    imported). Stale: a page whose files changed; shared results whose writer's files changed
    (or, with no writer recorded, that a stale page read); every page that read stale results.

    >>> records = {
    ...     "a": {"files": {}, "read": {}, "wrote": ["/r"]},
    ...     "b": {"files": {}, "read": {"/r": "absent"}},
    ...     "c": {"files": {}, "read": {}},
    ... }
    >>> pages, shared = outdated(records, {"/r": {"files": {"/x": "old"}}}, package="p")
    >>> sorted(pages), sorted(shared)
    (['b'], ['/r'])
    """
    stale = {doc for doc, record in records.items() if changed(record, package)}
    shared = {path for path, writer in measured.items() if changed(writer, package)}
    read_by_stale = {path for doc in stale for path in records[doc].get("read", ())}
    shared |= read_by_stale - measured.keys()
    readers = {doc for doc, record in records.items() if shared & set(record.get("read", ()))}
    return stale | readers, shared


def _forget(app: Sphinx, records: dict[str, dict[str, Any]], docnames: Iterable[str]) -> None:
    """Drop the pages' cache entries and records, so that they execute when read."""
    cache = get_cache(app.config.nb_execution_cache_path)
    for docname in docnames:
        record = records[docname]
        entry = None
        if record.get("pk") is not None:  # None: recorded by a build that executed every page
            with contextlib.suppress(KeyError):
                entry = cache.get_cache_record(record["pk"])
        if entry is not None and entry.hashkey == record.get("hashkey"):
            cache.remove_cache(entry.pk)
        _record_path(app, docname).unlink(missing_ok=True)


def _measured_path(app: Sphinx, shared: str) -> Path:
    name = hashlib.sha256(shared.encode()).hexdigest()[:16]
    return _folder(app) / "measured" / f"{name}.json"


def _get_outdated(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed_: set[str], removed: set[str]
) -> list[str]:
    """Before reading: the pages whose dependencies changed, their cache entries dropped."""
    del added, changed_, removed
    if not _active(app) or not _folder(app).is_dir():
        return []
    records, measured = {}, {}
    for path in sorted(_folder(app).glob("*.json")):
        record = json.loads(path.read_text())
        records[record["docname"]] = record
    for path in sorted(_folder(app).glob("measured/*.json")):
        writer = json.loads(path.read_text())
        measured[writer["shared"]] = writer
    pages, shared = outdated(records, measured, package_digest())
    for written in shared:
        Path(written).unlink(missing_ok=True)
        Path(written).with_suffix(SECONDS).unlink(missing_ok=True)
        _measured_path(app, written).unlink(missing_ok=True)
    # Pages this build does not read (``--only``) keep their records: the next build that
    # reads them finds the change (their files, or the shared results they read, differ).
    pages &= env.found_docs
    _forget(app, records, pages)
    return sorted(pages)


def _start_recording(app: Sphinx, docname: str, source: list[str]) -> None:
    """Name the file this page's processes append to, should it execute."""
    del source
    if not _recording(app):
        return
    pending = _record_path(app, docname, ".pending")
    pending.parent.mkdir(parents=True, exist_ok=True)
    pending.unlink(missing_ok=True)
    os.environ[RECORD_ENV] = str(pending)


def _lines(pending: Path) -> list[dict[str, Any]]:
    lines = []
    for line in pending.read_text().splitlines():
        try:
            lines.append(json.loads(line))
        except json.JSONDecodeError:  # a process stopped mid-line: whatever it wrote is lost
            continue
    return lines


def _record(app: Sphinx, doctree: nodes.document) -> None:
    """After a page is read: if it executed, record what it used."""
    del doctree
    if not _recording(app):
        return
    docname = app.env.docname
    os.environ.pop(RECORD_ENV, None)
    pending = _record_path(app, docname, ".pending")
    path = _record_path(app, docname)
    notebook = executed_notebook(app, docname)
    if not notebook.exists():  # not a notebook
        pending.unlink(missing_ok=True)
        return
    pk, hashkey = None, None  # the cache entry, where pages execute through the cache
    if _active(app):
        cache = get_cache(app.config.nb_execution_cache_path)
        try:
            entry = cache.match_cache_notebook(nbformat.read(notebook, as_version=4))
        except KeyError:  # it failed, and the build says so already
            pending.unlink(missing_ok=True)
            path.unlink(missing_ok=True)
            return
        pk, hashkey = entry.pk, entry.hashkey
        old = json.loads(path.read_text()) if path.exists() else None
        if not pending.exists() and old is not None and old.get("hashkey") == hashkey:
            return  # read from the cache: what it used is recorded already
    lines = _lines(pending) if pending.exists() else []
    pending.unlink(missing_ok=True)
    record: dict[str, Any] = {"docname": docname, "pk": pk, "hashkey": hashkey}
    if lines:
        files = sorted({file for line in lines for file in line["modules"]})
        record["files"] = {file: file_digest(file) for file in files}
    else:  # nothing recorded: the whole package counts
        record["files"] = None
        record["package"] = package_digest()
    record["read"] = {
        p: file_digest(p) for p in sorted({p for line in lines for p in line["read"]})
    }
    record["wrote"] = sorted({p for line in lines for p in line["wrote"]})
    path.write_text(json.dumps(record, indent=1) + "\n")
    for shared in record["wrote"]:  # what the run that measured them used
        measured = _measured_path(app, shared)
        measured.parent.mkdir(exist_ok=True)
        writer = {"shared": shared, "docname": docname, "files": record["files"]}
        if record["files"] is None:
            writer["package"] = record["package"]
        measured.write_text(json.dumps(writer, indent=1) + "\n")


def suite_seconds(app: Sphinx, docname: str) -> float | None:
    """How long the suites took that the page's run measured (``None``: it measured none).

    :func:`jaxguide.bench.page_results` writes each suite's seconds beside its results.
    """
    path = _record_path(app, docname)
    if not path.exists():
        return None
    wrote = json.loads(path.read_text()).get("wrote", [])
    seconds = [Path(p).with_suffix(SECONDS) for p in wrote if p.endswith(".json")]
    found = [float(p.read_text()) for p in seconds if p.exists()]
    return sum(found) if found else None


def _put_recorder_on_path(app: Sphinx) -> None:
    if not _recording(app):
        return
    paths = [str(RECORDER), *filter(None, [os.environ.get("PYTHONPATH")])]
    os.environ["PYTHONPATH"] = os.pathsep.join(paths)


def setup(app: Sphinx) -> None:
    app.connect("builder-inited", _put_recorder_on_path)
    app.connect("env-get-outdated", _get_outdated)
    app.connect("source-read", _start_recording)
    app.connect("doctree-read", _record, priority=450)
