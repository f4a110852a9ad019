"""Find a postal code's representatives in Canada, the US and the EU, honest about ambiguity.

`lookup_representatives` never guesses between districts: when a postal code spans
several, it lists every candidate (likeliest first) and marks the result ambiguous so
the user picks; when the data cannot place a valid code, it says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy.orm import Session

# Re-exported: callers import the lookup's result types from here.
from petition.i18n import format_share
from petition.lookup_results import DistrictResult as DistrictResult
from petition.lookup_results import LookupInputError as LookupInputError
from petition.lookup_results import LookupResult as LookupResult
from petition.lookup_results import Refiner
from petition.postal import (
    EU_MEMBER_STATES,
    is_valid_postal_code,
    normalize_postal_code,
    postal_code_example,
    region_for_postal_code,
)
from petition.refdata.us_plans import ANY_DISTRICT
from petition.refindex import District, PostalRow, ReferenceIndex, Rep, build_index

MAX_INPUT = 64  # longer input is refused before any parsing
_ROUTING_KEY = re.compile(r"(?:[AC-FHKNPRTV-Y][0-9]{2}|D6W)", re.ASCII)
COVERED_COUNTRIES = frozenset({"US", "CA"} | EU_MEMBER_STATES)
# A district covering less of a ZIP's land than this is shown as "less likely".
LESS_LIKELY_SHARE = 0.01
# Member states whose MEPs represent sub-national constituencies.
EU_CONSTITUENCY_STATES = frozenset({"IE", "BE", "IT", "PL"})
# Postal areas where nobody lives: named, never placed in a riding.
UNINHABITED = {
    ("CA", "H0H"): _l(
        "H0H 0H0 is Santa Claus's address at the North Pole, for Canada Post's "
        "letters to Santa: nobody lives there, so it has no riding. Enter your home postal code."
    ),
}
# Which service settled a split code: a name for programs (the API's `refined_by`), in English.
REFINED_BY = {"US": "the US Census Bureau's geocoder", "CA": "Open North's Represent"}
REFINED_NOTE = {
    "US": _l(
        "Found from your street address by the US Census Bureau's geocoder; we did not keep "
        "the address."
    ),
    "CA": _l("Found from your full postal code by Open North's Represent."),
}


def clean_query(country: str, postal_code: str) -> tuple[str, str]:
    """Normalize and validate the query.

    :raises LookupInputError: unsupported country or malformed postal code.
    """
    country = (country or "").strip().upper()[:MAX_INPUT]
    if not re.fullmatch(r"[A-Z]{2}", country, re.ASCII):
        raise LookupInputError(
            _l(
                "Choose a country: we cover Canada, the United States and the 27 member states "
                "of the European Union."
            ),
            "country",
        )
    if country not in COVERED_COUNTRIES:
        raise LookupInputError(
            _l(
                "We cannot look up representatives there yet: we cover Canada, the United "
                "States and the 27 member states of the European Union."
            ),
            "country",
        )
    raw = (postal_code or "")[:MAX_INPUT]
    code = normalize_postal_code(country, raw)
    if not code:
        raise LookupInputError(_l("Enter your postal code."))
    routing_key = country == "IE" and _ROUTING_KEY.fullmatch(code)
    if len(raw) >= MAX_INPUT or not (routing_key or is_valid_postal_code(country, code)):
        raise LookupInputError(_format_hint(country))
    return country, code


def _format_hint(country: str) -> Any:
    """What to type, as a lazy message (translated when shown)."""
    if country == "US":
        return _l("Enter a 5-digit ZIP code like 20500, or ZIP+4 like 20500-0003.")
    if country == "CA":
        return _l("Enter a postal code like K1A 0B1 (or just its first three characters, K1A).")
    example = postal_code_example(country)
    if example:
        return _l("Enter a postal code like %(example)s.", example=example)
    return _l("Enter a valid postal code.")


def lookup_representatives(
    session: Session | None,
    country: str,
    postal_code: str,
    choice: str | None = None,
    *,
    index: ReferenceIndex | None = None,
    refiner: Refiner | None = None,
    address: str = "",
) -> LookupResult:
    """Return the candidate districts and representatives for a postal code.

    With a prebuilt `index` (one per process, see views.refs) no query runs and
    `session` may be None; without one the index is read from the session's database.
    With a `refiner`, a split US ZIP is settled from the street `address` and a split
    Canadian FSA from the full postal code; when it cannot be, the choice list stays
    and `refine_reason` says why. The address is passed on, never kept.

    :raises LookupInputError: bad country, postal code or choice.
    """
    country, code = clean_query(country, postal_code)
    if index is None:
        if session is None:
            raise TypeError("lookup_representatives needs a session or an index")
        index = build_index(session)
    online = refiner is not None and refiner.enabled
    result = LookupResult(country=country, postal_code=code, online=online)
    if country == "US":
        _lookup_us(index, result)
    elif country == "CA":
        _lookup_ca(index, result)
    else:
        _lookup_eu(index, result)
    if choice:
        _apply_choice(index, result, choice)
    elif refiner is not None:
        refine_result(index, result, refiner, address)
    _finish(result, index)
    return result


def refine_result(
    index: ReferenceIndex, result: LookupResult, refiner: Refiner, address: str = ""
) -> None:
    """Settle an unsure result with an online service, keeping the choice list on failure."""
    unsure = len(result.districts) > 1 or result.hint_only
    answer = _ask_online(result, refiner, address) if unsure and refiner.enabled else None
    if answer is None:
        return
    picked = [d for d in result.districts if d.id == answer.district_id]
    seat = _seat_for(index, result.country, answer.district_id)
    regions = {r.region for d in result.districts for r in d.representatives}
    if (
        not picked
        and seat
        and result.hint_only
        and (result.country == "CA" or seat.region in regions)
    ):
        # Our districts were only a hint: the service's answer is taken (in the same state).
        body = "ca-commons" if result.country == "CA" else "us-house"
        picked = [_district(index, body, seat.region, seat.district_id)]
    if picked:
        result.districts = picked
        result.refined_by = REFINED_BY[result.country]
        result.note = str(REFINED_NOTE[result.country])
        return
    if answer.district_id:
        name = seat.district_name if seat else answer.district_id
        answer_reason = (
            _("The online lookup placed you in %(district)s, which our data does not list for "
              "ZIP code %(zip)s.", district=name, zip=result.postal_code[:5])
            if result.country == "US"
            else _("The online lookup placed you in %(district)s, which our data does not list "
                   "for postal codes starting with %(fsa)s.", district=name,
                   fsa=result.postal_code[:3])
        )  # fmt: skip
    else:
        answer_reason = answer.reason_text()
    then = (
        _("Choose yours below.")
        if len(result.districts) > 1
        else _("This is our own data's answer.")
    )
    result.refine_reason = f"{answer_reason} {then}"


def _ask_online(result: LookupResult, refiner: Refiner, address: str) -> Any:
    """Ask the service that can settle this result for its answer, or None."""
    if result.country == "US" and address.strip():
        return refiner.us_district(address, result.postal_code[:5])
    if result.country == "CA" and len(result.postal_code) == 7:
        return refiner.ca_riding(result.postal_code)
    return None


def _seat_for(index: ReferenceIndex, country: str, district_id: str) -> Rep | None:
    """Return a seat of the House (US) or the Commons (Canada) in a district, if any."""
    body = "us-house" if country == "US" else "ca-commons"
    if not district_id:
        return None
    return next((r for r in index.reps.values()
                 if r.body == body and r.district_id == district_id), None)  # fmt: skip


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
        _lookup_us_unplaced(index, result, zip5)
    state_only = [row.note for row in rows if row.district_id.endswith(ANY_DISTRICT)]
    if state_only:
        result.note = state_only[0]
    elif len(result.districts) > 1 and rows:
        split = _(
            "ZIP code %(zip)s is split between %(count)s congressional districts. Choose yours: "
            "the House counts letters only from constituents.",
            zip=zip5,
            count=len(result.districts),
        )
        how = (
            _("Enter your street address below to find it, or check your voter registration card.")
            if result.online
            else _(
                "Your district is shown on your voter registration card, or use the "
                "House's “Find your representative” page with your full address."
            )
        )
        result.note = f"{split} {how}"


def _lookup_us_unplaced(index: ReferenceIndex, result: LookupResult, zip5: str) -> None:
    """Offer the districts of nearby ZIP codes (same first three digits), else the state's."""
    state = region_for_postal_code("US", zip5)
    if state is None:
        result.note = _("We cannot place the ZIP code %(zip)s: it is not in our tables.", zip=zip5)
        return
    nearby = _neighbour_districts(index, "US", zip5[:3], state)
    if any(d.endswith(ANY_DISTRICT) for d in nearby):
        nearby = []  # the state's plan changed (see the Congress guard): the whole state
    result.districts = (
        [_district(index, "us-house", state, d) for d in nearby]
        if nearby
        else _state_districts(index, state)
    )
    if not result.districts:
        return  # military and diplomatic mail: _finish says so
    # Only a state with several districts leaves anything to settle.
    result.hint_only = len(index.seats_in("us-house", state)) > 1
    sentences = [
        _("ZIP code %(zip)s is not in our district table (it may be used only for PO boxes or "
          "one organisation).", zip=zip5)
    ]  # fmt: skip
    if nearby and len(result.districts) > 1:
        sentences.append(_("The districts of the nearby ZIP codes starting with %(prefix)s are "
                           "listed.", prefix=zip5[:3]))  # fmt: skip
    elif nearby:
        sentences.append(_("The nearby ZIP codes starting with %(prefix)s all lie in this "
                           "district.", prefix=zip5[:3]))  # fmt: skip
    sentences.append(
        _("Choose your district; your senators are the same for the whole state.")
        if len(result.districts) > 1
        else _("Your senators are the same for the whole state.")
    )
    result.note = " ".join(sentences)


