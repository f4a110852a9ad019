"""Signature tallies: their writes (a journal row per change, folded later) and the public counts.

Reads go through `petition.tallies`, which adds the journal not folded yet.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from petition.db import NO_WAIT_OPTION
from petition.models import (
    Signature,
    SignatureCount,
    SignatureDayCount,
    SignatureState,
    TallyJournal,
    utcnow,
)
from petition.tallies import Counts, count_letters, read_counts

JOURNAL = cast(Table, TallyJournal.__table__)


def _upsert_add(session: Session, model: type[Any], keys: dict[str, Any], delta: int) -> None:
    """Add delta to the row with these keys, creating it on first use (atomic upsert)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    values = {**keys, "count": delta}
    if hasattr(model, "updated_at"):
        values["updated_at"] = utcnow()
    stmt = insert(model).values(**values)
    changes: dict[str, Any] = {"count": model.count + delta}
    if "updated_at" in values:
        changes["updated_at"] = values["updated_at"]
    session.execute(stmt.on_conflict_do_update(index_elements=list(keys), set_=changes))


def state_day(signature: Signature, state: SignatureState) -> date:
    """Return the day a signature entered a state, the day its tally is kept under."""
    if state == SignatureState.CONFIRMED and signature.confirmed_at is not None:
        return signature.confirmed_at.date()
    return signature.created_at.date()


def tally(session: Session, signature: Signature, state: SignatureState, delta: int) -> None:
    """Journal delta for the tallies a signature counts in, for one state.

    An insert, never an update of a shared tally row: concurrent signers do not queue
    behind each other. fold_tally_journal moves the rows into the tallies later.
    """
    tally_many(session, [signature], state, delta)


def tally_many(
    session: Session, signatures: Iterable[Signature], state: SignatureState, delta: int
) -> None:
    """Like tally for many signatures at once: one journal row per place and day they touch."""
    insert_journal_rows(session, journal_rows(signatures, state, delta))


# What a tally journal row counts in: a campaign's country, region and district.
JOURNAL_PLACE = ("campaign_id", "country", "region", "district_id")


def journal_row(
    place: Mapping[str, Any], day: date, state: SignatureState, delta: int, now: datetime
) -> dict[str, Any]:
    """One tally journal row: `delta` signatures in `state` on `day`, at a place
    (JOURNAL_PLACE's values, from a signature's row or its drafted values)."""
    return {**{key: place[key] for key in JOURNAL_PLACE}, "day": day, "state": state,
            "delta": delta, "created_at": now}  # fmt: skip


def journal_rows(
    signatures: Iterable[Signature], state: SignatureState, delta: int
) -> list[dict[str, Any]]:
    """The journal rows of tally_many, computed without the database."""
    changes: Counter[tuple[int, str, str, str, date]] = Counter()
    for s in signatures:
        changes[(s.campaign_id, s.country, s.region, s.district_id, state_day(s, state))] += delta
    now = utcnow()
    return [journal_row(dict(zip(JOURNAL_PLACE, key[:4], strict=True)), key[4], state, change, now)
            for key, change in changes.items() if change]  # fmt: skip


def insert_journal_rows(session: Session | Connection, rows: list[dict[str, Any]]) -> None:
    """Send journal rows from journal_rows (none: no statement), through the session or
    straight through its connection (which skips the ORM's handling of the statement)."""
    if rows:
        # Core, not the ORM's bulk insert: no objects are made, one statement is sent.
        session.execute(insert(JOURNAL), rows[0] if len(rows) == 1 else rows)


# Key of the PostgreSQL advisory lock that lets one process fold the journal at a time.
FOLD_LOCK_KEY = 0x7E7171


def fold_tally_journal(session: Session, *, wait: bool = True) -> int:
    """Move the journal's rows into the running tallies; return how many were folded.

    One folder at a time (SQLite serialises writers; PostgreSQL takes an advisory lock,
    and without `wait` gives up at once when another process is folding). The rows are
    deleted with RETURNING, so a row is added to the tallies exactly once.
    """
    if session.get_bind().dialect.name == "postgresql":
        lock = func.pg_advisory_xact_lock if wait else func.pg_try_advisory_xact_lock
        if session.scalar(select(lock(FOLD_LOCK_KEY))) is False:
            return 0
    j = TallyJournal
    rows = session.execute(
        delete(j).returning(
            j.campaign_id, j.country, j.region, j.district_id, j.day, j.state, j.delta
        )  # fmt: skip
    ).all()
    places: Counter[tuple[int, str, str, str, SignatureState]] = Counter()
    days: Counter[tuple[int, date, SignatureState]] = Counter()
    for campaign_id, country, region, district_id, day, state, delta in rows:
        places[(campaign_id, country, region, district_id, state)] += delta
        days[(campaign_id, day, state)] += delta
    # Sorted, so two transactions touching the same tally rows lock them in one order.
    for (campaign_id, country, region, district_id, state), change in sorted(places.items()):
        keys = {"campaign_id": campaign_id, "country": country, "region": region,
                "district_id": district_id, "state": state}  # fmt: skip
        _upsert_add(session, SignatureCount, keys, change)
    for (campaign_id, day, state), change in sorted(days.items()):
        keys = {"campaign_id": campaign_id, "day": day, "state": state}
        _upsert_add(session, SignatureDayCount, keys, change)
    return len(rows)


def fold_tallies(factory: sessionmaker[Session], *, wait: bool = True) -> int:
    """Fold the journal in a transaction of its own, as the count refresher does.

    Without `wait`, a busy database (another folder, or on SQLite any writer) means no
    fold this time: readers add the journal up anyway, so counts stay exact.
    """
    with factory() as session:
        try:
            if not wait:
                session.connection(execution_options={NO_WAIT_OPTION: True})
            folded = fold_tally_journal(session, wait=wait)
        except OperationalError as exc:
            if wait or "database is locked" not in str(exc):
                raise
            return 0
        session.commit()
    return folded


def public_counts_data(
    session: Session,
    campaign_id: int | None,
    *,
    slug: str,
    goal: int,
    states: frozenset[SignatureState],
    min_count: int = 1,
) -> dict[str, Any]:
    """Return the public counts as JSON-ready data."""
    counts = read_counts(session, campaign_id, states) if campaign_id else Counts(total=0)
    letters = count_letters(session, campaign_id) if campaign_id else 0
    return {
        "campaign": slug,
        "total": counts.total,
        "goal": goal,
        "by_country": counts.by_country,
        "by_region": counts.by_region,
        # Small districts are left out so nobody can tell who signed in a tiny area.
        "by_district": {d: n for d, n in counts.by_district.items() if n >= min_count},
        "districts_hidden": sum(1 for n in counts.by_district.values() if n < min_count),
        "min_district_count": min_count,
        "letters_sent": letters,
        "updated_at": utcnow().isoformat(timespec="seconds") + "Z",
    }


def counts_cache_key(slug: str) -> str:
    """Return the cache key of a campaign's public counts."""
    return f"counts:{slug}"
