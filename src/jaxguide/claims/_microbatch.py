"""Claims checked by the vmap-memory suite's training step: microbatching against remat.

Records follow :mod:`jaxguide.bench.suites.vmap_memory`: benchmarks ``train-step`` (memory
against ``batch``) and ``train-step-timed`` (one batch, timed), variants ``vmap``,
``chunked``, ``chunked-remat`` and ``microbatched``. The memory claim reads only XLA's
compiled analysis (strict); the time claim is measured.
"""

from __future__ import annotations

from jaxguide.claims._core import Evidence, MeasuredClaim, Pair, StrictClaim
from jaxguide.claims._memory import mib, temp_by_params
from jaxguide.claims._predicates import counted
from jaxguide.results import NotMeasured, Results, Threshold, benchmark_variants

__all__ = ["CLAIMS", "REMAT_FACTOR", "VMAP_FRACTION"]

REMAT_FACTOR = 2.0
""""As much as chunking with remat": microbatching's temporaries within this factor of it."""
VMAP_FRACTION = 0.1
""""Well below plain vmap's": each under this fraction of vmap's temporaries."""


def _top_batch_temps(results: Results) -> tuple[int, dict[str, int]]:
    """The largest batch every form was compiled at, and each form's temporary bytes there."""
    forms = ("vmap", "chunked-remat", "microbatched")
    by_form = {
        form: {n: t for (n, _), t in temp_by_params(results, "train-step", form).items()}
        for form in forms
    }
    common = set.intersection(*(set(temps) for temps in by_form.values()))
    if not common:
        raise NotMeasured("no batch at which vmap, chunked-remat and microbatched all compiled")
    top = max(common)
    counted({f"{form}'s temporary bytes": by_form[form][top] for form in forms}, "train-step")
    return top, {form: by_form[form][top] for form in forms}


def microbatching_cuts_like_remat(results: Results) -> Evidence:
    """At the largest batch, microbatching's temporaries are within 2× of chunking with remat's,
    and both are under a tenth of plain vmap's."""
    top, temps = _top_batch_temps(results)
    micro, remat, vmap = temps["microbatched"], temps["chunked-remat"], temps["vmap"]
    ratio = micro / remat
    return Evidence(
        holds=1 / REMAT_FACTOR <= ratio <= REMAT_FACTOR
        and max(micro, remat) < VMAP_FRACTION * vmap,
        figure=f"at batch {top:,}, microbatching needs {mib(micro)} of temporaries, chunking "
        f"with jax.checkpoint {mib(remat)} ({ratio:.2f}× apart), plain vmap {mib(vmap)} "
        f"({vmap / micro:.0f}× microbatching's)",
        values={"batch": top, "microbatched": micro, "chunked-remat": remat, "vmap": vmap},
    )


def remat_against_microbatching(results: Results) -> dict[str, Pair]:
    """Chunking with remat's samples against microbatching's, timed interleaved."""
    remat = results.by("batch", "train-step-timed", "chunked-remat")
    micro = results.by("batch", "train-step-timed", "microbatched")
    batches = sorted(remat.keys() & micro.keys())
    if not batches:
        raise NotMeasured("no timed chunked-remat and microbatched training steps")
    n = batches[-1]
    a, b = remat[n].timing, micro[n].timing
    if a is None or b is None:
        raise NotMeasured(f"training steps at batch {n:,} without timings")
    return {f"at batch {n:,}": (a.samples_s, b.samples_s)}


CLAIMS = (
    StrictClaim(
        id="microbatching-cuts-like-remat",
        statement="Microbatching cuts a training step's temporary memory as much as chunking "
        "with jax.checkpoint does (within a factor of 2), and both need under a tenth of "
        "plain vmap's, at the largest batch.",
        suite="vmap-memory",
        falsified_by="At the largest batch, microbatching's temporaries lie over 2× from chunking "
        "with checkpoint's, or either reaches a tenth of vmap's.",
        reads=benchmark_variants(
            "train-step/vmap", "train-step/chunked-remat", "train-step/microbatched"
        ),
        predicate=microbatching_cuts_like_remat,
    ),
    MeasuredClaim(
        id="microbatching-beats-remat",
        statement="Microbatching a training step is faster than chunking it with jax.checkpoint.",
        suite="vmap-memory",
        falsified_by="The chunked, checkpointed training step takes under 1.1× the microbatched "
        "step's time.",
        reads=benchmark_variants("train-step-timed/chunked-remat", "train-step-timed/microbatched"),
        predicate=remat_against_microbatching,
        ratio_of=("the chunked, checkpointed training step", "the microbatched step"),
        threshold=Threshold(at_least=1.1),
    ),
)
