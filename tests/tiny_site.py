"""Throwaway Sphinx projects built with the site's real configuration and extension."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import jaxguide

CONF = Path(__file__).parents[1] / "docs" / "conf.py"
FRONT = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---
"""


def cell(code: str) -> str:
    return f"```{{code-cell}} ipython3\n{textwrap.dedent(code).strip()}\n```\n"


def page(src: Path, name: str, title: str, *cells: str, prose: str = "") -> None:
    (src / f"{name}.md").write_text(f"{FRONT}\n# {title}\n\n" + "\n".join(cells) + "\n" + prose)


def index(src: Path, *pages: str) -> None:
    entries = "\n".join(pages)
    (src / "index.md").write_text(f"# Test site\n\n```{{toctree}}\n{entries}\n```\n")


MODE_SETTERS = ("CI", "JAXGUIDE_FRESH")
"""Variables that make the site execute every page (conf.py): a test sets them itself."""


def build(src: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Build the site in ``src`` (``env``: environment variables to set for the build).

    The build runs in cache mode, as on a contributor's machine, also where the tests run in
    CI: the cache's behaviour is what most of these builds test.
    """
    inherited = {k: v for k, v in os.environ.items() if k not in MODE_SETTERS}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-b",
            "html",
            "-W",
            "--keep-going",
            "-n",
            "-q",
            "--no-color",  # CI=true makes Sphinx colour its output
            str(src),
            str(src / "_build"),
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
        env={
            **inherited,
            "JAX_NUM_CPU_DEVICES": "1",
            "JAXGUIDE_CACHE_DIR": str(src.parent / "site-cache"),
            "PYTHONPATH": os.pathsep.join(
                filter(None, [str(src.parent / "pkg"), os.environ.get("PYTHONPATH")])
            ),
            **env,
        },
    )


def counter(path: Path) -> str:
    """A cell that appends a line to ``path`` each time it really executes."""
    return cell(f"""
        with open({str(path)!r}, "a") as f:
            f.write("ran\\n")
    """)


def runs(path: Path) -> int:
    return len(path.read_text().splitlines()) if path.exists() else 0


def make_site(tmp_path: Path) -> Path:
    """A project built with a copy of the jaxguide source we can edit (``pkg/jaxguide``).

    :func:`build` puts ``pkg`` first on the path, so the build and its kernels import the copy,
    and the execution cache keys on it.
    """
    package = tmp_path / "pkg" / "jaxguide"
    shutil.copytree(
        Path(jaxguide.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__")
    )
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text(
        textwrap.dedent(f"""
        from pathlib import Path

        # The site's real configuration, then what a throwaway project must change.
        site = {{"__file__": {str(CONF)!r}}}
        exec(compile(Path({str(CONF)!r}).read_text(), {str(CONF)!r}, "exec"), site)
        globals().update({{k: v for k, v in site.items() if not k.startswith("__")}})

        from jaxguide_site import execution_cache_path

        nb_execution_mode = "cache"
        nb_execution_cache_path = str(execution_cache_path(Path({str(tmp_path / "cache")!r}),
                                                           package=Path({str(package)!r}),
                                                           results=Path({str(src / "results" / "data")!r})))
        html_static_path = []
        html_favicon = None
        html_css_files = []
        html_theme = "basic"
        html_theme_options = {{}}
        """)
    )
    return src
