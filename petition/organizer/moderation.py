"""Bulk invalidation of suspicious signatures and release of held ones, both revertible."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from petition.counts import tally_many
from petition.models import ModerationAction, Signature, SignatureState, utcnow
from petition.organizer.audit import record_audit
from petition.tallies import state_totals

# Signatures locked, re-tallied and updated per round trip, so that 100,000 matches
# never sit in memory (or in one statement's parameter list) at once.
BATCH_SIZE = 1000
# How many ids a description lists before it only says how many more there are.
IDS_SHOWN = 10
# How much of an IP hash a description shows; enough to tell hashes apart by eye.
IP_HASH_SHOWN = 12
# The states a signature can be invalidated from (IN, unlike !=, can use the state index).
VALID_STATES = sorted(set(SignatureState) - {SignatureState.INVALIDATED})
# Where a released signature goes: confirmed when its signer confirmed, else pending.
RELEASED_STATES = [SignatureState.CONFIRMED, SignatureState.PENDING]
INVALIDATE, RELEASE = "invalidate", "release"
# Addresses listed on the moderation page's held-for-review table.
HELD_ADDRESSES_SHOWN = 20


class ModerationError(ValueError):
    """The moderation request cannot be carried out; the message says why."""


@dataclass(frozen=True)
class Criteria:
    """Which signatures of a campaign to invalidate; every criterion given must match.

    Times are UTC, like created_at; aware datetimes are converted.
    """

    email_domain: str | None = None
    ip_hash: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    ids: tuple[int, ...] = ()

    def is_empty(self) -> bool:
        """Tell whether no criterion is given."""
        return not (
            self.email_domain
            or self.ip_hash
            or self.created_from is not None
            or self.created_to is not None
            or self.ids
        )

    def describe(self) -> str:
        """Return the criteria in plain words, for the moderation log."""
        parts = []
        if self.email_domain:
            parts.append(f"email domain {_domain(self.email_domain)}")
        if self.ip_hash:
            shown = self.ip_hash[:IP_HASH_SHOWN]
            parts.append(f"IP hash {shown}{'…' if shown != self.ip_hash else ''}")
        if self.created_from is not None or self.created_to is not None:
            parts.append(_describe_range(self.created_from, self.created_to))
        if self.ids:
            parts.append(_describe_ids(self.ids))
        return ", ".join(parts) or "no criteria"


def _domain(raw: str) -> str:
    """Return an email domain as email_canonical stores it."""
    return raw.strip().lower().removeprefix("@")


def _naive_utc(moment: datetime) -> datetime:
    """Return a time as the naive UTC value every column stores."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def _format_moment(moment: datetime, *, end: bool = False) -> str:
    """Write a time as a bare date when it is that day's first (or, for an end, last) instant."""
    moment = _naive_utc(moment)
    if moment.time() == (time.max if end else time.min):
        return moment.date().isoformat()
    return moment.isoformat(sep=" ", timespec="seconds" if moment.second else "minutes")


def _describe_range(start: datetime | None, end: datetime | None) -> str:
    """Describe an inclusive range of creation times."""
    first = _format_moment(start) if start is not None else ""
    last = _format_moment(end, end=True) if end is not None else ""
    if first and last:
        return f"created {first} to {last}"
    return f"created from {first}" if first else f"created up to {last}"


def _describe_ids(ids: tuple[int, ...]) -> str:
    """List signature ids, summarising a long list."""
    shown = ", ".join(str(i) for i in sorted(ids)[:IDS_SHOWN])
    more = len(ids) - IDS_SHOWN
    return f"signature ids {shown}" + (f" and {more} more" if more > 0 else "")


def _check(criteria: Criteria) -> None:
    """Refuse criteria that would select everything or nothing by mistake."""
    if criteria.is_empty():
        raise ModerationError(_l("Give at least one criterion."))
    domain = _domain(criteria.email_domain or "")
    if criteria.email_domain and ("@" in domain or not domain.strip(". ")):
        raise ModerationError(
            _l("“%(domain)s” is not an email domain.", domain=criteria.email_domain)
        )
    start, end = criteria.created_from, criteria.created_to
    if start is not None and end is not None and _naive_utc(start) > _naive_utc(end):
        raise ModerationError(_l("The start of the date range is after its end."))


