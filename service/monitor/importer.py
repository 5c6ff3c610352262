"""``orinoco monitor import``: load a customer file of any size into the store, chunk by chunk.

The file is read with the batch reader (CSV, Parquet or JSON Lines, ``service.batch.io``), a chunk
at a time; each chunk is upserted in one transaction together with the import's progress (keyed by
the file's checksum), so a run cut short resumes after the last chunk committed and a second run
of a finished file does nothing. Rows that are not valid customers go to the rejects file with
their row number and reason; none is dropped silently. Screening is left to the server's
background runner (the customers are stored as waiting for a screening).
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from service.monitor.models import Customer, ImportRun, utcnow
from service.monitor.records import CustomerIn, InvalidCustomer, parse_customer
from service.monitor.service import Monitor

CHUNK = 5000


@dataclass(frozen=True, slots=True)
class ImportColumns:
    id: str
    names: tuple[str, ...]
    type: str | None = None
    birth_date: str | None = None
    country: str | None = None
    identifiers: tuple[tuple[str, str], ...] = ()  # (identifier type, column)

    def wanted(self) -> list[str]:
        optional = (self.type, self.birth_date, self.country, *(c for _, c in self.identifiers))
        return list(dict.fromkeys([self.id, *self.names, *(c for c in optional if c)]))


@dataclass(slots=True)
class ImportSummary:
    rows: int = 0
    imported: int = 0
    rejected: int = 0
    skipped: int = 0  # rows a previous run already committed
    reasons: dict[str, int] = field(default_factory=dict)


def row_customer(row: dict[str, str], cols: ImportColumns) -> CustomerIn:
    data: dict = {"id": row[cols.id], "names": [row[c].strip() for c in cols.names if row[c].strip()]}
    for key, column in (("type", cols.type), ("birth_date", cols.birth_date), ("country", cols.country)):
        if column and row[column].strip():
            data[key] = row[column].strip()
    idents = [{"type": kind, "number": row[c].strip()} for kind, c in cols.identifiers if row[c].strip()]
    if idents:
        data["identifiers"] = idents
    return parse_customer(data)


def import_file(
    monitor: Monitor,
    path: Path,
    cols: ImportColumns,
    rejects: Path,
    chunk: int = CHUNK,
    progress: Callable[[ImportSummary], None] = lambda s: None,
) -> ImportSummary:
    """Upsert the file's customers; ValueError naming the file for a missing column or bad format."""
    from service.batch.io import read_chunks, sha256_file

    # the same file imported with other columns is another import
    digest = hashlib.sha256(f"{sha256_file(path)}|{cols!r}".encode()).hexdigest()
    with monitor.db.transaction() as session:
        run = session.get(ImportRun, digest)
        if run is None:
            run = ImportRun(
                sha256=digest, path=str(path), rows_done=0, rejected=0, status="running", updated_at=utcnow()
            )
            session.add(run)
        done, status = run.rows_done, run.status
    summary = ImportSummary()
    if status == "done":
        summary.skipped = done
        return summary
    first_new = not rejects.exists() or done == 0
    with rejects.open("w" if first_new else "a", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        if first_new:
            writer.writerow(["row", "id", "field", "reason"])
        start = 0
        for frame in read_chunks(path, chunk, cols.wanted()):
            n = len(frame)
            if start + n <= done:  # committed by an earlier run
                summary.skipped += n
                start += n
                continue
            good: dict[str, CustomerIn] = {}
            bad = []
            for i, row in enumerate(frame.to_dict("records")):
                number = start + i + 1
                if number <= done:
                    summary.skipped += 1
                    continue
                try:
                    customer = row_customer(row, cols)
                except InvalidCustomer as exc:
                    bad.append((number, row[cols.id], exc.field, str(exc)))
                    continue
                good[customer.id] = customer  # a later row of the same id wins, as a later update would
            _commit(monitor, list(good.values()), digest, start + n, len(bad))
            for entry in bad:
                writer.writerow(entry)
                reason = entry[3].split(" ", 1)[1] if " " in entry[3] else entry[3]
                summary.reasons[reason] = summary.reasons.get(reason, 0) + 1
            out.flush()
            summary.rows += n
            summary.imported += len(good)
            summary.rejected += len(bad)
            start += n
            progress(summary)
    with monitor.db.transaction() as session:
        run = session.get(ImportRun, digest)
        assert run is not None  # created when this import started; runs are never deleted
        run.status = "done"
    return summary


def _commit(monitor: Monitor, items: list[CustomerIn], digest: str, rows_done: int, rejected: int) -> None:
    """One chunk and the import's progress, in one transaction."""
    with monitor.db.transaction() as session:
        monitor.upsert(session, items)
        run = session.get(ImportRun, digest, with_for_update=True)
        assert run is not None  # created when this import started; runs are never deleted
        run.rows_done, run.rejected, run.updated_at = rows_done, run.rejected + rejected, utcnow()


__all__ = ["Customer", "ImportColumns", "ImportSummary", "import_file"]
