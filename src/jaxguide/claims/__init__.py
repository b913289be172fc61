"""Statements the site makes, each bound to the measurement that checks it.

A page states a claim in prose, measures, then calls :func:`verify`: the verdict is glued
into the page beside the sentence (``{claim}`id```), listed in the claims report, and a
strict claim that fails, or is not measured where it applies, stops the build.

>>> from jaxguide.claims import CLAIMS
>>> {c.kind for c in CLAIMS.values()} == {"strict", "measured"}
True
"""

from jaxguide.claims._catalog import CLAIMS
from jaxguide.claims._core import (
    MIME_TYPE,
    Claim,
    ClaimFailed,
    Evidence,
    Kind,
    MeasuredClaim,
    NotApplicable,
    Pair,
    RatioOf,
    StrictClaim,
    Verdict,
    VerdictStatus,
    largest,
)
from jaxguide.claims._memory import mib, temp_by_params
from jaxguide.claims._predicates import (
    NEAR,
    NearThreshold,
    agree,
    agreement,
    agreements,
    timing_pair,
)
from jaxguide.claims._verify import (
    RESULTS_MIME_TYPE,
    SITE_BUILD_ENV,
    VERIFIED_MIME_TYPE,
    check_strict,
    verdicts,
    verify,
)
from jaxguide.claims._vmap_speed import FAR_PAST

__all__ = [
    "CLAIMS",
    "FAR_PAST",
    "MIME_TYPE",
    "NEAR",
    "RESULTS_MIME_TYPE",
    "SITE_BUILD_ENV",
    "VERIFIED_MIME_TYPE",
    "Claim",
    "ClaimFailed",
    "Evidence",
    "Kind",
    "MeasuredClaim",
    "NearThreshold",
    "NotApplicable",
    "Pair",
    "RatioOf",
    "StrictClaim",
    "Verdict",
    "VerdictStatus",
    "agree",
    "agreement",
    "agreements",
    "check_strict",
    "largest",
    "mib",
    "temp_by_params",
    "timing_pair",
    "verdicts",
    "verify",
]
