"""Re-screening when the lists change: the delta against the stored snapshot, and the job over the book.

``sync_lists`` runs once per new list version (at start and after every reload), in one
transaction: it compares the loaded records' content hashes with ``listed_records``, closes the
alerts of removed records as delisted, stores the new snapshot and queues a ``RescreenJob`` for
the added and changed records. ``run_job`` screens the book against those records only (a small
index of the delta, weighted like the full lists), a chunk of customers per transaction with the
job's progress committed alongside: after a crash the job resumes at the first chunk not done.
"""

from __future__ import annotations

import gc
import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import cast

import numpy as np
from sqlalchemy import Table, delete, select, update
from sqlalchemy.orm import Session

from service import settings
from service.engine.screener import NAME_ROWS_FORMAT, NameRows, Screener, name_rows
from service.monitor import alerts
from service.monitor.db import Database
from service.monitor.models import (
    DELISTED,
    Alert,
    Customer,
    ListedRecord,
    ListVersionRow,
    RescreenJob,
    utcnow,
)
from service.monitor.records import fingerprint, record_hashes

log = logging.getLogger("service.monitor.rescreen")

CHUNK = settings.default("rescreen_chunk")  # customers screened per transaction (ORINOCO_RESCREEN_CHUNK)
SCAN = 20000  # customers read and pre-filtered at once


@dataclass(slots=True)
class Delta:
    added: list[tuple[str, str]]
    changed: list[tuple[str, str]]
    removed: list[tuple[str, str]]


def compute_delta(old: dict[tuple[str, str], str], new: dict[tuple[str, str], str]) -> Delta:
    return Delta(
        added=sorted(k for k in new if k not in old),
        changed=sorted(k for k, h in new.items() if k in old and old[k] != h),
        removed=sorted(k for k in old if k not in new),
    )


def stored_fingerprint(session: Session) -> str:
    rows = session.execute(select(ListVersionRow.list_id, ListVersionRow.sha256)).all()
    return ";".join(sorted(f"{r[0]}:{r[1]}" for r in rows))


def sync_lists(db: Database, screener: Screener, deliver: bool) -> RescreenJob | None:
    """Make the stored snapshot the loaded lists'; the job queued for the delta (None if no change)."""
    new = record_hashes(screener)
    with db.transaction() as session:
        if stored_fingerprint(session) == fingerprint(screener.versions):
            return None
        old = {
            (r.list_id, r.entity_id): r.content_hash
            for r in session.execute(
                select(ListedRecord.list_id, ListedRecord.entity_id, ListedRecord.content_hash)
            )
        }
        delta = compute_delta(old, new)
        now = utcnow()
        delisted = _delist(session, delta.removed, deliver, now)
        _store_snapshot(session, screener, old, new, delta)
        records = delta.added + delta.changed
        # a job left unfinished for the previous version hands its records on: the customers it
        # did not reach must still be screened against them
        seen = set(records)
        for stale in session.scalars(
            select(RescreenJob).where(RescreenJob.status.in_(("pending", "running")))
        ):
            stale.status, stale.finished_at = "superseded", now
            for k in map(tuple, stale.records):
                if k in new and k not in seen:
                    records.append(k)
                    seen.add(k)
        job = RescreenJob(
            status="pending",
            lists=fingerprint(screener.versions),
            records=[list(k) for k in records],
            added=len(delta.added),
            changed=len(delta.changed),
            removed=len(delta.removed),
            customers_done=0,
            alerts_opened=0,
            seconds=0.0,
            created_at=now,
        )
        session.add(job)
        session.flush()
        log.info(
            "lists changed: %d records added, %d changed, %d removed (%d alerts delisted); "
            "re-screen job %d queued",
            len(delta.added),
            len(delta.changed),
            len(delta.removed),
            delisted,
            job.id,
        )
        return job


def _delist(session: Session, removed: list[tuple[str, str]], deliver: bool, now) -> int:
    by_list: dict[str, list[str]] = {}
    for list_id, entity_id in removed:
        by_list.setdefault(list_id, []).append(entity_id)
    count = 0
    for list_id, ids in by_list.items():
        for i in range(0, len(ids), 500):
            for alert in session.scalars(
                select(Alert).where(
                    Alert.list_id == list_id, Alert.entity_id.in_(ids[i : i + 500]), Alert.status != DELISTED
                )
            ):
                alerts.set_status(
                    session, alert, DELISTED, "the record was removed from the list", deliver, now
                )
                count += 1
    return count


