"""Find a postal code's representatives in Canada, the US and the EU, honest about ambiguity.

`lookup_representatives` never guesses between districts: when a postal code spans
several, it lists every candidate (likeliest first) and marks the result ambiguous so
the user picks; when the data cannot place a valid code, it says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from petition.postal import (
    EU_MEMBER_STATES,
    is_valid_postal_code,
    normalize_postal_code,
    postal_code_example,
    region_for_postal_code,
)
from petition.refdata.us_plans import ANY_DISTRICT
from petition.refindex import District, PostalRow, ReferenceIndex, Rep, build_index

COVERED = "Canada, the United States and the 27 member states of the European Union"
MAX_INPUT = 64  # longer input is refused before any parsing
_ROUTING_KEY = re.compile(r"(?:[AC-FHKNPRTV-Y][0-9]{2}|D6W)", re.ASCII)
COVERED_COUNTRIES = frozenset({"US", "CA"} | EU_MEMBER_STATES)
# A district covering less of a ZIP's land than this is shown as "less likely".
LESS_LIKELY_SHARE = 0.01
LESS_LIKELY_NOTE = "Less likely: under 1% of this ZIP code's land lies in this district."
# Member states whose MEPs represent sub-national constituencies.
EU_CONSTITUENCY_STATES = frozenset({"IE", "BE", "IT", "PL"})


class LookupInputError(ValueError):
    """The query cannot be answered as asked; the message tells the user what to fix."""

    def __init__(self, message: str, field: str = "postal_code") -> None:
        super().__init__(message)
        self.field = field  # the query parameter at fault: country, postal_code or district


@dataclass
class DistrictResult:
    id: str
    name: str
    representatives: list[Rep] = field(default_factory=list)
    share: float | None = None
    note: str = ""


@dataclass
class LookupResult:
    country: str
    postal_code: str
    ambiguous: bool = False
    districts: list[DistrictResult] = field(default_factory=list)
    at_large: list[Rep] = field(default_factory=list)
    as_of: dict[str, str] = field(default_factory=dict)
    note: str = ""
    chosen: str | None = None
    # What the user chooses when ambiguous: "district", "riding", "constituency"
    choice_kind: str = "district"

    @property
    def representatives(self) -> list[Rep]:
        """Every representative in the result, districts first."""
        return [r for d in self.districts for r in d.representatives] + self.at_large

    def to_json(self) -> dict[str, Any]:
        """Return the API representation."""
        return {
            "query": {"country": self.country, "postal_code": self.postal_code,
                      "district": self.chosen},
            "ambiguous": self.ambiguous,
            "as_of": self.as_of,
            "districts": [
                {"id": d.id, "name": d.name, "share": d.share, "note": d.note,
                 "representatives": [r.json for r in d.representatives]}
                for d in self.districts
            ],
            "at_large": [r.json for r in self.at_large],
            "note": self.note or None,
        }  # fmt: skip


def clean_query(country: str, postal_code: str) -> tuple[str, str]:
    """Normalize and validate the query.

    :raises LookupInputError: unsupported country or malformed postal code.
    """
    country = (country or "").strip().upper()[:MAX_INPUT]
    if not re.fullmatch(r"[A-Z]{2}", country, re.ASCII):
        raise LookupInputError(f"Choose a country: we cover {COVERED}.", "country")
    if country not in COVERED_COUNTRIES:
        raise LookupInputError(
            f"We cannot look up representatives there yet: we cover {COVERED}.", "country"
        )
    raw = (postal_code or "")[:MAX_INPUT]
    code = normalize_postal_code(country, raw)
    if not code:
        raise LookupInputError("Enter your postal code.")
    routing_key = country == "IE" and _ROUTING_KEY.fullmatch(code)
    if len(raw) >= MAX_INPUT or not (routing_key or is_valid_postal_code(country, code)):
        raise LookupInputError(_format_hint(country))
    return country, code


def _format_hint(country: str) -> str:
    if country == "US":
        return "Enter a 5-digit ZIP code like 20500, or ZIP+4 like 20500-0003."
    if country == "CA":
        return "Enter a postal code like K1A 0B1 (or just its first three characters, K1A)."
    example = postal_code_example(country)
    return f"Enter a postal code like {example}." if example else "Enter a valid postal code."


def lookup_representatives(
    session: Session | None,
    country: str,
    postal_code: str,
    choice: str | None = None,
    *,
    index: ReferenceIndex | None = None,
) -> LookupResult:
    """Return the candidate districts and representatives for a postal code.

    With a prebuilt `index` (one per process, see views.letters) no query runs and
    `session` may be None; without one the index is read from the session's database.

    :raises LookupInputError: bad country, postal code or choice.
    """
    country, code = clean_query(country, postal_code)
    if index is None:
        if session is None:
            raise TypeError("lookup_representatives needs a session or an index")
        index = build_index(session)
    result = LookupResult(country=country, postal_code=code)
    if country == "US":
        _lookup_us(index, result)
    elif country == "CA":
        _lookup_ca(index, result)
    else:
        _lookup_eu(index, result)
    if choice:
        _apply_choice(index, result, choice)
    _finish(result, index)
    return result


def _district(index: ReferenceIndex, body: str, region: str, district_id: str,
              share: float | None = None) -> DistrictResult:  # fmt: skip
    reps = index.seats.get((body, region, district_id), [])
    name = reps[0].district_name if reps else district_id
    return DistrictResult(id=district_id, name=name, representatives=list(reps), share=share)


def _lookup_us(index: ReferenceIndex, result: LookupResult) -> None:
    zip5 = result.postal_code[:5]
    rows = index.postal.get(("US", zip5), [])
    if rows:
        found: dict[str, DistrictResult] = {}
        for row in rows:
            for district in _us_districts(index, row):
                found.setdefault(district.id, district)
        result.districts = list(found.values())
        _note_sources(result, rows)
    else:
        state = region_for_postal_code("US", zip5)
        if state is None:
            result.note = f"We cannot place the ZIP code {zip5}: it is not in our tables."
            return
        result.districts = _state_districts(index, state)
        if len(result.districts) > 1:
            result.note = (
                f"ZIP code {zip5} is not in our district table (it may be used only for PO boxes "
                "or one organisation). Choose your district; your senators are the same "
                "for the whole state."
            )
    state_only = [row.note for row in rows if row.district_id.endswith(ANY_DISTRICT)]
    if state_only:
        result.note = state_only[0]
    elif len(result.districts) > 1 and rows:
        result.note = (
            f"ZIP code {zip5} is split between {len(result.districts)} congressional "
            "districts. Choose yours: the House counts letters only from constituents. "
            "Your district is shown on your voter registration card, or use the House's "
            "“Find your representative” page with your full address."
        )


def _us_districts(index: ReferenceIndex, row: PostalRow) -> list[DistrictResult]:
    """Return a ZIP row's district, or every district of its state for an `ST-*` row."""
    if row.district_id.endswith(ANY_DISTRICT):
        return _state_districts(index, row.region)
    district = _district(index, "us-house", row.region, row.district_id, row.share)
    if row.share is not None and row.share < LESS_LIKELY_SHARE:
        district.note = LESS_LIKELY_NOTE
    return [district]


