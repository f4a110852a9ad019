"""Personal data does not outlive its purpose.

Outbox messages are blanked once sent or given up (mail.py) and when their signature
is deleted; IP hashes are erased after IP_HASH_RETENTION_DAYS; a campaign's signers'
names, emails and postal codes are erased `retention_months` after it closes, keeping
country, region, district and dates so that every count stays right.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import String, cast, literal, select, update
from sqlalchemy.orm import Session

from petition.models import OutboxMessage, Signature, utcnow

# What is left of a message once its content has served its purpose.
BLANK_MESSAGE = {"to_address": "", "subject": "", "body": ""}


def erase_signature_messages(session: Session, signature_ids: list[int]) -> None:
    """Blank the messages about these signatures; those not sent yet never will be."""
    if not signature_ids:
        return
    about = OutboxMessage.signature_id.in_(signature_ids)
    session.execute(
        update(OutboxMessage)
        .where(about, OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None))
        .values(failed_at=utcnow(), last_error="Signature deleted before sending.")
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(OutboxMessage)
        .where(about)
        .values(**BLANK_MESSAGE)
        .execution_options(synchronize_session=False)
    )


def expire_ip_hashes(session: Session, older_than: datetime) -> int:
    """Erase the IP hashes of signatures made before `older_than`; return how many."""
    result = session.execute(
        update(Signature)
        .where(Signature.created_at < older_than, Signature.ip_hash != "")
        .values(ip_hash="")
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it is shorter)."""
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def retention_end(closes: date | None, retention_months: int) -> datetime | None:
    """When a campaign's signers' details are erased; None for an open-ended campaign."""
    if closes is None:
        return None
    return datetime.combine(add_months(closes, retention_months), time.min)


def anonymize_signatures(session: Session, campaign_id: int, older_than: datetime) -> int:
    """Erase name, email, postal code and IP hash of signatures made before `older_than`.

    Consent to be named in delivery packs goes with the name.

    Country, region, district, state and dates stay, so no count changes. The unique
    email key becomes a placeholder that names no one.
    """
    ids = list(
        session.scalars(
            select(Signature.id).where(
                Signature.campaign_id == campaign_id,
                Signature.created_at < older_than,
                Signature.anonymized_at.is_(None),
            )
        )
    )
    for start in range(0, len(ids), 500):
        batch = ids[start : start + 500]
        session.execute(
            update(Signature)
            .where(Signature.id.in_(batch))
            .values(
                name="",
                email="",
                email_canonical=literal("anonymized:") + cast(Signature.id, String),
                postal_code="",
                ip_hash="",
                confirm_token_hash=None,
                updates=False,
                name_consent=False,
                anonymized_at=utcnow(),
            )
            .execution_options(synchronize_session=False)
        )
        erase_signature_messages(session, batch)
    session.flush()
    return len(ids)


def withdraw_name_consent(session: Session, signature: Signature) -> bool:
    """Stop naming the signer in delivery packs; return whether they had agreed to it."""
    agreed = signature.name_consent
    signature.name_consent = False
    session.flush()
    return agreed


@dataclass(frozen=True)
class HeldMessage:
    kind: str
    created_at: datetime
    status: str


def list_signature_messages(session: Session, signature_id: int) -> list[HeldMessage]:
    """The emails we sent or hold for a signature, without their content."""
    messages = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.signature_id == signature_id)
        .order_by(OutboxMessage.id)
    )
    return [
        HeldMessage(
            kind=m.kind,
            created_at=m.created_at,
            status="sent" if m.sent_at else "given up" if m.failed_at else "waiting to be sent",
        )
        for m in messages
    ]
