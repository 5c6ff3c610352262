"""The customers' index on needs_screening becomes (needs_screening, active, id): the full
screening and the delta re-screen read the book in id order among the customers (not) needing
screening, and with the one-column index SQLite fetched every such row and sorted them for each
chunk read (quadratic in the book: a million customers meant ~50 sorts of up to a million rows).

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.drop_index("ix_customers_needs_screening", table_name="customers")
    op.create_index("ix_customers_screening_order", "customers", ["needs_screening", "active", "id"])


def downgrade() -> None:
    op.drop_index("ix_customers_screening_order", table_name="customers")
    op.create_index("ix_customers_needs_screening", "customers", ["needs_screening"])
