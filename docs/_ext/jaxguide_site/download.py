"""Each page offered as a notebook: MyST-NB's executed copy with a setup cell first.

sphinx-book-theme offers notebooks only alongside launch buttons (Binder, Colab), which
cannot open a Markdown notebook from the repository; so the site offers every page's here.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

from jaxguide_site.cached import executed_notebook

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
            "# On a machine with one GPU, JAX uses that GPU alone, one device: to simulate the",
            "# devices on the CPU instead, remove the # from the next line (JAX_PLATFORMS=cpu).",
            '# os.environ.setdefault("JAX_PLATFORMS", "cpu")',
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
    first: dict[str, Any] = {
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
    """Offer the page as a notebook (:func:`downloadable`) in the theme's download menu."""
    del templatename, doctree
    executed = executed_notebook(app, pagename)
    if not executed.exists():
        return
    target = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    if not hasattr(app, "jaxguide_requirement"):  # once per build
        options = app.config.html_theme_options
        app.jaxguide_requirement = pinned_requirement(  # type: ignore[attr-defined]
            options.get("repository_url"),
            _build_commit(str(app.confdir)),
            options.get("repository_branch", "main"),
        )
    requirement, pin = app.jaxguide_requirement  # type: ignore[attr-defined]
    notebook = downloadable(json.loads(executed.read_text(encoding="utf-8")), requirement, pin)
    target.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    context["ipynb_source"] = f"{pagename}.ipynb"


def setup(app: Sphinx) -> None:
    app.connect("html-page-context", _offer_notebook, priority=400)  # before the theme's
