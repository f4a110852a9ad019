"""Every read of the running tallies, for the public counts, the dashboard, exports and packs.

The tallies (`signature_counts`, `signature_day_counts`) are written by
`petition.counts`; this module is the one place that reads them, so every page
adds them up the same way. Letter events are counted here too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from petition.models import LetterEvent, SignatureCount, SignatureDayCount, SignatureState

# A place as the tallies key it: (country, region, district id); "" where unknown.
Place = tuple[str, str, str]


@dataclass(frozen=True)
class Counts:
    total: int
    by_country: dict[str, int] = field(default_factory=dict)
    by_region: dict[str, int] = field(default_factory=dict)
    by_district: dict[str, int] = field(default_factory=dict)
    updated_at: datetime | None = None


def read_counts(session: Session, campaign_id: int, states: frozenset[SignatureState]) -> Counts:
    """Sum the tallies of the given states by country, by region and by district."""
    rows = session.execute(
        select(
            SignatureCount.country,
            SignatureCount.region,
            SignatureCount.district_id,
            func.sum(SignatureCount.count),
            func.max(SignatureCount.updated_at),
        )
        .where(SignatureCount.campaign_id == campaign_id, SignatureCount.state.in_(states))
        .group_by(SignatureCount.country, SignatureCount.region, SignatureCount.district_id)
    ).all()
    by_country: dict[str, int] = {}
    by_region: dict[str, int] = {}
    by_district: dict[str, int] = {}
    updated: list[datetime] = []
    for country, region, district, count, updated_at in rows:
        if not count:
            continue
        by_country[country] = by_country.get(country, 0) + count
        if region:
            key = region if region == country else f"{country}-{region}"
            by_region[key] = by_region.get(key, 0) + count
        if district:
            by_district[district] = by_district.get(district, 0) + count
        updated.append(updated_at)
    return Counts(
        total=sum(by_country.values()),
        by_country=dict(sorted(by_country.items())),
        by_region=dict(sorted(by_region.items())),
        by_district=dict(sorted(by_district.items())),
        updated_at=max(updated) if updated else None,
    )


def state_totals(session: Session, campaign_id: int) -> dict[str, int]:
    """Return the campaign's signatures per state (every state, zero when none)."""
    rows = session.execute(
        select(SignatureCount.state, func.sum(SignatureCount.count))
        .where(SignatureCount.campaign_id == campaign_id)
        .group_by(SignatureCount.state)
    ).all()
    found = {SignatureState(state).value: int(n or 0) for state, n in rows}
    return {s.value: found.get(s.value, 0) for s in SignatureState}


def sum_places(
    session: Session,
    campaign_id: int,
    states: frozenset[SignatureState],
    *columns: Any,
    largest_first: bool = False,
) -> list[tuple[Any, ...]]:
    """Sum the place tallies grouped by the given columns; places now at zero are left out.

    Rows are (*keys, count), ordered by the keys, or largest count first.
    """
    total = func.sum(SignatureCount.count)
    order = (total.desc(), *columns) if largest_first else columns
    query = (
        select(*columns, total)
        .where(SignatureCount.campaign_id == campaign_id, SignatureCount.state.in_(states))
        .group_by(*columns)
        .having(total > 0)
        .order_by(*order)
    )
    return [(*keys, int(n)) for *keys, n in session.execute(query)]


def place_tallies(
    session: Session, campaign_id: int, states: frozenset[SignatureState]
) -> dict[Place, int]:
    """Return the signatures of every (country, region, district) with any."""
    columns = (SignatureCount.country, SignatureCount.region, SignatureCount.district_id)
    rows = sum_places(session, campaign_id, states, *columns)
    return {(country, region, district): n for country, region, district, n in rows}


def day_totals(
    session: Session, campaign_id: int, states: frozenset[SignatureState]
) -> list[tuple[date, int]]:
    """Return the signatures per day they entered one of the states, oldest first."""
    total = func.sum(SignatureDayCount.count)
    query = (
        select(SignatureDayCount.day, total)
        .where(SignatureDayCount.campaign_id == campaign_id, SignatureDayCount.state.in_(states))
        .group_by(SignatureDayCount.day)
        .having(total != 0)
        .order_by(SignatureDayCount.day)
    )
    return [(day, max(0, int(n))) for day, n in session.execute(query)]  # never below zero


def count_letters(session: Session, campaign_id: int) -> int:
    """Return how many letters were sent for a campaign, by any channel."""
    query = select(func.count(LetterEvent.id)).where(LetterEvent.campaign_id == campaign_id)
    return int(session.scalar(query) or 0)


def letters_by(session: Session, campaign_id: int, *columns: Any) -> list[tuple[Any, ...]]:
    """Count a campaign's letters grouped by the given columns, largest first."""
    total = func.count(LetterEvent.id)
    rows = session.execute(
        select(*columns, total)
        .where(LetterEvent.campaign_id == campaign_id)
        .group_by(*columns)
        .order_by(total.desc(), *columns)
    ).all()
    return [(*keys, int(n)) for *keys, n in rows]
