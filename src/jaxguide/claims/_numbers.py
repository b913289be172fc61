"""Claims of the numbers page (dtypes and precision), read from what that page measures.

``numbers-promotion`` combines an array of each of :data:`PROMOTED` with a number, one record
per dtype: ``python_eager``, ``python_jit`` and ``python_argument`` are the result's dtype with a
Python number of the array's kind (a float for a float array, an int for an integer one) op by
op, inside a jitted function, and passed to a jitted function as an argument; ``numpy_scalar``
the result's dtype with a NumPy ``float32`` (or ``int32``) scalar. ``numbers-x64`` records the
dtype each of :data:`REQUESTS` gives, with ``jax_enable_x64`` off (``default``) and on
(``x64``). ``numbers-matmul`` runs one float32 matmul at each precision setting, recording a
digest of its output's bytes, its relative error against a NumPy float64 product and the
``precision`` its lowered program carries (``DEFAULT``, ``HIGH`` or ``HIGHEST``), and times
them (``batch`` is the matrices' side); ``numbers-matmul-f64`` and ``numbers-chain-f64`` time
a matmul and an element-wise chain in float32 and in float64, each pair interleaved (``batch``
is the matrices' side, and the chain's length).
"""

from __future__ import annotations

from jaxguide.claims._core import Evidence, MeasuredClaim, Pair, StrictClaim
from jaxguide.claims._predicates import counted, timing_pair
from jaxguide.results import NotMeasured, Results, Threshold, benchmark_variants

__all__ = ["CHAIN_SIZE", "CLAIMS", "LOWERED", "MATMUL_SIZE", "PRECISIONS", "PROMOTED", "REQUESTS"]

PROMOTED = ("bfloat16", "float16", "float32", "int8", "uint8", "int16", "int32")
"""The dtypes the promotion claim combines with a Python number and with a NumPy scalar."""

REQUESTS = ("zeros", "asarray", "astype_jit", "array", "arange")
"""What the 64-bit claim asks for: ``jnp.zeros(2, jnp.float64)``, ``jnp.asarray`` of a float64
NumPy array, ``x.astype(jnp.float64)`` inside ``jit``, ``jnp.array(1.0)`` and
``jnp.arange(3)``."""

_WIDE = {"zeros": "float64", "asarray": "float64", "astype_jit": "float64"}
_WIDE |= {"array": "float64", "arange": "int64"}
_NARROW = {name: wide.replace("64", "32") for name, wide in _WIDE.items()}

PRECISIONS = ("default", "bfloat16", "tensorfloat32", "float32")
"""The matmul precision settings the page runs: none, then ``jax.default_matmul_precision``'s."""

LOWERED = {"default": "DEFAULT", "bfloat16": "DEFAULT", "tensorfloat32": "HIGH"}
LOWERED |= {"float32": "HIGHEST"}
"""The precision each setting puts in the lowered dot: none and ``'bfloat16'`` are one program."""

MATMUL_SIZE = 512
"""The side of the square matrices the page multiplies."""

CHAIN_SIZE = 2**20
"""How many entries the page's element-wise chain computes."""


def _kind(dtype: str) -> str:
    return "float32" if "float" in dtype else "int32"


def python_scalar_keeps_dtype(results: Results) -> Evidence:
    """Every dtype keeps its own with a Python number (three ways); a NumPy scalar gives
    float32 or int32."""
    kept, promoted, wrong = 0, 0, []
    for dtype in PROMOTED:
        values = results.record("promote", dtype).values
        if str(values["dtype"]) != dtype:
            raise NotMeasured(f"promote/{dtype} combined an array of {values['dtype']}")
        for way in ("python_eager", "python_jit", "python_argument"):
            found = str(values[way])
            kept += found == dtype
            if found != dtype:
                wrong.append(f"{dtype} with a Python number ({way}) gave {found}")
        found = str(values["numpy_scalar"])
        promoted += found == _kind(dtype) != dtype
        if found != _kind(dtype):
            wrong.append(f"{dtype} with a NumPy {_kind(dtype)} scalar gave {found}")
    counted({"dtypes": len(PROMOTED), "promotions by a NumPy scalar": promoted}, "promote")
    return Evidence(
        holds=not wrong,
        figure=f"{len(PROMOTED)} dtypes: {kept} of {3 * len(PROMOTED)} results with a Python "
        f"number kept the array's dtype; a NumPy scalar widened {promoted} of them"
        + (f"; {'; '.join(wrong)}" if wrong else ""),
        values={"kept": kept, "promoted": promoted},
    )


