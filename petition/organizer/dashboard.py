"""The figures on the organizers' dashboard, read from the tallies wherever possible."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from petition.models import (
    AuditEntry,
    IntegrityEvent,
    LetterEvent,
    Signature,
    SignatureState,
    utcnow,
)
from petition.tallies import day_totals, letters_by, state_totals, sum_places

AUDIT_ROWS = 20


@dataclass
class Dashboard:
    totals: dict[str, int]
    per_day: list[tuple[date, int]]
    by_country: list[tuple[str, int]]
    by_region: list[tuple[str, str, int]]
    by_district: list[tuple[str, str, int]]
    letters_by_rep: list[tuple[str, int]]
    letters_by_channel: list[tuple[str, int]]
    integrity: dict[str, int] = field(default_factory=dict)
    audit: list[AuditEntry] = field(default_factory=list)


def integrity_figures(session: Session, campaign_id: int, totals: dict[str, int]) -> dict[str, int]:
    """Pending past expiry, flagged signatures, duplicates, rate-limited and failed logins."""
    expired = session.scalar(
        select(func.count(Signature.id)).where(
            Signature.campaign_id == campaign_id,
            Signature.state == SignatureState.PENDING,
            Signature.token_expires_at < utcnow(),
        )
    )
    events = dict(
        session.execute(
            select(IntegrityEvent.kind, func.count(IntegrityEvent.id)).group_by(IntegrityEvent.kind)
        ).all()  # fmt: skip
    )
    return {
        "pending_expired": int(expired or 0),
        "flagged": totals.get(SignatureState.INVALIDATED.value, 0),
        "duplicate_attempts": int(events.get("duplicate_signature", 0)),
        "rate_limited": int(events.get("rate_limited", 0)),
        "failed_logins": int(events.get("failed_login", 0)),
    }


def build_dashboard(session: Session, campaign_id: int) -> Dashboard:
    """Gather every figure of the dashboard for one campaign."""
    totals = state_totals(session, campaign_id)
    confirmed = frozenset({SignatureState.CONFIRMED})

    def grouped(*columns: str) -> list[Any]:
        return sum_places(session, campaign_id, confirmed, *columns, largest_first=True)

    return Dashboard(
        totals=totals,
        per_day=day_totals(session, campaign_id, confirmed),
        by_country=grouped("country"),
        by_region=grouped("country", "region"),
        by_district=grouped("country", "district_id"),
        letters_by_rep=letters_by(session, campaign_id, LetterEvent.representative_id),
        letters_by_channel=letters_by(session, campaign_id, LetterEvent.channel),
        integrity=integrity_figures(session, campaign_id, totals),
        audit=list(
            session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(AUDIT_ROWS))
        ),
    )
