"""United States: members of Congress, vacant seats, and the ZIP → House district table."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from petition.refdata.http import HttpClient
from petition.refdata.schema import REPRESENTATIVE_COLUMNS, CountryData, Table
from petition.refdata.us_check import POSTAL_FILE, SENATE_STATES, SENATORS_PER_STATE
from petition.refdata.us_check import check as check  # the country module's check
from petition.refdata.us_fetch import (
    CENSUS_SOURCE,
    CONTACT_DIR,
    CONTACT_SOURCE,
    LEGISLATORS_DATE,
    LEGISLATORS_FILE,
    LEGISLATORS_SOURCE,
    NON_VOTING,
    POSTAL_COLUMNS,
    STATES,
    ZCCD_DATE,
    ZCCD_FILE,
    ZCCD_SOURCE,
    Contact,
    district_code,
    parse_legislators,
    parse_zcta_cd,
    read_contact_forms,
    read_zccd,
    require_full_congress,
)
from petition.refdata.us_plans import (
    ANY_DISTRICT,
    TERMS_COLUMNS,
    TERMS_FILE,
    guard_postal,
    members_congress,
    terms_rows,
)
from petition.refdata.us_readme import readme

SOURCE_DIR = "us"
OFFICIAL_URLS: dict[str, str] = {
    "legislators": "https://unitedstates.github.io/congress-legislators/legislators-current.json",
    "zcta_cd": "https://www2.census.gov/geo/docs/maps-data/data/rel2020/cd-sld/"
    "tab20_cd11920_zcta520_natl.txt",
}

# Why the House seats vacant in the 2026-06-15 snapshot are empty (PROVENANCE.md, from the
# commits that removed the members). Only valid within the 119th Congress.
VACANCY_REASONS = {
    "CA-14": "Rep. Swalwell resigned (recorded in the source on 2026-04-14).",
    "TX-23": "Rep. Gonzales resigned (recorded in the source on 2026-04-15).",
    "FL-20": "Rep. Cherfilus-McCormick resigned (recorded in the source on 2026-04-22).",
    "GA-13": "Rep. David Scott died (recorded in the source on 2026-04-22).",
}
CONGRESS_119_END = "2027-01-03"
HOUSE_CONTACT_CAVEAT = (
    "The contact form link comes from a community list that is no longer kept up to date "
    "for House members; if it does not work, use the website."
)

_SUFFIXES_WITH_COMMA = ("Jr.", "Sr.")


@dataclass(frozen=True)
class Origin:
    """The sources of one build: the legislators list and the list of House seats."""

    legislators_date: str
    seats_source: str
    seats_date: str


def build(sources: Path) -> CountryData:
    """Build the US tables from the source snapshots under sources/us."""
    root = sources / SOURCE_DIR
    people = parse_legislators(json.loads((root / LEGISLATORS_FILE).read_text(encoding="utf-8")))
    postal = read_zccd(root / ZCCD_FILE)
    contacts = read_contact_forms(root / CONTACT_DIR, people)
    origin = Origin(LEGISLATORS_DATE, ZCCD_SOURCE, ZCCD_DATE)
    return assemble(people, contacts, postal, origin, readme(LEGISLATORS_DATE, fetched=False))


def fetch(
    client: HttpClient, urls: dict[str, str], current: CountryData | None, today: str
) -> CountryData:
    """Download the legislators and the Census ZCTA file; keep known contact forms.

    :raises FetchError: a download failed.
    :raises ValueError: a download is malformed or incomplete.
    """
    urls = {**OFFICIAL_URLS, **urls}
    people = parse_legislators(client.get_json(urls["legislators"]))
    require_full_congress(people)
    postal = parse_zcta_cd(zip_map_text(client, urls["zcta_cd"]), today)
    origin = Origin(today, CENSUS_SOURCE, today)
    contacts = carried_contacts(current)
    return assemble(people, contacts, postal, origin, readme(today, fetched=True))


def zip_map_text(client: HttpClient, where: str) -> str:
    """Return the ZIP map file's text from a URL, or from a local file (a downloaded copy)."""
    if where.startswith(("http://", "https://")):
        return client.get_text(where)
    try:
        return Path(where).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"ZIP map {where}: {exc}") from exc


