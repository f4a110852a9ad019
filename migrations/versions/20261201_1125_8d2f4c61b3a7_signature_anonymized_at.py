"""signatures.anonymized_at

Revision ID: 8d2f4c61b3a7
Revises: 5b1e0c2d7a90
Create Date: 2026-12-01 11:25:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8d2f4c61b3a7"
down_revision: str | Sequence[str] | None = "5b1e0c2d7a90"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("signatures") as batch_op:
        batch_op.add_column(sa.Column("anonymized_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("signatures") as batch_op:
        batch_op.drop_column("anonymized_at")
