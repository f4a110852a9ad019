"""Signing a campaign, confirming and deleting signatures (double opt-in)."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from collections import deque
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import (
    ColumnDefault,
    Connection,
    Dialect,
    Insert,
    Integer,
    Table,
    bindparam,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session, make_transient_to_detached

from petition.counts import JOURNAL, insert_journal_rows, journal_row, journal_rows, tally
from petition.db import DriverStatement, PoolConnection
from petition.models import Campaign, OutboxMessage, Signature, SignatureState, utcnow
from petition.postal import region_for_postal_code
from petition.privacy import erase_signature_messages

# Providers that ignore dots in the local part and deliver "+tag" to the same inbox.
GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})
DELETE_TOKEN_SALT = "petition.delete-signature"
# A repeat this soon after the signature itself is the same form sent twice (a double
# click): it gets no email, whose fresh link would make the first email's link stale.
DOUBLE_SUBMIT = timedelta(seconds=60)


class SignatureNotFoundError(LookupError):
    """No signature matches the token (never issued, replaced or deleted)."""


class TokenExpiredError(Exception):
    """The confirmation link is older than the configured lifetime."""


@dataclass(frozen=True)
class SignResult:
    """What happened when someone signed, for the view to mail and redirect."""

    signature: Signature
    created: bool
    # The raw confirmation token, set when the signer still has to confirm.
    confirm_token: str | None
    # False when a duplicate attempt came too soon after the last notice.
    notify: bool


def canonical_email(email: str) -> str:
    """Return the form of an address used to recognise the same person twice."""
    local, _, domain = email.strip().lower().rpartition("@")
    if domain in GMAIL_DOMAINS:
        local = local.split("+", 1)[0].replace(".", "")
        domain = "gmail.com"
    return f"{local}@{domain}"


def hash_token(token: str) -> str:
    """Return the digest under which a token is stored."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def hash_ip(secret_key: str, ip: str | None) -> str:
    """Return a keyed hash of an IP address, so abuse can be grouped without storing IPs."""
    return hmac.new(secret_key.encode(), (ip or "").encode(), hashlib.sha256).hexdigest()


def _new_confirm_token(signature: Signature, now: datetime, ttl: timedelta) -> str:
    token = secrets.token_urlsafe(32)
    signature.confirm_token_hash = hash_token(token)
    signature.token_expires_at = now + ttl
    return token


@functools.cache
def _insert_signature(dialect: str) -> Insert:
    """INSERT ... ON CONFLICT (campaign, canonical email) DO NOTHING RETURNING id.

    Built once per dialect (PostgreSQL, or SQLite 3.35 and later); a repeat signer's
    insert returns no row instead of failing, so no savepoint is needed around it.
    """
    table = cast(Table, Signature.__table__)
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(table)
        .on_conflict_do_nothing(index_elements=[table.c.campaign_id, table.c.email_canonical])
        .returning(table.c.id)
    )


@dataclass(frozen=True)
class SignatureDraft:
    """A new signature's row and confirmation token, made before any statement is sent."""

    values: dict[str, Any]
    confirm_token: str
    token_ttl: timedelta


def draft_signature(
    campaign_id: int,
    *,
    name: str,
    email: str,
    country: str,
    postal_code: str,
    updates: bool,
    ip_hash: str,
    district_id: str = "",
    token_ttl: timedelta,
    suspect: bool = False,
    name_consent: bool = False,
) -> SignatureDraft:
    """Compute the row of a pending signature (held as suspect when asked) and its token."""
    now = utcnow()
    token = secrets.token_urlsafe(32)
    values: dict[str, Any] = {
        "campaign_id": campaign_id,
        "name": name,
        "email": email,
        "email_canonical": canonical_email(email),
        "country": country,
        "postal_code": postal_code,
        "region": region_for_postal_code(country, postal_code) or "",
        "district_id": district_id,
        "updates": updates,
        "name_consent": name_consent,
        "state": SignatureState.SUSPECT if suspect else SignatureState.PENDING,
        "confirm_token_hash": hash_token(token),
        "token_expires_at": now + token_ttl,
        "delete_nonce": secrets.token_hex(16),
        "ip_hash": ip_hash,
        "duplicate_attempts": 0,
        "last_notified_at": None,
        "created_at": now,
        "confirmed_at": None,
        "anonymized_at": None,
    }
    return SignatureDraft(values=values, confirm_token=token, token_ttl=token_ttl)


