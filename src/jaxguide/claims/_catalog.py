"""Every claim on the site, listed explicitly: :data:`CLAIMS` is the registry, nothing else."""

from __future__ import annotations

from collections.abc import Iterable

from jaxguide.claims import (
    _autodiff,
    _compilation,
    _control_flow,
    _debugging,
    _memory,
    _meshes,
    _microbatch,
    _numbers,
    _parallel,
    _profiling,
    _pytrees,
    _random,
    _site,
    _transforms,
    _vectorize,
    _vmap_speed,
)
from jaxguide.claims._core import Claim

__all__ = ["CLAIMS"]


def _by_id(claims: Iterable[Claim]) -> dict[str, Claim]:
    found: dict[str, Claim] = {}
    for claim in claims:
        if claim.id in found:
            raise ValueError(f"claim {claim.id!r} listed twice")
        found[claim.id] = claim
    return found


CLAIMS: dict[str, Claim] = _by_id(
    (
        *_vmap_speed.CLAIMS,
        *_memory.CLAIMS,
        *_microbatch.CLAIMS,
        *_transforms.CLAIMS,
        *_parallel.CLAIMS,
        *_site.CLAIMS,
        *_vectorize.CLAIMS,
        *_autodiff.CLAIMS,
        *_compilation.CLAIMS,
        *_meshes.CLAIMS,
        *_profiling.CLAIMS,
        *_control_flow.CLAIMS,
        *_pytrees.CLAIMS,
        *_random.CLAIMS,
        *_debugging.CLAIMS,
        *_numbers.CLAIMS,
    )
)
"""Every claim on the site, by id, in the order the claims report lists them."""
