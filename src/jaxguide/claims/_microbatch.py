"""Claims checked by the vmap-memory suite's training step: microbatching against remat.

Records follow :mod:`jaxguide.bench.suites.vmap_memory`: benchmarks ``train-step`` (memory
against ``batch``) and ``train-step-timed`` (one batch, timed), variants ``vmap``,
``chunked``, ``chunked-remat`` and ``microbatched``. The memory claim reads only XLA's
compiled analysis (strict); the time claim is measured.
"""

from __future__ import annotations

from jaxguide.bench._results import Results, Timing
from jaxguide.claims._core import Claim, Evidence, NotMeasured
from jaxguide.claims._memory import mib, temp_by_params
from jaxguide.claims._registry import register

__all__ = ["REMAT_FACTOR", "SPEEDUP", "VMAP_FRACTION"]

REMAT_FACTOR = 2.0
""""As much as chunking with remat": microbatching's temporaries within this factor of it."""
VMAP_FRACTION = 0.1
""""Well below plain vmap's": each under this fraction of vmap's temporaries."""
SPEEDUP = 1.1
"""Microbatching is faster when chunking with remat takes more than this many times as long."""


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


def _timing(results: Results, variant: str) -> tuple[int, Timing]:
    for record in results.select("train-step-timed", variant):
        if record.status == "ok" and record.timing is not None:
            return int(record.params["batch"]), record.timing
    raise NotMeasured(f"no timed {variant!r} training step")


def microbatching_beats_remat(results: Results) -> Evidence:
    """Chunking with remat takes more than 1.1× microbatching's time (ratio of medians)."""
    batch, micro = _timing(results, "microbatched")
    _, remat = _timing(results, "chunked-remat")
    ratio = remat.median_s / micro.median_s
    return Evidence(
        holds=ratio > SPEEDUP,
        figure=f"chunking with jax.checkpoint takes {ratio:.2f}× microbatching's time "
        f"({remat.median_s * 1e3:.0f} ms against {micro.median_s * 1e3:.0f} ms, batch {batch:,})",
        values={
            "ratio": ratio,
            "chunked-remat_s": remat.median_s,
            "microbatched_s": micro.median_s,
        },
    )


register(
    Claim(
        id="microbatching-cuts-like-remat",
        statement="Microbatching cuts a training step's temporary memory as much as chunking "
        "with jax.checkpoint does (within a factor of 2), and both need under a tenth of "
        "plain vmap's, at the largest batch.",
        kind="strict",
        suite="vmap-memory",
        predicate=microbatching_cuts_like_remat,
    ),
    Claim(
        id="microbatching-beats-remat",
        statement="Microbatching a training step is faster than chunking it with "
        "jax.checkpoint: chunking with remat takes more than 1.1× microbatching's time.",
        kind="measured",
        suite="vmap-memory",
        predicate=microbatching_beats_remat,
    ),
)
