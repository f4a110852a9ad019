"""tally journal: signing inserts a row instead of updating a shared tally row

Revision ID: 3a9ea493bda6
Revises: 8d2f4c61b3a7
Create Date: 2026-12-01 10:43:33.451533
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3a9ea493bda6"
down_revision: str | Sequence[str] | None = "8d2f4c61b3a7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Downgrading folds what the journal still holds into the tallies, so no count is lost.
# ("WHERE true" keeps SQLite from reading ON CONFLICT as part of the SELECT.)
FOLD_PLACES = """
INSERT INTO signature_counts (campaign_id, country, region, district_id, state, count, updated_at)
SELECT campaign_id, country, region, district_id, state, SUM(delta), MAX(created_at)
FROM tally_journal WHERE true GROUP BY campaign_id, country, region, district_id, state
ON CONFLICT (campaign_id, country, region, district_id, state)
DO UPDATE SET count = signature_counts.count + excluded.count, updated_at = excluded.updated_at
"""
FOLD_DAYS = """
INSERT INTO signature_day_counts (campaign_id, day, state, count)
SELECT campaign_id, day, state, SUM(delta) FROM tally_journal WHERE true
GROUP BY campaign_id, day, state
ON CONFLICT (campaign_id, day, state)
DO UPDATE SET count = signature_day_counts.count + excluded.count
"""


def upgrade() -> None:
    state = sa.Enum(
        "pending",
        "confirmed",
        "invalidated",
        name="signaturestate",
        native_enum=False,
        length=20,
    )
    op.create_table(
        "tally_journal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("region", sa.String(length=8), nullable=False),
        sa.Column("district_id", sa.String(length=40), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("state", state, nullable=False),
        sa.Column("delta", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_tally_journal_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tally_journal")),
    )


def downgrade() -> None:
    op.execute(FOLD_PLACES)
    op.execute(FOLD_DAYS)
    op.drop_table("tally_journal")
