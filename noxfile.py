"""Every development task, each in an environment built from pyproject.toml alone."""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
from pathlib import Path

import nox

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["lint", "tests", "docs"]

ROOT = Path(__file__).parent
DOCS = ROOT / "docs"
HTML = DOCS / "_build" / "html"
PYPROJECT = nox.project.load_toml("pyproject.toml")
# Pages and tests see 8 simulated CPU devices (set before JAX starts in each process).
DEVICE_ENV = {"JAX_NUM_CPU_DEVICES": os.environ.get("JAX_NUM_CPU_DEVICES", "8")}
# Installed with their bytecode: where PYTHONDONTWRITEBYTECODE is set (as on this project's
# machines) Python otherwise compiles jax, numpy and Sphinx from source in every process it
# starts (a kernel per page, a snippet, a tiny site build): about 1.7 s each.
COMPILED = {"UV_COMPILE_BYTECODE": "1"}


def install(session: nox.Session, *groups: str, editable: bool = False) -> None:
    """The package and the named dependency groups, from pyproject.toml.

    ``JAXGUIDE_JAX_EXTRA=cuda12`` (or ``cuda13``) installs the package with that extra, so
    the same sessions run on a GPU machine with JAX's CUDA build.
    """
    if groups:
        session.install(*nox.project.dependency_groups(PYPROJECT, *groups), env=COMPILED)
    extra = os.environ.get("JAXGUIDE_JAX_EXTRA")
    target = f".[{extra}]" if extra else "."
    session.install(*(["-e", target] if editable else [target]), env=COMPILED)


@nox.session
def tests(session: nox.Session) -> None:
    """Unit tests, doctests over src/ and docs/, and the site checks that need no browser."""
    install(session, "test", "docs", editable=True)
    # One worker per core, each taking whole modules (their module-scoped fixtures run once);
    # `-- -n 0` runs everything in this process.
    session.run("pytest", "-n", "auto", "--dist", "loadscope", *session.posargs, env=DEVICE_ENV)


@nox.session
def docs(session: nox.Session) -> None:
    """Build the site, executing every page (`-- --serve` to rebuild and reload on edits).

    `-- --out docs/_build/1device/html` builds into another folder; MyST-NB keeps its executed
    notebooks beside the output folder (`../jupyter_execute`), and so does this session the
    execution cache (`../.jupyter_cache`), so each folder's build has its own:
    `JAX_NUM_CPU_DEVICES=1 nox -s docs -- --out docs/_build/1device/html` checks that every
    page runs on one device without touching the 8-device build in docs/_build/html.

    `-- --only transforms/jit [more pages]` is the edit loop: it reads (and executes, if they
    changed) just those pages and the front page, into docs/_build/only/html, sharing the
    full build's execution cache and suite results; references to pages left out are not
    checked there (the full build checks them).
    """
    parser = argparse.ArgumentParser(prog="nox -s docs --")
    parser.add_argument("--serve", action="store_true", help="serve with live reload")
    parser.add_argument("-b", dest="builder", default="html", help="Sphinx builder")
    parser.add_argument("--out", type=Path, help="output folder (default docs/_build/<builder>)")
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="PAGE",
        help="just these pages (docs/transforms/jit.md or transforms/jit)",
    )
    args, rest = parser.parse_known_args(session.posargs)
    install(session, "docs", editable=True)
    default = DOCS / "_build" / ("only" if args.only else "") / args.builder
    out = (args.out or default).resolve()
    env = dict(DEVICE_ENV)
    if args.out:  # its own execution cache, beside MyST-NB's jupyter_execute for that folder
        env["JAXGUIDE_CACHE_DIR"] = str(out.parent / ".jupyter_cache")
    if args.only:
        env["JAXGUIDE_ONLY"] = ",".join(docname(page) for page in args.only)
    # --no-color: with CI set Sphinx colours its log, and a failing claim's one line should
    # read the same in a CI log as in a terminal, without escape codes.
    common = ["-b", args.builder, "-n", "-W", "--keep-going", "-T", "--no-color"]
    common += [str(DOCS), str(out), *rest]
    if args.serve:
        session.run("sphinx-autobuild", "--watch", "src/jaxguide", *common, env=env)
    else:
        session.run("sphinx-build", *common, env=env)
        session.log(f"Built site: {out / 'index.html'}")


def docname(page: str) -> str:
    """``docs/transforms/jit.md``, ``transforms/jit.md`` or ``transforms/jit``: ``transforms/jit``."""
    path = Path(page).with_suffix("") if page.endswith(".md") else Path(page)
    if path.is_absolute():
        path = path.relative_to(DOCS)
    elif path.parts and path.parts[0] == "docs":
        path = path.relative_to("docs")
    if not (DOCS / path).with_suffix(".md").is_file():
        raise SystemExit(f"nox -s docs -- --only: no page {page!r} (no docs/{path}.md)")
    return path.as_posix()