def assemble(
    people: list[dict[str, Any]],
    contacts: Mapping[str, Contact],
    postal: list[dict[str, str]],
    origin: Origin,
    text: str,
) -> CountryData:
    """Join members and ZIP map, never across a district plan that changed between them."""
    congress = members_congress(people, origin.legislators_date)
    names = {state: name for state, (_fips, name) in STATES.items()}
    postal, _guarded = guard_postal(postal, congress, names)
    representatives = assemble_representatives(people, contacts, postal, origin)
    return CountryData(
        representatives=representatives,
        tables={
            POSTAL_FILE: Table(header=POSTAL_COLUMNS, rows=postal),
            TERMS_FILE: Table(TERMS_COLUMNS, terms_rows(representatives, people, congress)),
        },
        readme=text,
    )


def carried_contacts(current: CountryData | None) -> dict[str, Contact]:
    """Return the contact forms of the current table, by bioguide id, with their origin."""
    if current is None:
        return {}
    return {
        row["id"].removeprefix("bioguide:"): Contact(
            row["contact_url"], row["source"], row["source_date"]
        )
        for row in current.representatives
        if row["id"].startswith("bioguide:") and row["contact_url"]
    }


def assemble_representatives(
    people: list[dict[str, Any]],
    contacts: Mapping[str, Contact],
    postal: list[dict[str, str]],
    origin: Origin,
) -> list[dict[str, str]]:
    """Return one row per legislator plus one per seat that has nobody in it."""
    members = [
        member_row(person, contacts.get(person["id"]["bioguide"]), origin.legislators_date)
        for person in people
    ]
    return members + vacant_rows(members, house_seats(postal, members), origin)


def member_row(person: dict[str, Any], contact: Contact | None, date: str) -> dict[str, str]:
    """Return the representatives.csv row of one legislator's current term."""
    term = person["terms"][-1]
    state, senate = term["state"], term["type"] == "sen"
    district_id = "" if senate else district_code(state, term["district"])
    caucus = term.get("caucus", "")
    row = _seat_row("us-senate" if senate else "us-house", state, district_id)
    row.update(
        id=f"bioguide:{person['id']['bioguide']}",
        name=full_name(person["name"]),
        party=term["party"],
        group=caucus if caucus != term["party"] else "",
        contact_url=term.get("contact_form", ""),
        website=term.get("url", ""),
        phone=term.get("phone", ""),
        address=term.get("address", ""),
        vacant="0",
        source=LEGISLATORS_SOURCE,
        source_date=date,
    )
    if not row["contact_url"] and contact:
        row["contact_url"] = contact.url
        row["source"] = "+".join(dict.fromkeys([LEGISLATORS_SOURCE, *contact.source.split("+")]))
        row["source_date"] = min(date, contact.source_date)
    row["note"] = _member_note(term, row, date)
    if not (row["email"] or row["contact_url"] or row["website"]):
        # A newly sworn-in member may have no office details in the sources yet. Offer the
        # chamber's own official routes to every office rather than guess an address.
        row["contact_url"] = GENERAL_CONTACT[row["body"]]
        row["phone"] = row["phone"] or CAPITOL_SWITCHBOARD
        row["note"] = (
            f"{row['note']} Until the sources list this member's own office, use the "
            f"chamber's official contact service or call the U.S. Capitol switchboard at "
            f"{CAPITOL_SWITCHBOARD} and ask for this member's office."
        ).strip()
    return row


# The U.S. Capitol switchboard (House and Senate), published at house.gov and senate.gov.
CAPITOL_SWITCHBOARD = "(202) 224-3121"
# Each chamber's official page for reaching any member's office.
GENERAL_CONTACT = {
    "us-house": "https://www.house.gov/representatives/find-your-representative",
    "us-senate": "https://www.senate.gov/senators/senators-contact.htm",
}


def full_name(name: dict[str, str]) -> str:
    """Return the official full name, or build it when the source leaves it empty."""
    if name.get("official_full"):
        return name["official_full"]
    base, suffix = f"{name['first']} {name['last']}", name.get("suffix", "")
    if not suffix:
        return base
    return f"{base}, {suffix}" if suffix in _SUFFIXES_WITH_COMMA else f"{base} {suffix}"