def add_signature(
    session: Session, draft: SignatureDraft, *, notice_interval: timedelta
) -> SignResult:
    """Record a drafted signature, or note a repeat attempt.

    One INSERT for the signature (no flush of the session) and, right after it, one for
    its tally journal row: everything else was computed before, so a writer holds the
    lock (SQLite) or its row locks (PostgreSQL) no longer than the statements take.
    """
    values = draft.values
    # The row as it will be stored: callers may read or change it once it is added.
    signature = Signature(**values)
    journal = journal_rows([signature], signature.state, 1)
    # The unique constraint, not an earlier query, decides who signed first.
    # Core statements go straight to the session's connection: the ORM would only look
    # them over to find nothing of its own to do.
    connection = session.connection()
    signature_id = connection.execute(_insert_signature(connection.dialect.name), values).scalar()
    if signature_id is None:
        return _record_repeat(
            session,
            values["campaign_id"],
            values["email_canonical"],
            values["created_at"],
            draft.token_ttl,
            notice_interval,
        )
    insert_journal_rows(connection, journal)
    signature.id = signature_id
    make_transient_to_detached(signature)  # in the session as if loaded
    session.add(signature)
    return SignResult(
        signature=signature, created=True, confirm_token=draft.confirm_token, notify=True
    )


# PostgreSQL: signature ids drawn from the table's sequence this many at a time.
ID_BLOCK = 64
ID_BLOCK_KEY = "petition.signature_ids"


def reserve_signature_id(connection: Connection | PoolConnection) -> int:
    """PostgreSQL: the id the next new signature will have, drawn from the signatures'
    sequence ID_BLOCK at a time and kept with the pooled connection. An id drawn and never
    used leaves a gap in the numbering, as a rolled-back insert always did."""
    block: deque[int] = connection.info.setdefault(ID_BLOCK_KEY, deque())
    if not block:
        rows = _reserve_statement(connection.dialect).execute(connection, {"n": ID_BLOCK},
                                                              all_rows=True)  # fmt: skip
        block.extend(int(row[0]) for row in rows)
    return block.popleft()


@functools.lru_cache(maxsize=8)
def _reserve_statement(dialect: Dialect) -> DriverStatement:
    sql = text("SELECT nextval(pg_get_serial_sequence('signatures', 'id')) "
               "FROM generate_series(1, :n)").bindparams(bindparam("n", type_=Integer))  # fmt: skip
    return DriverStatement(sql, dialect)


def _column_binds(table: Table, prefix: str = "", *, skip: Collection[str] = ()) -> dict[str, Any]:
    """A bind parameter for each column (named prefix + column name), for DriverStatement:
    optional where the column has a plain default (that value) or may be NULL."""
    binds: dict[str, Any] = {}
    for column in table.c:
        if column.name in skip:
            continue
        name, default = f"{prefix}{column.name}", column.default
        if isinstance(default, ColumnDefault) and default.is_scalar:
            binds[column.name] = bindparam(name, default.arg, type_=column.type)
        elif column.nullable:
            binds[column.name] = bindparam(name, None, type_=column.type)
        else:
            binds[column.name] = bindparam(name, type_=column.type)
    return binds


@dataclass(frozen=True)
class _AtOnce:
    """The statements of add_signature_at_once, compiled for one dialect."""

    signature: DriverStatement  # PostgreSQL: signature, journal row and email in one
    journal: DriverStatement | None = None
    email: DriverStatement | None = None


@functools.lru_cache(maxsize=8)
def _at_once_statements(dialect: Dialect) -> _AtOnce:
    """SQLite: INSERT INTO signatures ... ON CONFLICT DO NOTHING RETURNING id, then one
    INSERT each for the journal row and the email. PostgreSQL: one statement,
    WITH s AS (INSERT INTO signatures ... ON CONFLICT DO NOTHING RETURNING ...),
    j AS (INSERT INTO tally_journal ... SELECT ... FROM s),
    o AS (INSERT INTO outbox_messages ... SELECT ... FROM s) SELECT s.id FROM s,
    its parameters prefixed "s_" (the signature, id included), "j_" (the journal row's
    day, delta and created_at) and "o_" (the email); a repeat signer's insert returns
    no row, so neither of the others adds one."""
    table, outbox = cast(Table, Signature.__table__), cast(Table, OutboxMessage.__table__)
    unique = [table.c.campaign_id, table.c.email_canonical]
    if dialect.name != "postgresql":
        signature = (
            sqlite.insert(table).values(_column_binds(table, skip={"id"}))
            .on_conflict_do_nothing(index_elements=unique).returning(table.c.id)
        )  # fmt: skip
        return _AtOnce(
            DriverStatement(signature, dialect),
            DriverStatement(insert(JOURNAL).values(_column_binds(JOURNAL, skip={"id"})), dialect),
            DriverStatement(insert(outbox).values(_column_binds(outbox, skip={"id"})), dialect),
        )
    c, j = table.c, JOURNAL.c
    shared = ["campaign_id", "country", "region", "district_id", "state"]
    cte = (
        postgresql.insert(table)
        .values(_column_binds(table, "s_"))
        .on_conflict_do_nothing(index_elements=unique)
        .returning(c.id, *(c[name] for name in shared))
        .cte("s")
    )
    journal_extra = ["day", "delta", "created_at"]
    journal = postgresql.insert(JOURNAL).from_select(
        [*shared, *journal_extra],
        select(*(cte.c[name] for name in shared),
               *(bindparam(f"j_{name}", type_=j[name].type) for name in journal_extra)),
    ).cte("j")  # fmt: skip
    binds = _column_binds(outbox, "o_", skip={"id", "signature_id"})
    email = (
        postgresql.insert(outbox)
        .from_select([*binds, "signature_id"], select(*binds.values(), cte.c.id))
        .cte("o")
    )
    return _AtOnce(DriverStatement(select(cte.c.id).add_cte(journal).add_cte(email), dialect))


