"""The one results schema: written by the CLI, the pages and the GPU workflow; read by the rest."""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

__all__ = [
    "EXAMPLE_ENVIRONMENT",
    "SCHEMA",
    "Environment",
    "Load",
    "Memory",
    "Method",
    "NotMeasured",
    "Record",
    "Results",
    "ResultsError",
    "Scalar",
    "Status",
    "Summary",
    "Timing",
    "benchmark_variants",
    "load_results",
]

SCHEMA = "jaxguide-results/2"
"""The schema this version writes. :func:`load_results` reads it and migrates the older ones.

Version 2 keeps every timing's raw per-repeat samples; version 1 kept only their summary, which
a version-1 file's timings keep when read (:class:`Summary`). A results file may also say how
busy the machine was (``load``, a :class:`~jaxguide.results.Load`); files written before it was
recorded have none, and still load.
"""

Status = Literal["ok", "oom", "timeout", "unsupported", "error"]
Scalar = int | float | str | bool


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class NotMeasured(LookupError):
    """The results lack what a query asked for (or the measurement of it failed, as said)."""


class Environment(_Model):
    """The hardware and software a result was produced with, read from the measuring process."""

    backend: str
    """JAX's default backend, ``"cpu"``, ``"gpu"`` or ``"tpu"``."""
    device_kind: str
    """The kind of the default device, e.g. ``"cpu"`` or ``"NVIDIA H100 80GB HBM3"``."""
    device_count: int
    jax_version: str
    jaxlib_version: str
    numpy_version: str = ""
    """NumPy's version in the measuring process (empty in files that did not record it)."""
    xla_flags: str
    """``XLA_FLAGS`` as set for the measuring process (empty when unset)."""
    cpu_model: str
    cpu_count: int
    python_version: str
    commit: str
    """The site's git commit, or ``"unknown"`` outside a checkout."""
    date: str
    """UTC date and time of the measurement, ISO 8601."""

    @property
    def hardware(self) -> str:
        """A short label for the hardware, e.g. ``"cpu (AMD EPYC, 2 cores)"``."""
        if self.backend == "cpu":
            return f"cpu ({self.cpu_model}, {self.cpu_count} cores)"
        return f"{self.backend} ({self.device_kind} ×{self.device_count})"


class Summary(_Model):
    """What a version-1 results file kept of a timing's repeats: their summary, no samples.

    Without the samples no confidence interval can be computed, so such a timing shows its
    median but decides no comparison (:func:`~jaxguide.results.compare` needs samples).
    """

    median_s: float
    min_s: float
    iqr_s: float
    repeats: int


class Timing(_Model):
    """Seconds per call: the first call apart, and every steady-state repeat kept.

    >>> t = Timing(first_call_s=0.5, samples_s=(3e-6, 1e-6, 2e-6, 4e-6, 2e-6), loops=100)
    >>> t.median_s, t.min_s, t.repeats
    (2e-06, 1e-06, 5)

    A timing read from a version-1 file has a summary instead of samples:

    >>> old = Timing(first_call_s=0.5, loops=100,
    ...              summary=Summary(median_s=2e-6, min_s=1e-6, iqr_s=1e-6, repeats=5))
    >>> old.median_s, old.samples_s
    (2e-06, ())
    """

    first_call_s: float
    """Trace + compile + run, with the output blocked on."""
    samples_s: tuple[float, ...] = ()
    """Seconds per call of each timed repeat, in the order they were taken (empty only when a
    version-1 file's :attr:`summary` stands in for them)."""
    loops: int
    """Calls per timed repeat, calibrated to a minimum duration."""
    recompiled: bool = False
    """True when the function compiled again during the steady state."""
    compile_s: float = 0.0
    """XLA compile seconds during the first call."""
    summary: Summary | None = None
    """A version-1 file's summary of the repeats, when their samples were not kept."""
    processes: int = 1
    """How many processes the samples come from, in equal consecutive blocks (one each for a
    sweep's rounds); :func:`~jaxguide.results.compare` then resamples the processes too."""

    @model_validator(mode="after")
    def _samples_or_summary(self) -> Timing:
        if bool(self.samples_s) == (self.summary is not None):
            raise ValueError("a timing has either its samples or (version 1) a summary of them")
        if self.processes < 1 or len(self.samples_s) % self.processes:
            raise ValueError(
                f"{len(self.samples_s)} samples cannot come from {self.processes} processes "
                "in equal blocks"
            )
        return self

    @property
    def repeats(self) -> int:
        return self.summary.repeats if self.summary else len(self.samples_s)

    @property
    def median_s(self) -> float:
        return self.summary.median_s if self.summary else statistics.median(self.samples_s)

    @property
    def min_s(self) -> float:
        return self.summary.min_s if self.summary else min(self.samples_s)

    @property
    def iqr_s(self) -> float:
        """Interquartile range of the samples (0 with fewer than two)."""
        if self.summary:
            return self.summary.iqr_s
        if len(self.samples_s) < 2:
            return 0.0
        q1, _, q3 = statistics.quantiles(self.samples_s, n=4, method="inclusive")
        return q3 - q1

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


