"""Fixtures shared by the tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tiny_site import make_site


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """The source folder of a throwaway Sphinx project with the site's configuration."""
    return make_site(tmp_path)
