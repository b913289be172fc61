"""Reference implementations the pages import: one module per transformation."""

from jaxguide.examples import (
    autodiff,
    control_flow,
    grad,
    jit,
    parallel,
    pytrees,
    random,
    vmap,
    vmap_memory,
    vmap_speed,
)
from jaxguide.examples._multiprocess import PortInUse, ProcessResult, launch_processes

__all__ = [
    "PortInUse",
    "ProcessResult",
    "autodiff",
    "control_flow",
    "grad",
    "jit",
    "launch_processes",
    "parallel",
    "pytrees",
    "random",
    "vmap",
    "vmap_memory",
    "vmap_speed",
]
