"""Examples for the page on compiling ahead of time and across processes.

>>> first_call_in_fresh_process(None, steps=2) > 0
True
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

__all__ = ["PROGRAM", "first_call_in_fresh_process"]

PROGRAM = """
import sys, time
import jax, jax.numpy as jnp

cache, steps = sys.argv[1], int(sys.argv[2])
if cache:  # the persistent cache: every compiled program is written to, and read from, here
    jax.config.update("jax_compilation_cache_dir", cache)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", -1)


def f(x):
    for i in range(steps):  # unrolled under jit: a long program that takes a while to compile
        x = jnp.tanh(x * 1.01 + i)
    return x


x = jnp.ones(8)
start = time.perf_counter()
jax.jit(f)(x).block_until_ready()
print(time.perf_counter() - start)
"""
"""A program that times its jitted function's first call (trace, compile, run) in seconds."""


def first_call_in_fresh_process(cache: Path | None, steps: int = 300) -> float:
    """Run :data:`PROGRAM` in a new Python process, with the persistent compilation cache in
    ``cache`` (none when ``None``), and return the first call's seconds it measured."""
    args = [sys.executable, "-c", PROGRAM, str(cache or ""), str(steps)]
    out = subprocess.run(args, capture_output=True, text=True, check=True, timeout=300)
    return float(out.stdout.split()[-1])