def add_signature_at_once(
    connection: Connection | PoolConnection,
    values: Mapping[str, Any],
    email: Callable[[int], Mapping[str, Any]],
) -> int | None:
    """Store a drafted signature's row (draft_signature's values), its tally journal
    row and its email, on a connection of db.run_direct: the caller commits. Return
    the new id, or None when the address has signed already (then nothing was stored:
    add_signature handles the repeat).

    `email(id)` gives the message's to_address, subject, body and kind: its delete link
    needs the id. The statements go straight to the driver (db.DriverStatement):
    SQLite's three INSERTs hold the write lock for well under a millisecond, and on
    PostgreSQL the id is reserved first so that all three are one statement, one round
    trip, its own transaction on the autocommit connection.
    """
    statements = _at_once_statements(connection.dialect)
    now = values["created_at"]
    journal = journal_row(values, now.date(), values["state"], 1, now)  # a new row's day
    if connection.dialect.name == "postgresql":
        signature_id = reserve_signature_id(connection)
        params = {f"s_{name}": value for name, value in values.items()}
        params["s_id"] = signature_id
        params.update({f"j_{name}": journal[name] for name in ("day", "delta", "created_at")})
        params.update({f"o_{name}": value for name, value in email(signature_id).items()})
        params.update(o_created_at=now, o_next_attempt_at=now)
        return signature_id if statements.signature.execute(connection, params) else None
    row = statements.signature.execute(connection, values)
    if row is None:
        return None
    signature_id = int(row[0])
    assert statements.journal is not None and statements.email is not None
    statements.journal.execute(connection, journal)
    message = {**email(signature_id), "created_at": now, "next_attempt_at": now,
               "signature_id": signature_id}  # fmt: skip
    statements.email.execute(connection, message)
    return signature_id


def sign_campaign(
    session: Session,
    campaign: Campaign | int,
    *,
    notice_interval: timedelta,
    **fields: Any,
) -> SignResult:
    """Record a pending signature (held as suspect when asked), or note a repeat attempt.

    `campaign` is the campaign row or its id; `fields` are draft_signature's (name,
    email, ...). See add_signature.
    """
    campaign_id = campaign if isinstance(campaign, int) else campaign.id
    draft = draft_signature(campaign_id, **fields)
    return add_signature(session, draft, notice_interval=notice_interval)


def _record_repeat(
    session: Session,
    campaign_id: int,
    email_canonical: str,
    now: datetime,
    token_ttl: timedelta,
    notice_interval: timedelta,
) -> SignResult:
    """Count a repeat attempt; refresh the link of a still-pending signature."""
    existing = session.scalars(
        select(Signature)
        .where(Signature.campaign_id == campaign_id, Signature.email_canonical == email_canonical)
        .with_for_update()
    ).one()
    existing.duplicate_attempts += 1
    last = existing.last_notified_at
    if last is None:  # no repeat notice yet: only a double submission goes unanswered
        notify = now - existing.created_at >= DOUBLE_SUBMIT
    else:
        notify = now - last >= notice_interval
    token = None
    if notify:
        existing.last_notified_at = now
        if is_unconfirmed(existing):
            token = _new_confirm_token(existing, now, token_ttl)
    session.flush()
    return SignResult(signature=existing, created=False, confirm_token=token, notify=notify)


def find_signature_by_confirm_token(session: Session, token: str) -> Signature:
    """Return the signature a confirmation link belongs to.

    :raises SignatureNotFoundError: when no signature carries this token.
    """
    signature = session.scalars(
        select(Signature).where(Signature.confirm_token_hash == hash_token(token))
    ).first()
    if signature is None:
        raise SignatureNotFoundError(token)
    return signature


