"""One measured point, guarded: an out-of-memory, a time-out or an error becomes a record."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from types import FrameType

from jaxguide.results import Record, Scalar, Status

__all__ = ["PointTimeout", "guarded", "guarded_group"]


class PointTimeout(Exception):
    """A point ran past its time limit."""


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`PointTimeout` in the main thread after ``seconds`` (POSIX, main thread).

    A running XLA computation is not interrupted; the limit takes effect when control returns
    to Python, which is where slow points (Python loops, repeated dispatch) spend their time.
    """
    if threading.current_thread() is not threading.main_thread() or not hasattr(
        signal, "setitimer"
    ):
        yield
        return

    def expire(signum: int, frame: FrameType | None) -> None:
        del signum, frame
        raise PointTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _is_oom(exc: BaseException) -> bool:
    text = f"{type(exc).__name__}: {exc}"
    return "RESOURCE_EXHAUSTED" in text or "Out of memory" in text or isinstance(exc, MemoryError)


def guarded(
    benchmark: str,
    variant: str,
    params: dict[str, Scalar],
    measure: Callable[[], Record],
    timeout_s: float,
) -> Record:
    """Take ``measure()``; an OOM, a time-out or an error is recorded, not raised.

    >>> def boom() -> Record:
    ...     raise MemoryError("RESOURCE_EXHAUSTED: Out of memory allocating 8.0GiB")
    >>> r = guarded("big", "vmap", {"batch": 65536}, boom, timeout_s=5)
    >>> r.status, r.message
    ('oom', 'OOM at batch=65536: RESOURCE_EXHAUSTED: Out of memory allocating 8.0GiB')
    """
    (record,) = guarded_group(benchmark, (variant,), params, lambda: (measure(),), timeout_s)
    return record


def guarded_group(
    benchmark: str,
    variants: Sequence[str],
    params: dict[str, Scalar],
    measure: Callable[[], tuple[Record, ...]],
    timeout_s: float,
) -> tuple[Record, ...]:
    """Take ``measure()``, the records of variants measured together (timed interleaved);
    an OOM, a time-out or an error becomes a record for each of ``variants``. The time limit is
    ``timeout_s`` per variant.
    """
    where = ", ".join(f"{k}={v}" for k, v in params.items()) or "its only point"
    status: Status
    try:
        with _time_limit(timeout_s * len(variants)):
            return measure()
    except PointTimeout:
        limit = timeout_s * len(variants)
        status, message = "timeout", f"time-out ({limit:g} s) at {where}"
    except Exception as exc:  # noqa: BLE001 - any failure of one point is recorded, never raised
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if _is_oom(exc):
            status, message = "oom", f"OOM at {where}: {first_line}"
        else:
            status, message = "error", f"{type(exc).__name__} at {where}: {first_line}"
    return tuple(
        Record(benchmark=benchmark, variant=v, params=params, status=status, message=message)
        for v in variants
    )
