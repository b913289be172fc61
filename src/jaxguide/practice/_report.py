"""What a checker says: a pass or the first mistake found, in one sentence.

A checker calls the reader's function through :func:`call` (a deadline, and JAX's errors shown
whole, with advice only when a :class:`Hint`'s evidence is there), then compares its output
with the reference through :func:`identify`, which first computes each :class:`Wrong` answer
learners give on the same inputs and says which one the output equals.
"""

from __future__ import annotations

import contextlib
import contextvars
import ctypes
import functools
import inspect
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, ParamSpec

import jax
import jaxlib
import numpy as np

__all__ = [
    "DEADLINE_S",
    "Fitted",
    "Hint",
    "Mistake",
    "NotWritten",
    "Report",
    "Wrong",
    "call",
    "checker",
    "function_name",
    "identify",
    "mistakes_table",
    "recognised_mistakes",
]

DEADLINE_S = 30.0
"""How long one call of the reader's function may take, in seconds, unless a check is told."""


@dataclass(frozen=True)
class Report:
    """A checker's verdict on a reader's function: passed or not, and one sentence saying why.

    It shows as that sentence, marked ✓ or ✗ (○ for an optional task left unwritten, which
    was ``skipped``), so a notebook cell ending in a check shows it; it is truthy when the
    check passed.

    >>> Report(passed=False, message="wrong shape: expected (8, 3), got (3,)")
    ✗ wrong shape: expected (8, 3), got (3,)
    >>> bool(Report(passed=True, message="matches the reference"))
    True
    >>> Report(passed=False, message="step: skipped (optional): not written yet", skipped=True)
    ○ step: skipped (optional): not written yet
    """

    passed: bool
    message: str
    skipped: bool = False

    def __repr__(self) -> str:
        mark = "○" if self.skipped else "✓" if self.passed else "✗"
        return f"{mark} {self.message}"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return self.passed


class Mistake(Exception):
    """Raised inside a checker to stop at the first mistake; the checker reports its message."""


class NotWritten(Mistake):
    """The reader's function raised ``NotImplementedError``: the starter, left as it was."""


class Fitted(NamedTuple):
    """What a :class:`Wrong` family returns once fitted to the reader's output: its value, and
    the words that say which member of the family it is (``"with eps 1e-2"``)."""

    value: Any
    detail: str


@dataclass(frozen=True)
class Wrong:
    """A mistake learners make, written as the function that makes it.

    ``output(*inputs)`` is what the mistaken answer returns on the check's inputs; with
    ``fit``, ``output(*inputs, got=...)`` sees the reader's output too, and returns a
    :class:`Fitted` (the family member nearest it, such as a finite difference's step) or
    ``None``. ``says`` completes "your output equals …"; ``fix`` says what to do instead.
    """

    name: str
    says: str
    output: Callable[..., Any]
    fix: str = ""
    fit: bool = False
    rtol: float | None = None
    atol: float | None = None


@dataclass(frozen=True)
class Hint:
    """Advice for an error, given only when ``evidence(error, text)`` finds what it is about.

    ``text`` is the error's whole message; ``evidence`` returns the advice (it may name what
    it found) or ``None``.
    """

    name: str
    evidence: Callable[[BaseException, str], str | None]


P = ParamSpec("P")

_recognised: dict[str, tuple[str, ...]] = {}
_check_names: dict[str, str] = {}
_deadline: contextvars.ContextVar[float] = contextvars.ContextVar("deadline", default=DEADLINE_S)


def recognised_mistakes() -> dict[str, tuple[str, ...]]:
    """Every checker's task, with the mistakes its check names when it sees them.

    >>> import jaxguide.practice
    >>> "the gradient of f instead of H·v" in recognised_mistakes()["hvp"]
    True
    """
    return dict(_recognised)


def mistakes_table() -> str:
    """A Markdown table of the mistakes each check names, one row per check.

    >>> import jaxguide.practice
    >>> "| `check_hvp` | 8 | the gradient of f instead of H·v;" in mistakes_table()
    True
    """
    rows = ["| Check | How many | The mistakes it names |", "|---|---|---|"]
    rows += [
        f"| `{_check_names[task]}` | {len(named)} | {'; '.join(named)} |"
        for task, named in _recognised.items()
    ]
    return "\n".join(rows)