def float64_needs_x64(results: Results) -> Evidence:
    """Each request gives its 32-bit dtype without x64 and its 64-bit dtype with it."""
    wrong = []
    for variant, expected in (("default", _NARROW), ("x64", _WIDE)):
        values = results.record("request", variant).values
        if bool(values["x64"]) != (variant == "x64"):
            raise NotMeasured(f"request/{variant} ran with jax_enable_x64={values['x64']}")
        wrong += [
            f"{request} gave {values[request]} with jax_enable_x64={variant == 'x64'}"
            for request in REQUESTS
            if str(values[request]) != expected[request]
        ]
    return Evidence(
        holds=not wrong,
        figure=f"{len(REQUESTS)} requests: "
        + ("32-bit without jax_enable_x64, 64-bit with it" if not wrong else "; ".join(wrong)),
        values={"wrong": len(wrong)},
    )


def precision_changes_nothing(results: Results) -> Evidence:
    """The four settings' outputs have the same bytes, from programs that asked for three
    precisions (same bits from one program compiled four times would test nothing)."""
    values = {p: results.record("matmul", p).values for p in PRECISIONS}
    for p, v in values.items():
        if str(v.get("precision")) != LOWERED[p]:
            raise NotMeasured(
                f"matmul/{p} lowered with precision {v.get('precision')}, not {LOWERED[p]}"
            )
    size = int(results.record("matmul", "default").params.get("batch", 0))
    if size != MATMUL_SIZE:
        raise NotMeasured(f"the matmul was {size} × {size}, not {MATMUL_SIZE} × {MATMUL_SIZE}")
    digests = {str(v["digest"]) for v in values.values()}
    errors = {p: float(v["relative_error"]) for p, v in values.items()}
    counted(
        {"relative error": min(errors.values())}, "matmul"
    )  # a product that is exact is no test
    shown = ", ".join(f"{p} {e:.2g}" for p, e in errors.items())
    return Evidence(
        holds=len(digests) == 1,
        figure=f"{'the same bits' if len(digests) == 1 else f'{len(digests)} different outputs'} "
        f"at the {len(PRECISIONS)} settings (lowered as "
        f"{', '.join(LOWERED[p] for p in PRECISIONS)}); relative error against float64: {shown}",
        values={f"{p}.relative_error": e for p, e in errors.items()},
    )


def _f64_pair(results: Results, what: str) -> dict[str, Pair]:
    """The float64 and float32 timings of ``what``, once both ran in the dtype they name, at
    the size the sentence names (the records' ``batch``)."""
    size = {"matmul": MATMUL_SIZE, "chain": CHAIN_SIZE}[what]
    for dtype in ("float32", "float64"):
        record = results.record(what, dtype)
        found = str(record.values["dtype"])
        if found != dtype:
            raise NotMeasured(f"{what}/{dtype} computed in {found}")
        if record.params.get("batch") != size:
            raise NotMeasured(f"{what}/{dtype} ran at {record.params.get('batch')}, not {size}")
    return timing_pair(results, what, "float64", "float32")


