"""What a checker says: a pass or the first mistake found, in one sentence."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ParamSpec

import jax

__all__ = ["Mistake", "Report", "call", "checker"]


@dataclass(frozen=True)
class Report:
    """A checker's verdict on a reader's function: passed or not, and one sentence saying why.

    It shows as that sentence, marked ✓ or ✗, so a notebook cell ending in a check shows it;
    it is truthy when the check passed.

    >>> Report(passed=False, message="wrong shape: expected (8, 3), got (3,)")
    ✗ wrong shape: expected (8, 3), got (3,)
    >>> bool(Report(passed=True, message="matches the reference"))
    True
    """

    passed: bool
    message: str

    def __repr__(self) -> str:
        return f"{'✓' if self.passed else '✗'} {self.message}"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return self.passed


class Mistake(Exception):
    """Raised inside a checker to stop at the first mistake; the checker reports its message."""


P = ParamSpec("P")


def checker(task: str) -> Callable[[Callable[P, str]], Callable[P, Report]]:
    """Make a checker for the function the practical calls ``task``.

    The decorated ``run`` returns the sentence that says what passed, or raises
    :class:`Mistake`; the checker reports ``"<task>: <the mistake>"``.
    """

    def decorate(run: Callable[P, str]) -> Callable[P, Report]:
        @functools.wraps(run)
        def check(*args: P.args, **kwargs: P.kwargs) -> Report:
            try:
                return Report(passed=True, message=run(*args, **kwargs))
            except Mistake as mistake:
                return Report(passed=False, message=f"{task}: {mistake}")

        # Document (and introspect) the checker as what it is: it returns a Report.
        check.__signature__ = inspect.signature(run).replace(  # type: ignore[attr-defined]
            return_annotation="Report"
        )
        check.__annotations__ = {**run.__annotations__, "return": "Report"}
        return check

    return decorate


# Errors of code that runs eagerly but not under jit: such a function is called eagerly.
_NOT_JITTABLE = (
    jax.errors.ConcretizationTypeError,
    jax.errors.TracerArrayConversionError,
    jax.errors.TracerBoolConversionError,
    jax.errors.TracerIntegerConversionError,
)


def call(
    fn: Callable[..., Any], *args: Any, hints: dict[str, str] | None = None, jit: bool = False
) -> Any:
    """``fn(*args)``, with any exception turned into a :class:`Mistake` that names it.

    ``hints`` maps a piece of an exception's text (or its type's name) to advice appended
    to the message when it matches. With ``jit``, ``fn`` runs as one compiled program
    (its callable arguments static), which is much cheaper than running a small function
    operation by operation; a function that cannot be jitted runs as written.
    """
    try:
        if jit:
            static = tuple(i for i, a in enumerate(args) if callable(a))
            try:
                return jax.jit(fn, static_argnums=static)(*args)
            except _NOT_JITTABLE:
                pass
        return fn(*args)
    except NotImplementedError:
        raise Mistake("not written yet (it raises NotImplementedError)") from None
    except Exception as error:
        text = str(error).strip().splitlines()[0] if str(error).strip() else ""
        kind = type(error).__name__
        advice = next(
            (tip for key, tip in (hints or {}).items() if key in text or key == kind), None
        )
        sentence = f"raised {kind}: {_shorten(text)}"
        raise Mistake(f"{sentence} — {advice}" if advice else sentence) from error


def _shorten(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
