"""Test configuration shared by tests/, the package's doctests and the docs' prose doctests."""

from __future__ import annotations

import os

# Before JAX initialises: 8 simulated CPU devices, as the pages see.
os.environ.setdefault("JAX_NUM_CPU_DEVICES", "8")

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

collect_ignore = ["docs/conf.py", "noxfile.py"]


@pytest.fixture(autouse=True)
def _doctest_namespace(doctest_namespace: dict[str, object]) -> None:
    doctest_namespace.update(jax=jax, jnp=jnp, lax=lax, np=np)


@pytest.fixture(autouse=True)
def _strict_jax() -> object:
    """Rank promotion raises in every test and doctest (a silent broadcast hides a shape bug)."""
    with jax.numpy_rank_promotion("raise"):
        yield