def _neighbour_districts(
    index: ReferenceIndex, country: str, prefix: str, region: str
) -> list[str]:
    """District ids of the postal areas starting with `prefix` in a region, most common first."""
    counts: dict[str, int] = {}
    for key in index.postal_keys(country, prefix):
        for row in index.postal[(country, key)]:
            if row.region == region:
                counts[row.district_id] = counts.get(row.district_id, 0) + 1
    return sorted(counts, key=lambda d: (-counts[d], d))


def _us_districts(index: ReferenceIndex, row: PostalRow) -> list[DistrictResult]:
    """Return a ZIP row's district, or every district of its state for an `ST-*` row."""
    if row.district_id.endswith(ANY_DISTRICT):
        return _state_districts(index, row.region)
    district = _district(index, "us-house", row.region, row.district_id, row.share)
    if row.share is not None and row.share < LESS_LIKELY_SHARE:
        district.note = _(
            "Less likely: under %(share)s of this ZIP code's land lies in this district.",
            share=format_share(LESS_LIKELY_SHARE),
        )
    return [district]


def _state_districts(index: ReferenceIndex, state: str) -> list[DistrictResult]:
    seats = dict.fromkeys(r.district_id for r in index.seats_in("us-house", state))
    return [_district(index, "us-house", state, d) for d in seats]