@nox.session
def lint(session: nox.Session) -> None:
    """ruff (lint and format), mypy strict on src/ and docs/_ext/, workflows against schema and zizmor."""
    install(session, "lint", editable=True)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")
    workflows = sorted(str(p) for p in (ROOT / ".github" / "workflows").glob("*.yml"))
    session.run("check-jsonschema", "--builtin-schema", "vendor.github-workflows", *workflows)
    session.run("zizmor", "--offline", *workflows)


@nox.session
def bench(session: nox.Session) -> None:
    """Run the harness here: `nox -s bench -- run all --profile full --out results/`."""
    install(session)
    args = session.posargs or ["run", "all", "--profile", "quick", "--out", "bench-results"]
    session.run("python", "-m", "jaxguide.bench", *args, env=DEVICE_ENV)


@nox.session
def browser(session: nox.Session) -> None:
    """Check the built site: links, weight, API coverage, copied snippets, real Chromium."""
    if not (HTML / "index.html").exists():
        session.error("no built site: run `nox -s docs` first")
    chromium = os.environ.get("JAXGUIDE_CHROMIUM", "/usr/bin/chromium")
    if not Path(chromium).exists():
        session.error(
            f"no browser at {chromium}: `apt-get install chromium` (Debian), or set "
            "JAXGUIDE_CHROMIUM to a Chromium or Chrome executable"
        )
    install(session, "test", "docs", "browser")
    # Each check loads its own page in its own browser context: they spread over the cores,
    # a Chromium and a server for each worker (nothing is timed here).
    session.run(
        "pytest", "-n", "auto", "--dist", "load", "tests/site", *session.posargs, env=DEVICE_ENV
    )


@nox.session
def notebooks(session: nox.Session) -> None:
    """Run each notebook the built site offers for download as a reader would, on one device.

    The environment holds the package and a Jupyter kernel, nothing of the docs build; each
    notebook runs alone in an empty folder (`tests/run_notebooks.py`). Arguments go to that
    script: `nox -s notebooks -- --devices 8 --timeout 900`; `-- --jobs 1` runs one at a time
    (by default, one for each core).
    """
    sources = HTML / "_sources"
    if not any(sources.rglob("*.ipynb")):
        session.error("no notebooks in the built site: run `nox -s docs` first")
    install(session, "notebooks")
    session.run("python", str(ROOT / "tests" / "run_notebooks.py"), str(sources), *session.posargs)


@nox.session(name="new-page", venv_backend="none")
def new_page(session: nox.Session) -> None:
    """Start a page from the template: `nox -s new-page -- NAME [--section performance]`.

    Writes docs/<section>/NAME.md (section `transforms` unless given), lists it in the
    section's toctree and prints what is left to write; refuses with one line and exit status
    2 if the page exists or the name is bad. Needs nothing installed: the logic is
    src/jaxguide/pages/_new_page.py, loaded by its path.
    """
    spec = importlib.util.spec_from_file_location(
        "new_page", ROOT / "src" / "jaxguide" / "pages" / "_new_page.py"
    )
    assert spec is not None
    assert spec.loader is not None
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    status = tool.main(session.posargs, docs=DOCS)
    if status:
        raise SystemExit(status)  # the tool's own exit status and one line, not nox's failure


@nox.session
def page(session: nox.Session) -> None:
    """Check one page as CI will: `nox -s page -- transforms/random`.

    Builds the page alone (as `nox -s docs -- --only` does), writes the fixture of each
    measurement it declares when tests/fixtures/results has none yet, then runs what concerns
    it: the site checks of its built HTML, its claims' tests (perturbations included), its
    snippets, its examples module's tests and doctests, and ruff and mypy on its modules.
    """
    if len(session.posargs) != 1:
        session.error("name one page: nox -s page -- transforms/random")
    name = docname(session.posargs[0])
    install(session, "test", "docs", "lint", editable=True)
    out = DOCS / "_build" / "only" / "html"
    env = {**DEVICE_ENV, "JAXGUIDE_ONLY": name}
    session.run(
        "sphinx-build",
        "-b",
        "html",
        "-n",
        "-W",
        "--keep-going",
        "-T",
        "--no-color",
        str(DOCS),
        str(out),
        env=env,
    )
    about = session.run("python", "-c", PAGE_PARTS, name, silent=True, env=DEVICE_ENV)
    parts = json.loads(str(about).strip().splitlines()[-1])
    for measurement, version in parts["measurements"].items():
        fixture = ROOT / "tests" / "fixtures" / "results" / f"{measurement}.json"
        made = sorted(
            (DOCS / "_build" / ".jupyter_cache").rglob(f"results/{measurement}-v{version}-*.json"),
            key=lambda p: p.stat().st_mtime,
        )
        if not fixture.exists() and made:
            shutil.copy(made[-1], fixture)
            session.log(f"wrote {fixture.relative_to(ROOT)} from this build's measurement")
    selected = " or ".join([name, *parts["claims"], *parts["measurements"]])
    shared = [
        "tests/test_claims.py",
        "tests/test_copyable.py",
        "tests/test_verification_coverage.py",
        "tests/test_pages.py",
        "tests/test_page_layout.py",
        "tests/site",
    ]
    session.run(
        "pytest",
        "-n",
        "0",
        "-k",
        selected,
        *shared,
        env={**DEVICE_ENV, "JAXGUIDE_SITE_HTML": str(out)},
    )
    own = [p for p in parts["modules"] if (ROOT / p).exists()]
    module_tests = ROOT / "tests" / f"test_examples_{Path(parts['modules'][0]).stem}.py"
    tests = [str(module_tests)] if module_tests.exists() else []
    session.run("pytest", "-n", "0", "--doctest-modules", *own, *tests, env=DEVICE_ENV)
    session.run("ruff", "check", *own, *tests)
    session.run("ruff", "format", "--check", *own, *tests)
    session.run("mypy", *own)


