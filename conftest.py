"""Test configuration shared by tests/, the package's doctests and the docs' prose doctests."""

from __future__ import annotations

import os

# Before JAX initialises: 8 simulated CPU devices, as the pages see.
os.environ.setdefault("JAX_NUM_CPU_DEVICES", "8")

import jax

# The tests compile thousands of small programs, and most of their CPU time went to XLA's LLVM
# back end optimising machine code that then runs for microseconds. At its lowest level XLA
# compiles the same programs (the same HLO, fusions and buffers; only LLVM's passes on the
# emitted code are skipped) two to three times faster. XLA reads XLA_FLAGS once, at the first
# compilation, so the flag is set for that alone and removed again: what the tests read of the
# environment (execution fingerprints, recorded environments) and the processes they start
# (snippets, tiny site builds, kernels) see it as it was. `JAXGUIDE_TESTS_OPTIMIZED=1`, or any
# XLA_FLAGS of one's own, runs them at XLA's default level.
if "XLA_FLAGS" not in os.environ and os.environ.get("JAXGUIDE_TESTS_OPTIMIZED") != "1":
    os.environ["XLA_FLAGS"] = "--xla_backend_optimization_level=0"
    try:
        jax.jit(lambda x: x + 1)(0.0).block_until_ready()
    finally:
        del os.environ["XLA_FLAGS"]
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
