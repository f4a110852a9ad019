"""The figures on the organizers' dashboard, read from the tallies wherever possible."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from petition.counts import day_tallies, place_tallies
from petition.models import (
    AuditEntry,
    IntegrityEvent,
    LetterEvent,
    Signature,
    SignatureState,
    utcnow,
)

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


def _totals(session: Session, campaign_id: int) -> dict[str, int]:
    tallies = place_tallies(campaign_id)
    rows = session.execute(
        select(tallies.c.state, func.sum(tallies.c.count)).group_by(tallies.c.state)
    ).all()
    found = {SignatureState(state).value: int(n or 0) for state, n in rows}
    return {s.value: found.get(s.value, 0) for s in SignatureState}


def _grouped(session: Session, campaign_id: int, *names: str) -> list[Any]:
    """Sum confirmed tallies grouped by the given columns, largest first."""
    tallies = place_tallies(campaign_id)
    columns = [tallies.c[name] for name in names]
    total = func.sum(tallies.c.count)
    rows = session.execute(
        select(*columns, total)
        .where(tallies.c.state == SignatureState.CONFIRMED)
        .group_by(*columns)
        .having(total > 0)
        .order_by(total.desc(), *columns)
    ).all()
    return [tuple(row) for row in rows]


def per_day(session: Session, campaign_id: int) -> list[tuple[date, int]]:
    """Confirmed signatures per day of confirmation."""
    tallies = day_tallies(campaign_id)
    total = func.sum(tallies.c.count)
    rows = session.execute(
        select(tallies.c.day, total)
        .where(tallies.c.state == SignatureState.CONFIRMED)
        .group_by(tallies.c.day)
        .having(total != 0)
        .order_by(tallies.c.day)
    ).all()
    return [(day, max(0, int(n))) for day, n in rows]  # a tally never goes below zero


def _letters(session: Session, campaign_id: int, column: Any) -> list[tuple[str, int]]:
    total = func.count(LetterEvent.id)
    rows = session.execute(
        select(column, total)
        .where(LetterEvent.campaign_id == campaign_id)
        .group_by(column)
        .order_by(total.desc(), column)
    ).all()
    return [(str(key), int(n)) for key, n in rows]


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
    totals = _totals(session, campaign_id)
    return Dashboard(
        totals=totals,
        per_day=per_day(session, campaign_id),
        by_country=_grouped(session, campaign_id, "country"),
        by_region=_grouped(session, campaign_id, "country", "region"),
        by_district=_grouped(session, campaign_id, "country", "district_id"),
        letters_by_rep=_letters(session, campaign_id, LetterEvent.representative_id),
        letters_by_channel=_letters(session, campaign_id, LetterEvent.channel),
        integrity=integrity_figures(session, campaign_id, totals),
        audit=list(
            session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(AUDIT_ROWS))
        ),
    )
