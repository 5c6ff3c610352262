"""Each customer keeps the engine's prepared rows of its names (for the delta pre-filter); the
customer_tokens table they replace is dropped; a re-screen job counts the customers it screened.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("name_rows", sa.Text))
        batch.add_column(sa.Column("rows_format", sa.Integer))
    with op.batch_alter_table("rescreen_jobs") as batch:
        batch.add_column(sa.Column("customers_checked", sa.Integer, nullable=False, server_default="0"))
    op.drop_index("ix_customer_tokens_token", table_name="customer_tokens")
    op.drop_table("customer_tokens")


def downgrade() -> None:
    op.create_table(
        "customer_tokens",
        sa.Column("customer_id", sa.String(128), sa.ForeignKey("customers.id"), primary_key=True),
        sa.Column("token", sa.Text, primary_key=True),
    )
    op.create_index("ix_customer_tokens_token", "customer_tokens", ["token"])
    with op.batch_alter_table("rescreen_jobs") as batch:
        batch.drop_column("customers_checked")
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("rows_format")
        batch.drop_column("name_rows")
