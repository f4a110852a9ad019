"""Check the US tables: seat totals, contact channels, postal rows, the Congress guard."""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from petition.refdata.schema import CheckResult, CountryData
from petition.refdata.us_fetch import (
    NO_ZIP_ROWS,
    NON_VOTING,
    STATES,
    ZCCD_FIX_SOURCE,
    district_code,
)
from petition.refdata.us_plans import ANY_DISTRICT, TERMS_FILE, plan_messages

POSTAL_FILE = "postal_us.csv"
VOTING_HOUSE_SEATS = 435  # fixed by law since 1913 (2 U.S.C. § 2a)
SENATORS_PER_STATE = 2
SENATE_STATES = tuple(sorted(set(STATES) - set(NON_VOTING)))
_DISTRICT_RE = re.compile(r"([A-Z]{2})-([0-9]{2})")


def check(data: CountryData) -> CheckResult:
    """Check seat totals, contact channels, and that postal rows and seats match."""
    house = [row for row in data.representatives if row["body"] == "us-house"]
    senate = [row for row in data.representatives if row["body"] == "us-senate"]
    table = data.tables.get(POSTAL_FILE)
    postal = table.rows if table else []
    terms = data.tables.get(TERMS_FILE)
    house_terms = (
        [int(r["congress"]) for r in terms.rows if r["body"] == "us-house"] if terms else []
    )
    plan_holes, warnings = plan_messages(postal, house_terms)
    holes = [
        *plan_holes,
        *([] if terms else [f"{TERMS_FILE} is missing"]),
        *_house_holes(house),
        *_senate_holes(senate),
        *_contact_holes(data.representatives),
        *(_postal_holes(house, postal) if table else [f"{POSTAL_FILE} is missing"]),
    ]
    voting = [row for row in house if row["region"] not in NON_VOTING]
    counts = {
        "us_house_seats": len(voting),
        "us_house_vacant": sum(row["vacant"] == "1" for row in voting),
        "us_delegate_seats": len(house) - len(voting),
        "us_senate_seats": len(senate),
        "us_senate_vacant": sum(row["vacant"] == "1" for row in senate),
        "us_contact_forms": sum(bool(row["contact_url"]) for row in house + senate),
        "postal_us_rows": len(postal),
        "postal_us_zips": len({row["zip"] for row in postal}),
        "postal_us_restored_pairs": sum(row["source"] == ZCCD_FIX_SOURCE for row in postal),
        "postal_us_state_only_zips": sum(
            row["district_id"].endswith(ANY_DISTRICT) for row in postal
        ),
    }
    return CheckResult(counts=counts, holes=holes, warnings=warnings)


def _house_holes(house: list[dict[str, str]]) -> list[str]:
    """Report duplicate, malformed, missing and surplus House seats, and wrong totals."""
    per_seat = Counter(row["district_id"] for row in house)
    holes = [f"House seat {seat} has {n} rows" for seat, n in sorted(per_seat.items()) if n > 1]
    numbers: dict[str, set[int]] = defaultdict(set)
    for seat in sorted(per_seat):
        match = _DISTRICT_RE.fullmatch(seat)
        if match and match[1] in STATES:
            numbers[match[1]].add(int(match[2]))
        else:
            holes.append(f"House row with a bad district id {seat!r}")
    for state in STATES:
        holes += _numbering_holes(state, numbers[state])
    voting = sum(len(numbers[state]) for state in SENATE_STATES)
    if voting != VOTING_HOUSE_SEATS:
        holes.append(f"{voting} voting House seats, expected {VOTING_HOUSE_SEATS}")
    return holes


def _numbering_holes(state: str, got: set[int]) -> list[str]:
    """Report a state's missing or surplus districts (01..NN, or 00 alone)."""
    if state not in NON_VOTING and not got:
        return [f"{state} has no House seat"]
    at_large = state in NON_VOTING or got == {0}
    expected = {0} if at_large else set(range(1, max(got) + 1))
    return [f"No row for House seat {district_code(state, n)}" for n in sorted(expected - got)] + [
        f"House seat {district_code(state, n)} should not exist" for n in sorted(got - expected)
    ]


def _senate_holes(senate: list[dict[str, str]]) -> list[str]:
    """Report states without exactly two Senate seats, and seats outside the 50 states."""
    per_state = Counter(row["region"] for row in senate)
    holes = [
        f"{state} has {per_state[state]} Senate seats, expected {SENATORS_PER_STATE}"
        for state in SENATE_STATES
        if per_state[state] != SENATORS_PER_STATE
    ]
    holes += [f"Senate seat for {state}, which has no senators" for state in
              sorted(set(per_state) - set(SENATE_STATES))]  # fmt: skip
    expected = SENATORS_PER_STATE * len(SENATE_STATES)
    if len(senate) != expected:
        holes.append(f"{len(senate)} Senate seats, expected {expected}")
    return holes


def _contact_holes(representatives: list[dict[str, str]]) -> list[str]:
    """Report members the app could not reach: no email, contact form or website."""
    return [
        f"{row['id']} ({row['name']}, {row['district_id'] or row['region']}) has no email, "
        "contact form or website"
        for row in representatives
        if row["vacant"] != "1" and not (row["email"] or row["contact_url"] or row["website"])
    ]


def _postal_holes(house: list[dict[str, str]], postal: list[dict[str, str]]) -> list[str]:
    """Report postal rows without a seat, and states no ZIP leads to."""
    seats = {row["district_id"] for row in house} | {
        f"{row['region']}-{ANY_DISTRICT}" for row in house
    }
    orphans = Counter(
        row["district_id"]
        for row in postal
        if row["district_id"] not in seats or not row["district_id"].startswith(row["state"] + "-")
    )
    holes = [
        f"{n} {POSTAL_FILE} rows point at {seat}, which has no seat row for their state"
        for seat, n in sorted(orphans.items())
    ]
    reachable = {row["state"] for row in postal}
    unreachable = {row["region"] for row in house} - NO_ZIP_ROWS - reachable
    return holes + [f"No ZIP in {POSTAL_FILE} leads to {state}" for state in sorted(unreachable)]
