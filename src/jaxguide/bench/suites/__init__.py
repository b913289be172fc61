"""The harness's suites; importing this package registers each of them."""

from jaxguide.bench.suites import (  # noqa: F401 - importing registers each suite
    parallel,
    transforms,
    vmap_memory,
    vmap_speed,
)
