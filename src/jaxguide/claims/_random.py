"""Claims of the random-numbers page, read from what that page measures.

``random-per-example`` runs :func:`jaxguide.examples.random.augment` on a batch of zeros (so
that each row is its draw alone) three ways: a Python loop of the jitted function over split
keys (``loop``), the jitted ``vmap`` over the same keys (``vmap``) and the jitted ``vmap`` with
one key for every example (``one-key``); each record holds a digest of its output's bytes
(``digest``) and how many distinct rows it has (``distinct_rows``) of ``rows``.
``random-sharded`` draws one array under ``jit`` twice, on one device and with its output
sharded over a mesh of every device (two axes, ``rows`` × ``cols``; ``cols`` is 1 on an odd
device count), recording digests, the number of shards and each
shard's shape. ``random-split`` times ``jax.random.split(key, n)`` against ``n`` successive
splits in a ``lax.scan``, both jitted; ``random-sampling`` times a sampling function op by op
and jitted.
"""

from __future__ import annotations

from jaxguide.claims._core import Evidence, MeasuredClaim, NotApplicable, Pair, StrictClaim
from jaxguide.claims._predicates import counted, timing_pair
from jaxguide.results import NotMeasured, Results, Threshold, benchmark_variants

__all__ = ["CLAIMS", "SAMPLES", "SPLIT_KEYS"]

SPLIT_KEYS = 10_000
"""How many keys the page makes, at once and one after another."""

SAMPLES = 100_000
"""How many numbers the page's sampling function draws per call."""


def _bitwise(results: Results, benchmark: str, variant: str, reference: str) -> tuple[bool, str]:
    """Whether two records' outputs have the same bytes (digests), and their largest
    difference as :func:`jaxguide.pages.measure` recorded it."""
    found = results.record(benchmark, variant).values
    expected = results.record(benchmark, reference).values
    same = str(found["digest"]) == str(expected["digest"]) and float(found["max_abs_diff"]) == 0
    return same, f"largest difference {float(found['max_abs_diff']):.3g}"


def vmap_matches_loop(results: Results) -> Evidence:
    """The vmapped draws have the loop's bytes, and every example's row is its own."""
    loop = results.record("per-example", "loop").values
    mapped = results.record("per-example", "vmap").values
    rows = int(mapped["rows"])
    counted({"examples": rows}, "per-example/vmap")
    same, difference = _bitwise(results, "per-example", "vmap", "loop")
    distinct = int(mapped["distinct_rows"])
    return Evidence(
        holds=same and distinct == rows == int(loop["rows"]),
        figure=f"{rows} examples: {'the same bits' if same else 'different bits'} as the "
        f"loop ({difference}); {distinct} distinct rows",
        values={"rows": rows, "distinct_rows": distinct, "same_bits": same},
    )


def one_key_repeats(results: Results) -> Evidence:
    """With one key for every example, every row of the draw is the same."""
    values = results.record("per-example", "one-key").values
    rows, distinct = int(values["rows"]), int(values["distinct_rows"])
    counted({"examples": rows}, "per-example/one-key")
    return Evidence(
        holds=rows > 1 and distinct == 1,
        figure=f"{rows} examples, {distinct} distinct row{'s' if distinct != 1 else ''}",
        values={"rows": rows, "distinct_rows": distinct},
    )


def sharded_matches_one_device(results: Results) -> Evidence:
    """The sharded draw has the one-device draw's bytes, over a mesh of more than one device
    with several rows on each."""
    values = results.record("draw", "sharded").values
    shards = int(values["shards"])
    if results.environment.device_count == 1 or shards == 1:
        raise NotApplicable("one device: the sharded draw is the one-device draw")
    rows, cols = int(values["shard_rows"]), int(values["shard_cols"])
    counted({"shards": shards, "rows per shard": rows}, "draw/sharded")
    same, difference = _bitwise(results, "draw", "sharded", "one-device")
    return Evidence(
        holds=same and rows > 1,
        figure=f"{shards} shards of {rows} × {cols} over a {values['mesh']} mesh "
        f"(jax_threefry_partitionable={bool(values['partitionable'])}): "
        f"{'the same bits' if same else 'different bits'} ({difference})",
        values={"shards": shards, "same_bits": same},
    )