def checker(
    task: str, mistakes: Sequence[Wrong | Hint | str] = (), *, named: bool = False
) -> Callable[[Callable[P, str]], Callable[P, Report]]:
    """Make a checker for the function the practical calls ``task``.

    The decorated ``run`` returns the sentence that says what passed, or raises
    :class:`Mistake`; the checker reports ``"<task>: <the mistake>"`` (with ``named``, the
    name of the reader's function, its first argument, where it has one: a practical that asks
    for several versions of one task, such as ``step_shard_map`` and ``step_pmap``). ``mistakes``
    lists what the check names when it sees it (for :func:`recognised_mistakes`). The checker
    takes a keyword ``deadline``, the seconds each call of the reader's function may take, and
    a keyword ``optional``: an optional task left unwritten (its function raises
    ``NotImplementedError``) is reported skipped rather than failed.
    """
    names = tuple(m if isinstance(m, str) else m.name for m in mistakes)
    _recognised[task] = tuple(dict.fromkeys(names))

    def decorate(run: Callable[P, str]) -> Callable[P, Report]:
        _check_names[task] = run.__name__

        @functools.wraps(run)
        def check(*args: P.args, **kwargs: P.kwargs) -> Report:
            seconds = kwargs.pop("deadline", None)
            optional = bool(kwargs.pop("optional", False))
            subject = function_name(args[0], task) if named and args else task
            token = _deadline.set(DEADLINE_S if seconds is None else float(seconds))  # type: ignore[arg-type]
            try:
                return Report(passed=True, message=run(*args, **kwargs))
            except NotWritten as mistake:
                if not optional:
                    return Report(passed=False, message=f"{subject}: {_one_line(str(mistake))}")
                return Report(
                    passed=False,
                    message=f"{subject}: skipped (optional): {_one_line(str(mistake))}",
                    skipped=True,
                )
            except Mistake as mistake:
                return Report(passed=False, message=f"{subject}: {_one_line(str(mistake))}")
            except Exception as error:  # noqa: BLE001 (the reader's code, met outside call())
                return Report(
                    passed=False,
                    message=f"{subject}: while the check read your answer, "
                    f"{type(error).__name__} was raised: {_one_line(message(error))}",
                )
            finally:
                _deadline.reset(token)

        # Document (and introspect) the checker as what it is: it returns a Report.
        signature = inspect.signature(run)
        deadline = inspect.Parameter(
            "deadline", inspect.Parameter.KEYWORD_ONLY, default=None, annotation="float | None"
        )
        optional = inspect.Parameter(
            "optional", inspect.Parameter.KEYWORD_ONLY, default=False, annotation="bool"
        )
        check.__signature__ = signature.replace(  # type: ignore[attr-defined]
            parameters=[*signature.parameters.values(), deadline, optional],
            return_annotation="Report",
        )
        check.__annotations__ = {
            **run.__annotations__,
            "deadline": "float | None",
            "optional": "bool",
            "return": "Report",
        }
        return check

    return decorate


# --- calling the reader's function --------------------------------------------------------

# Errors of code that runs eagerly but not under jit: such a function is called eagerly.
_NOT_JITTABLE = (
    jax.errors.ConcretizationTypeError,
    jax.errors.TracerArrayConversionError,
    jax.errors.TracerBoolConversionError,
    jax.errors.TracerIntegerConversionError,
)

TRACER_HINTS = (
    Hint(
        "a Python if or while on a traced value",
        lambda e, _: (
            "a Python if, while or bool() needs a concrete value, which a traced array "
            "is not: use jnp.where or lax.cond, or make that argument static"
            if isinstance(e, jax.errors.TracerBoolConversionError)
            else None
        ),
    ),
    Hint(
        "a traced value where Python needs a concrete one",
        lambda e, _: (
            "a traced value was used where a concrete one is needed (a shape, a range, "
            "an index): compute it from shapes, or make that argument static"
            if isinstance(e, jax.errors.ConcretizationTypeError)
            and not isinstance(e, jax.errors.TracerBoolConversionError)
            else None
        ),
    ),
    Hint(
        "a traced value kept after its transformation",
        lambda e, _: (
            "a traced value outlived the transformation that made it (kept in a "
            "global, a list or an attribute): return it instead"
            if isinstance(e, jax.errors.UnexpectedTracerError)
            else None
        ),
    ),
)


