"""The decisions table: one row per officer's decision, with the suggestion shown.

Revision ID: 0001
Revises: (none)
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("decision_id", sa.String(36), nullable=False, unique=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("case_ref", sa.String(200)),
        sa.Column("text_sha256", sa.String(64), nullable=False),
        sa.Column("text", sa.Text),
        sa.Column("team", sa.String(200)),
        sa.Column("model_name", sa.String(200), nullable=False),
        sa.Column("model_version", sa.String(200), nullable=False),
        sa.Column("themes_model_version", sa.String(200)),
        sa.Column("suggested_category", sa.String(200), nullable=False),
        sa.Column("suggested_probability", sa.Float, nullable=False),
        sa.Column("needs_review", sa.Boolean, nullable=False),
        sa.Column("review_reason", sa.Text, nullable=False),
        sa.Column("suggestion", sa.JSON, nullable=False),
        sa.Column("suggested_themes", sa.Text, nullable=False),
        sa.Column("chosen_category", sa.String(200), nullable=False),
        sa.Column("chosen_themes", sa.Text, nullable=False),
        sa.Column("accepted", sa.Boolean, nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
    )
    op.create_index("ix_decisions_recorded_at", "decisions", ["recorded_at"])
    op.create_index("ix_decisions_case_ref", "decisions", ["case_ref"])


def downgrade() -> None:
    op.drop_table("decisions")