def _senators(index: ReferenceIndex, states: Iterable[str]) -> list[Rep]:
    return [rep for s in sorted(set(states)) for rep in index.seats.get(("us-senate", s, ""), [])]


def _lookup_ca(index: ReferenceIndex, result: LookupResult) -> None:
    result.choice_kind = "riding"
    fsa = result.postal_code[:3]
    if ("CA", fsa) in UNINHABITED:
        result.note = str(UNINHABITED[("CA", fsa)])
        return
    rows = index.postal.get(("CA", fsa), [])
    if not rows:
        _lookup_ca_unplaced(index, result, fsa)
        return
    result.districts = [_district(index, "ca-commons", rows[0].region, r.district_id, r.share)
                        for r in rows]  # fmt: skip
    _note_sources(result, rows)
    if rows[0].basis == "point":
        result.hint_only = True
        result.note = _(
            "Postal codes starting with %(fsa)s belong to a few large buildings and "
            "organisations rather than streets, so we place them by a reference point, which "
            "lies in %(ridings)s. If you live elsewhere, enter your home postal code.",
            fsa=fsa,
            ridings=_or_list(d.name for d in result.districts),
        )
    elif len(rows) > 1:
        result.preselect = True
        span = _(
            "Postal codes starting with %(fsa)s span %(count)s ridings; the first is the "
            "most likely.",
            fsa=fsa,
            count=len(rows),
        )
        result.note = f"{span} {_ca_prompt(result)}"


def _or_list(names: Iterable[str]) -> str:
    """Names joined as alternatives: "A or B", "A, B or C" in the page's language."""
    items = list(names)
    if len(items) < 2:
        return "".join(items)
    return str(_("%(names)s or %(last)s", names=", ".join(items[:-1]), last=items[-1]))


