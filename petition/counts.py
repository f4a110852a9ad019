"""Signature tallies: their writes (one upsert per change), and the cached public counts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from petition.models import (
    Signature,
    SignatureCount,
    SignatureDayCount,
    SignatureState,
    utcnow,
)
from petition.tallies import Counts, count_letters, read_counts


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
    """Add delta to the tallies a signature counts in, for one state."""
    place = {
        "campaign_id": signature.campaign_id,
        "country": signature.country,
        "region": signature.region,
        "district_id": signature.district_id,
        "state": state,
    }
    _upsert_add(session, SignatureCount, place, delta)
    day = {"campaign_id": signature.campaign_id, "day": state_day(signature, state),
           "state": state}  # fmt: skip
    _upsert_add(session, SignatureDayCount, day, delta)


def tally_many(
    session: Session, signatures: Iterable[Signature], state: SignatureState, delta: int
) -> None:
    """Like tally for many signatures at once: one upsert per tally row they touch."""
    places: Counter[tuple[int, str, str, str]] = Counter()
    days: Counter[tuple[int, date]] = Counter()
    for signature in signatures:
        key = (signature.campaign_id, signature.country, signature.region, signature.district_id)
        places[key] += delta
        days[(signature.campaign_id, state_day(signature, state))] += delta
    for (campaign_id, country, region, district_id), change in sorted(places.items()):
        keys = {"campaign_id": campaign_id, "country": country, "region": region,
                "district_id": district_id, "state": state}  # fmt: skip
        _upsert_add(session, SignatureCount, keys, change)
    for (campaign_id, day), change in sorted(days.items()):
        keys = {"campaign_id": campaign_id, "day": day, "state": state}
        _upsert_add(session, SignatureDayCount, keys, change)


def cached_counts(
    session: Session,
    cache: Any,
    campaign_id: int | None,
    *,
    slug: str,
    goal: int,
    states: frozenset[SignatureState],
    ttl: float,
    min_count: int = 1,
) -> dict[str, Any]:
    """Return the public counts as JSON-ready data, read at most once per ttl."""
    key = counts_cache_key(slug)
    cached = cache.get(key)
    if cached is not None:
        return dict(cached)
    counts = read_counts(session, campaign_id, states) if campaign_id else Counts(total=0)
    letters = count_letters(session, campaign_id) if campaign_id else 0
    data = {
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
    cache.set(key, data, ttl)
    return data


def counts_cache_key(slug: str) -> str:
    """Return the cache key of a campaign's public counts."""
    return f"counts:{slug}"