class _Late(BaseException):
    """Raised in the thread that runs the reader's call once its deadline has passed: a
    BaseException, so ``except Exception`` in the reader's own code does not swallow it."""


GRACE_S = 1.0
"""How long a late call is given to stop once told to, in seconds."""


class _Stuck(Exception):
    """A late call that could not be stopped; ``compiled`` if it waits in JAX's compiled code."""

    def __init__(self, compiled: bool) -> None:
        super().__init__(compiled)
        self.compiled = compiled


_in_call = threading.local()
_INSIDE = tuple(
    str(Path(path).parent) + os.sep for path in (jax.__file__, jaxlib.__file__, __file__) if path
)


def _jax_locals() -> list[tuple[Any, Any]]:
    """This thread's own JAX settings (``with jax.numpy_rank_promotion(...)``, a mesh), which a
    new thread would not see; empty if this JAX keeps them elsewhere."""
    try:
        from jax._src import config  # noqa: PLC0415 (private: read only to pass settings on)

        found = {id(s): s for s in config.config_states.values()}
        for value in vars(config).values():
            if isinstance(value, config.config_ext.Config):
                found.setdefault(id(value), value)
        unset = config.config_ext.unset
        return [(s, v) for s in found.values() if (v := s.get_local()) is not unset]
    except Exception:  # noqa: BLE001 (another JAX: run with the global settings)
        return []


def _adopt(settings: list[tuple[Any, Any]]) -> None:
    for state, value in settings:
        try:
            state.swap_local(value)
            hook = getattr(state, "_update_thread_local_hook", None)
            if hook is not None:
                hook(value)
        except Exception:  # noqa: BLE001, S112 (a setting this JAX will not take: leave it)
            continue


def _stop(thread: threading.Thread, box: dict[str, Any]) -> None:
    """Raise :class:`_Late` in ``thread`` until it ends, for :data:`GRACE_S` at most.

    Python checks for such an exception between bytecodes, so a Python loop stops; one raised
    inside a callback that swallows it (the garbage collector's) is raised again. A thread
    waiting in C (a compiled XLA computation, ``time.sleep``) cannot be interrupted: it is
    left running, and raises the exception when it returns to Python.
    """
    ident = ctypes.c_ulong(thread.ident or 0)
    late = ctypes.py_object(_Late)
    until = time.monotonic() + GRACE_S
    previous = sys.unraisablehook

    def quiet(unraisable: Any) -> None:  # a stop a callback swallowed: it is raised again
        if not isinstance(unraisable.exc_value, _Late):
            previous(unraisable)

    sys.unraisablehook = quiet
    try:
        while thread.is_alive() and "done" not in box and time.monotonic() < until:
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ident, late)
            thread.join(0.05)
    finally:
        if sys.unraisablehook is quiet:
            sys.unraisablehook = previous
    if thread.is_alive() and "done" not in box:
        frame = sys._current_frames().get(thread.ident or 0)
        raise _Stuck(frame is None or frame.f_code.co_filename.startswith(_INSIDE))


