"""The audit log: who did what, and to how many rows (exports, moderation, responses)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from petition.models import AuditEntry


def record_audit(
    session: Session, organizer_email: str, action: str, detail: str, rows: int
) -> None:
    """Write who did what, and to how many rows, to the audit log."""
    session.add(
        AuditEntry(organizer_email=organizer_email, action=action, detail=detail, rows=rows)
    )
    session.flush()
