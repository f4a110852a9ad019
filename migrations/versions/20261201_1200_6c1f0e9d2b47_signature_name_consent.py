"""signatures.name_consent

Revision ID: 6c1f0e9d2b47
Revises: 3a9ea493bda6
Create Date: 2026-12-01 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "6c1f0e9d2b47"
down_revision: str | Sequence[str] | None = "3a9ea493bda6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Every existing signer was never asked: none of them agreed to be named.
    with op.batch_alter_table("signatures") as batch_op:
        batch_op.add_column(
            sa.Column("name_consent", sa.Boolean(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("signatures") as batch_op:
        batch_op.drop_column("name_consent")
