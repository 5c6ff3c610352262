"""The monitoring store's tables (SQLAlchemy 2 declarative); migrations/ creates them.

Timestamps are UTC ``datetime``s (``UTCDateTime`` gives them back zone-aware on SQLite too).
Decisions are append-only: nothing updates or deletes a row of ``decisions``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# alert statuses: open (to review), cleared (a false positive), confirmed (a true match), escalated
# (to a senior reviewer), delisted (the listed record left the lists), closed (no longer matches)
OPEN, CLEARED, CONFIRMED, ESCALATED, DELISTED, CLOSED = (
    "open",
    "cleared",
    "confirmed",
    "escalated",
    "delisted",
    "closed",
)
STATUSES = (OPEN, CLEARED, CONFIRMED, ESCALATED, DELISTED, CLOSED)
DECISIONS = (CLEARED, CONFIRMED, ESCALATED, OPEN)  # what a reviewer may decide ("open": re-open)

Id = BigInteger().with_variant(Integer(), "sqlite")  # SQLite autoincrements INTEGER PRIMARY KEY only


class UTCDateTime(TypeDecorator):
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Customer(Base):
    __tablename__ = "customers"
    # the full screening and the delta read the book in id order among those (not) needing screening
    __table_args__ = (Index("ix_customers_screening_order", "needs_screening", "active", "id"),)
    id: Mapped[str] = mapped_column(String(128), primary_key=True)  # the bank's own customer id
    names: Mapped[list] = mapped_column(JSON)
    schema: Mapped[str] = mapped_column(String(16), default="Any")
    birth_date: Mapped[str | None] = mapped_column(String(10))
    country: Mapped[str | None] = mapped_column(String(64))
    identifiers: Mapped[list] = mapped_column(JSON, default=list)
    data_hash: Mapped[str] = mapped_column(
        String(64)
    )  # of what is screened: names, type, birth date, country
    screened_hash: Mapped[str | None] = mapped_column(String(64))  # data_hash at the last full screening
    needs_screening: Mapped[bool] = mapped_column(default=True)
    active: Mapped[bool] = mapped_column(default=True)  # False once removed (its alerts keep their history)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    screened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What its last full screening started from (engine.screener.NameRows of each name, as JSON),
    # and the engine's normalization format then: a list delta is pre-filtered on these without
    # normalizing a million names again (rows of another format are computed afresh).
    name_rows: Mapped[str | None] = mapped_column(Text)
    rows_format: Mapped[int | None] = mapped_column(Integer)


class ListVersionRow(Base):
    """The list versions the book was last screened against, one row per list."""

    __tablename__ = "list_versions"
    list_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    published: Mapped[str | None] = mapped_column(String(32))
    entities: Mapped[int] = mapped_column(Integer)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ListedRecord(Base):
    """Every listed record screened against, by content hash: the delta of the next version is
    computed against these rows, so it survives restarts."""

    __tablename__ = "listed_records"
    list_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    entity_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64))


class Alert(Base):
    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("customer_id", "list_id", "entity_id", name="uq_alert_customer_record"),
        Index("ix_alerts_status_id", "status", "id"),
        Index("ix_alerts_record", "list_id", "entity_id"),
        Index("ix_alerts_updated", "updated_at"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    list_id: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(64))
    score: Mapped[float] = mapped_column(Float)
    matched_name: Mapped[str] = mapped_column(Text)  # the listed name (public), not the customer's
    explanation: Mapped[dict] = mapped_column(JSON)
    list_version: Mapped[str] = mapped_column(String(64))  # sha256 of the list screened against
    model_version: Mapped[str] = mapped_column(String(64))
    record_hash: Mapped[str] = mapped_column(String(64))  # the listed record's content when last screened
    customer_hash: Mapped[str] = mapped_column(String(64))  # the customer's data when last screened
    status: Mapped[str] = mapped_column(String(16), default=OPEN)
    reason: Mapped[str | None] = mapped_column(Text)  # why it has its status (e.g. why it re-opened)
    decided_record_hash: Mapped[str | None] = mapped_column(String(64))  # at the last reviewer decision
    decided_customer_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Decision(Base):
    """Append-only history of an alert: reviewers' decisions and the system's own status changes."""

    __tablename__ = "decisions"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    decision: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    reviewer: Mapped[str] = mapped_column(String(128))  # "system" for automatic changes
    request_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RescreenJob(Base):
    """One re-screening of the book against a list delta; progress is committed with each chunk."""

    __tablename__ = "rescreen_jobs"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)  # pending/running/done
    lists: Mapped[str] = mapped_column(Text)  # the list versions' fingerprint it screens against
    records: Mapped[list] = mapped_column(JSON)  # [[list_id, entity_id], ...] added or changed
    added: Mapped[int] = mapped_column(Integer, default=0)
    changed: Mapped[int] = mapped_column(Integer, default=0)
    removed: Mapped[int] = mapped_column(Integer, default=0)
    cursor: Mapped[str | None] = mapped_column(String(128))  # the last customer id done
    customers_done: Mapped[int] = mapped_column(Integer, default=0)  # screened against the records
    customers_checked: Mapped[int] = mapped_column(Integer, default=0)  # read and pre-filtered
    alerts_opened: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)  # screening time so far
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Delivery(Base):
    """The webhook outbox and delivery log: written with the alert change, sent afterwards."""

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_due", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"))
    event: Mapped[str] = mapped_column(String(32))
    payload: Mapped[str] = mapped_column(Text)  # the exact JSON body that is signed and sent
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending/delivered/failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Lease(Base):
    """Which process runs the background work (re-screens, deliveries) until when."""

    __tablename__ = "leases"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner: Mapped[str] = mapped_column(String(128))
    until: Mapped[datetime] = mapped_column(UTCDateTime)


class ImportRun(Base):
    """Progress of ``orinoco monitor import`` over one input file (by checksum): a run cut short
    resumes after the last chunk committed."""

    __tablename__ = "imports"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    path: Mapped[str] = mapped_column(Text)
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="running")  # running/done
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
