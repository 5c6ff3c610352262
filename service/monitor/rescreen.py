"""Re-screening when the lists change: the delta against the stored snapshot, and the job over the book.

``sync_lists`` runs once per new list version (at start and after every reload), in one
transaction: it compares the loaded records' content hashes with ``listed_records``, closes the
alerts of removed records as delisted, stores the new snapshot and queues a ``RescreenJob`` for
the added and changed records. ``run_job`` screens the book against those records only (a small
index of the delta, weighted like the full lists), a chunk of customers per transaction with the
job's progress committed alongside: after a crash the job resumes at the first chunk not done.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, delete, select, update
from sqlalchemy.orm import Session

from service import settings
from service.engine.screener import Screener
from service.monitor import alerts
from service.monitor.db import Database
from service.monitor.models import (
    DELISTED,
    Alert,
    Customer,
    CustomerToken,
    ListedRecord,
    ListVersionRow,
    RescreenJob,
    utcnow,
)
from service.monitor.records import fingerprint, record_hashes

log = logging.getLogger("service.monitor.rescreen")

CHUNK = settings.default("rescreen_chunk")  # customers per transaction (ORINOCO_RESCREEN_CHUNK)


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


def candidates(db: Database, part: Screener, scope: set[tuple[str, str]]) -> tuple[list[str], set[str]]:
    """The customers a delta can concern, by id: those holding a token similar to one of the delta's
    (no other can have a candidate in its index), and those with an alert on one of its records (the
    alert may close; returned apart too). Customers waiting for a full screening are screened
    against everything anyway."""
    with db.transaction() as session:
        tokens = list(session.scalars(select(CustomerToken.token).distinct()))
    matched = sorted(part.matching_tokens(tokens)) if tokens else []
    found: set[str] = set()
    alerted: set[str] = set()
    by_list: dict[str, list[str]] = {}
    for list_id, entity_id in scope:
        by_list.setdefault(list_id, []).append(entity_id)
    with db.transaction() as session:
        for i in range(0, len(matched), 500):
            found.update(
                session.scalars(
                    select(CustomerToken.customer_id)
                    .where(CustomerToken.token.in_(matched[i : i + 500]))
                    .distinct()
                )
            )
        for list_id, ids in by_list.items():
            for i in range(0, len(ids), 500):
                alerted.update(
                    session.scalars(
                        select(Alert.customer_id)
                        .where(Alert.list_id == list_id, Alert.entity_id.in_(ids[i : i + 500]))
                        .distinct()
                    )
                )
    return sorted(found | alerted), alerted


def run_job(
    db: Database,
    screener: Screener,
    job_id: int,
    deliver: bool,
    chunk: int = CHUNK,
    should_stop=lambda: False,
) -> RescreenJob:
    """Screen the job's candidate customers against its records, from its cursor on; the job as left."""
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
    todo_ids, alerted = candidates(db, part, scope) if part is not None else ([], set())
    todo_ids = [c for c in todo_ids if cursor is None or c > cursor]
    stopped = False
    for start in range(0, len(todo_ids), chunk):
        if should_stop():  # asked between transactions: it may open one of its own
            stopped = True
            break
        ids = todo_ids[start : start + chunk]
        # plain rows (most are read, screened and left alone); a customer waiting for its full
        # screening is left to it: its stored rows are stale, and it is screened against everything
        with db.transaction() as session:
            customers = session.execute(
                select(
                    Customer.id,
                    Customer.names,
                    Customer.schema,
                    Customer.birth_date,
                    Customer.country,
                    Customer.data_hash,
                ).where(Customer.id.in_(ids), Customer.active.is_(True), Customer.needs_screening.is_(False))
            ).all()
        assert part is not None  # todo_ids is empty without it
        hits = alerts.screen(part, customers, hashes)
        concerned = [c for c in customers if hits[c.id] or c.id in alerted]
        with db.transaction() as session:
            job = session.get(RescreenJob, job_id, with_for_update=True)
            assert job is not None  # read above; jobs are never deleted
            if job.status != "running" or job.cursor != cursor:
                return job  # another process took it over
            fresh = {}
            if concerned:
                fresh = {
                    c.id: c
                    for c in session.scalars(
                        select(Customer)
                        .where(Customer.id.in_([c.id for c in concerned]), Customer.active.is_(True))
                        .with_for_update()
                    )
                }
            # a customer changed meanwhile is screened in full anyway (needs_screening)
            todo = [fresh[c.id] for c in concerned if c.id in fresh and fresh[c.id].data_hash == c.data_hash]
            outcome = alerts.apply(session, todo, hits, scope, deliver)
            cursor = ids[-1]
            job.cursor, job.customers_done = cursor, job.customers_done + len(customers)
            job.alerts_opened += outcome.opened + outcome.reopened
            job.seconds += time.perf_counter() - started
        started = time.perf_counter()
    with db.transaction() as session:
        job = session.get(RescreenJob, job_id, with_for_update=True)
        assert job is not None  # read above; jobs are never deleted
        if not stopped and job.status == "running" and job.cursor == cursor:
            job.status, job.finished_at = "done", utcnow()
            job.seconds += time.perf_counter() - started
            log.info(
                "re-screen job %d done: %d customers screened against %d records in %.1fs, %d alerts opened",
                job.id,
                job.customers_done,
                len(keys),
                job.seconds,
                job.alerts_opened,
            )
        return job
