"""The one results schema: written by the CLI, the pages and the GPU workflow; read by reports."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from jaxguide.bench._environment import Environment

__all__ = [
    "SCHEMA",
    "Memory",
    "Method",
    "Record",
    "Results",
    "ResultsError",
    "Status",
    "Timing",
    "load_results",
]

SCHEMA = "jaxguide-results/1"
"""The schema a results file declares; a file of any other version is refused."""

Status = Literal["ok", "oom", "timeout", "unsupported", "error"]
Scalar = int | float | str | bool


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Timing(_Model):
    """Seconds per call: the first call apart from the steady state."""

    first_call_s: float
    """Trace + compile + run, with the output blocked on."""
    median_s: float
    iqr_s: float
    min_s: float
    loops: int
    """Calls per timed repeat, calibrated to a minimum duration."""
    repeats: int
    recompiled: bool = False
    """True when the function compiled again during the steady state."""

    @property
    def spread(self) -> float:
        """IQR relative to the median; above 0.1 the timing is noisy."""
        return self.iqr_s / self.median_s if self.median_s > 0 else 0.0


class Memory(_Model):
    """Bytes from XLA's compiled memory analysis, plus the device's peak where reported."""

    temp_bytes: int
    argument_bytes: int
    output_bytes: int
    alias_bytes: int = 0
    peak_bytes: int | None = None
    """The device's peak bytes in use (GPU backends report it; CPU does not)."""


class Record(_Model):
    """One measured point: a benchmark, a variant of it, its parameters and what was found."""

    benchmark: str
    variant: str
    params: dict[str, Scalar] = Field(default_factory=dict)
    status: Status = "ok"
    message: str = ""
    """Why a point is not ``ok`` ("OOM at batch 65536"), or a note on it."""
    timing: Timing | None = None
    memory: Memory | None = None
    values: dict[str, Scalar] = Field(default_factory=dict)
    """Other measured facts, such as a count of jaxpr equations or a maximum difference."""


class Method(_Model):
    """How timings were taken, so a caption can say it."""

    warmups: int
    repeats: int
    min_loop_s: float
    """The inner loop runs at least this long per repeat."""
    statistic: str = "median"


class Results(_Model):
    """A results file: a suite's records and where and how they were measured."""

    schema_: str = Field(default=SCHEMA, alias="schema")
    suite: str
    suite_version: int
    """Bumped when the suite's definition changes; stored results of another version are flagged."""
    profile: str
    environment: Environment
    method: Method
    records: tuple[Record, ...] = ()

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    def select(self, benchmark: str | None = None, variant: str | None = None) -> Iterator[Record]:
        """The records of a benchmark and/or variant, in order."""
        for record in self.records:
            if benchmark not in (None, record.benchmark):
                continue
            if variant not in (None, record.variant):
                continue
            yield record

    def find(self, benchmark: str, variant: str, **params: Scalar) -> Record | None:
        """The record of ``benchmark``/``variant`` with exactly ``params``, or ``None``."""
        for record in self.select(benchmark, variant):
            if record.params == params:
                return record
        return None

    def to_json(self) -> str:
        """The file's text."""
        return self.model_dump_json(by_alias=True, indent=1)

    def save(self, path: Path) -> None:
        """Write the results to ``path``, creating its folder."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_json() + "\n")


class ResultsError(ValueError):
    """A results file that cannot be read: named, with what is wrong with it."""


def load_results(path: Path) -> Results:
    """Read a results file, refusing another schema or a malformed file with a clear error.

    >>> import tempfile
    >>> bad = Path(tempfile.mkdtemp()) / "bad.json"
    >>> _ = bad.write_text('{"schema": "jaxguide-results/0"}')
    >>> load_results(bad)
    Traceback (most recent call last):
    ...
    jaxguide.bench._results.ResultsError: .../bad.json: schema 'jaxguide-results/0', expected 'jaxguide-results/1'
    """
    try:
        text = path.read_text()
    except OSError as exc:
        raise ResultsError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        results = Results.model_validate_json(text)
    except ValidationError as exc:
        schema = _declared_schema(text)
        if schema is not None and schema != SCHEMA:
            raise ResultsError(f"{path}: schema {schema!r}, expected {SCHEMA!r}") from None
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "file"
        raise ResultsError(
            f"{path}: not a {SCHEMA} file ({exc.error_count()} problem(s); first: {where}: "
            f"{first['msg']})"
        ) from None
    if results.schema_ != SCHEMA:
        raise ResultsError(f"{path}: schema {results.schema_!r}, expected {SCHEMA!r}")
    return results


def _declared_schema(text: str) -> str | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    schema = data.get("schema") if isinstance(data, dict) else None
    return schema if isinstance(schema, str) else None
