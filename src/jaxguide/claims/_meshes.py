"""Claims of the two-dimensional meshes page, read from what it measures.

``meshes-block`` times the model-parallel block (benchmark ``mlp``) on one device, in
shard_map and in automatic mode, each record holding its differences from the one-device
block and its collectives (:func:`jaxguide.examples.meshes.collectives_in`); params
``batch``. Its model axis has two devices where the device count is even, else one
(:func:`jaxguide.examples.meshes.model_mesh`). ``meshes-training`` runs five steps of
data-parallel training (benchmark ``loop``) on one device and in three parallel forms.
"""

from __future__ import annotations

from jaxguide.claims._core import Evidence, MeasuredClaim, NotApplicable, Pair, StrictClaim
from jaxguide.claims._predicates import agreements, counted, timing_pair
from jaxguide.results import Record, Results, Threshold, benchmark_variants

__all__ = ["CLAIMS"]


def _collectives(record: Record) -> dict[str, int]:
    """A block record's collective counts: its values but the differences from the reference."""
    differences = ("max_abs_diff", "reference_max_abs")
    return {op: int(n) for op, n in record.values.items() if op not in differences}


def same_collectives(results: Results) -> Evidence:
    """Automatic mode's compiled block sends what the shard_map block writes: one all-reduce."""
    by_hand, automatic = (results.record("mlp", v) for v in ("shard_map", "automatic"))
    if results.environment.device_count % 2:
        raise NotApplicable("a model axis of one device: nothing to communicate")
    written, inserted = _collectives(by_hand), _collectives(automatic)
    counted({"all-reduce": written.get("all-reduce", 0)}, "the shard_map block")

    def listed(counts: dict[str, int]) -> str:
        return ", ".join(f"{n} {op}" for op, n in counts.items() if n) or "nothing"

    return Evidence(
        holds=inserted == written and sum(written.values()) == written.get("all-reduce") == 1,
        figure=f"automatic: {listed(inserted)}; shard_map: {listed(written)}",
        values={f"automatic.{op}": n for op, n in inserted.items() if n},
    )


def block_pair(results: Results) -> dict[str, Pair]:
    """The two model-parallel forms' times, for "as fast as" (either may be the slower)."""
    if results.environment.device_count == 1:
        raise NotApplicable("one device: both forms are the one-device block")
    return timing_pair(results, "mlp", "automatic", "shard_map")


CLAIMS = (
    StrictClaim(
        id="model-parallel-block-matches-one-device",
        statement="The model-parallel block, in shard_map and in automatic mode, computes the "
        "one-device block's values.",
        suite="meshes-block",
        falsified_by="The shard_map or automatic-mode block differs from the one-device block by "
        "more than a relative 1e-5.",
        reads=benchmark_variants("mlp/one_device", "mlp/shard_map", "mlp/automatic"),
        predicate=lambda r: agreements(r, "mlp", ("shard_map", "automatic"), rtol=1e-5),
    ),
    StrictClaim(
        id="automatic-block-communicates-as-written",
        statement="For the model-parallel block, automatic mode inserts the collectives the "
        "shard_map version writes by hand (one all-reduce) and no others.",
        suite="meshes-block",
        falsified_by="XLA's compiled automatic-mode block holds a collective other than the one "
        "all-reduce (an all-gather, or a second all-reduce).",
        reads=benchmark_variants("mlp/shard_map", "mlp/automatic"),
        predicate=same_collectives,
    ),
    MeasuredClaim(
        id="model-parallel-forms-as-fast",
        statement="The model-parallel block takes the same time in shard_map as in automatic mode.",
        suite="meshes-block",
        reads=benchmark_variants("mlp/shard_map", "mlp/automatic"),
        predicate=block_pair,
        ratio_of=("the block in automatic mode", "the block in shard_map"),
        threshold=Threshold(at_least=0.8, at_most=1.25),
        falsified_by="on some devices (real GPUs or TPUs linked by a network, where the "
        "all-reduce costs real time) one form's time per call lies outside 0.8 to 1.25 times "
        "the other's",
    ),
    StrictClaim(
        id="training-loops-agree-step-by-step",
        statement="Five data-parallel training steps in pmap, in shard_map and in jit with "
        "shardings give the one-device loop's parameters after every step.",
        suite="meshes-training",
        falsified_by="After some step, a parallel loop's parameters differ from the one-device "
        "loop's by more than a relative 1e-5.",
        reads=benchmark_variants("loop/one_device", "loop/pmap", "loop/shard_map", "loop/jit"),
        predicate=lambda r: agreements(r, "loop", ("pmap", "shard_map", "jit"), rtol=1e-5),
    ),
)
