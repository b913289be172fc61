"""Claims checked by the vmap-memory suite: claim 4 of the vmap course page, and chunking's
memory and time.

The strict claims read only XLA's compiled memory analysis (deterministic for a given
jax/jaxlib and backend); the time cost of chunking is a measured claim.
"""

from __future__ import annotations

from jaxguide.claims._core import Evidence, MeasuredClaim, Pair, StrictClaim
from jaxguide.claims._predicates import counted
from jaxguide.claims._sources import SEED_COURSE
from jaxguide.results import Memory, NotMeasured, Results, Threshold

__all__ = ["CLAIMS", "mib", "temp_by_params"]

FOLD_TOLERANCE = 2.0
""""About k-fold": the measured cut lies between k / 2 and 2k."""


def mib(nbytes: float) -> str:
    """Bytes as a reader reads them.

    >>> mib(3 * 2**20), mib(96 * 2**10)
    ('3.0 MiB', '0.09 MiB')
    """
    return f"{nbytes / 2**20:.1f} MiB" if nbytes >= 2**20 else f"{nbytes / 2**20:.2f} MiB"


def temp_by_params(results: Results, benchmark: str, variant: str) -> dict[tuple[int, int], int]:
    """XLA's temporary bytes by ``(batch, chunk)``, for the records that ran."""
    out: dict[tuple[int, int], int] = {}
    for record in results.select(benchmark, variant):
        if record.status == "ok" and isinstance(record.memory, Memory):
            out[int(record.params["batch"]), int(record.params["chunk"])] = record.memory.temp_bytes
    if not out:
        raise NotMeasured(f"no {benchmark!r}/{variant!r} memory records")
    return out


def vmap_materializes_batch(results: Results) -> Evidence:
    """Seed claim 4: vmap's temporaries hold every example's attention weights at once,
    while the sequential map's stay the same at every batch size."""
    vmap = {n: t for (n, _), t in temp_by_params(results, "attention", "vmap").items()}
    seq = {n: t for (n, _), t in temp_by_params(results, "attention", "sequential").items()}
    weights = {
        int(r.params["batch"]): int(r.values["weights_bytes"])
        for r in results.select("attention", "vmap")
        if r.status == "ok"
    }
    top = max(vmap)
    counted({f"vmap's temporary bytes at batch {n}": t for n, t in vmap.items()}, "attention")
    counted({f"attention-weight bytes at batch {n}": w for n, w in weights.items()}, "attention")
    holds = all(vmap[n] >= weights[n] for n in vmap) and len(set(seq.values())) == 1
    return Evidence(
        holds=holds,
        figure=f"at batch {top}, vmap needs {mib(vmap[top])} of temporaries "
        f"({vmap[top] / weights[top]:.2f}× the whole batch's attention weights); the "
        f"sequential map {mib(max(seq.values()))} at every batch",
        values={f"vmap@{n}": t for n, t in vmap.items()}
        | {f"sequential@{n}": t for n, t in seq.items()},
    )


