"""A batch job: the input screened chunk by chunk, with a checkpoint after every chunk.

Each chunk's alerts and rejects are appended to the result files and fsynced *before* the
checkpoint (``OUTPUT.state.json``) records the chunk as finished, together with the files'
sizes. ``--resume`` cuts the files back to those sizes, which drops whatever an interrupted
chunk had written, and continues with the next chunk: no row is lost or written twice. The
checkpoint also holds the input's sha256 and every option that changes the result, and a
resume with a different input, lists or options is refused.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Protocol

import pandas as pd

from service.batch.io import (
    OUTPUT_FORMATS,
    CsvJournal,
    ParquetJournal,
    check_header,
    file_format,
    fsync_dir,
    read_chunks,
    sha256_file,
)
from service.batch.prepare import REJECT_COLUMNS, Columns, prepare
from service.batch.screening import ALERT_COLUMNS, ALERT_SCHEMA
from service.engine.model import ListVersion

STATE_VERSION = 1


class JobError(Exception):
    """A job that cannot start or resume, with a message for the user."""


class Engine(Protocol):
    def screen_chunks(self, chunks: Iterable[tuple[int, pd.DataFrame]]) -> Iterator[tuple[int, pd.DataFrame]]:
        """(chunk number, prepared queries) -> (chunk number, alerts), in the order given."""


@dataclass(frozen=True, slots=True)
class JobOptions:
    input: Path
    output: Path
    rejects: Path
    columns: Columns
    chunk_size: int = 5_000
    limit: int = 10
    threshold: float | None = None

    @property
    def state_path(self) -> Path:
        return self.output.with_name(self.output.name + ".state.json")

    def fingerprint(self, input_sha256: str, versions: list[ListVersion]) -> dict:
        """Everything that decides the output: a resume must match it exactly."""
        fingerprint = {
            "input_sha256": input_sha256,
            "columns": asdict(self.columns),
            "chunk_size": self.chunk_size,
            "limit": self.limit,
            "threshold": self.threshold,
            "rejects": str(self.rejects),
            "lists": [[v.id, v.sha256] for v in versions],
        }
        return json.loads(json.dumps(fingerprint))  # as it reads back from the checkpoint


@dataclass(slots=True)
class Counts:
    rows_read: int = 0
    rows_screened: int = 0
    rows_rejected: int = 0
    names_screened: int = 0
    rejects: int = 0
    reject_reasons: dict[str, int] = field(default_factory=dict)
    alerts: int = 0
    chunks: int = 0


@dataclass(slots=True)
class Summary:
    counts: Counts
    lists: list[dict]
    output: str
    rejects: str
    complete: bool

    def as_dict(self) -> dict:
        return {
            **asdict(self.counts),
            "lists": self.lists,
            "output": self.output,
            "rejects_file": self.rejects,
            "complete": self.complete,
        }

    def line(self) -> str:
        c = self.counts
        reasons = ", ".join(f"{reason}: {n:,}" for reason, n in sorted(c.reject_reasons.items()))
        lists = ", ".join(
            f"{x['id']} (published {x['published'] or '?'}, sha256 {x['sha256'][:12]})" for x in self.lists
        )
        return (
            f"{_count(c.rows_read, 'row')} read, {_count(c.rows_screened, 'row')} screened "
            f"({_count(c.names_screened, 'name')}), {_count(c.rows_rejected, 'row')} rejected "
            f"({_count(c.rejects, 'line')} in the rejects file{': ' + reasons if reasons else ''}), "
            f"{_count(c.alerts, 'alert')}; lists: {lists}"
        )


def _count(n: int, word: str) -> str:
    """ "1 row", "2 rows": the summary is read by people."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def run_job(
    options: JobOptions,
    versions: list[ListVersion],
    engine: Engine,
    resume: bool = False,
    progress: Callable[[int], None] = lambda rows: None,
) -> Summary:
    """Screen the whole input (or what a previous run left); the final summary.

    ``progress(n)`` is told each time n more input rows are done (on resume, first the rows done before).
    """
    output_format = file_format(options.output, OUTPUT_FORMATS)
    alerts = (
        CsvJournal(options.output, ALERT_COLUMNS)
        if output_format == "csv"
        else ParquetJournal(options.output, ALERT_SCHEMA)
    )
    rejects = CsvJournal(options.rejects, REJECT_COLUMNS)
    fingerprint = options.fingerprint(sha256_file(options.input), versions)
    lists = [
        {"id": v.id, "source": v.source, "published": v.published, "sha256": v.sha256, "entities": v.entities}
        for v in versions
    ]

    if resume:
        state = _load_state(options.state_path, fingerprint)
        if not state["complete"]:
            _rollback(alerts, state["alerts_size"])
            _rollback(rejects, state["rejects_size"])
        counts = Counts(**state["counts"])
        progress(counts.rows_read)
    else:
        check_header(options.input, options.columns.wanted())  # before anything is written
        alerts.start()
        rejects.start()
        counts = Counts()
        state = {"complete": False}
    summary = Summary(counts, lists, str(options.output), str(options.rejects), state["complete"])
    if summary.complete:
        return summary
    _save_state(options.state_path, fingerprint, counts, alerts.size(), rejects.size(), complete=False)

    pending: dict[int, tuple[int, pd.DataFrame, int, int]] = {}  # rows, rejects, rows and names screened

    def prepared() -> Iterator[tuple[int, pd.DataFrame]]:
        chunks = read_chunks(options.input, options.chunk_size, options.columns.wanted())
        for k, chunk in enumerate(chunks):
            if k < counts.chunks:
                continue
            queries, chunk_rejects = prepare(chunk, k * options.chunk_size + 1, options.columns)
            pending[k] = (len(chunk), chunk_rejects, queries["row"].nunique(), len(queries))
            yield k, queries

    def record(k: int, chunk_alerts: pd.DataFrame) -> None:
        rows, chunk_rejects, rows_screened, names_screened = pending.pop(k)
        alerts.append(chunk_alerts)
        rejects.append(chunk_rejects)
        counts.rows_read += rows
        counts.rows_screened += rows_screened
        counts.rows_rejected += rows - rows_screened
        counts.names_screened += names_screened
        counts.rejects += len(chunk_rejects)
        reasons = Counter(counts.reject_reasons) + Counter(chunk_rejects["reason"].tolist())
        counts.reject_reasons = dict(reasons)
        counts.alerts += len(chunk_alerts)
        counts.chunks = k + 1
        _save_state(options.state_path, fingerprint, counts, alerts.size(), rejects.size(), complete=False)
        progress(rows)

    try:
        for k, chunk_alerts in engine.screen_chunks(prepared()):
            record(k, chunk_alerts)
    except Exception:  # not KeyboardInterrupt: an interrupted run keeps its files for --resume
        if not resume and counts.chunks == 0:  # nothing worth resuming: leave no half-written files
            _remove(alerts, rejects, options.state_path)
        raise

    alerts.finish()
    rejects.finish()
    _save_state(options.state_path, fingerprint, counts, alerts.size(), rejects.size(), complete=True)
    alerts.cleanup()
    summary.complete = True
    return summary


