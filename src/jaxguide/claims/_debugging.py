"""Claims of the debugging page, read from what that page measures.

``debugging-nans`` runs two jitted functions whose NaN is made deep inside them, one by
``sqrt`` (the variant ``sqrt``: :func:`jaxguide.examples.debugging.deep_nan`) and one by
``log`` (the variant ``log``), first without and then with ``jax_debug_nans``; each record
holds whether the plain run returned a NaN (``nan_without_flag``), the error the flagged run
raised (``error``, its type's name) and the primitive its message names (``named``).
``debugging-index`` runs :func:`jaxguide.examples.debugging.pick` at an index past the end
under ``jit`` (``jit``), checkified under ``jit`` (``checkify-jit``) and checkified under
``vmap`` and ``jit`` with one index of a batch past the end (``checkify-vmap``); each record
holds the error checkify reported (``error``, empty for none) and whether the output at the
bad index was the array's last entry (``clamped``). ``debugging-prints`` calls a jitted
function that calls ``print`` and ``jax.debug.print`` ``calls`` times on a scalar (``jit``),
and its jitted ``vmap`` ``calls`` times on a batch of ``examples`` (``vmap``), counting the lines each printed.
``debugging-cost`` times the jitted :func:`~jaxguide.examples.debugging.deep_nan` against its
checkified form (NaN checks) on ``batch`` numbers, none of them making a NaN.
"""

from __future__ import annotations

from jaxguide.claims._core import Evidence, MeasuredClaim, Pair, StrictClaim
from jaxguide.claims._predicates import counted, timing_pair
from jaxguide.results import NotMeasured, Results, Threshold, benchmark_variants

__all__ = ["CHECKED_SIZE", "CLAIMS", "NAN_PRIMITIVES"]

NAN_PRIMITIVES = ("sqrt", "log")
"""The primitives whose NaN the page's two functions make, each a variant of ``nans``."""

CHECKED_SIZE = 100_000
"""How many numbers the checkified function's timing runs on."""


def debug_nans_names_primitive(results: Results) -> Evidence:
    """Each function returned a NaN unflagged, and flagged raised FloatingPointError naming
    the primitive that made it."""
    found: dict[str, str] = {}
    holds = True
    for primitive in NAN_PRIMITIVES:
        values = results.record("nans", primitive).values
        named = str(values["named"])
        found[primitive] = named
        holds = holds and (
            bool(values["nan_without_flag"])
            and str(values["error"]) == "FloatingPointError"
            and named == primitive
        )
    shown = ", ".join(
        f"a NaN made by {p}: the error names {n or 'nothing'}" for p, n in found.items()
    )
    return Evidence(holds=holds, figure=shown, values={f"named_{p}": n for p, n in found.items()})


def checkify_catches_index(results: Results) -> Evidence:
    """Plain jit clamped the index silently; checkify reported it under jit and under vmap,
    naming the mapped position."""
    plain = results.record("index", "jit").values
    jitted = results.record("index", "checkify-jit").values
    mapped = results.record("index", "checkify-vmap").values
    clamped = bool(plain["clamped"]) and not str(plain["error"])
    caught = "out-of-bounds" in str(jitted["error"])
    caught_mapped = "out-of-bounds" in str(mapped["error"]) and "mapped index" in str(
        mapped["error"]
    )
    figure = (
        f"jit alone: {'the last entry, no error' if clamped else 'not clamped silently'}; "
        f"checkify under jit: {'error' if caught else 'no error'}; under vmap: "
        f"{'error at a mapped index' if caught_mapped else 'no error at a mapped index'}"
    )
    return Evidence(
        holds=clamped and caught and caught_mapped,
        figure=figure,
        values={"clamped": clamped, "caught": caught, "caught_mapped": caught_mapped},
    )


