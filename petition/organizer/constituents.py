"""Counts by representative: each seat's constituents who signed, and letters written to them.

A seat's constituents are the confirmed signatures of its district, riding or EP
constituency; of the whole state for senators and at-large House seats; of the whole
country for MEPs elected nationally (or whom our data does not tie to a constituency).
Signatures whose postal code is split between districts keep no district and are never
guessed into one: they are counted apart, as "unplaced in the area" of district seats.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from petition.letters import CHANNEL_MEANINGS
from petition.models import COUNTED_STATES, LetterEvent
from petition.postal import place_name
from petition.refindex import Rep
from petition.tallies import Place, letters_by, place_tallies

# A US House district id ending so is an at-large seat: the whole state (AK-00, DC-00…).
AT_LARGE_SUFFIX = "-00"
CHANNELS = tuple(CHANNEL_MEANINGS)
SORT_KEYS = ("signatures", "unplaced", "letters", "name", "district", "country")


@dataclass(frozen=True)
class Constituency:
    """Where a seat's constituents live; an empty part means "all of the enclosing area"."""

    country: str
    region: str = ""
    district_id: str = ""

    def contains(self, region: str, district_id: str) -> bool:
        """Tell whether a place of the same country lies inside this area."""
        if self.region and region != self.region:
            return False
        return not self.district_id or district_id == self.district_id

    @property
    def scope(self) -> str:
        """Say what is counted: the district, the whole region, or the whole country."""
        if self.district_id:
            return "district"
        return "region" if self.region else "country"


def constituency_of(rep: Rep) -> Constituency:
    """Return the area whose signatures count as this seat's constituents."""
    if rep.body == "us-senate" or not rep.district_id:
        region = "" if rep.body == "eu-parliament" else rep.region
        return Constituency(rep.country, region)
    if rep.body == "us-house" and rep.district_id.endswith(AT_LARGE_SUFFIX):
        return Constituency(rep.country, rep.region)
    if rep.body == "eu-parliament":
        return Constituency(rep.country, "", rep.district_id)
    return Constituency(rep.country, rep.region, rep.district_id)


@dataclass
class PlaceSums:
    """The confirmed tallies summed every way a constituency may ask for them."""

    district: Counter[tuple[str, str]] = field(default_factory=Counter)
    region: Counter[tuple[str, str]] = field(default_factory=Counter)
    country: Counter[str] = field(default_factory=Counter)
    unplaced_region: Counter[tuple[str, str]] = field(default_factory=Counter)
    unplaced_country: Counter[str] = field(default_factory=Counter)

    @classmethod
    def from_tallies(cls, tallies: Mapping[Place, int]) -> PlaceSums:
        """Sum (country, region, district) tallies by district, region and country."""
        sums = cls()
        for (country, region, district), n in tallies.items():
            sums.country[country] += n
            sums.region[(country, region)] += n
            if district:
                sums.district[(country, district)] += n
            else:
                sums.unplaced_region[(country, region)] += n
                sums.unplaced_country[country] += n
        return sums

    def signatures(self, area: Constituency) -> int:
        """Return the signatures from inside the area."""
        if area.district_id:
            return self.district[(area.country, area.district_id)]
        if area.region:
            return self.region[(area.country, area.region)]
        return self.country[area.country]

    def unplaced(self, area: Constituency) -> int:
        """Return the signatures around a district that no single district could be given."""
        if not area.district_id:
            return 0  # a whole state or country counts every signature in it
        if area.region:
            return self.unplaced_region[(area.country, area.region)]
        return self.unplaced_country[area.country]


@dataclass(frozen=True)
class RepCount:
    """One seat with its constituents who signed and the letters written to it."""

    rep: Rep
    area: Constituency
    signatures: int
    unplaced: int
    letters: dict[str, int]
    quorum: int | None

    @property
    def letters_total(self) -> int:
        """Letters to this seat by every channel."""
        return sum(self.letters.values())

    @property
    def ready(self) -> bool:
        """Tell whether enough constituents signed for a delivery pack."""
        return self.quorum is not None and not self.rep.vacant and self.signatures >= self.quorum


