"""Screening customers and turning the matches into alerts, with suppression of decided ones.

``screen`` asks the engine; ``apply`` writes the outcome for a set of customers inside the
caller's transaction: new matches open alerts, cleared alerts stay cleared while neither the
customer's data nor the listed record changed (else they re-open with the reason), and alerts the
screening no longer produces are closed. Every automatic status change is a ``Decision`` by
"system" and, with a webhook, a ``Delivery`` in the same transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import __version__
from service.engine.screener import NameRows, Query, Screener
from service.monitor.models import (
    CLEARED,
    CLOSED,
    CONFIRMED,
    DELISTED,
    ESCALATED,
    OPEN,
    Alert,
    Customer,
    Decision,
    Delivery,
    utcnow,
)
from service.monitor.records import record_hashes

MATCHES_PER_NAME = 20
MODEL_VERSION = f"orinoco-{__version__}"
SYSTEM = "system"

Key = tuple[str, str]  # (list id, entity id)


class Screenable(Protocol):
    """What ``screen`` reads of a customer: a ``Customer`` or a ``select()`` row of these columns."""

    @property
    def id(self) -> str: ...
    @property
    def names(self) -> list: ...
    @property
    def schema(self) -> str: ...
    @property
    def birth_date(self) -> str | None: ...
    @property
    def country(self) -> str | None: ...


@dataclass(slots=True)
class Hit:
    score: float
    matched_name: str
    explanation: dict
    record_hash: str
    list_version: str


@dataclass(slots=True)
class Outcome:
    opened: int = 0
    reopened: int = 0
    closed: int = 0

    def add(self, other: Outcome) -> None:
        self.opened += other.opened
        self.reopened += other.reopened
        self.closed += other.closed


def screen(
    screener: Screener,
    customers: Iterable[Screenable],
    hashes: dict[Key, str] | None = None,
    prepared: dict[str, list[NameRows]] | None = None,
) -> dict[str, dict[Key, Hit]]:
    """The best match per listed record for each customer (all its names screened in one call);
    ``prepared``: the customers' ``NameRows`` per name, when already computed."""
    customers = list(customers)
    queries = [Query(name, c.schema, c.birth_date, c.country, c.id) for c in customers for name in c.names]
    hits: dict[str, dict[Key, Hit]] = {c.id: {} for c in customers}
    if not queries:
        return hits
    hashes = hashes if hashes is not None else record_hashes(screener)
    versions = {v.id: v.sha256 for v in screener.versions}
    rows = [r for c in customers for r in prepared[c.id]] if prepared is not None else None
    for result in screener.screen(queries, limit=MATCHES_PER_NAME, prepared=rows):
        found = hits[cast(str, result.query.id or "")]  # the queries' ids are the customers' (str) ids
        for m in result.matches:
            key = (m.list, m.entity_id)
            if key not in found or m.score > found[key].score:
                found[key] = Hit(m.score, m.matched_name, m.explanation, hashes[key], versions[m.list])
    return hits


def apply(
    session: Session,
    customers: list[Customer],
    hits: dict[str, dict[Key, Hit]],
    scope: set[Key] | None,
    deliver: bool,
) -> Outcome:
    """Write the screening of ``customers`` (``scope``: the records screened against, None for all)."""
    outcome = Outcome()
    if not customers:
        return outcome
    existing: dict[str, dict[Key, Alert]] = {c.id: {} for c in customers}
    ids = [c.id for c in customers]
    for i in range(0, len(ids), 500):
        for alert in session.scalars(select(Alert).where(Alert.customer_id.in_(ids[i : i + 500]))):
            existing[alert.customer_id][(alert.list_id, alert.entity_id)] = alert
    now = utcnow()
    for customer in customers:
        alerts = existing[customer.id]
        for key, hit in hits.get(customer.id, {}).items():
            _apply_hit(session, customer, key, hit, alerts.get(key), deliver, outcome, now)
        for key, alert in alerts.items():
            if key in hits.get(customer.id, {}) or (scope is not None and key not in scope):
                continue
            if alert.status in (OPEN, ESCALATED):
                why = (
                    "the listed record changed and no longer matches"
                    if scope is not None
                    else "the customer's data changed and no longer matches"
                )
                set_status(session, alert, CLOSED, why, deliver, now)
                outcome.closed += 1
    return outcome


