"""organizer session versions, moderation action kinds

Revision ID: 5b1d7e0c4a21
Revises: c0093120a366
Create Date: 2026-12-01 10:50:00
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5b1d7e0c4a21"
down_revision: str | Sequence[str] | None = "c0093120a366"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Two steps: add the column empty, give every organizer a random version, then require it.
    with op.batch_alter_table("organizers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_version", sa.String(length=32), nullable=True))
    organizers = sa.table("organizers", sa.column("id", sa.Integer), sa.column("session_version"))
    conn = op.get_bind()
    for (organizer_id,) in conn.execute(sa.select(organizers.c.id)).all():
        conn.execute(
            organizers.update()
            .where(organizers.c.id == organizer_id)
            .values(session_version=secrets.token_hex(16))
        )
    with op.batch_alter_table("organizers", schema=None) as batch_op:
        batch_op.alter_column("session_version", existing_type=sa.String(length=32), nullable=False)
    with op.batch_alter_table("moderation_actions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=20), server_default="invalidate", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("moderation_actions", schema=None) as batch_op:
        batch_op.drop_column("kind")
    with op.batch_alter_table("organizers", schema=None) as batch_op:
        batch_op.drop_column("session_version")
