"""The monitoring store: customers, listed records, alerts, decisions, re-screen jobs, deliveries.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from service.monitor.models import UTCDateTime

revision = "0001"
down_revision = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("names", sa.JSON, nullable=False),
        sa.Column("schema", sa.String(16), nullable=False),
        sa.Column("birth_date", sa.String(10)),
        sa.Column("country", sa.String(64)),
        sa.Column("identifiers", sa.JSON, nullable=False),
        sa.Column("data_hash", sa.String(64), nullable=False),
        sa.Column("screened_hash", sa.String(64)),
        sa.Column("needs_screening", sa.Boolean, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("screened_at", UTCDateTime),
    )
    op.create_index("ix_customers_needs_screening", "customers", ["needs_screening"])
    op.create_table(
        "customer_tokens",
        sa.Column("customer_id", sa.String(128), sa.ForeignKey("customers.id"), primary_key=True),
        sa.Column("token", sa.Text, primary_key=True),
    )
    op.create_index("ix_customer_tokens_token", "customer_tokens", ["token"])
    op.create_table(
        "list_versions",
        sa.Column("list_id", sa.String(64), primary_key=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("published", sa.String(32)),
        sa.Column("entities", sa.Integer, nullable=False),
        sa.Column("loaded_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "listed_records",
        sa.Column("list_id", sa.String(64), primary_key=True),
        sa.Column("entity_id", sa.String(64), primary_key=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
    )
    op.create_table(
        "alerts",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("customer_id", sa.String(128), sa.ForeignKey("customers.id"), nullable=False),
        sa.Column("list_id", sa.String(64), nullable=False),
        sa.Column("entity_id", sa.String(64), nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("matched_name", sa.Text, nullable=False),
        sa.Column("explanation", sa.JSON, nullable=False),
        sa.Column("list_version", sa.String(64), nullable=False),
        sa.Column("model_version", sa.String(64), nullable=False),
        sa.Column("record_hash", sa.String(64), nullable=False),
        sa.Column("customer_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("decided_record_hash", sa.String(64)),
        sa.Column("decided_customer_hash", sa.String(64)),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("customer_id", "list_id", "entity_id", name="uq_alert_customer_record"),
    )
    op.create_index("ix_alerts_status_id", "alerts", ["status", "id"])
    op.create_index("ix_alerts_record", "alerts", ["list_id", "entity_id"])
    op.create_index("ix_alerts_updated", "alerts", ["updated_at"])
    op.create_table(
        "decisions",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("alert_id", ID, sa.ForeignKey("alerts.id"), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("reviewer", sa.String(128), nullable=False),
        sa.Column("request_id", sa.String(64)),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_decisions_alert_id", "decisions", ["alert_id"])
    op.create_table(
        "rescreen_jobs",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("lists", sa.Text, nullable=False),
        sa.Column("records", sa.JSON, nullable=False),
        sa.Column("added", sa.Integer, nullable=False),
        sa.Column("changed", sa.Integer, nullable=False),
        sa.Column("removed", sa.Integer, nullable=False),
        sa.Column("cursor", sa.String(128)),
        sa.Column("customers_done", sa.Integer, nullable=False),
        sa.Column("alerts_opened", sa.Integer, nullable=False),
        sa.Column("seconds", sa.Float, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("finished_at", UTCDateTime),
    )
    op.create_index("ix_rescreen_jobs_status", "rescreen_jobs", ["status"])
    op.create_table(
        "deliveries",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("alert_id", ID, sa.ForeignKey("alerts.id"), nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", UTCDateTime, nullable=False),
        sa.Column("last_status", sa.Integer),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("delivered_at", UTCDateTime),
    )
    op.create_index("ix_deliveries_due", "deliveries", ["status", "next_attempt_at"])
    op.create_table(
        "leases",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("owner", sa.String(128), nullable=False),
        sa.Column("until", UTCDateTime, nullable=False),
    )

    op.create_table(
        "imports",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("rows_done", sa.Integer, nullable=False),
        sa.Column("rejected", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "imports",
        "leases",
        "deliveries",
        "rescreen_jobs",
        "decisions",
        "alerts",
        "customer_tokens",
        "listed_records",
        "list_versions",
        "customers",
    ):
        op.drop_table(table)