def _escape_like(value: str) -> str:
    """Escape LIKE wildcards so that a domain matches literally."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _conditions(
    campaign_id: int, criteria: Criteria, states: list[SignatureState] = VALID_STATES
) -> list[ColumnElement[bool]]:
    """Return the WHERE clauses for the campaign's matching signatures in these states.

    :raises ModerationError: empty or malformed criteria (empty is fine for held ones).
    """
    if states != [SignatureState.SUSPECT] or not criteria.is_empty():
        _check(criteria)
    where = [Signature.campaign_id == campaign_id, Signature.state.in_(states)]
    if criteria.email_domain:
        # After the last "@" exactly, so "sub.mailinator.com" is not "mailinator.com".
        pattern = "%@" + _escape_like(_domain(criteria.email_domain))
        where.append(func.lower(Signature.email_canonical).like(pattern, escape="\\"))
    if criteria.ip_hash:
        where.append(Signature.ip_hash == criteria.ip_hash)
    if criteria.created_from is not None:
        where.append(Signature.created_at >= _naive_utc(criteria.created_from))
    if criteria.created_to is not None:
        where.append(Signature.created_at <= _naive_utc(criteria.created_to))
    if criteria.ids:
        where.append(Signature.id.in_(criteria.ids))
    return where


def preview_invalidation(session: Session, campaign_id: int, criteria: Criteria) -> int:
    """Count the signatures an invalidation with these criteria would move.

    :raises ModerationError: empty or malformed criteria.
    """
    query = select(func.count()).select_from(Signature)
    return int(session.scalar(query.where(*_conditions(campaign_id, criteria))) or 0)


def _lock_ids(session: Session, where: list[ColumnElement[bool]]) -> list[int]:
    """Lock every matching signature row, a batch at a time by id, and return the ids.

    Every row is locked before any tally is touched: a concurrent confirm then either
    finishes first or waits for us while holding no tally row, so neither deadlocks.
    """
    ids: list[int] = []
    while True:
        query = (
            select(Signature.id)
            .where(*where, Signature.id > (ids[-1] if ids else 0))
            .order_by(Signature.id)
            .limit(BATCH_SIZE)
            .with_for_update()
        )
        batch = list(session.scalars(query))
        ids += batch
        if len(batch) < BATCH_SIZE:
            return ids


def _load_batches(session: Session, ids: list[int]) -> Iterator[list[Signature]]:
    """Yield the signatures with these ids, a batch at a time, as the database has them now."""
    for start in range(0, len(ids), BATCH_SIZE):
        query = select(Signature).where(Signature.id.in_(ids[start : start + BATCH_SIZE]))
        # The session may hold a copy from before the lock, with a state since changed.
        yield list(session.scalars(query.execution_options(populate_existing=True)))


def _invalidate_batch(session: Session, batch: list[Signature]) -> list[list[Any]]:
    """Move a batch of signatures to invalidated; return their [id, previous state] pairs."""
    previous = [[signature.id, signature.state.value] for signature in batch]
    # One upsert per tally row the batch touches, not two per signature.
    for state in sorted({signature.state for signature in batch}):
        tally_many(session, [sig for sig in batch if sig.state == state], state, -1)
    tally_many(session, batch, SignatureState.INVALIDATED, 1)
    ids = [signature.id for signature in batch]
    session.execute(
        update(Signature).where(Signature.id.in_(ids)).values(state=SignatureState.INVALIDATED)
    )
    return previous


def invalidate_signatures(
    session: Session, campaign_id: int, criteria: Criteria, organizer_email: str
) -> ModerationAction:
    """Invalidate every matching signature of a campaign and record how to undo it.

    :raises ModerationError: empty or malformed criteria, or no signature matches.
    """
    ids = _lock_ids(session, _conditions(campaign_id, criteria))
    if not ids:
        raise ModerationError(_l("No signature that still counts matches these criteria."))
    previous: list[list[Any]] = []
    for batch in _load_batches(session, ids):
        previous += _invalidate_batch(session, batch)
    return _record_action(session, campaign_id, organizer_email, INVALIDATE,
                          criteria.describe(), previous)  # fmt: skip


def _record_action(
    session: Session,
    campaign_id: int,
    organizer_email: str,
    kind: str,
    described: str,
    previous: list[list[Any]],
) -> ModerationAction:
    """Store an action with the states it replaced (for undo) and write the audit entry."""
    action = ModerationAction(
        campaign_id=campaign_id,
        organizer_email=organizer_email,
        kind=kind,
        criteria=described,
        previous_states=json.dumps(previous),
        count=len(previous),
    )
    session.add(action)
    session.flush()
    detail = f"{action.criteria} (action {action.id})"
    record_audit(session, organizer_email, f"moderation.{kind}", detail, action.count)
    return action


def _lock_still_moved(session: Session, action: ModerationAction, ids: list[int]) -> list[int]:
    """Lock and return those of the action's signatures still in a state it moved them to."""
    states = RELEASED_STATES if action.kind == RELEASE else [SignatureState.INVALIDATED]
    locked: list[int] = []
    for start in range(0, len(ids), BATCH_SIZE):
        where = [
            Signature.id.in_(ids[start : start + BATCH_SIZE]),
            Signature.state.in_(states),
            # SQLite may reuse a deleted row's id; a signature newer than the action is not its.
            Signature.campaign_id == action.campaign_id,
            Signature.created_at <= action.created_at,
        ]
        locked += _lock_ids(session, where)
    return locked


