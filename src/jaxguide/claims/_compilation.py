"""Claims of the page on compiling ahead of time and across processes (``compilation`` suite)."""

from __future__ import annotations

from jaxguide.claims._core import Evidence, MeasuredClaim, Pair, StrictClaim
from jaxguide.claims._predicates import counted
from jaxguide.results import Results, Threshold, benchmark_variants

__all__ = ["CLAIMS"]


def matmul_flops(results: Results) -> Evidence:
    """XLA's flops for an (m, k) @ (k, n) product against the count by hand, 2·m·n·k."""
    record = results.record("cost", "matmul")
    m, k, n = (int(record.params[p]) for p in ("m", "k", "n"))
    flops, by_hand = record.values["flops"], 2 * m * n * k
    counted({"flops": float(flops), "flops by hand": by_hand}, "cost/matmul")
    return Evidence(
        holds=flops == by_hand,
        figure=f"{flops:,.0f} flops estimated, 2·m·n·k = {by_hand:,}",
        values={"flops": flops, "by_hand": by_hand},
    )


def cache_pair(results: Results) -> dict[str, Pair]:
    """A fresh process's first call with the persistent cache off, against warm."""
    off = results.timing("persistent-cache", "off")
    warm = results.timing("persistent-cache", "warm")
    return {"first call, cache off over warm": (off.samples_s, warm.samples_s)}


def donation_aliases(results: Results) -> Evidence:
    """Donated, the whole argument is aliased to the output; kept, nothing is."""
    kept = results.memory("donation", "kept")
    donated = results.memory("donation", "donated")
    counted({"argument bytes": donated.argument_bytes}, "donation/donated")
    return Evidence(
        holds=kept.alias_bytes == 0 and donated.alias_bytes == donated.argument_bytes > 0,
        figure=f"aliased {donated.alias_bytes:,} of {donated.argument_bytes:,} argument bytes "
        f"donated, {kept.alias_bytes:,} kept",
        values={"donated_alias": donated.alias_bytes, "kept_alias": kept.alias_bytes},
    )


CLAIMS = (
    StrictClaim(
        id="cost-analysis-counts-matmul-flops",
        statement="XLA's cost analysis of a compiled (m, k) @ (k, n) product counts 2·m·n·k "
        "floating-point operations, the count by hand.",
        suite="compilation",
        falsified_by="XLA's cost analysis reports a flop count other than 2·m·n·k for the product.",
        reads=benchmark_variants("cost/matmul"),
        predicate=matmul_flops,
    ),
    MeasuredClaim(
        id="persistent-cache-speeds-first-call",
        statement="With the persistent compilation cache warm, a fresh process's first call "
        "of a long jitted function is faster than with the cache off.",
        suite="compilation",
        falsified_by="A fresh process's first call with the cache warm takes more than 1/1.1 of "
        "its time with the cache off.",
        reads=benchmark_variants("persistent-cache/off", "persistent-cache/warm"),
        predicate=cache_pair,
        # The label says "cache off over warm" for the claims report; the sides say it here.
        ratio_of=lambda _: (
            "a fresh process's first call with the cache off",
            "the same call with the cache warm",
            "",
        ),
        threshold=Threshold(at_least=1.1),
    ),
    StrictClaim(
        id="donation-aliases-argument",
        statement="Donating an argument lets XLA write the output into its buffer: the "
        "compiled update aliases all of the argument's bytes, and none without donation.",
        suite="compilation",
        falsified_by="The compiled update aliases fewer than all the donated argument's bytes (XLA "
        "copies), or aliases some undonated.",
        reads=benchmark_variants("donation/kept", "donation/donated"),
        predicate=donation_aliases,
    ),
)