def letters_by_rep(session: Session, campaign_id: int) -> dict[str, dict[str, int]]:
    """Return the letters per representative and channel."""
    found: dict[str, dict[str, int]] = {}
    for rep_id, channel, n in letters_by(
        session, campaign_id, LetterEvent.representative_id, LetterEvent.channel
    ):
        found.setdefault(rep_id, {})[channel] = n
    return found


def count_by_representative(
    session: Session, campaign_id: int, reps: Iterable[Rep], quorum: Mapping[str, int]
) -> list[RepCount]:
    """Count every seat's constituents who signed (confirmed) and the letters written to it."""
    sums = PlaceSums.from_tallies(place_tallies(session, campaign_id, frozenset(COUNTED_STATES)))
    letters = letters_by_rep(session, campaign_id)
    rows = []
    for rep in reps:
        area = constituency_of(rep)
        rows.append(RepCount(rep=rep, area=area, signatures=sums.signatures(area),
                             unplaced=sums.unplaced(area), letters=letters.get(rep.id, {}),
                             quorum=quorum.get(rep.body)))  # fmt: skip
    return rows


@dataclass(frozen=True)
class Selection:
    """Which seats to list, and in which order (sort is one of SORT_KEYS; ties by name)."""

    body: str = ""
    country: str = ""
    ready_only: bool = False
    sort: str = "signatures"
    descending: bool = True


def select_counts(rows: Iterable[RepCount], selection: Selection = Selection()) -> list[RepCount]:
    """Filter by body, country and readiness, and sort."""
    body, country, ready_only = selection.body, selection.country, selection.ready_only
    kept = [
        r
        for r in rows
        if (not body or r.rep.body == body)
        and (not country or r.rep.country == country)
        and (r.ready or not ready_only)
    ]
    kept.sort(key=lambda r: (r.rep.name, r.rep.id))
    keys = {
        "signatures": lambda r: r.signatures,
        "unplaced": lambda r: r.unplaced,
        "letters": lambda r: r.letters_total,
        "name": lambda r: r.rep.name.casefold(),
        "district": lambda r: (r.rep.country, r.rep.district_name or r.rep.region),
        "country": lambda r: (r.rep.country, r.rep.region),
    }
    kept.sort(key=keys.get(selection.sort, keys["signatures"]), reverse=selection.descending)
    return kept


EXPORT_COLUMNS = (
    "representative_id", "name", "body", "country", "region", "district", "district_name",
    "vacant", "signatures", "unplaced_in_area", "letters", *(f"letters_{c}" for c in CHANNELS),
    "quorum", "ready",
)  # fmt: skip


def publishable(n: int, min_count: int) -> int | None:
    """Return a count as the public counts would show it: None when under min_count."""
    return n if n >= min_count else None


def export_row(row: RepCount, min_count: int) -> dict[str, object]:
    """Return one seat as an export row; counts under min_count become None (hidden)."""
    rep = row.rep
    return {
        "representative_id": rep.id,
        "name": rep.name,
        "body": rep.body,
        "country": rep.country,
        "region": rep.region,
        "district": rep.district_id,
        "district_name": rep.district_name,
        "vacant": rep.vacant,
        "signatures": publishable(row.signatures, min_count),
        "unplaced_in_area": publishable(row.unplaced, min_count) if row.area.district_id else 0,
        "letters": row.letters_total,
        **{f"letters_{c}": row.letters.get(c, 0) for c in CHANNELS},
        "quorum": row.quorum,
        "ready": row.ready,
    }


def csv_cells(row: dict[str, object], min_count: int) -> tuple[object, ...]:
    """Return an export row's cells for CSV: hidden counts read "<N", flags yes/no."""

    def cell(name: str, value: object) -> object:
        if value is None:
            return "" if name == "quorum" else f"<{min_count}"
        if isinstance(value, bool):
            return "yes" if value else "no"
        return value

    return tuple(cell(name, row[name]) for name in EXPORT_COLUMNS)


def area_label(row: RepCount) -> str:
    """Name the area whose signers are counted: the district, a state or province, a country."""
    area = row.area
    if area.district_id:
        return row.rep.district_name or area.district_id
    return place_name(area.country, area.region)
