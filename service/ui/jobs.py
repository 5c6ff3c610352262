"""Batch jobs started from the UI: the upload screened in a background thread of the worker.

Each job is a folder under the cache (``ui-jobs/<id>/``): the uploaded input, the alerts and
rejects files, and ``job.json`` with the progress. The state is on disk, so any worker answers
for any job and a page reload finds it again; a job whose worker died is shown as interrupted.
The thread screens one chunk at a time under the engine lock, so interactive screening in the
same worker waits at most one chunk. Needs the ``batch`` extra (pyarrow); without it the UI says so.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import shutil
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from service.api.context import ENGINE_LOCK
from service.engine.screener import Screener
from service.paths import cache_dir

log = logging.getLogger("service.ui.jobs")

KEEP_SECONDS = 7 * 86400  # a job's files (the customer file among them) are deleted after a week
CHUNK_ROWS = 100  # small chunks: a fine-grained progress bar and short holds of the engine lock
INPUT_SUFFIXES = (".csv", ".parquet")
_JOB_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")


def batch_available() -> str | None:
    """None if the batch extra is installed, else what is missing."""
    try:
        import service.batch.job  # noqa: F401
    except ImportError as exc:
        return str(exc)
    return None


def jobs_dir() -> Path:
    return cache_dir() / "ui-jobs"


@dataclass(slots=True)
class JobState:
    id: str
    input_name: str  # the uploaded file's name, as the user gave it
    suffix: str
    status: str = "queued"  # queued, running, done, failed, interrupted
    total_rows: int | None = None
    rows_done: int = 0
    alerts: int = 0
    rejects: int = 0
    started: float = field(default_factory=time.time)
    updated: float = field(default_factory=time.time)
    finished: float | None = None
    error: str | None = None
    pid: int = field(default_factory=os.getpid)

    @property
    def folder(self) -> Path:
        return jobs_dir() / self.id

    def save(self) -> None:
        """Atomically: a reader sees the old state or the new one."""
        self.updated = time.time()
        tmp = self.folder / "job.json.tmp"
        tmp.write_text(json.dumps(asdict(self)), encoding="utf-8")
        os.replace(tmp, self.folder / "job.json")

    def view(self) -> dict:
        """What the progress page and its JSON show: rows, rate, ETA."""
        end = self.finished or time.time()
        elapsed = max(end - self.started, 1e-6)
        rate = self.rows_done / elapsed
        eta = None
        if self.status == "running" and self.total_rows and rate > 0:
            eta = max(0.0, (self.total_rows - self.rows_done) / rate)
        percent = 100.0 * self.rows_done / self.total_rows if self.total_rows else None
        if self.status == "done":
            percent = 100.0
        return {
            "id": self.id,
            "status": self.status,
            "input_name": self.input_name,
            "total_rows": self.total_rows,
            "rows_done": self.rows_done,
            "alerts": self.alerts,
            "rejects": self.rejects,
            "rate": round(rate, 1),
            "eta_seconds": None if eta is None else round(eta),
            "elapsed_seconds": round(elapsed, 1),
            "percent": None if percent is None else round(percent, 1),
            "error": self.error,
        }


def load(job_id: str) -> JobState | None:
    if not _JOB_ID.fullmatch(job_id):
        return None
    try:
        raw = json.loads((jobs_dir() / job_id / "job.json").read_text(encoding="utf-8"))
        state = JobState(**raw)
    except (OSError, ValueError, TypeError):
        return None
    if state.status in ("queued", "running") and not _alive(state.pid):
        state.status, state.error = "interrupted", "the server process running this job stopped; upload again"
    return state


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True, slots=True)
class JobRequest:
    name_column: str
    id_column: str | None
    country_column: str | None
    birth_date_column: str | None
    threshold: float | None
    limit: int = 10


def prune(now: float | None = None) -> None:
    """Delete the folders of jobs finished (or abandoned) more than KEEP_SECONDS ago."""
    now = time.time() if now is None else now
    if not jobs_dir().is_dir():
        return
    for folder in jobs_dir().iterdir():
        try:
            age = now - (folder / "job.json").stat().st_mtime
        except OSError:
            age = now - folder.stat().st_mtime  # a job whose state was never written
        if age > KEEP_SECONDS:
            shutil.rmtree(folder, ignore_errors=True)


def create(filename: str, data: Iterable[bytes]) -> JobState:
    """A new job folder holding the uploaded file; ValueError for an unsupported file type."""
    suffix = Path(filename).suffix.lower()
    if suffix not in INPUT_SUFFIXES:
        raise ValueError(f"{filename or 'the file'}: upload a .csv or .parquet file")
    prune()
    state = JobState(id=secrets.token_urlsafe(18), input_name=Path(filename).name[:200], suffix=suffix)
    state.folder.mkdir(parents=True, exist_ok=False)
    with (state.folder / f"input{suffix}").open("wb") as f:
        for block in data:
            f.write(block)
    state.save()
    return state


def check_columns(state: JobState, req: JobRequest) -> None:
    """ValueError naming a missing column or why the file cannot be read (before any thread starts);
    the job's folder is then removed. Counts the rows, so the progress bar has its total at once."""
    from service.batch.io import count_rows, read_chunks

    source = state.folder / f"input{state.suffix}"
    try:
        next(read_chunks(source, 1, _columns(req).wanted()), None)
        state.total_rows = count_rows(source)
        state.save()
    except Exception as exc:  # a missing column, or a file pandas/pyarrow cannot read
        shutil.rmtree(state.folder, ignore_errors=True)
        message = str(exc).replace(str(source), state.input_name)
        raise ValueError(message or type(exc).__name__) from None


