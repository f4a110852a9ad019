"""Every read of the running tallies, for the public counts, the dashboard, exports and packs.

The tallies (`signature_counts`, `signature_day_counts`) and the journal of changes
not folded into them yet (`tally_journal`) are written by `petition.counts`; this
module is the one place that reads them, so every page adds them up the same way and
every count is exact whether or not the count refresher has folded the journal. Each
read is one statement over the union of tallies and journal, so a fold committing
meanwhile neither hides rows nor counts them twice. Letter events are counted here too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql import Subquery

from petition.models import (
    LetterEvent,
    SignatureCount,
    SignatureDayCount,
    SignatureState,
    TallyJournal,
)

# A place as the tallies key it: (country, region, district id); "" where unknown.
Place = tuple[str, str, str]


@dataclass(frozen=True)
class Counts:
    total: int
    by_country: dict[str, int] = field(default_factory=dict)
    by_region: dict[str, int] = field(default_factory=dict)
    by_district: dict[str, int] = field(default_factory=dict)
    updated_at: datetime | None = None


def place_table(campaign_id: int) -> Subquery:
    """The campaign's place tallies with the journal rows not folded yet, as one table.

    Columns: country, region, district_id, state, count, updated_at.
    """
    c, j = SignatureCount, TallyJournal
    return union_all(
        select(c.country, c.region, c.district_id, c.state, c.count, c.updated_at)
        .where(c.campaign_id == campaign_id),
        select(j.country, j.region, j.district_id, j.state, j.delta, j.created_at)
        .where(j.campaign_id == campaign_id),
    ).subquery("place_tallies")  # fmt: skip


def day_table(campaign_id: int) -> Subquery:
    """The campaign's day tallies with the journal rows not folded yet: day, state, count."""
    d, j = SignatureDayCount, TallyJournal
    return union_all(
        select(d.day, d.state, d.count).where(d.campaign_id == campaign_id),
        select(j.day, j.state, j.delta).where(j.campaign_id == campaign_id),
    ).subquery("day_tallies")


def _columns(table: Subquery, names: tuple[str, ...]) -> list[ColumnElement[Any]]:
    """The table's columns of these names."""
    return [table.c[name] for name in names]


def read_counts(session: Session, campaign_id: int, states: frozenset[SignatureState]) -> Counts:
    """Sum the tallies of the given states by country, by region and by district."""
    t = place_table(campaign_id)
    place = (t.c.country, t.c.region, t.c.district_id)
    rows = session.execute(
        select(*place, func.sum(t.c.count), func.max(t.c.updated_at))
        .where(t.c.state.in_(states))
        .group_by(*place)
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
    t = place_table(campaign_id)
    rows = session.execute(select(t.c.state, func.sum(t.c.count)).group_by(t.c.state)).all()
    found = {SignatureState(state).value: int(n or 0) for state, n in rows}
    return {s.value: found.get(s.value, 0) for s in SignatureState}


def sum_places(
    session: Session,
    campaign_id: int,
    states: frozenset[SignatureState],
    *columns: str,
    largest_first: bool = False,
) -> list[tuple[Any, ...]]:
    """Sum the place tallies grouped by the given columns; places now at zero are left out.

    Columns are named as the tallies name them (country, region, district_id). Rows are
    (*keys, count), ordered by the keys, or largest count first.
    """
    t = place_table(campaign_id)
    keys = _columns(t, columns)
    total = func.sum(t.c.count)
    order = (total.desc(), *keys) if largest_first else keys
    query = (
        select(*keys, total)
        .where(t.c.state.in_(states))
        .group_by(*keys)
        .having(total > 0)
        .order_by(*order)
    )
    return [(*keys, int(n)) for *keys, n in session.execute(query)]


def place_tallies(
    session: Session, campaign_id: int, states: frozenset[SignatureState]
) -> dict[Place, int]:
    """Return the signatures of every (country, region, district) with any."""
    rows = sum_places(session, campaign_id, states, "country", "region", "district_id")
    return {(country, region, district): n for country, region, district, n in rows}


def day_totals(
    session: Session, campaign_id: int, states: frozenset[SignatureState]
) -> list[tuple[date, int]]:
    """Return the signatures per day they entered one of the states, oldest first."""
    t = day_table(campaign_id)
    total = func.sum(t.c.count)
    query = (
        select(t.c.day, total)
        .where(t.c.state.in_(states))
        .group_by(t.c.day)
        .having(total != 0)
        .order_by(t.c.day)
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