CLAIMS = (
    StrictClaim(
        id="python-scalar-keeps-dtype",
        statement="An array of bfloat16, float16, float32, int8, uint8, int16 or int32 combined "
        "with a Python number of its kind (a float with a float array, an int with an integer "
        "array) keeps its dtype, op by op, inside jit and when the number is passed to the "
        "jitted function as an argument; a NumPy float32 or int32 scalar makes the result "
        "float32 or int32.",
        suite="numbers-promotion",
        falsified_by="float16_array * 2.0, or int8_array + 1, op by op or under jit, returns "
        "another dtype than the array's; or float16_array * np.float32(2.0) returns float16.",
        reads=benchmark_variants(*(f"promote/{d}" for d in PROMOTED)),
        predicate=python_scalar_keeps_dtype,
    ),
    StrictClaim(
        id="float64-needs-x64",
        statement="Without jax_enable_x64, a request for float64 (jnp.zeros(..., "
        "dtype=jnp.float64), jnp.asarray of a float64 NumPy array, .astype(jnp.float64) inside "
        "jit) gives float32, and jnp.array(1.0) and jnp.arange(3) are float32 and int32; under "
        "jax.enable_x64(True) the same calls give float64 and int64.",
        suite="numbers-x64",
        falsified_by="With jax_enable_x64 off, one of these calls returns a 64-bit array; or, "
        "inside `with jax.enable_x64(True)`, one returns a 32-bit array.",
        reads=benchmark_variants("request/default", "request/x64"),
        predicate=float64_needs_x64,
    ),
    StrictClaim(
        id="matmul-precision-no-effect-on-cpu",
        statement="On a CPU, a float32 matmul gives the same bits whatever the matmul precision: "
        "jax.default_matmul_precision('bfloat16'), 'tensorfloat32', 'float32', or none set.",
        suite="numbers-matmul",
        falsified_by="On a CPU, jnp.matmul of two 512 × 512 float32 matrices returns other bits "
        "under jax.default_matmul_precision('bfloat16') or 'tensorfloat32' than under "
        "'float32'. The claim names CPUs because a GPU with TensorFloat-32 (an A100 or H100) "
        "falsifies it: there the default and 'tensorfloat32' round the inputs to TF32, and the "
        "error against float64 grows.",
        reads=benchmark_variants(*(f"matmul/{p}" for p in PRECISIONS)),
        predicate=precision_changes_nothing,
        backends=("cpu",),
    ),
    MeasuredClaim(
        id="float32-matmul-faster",
        statement="On a CPU, a 512 × 512 matmul is faster in float32 than in float64.",
        suite="numbers-matmul-f64",
        falsified_by="On a CPU, the jitted 512 × 512 float32 matmul takes at least 1/1.3 of "
        "the time of the same matmul in float64.",
        reads=benchmark_variants("matmul/float32", "matmul/float64"),
        predicate=lambda r: _f64_pair(r, "matmul"),
        ratio_of=("the float64 matmul", "the float32 matmul"),
        # A float32 vector register holds twice as many numbers as a float64 one, and the
        # matrices take half the memory: up to 2× on a CPU whose matmul is compute-bound. A
        # third is the least worth saying "faster" for, with room for a busy machine.
        threshold=Threshold(at_least=1.3),
        backends=("cpu",),
    ),
    MeasuredClaim(
        id="float32-chain-faster",
        statement="On a CPU, an element-wise chain (tanh, exp, sin and products) over 2**20 "
        "entries is faster in float32 than in float64.",
        suite="numbers-chain-f64",
        falsified_by="On a CPU, the jitted chain over 2**20 float32 entries takes at least "
        "1/1.3 of the time of the same chain in float64.",
        reads=benchmark_variants("chain/float32", "chain/float64"),
        predicate=lambda r: _f64_pair(r, "chain"),
        ratio_of=("the float64 chain", "the float32 chain"),
        # Half the bytes to read and write, twice the numbers per vector instruction, and
        # float32 polynomial approximations of tanh, exp and sin with fewer terms.
        threshold=Threshold(at_least=1.3),
        backends=("cpu",),
    ),
)