def _store_snapshot(session: Session, screener: Screener, old: dict, new: dict, delta: Delta) -> None:
    for list_id, entity_id in delta.removed:
        session.execute(
            delete(ListedRecord).where(ListedRecord.list_id == list_id, ListedRecord.entity_id == entity_id)
        )
    for list_id, entity_id in delta.changed:
        session.execute(
            update(ListedRecord)
            .where(ListedRecord.list_id == list_id, ListedRecord.entity_id == entity_id)
            .values(content_hash=new[(list_id, entity_id)])
        )
    if delta.added:
        session.execute(
            cast(Table, ListedRecord.__table__).insert(),  # a declarative class's __table__ is a Table
            [{"list_id": k[0], "entity_id": k[1], "content_hash": new[k]} for k in delta.added],
        )
    session.execute(delete(ListVersionRow))
    session.add_all(
        ListVersionRow(
            list_id=v.id, sha256=v.sha256, published=v.published, entities=v.entities, loaded_at=utcnow()
        )
        for v in screener.versions
    )


def next_job(db: Database, screener: Screener) -> RescreenJob | None:
    """The oldest unfinished job for exactly these lists; older ones for other versions are superseded."""
    mine = fingerprint(screener.versions)
    with db.transaction() as session:
        if stored_fingerprint(session) != mine:
            return None  # this process serves other lists than the book's snapshot (mid-reload)
        for job in session.scalars(
            select(RescreenJob).where(RescreenJob.status.in_(("pending", "running"))).order_by(RescreenJob.id)
        ):
            if job.lists == mine:
                return job
    return None


def alerted(db: Database, scope: set[tuple[str, str]]) -> set[str]:
    """The customers with an alert on one of these records: screened whatever the pre-filter says
    (the alert may have to close)."""
    found: set[str] = set()
    by_list: dict[str, list[str]] = {}
    for list_id, entity_id in scope:
        by_list.setdefault(list_id, []).append(entity_id)
    with db.transaction() as session:
        for list_id, ids in by_list.items():
            for i in range(0, len(ids), 500):
                found.update(
                    session.scalars(
                        select(Alert.customer_id)
                        .where(Alert.list_id == list_id, Alert.entity_id.in_(ids[i : i + 500]))
                        .distinct()
                    )
                )
    return found


def stored_rows(db: Database, cursor: str | None, limit: int) -> list[tuple[str, str, list[NameRows]]]:
    """The next ``limit`` screened customers after ``cursor`` (by id): id, type and the ``NameRows``
    of their names, as their full screening stored them, or computed from the names when missing or
    of another engine format."""
    query = select(Customer.id, Customer.schema, Customer.name_rows, Customer.rows_format).where(
        Customer.active.is_(True), Customer.needs_screening.is_(False)
    )
    if cursor is not None:
        query = query.where(Customer.id > cursor)
    with db.transaction() as session:
        # plain rows of the connection (not the ORM's), unpacked as tuples
        found = session.connection().execute(query.order_by(Customer.id).limit(limit)).all()
        stale = [cid for cid, _, rows, fmt in found if rows is None or fmt != NAME_ROWS_FORMAT]
        names: dict[str, list[str]] = dict.fromkeys(stale, [])
        for i in range(0, len(stale), 500):
            part = select(Customer.id, Customer.names).where(Customer.id.in_(stale[i : i + 500]))
            names.update(session.execute(part).tuples().all())
    # one JSON document for the whole chunk
    fresh = [rows for cid, _, rows, _ in found if cid not in names and rows is not None]  # not stale
    parsed = iter(json.loads("[" + ",".join(fresh) + "]"))
    return [
        (
            cid,
            schema,
            _rows_of(names[cid], None, None) if cid in names else [NameRows(*x) for x in next(parsed)],
        )
        for cid, schema, _, _ in found
    ]


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection inside (the objects made there hold no cycles)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def run_job(
    db: Database,
    screener: Screener,
    job_id: int,
    deliver: bool,
    chunk: int = CHUNK,
    should_stop=lambda: False,
    scan: int = SCAN,
) -> RescreenJob:
    """Screen the book against the job's records, from its cursor on; the job as left.

    The book is read in id order, ``scan`` customers at a time, and pre-filtered on their stored
    rows against an index of the job's records (``Screener.may_match``: exact, it never drops a
    customer that screening could match); the few left, and the customers with an alert on one of
    the records, are screened in chunks of ``chunk``, each chunk's alerts committed with the job's
    cursor: after a crash the job resumes after the last customer done."""
    started = time.perf_counter()
    with db.transaction() as session:
        job = session.get(RescreenJob, job_id)
        assert job is not None  # the caller's job id is one it created or read; jobs are never deleted
        keys = [tuple(k) for k in job.records]
        job.status = "running"
        cursor = job.cursor
    scope = set(keys)
    part = screener.subset(keys) if keys else None
    hashes = record_hashes(screener)
    concerned_before = alerted(db, scope) if part is not None else set()
    stopped = False
    while part is not None:
        if should_stop():  # asked between transactions: it may open one of its own
            stopped = True
            break
        # The read and the pre-filter make ~10 small acyclic objects per customer: with the cyclic
        # collector paused, and those objects gone before it resumes, they set off no collection
        # over the loaded index's objects (a delta reads a million customers).
        with paused_gc():
            book = stored_rows(db, cursor, scan)
            if not book:
                break
            flat = [r for _, _, rows in book for r in rows]
            schemas = [schema for _, schema, rows in book for _ in rows]
            owner = np.repeat(np.arange(len(book)), [len(rows) for _, _, rows in book])
            may = np.zeros(len(book), bool)
            may[owner[part.may_match(flat, schemas)]] = True
            ids = [cid for cid, _, _ in book]
            del book, flat, schemas
        todo = [i for i, cid in enumerate(ids) if may[i] or cid in concerned_before]
        checked = 0
        for start in range(0, max(len(todo), 1), chunk):
            if start and should_stop():
                stopped = True
                break
            customers = _screenable(db, [ids[i] for i in todo[start : start + chunk]])
            hits = alerts.screen(part, customers, hashes, _prepared(customers)) if customers else {}
            # the cursor moves past the last one screened, or past the whole scan after its last chunk
            upto = len(ids) if start + chunk >= len(todo) else todo[start + chunk - 1] + 1
            new_cursor = ids[upto - 1]
            job = _commit(
                db, job_id, cursor, new_cursor, customers, hits, scope, deliver, upto - checked, started
            )
            if job is None:  # another process took the job over
                with db.transaction() as session:
                    return cast(RescreenJob, session.get(RescreenJob, job_id))
            cursor, checked, started = new_cursor, upto, time.perf_counter()
        if stopped:
            break
    with db.transaction() as session:
        job = session.get(RescreenJob, job_id, with_for_update=True)
        assert job is not None  # read above; jobs are never deleted
        if not stopped and job.status == "running" and job.cursor == cursor:
            job.status, job.finished_at = "done", utcnow()
            job.seconds += time.perf_counter() - started
            log.info(
                "re-screen job %d done: %d customers checked against %d records, %d screened, in %.1fs, "
                "%d alerts opened",
                job.id,
                job.customers_checked,
                len(keys),
                job.customers_done,
                job.seconds,
                job.alerts_opened,
            )
        return job