def _state_districts(index: ReferenceIndex, state: str) -> list[DistrictResult]:
    seats = dict.fromkeys(r.district_id for r in index.seats_in("us-house", state))
    return [_district(index, "us-house", state, d) for d in seats]


def _senators(index: ReferenceIndex, states: Iterable[str]) -> list[Rep]:
    return [rep for s in sorted(set(states)) for rep in index.seats.get(("us-senate", s, ""), [])]


def _lookup_ca(index: ReferenceIndex, result: LookupResult) -> None:
    result.choice_kind = "riding"
    fsa = result.postal_code[:3]
    rows = index.postal.get(("CA", fsa), [])
    province = rows[0].region if rows else region_for_postal_code("CA", fsa)
    if rows and rows[0].basis != "point":
        result.districts = [_district(index, "ca-commons", province or "", r.district_id,
                                      r.share) for r in rows]  # fmt: skip
        _note_sources(result, rows)
        if len(rows) > 1:
            result.note = (
                f"Postal codes starting with {fsa} span {len(rows)} ridings; the first is the "
                "most likely. Choose yours: Elections Canada's “Find your riding” service "
                "at elections.ca tells you from your full postal code."
            )
        return
    if province is None:
        result.note = f"We cannot place the postal code {result.postal_code}."
        return
    hinted = [r.district_id for r in rows]
    ridings = dict.fromkeys(
        hinted + [r.district_id for r in index.seats_in("ca-commons", province)]
    )
    result.districts = [_district(index, "ca-commons", province, d) for d in ridings]
    if len(result.districts) > 1:
        result.note = (
            f"We do not know for sure which riding {fsa} is in"
            + (" (the first one is our best guess)" if hinted else "")
            + ". Choose yours: Elections Canada's “Find your riding” service at elections.ca "
            "tells you from your full postal code."
        )


