"""outbox claim tokens and the signature each message is about

Revision ID: 5b1e0c2d7a90
Revises: 5b1d7e0c4a21
Create Date: 2026-12-01 10:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5b1e0c2d7a90"
down_revision: str | Sequence[str] | None = "5b1d7e0c4a21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_messages") as batch_op:
        batch_op.add_column(sa.Column("claim_token", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("signature_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_outbox_messages_signature_id"), ["signature_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_messages_signature_id_signatures"),
            "signatures",
            ["signature_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox_messages") as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_outbox_messages_signature_id_signatures"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_outbox_messages_signature_id"))
        batch_op.drop_column("signature_id")
        batch_op.drop_column("claim_token")
