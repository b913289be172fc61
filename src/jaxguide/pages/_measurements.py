"""Measurements taken on a page rather than by a suite, listed explicitly.

A page that compares a few callables of its own calls :func:`jaxguide.pages.measure` instead of
writing a suite. Its claims still name what they read: each such measurement is declared here,
with the (benchmark, variant) pairs it produces, exactly as a :class:`~jaxguide.bench.Suite`
declares them, so the claims' tests hold page measurements to the same rules as suites.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from jaxguide.claims._control_flow import SCAN_LENGTHS, UNROLL_FACTORS
from jaxguide.claims._debugging import NAN_PRIMITIVES
from jaxguide.claims._numbers import PRECISIONS, PROMOTED
from jaxguide.claims._pytrees import LEAF_COUNTS
from jaxguide.results import benchmark_variants

__all__ = ["MEASUREMENTS", "PageMeasurement", "declare"]


@dataclass(frozen=True)
class PageMeasurement:
    """What one page measures: a claim's ``suite`` may name it; bump ``version`` on a change."""

    name: str
    version: int
    page: str
    """The page that measures it (its docname, e.g. ``transforms/vectorize``)."""
    produces: frozenset[tuple[str, str]]
    """Every (benchmark, variant) pair its records may have; claims are checked against it."""


def declare(name: str, version: int, page: str, *produces: str) -> PageMeasurement:
    """A page measurement, its ``produces`` given as ``"benchmark/variant"`` names.

    >>> declare("demo", 1, "transforms/demo", "add/jit", "add/vmap").produces == frozenset(
    ...     {("add", "jit"), ("add", "vmap")})
    True
    """
    return PageMeasurement(name, version, page, benchmark_variants(*produces))


def _by_name(found: Iterable[PageMeasurement]) -> dict[str, PageMeasurement]:
    table: dict[str, PageMeasurement] = {}
    for measurement in found:
        if measurement.name in table:
            raise ValueError(f"page measurement {measurement.name!r} listed twice")
        table[measurement.name] = measurement
    return table


MEASUREMENTS: dict[str, PageMeasurement] = _by_name(
    (
        # declare(name, version, page, then each "benchmark/variant" it produces)
        declare("vectorize", 2, "transforms/vectorize", "affine/vectorize", "affine/vmap"),
        declare(
            "meshes-block",
            1,
            "transforms/meshes",
            "mlp/one_device",
            "mlp/shard_map",
            "mlp/automatic",
        ),
        declare(
            "meshes-training",
            1,
            "transforms/meshes",
            "loop/one_device",
            "loop/pmap",
            "loop/shard_map",
            "loop/jit",
        ),
        declare("profiling", 2, "performance/profiling", "step/op-by-op", "step/jit"),
        declare("profiling-large", 1, "performance/profiling", "step/op-by-op", "step/jit"),
        declare(
            "control-flow-cond",
            2,
            "transforms/control-flow",
            "cond/vmap-cheap",
            "cond/vmap-cheap-branch",
            "cond/vmap-expensive",
            "cond/loop-cheap",
            "cond/loop-expensive",
        ),
        declare(
            "control-flow-scan",
            1,
            "transforms/control-flow",
            *(f"scan-grad/{kind}-{n}" for kind in ("plain", "checkpoint") for n in SCAN_LENGTHS),
        ),
        declare(
            "control-flow-unroll",
            1,
            "transforms/control-flow",
            *(f"scan-unroll/unroll-{k}" for k in UNROLL_FACTORS),
        ),
        declare(
            "control-flow-prefix",
            2,
            "transforms/control-flow",
            "prefix-sum/scan",
            "prefix-sum/associative_scan",
            "prefix-sum/cumsum",
        ),
        declare("pytrees-static", 1, "transforms/pytrees", "static/trace-log"),
        declare("pytrees-grad", 1, "transforms/pytrees", "grad/grad", "grad/finite-differences"),
        declare(
            "pytrees-leaves",
            2,
            "transforms/pytrees",
            *(f"dispatch/{what}-{n}" for what in ("leaves", "passed") for n in LEAF_COUNTS),
        ),
        declare(
            "random-per-example",
            2,
            "transforms/random",
            "per-example/loop",
            "per-example/vmap",
            "per-example/one-key",
        ),
        declare("random-sharded", 1, "transforms/random", "draw/one-device", "draw/sharded"),
        declare("random-split", 1, "transforms/random", "split/at-once", "split/successive"),
        declare("random-sampling", 1, "transforms/random", "sample/op-by-op", "sample/jit"),
        declare(
            "debugging-nans", 1, "transforms/debugging", *(f"nans/{p}" for p in NAN_PRIMITIVES)
        ),
        declare(
            "debugging-index",
            1,
            "transforms/debugging",
            "index/jit",
            "index/checkify-jit",
            "index/checkify-vmap",
        ),
        declare("debugging-prints", 1, "transforms/debugging", "prints/jit", "prints/vmap"),
        declare(
            "debugging-cost",
            1,
            "transforms/debugging",
            "checkify/unchecked",
            "checkify/checkified",
        ),
        declare(
            "numbers-promotion",
            1,
            "transforms/numbers",
            *(f"promote/{d}" for d in PROMOTED),
        ),
        declare("numbers-x64", 1, "transforms/numbers", "request/default", "request/x64"),
        declare(
            "numbers-matmul",
            2,
            "transforms/numbers",
            *(f"matmul/{p}" for p in PRECISIONS),
            "matmul/bfloat16-inputs",
        ),
        declare("numbers-matmul-f64", 1, "transforms/numbers", "matmul/float32", "matmul/float64"),
        declare("numbers-chain-f64", 1, "transforms/numbers", "chain/float32", "chain/float64"),
    )
)
"""Every page measurement, by name: a claim's ``suite`` names one of these or a suite."""