def _run(fn: Callable[..., Any], args: tuple[Any, ...], seconds: float) -> Any:
    """``fn(*args)``, or :class:`_Late` once ``seconds`` have passed (:class:`_Stuck` if the
    call could not be stopped).

    The call runs in a thread of its own, with this thread's JAX settings, while this thread
    waits for it with a timeout: a wait nothing inside the call can block, whether the call
    loops in Python or in compiled code. A late call is then stopped (:func:`_stop`).
    """
    if getattr(_in_call, "active", False):
        return fn(*args)  # a call within a call: the outer deadline covers it
    box: dict[str, Any] = {}
    settings = _jax_locals()
    context = contextvars.copy_context()

    def target() -> None:
        try:
            try:
                _in_call.active = True
                _adopt(settings)
                box["value"] = context.run(fn, *args)
            except BaseException as error:  # noqa: BLE001 (handed to the caller's thread)
                box["error"] = error
            box["done"] = True
        except _Late:  # a second stop that arrived on the way out
            box["done"] = True

    thread = threading.Thread(target=target, daemon=True, name="jaxguide-practice-call")
    thread.start()
    try:
        thread.join(seconds)
    except BaseException:  # an interrupt (Ctrl-C) while waiting: stop the call too
        with contextlib.suppress(_Stuck):
            _stop(thread, box)
        raise
    if "done" not in box:
        _stop(thread, box)
        raise _Late
    if isinstance(box.get("error"), _Late):
        raise _Late
    if "error" in box:
        raise box["error"]
    return box["value"]


def message(error: BaseException) -> str:
    """An exception's whole message on one line, without JAX's links and traceback notes.

    >>> message(ValueError("vmap got inconsistent sizes:\\n  * one axis had size 3;\\n"
    ...                    "  * one axis had size 8\\nSee https://docs.jax.dev/x"))
    'vmap got inconsistent sizes: * one axis had size 3; * one axis had size 8'
    """
    lines = []
    for line in str(error).strip().splitlines():
        if line.startswith(("See https://", "-----", "The stack trace below excludes")):
            break
        if line.strip():
            lines.append(line.strip())
    return " ".join(lines)


def call(
    fn: Callable[..., Any],
    *args: Any,
    hints: Sequence[Hint] = (),
    jit: bool = False,
    what: str = "",
) -> Any:
    """``fn(*args)`` within the check's deadline, any exception turned into a :class:`Mistake`.

    The message gives the exception's whole text on one line, then the advice of the first
    of ``hints`` (and of the common tracer errors' hints) whose evidence is present. With
    ``jit``, ``fn`` runs as one compiled program (its callable arguments static), which is
    much cheaper than running a small function operation by operation; a function that cannot
    be jitted runs as written. ``what`` names the call in the messages (``"jax.grad(mlp_loss)
    on your MLP"``), when it is not ``fn`` itself.
    """
    seconds = _deadline.get()

    def run() -> Any:
        if jit:
            static = tuple(i for i, a in enumerate(args) if callable(a))
            try:
                return jax.jit(fn, static_argnums=static)(*args)
            except _NOT_JITTABLE:
                pass
        return fn(*args)

    def ready() -> Any:
        out = run()
        with contextlib.suppress(Exception):  # wait here, within the deadline, for the values
            jax.block_until_ready(out)  # type: ignore[no-untyped-call]
        return out

    late = f"did not finish in {seconds:g} s: {what or _name(fn)} was still running"
    try:
        return _run(ready, (), seconds)
    except _Late:
        raise Mistake(
            f"{late} (an endless loop, or far more work than the task needs?) and was "
            "stopped; a check takes deadline=<seconds> for a slow machine"
        ) from None
    except _Stuck as stuck:
        where = (
            "inside a compiled computation (a lax.while_loop whose condition never turns "
            "false?), which cannot be interrupted: it keeps running in the background, "
            "holding a core or the accelerator, until you restart the kernel"
            if stuck.compiled
            else "inside a call Python cannot interrupt (time.sleep?): it keeps running in "
            "the background until that call returns"
        )
        raise Mistake(f"{late}, {where}") from None
    except NotImplementedError:
        raise NotWritten("not written yet (it raises NotImplementedError)") from None
    except Exception as error:
        text = message(error)
        advice = next((a for h in (*hints, *TRACER_HINTS) if (a := h.evidence(error, text))), None)
        who = f"{what} " if what and what != _name(fn) else ""  # where it came from, if not fn
        sentence = f"{who}raised {type(error).__name__}: {text}"
        raise Mistake(f"{sentence} — {advice}" if advice else sentence) from error


def _one_line(text: str, most: int | None = None) -> str:
    """``text`` on one line; shortened to ``most`` characters if given (a repr can be long).

    >>> _one_line("PyTreeDef([*,\\n   *])"), _one_line("x" * 10, most=5)
    ('PyTreeDef([*, *])', 'xxxx…')
    """
    text = " ".join(text.split())
    return text if most is None or len(text) <= most else text[: most - 1] + "…"