def _restore_batch(
    session: Session, batch: list[Signature], previous: dict[int, SignatureState]
) -> None:
    """Give a batch of signatures back the states they had before an action."""
    for state in sorted({signature.state for signature in batch}):
        tally_many(session, [sig for sig in batch if sig.state == state], state, -1)
    for state in sorted({previous[signature.id] for signature in batch}):
        tally_many(session, [sig for sig in batch if previous[sig.id] == state], state, 1)
    for state in sorted({previous[signature.id] for signature in batch}):
        ids = [signature.id for signature in batch if previous[signature.id] == state]
        session.execute(update(Signature).where(Signature.id.in_(ids)).values(state=state))


def revert_moderation(session: Session, action_id: int, organizer_email: str) -> ModerationAction:
    """Restore the signatures an action invalidated, skipping any deleted or changed since.

    :raises ModerationError: unknown action, or one already reverted.
    """
    # Locked so that of two simultaneous reverts the second sees reverted_at set.
    action = session.get(ModerationAction, action_id, with_for_update=True)
    if action is None:
        raise ModerationError(_l("There is no moderation action %(id)s.", id=action_id))
    if action.reverted_at is not None:
        raise ModerationError(_l("Moderation action %(id)s was already reverted.", id=action_id))
    previous = {int(i): SignatureState(state) for i, state in json.loads(action.previous_states)}
    ids = _lock_still_moved(session, action, sorted(previous))
    for batch in _load_batches(session, ids):
        _restore_batch(session, batch, previous)
    action.reverted_at = utcnow()
    session.flush()
    detail = f"{action.criteria} (action {action.id}); restored {len(ids)} of {action.count}"
    record_audit(session, organizer_email, "moderation.revert", detail, len(ids))
    return action


def list_moderation_actions(
    session: Session, campaign_id: int, limit: int = 50
) -> list[ModerationAction]:
    """Return a campaign's moderation actions, newest first."""
    query = (
        select(ModerationAction)
        .where(ModerationAction.campaign_id == campaign_id)
        .order_by(ModerationAction.created_at.desc(), ModerationAction.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def invalidated_count(session: Session, campaign_id: int) -> int:
    """Return how many of a campaign's signatures are invalidated, from the tallies."""
    return state_totals(session, campaign_id)[SignatureState.INVALIDATED.value]


@dataclass(frozen=True)
class HeldAddress:
    """Signatures held for review that came from one (hashed) address."""

    ip_hash: str
    count: int
    first: datetime
    last: datetime


def list_held_addresses(
    session: Session, campaign_id: int, limit: int = HELD_ADDRESSES_SHOWN
) -> list[HeldAddress]:
    """Return the addresses with the most held signatures, most first."""
    count = func.count(Signature.id)
    rows = session.execute(
        select(
            Signature.ip_hash, count, func.min(Signature.created_at), func.max(Signature.created_at)
        )  # fmt: skip
        .where(Signature.campaign_id == campaign_id, Signature.state == SignatureState.SUSPECT)
        .group_by(Signature.ip_hash)
        .order_by(count.desc(), Signature.ip_hash)
        .limit(limit)
    ).all()
    return [HeldAddress(*row) for row in rows]


def preview_release(session: Session, campaign_id: int, criteria: Criteria) -> int:
    """Count the held signatures a release with these criteria (none: all) would move.

    :raises ModerationError: malformed criteria.
    """
    where = _conditions(campaign_id, criteria, [SignatureState.SUSPECT])
    return int(session.scalar(select(func.count()).select_from(Signature).where(*where)) or 0)


def _release_batch(session: Session, batch: list[Signature]) -> list[list[Any]]:
    """Count a batch of held signatures: confirmed ones as confirmed, the rest as pending."""
    tally_many(session, batch, SignatureState.SUSPECT, -1)
    confirmed = [signature for signature in batch if signature.confirmed_at is not None]
    pending = [signature for signature in batch if signature.confirmed_at is None]
    for state, moved in ((SignatureState.CONFIRMED, confirmed), (SignatureState.PENDING, pending)):
        if moved:
            tally_many(session, moved, state, 1)
            ids = [signature.id for signature in moved]
            session.execute(update(Signature).where(Signature.id.in_(ids)).values(state=state))
    return [[signature.id, SignatureState.SUSPECT.value] for signature in batch]


def release_signatures(
    session: Session, campaign_id: int, criteria: Criteria, organizer_email: str
) -> ModerationAction:
    """Release every matching held signature (no criteria: all of them), revertibly.

    :raises ModerationError: malformed criteria, or no held signature matches.
    """
    ids = _lock_ids(session, _conditions(campaign_id, criteria, [SignatureState.SUSPECT]))
    if not ids:
        raise ModerationError("No held signature matches these criteria.")
    previous: list[list[Any]] = []
    for batch in _load_batches(session, ids):
        previous += _release_batch(session, batch)
    described = criteria.describe() if not criteria.is_empty() else "all held signatures"
    return _record_action(session, campaign_id, organizer_email, RELEASE,
                          f"released: {described}", previous)  # fmt: skip