def _remove(alerts: CsvJournal | ParquetJournal, rejects: CsvJournal, state: Path) -> None:
    """This run's unfinished files; an earlier run's finished output keeps its name and content."""
    alerts.discard()
    rejects.discard()
    state.unlink(missing_ok=True)


def _rollback(journal: CsvJournal | ParquetJournal, size: int) -> None:
    """Cut the file back to the checkpoint; refuse when it holds less than the checkpoint says."""
    try:
        have = journal.size()
    except FileNotFoundError:
        have = -1
    if have < size:
        raise JobError(
            f"--resume: {journal.path} lost finished chunks since the checkpoint; "
            "run without --resume to start again"
        )
    journal.rollback(size)


def _load_state(path: Path, fingerprint: dict) -> dict:
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise JobError(f"--resume: no checkpoint {path}; run without --resume to start") from None
    except ValueError:
        raise JobError(f"--resume: checkpoint {path} is unreadable; run without --resume") from None
    if state.get("version") != STATE_VERSION or state.get("fingerprint") != fingerprint:
        changed = sorted(k for k in fingerprint if state.get("fingerprint", {}).get(k) != fingerprint[k])
        raise JobError(
            f"--resume refused: {', '.join(changed) or 'checkpoint format'} changed since the "
            "interrupted run; run without --resume to start again"
        )
    return state


def _save_state(
    path: Path, fingerprint: dict, counts: Counts, alerts_size: int, rejects_size: int, complete: bool
) -> None:
    """Written to a temporary file, fsynced and renamed: a crash leaves the old or the new checkpoint."""
    state = {
        "version": STATE_VERSION,
        "fingerprint": fingerprint,
        "counts": asdict(counts),
        "alerts_size": alerts_size,
        "rejects_size": rejects_size,
        "complete": complete,
    }
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        json.dump(state, f, indent=1)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)