def _columns(req: JobRequest):
    from service.batch.prepare import Columns

    return Columns((req.name_column,), req.id_column, None, req.birth_date_column, req.country_column)


class _LockedEngine:
    """The batch engine's chunks screened in this process, one chunk per hold of the engine lock."""

    def __init__(self, screener: Screener, limit: int, threshold: float | None):
        self.screener, self.limit, self.threshold = screener, limit, threshold

    def screen_chunks(self, chunks: Iterable) -> Iterator:
        from service.batch.screening import screen_queries

        for k, queries in chunks:
            with ENGINE_LOCK:
                alerts = screen_queries(self.screener, queries, self.limit, self.threshold)
            yield k, alerts


def start(state: JobState, req: JobRequest, screener: Screener) -> None:
    threading.Thread(
        target=_run, args=(state, req, screener), name=f"ui-job-{state.id[:8]}", daemon=True
    ).start()


def _run(state: JobState, req: JobRequest, screener: Screener) -> None:
    from service.batch.job import JobOptions, run_job

    folder = state.folder
    source = folder / f"input{state.suffix}"
    options = JobOptions(
        source,
        folder / "alerts.csv",
        folder / "rejects.csv",
        _columns(req),
        chunk_size=CHUNK_ROWS,
        limit=req.limit,
        threshold=req.threshold,
    )
    try:
        state.status, state.started = "running", time.time()
        state.save()

        def progress(rows: int) -> None:
            state.rows_done += rows
            state.save()

        summary = run_job(
            options, screener.versions, _LockedEngine(screener, req.limit, req.threshold), progress=progress
        )
        state.alerts, state.rejects = summary.counts.alerts, summary.counts.rejects
        state.total_rows = summary.counts.rows_read
        state.status = "done"
    except Exception as exc:  # reported on the job's page; the worker keeps serving
        # The type only: a message may quote a cell of the customer file.
        log.error("ui batch job %s failed: %s", state.id, type(exc).__name__)
        state.status, state.error = "failed", f"{type(exc).__name__}: {exc}"
    state.finished = time.time()
    state.save()
    log.info("ui batch job %s %s: rows=%d alerts=%d", state.id, state.status, state.rows_done, state.alerts)