def prints_counted(results: Results) -> Evidence:
    """Under jit, print printed once in ``calls`` calls and jax.debug.print once a call; under
    vmap (jitted, called ``calls`` times), print once and jax.debug.print once an example a
    call."""
    jitted = results.record("prints", "jit").values
    mapped = results.record("prints", "vmap").values
    calls, examples = int(jitted["calls"]), int(mapped["examples"])
    mapped_calls = int(mapped["calls"])
    counted({"calls": calls, "debug.print lines": int(jitted["debug_lines"])}, "prints/jit")
    counted({"examples": examples, "print lines": int(mapped["print_lines"])}, "prints/vmap")
    jit_print, jit_debug = int(jitted["print_lines"]), int(jitted["debug_lines"])
    vmap_print, vmap_debug = int(mapped["print_lines"]), int(mapped["debug_lines"])
    return Evidence(
        holds=calls > 1
        and examples > 1
        and (jit_print, jit_debug) == (1, calls)
        and (vmap_print, vmap_debug) == (1, examples * mapped_calls),
        figure=f"jit, {calls} calls: print {jit_print} line(s), jax.debug.print {jit_debug}; "
        f"vmap over {examples} examples, {mapped_calls} calls: print {vmap_print}, jax.debug.print {vmap_debug}",
        values={"jit_print": jit_print, "jit_debug": jit_debug, "vmap_debug": vmap_debug},
    )


def _pair_at(results: Results) -> dict[str, Pair]:
    """:func:`timing_pair`, once both records were measured at the size the sentence names."""
    for variant in ("checkified", "unchecked"):
        found = results.record("checkify", variant).params.get("batch")
        if found != CHECKED_SIZE:
            raise NotMeasured(f"checkify/{variant} measured at batch={found}, not {CHECKED_SIZE:,}")
    return timing_pair(results, "checkify", "checkified", "unchecked")


CLAIMS = (
    StrictClaim(
        id="debug-nans-names-primitive",
        statement="With jax_debug_nans on, a jitted function whose output holds a NaN made "
        "deep inside raises FloatingPointError, and its message names the primitive that made "
        "the NaN.",
        suite="debugging-nans",
        falsified_by="With jax_debug_nans on, the page's jitted functions, whose NaN is made by "
        "sqrt in one and by log in the other, return without an error, or raise one whose "
        "message names another primitive or none.",
        reads=benchmark_variants(*(f"nans/{p}" for p in NAN_PRIMITIVES)),
        predicate=debug_nans_names_primitive,
    ),
    StrictClaim(
        id="checkify-catches-clamped-index",
        statement="An index past the end, which jit clamps to the last entry without an "
        "error, is reported as an out-of-bounds error by checkify, under jit and under vmap.",
        suite="debugging-index",
        falsified_by="Under jit, x[i] with i past the end raises or returns something other "
        "than the last entry; or checkify's index checks, under jit or under vmap and jit, "
        "report no out-of-bounds error for it.",
        reads=benchmark_variants("index/jit", "index/checkify-jit", "index/checkify-vmap"),
        predicate=checkify_catches_index,
    ),
    StrictClaim(
        id="print-once-debug-print-every-call",
        statement="In a jitted function, print prints once, when the function is traced, and "
        "jax.debug.print at every call; under vmap, jax.debug.print prints once for each "
        "example.",
        suite="debugging-prints",
        falsified_by="A jitted function called several times with the same shapes prints its "
        "print line more than once or its jax.debug.print line other than once a call; or "
        "under vmap its jax.debug.print prints other than one line per example.",
        reads=benchmark_variants("prints/jit", "prints/vmap"),
        predicate=prints_counted,
    ),
    MeasuredClaim(
        id="checkify-nan-checks-cost",
        statement="checkify's NaN checks make the page's jitted chain of element-wise "
        "operations (log, tanh, sqrt, then a sum) at least 1.5× slower on 100,000 numbers.",
        suite="debugging-cost",
        falsified_by="The jitted checkify(deep_nan, errors=nan_checks) takes less than 1.5 "
        "times the time of the jitted deep_nan on 100,000 numbers.",
        reads=benchmark_variants("checkify/unchecked", "checkify/checkified"),
        predicate=_pair_at,
        ratio_of=("the checkified function", "the unchecked function"),
        # The unchecked chain is one fused loop over the numbers and a sum. With NaN checks,
        # each of the three element-wise operations' outputs is also tested for NaN, and the
        # error (a flag and a code) is carried out of the program beside the result. The
        # build measured about three times; half again is the least worth saying.
        threshold=Threshold(at_least=1.5),
    ),
)
