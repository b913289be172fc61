"""Results: the one schema every measurement is written in, its queries, and the comparison rule.

The harness (:mod:`jaxguide.bench`) writes results; claims, tables, charts, pages and the CLI
read them through this module, which depends on nothing else in the package.

>>> from jaxguide.results import Threshold, compare
>>> compare([2.0, 2.1, 1.9], [1.0, 1.1, 0.9], Threshold(at_least=1.5)).outcome
'holds'
"""

from jaxguide.results._compare import (
    CONFIDENCE,
    Comparison,
    Outcome,
    Quantifier,
    Threshold,
    combine,
    compare,
)
from jaxguide.results._schema import (
    EXAMPLE_ENVIRONMENT,
    SCHEMA,
    Environment,
    Load,
    Memory,
    Method,
    NotMeasured,
    Record,
    Results,
    ResultsError,
    Scalar,
    Status,
    Summary,
    Timing,
    benchmark_variants,
    load_results,
)
from jaxguide.results._stored import STORED_RESULTS, differences, load_stored

__all__ = [
    "CONFIDENCE",
    "EXAMPLE_ENVIRONMENT",
    "SCHEMA",
    "STORED_RESULTS",
    "Comparison",
    "Environment",
    "Load",
    "Memory",
    "Method",
    "NotMeasured",
    "Outcome",
    "Quantifier",
    "Record",
    "Results",
    "ResultsError",
    "Scalar",
    "Status",
    "Summary",
    "Threshold",
    "Timing",
    "benchmark_variants",
    "combine",
    "compare",
    "differences",
    "load_results",
    "load_stored",
]