def _ca_prompt(result: LookupResult) -> str:
    """Tell the user how to settle the riding: the full code, or Elections Canada."""
    if len(result.postal_code) == 3 and result.online:
        return str(
            _(
                "Enter your full 6-character postal code to find yours, or choose it below "
                "(Elections Canada's “Find your riding” at elections.ca also tells you)."
            )
        )
    return str(
        _(
            "Choose yours below: Elections Canada's “Find your riding” at elections.ca tells "
            "you from your full postal code."
        )
    )


def _lookup_ca_unplaced(index: ReferenceIndex, result: LookupResult, fsa: str) -> None:
    """Offer the ridings of neighbouring postal areas (same first two characters)."""
    province = region_for_postal_code("CA", fsa)
    if province is None:
        result.note = _("We cannot place the postal code %(code)s.", code=result.postal_code)
        return
    ridings = _neighbour_districts(index, "CA", fsa[:2], province)
    result.districts = [_district(index, "ca-commons", province, d) for d in ridings]
    result.hint_only = True
    no_data = (
        _("We have no data for postal codes starting with %(fsa)s; these are the ridings of the "
          "areas starting with %(prefix)s.", fsa=fsa, prefix=fsa[:2])
        if ridings
        else _("We have no data for postal codes starting with %(fsa)s.", fsa=fsa)
    )  # fmt: skip
    result.note = f"{no_data} {_ca_prompt(result)}"


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
        result.counties = {
            county: index.postal[(country, county)][0].district_id
            for county in index.keys_by_kind.get((country, "county"), [])
        }
    result.districts = [_constituency(index, meps, cid) for cid in dict.fromkeys(ids)]
    result.at_large = [rep for rep in meps if not rep.district_id]
    if result.at_large:
        result.note = _unknown_assignment_note(result, country, rows)
    elif len(result.districts) > 1 and rows:
        result.note = rows[0].note or _(
            "This postal code lies in more than one constituency: choose yours."
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
        return str(
            _(
                "Our data places only Dublin Eircodes (D01–D24, D6W) directly; %(code)s is not "
                "one of them. Choose your constituency by your county.",
                code=code,
            )
        )
    return str(_("We cannot place the postal code %(code)s: choose your constituency.", code=code))


def _unknown_assignment_note(result: LookupResult, country: str, rows: list[PostalRow]) -> str:
    names = _or_list(d.name for d in result.districts)
    sentences = []
    if rows and names:
        sentences.append(_("You live in the %(names)s constituency.", names=names))
    placed = sum(len(d.representatives) for d in result.districts)
    unknown = len(result.at_large)
    if not placed:
        sentences.append(
            ngettext(
                "Our data does not say which constituency each MEP from this country was "
                "elected in, so all %(num)s are listed.",
                "Our data does not say which constituency each MEP from this country was "
                "elected in, so all %(num)s are listed.",
                unknown,
            )
        )
    else:
        sentences.append(_("Its MEPs are listed first."))
        sentences.append(
            ngettext(
                "We could not confirm the constituency of %(num)s other MEP from this country, "
                "so this MEP is listed too.",
                "We could not confirm the constituency of %(num)s other MEPs from this country, "
                "so they are listed too.",
                unknown,
            )
        )
    if rows and rows[0].note:
        sentences.append(rows[0].note)
    return " ".join(sentences)


def _apply_choice(index: ReferenceIndex, result: LookupResult, choice: str) -> None:
    """Narrow an ambiguous result to the district the user picked."""
    choice = choice.strip()[:MAX_INPUT]
    if result.country == "IE" and ("IE", choice) in index.postal:  # a county name
        choice = index.postal[("IE", choice)][0].district_id
    picked = [d for d in result.districts if d.id == choice]
    if not picked:
        if result.districts:
            raise LookupInputError(
                _l("Choose one of the listed districts (%(options)s).",
                   options=", ".join(d.id for d in result.districts)),
                "district",
            )  # fmt: skip
        raise LookupInputError(_l("There is no district to choose from here."), "district")
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
            result.note += " " + _(
                "This ZIP code crosses a state line: your senators depend on your state."
            )
    has_choice = sum(1 for d in result.districts if d.representatives) > 1
    result.ambiguous = has_choice and result.chosen is None
    if result.chosen:
        result.note = ""
    for rep in result.representatives:
        _add_as_of(result, rep.source, rep.source_date.isoformat())
    result.as_of = dict(sorted(result.as_of.items()))
    if not result.representatives and not result.note:
        result.note = _(
            "We cannot place %(code)s in a district: it may be a military, diplomatic or "
            "special-purpose code. Try the postal code of your home address.",
            code=result.postal_code,
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