def _pair_at(
    results: Results, benchmark: str, slower: str, faster: str, param: str, size: int
) -> dict[str, Pair]:
    """:func:`timing_pair`, once both records were measured at the size the sentence names."""
    for variant in (slower, faster):
        found = results.record(benchmark, variant).params.get(param)
        if found != size:
            raise NotMeasured(f"{benchmark}/{variant} measured at {param}={found}, not {size:,}")
    return timing_pair(results, benchmark, slower, faster)


CLAIMS = (
    StrictClaim(
        id="vmap-keys-match-loop",
        statement="Under jit, vmap over split keys gives each example the draw that a Python "
        "loop of the jitted function over the same keys gives it, bit for bit, and a "
        "different draw for every example.",
        suite="random-per-example",
        falsified_by="The jitted vmap of the page's two-draw function over split keys returns "
        "bytes other than the loop's over the same keys, or two examples with the same row.",
        reads=benchmark_variants("per-example/loop", "per-example/vmap"),
        predicate=vmap_matches_loop,
    ),
    StrictClaim(
        id="one-key-same-draws",
        statement="vmap with one key for every example draws the same numbers for every example.",
        suite="random-per-example",
        falsified_by="The jitted vmap of the page's function with one key shared by every "
        "example returns two different rows for a batch of zeros.",
        reads=benchmark_variants("per-example/one-key"),
        predicate=one_key_repeats,
    ),
    StrictClaim(
        id="sharded-draw-matches-one-device",
        statement="An array of normal numbers drawn under jit with its output sharded over a "
        "mesh of several devices equals, bit for bit, the array drawn from the same key on one "
        "device.",
        suite="random-sharded",
        falsified_by="jax.random.normal under jit with out_shardings over a mesh of several "
        "devices, several rows on each, returns bytes other than the same call on one "
        "device.",
        reads=benchmark_variants("draw/one-device", "draw/sharded"),
        predicate=sharded_matches_one_device,
    ),
    MeasuredClaim(
        id="split-at-once-faster",
        statement="Making 10,000 keys with one jax.random.split(key, 10000) is faster than "
        "making them with 10,000 successive splits, both jitted.",
        suite="random-split",
        falsified_by="The jitted jax.random.split(key, 10000) takes at least 1/1.5 of the time "
        "of the jitted lax.scan of 10,000 successive splits.",
        reads=benchmark_variants("split/at-once", "split/successive"),
        predicate=lambda r: _pair_at(r, "split", "successive", "at-once", "batch", SPLIT_KEYS),
        ratio_of=("the 10,000 successive splits", "one split into 10,000 keys"),
        # One call hashes the 10,000 counters side by side; the scan hashes them one after
        # another, each waiting on the last. A margin of half again leaves room for a host
        # whose loop overhead is smaller than this build's.
        threshold=Threshold(at_least=1.5),
    ),
    MeasuredClaim(
        id="jit-sampling-faster",
        statement="A sampling function of a few random operations (split, normal, bernoulli, "
        "where) is faster jitted than run op by op.",
        suite="random-sampling",
        falsified_by="The jitted sampling function, drawing 100,000 numbers, takes at least "
        "1/1.2 of the time of the same function run op by op.",
        reads=benchmark_variants("sample/op-by-op", "sample/jit"),
        predicate=lambda r: _pair_at(r, "sample", "op-by-op", "jit", "batch", SAMPLES),
        ratio_of=("the sampling function run op by op", "the jitted sampling function"),
        # Op by op, the function is five dispatches (normal and bernoulli are each already one
        # compiled program inside jax.random) and each result is written to memory before the
        # next reads it; jitted, XLA can fuse the arithmetic after the draws. The measurement
        # says only that jit is faster, not which of the two gives the gain; a fifth is the
        # least worth claiming.
        threshold=Threshold(at_least=1.2),
    ),
)
