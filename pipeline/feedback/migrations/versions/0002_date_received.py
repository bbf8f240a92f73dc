"""The date the complaint was received, kept beside the decision so an export dates its records right.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: decisions recorded before this migration (and at intake without a date) have none.
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("date_received", sa.Date))


def downgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("date_received")
