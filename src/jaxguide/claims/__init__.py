"""Statements the site makes, each bound to the measurement that checks it.

A page states a claim in prose, measures, then calls :func:`verify`: the verdict is glued
into the page beside the sentence (``{claim}`id```), listed in the claims report, and a
strict claim that fails stops the build.

>>> from jaxguide.claims import REGISTRY
>>> all(c.kind in ("strict", "measured") for c in REGISTRY.values())
True
"""

from jaxguide.claims import _memory, _microbatch, _parallel, _site, _transforms, _vmap_speed  # noqa: F401 - importing registers their claims
from jaxguide.claims._core import (
    Claim,
    ClaimFailed,
    Evidence,
    Kind,
    NotMeasured,
    Verdict,
    VerdictStatus,
)
from jaxguide.claims._registry import REGISTRY, verdict_table, verify

__all__ = [
    "REGISTRY",
    "Claim",
    "ClaimFailed",
    "Evidence",
    "Kind",
    "NotMeasured",
    "Verdict",
    "VerdictStatus",
    "verdict_table",
    "verify",
]