class Load(_Model):
    """How busy the machine was while a suite or a page measurement ran.

    Timings taken while other processes compete for the cores are slower than on a quiet
    machine (pyperf warns about a loaded system for the same reason). Recorded around each
    suite run and each page measurement: the 1-minute load average before and after (where the
    OS gives one), and, where the OS counts CPU time per state (Linux's ``/proc/stat``), the CPU
    seconds every other process took meanwhile: the machine's busy time less this process's own.

    The machine counts as busy when other processes took more than ``Load.BUSY_SHARE`` of the
    CPU time its cores had during the measurement. Where that is not known, when the load
    average, before or after, was above the number of cores. (Where others' CPU time is known,
    the load average is reported only: it counts this process's own threads too.)

    >>> quiet = Load(cores=2, wall_s=10.0, load_before=0.4, load_after=1.1, others_cpu_s=0.5)
    >>> quiet.busy, f"{quiet.others_share:.1%}"
    (False, '2.5%')
    >>> busy = Load(cores=2, wall_s=10.0, load_before=3.6, load_after=4.2, others_cpu_s=12.0)
    >>> busy.busy
    True
    >>> print(busy.summary())
    busy: other processes took 60% of the 2 cores' time; load average 3.6 before, 4.2 after
    >>> Load(cores=2, wall_s=1.0, load_before=2.5, load_after=None, others_cpu_s=None).busy
    True
    """

    BUSY_SHARE: ClassVar[float] = 0.25
    """Other processes' share of the cores' time above which the machine counts as busy."""

    cores: int
    wall_s: float
    """Seconds the measurement took, by the wall clock."""
    load_before: float | None = None
    """The 1-minute load average just before (``None`` where the OS gives none)."""
    load_after: float | None = None
    others_cpu_s: float | None = None
    """CPU seconds other processes took during the measurement (``None`` where unknown)."""

    @property
    def others_share(self) -> float | None:
        """Other processes' CPU time as a share of what the cores had (0 to 1), if known."""
        if self.others_cpu_s is None or self.wall_s <= 0 or self.cores < 1:
            return None
        return self.others_cpu_s / (self.wall_s * self.cores)

    @property
    def busy(self) -> bool:
        """Whether other work on the machine may have slowed the timings (see above)."""
        share = self.others_share
        if share is not None:
            return share > self.BUSY_SHARE
        loads = [x for x in (self.load_before, self.load_after) if x is not None]
        return any(x > self.cores for x in loads)

    def summary(self) -> str:
        """``busy: ...`` or ``quiet: ...``, with what was measured."""
        said = []
        if (share := self.others_share) is not None:
            said.append(f"other processes took {share:.0%} of the {self.cores} cores' time")
        if self.load_before is not None or self.load_after is not None:
            before, after = (
                "unknown" if x is None else f"{x:.1f}" for x in (self.load_before, self.load_after)
            )
            said.append(f"load average {before} before, {after} after")
            if self.others_cpu_s is None:
                said[-1] += f" ({self.cores} cores)"
        return f"{'busy' if self.busy else 'quiet'}: {'; '.join(said) or 'not known'}"

    def warning(self) -> str:
        """A plain warning when the machine was busy; empty when it was not."""
        if not self.busy:
            return ""
        return (
            f"the machine was busy while this was measured ({self.summary().partition(': ')[2]}):"
            " its timings may be slower than on a quiet machine"
        )