# What `nox -s page` checks of a page, read in its environment: the measurements the page
# declares (name: version), the claims on them, and its examples and claims modules.
PAGE_PARTS = """
import json, sys
from jaxguide.claims import CLAIMS
from jaxguide.pages import MEASUREMENTS
page = sys.argv[1]
measurements = {m.name: m.version for m in MEASUREMENTS.values() if m.page == page}
module = page.rpartition("/")[2].replace("-", "_")
print(json.dumps({
    "measurements": measurements,
    "claims": [c.id for c in CLAIMS.values() if c.suite in measurements],
    "modules": [f"src/jaxguide/examples/{module}.py", f"src/jaxguide/claims/_{module}.py"],
}))
"""


@nox.session
def clean(session: nox.Session) -> None:
    """Remove the built site and its execution cache."""
    del session
    shutil.rmtree(DOCS / "_build", ignore_errors=True)


@nox.session
def releases(session: nox.Session) -> None:
    """The workloads under each JAX release: `nox -s releases -- 0.4.30 0.10.2 [--profile quick]`.

    One environment per release (`.nox/releases-jax-VERSION`) holds that jax and jaxlib and
    nothing of jaxguide; it runs src/jaxguide/bench/releases/_workloads.py by its path on 8
    simulated CPU devices, in each CPU dispatch mode, in `--rounds` processes (3), round by
    round across the releases. Each release and mode's processes are merged into
    `releases-jax-VERSION.json` or `releases-sync-jax-VERSION.json` in `--out` (default
    docs/results/data); this session's own environment then reads each file back through the
    results schema. With no version named, every release in the package's RELEASES runs.
    """
    tools = ROOT / "src" / "jaxguide" / "bench" / "releases"
    spec = importlib.util.spec_from_file_location("releases_sweep", tools / "_sweep.py")
    assert spec is not None
    assert spec.loader is not None
    sweep = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sweep)
    plan = sweep.parse(session.posargs)
    install(session)  # to read each file back through the schema
    out = plan.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    uv = shutil.which("uv")
    for version in plan.releases:
        env = ROOT / ".nox" / sweep.environment_name(version)
        python = env / "bin" / "python"
        if not python.exists():
            if uv:
                session.run(uv, "venv", "-q", "-p", "3.11", str(env), external=True)
            else:
                session.run("python", "-m", "venv", str(env))
        installer = (
            [uv, "pip", "install", "-q", "-p", str(python)]
            if uv
            else [str(python), "-m", "pip", "install", "-q"]
        )
        session.run(*installer, *sweep.requirements(version), external=True, env=COMPILED)
    rounds = Path(session.create_tmp()) / "rounds"
    shutil.rmtree(rounds, ignore_errors=True)
    flags = {"XLA_FLAGS": sweep.xla_flags(os.environ.get("XLA_FLAGS", "")), "JAX_PLATFORMS": "cpu"}
    for round_, version, mode in sweep.runs(plan):
        python = ROOT / ".nox" / sweep.environment_name(version) / "bin" / "python"
        target = rounds / str(round_) / sweep.results_name(version, mode)
        command = [str(python), str(tools / "_workloads.py"), "--out", str(target)]
        command += ["--profile", plan.profile, "--dispatch", mode]
        command += ["--only", *plan.only] if plan.only else []
        session.run(*command, external=True, env=flags)
    written = []
    for version in plan.releases:
        for mode in sweep.MODES:
            name = sweep.results_name(version, mode)
            docs = [json.loads((rounds / str(r) / name).read_text()) for r in range(plan.rounds)]
            (out / name).write_text(json.dumps(sweep.merge(docs), indent=1) + "\n")
            written.append(str(out / name))
    check = (
        "import sys; from pathlib import Path; from jaxguide.results import load_results\n"
        "for p in sys.argv[1:]:\n"
        "    r = load_results(Path(p)); e = r.environment\n"
        "    bad = [x for x in r.records if x.status != 'ok']\n"
        "    print(f'{p}: jax {e.jax_version}, {len(r.records)} records, {len(bad)} not ok')"
    )
    session.run("python", "-c", check, *written)