def _screenable(db: Database, ids: list[str]) -> list:
    """These customers' screened data and stored rows, unless one changed meanwhile: it waits for its
    full screening (needs_screening), which screens it against everything."""
    with db.transaction() as session:
        return list(
            session.execute(
                select(
                    Customer.id,
                    Customer.names,
                    Customer.schema,
                    Customer.birth_date,
                    Customer.country,
                    Customer.data_hash,
                    Customer.name_rows,
                    Customer.rows_format,
                ).where(Customer.id.in_(ids), Customer.active.is_(True), Customer.needs_screening.is_(False))
            )
        )


def _prepared(customers: list) -> dict[str, list[NameRows]]:
    return {c.id: _rows_of(c.names, c.name_rows, c.rows_format) for c in customers}


def _rows_of(names: list[str], stored: str | None, fmt: int | None) -> list[NameRows]:
    if stored is None or fmt != NAME_ROWS_FORMAT:
        return [name_rows(n) for n in names]
    return [NameRows(*x) for x in json.loads(stored)]


def _commit(
    db: Database,
    job_id: int,
    cursor: str | None,
    new_cursor: str,
    customers: list,
    hits: dict,
    scope: set[tuple[str, str]],
    deliver: bool,
    checked: int,
    started: float,
) -> RescreenJob | None:
    """The alerts of one chunk and the job's progress, in one transaction (None: the job moved on
    in another process)."""
    with db.transaction() as session:
        job = session.get(RescreenJob, job_id, with_for_update=True)
        assert job is not None  # read above; jobs are never deleted
        if job.status != "running" or job.cursor != cursor:
            return None
        fresh = {}
        if customers:
            fresh = {
                c.id: c
                for c in session.scalars(
                    select(Customer)
                    .where(Customer.id.in_([c.id for c in customers]), Customer.active.is_(True))
                    .with_for_update()
                )
            }
        # a customer changed meanwhile is screened in full anyway (needs_screening)
        todo = [fresh[c.id] for c in customers if c.id in fresh and fresh[c.id].data_hash == c.data_hash]
        outcome = alerts.apply(session, todo, hits, scope, deliver)
        job.cursor, job.customers_checked = new_cursor, job.customers_checked + checked
        job.customers_done += len(customers)
        job.alerts_opened += outcome.opened + outcome.reopened
        job.seconds += time.perf_counter() - started
        return job
