"""``Monitor``: the monitoring store's operations, as the API and the command line use them.

Every method is one or a few transactions on the database; nothing is kept only in memory. The
background work (re-screen jobs, customers waiting for a screening, webhook deliveries) runs in
``Runner`` threads, one active at a time across all processes thanks to a lease row.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service import settings
from service.engine.screener import NAME_ROWS_FORMAT, NameRows, Screener, name_rows
from service.monitor import alerts, rescreen, webhook
from service.monitor.db import Database, database_url
from service.monitor.models import (
    CLOSED,
    DECISIONS,
    ESCALATED,
    OPEN,
    Alert,
    Customer,
    Decision,
    Lease,
    RescreenJob,
    utcnow,
)
from service.monitor.records import CustomerIn, fingerprint

log = logging.getLogger("service.monitor")

SCREEN_CHUNK = 1000  # customers screened in full per transaction
LEASE_SECONDS = 10.0


class NotFound(LookupError):
    pass


class Conflict(ValueError):
    pass


def iso(when: datetime | None) -> str | None:
    return when.isoformat(timespec="microseconds").replace("+00:00", "Z") if when else None


def customer_dict(c: Customer) -> dict:
    return {
        "id": c.id,
        "names": c.names,
        "type": c.schema,
        "birth_date": c.birth_date,
        "country": c.country,
        "identifiers": c.identifiers,
        "active": c.active,
        "screened": not c.needs_screening,
        "created_at": iso(c.created_at),
        "updated_at": iso(c.updated_at),
        "screened_at": iso(c.screened_at),
    }


def alert_dict(a: Alert) -> dict:
    return {
        "id": a.id,
        "customer_id": a.customer_id,
        "list": a.list_id,
        "entity_id": a.entity_id,
        "status": a.status,
        "reason": a.reason,
        "score": a.score,
        "matched_name": a.matched_name,
        "explanation": a.explanation,
        "list_version": a.list_version,
        "model_version": a.model_version,
        "record_hash": a.record_hash,
        "created_at": iso(a.created_at),
        "updated_at": iso(a.updated_at),
    }


def decision_dict(d: Decision) -> dict:
    return {
        "id": d.id,
        "alert_id": d.alert_id,
        "decision": d.decision,
        "reason": d.reason,
        "reviewer": d.reviewer,
        "request_id": d.request_id,
        "time": iso(d.created_at),
    }


def prepare(customers) -> dict[str, list[NameRows]]:
    """Per customer, its names' ``NameRows``: computed once for its screening, then stored."""
    return {c.id: [name_rows(n) for n in c.names] for c in customers}


def rows_json(rows: list[NameRows]) -> str:
    return json.dumps(rows, ensure_ascii=False, separators=(",", ":"))  # NameRows are tuples: arrays