class Method(_Model):
    """How timings were taken, so a caption can say it."""

    warmups: int
    repeats: int
    min_loop_s: float
    """The inner loop runs at least this long per repeat."""
    statistic: str = "median"


class Results(_Model):
    """A results file: a suite's records and where and how they were measured.

    Queries raise :class:`NotMeasured` with a reason a reader can act on: nothing matched, or
    the point was attempted and failed (its message is quoted).
    """

    schema_: str = Field(default=SCHEMA, alias="schema")
    suite: str
    suite_version: int
    """Bumped when the suite's definition changes; stored results of another version are flagged."""
    profile: str
    environment: Environment
    method: Method
    records: tuple[Record, ...] = ()
    load: Load | None = None
    """How busy the machine was while the records were taken (``None``: not recorded)."""

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

    def record(self, benchmark: str, variant: str, **params: Scalar) -> Record:
        """The ``ok`` record of ``benchmark``/``variant`` whose params include ``params``.

        Raises :class:`NotMeasured` naming what is missing, or quoting why the point failed.
        """
        matching = [
            r
            for r in self.select(benchmark, variant)
            if all(r.params.get(k) == v for k, v in params.items())
        ]
        for record in matching:
            if record.status == "ok":
                return record
        where = f"{benchmark}/{variant}" + (f" {params}" if params else "")
        if matching:
            raise NotMeasured(f"{where}: {matching[0].status}: {matching[0].message}")
        raise NotMeasured(f"no {where} record in suite {self.suite!r}")

    def timing(self, benchmark: str, variant: str, **params: Scalar) -> Timing:
        """The timing of :meth:`record`'s record; :class:`NotMeasured` when it has none."""
        record = self.record(benchmark, variant, **params)
        if record.timing is None:
            raise NotMeasured(f"{benchmark}/{variant} {params or ''}: no timing")
        return record.timing

    def memory(self, benchmark: str, variant: str, **params: Scalar) -> Memory:
        """The memory of :meth:`record`'s record; :class:`NotMeasured` when it has none."""
        record = self.record(benchmark, variant, **params)
        if record.memory is None:
            raise NotMeasured(f"{benchmark}/{variant} {params or ''}: no memory analysis")
        return record.memory

    def by(self, param: str, benchmark: str, variant: str) -> dict[int, Record]:
        """The ``ok`` records of ``benchmark``/``variant`` keyed by an integer ``param``.

        >>> from jaxguide.results import EXAMPLE_ENVIRONMENT, Method, Record, Results
        >>> r = Results.model_validate({
        ...     "suite": "s", "suite_version": 1, "profile": "quick",
        ...     "environment": EXAMPLE_ENVIRONMENT,
        ...     "method": Method(warmups=1, repeats=5, min_loop_s=0.01),
        ...     "records": [Record(benchmark="b", variant="v", params={"batch": n})
        ...                 for n in (100, 10)]})
        >>> sorted(r.by("batch", "b", "v"))
        [10, 100]
        """
        return {
            int(r.params[param]): r
            for r in self.select(benchmark, variant)
            if r.status == "ok" and param in r.params
        }

    def only(self, pairs: frozenset[tuple[str, str]]) -> Results:
        """These results with only the records of the given (benchmark, variant) pairs."""
        kept = tuple(r for r in self.records if (r.benchmark, r.variant) in pairs)
        return self.model_copy(update={"records": kept})

    def to_json(self) -> str:
        """The file's text."""
        return self.model_dump_json(by_alias=True, indent=1)

    def save(self, path: Path) -> None:
        """Write the results to ``path``, creating its folder."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_json() + "\n")


EXAMPLE_ENVIRONMENT = Environment(
    backend="cpu",
    device_kind="cpu",
    device_count=1,
    jax_version="0.10.2",
    jaxlib_version="0.10.2",
    xla_flags="",
    cpu_model="example",
    cpu_count=2,
    python_version="3.11.7",
    commit="unknown",
    date="2026-01-01T00:00:00Z",
)
"""A fixed environment for examples and tests that build results by hand."""


def benchmark_variants(*names: str) -> frozenset[tuple[str, str]]:
    """``"benchmark/variant"`` names as the pairs suites declare and claims read.

    >>> sorted(benchmark_variants("add/vmap", "add/loop"))
    [('add', 'loop'), ('add', 'vmap')]
    """
    pairs = set()
    for name in names:
        benchmark, _, variant = name.partition("/")
        pairs.add((benchmark, variant))
    return frozenset(pairs)


class ResultsError(ValueError):
    """A results file that cannot be read: named, with what is wrong with it."""


def load_results(path: Path) -> Results:
    """Read a results file of this schema or an older one (migrated), or refuse it in one line
    naming the file and why.

    >>> import tempfile
    >>> old = Path(tempfile.mkdtemp()) / "old.json"
    >>> _ = old.write_text('{"schema": "jaxguide-results/0"}')
    >>> load_results(old)
    Traceback (most recent call last):
    ...
    jaxguide.results._schema.ResultsError: .../old.json: schema 'jaxguide-results/0' is not one this version reads (it reads jaxguide-results/1 and jaxguide-results/2; measure again: python -m jaxguide.bench run)
    """
    try:
        text = path.read_text()
    except OSError as exc:
        raise ResultsError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    schema = declared = data.get("schema", SCHEMA) if isinstance(data, dict) else SCHEMA
    while isinstance(data, dict) and schema != SCHEMA:
        if schema not in MIGRATIONS:
            raise ResultsError(f"{path}: {_unreadable(schema)}")
        schema, data = MIGRATIONS[schema](data)
    try:
        if isinstance(data, dict):
            return Results.model_validate(data)
        return Results.model_validate_json(text)  # not JSON, or not an object: say where
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "file"
        raise ResultsError(
            f"{path}: not a {declared} file ({exc.error_count()} problem(s); first: {where}: "
            f"{first['msg']})"
        ) from None


def _from_version_1(data: dict[str, object]) -> tuple[str, dict[str, object]]:
    """Version 1 kept a summary of each timing's repeats where version 2 keeps the samples."""
    records = data.get("records")
    if isinstance(records, list):
        data = {**data, "records": [_record_from_version_1(r) for r in records]}
    return "jaxguide-results/2", {**data, "schema": "jaxguide-results/2"}


def _record_from_version_1(record: object) -> object:
    timing = record.get("timing") if isinstance(record, dict) else None
    if not isinstance(record, dict) or not isinstance(timing, dict):
        return record
    summarized = set(Summary.model_fields)
    kept = {key: value for key, value in timing.items() if key not in summarized}
    summary = {key: value for key, value in timing.items() if key in summarized}
    return {**record, "timing": {**kept, "summary": summary}}


Migration = Callable[[dict[str, object]], tuple[str, dict[str, object]]]
MIGRATIONS: dict[str, Migration] = {"jaxguide-results/1": _from_version_1}
"""Each older schema's step to the next: a function of the file's data returning the schema
it now has and the data in it. :func:`load_results` applies them in turn."""


def _unreadable(schema: object) -> str:
    known = " and ".join([*MIGRATIONS, SCHEMA])
    said = f"schema {schema!r} is not one this version reads (it reads {known}; "
    if isinstance(schema, str) and schema.startswith("jaxguide-results/"):
        number = schema.rpartition("/")[2]
        if number.isdigit() and int(number) > int(SCHEMA.rpartition("/")[2]):
            return said + "a newer jaxguide wrote it: upgrade jaxguide to read it)"
    return said + "measure again: python -m jaxguide.bench run)"
