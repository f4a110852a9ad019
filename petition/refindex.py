"""An in-memory index of the reference tables, built once per process from the database.

A lookup then costs no query at all: a few dictionary reads. The index holds only
what the lookup needs (about 1,600 seats and 73,000 postal rows).
"""

from __future__ import annotations

import bisect
import itertools
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from petition.models import Constituency, PostalArea, Representative


@dataclass(frozen=True)
class Rep:
    """A seat as the lookup shows it."""

    id: str
    country: str
    body: str
    region: str
    district_id: str
    district_name: str
    name: str
    address_as: str
    party: str
    group: str
    email: str
    contact_url: str
    website: str
    phone: str
    address: str
    photo_url: str
    vacant: bool
    note: str
    source: str
    source_date: date

    @cached_property
    def json(self) -> dict[str, Any]:
        """The API representation (district under its public name), built once; read-only."""
        data = asdict(self)
        data["district"] = data.pop("district_id")
        data["source_date"] = self.source_date.isoformat()
        return data


@dataclass(frozen=True, slots=True)  # 73,000 of them: no __dict__ each
class PostalRow:
    kind: str
    region: str
    district_id: str
    share: float | None
    rank: int | None
    is_primary: bool
    basis: str
    note: str
    source: str
    source_date: date


@dataclass(frozen=True)
class District:
    id: str
    country: str
    name: str
    note: str
    source: str
    source_date: date


@dataclass
class ReferenceIndex:
    reps: dict[str, Rep] = field(default_factory=dict)
    # (body, region, district_id) -> seats; district_id "" holds senators / country-wide MEPs
    seats: dict[tuple[str, str, str], list[Rep]] = field(default_factory=dict)
    # (country, key) -> postal rows, most likely first
    postal: dict[tuple[str, str], list[PostalRow]] = field(default_factory=dict)
    constituencies: dict[str, District] = field(default_factory=dict)
    # (country, kind) -> keys, e.g. ("IE", "county") -> county names
    keys_by_kind: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    # (body, region) -> every seat, in district order
    by_region: dict[tuple[str, str], list[Rep]] = field(default_factory=dict)
    # country -> its keys of `postal`, sorted: made on first use by postal_keys
    _sorted_keys: dict[str, list[str]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def seats_in(self, body: str, region: str) -> list[Rep]:
        """Return every seat of a body in a region, in district order."""
        return self.by_region.get((body, region), [])

    def postal_keys(self, country: str, prefix: str) -> list[str]:
        """Return the country's keys of `postal` that start with `prefix`, in order.

        A binary search in the country's keys, sorted once per index: going through
        the whole table instead (tens of thousands of keys) took about 10 ms a lookup of a ZIP
        code missing from it, which anyone can ask for as often as the limit allows.
        """
        keys = self._sorted_keys.get(country)
        if keys is None:
            keys = self._sorted_keys[country] = sorted(k for cc, k in self.postal if cc == country)
        found = []
        for key in itertools.islice(keys, bisect.bisect_left(keys, prefix), None):
            if not key.startswith(prefix):
                break
            found.append(key)
        return found


# Postal rows read from the database at a time while the index is built.
POSTAL_BATCH = 5000


def _postal_order(row: PostalRow) -> tuple[int, int, str]:
    return (0 if row.is_primary else 1, row.rank if row.rank is not None else 99, row.district_id)


def build_index(session: Session) -> ReferenceIndex:
    """Read the reference tables into memory."""
    index = ReferenceIndex()
    seats: dict[tuple[str, str, str], list[Rep]] = defaultdict(list)
    for model in session.scalars(select(Representative)):
        rep = Rep(**{f: getattr(model, f) for f in Rep.__dataclass_fields__})
        index.reps[rep.id] = rep
        seats[(rep.body, rep.region, rep.district_id)].append(rep)
    index.seats = {
        key: sorted(reps, key=lambda r: (r.vacant, r.name, r.id)) for key, reps in seats.items()
    }
    by_region: dict[tuple[str, str], list[Rep]] = defaultdict(list)
    for (body, region, _district), reps in sorted(index.seats.items()):
        by_region[(body, region)] += reps
    index.by_region = dict(by_region)
    postal: dict[tuple[str, str], list[PostalRow]] = defaultdict(list)
    kinds: dict[tuple[str, str], list[str]] = defaultdict(list)
    columns = [getattr(PostalArea, f) for f in PostalRow.__dataclass_fields__]
    # The tables repeat a few values (kinds, regions, districts, sources, dates) tens of
    # thousands of times: keep one object of each, which halves the worker's memory.
    shared: dict[Any, Any] = {}
    query = select(PostalArea.country, PostalArea.key, *columns)
    # Streamed in batches: the whole table never sits in memory twice.
    for country, key, *values in session.execute(query.execution_options(yield_per=POSTAL_BATCH)):
        row = PostalRow(*(shared.setdefault(v, v) for v in values))
        postal[(shared.setdefault(country, country), key)].append(row)
        if row.kind in ("county", "province"):
            kinds[(country, row.kind)].append(key)
    for rows in postal.values():
        rows.sort(key=_postal_order)
    index.postal = dict(postal)
    index.keys_by_kind = {key: sorted(set(values)) for key, values in kinds.items()}
    for c in session.scalars(select(Constituency)):
        index.constituencies[c.id] = District(c.id, c.country, c.name, c.note, c.source,
                                              c.source_date)  # fmt: skip
    return index