def _member_note(term: dict[str, Any], row: dict[str, str], date: str) -> str:
    """Explain what a user should know about a member's row: gaps, appointments, links."""
    notes = []
    labels = {"website": "website", "phone": "phone number", "address": "office address"}
    missing = [label for key, label in labels.items() if not row[key]]
    if missing:
        since = f" (in office since {term['start']})" if term.get("start") else ""
        listed = ", ".join(missing[:-1]) + " or " + missing[-1] if len(missing) > 1 else missing[0]
        notes.append(f"The source lists no {listed} for this member yet{since}.")
    appointed = term.get("how") == "appointment" and term.get("end-type") == "special-election"
    if appointed and term.get("end", "") > date:
        notes.append(
            f"Appointed until a special election; the appointment ends on {term['end']}, "
            "after which the seat may have a new holder."
        )
    if row["body"] == "us-house" and CONTACT_SOURCE in row["source"].split("+"):
        notes.append(HOUSE_CONTACT_CAVEAT)
    return " ".join(notes)


def house_seats(postal: list[dict[str, str]], members: list[dict[str, str]]) -> list[str]:
    """Return every House district id: 1..n per state (n from the data), 00 if at-large."""
    top = dict.fromkeys(NON_VOTING, 0)
    house = [row["district_id"] for row in members if row["body"] == "us-house"]
    for district_id in [row["district_id"] for row in postal] + house:
        state, number = district_id.split("-")
        if number == ANY_DISTRICT:
            continue
        top[state] = max(top.get(state, 0), int(number))
    return [
        district_code(state, number)
        for state, most in sorted(top.items())
        for number in (range(1, most + 1) if most else (0,))
    ]


def vacant_rows(
    members: list[dict[str, str]], seats: list[str], origin: Origin
) -> list[dict[str, str]]:
    """Return a row for each House seat without a member and each missing senator."""
    taken = {row["district_id"] for row in members if row["body"] == "us-house"}
    sources = f"{LEGISLATORS_SOURCE}+{origin.seats_source}"
    date = min(origin.legislators_date, origin.seats_date)
    note = f"Vacant: the source lists no member for this seat as of {origin.legislators_date}."
    rows = []
    for seat in (s for s in seats if s not in taken):
        reason = VACANCY_REASONS.get(seat, "") if origin.legislators_date < CONGRESS_119_END else ""
        row = _seat_row("us-house", seat.split("-")[0], seat)
        row.update(id=f"vacant:us-house:{seat}", note=f"{note} {reason}".strip())
        rows.append(row | {"vacant": "1", "source": sources, "source_date": date})
    senators = Counter(row["region"] for row in members if row["body"] == "us-senate")
    for state in SENATE_STATES:
        for number in range(senators[state] + 1, SENATORS_PER_STATE + 1):
            row = _seat_row("us-senate", state, "")
            row.update(id=f"vacant:us-senate:{state}-{number}", note=note, vacant="1")
            rows.append(row | {"source": LEGISLATORS_SOURCE, "source_date": date})
    return rows


def _seat_row(body: str, state: str, district_id: str) -> dict[str, str]:
    """Return a row with the seat's columns filled and the person's left empty."""
    row = dict.fromkeys(REPRESENTATIVE_COLUMNS, "")
    address_as = "Senator" if body == "us-senate" else NON_VOTING.get(state, "Representative")
    row.update(
        country="US",
        body=body,
        region=state,
        district_id=district_id,
        district_name=district_name(district_id) if district_id else "",
        address_as=address_as,
    )
    return row


def district_name(district_id: str) -> str:
    """Return "New York's 12th congressional district", "Wyoming at-large" and the like."""
    state, number = district_id.split("-")
    name = STATES[state][1]
    if state in NON_VOTING:
        return f"{name} ({NON_VOTING[state].lower()})"
    if number == "00":
        return f"{name} at-large"
    n = int(number)
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{name}'s {n}{suffix} congressional district"
