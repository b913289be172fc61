"""Checkers for the practicals: a reader's function against a reference, in one sentence.

Each practical asks for one function; its checker runs that function on random inputs, and
reads its jaxpr, its compilations or XLA's memory analysis where the task is about structure,
then returns a :class:`Report` naming the first mistake it finds, or what passed.

>>> import jax
>>> from jaxguide.practice import check_per_example_grads, loss
>>> check_per_example_grads(jax.vmap(jax.grad(loss)))
✗ per_example_grads: raised ValueError: vmap was requested to map its argument along axis 0, ... give them in_axes None ...
>>> check_per_example_grads(jax.vmap(jax.grad(loss), in_axes=(None, 0, 0)))
✓ per_example_grads matches a loop of jax.grad(loss) on 3 random batches ...
"""

from jaxguide.practice._budget import MEMORY_BUDGET, check_soft_nearest_batch
from jaxguide.practice._data_parallel import check_data_parallel_step
from jaxguide.practice._ensemble import check_ensemble_predict
from jaxguide.practice._hvp import check_hvp
from jaxguide.practice._keys import NOISE, check_noisy_batch
from jaxguide.practice._logsumexp import check_logsumexp
from jaxguide.practice._models import (
    batch_loss,
    classify_loss,
    init_ensemble,
    init_mlp,
    init_rnn,
    loss,
    predict,
    rnn_cell,
    sgd_step,
    smooth_step,
    soft_nearest,
)
from jaxguide.practice._newton import NEWTON_STEPS, check_newton_sqrt
from jaxguide.practice._per_example import check_per_example_grads
from jaxguide.practice._pytree import check_sgd_update, init_layers, mlp_loss
from jaxguide.practice._report import DEADLINE_S, Report, mistakes_table, recognised_mistakes
from jaxguide.practice._safe_norm import check_safe_norm
from jaxguide.practice._scan import check_batched_rnn, check_rnn
from jaxguide.practice._static import check_smooth
from jaxguide.practice._train_step import check_train_step

__all__ = [
    "DEADLINE_S",
    "MEMORY_BUDGET",
    "NEWTON_STEPS",
    "NOISE",
    "Report",
    "batch_loss",
    "check_batched_rnn",
    "check_data_parallel_step",
    "check_ensemble_predict",
    "check_hvp",
    "check_logsumexp",
    "check_newton_sqrt",
    "check_noisy_batch",
    "check_per_example_grads",
    "check_rnn",
    "check_safe_norm",
    "check_sgd_update",
    "check_smooth",
    "check_soft_nearest_batch",
    "check_train_step",
    "classify_loss",
    "init_ensemble",
    "init_layers",
    "init_mlp",
    "init_rnn",
    "loss",
    "mistakes_table",
    "mlp_loss",
    "predict",
    "recognised_mistakes",
    "rnn_cell",
    "sgd_step",
    "smooth_step",
    "soft_nearest",
]