def _lookup_eu(index: ReferenceIndex, result: LookupResult) -> None:
    country = result.country
    meps = index.seats_in("eu-parliament", country)
    if country not in EU_CONSTITUENCY_STATES:
        result.at_large = meps
        return
    result.choice_kind = "constituency"
    rows = _eu_postal_rows(index, country, result.postal_code)
    _note_sources(result, rows)
    ids = [d for row in rows for d in row.district_id.split("|")]
    if not ids:  # a code we cannot place: every constituency is a candidate
        ids = sorted(c.id for c in index.constituencies.values() if c.country == country)
        result.note = _unplaced_note(country, result.postal_code)
    result.districts = [_constituency(index, meps, cid) for cid in dict.fromkeys(ids)]
    result.at_large = [rep for rep in meps if not rep.district_id]
    if result.at_large:
        result.note = _unknown_assignment_note(result, country, rows)
    elif len(result.districts) > 1 and rows:
        result.note = (
            rows[0].note or "This postal code lies in more than one constituency: choose yours."
        )


def _eu_postal_rows(index: ReferenceIndex, country: str, code: str) -> list[PostalRow]:
    if country == "IE":
        return index.postal.get(("IE", code[:3]), [])
    return index.postal.get((country, code), [])


def _constituency(index: ReferenceIndex, meps: list[Rep], cid: str) -> DistrictResult:
    district: District | None = index.constituencies.get(cid)
    reps = [rep for rep in meps if rep.district_id == cid]
    note = district.note if district else ""
    return DistrictResult(id=cid, name=district.name if district else cid, representatives=reps,
                          note=note)  # fmt: skip


def _unplaced_note(country: str, code: str) -> str:
    if country == "IE":
        return (
            f"Our data places only Dublin Eircodes (D01–D24, D6W) directly; {code} is not one "
            "of them. Choose your constituency by your county."
        )
    return f"We cannot place the postal code {code}: choose your constituency."


def _unknown_assignment_note(result: LookupResult, country: str, rows: list[PostalRow]) -> str:
    names = " or ".join(d.name for d in result.districts)
    where = f"You live in the {names} constituency. " if rows and names else ""
    extra = f" {rows[0].note}" if rows and rows[0].note else ""
    placed = sum(len(d.representatives) for d in result.districts)
    unknown = len(result.at_large)
    if not placed:
        return (
            f"{where}Our data does not say which constituency each MEP from this country was "
            f"elected in, so all {unknown} are listed.{extra}"
        )
    return (
        f"{where}Its MEPs are listed first. We could not confirm the constituency of {unknown} "
        f"other MEP{'s' if unknown != 1 else ''} from this country, so "
        f"{'they are' if unknown != 1 else 'this MEP is'} listed too.{extra}"
    )


def _apply_choice(index: ReferenceIndex, result: LookupResult, choice: str) -> None:
    """Narrow an ambiguous result to the district the user picked."""
    choice = choice.strip()[:MAX_INPUT]
    if result.country == "IE" and ("IE", choice) in index.postal:  # a county name
        choice = index.postal[("IE", choice)][0].district_id
    picked = [d for d in result.districts if d.id == choice]
    if not picked:
        options = ", ".join(d.id for d in result.districts) or "none"
        raise LookupInputError(f"Choose one of the listed districts ({options}).", "district")
    result.districts = picked
    result.chosen = choice


def _finish(result: LookupResult, index: ReferenceIndex) -> None:
    """Add senators, the ambiguity flag and the as-of dates."""
    if result.country == "US":
        states = {r.region for d in result.districts for r in d.representatives}
        states |= {d.id.split("-")[0] for d in result.districts}
        if len(states) == 1:
            result.at_large = _senators(index, states)
        elif states:
            result.note += (
                " This ZIP code crosses a state line: your senators depend on your state."
            )
    has_choice = sum(1 for d in result.districts if d.representatives) > 1
    result.ambiguous = has_choice and result.chosen is None
    if result.chosen:
        result.note = ""
    for rep in result.representatives:
        _add_as_of(result, rep.source, rep.source_date.isoformat())
    result.as_of = dict(sorted(result.as_of.items()))
    if not result.representatives and not result.note:
        result.note = (
            f"We cannot place {result.postal_code} in a district: it may be a military, "
            "diplomatic or special-purpose code. Try the postal code of your home address."
        )


def _note_sources(result: LookupResult, rows: list[PostalRow]) -> None:
    for row in rows:
        _add_as_of(result, row.source, row.source_date.isoformat())


def _add_as_of(result: LookupResult, source: str, day: str) -> None:
    if day > result.as_of.get(source, ""):
        result.as_of[source] = day


def settled_district(index: ReferenceIndex, country: str, postal_code: str) -> str:
    """Return the one district a postal code lies in, or "" when it is not settled."""
    try:
        result = lookup_representatives(None, country, postal_code, index=index)
    except LookupInputError:
        return ""
    return result.districts[0].id if len(result.districts) == 1 else ""