def _apply_hit(
    session: Session,
    customer: Customer,
    key: Key,
    hit: Hit,
    alert: Alert | None,
    deliver: bool,
    outcome: Outcome,
    now,
) -> None:
    if alert is None:
        alert = Alert(
            customer_id=customer.id,
            list_id=key[0],
            entity_id=key[1],
            score=hit.score,
            matched_name=hit.matched_name,
            explanation=hit.explanation,
            list_version=hit.list_version,
            model_version=MODEL_VERSION,
            record_hash=hit.record_hash,
            customer_hash=customer.data_hash,
            status=OPEN,
            created_at=now,
            updated_at=now,
        )
        session.add(alert)
        session.flush()  # its id, for the history and the webhook
        record(session, alert, OPEN, "new match", SYSTEM, now=now)
        if deliver:
            enqueue(session, alert, "alert.opened", now)
        outcome.opened += 1
        return
    reason = None
    if alert.status == CLEARED:
        changed = []
        if customer.data_hash != alert.decided_customer_hash:
            changed.append("the customer's data changed since it was cleared")
        if hit.record_hash != alert.decided_record_hash:
            changed.append("the listed record changed since it was cleared")
        reason = "; ".join(changed) or None
    elif alert.status in (DELISTED, CLOSED):
        reason = "the record is listed again" if alert.status == DELISTED else "it matches again"
    fields = {
        "score": hit.score,
        "matched_name": hit.matched_name,
        "list_version": hit.list_version,
        "record_hash": hit.record_hash,
        "customer_hash": customer.data_hash,
        "model_version": MODEL_VERSION,
    }
    changed_fields = {k: v for k, v in fields.items() if getattr(alert, k) != v}
    if changed_fields or reason:
        for k, v in changed_fields.items():
            setattr(alert, k, v)
        alert.explanation = hit.explanation
        alert.updated_at = now
    if reason:
        set_status(session, alert, OPEN, reason, deliver, now, event="alert.reopened")
        outcome.reopened += 1
    assert alert.status in (OPEN, CLEARED, CONFIRMED, ESCALATED)


def set_status(
    session: Session, alert: Alert, status: str, reason: str, deliver: bool, now, event: str | None = None
) -> None:
    """An automatic status change: the alert, its history and (with a webhook) its delivery."""
    alert.status, alert.reason, alert.updated_at = status, reason, now
    record(session, alert, status, reason, SYSTEM, now=now)
    if deliver:
        enqueue(session, alert, event or f"alert.{status}", now)


def record(
    session: Session,
    alert: Alert,
    decision: str,
    reason: str,
    reviewer: str,
    request_id: str | None = None,
    now=None,
) -> Decision:
    row = Decision(
        alert_id=alert.id,
        decision=decision,
        reason=reason,
        reviewer=reviewer,
        request_id=request_id,
        created_at=now or utcnow(),
    )
    session.add(row)
    return row


def alert_event(alert: Alert, event: str) -> dict:
    """What a webhook receives: identifiers, score and status, never a name."""
    return {
        "event": event,
        "alert_id": alert.id,
        "customer_id": alert.customer_id,
        "list": alert.list_id,
        "entity_id": alert.entity_id,
        "score": alert.score,
        "status": alert.status,
        "reason": alert.reason,
        "list_version": alert.list_version,
        "time": alert.updated_at.isoformat().replace("+00:00", "Z"),
    }


def enqueue(session: Session, alert: Alert, event: str, now) -> None:
    payload = json.dumps(alert_event(alert, event), ensure_ascii=True, separators=(",", ":"))
    session.add(
        Delivery(
            alert_id=alert.id,
            event=event,
            payload=payload,
            status="pending",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
    )
