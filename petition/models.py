"""Typed SQLAlchemy models: campaigns, signatures, their counters and the mail outbox."""

from __future__ import annotations

import enum
import secrets
from datetime import UTC, date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from petition.db import Base


def utcnow() -> datetime:
    """Return the current UTC time without tzinfo, as every column stores it."""
    return datetime.now(UTC).replace(tzinfo=None)


def new_session_version() -> str:
    """Return a fresh random session version for an organizer."""
    return secrets.token_hex(16)


def _enum_column(enum_class: type[enum.Enum]) -> Enum:
    """Store an enum by its value in a plain string column (no native ENUM type)."""
    return Enum(
        enum_class,
        native_enum=False,
        length=20,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class SignatureState(enum.StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    INVALIDATED = "invalidated"
    # Signed from an address over SIGN_RATE_LIMIT: kept, confirmable, counted nowhere
    # public until an organizer releases it (to confirmed when confirmed_at is set,
    # else to pending). The UK Parliament petitions site holds such signatures the same way.
    SUSPECT = "suspect"


# States that appear in public counts, depending on the COUNT_PENDING setting.
COUNTED_STATES = frozenset({SignatureState.CONFIRMED})
COUNTED_STATES_WITH_PENDING = frozenset({SignatureState.CONFIRMED, SignatureState.PENDING})


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    goal: Mapped[int] = mapped_column(Integer)
    # An anonymous campaign never hands out its full signer list, even to organizers.
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class Signature(Base):
    __tablename__ = "signatures"
    __table_args__ = (
        # One signature per person and campaign, enforced by the database itself.
        UniqueConstraint("campaign_id", "email_canonical"),
        Index("ix_signatures_campaign_state_created", "campaign_id", "state", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    email_canonical: Mapped[str] = mapped_column(String(320))
    country: Mapped[str] = mapped_column(String(2))
    postal_code: Mapped[str] = mapped_column(String(16), default="")
    # Province / state / member state, or "" when unknown; see postal.region_for_postal_code.
    region: Mapped[str] = mapped_column(String(8), default="")
    # House district, riding or EP constituency when the postal code settles it, else "".
    district_id: Mapped[str] = mapped_column(String(40), default="", server_default="")
    updates: Mapped[bool] = mapped_column(Boolean, default=False)
    # Ticked "include my name in the letters to my representatives" (offered only when the
    # campaign file has [packs] names = true); the signer may withdraw it on /my-data.
    name_consent: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    state: Mapped[SignatureState] = mapped_column(
        _enum_column(SignatureState), default=SignatureState.PENDING
    )
    # The confirmation token is stored as a SHA-256 hex digest; the raw token only
    # ever travels by email. A newer attempt replaces it.
    confirm_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    token_expires_at: Mapped[datetime] = mapped_column(DateTime)
    # Random per signature and part of the signed delete link, so every email's
    # delete link keeps working and dies with the row (see signatures.delete_token).
    delete_nonce: Mapped[str] = mapped_column(String(32))
    ip_hash: Mapped[str] = mapped_column(String(64), default="")
    duplicate_attempts: Mapped[int] = mapped_column(Integer, default=0)
    # When the last "you signed again" email went out (None: never); throttles the next.
    last_notified_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Set when name, email and postal code were erased at the end of the retention period.
    anonymized_at: Mapped[datetime | None] = mapped_column(DateTime)


class SignatureCount(Base):
    """Running tally per campaign, country, region and state.

    Kept up to date in the same transaction as every signature change, so public
    counts never need a COUNT(*) over the signatures table.
    """

    __tablename__ = "signature_counts"

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    region: Mapped[str] = mapped_column(String(8), primary_key=True)
    district_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    state: Mapped[SignatureState] = mapped_column(_enum_column(SignatureState), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class SignatureDayCount(Base):
    """Running tally per campaign, day and state (the day a signature entered that state)."""

    __tablename__ = "signature_day_counts"

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    state: Mapped[SignatureState] = mapped_column(_enum_column(SignatureState), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class TallyJournal(Base):
    """One change to the tallies, written with the signature change that causes it.

    Signing only inserts here, so concurrent signers never wait for each other on a
    shared tally row; the count refresher folds these rows into SignatureCount and
    SignatureDayCount (counts.fold_tally_journal), and public counts add the rows not
    folded yet, so counts stay exact.
    """

    __tablename__ = "tally_journal"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    country: Mapped[str] = mapped_column(String(2))
    region: Mapped[str] = mapped_column(String(8))
    district_id: Mapped[str] = mapped_column(String(40))
    # The day the signature entered this state, the day its day tally is kept under.
    day: Mapped[date] = mapped_column(Date)
    state: Mapped[SignatureState] = mapped_column(_enum_column(SignatureState))
    delta: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class OutboxMessage(Base):
    """An email waiting to be sent; written in the same transaction as its cause."""

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_due", "sent_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # A worker claims a message (its token, until this time) so two never send it twice;
    # a crashed worker's claim lapses and another worker takes the message.
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    # The signature the message is about, so deleting it erases the message too.
    signature_id: Mapped[int | None] = mapped_column(
        ForeignKey("signatures.id", ondelete="SET NULL"), index=True
    )
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    failed_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")


class Representative(Base):
    """One seat and who holds it, loaded from data/representatives.csv."""

    __tablename__ = "representatives"
    __table_args__ = (Index("ix_representatives_seat", "country", "body", "region", "district_id"),)

    # Namespaced stable id, e.g. "bioguide:B001230", "ep:256834", "vacant:us-house:CA-14".
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    country: Mapped[str] = mapped_column(String(2))
    body: Mapped[str] = mapped_column(String(20))
    region: Mapped[str] = mapped_column(String(4))
    district_id: Mapped[str] = mapped_column(String(40), default="")
    district_name: Mapped[str] = mapped_column(String(200), default="")
    name: Mapped[str] = mapped_column(String(200), default="")
    address_as: Mapped[str] = mapped_column(String(40))
    party: Mapped[str] = mapped_column(String(200), default="")
    group: Mapped[str] = mapped_column("group_name", String(100), default="")
    email: Mapped[str] = mapped_column(String(320), default="")
    contact_url: Mapped[str] = mapped_column(String(500), default="")
    website: Mapped[str] = mapped_column(String(500), default="")
    phone: Mapped[str] = mapped_column(String(60), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    photo_url: Mapped[str] = mapped_column(String(500), default="")
    vacant: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(200))
    source_date: Mapped[date] = mapped_column(Date)


class PostalArea(Base):
    """A postal key (ZIP, FSA, postcode, county, routing key) and one district it may be in."""

    __tablename__ = "postal_areas"
    __table_args__ = (
        UniqueConstraint("country", "kind", "key", "district_id"),
        Index("ix_postal_areas_lookup", "country", "key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    country: Mapped[str] = mapped_column(String(2))
    # "zip" (US), "fsa" (CA), "county", "routing_key", "postcode", "province" (EU)
    kind: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(40))
    region: Mapped[str] = mapped_column(String(8), default="")
    # A district id; "A|B" means the user has to choose between A and B.
    district_id: Mapped[str] = mapped_column(String(40))
    share: Mapped[float | None] = mapped_column(Float)
    rank: Mapped[int | None] = mapped_column(Integer)
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    # "area" (share of the key's area), "point" (one reference point: a hint), or ""
    basis: Mapped[str] = mapped_column(String(20), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(200))
    source_date: Mapped[date] = mapped_column(Date)


class Constituency(Base):
    """A sub-national European Parliament constituency (IE, BE, IT, PL)."""

    __tablename__ = "constituencies"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    country: Mapped[str] = mapped_column(String(2))
    name: Mapped[str] = mapped_column(String(200))
    seats: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(200))
    source_date: Mapped[date] = mapped_column(Date)


class DataReport(Base):
    """A user's report that something in the representative data is wrong."""

    __tablename__ = "data_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    country: Mapped[str] = mapped_column(String(2), default="")
    postal_code: Mapped[str] = mapped_column(String(16), default="")
    representative_id: Mapped[str] = mapped_column(String(64), default="")
    message: Mapped[str] = mapped_column(Text)
    email: Mapped[str] = mapped_column(String(320), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)


class LetterEvent(Base):
    """A letter sent to a representative by one channel; never its text or its writer."""

    __tablename__ = "letter_events"
    __table_args__ = (
        Index("ix_letter_events_campaign_rep", "campaign_id", "representative_id"),
        Index("ix_letter_events_campaign_channel", "campaign_id", "channel"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    representative_id: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(2))
    region: Mapped[str] = mapped_column(String(8), default="")
    district_id: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Organizer(Base):
    """Someone who may see the dashboard and export figures."""

    __tablename__ = "organizers"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    # Random, stored in the organizer's session at login and compared on every request;
    # replaced at logout, password change and removal, which ends every earlier session.
    session_version: Mapped[str] = mapped_column(String(32), default=new_session_version)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)


class AuditEntry(Base):
    """Who exported or changed what, and when (shown on the dashboard)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_created", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organizer_email: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(60))
    detail: Mapped[str] = mapped_column(Text, default="")
    rows: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ModerationAction(Base):
    """A bulk invalidation of signatures, kept so that it can be reversed."""

    __tablename__ = "moderation_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    organizer_email: Mapped[str] = mapped_column(String(320))
    # "invalidate" (matching signatures leave the counts) or "release" (held ones join them)
    kind: Mapped[str] = mapped_column(String(20), default="invalidate", server_default="invalidate")
    criteria: Mapped[str] = mapped_column(Text)  # human-readable description of the filter
    # JSON list of [signature id, state before] pairs, to restore on reversal
    previous_states: Mapped[str] = mapped_column(Text)
    count: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    reverted_at: Mapped[datetime | None] = mapped_column(DateTime)


class IntegrityEvent(Base):
    """Something the integrity panel counts: a rate-limited attempt, a failed login."""

    __tablename__ = "integrity_events"
    __table_args__ = (Index("ix_integrity_events_kind_created", "kind", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Position(enum.StrEnum):
    """Where a representative stands on the campaign, as organizers recorded it."""

    SUPPORTS = "supports"
    PARTLY = "partly"
    OPPOSES = "opposes"
    NO_REPLY = "no_reply"


# Positions that are an answer (a representative with NO_REPLY was asked but has not answered).
ANSWERED_POSITIONS = frozenset({Position.SUPPORTS, Position.PARTLY, Position.OPPOSES})


class RepresentativeResponse(Base):
    """A representative's recorded answer to the campaign: one row per campaign and seat."""

    __tablename__ = "representative_responses"
    __table_args__ = (UniqueConstraint("campaign_id", "representative_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    representative_id: Mapped[str] = mapped_column(String(64))
    position: Mapped[Position] = mapped_column(_enum_column(Position), default=Position.NO_REPLY)
    # The day of the answer, or of the request while there is no reply yet.
    responded_on: Mapped[date | None] = mapped_column(Date)
    quote: Mapped[str] = mapped_column(Text, default="")
    source_url: Mapped[str] = mapped_column(String(500), default="")
    updated_by: Mapped[str] = mapped_column(String(320))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
