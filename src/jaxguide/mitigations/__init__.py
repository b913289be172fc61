"""Memory mitigations for :func:`jax.vmap`: a chunked vmap, microbatching, and their planners.

>>> import jax, jax.numpy as jnp
>>> from jaxguide.mitigations import chunked_vmap
>>> xs = jnp.arange(12.0).reshape(6, 2)
>>> chunked_vmap(jnp.sum, chunk_size=4)(xs)
Array([ 1.,  5.,  9., 13., 17., 21.], dtype=float32)
"""

from jaxguide.mitigations._chunked import batch_size, chunked_vmap
from jaxguide.mitigations._microbatch import microbatched_value_and_grad
from jaxguide.mitigations._planner import (
    ChunkPlan,
    MicrobatchPlan,
    plan_chunk_size,
    plan_microbatch_size,
)

__all__ = [
    "ChunkPlan",
    "MicrobatchPlan",
    "batch_size",
    "chunked_vmap",
    "microbatched_value_and_grad",
    "plan_chunk_size",
    "plan_microbatch_size",
]