def is_unconfirmed(signature: Signature) -> bool:
    """Tell whether the signer has yet to confirm (pending, or held and never confirmed)."""
    if signature.state == SignatureState.SUSPECT:
        return signature.confirmed_at is None
    return signature.state == SignatureState.PENDING


def is_confirmation_expired(signature: Signature) -> bool:
    """Tell whether an unconfirmed signature's confirmation link is too old."""
    return is_unconfirmed(signature) and signature.token_expires_at < utcnow()


def confirm_signature(session: Session, token: str) -> Signature:
    """Confirm the signature behind a token; confirming twice is harmless.

    :raises SignatureNotFoundError: unknown token.
    :raises TokenExpiredError: the link is too old and the signature still unconfirmed.
    """
    signature = find_signature_by_confirm_token(session, token)
    if not is_unconfirmed(signature):
        return signature
    if is_confirmation_expired(signature):
        raise TokenExpiredError(token)
    now = utcnow()
    if signature.state == SignatureState.SUSPECT:
        return _confirm_held(session, signature, now)
    # Conditional update: of two simultaneous clicks only one moves the tallies.
    moved = cast(
        CursorResult[Any],
        session.execute(
            update(Signature)
            .where(Signature.id == signature.id, Signature.state == SignatureState.PENDING)
            .values(state=SignatureState.CONFIRMED, confirmed_at=now)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    session.refresh(signature)
    if moved:
        tally(session, signature, SignatureState.PENDING, -1)
        tally(session, signature, SignatureState.CONFIRMED, 1)
    return signature


def _confirm_held(session: Session, signature: Signature, now: datetime) -> Signature:
    """Confirm a held signature in place; it counts once an organizer releases it."""
    # Conditional, like a pending confirmation: a release that came first wins, and the
    # signer then confirms the released (pending) signature with a second click.
    session.execute(
        update(Signature)
        .where(
            Signature.id == signature.id,
            Signature.state == SignatureState.SUSPECT,
            Signature.confirmed_at.is_(None),
        )
        .values(confirmed_at=now)
        .execution_options(synchronize_session=False)
    )
    session.refresh(signature)
    return signature


@functools.lru_cache(maxsize=8)
def _delete_token_serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=DELETE_TOKEN_SALT)


def make_delete_token(secret_key: str, signature: Signature) -> str:
    """Return the token of the signature's delete link, valid for as long as the row exists."""
    return delete_token_for(secret_key, signature.id, signature.delete_nonce)


def delete_token_for(secret_key: str, signature_id: int, delete_nonce: str) -> str:
    """make_delete_token for a row known by its id and nonce (no object needed)."""
    return str(_delete_token_serializer(secret_key).dumps([signature_id, delete_nonce]))


def find_signature_by_delete_token(session: Session, secret_key: str, token: str) -> Signature:
    """Return the signature a delete link belongs to.

    :raises SignatureNotFoundError: forged, malformed or already used link.
    """
    try:
        signature_id, nonce = _delete_token_serializer(secret_key).loads(token)
    except (BadSignature, TypeError, ValueError) as exc:
        raise SignatureNotFoundError(token) from exc
    signature = session.get(Signature, signature_id) if isinstance(signature_id, int) else None
    if signature is None or not hmac.compare_digest(signature.delete_nonce, str(nonce)):
        raise SignatureNotFoundError(token)
    return signature


def purge_unconfirmed(session: Session, expired_before: datetime, batch: int = 500) -> int:
    """Delete pending signatures whose link expired before the given time; return how many."""
    purged = 0
    while True:
        stale = session.scalars(
            select(Signature)
            .where(
                or_(
                    Signature.state == SignatureState.PENDING,
                    (Signature.state == SignatureState.SUSPECT) & Signature.confirmed_at.is_(None),
                ),
                Signature.token_expires_at < expired_before,
            )
            .limit(batch)
        ).all()
        for signature in stale:
            delete_signature(session, signature)
        purged += len(stale)
        if len(stale) < batch:
            return purged


def delete_signature(session: Session, signature: Signature) -> None:
    """Remove a signature and everything it added to the tallies."""
    # Lock the row and read its current state first, as confirm and moderation do, so
    # concurrent changes queue in the same order (no deadlock) and the right tally moves.
    session.refresh(signature, with_for_update=True)
    tally(session, signature, signature.state, -1)
    erase_signature_messages(session, [signature.id])
    session.delete(signature)
    session.flush()