class Monitor:
    """The customer book, its alerts and decisions, in one database."""

    def __init__(self, db: Database, hook: webhook.Webhook | None = None, chunk: int = rescreen.CHUNK):
        self.db, self.webhook, self.chunk = db, hook, chunk
        self.engine_lock: threading.Lock | contextlib.nullcontext = contextlib.nullcontext()

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Monitor:
        """From ORINOCO_DATABASE_URL, ORINOCO_WEBHOOK_URL/_SECRET and ORINOCO_RESCREEN_CHUNK
        (``service.settings``; ValueError naming the one that is wrong)."""
        s = settings.load(env)
        return cls(
            Database(database_url(env)),
            webhook.from_settings(s.webhook_url, s.webhook_secret),
            s.rescreen_chunk,
        )

    @property
    def deliver(self) -> bool:
        return self.webhook is not None

    def start(self) -> None:
        """Create or upgrade the schema (the migrations run on every start)."""
        self.db.migrate()

    # -- customers --------------------------------------------------------------------------

    def put_customers(self, items: list[CustomerIn], screener: Screener | None = None) -> list[dict]:
        """Add or update customers; a new or changed one is screened at once when ``screener`` serves
        the lists the book is screened against (else the background runner screens it)."""
        with self.db.transaction() as session:
            self.upsert(session, items)
        if screener is not None:
            self.screen_pending(screener, [i.id for i in items])
        with self.db.transaction() as session:
            ids = [i.id for i in items]
            rows = {c.id: c for c in session.scalars(select(Customer).where(Customer.id.in_(ids)))}
            return [customer_dict(rows[i]) for i in ids]

    @staticmethod
    def upsert(session: Session, items: list[CustomerIn]) -> None:
        """Insert new customers (in bulk) and update changed ones, in the caller's transaction; a
        customer whose screened data changed, or who returns after removal, waits for a screening."""
        now = utcnow()
        found = {
            c.id: c
            for c in session.scalars(
                select(Customer).where(Customer.id.in_([i.id for i in items])).with_for_update()
            )
        }
        fresh = []
        for item in items:
            c = found.get(item.id)
            if c is None:
                fresh.append(
                    {
                        "id": item.id,
                        "names": item.names,
                        "schema": item.schema,
                        "birth_date": item.birth_date,
                        "country": item.country,
                        "identifiers": item.identifiers,
                        "data_hash": item.data_hash,
                        "screened_hash": None,
                        "needs_screening": True,
                        "active": True,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                continue
            stored = (c.names, c.schema, c.birth_date, c.country, c.identifiers, c.active)
            if stored == (item.names, item.schema, item.birth_date, item.country, item.identifiers, True):
                continue
            returning = not c.active  # its alerts were closed and list deltas skipped it
            c.names, c.schema, c.birth_date, c.country = (
                item.names,
                item.schema,
                item.birth_date,
                item.country,
            )
            c.identifiers, c.data_hash, c.active, c.updated_at = item.identifiers, item.data_hash, True, now
            c.needs_screening = c.screened_hash != item.data_hash or returning or c.needs_screening
        if fresh:
            session.execute(insert(Customer), fresh)

    def remove_customers(self, ids: list[str]) -> int:
        """Stop monitoring customers: their open alerts close; alerts and history are kept."""
        now, removed = utcnow(), 0
        with self.db.transaction() as session:
            for c in session.scalars(select(Customer).where(Customer.id.in_(ids), Customer.active.is_(True))):
                c.active, c.updated_at, c.needs_screening = False, now, False
                removed += 1
                for a in session.scalars(
                    select(Alert).where(Alert.customer_id == c.id, Alert.status.in_((OPEN, ESCALATED)))
                ):
                    alerts.set_status(
                        session, a, CLOSED, "the customer is no longer monitored", self.deliver, now
                    )
        return removed

    def get_customer(self, customer_id: str) -> dict:
        with self.db.transaction() as session:
            c = session.get(Customer, customer_id)
            if c is None:
                raise NotFound(f"no customer {customer_id!r}")
            found = list(
                session.scalars(select(Alert).where(Alert.customer_id == customer_id).order_by(Alert.id))
            )
            return {**customer_dict(c), "alerts": [alert_dict(a) for a in found]}

    def list_customers(
        self, after: str | None, limit: int, include_removed: bool = False
    ) -> tuple[list[dict], str | None]:
        with self.db.transaction() as session:
            query = select(Customer).order_by(Customer.id).limit(limit + 1)
            if after is not None:
                query = query.where(Customer.id > after)
            if not include_removed:
                query = query.where(Customer.active.is_(True))
            rows = list(session.scalars(query))
        more = len(rows) > limit
        rows = rows[:limit]
        return [customer_dict(c) for c in rows], (rows[-1].id if more else None)

    def screen_pending(
        self,
        screener: Screener,
        ids: list[str] | None = None,
        chunk: int = SCREEN_CHUNK,
        should_stop: Callable[[], bool] = lambda: False,
    ) -> int:
        """Screen in full the customers added or changed since their last screening (all, or ``ids``)."""
        done = 0
        while not should_stop():
            with self.db.transaction() as session:
                if rescreen.stored_fingerprint(session) != fingerprint(screener.versions):
                    return done  # these lists are not (yet) the book's: the current ones will screen it
                query = select(Customer).where(Customer.needs_screening.is_(True), Customer.active.is_(True))
                if ids is not None:
                    query = query.where(Customer.id.in_(ids))
                customers = list(session.scalars(query.order_by(Customer.id).limit(chunk)))
            if not customers:
                return done
            rows = prepare(customers)
            with self.engine_lock:
                hits = alerts.screen(screener, customers, prepared=rows)
            now = utcnow()
            with self.db.transaction() as session:
                fresh = {
                    c.id: c
                    for c in session.scalars(
                        select(Customer).where(Customer.id.in_([c.id for c in customers])).with_for_update()
                    )
                }
                todo = [
                    fresh[c.id] for c in customers if c.id in fresh and fresh[c.id].data_hash == c.data_hash
                ]
                alerts.apply(session, todo, hits, None, self.deliver)
                for c in todo:
                    c.screened_hash, c.needs_screening, c.screened_at = c.data_hash, False, now
                    c.name_rows, c.rows_format = rows_json(rows[c.id]), NAME_ROWS_FORMAT
            done += len(todo)
            if ids is not None and len(customers) < chunk:
                return done
        return done

    # -- alerts -----------------------------------------------------------------------------

    def list_alerts(
        self,
        status: str | None = None,
        list_id: str | None = None,
        since: datetime | None = None,
        after: int | None = None,
        limit: int = 100,
        customer_id: str | None = None,
    ) -> tuple[list[dict], int | None]:
        with self.db.transaction() as session:
            query = select(Alert).order_by(Alert.id).limit(limit + 1)
            if status:
                query = query.where(Alert.status == status)
            if list_id:
                query = query.where(Alert.list_id == list_id)
            if since:
                query = query.where(Alert.updated_at >= since)
            if after is not None:
                query = query.where(Alert.id > after)
            if customer_id:
                query = query.where(Alert.customer_id == customer_id)
            rows = list(session.scalars(query))
        more = len(rows) > limit
        rows = rows[:limit]
        return [alert_dict(a) for a in rows], (rows[-1].id if more else None)

    def get_alert(self, alert_id: int) -> dict:
        with self.db.transaction() as session:
            a = session.get(Alert, alert_id)
            if a is None:
                raise NotFound(f"no alert {alert_id}")
            return {**alert_dict(a), "history": self._history(session, alert_id)}

    @staticmethod
    def _history(session: Session, alert_id: int) -> list[dict]:
        return [
            decision_dict(d)
            for d in session.scalars(
                select(Decision).where(Decision.alert_id == alert_id).order_by(Decision.id)
            )
        ]

    def decide(
        self,
        alert_id: int,
        decision: str,
        reason: str,
        reviewer: str,
        request_id: str | None = None,
        on_record: Callable[[dict], None] | None = None,
    ) -> dict:
        """A reviewer's decision: appended to the history and, through ``on_record`` (the audit log),
        written before the transaction commits, so a decision is never stored without its audit line."""
        if decision not in DECISIONS:
            raise ValueError(f"decision must be one of {', '.join(DECISIONS)}")
        now = utcnow()
        with self.db.transaction() as session:
            a = session.get(Alert, alert_id, with_for_update=True)
            if a is None:
                raise NotFound(f"no alert {alert_id}")
            if a.status not in (*DECISIONS,):
                raise Conflict(
                    f"alert {alert_id} is {a.status}: only open, cleared, confirmed or escalated "
                    "alerts can be decided"
                )
            a.status, a.reason, a.updated_at = decision, reason, now
            a.decided_record_hash, a.decided_customer_hash = a.record_hash, a.customer_hash
            row = alerts.record(session, a, decision, reason, reviewer, request_id, now)
            if self.deliver:
                alerts.enqueue(session, a, f"alert.{decision}", now)
            session.flush()
            if on_record:
                on_record(
                    {
                        "event": "alert.decision",
                        **decision_dict(row),
                        "customer_id": a.customer_id,
                        "list": a.list_id,
                        "entity_id": a.entity_id,
                        "list_version": a.list_version,
                        "record_hash": a.record_hash,
                    }
                )
            return {**alert_dict(a), "history": self._history(session, alert_id)}

    # -- lists and background work --------------------------------------------------------

    def lists_loaded(self, screener: Screener) -> int | None:
        """After a load: store the new snapshot and queue the delta's re-screen (its job id, or None)."""
        job = rescreen.sync_lists(self.db, screener, self.deliver)
        return job.id if job else None

    def work(self, screener: Screener, should_stop: Callable[[], bool] = lambda: False) -> bool:
        """One round of background work; True if anything was done."""
        did = False
        job = rescreen.next_job(self.db, screener)
        if job is not None:
            rescreen.run_job(self.db, screener, job.id, self.deliver, self.chunk, should_stop)
            did = True
        if not should_stop() and self.screen_pending(screener, should_stop=should_stop):
            did = True
        if self.webhook is not None and not should_stop() and webhook.deliver_due(self.db, self.webhook):
            did = True
        return did

    def jobs(self, limit: int = 20) -> list[dict]:
        with self.db.transaction() as session:
            return [
                {
                    "id": j.id,
                    "status": j.status,
                    "added": j.added,
                    "changed": j.changed,
                    "removed": j.removed,
                    "records": len(j.records),
                    "customers_checked": j.customers_checked,
                    "customers_done": j.customers_done,
                    "alerts_opened": j.alerts_opened,
                    "seconds": round(j.seconds, 3),
                    "created_at": iso(j.created_at),
                    "finished_at": iso(j.finished_at),
                }
                for j in session.scalars(select(RescreenJob).order_by(RescreenJob.id.desc()).limit(limit))
            ]

    def stats(self) -> dict:
        """For /metrics: alerts per status, customers, and the last finished re-screen."""
        with self.db.transaction() as session:
            by_status = dict(session.execute(select(Alert.status, func.count()).group_by(Alert.status)).all())
            customers = session.scalar(
                select(func.count()).select_from(Customer).where(Customer.active.is_(True))
            )
            pending = session.scalar(
                select(func.count())
                .select_from(Customer)
                .where(Customer.needs_screening.is_(True), Customer.active.is_(True))
            )
            last = session.scalars(
                select(RescreenJob)
                .where(RescreenJob.status == "done")
                .order_by(RescreenJob.id.desc())
                .limit(1)
            ).first()
            return {
                "alerts": by_status,
                "customers": customers or 0,
                "customers_pending": pending or 0,
                "last_rescreen": None
                if last is None
                else {
                    "seconds": last.seconds,
                    "records": len(last.records),
                    "customers": last.customers_done,
                },
            }

    # -- the lease ----------------------------------------------------------------------------

    def take_lease(self, owner: str, seconds: float = LEASE_SECONDS, name: str = "runner") -> bool:
        """Hold (or renew) the one lease on background work; False if another live process holds it."""
        now = utcnow()
        try:
            with self.db.transaction() as session:
                lease = session.get(Lease, name, with_for_update=True)
                if lease is None:
                    session.add(Lease(name=name, owner=owner, until=now + timedelta(seconds=seconds)))
                    return True
                if lease.owner != owner and lease.until > now:
                    return False
                lease.owner, lease.until = owner, now + timedelta(seconds=seconds)
                return True
        except IntegrityError:
            return False

    def release_lease(self, owner: str, name: str = "runner") -> None:
        with self.db.transaction() as session:
            lease = session.get(Lease, name, with_for_update=True)
            if lease is not None and lease.owner == owner:
                session.delete(lease)


class Runner(threading.Thread):
    """The background loop of one process: while it holds the lease, re-screens and delivers."""

    def __init__(self, monitor: Monitor, screener: Callable[[], Screener | None], interval: float = 1.0):
        super().__init__(name="orinoco-monitor", daemon=True)
        self.monitor, self.screener, self.interval = monitor, screener, interval
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            did = False
            try:
                current = self.screener()
                if current is not None and self.monitor.take_lease(self.owner):
                    did = self.monitor.work(current, should_stop=self._lost)
            except Exception:  # a database outage must not end the loop: retry on the next round
                log.exception("monitoring background work failed; retrying")
                time.sleep(5)
            if not did:
                self.stopping.wait(self.interval)

    def _lost(self) -> bool:
        return self.stopping.is_set() or not self.monitor.take_lease(self.owner)

    def stop(self, wait: float = 10.0) -> None:
        """Stop after the current chunk (its transaction commits or rolls back whole), then hand the
        lease over; a thread still in the engine when the process ends would abort it."""
        self.stopping.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(wait)
        with contextlib.suppress(Exception):
            self.monitor.release_lease(self.owner)
