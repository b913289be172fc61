"""The harness's suites, listed explicitly: :data:`jaxguide.bench.SUITES` is the registry.

>>> from jaxguide.bench.suites import SUITES
>>> sorted(SUITES)  # doctest: +NORMALIZE_WHITESPACE
['autodiff', 'compilation', 'parallel', 'site-demo', 'transforms-grad', 'transforms-jit', 'transforms-vmap',
 'vmap-memory', 'vmap-speed']
"""

from jaxguide.bench._suites import Suite
from jaxguide.bench.suites import (
    autodiff,
    compilation,
    parallel,
    site_demo,
    transforms,
    vmap_memory,
    vmap_speed,
)

__all__ = [
    "SUITES",
    "autodiff",
    "compilation",
    "parallel",
    "site_demo",
    "transforms",
    "vmap_memory",
    "vmap_speed",
]

SUITES: dict[str, Suite] = {
    suite.name: suite
    for suite in (
        vmap_speed.SUITE,
        vmap_memory.SUITE,
        *transforms.SUITES,
        parallel.SUITE,
        site_demo.SUITE,
        autodiff.SUITE,
        compilation.SUITE,
    )
}
"""Every suite the CLI, the pages and CI can run, by name."""