def chunking_cuts_k_fold(results: Results) -> Evidence:
    """Splitting the largest batch into k equal chunks cuts vmap's temporaries k-fold, ±2×."""
    vmap = {n: t for (n, _), t in temp_by_params(results, "attention", "vmap").items()}
    top = max(vmap)
    chunked = temp_by_params(results, "attention", "chunked_vmap")
    counted(
        {f"temporary bytes at batch {n}, chunk {c}": t for (n, c), t in chunked.items()},
        "attention/chunked_vmap",
    )
    counted({f"vmap's temporary bytes at batch {top}": vmap[top]}, "attention/vmap")
    cuts = {top // c: vmap[top] / t for (n, c), t in chunked.items() if n == top and top % c == 0}
    cuts = {k: r for k, r in sorted(cuts.items()) if k > 1}
    if not cuts:
        raise NotMeasured(f"no chunk size dividing batch {top}")
    return Evidence(
        holds=all(k / FOLD_TOLERANCE <= r <= k * FOLD_TOLERANCE for k, r in cuts.items()),
        figure=f"at batch {top}: "
        + ", ".join(f"{k} chunks cut it {r:.1f}-fold" for k, r in cuts.items()),
        values={f"cut@k={k}": r for k, r in cuts.items()},
    )


def chunking_time_pairs(results: Results) -> dict[str, Pair]:
    """Each chunk size's samples against vmap's, at the timed batch (timed interleaved)."""
    timed = {
        int(r.params["chunk"]): r.timing
        for r in results.records
        if r.benchmark == "attention-timed" and r.status == "ok" and r.timing is not None
    }
    vmap = results.timing("attention-timed", "vmap")
    full = max(timed)
    return {
        f"chunk {c} of {full}": (timed[c].samples_s, vmap.samples_s)
        for c in sorted(timed)
        if c < full
    }


def _chunked_against_vmap(label: str) -> tuple[str, str, str]:
    """The sides of :func:`chunking_time_pairs`' comparison ``label``.

    >>> _chunked_against_vmap("chunk 4 of 64")
    ('the batch of 64 in chunks of 4', 'vmap of the whole batch', '')
    """
    chunk, _, full = label.removeprefix("chunk ").partition(" of ")
    return f"the batch of {full} in chunks of {chunk}", "vmap of the whole batch", ""


def grad_needs_remat(results: Results) -> Evidence:
    """Under grad of a batch loss, chunks cut memory about k-fold only with jax.checkpoint."""
    cuts: dict[str, float] = {}
    k = 0
    for name in ("batch-loss", "batch-loss-remat"):
        temps = temp_by_params(results, "grad", name)
        counted({f"temporary bytes at chunk {c}": t for (_, c), t in temps.items()}, f"grad/{name}")
        (n, _), (_, c) = max(temps), min(temps)
        k, cuts[name] = n // c, temps[n, n] / temps[n, c]
    plain, remat = cuts["batch-loss"], cuts["batch-loss-remat"]
    return Evidence(
        holds=plain < FOLD_TOLERANCE and k / FOLD_TOLERANCE <= remat <= k * FOLD_TOLERANCE,
        figure=f"{k} chunks cut the gradient's temporaries {plain:.2f}-fold without "
        f"checkpointing, {remat:.1f}-fold with it",
        values={"chunks": k, "cut": plain, "cut_remat": remat},
    )


_ATTENTION = frozenset(("attention", v) for v in ("vmap", "chunked_vmap", "sequential"))
_GRAD = frozenset(("grad", v) for v in ("batch-loss", "batch-loss-remat"))
_TIMED = frozenset(("attention-timed", v) for v in ("vmap", "chunked_vmap", "sequential"))

CLAIMS = (
    StrictClaim(
        id="vmap-materializes-batch",
        statement="vmap can raise peak memory: intermediates are materialized for the whole "
        "batch at once.",
        suite="vmap-memory",
        falsified_by="XLA's memory analysis gives vmapped attention fewer temporary bytes than the "
        "batch's attention weights, or the sequential map's temporaries grow with the batch.",
        reads=_ATTENTION,
        predicate=vmap_materializes_batch,
        source=SEED_COURSE,
    ),
    StrictClaim(
        id="chunking-cuts-memory-k-fold",
        statement="Chunking a vmap into k chunks cuts its peak temporary memory about k-fold "
        "(within a factor of 2).",
        suite="vmap-memory",
        falsified_by="XLA's memory analysis shows k chunks cutting vmap's temporaries less than "
        "k/2-fold or more than 2k-fold.",
        reads=_ATTENTION,
        predicate=chunking_cuts_k_fold,
    ),
    MeasuredClaim(
        id="chunking-costs-time",
        statement="Chunking costs time: at every chunk size, the batch takes longer than vmap "
        "of the whole batch.",
        suite="vmap-memory",
        falsified_by="At some chunk size, the chunked batch takes under 1.1× the time of vmap of "
        "the whole batch.",
        reads=_TIMED,
        predicate=chunking_time_pairs,
        ratio_of=_chunked_against_vmap,
        threshold=Threshold(at_least=1.1),
    ),
    StrictClaim(
        id="grad-chunking-needs-remat",
        statement="Under jax.grad of a loss over a chunked batch, chunking cuts temporary "
        "memory only when each chunk is rematerialized with jax.checkpoint.",
        suite="vmap-memory",
        falsified_by="Under grad, chunks without jax.checkpoint cut the temporaries 2-fold or "
        "more, or with it not about k-fold.",
        reads=_GRAD,
        predicate=grad_needs_remat,
    ),
)