def _name(fn: Callable[..., Any]) -> str:
    name = getattr(fn, "__name__", None)
    return "your function" if not name or name == "<lambda>" else f"{name}()"


def function_name(fn: Any, default: str) -> str:
    """The name the reader gave ``fn`` (kept through ``jax.jit`` and ``jax.shard_map``), or
    ``default`` for a lambda or a callable without one.

    >>> def step_shard_map(): ...
    >>> function_name(step_shard_map, "task"), function_name(lambda: 0, "task")
    ('step_shard_map', 'task')
    """
    name = getattr(fn, "__name__", None)
    return name if isinstance(name, str) and name.isidentifier() else default


def vmapped_axes(text: str) -> list[tuple[int, str]]:
    """The (axis, argument) pairs a vmap error about mapped sizes names.

    >>> vmapped_axes("vmap got inconsistent sizes for array axes to be mapped: * one axis had "
    ...   "size 3: axis 1 of argument x of type float32[8,3]; * one axis had size 8: axis 0 "
    ...   "of argument y of type float32[8]")
    [(1, 'x'), (0, 'y')]
    """
    return [(int(a), n) for a, n in re.findall(r"axis (\d+) of argument (\S+) of type", text)]


def rank_zero_mapped(text: str) -> bool:
    """Whether a vmap error says it was asked to map an axis of a scalar."""
    return "rank should be at least 1, but is only 0" in text


# --- comparing with the mistakes learners make ----------------------------------------------


def identify(
    got: Any,
    expected: Any,
    wrongs: Sequence[Wrong],
    inputs: tuple[Any, ...],
    *,
    what: str,
    rtol: float | None = None,
    atol: float | None = None,
) -> None:
    """Raise a :class:`Mistake` saying which of ``wrongs`` ``got`` equals, with the numbers.

    Nothing happens if ``got`` equals ``expected``, or equals none of the mistakes (the
    comparison that follows then says what differs and where). A mistake is named only when
    the reader's output matches it and the mistake is told apart from the right answer on
    these inputs. ``what`` names the right answer (``"the product H·v"``).
    """
    from jaxguide.practice._trees import (  # noqa: PLC0415 (_trees imports this module)
        ATOL,
        RTOL,
        close,
        conform,
        evidence,
        lower_precision,
    )

    rtol, atol = (RTOL if rtol is None else rtol), (ATOL if atol is None else atol)
    got = conform(got, expected)
    if close(got, expected, rtol, atol) or lower_precision(got, expected):
        return
    found: list[tuple[float, Wrong, Any, str]] = []
    for wrong in wrongs:
        try:
            out = wrong.output(*inputs, got=got) if wrong.fit else wrong.output(*inputs)
        except Exception:  # noqa: BLE001, S112 (a mistake that cannot be made on these inputs)
            continue
        detail = ""
        if isinstance(out, Fitted):
            out, detail = out.value, out.detail
        if out is None:
            continue
        w_rtol = rtol if wrong.rtol is None else wrong.rtol
        w_atol = atol if wrong.atol is None else wrong.atol
        if close(out, expected, rtol, atol) or not close(got, out, w_rtol, w_atol):
            continue
        found.append((_distance(got, out), wrong, out, detail))
    if found:
        _, wrong, out, detail = min(found, key=lambda f: f[0])
        says = f"{wrong.says} {detail}".strip()
        fix = f" — {wrong.fix}" if wrong.fix else ""
        raise Mistake(f"your output equals {says}, not {what} ({evidence(got, expected)}){fix}")


def _distance(got: Any, out: Any) -> float:
    try:
        with np.errstate(invalid="ignore"):  # inf - inf, where both overflowed: NaN
            return max(
                (
                    float(np.max(np.abs(np.asarray(g, np.float64) - np.asarray(o, np.float64))))
                    for g, o in zip(jax.tree.leaves(got), jax.tree.leaves(out), strict=True)
                    if np.size(g)
                ),
                default=0.0,
            )
    except (TypeError, ValueError):
        return float("inf")
