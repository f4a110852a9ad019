"""Refresh the MEP list from the European Parliament's Open Data API and full-list XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from typing import Any

from .eu_it_pl import IT_PL_SOURCE, read_it_pl_constituencies
from .eu_regions import (
    ASSUMED_COLLEGE_NOTE,
    BODY,
    CONSTITUENCIES_FILE,
    CONSTITUENCY_SOURCE,
    COUNTRY_BY_ISO3,
    COUNTRY_BY_NAME,
    POSTAL_FILE,
    UNKNOWN_CONSTITUENCY_NOTES,
    blank_row,
    district_fields,
    join_notes,
    vacant_rows,
)
from .http import HttpClient
from .schema import CountryData

OFFICIAL_URLS: dict[str, str] = {
    # EP Open Data API v2: current MEPs, paginated (JSON-LD with a "data" list).
    "meps_current": "https://data.europarl.europa.eu/api/v2/meps/show-current"
    "?format=application/ld+json&offset={offset}&limit={limit}",
    # One MEP: email (hasEmail), mandate with country and contact points, memberships.
    "mep": "https://data.europarl.europa.eu/api/v2/meps/{id}?format=application/ld+json",
    # The EP "full list": names of each MEP's EP group and national party.
    "full_list_xml": "https://www.europarl.europa.eu/meps/en/full-list/xml",
}
PAGE_SIZE = 500
MAX_PAGES = 10  # 5,000 MEPs: far more than the 720 seats, so a server ignoring offset is caught
# The Parliament has 720 seats; fewer current MEPs than this means a broken or partial answer.
MIN_CURRENT_MEPS = 700
API_SOURCE = "ep-api"
FULL_LIST_SOURCE = "ep-fulllist"
PROFILE_URL = "https://www.europarl.europa.eu/meps/en/{id}"

# EP group names in the full-list XML -> the short names we show.
SD_GROUP = (
    "Group of the Progressive Alliance of Socialists and Democrats in the European Parliament"
)
GROUP_BY_NAME = {
    "Group of the European People's Party (Christian Democrats)": "EPP",
    SD_GROUP: "S&D",
    "Patriots for Europe Group": "PfE",
    "European Conservatives and Reformists Group": "ECR",
    "Renew Europe Group": "Renew",
    "Group of the Greens/European Free Alliance": "Greens/EFA",
    "The Left group in the European Parliament - GUE/NGL": "GUE/NGL",
    "Europe of Sovereign Nations Group": "ESN",
    "Non-attached Members": "NI",
}
# EP API organisation ids of the 10th-term groups (ep-opendata-2025-07 PROVENANCE), used
# only when the full list lacks an MEP.
GROUP_BY_ORG = {
    "org/7018": "EPP", "org/7038": "S&D", "org/7150": "PfE", "org/7037": "ECR",
    "org/7035": "Renew", "org/7028": "Greens/EFA", "org/7036": "GUE/NGL", "org/7151": "ESN",
    "org/6561": "NI",
}  # fmt: skip
# EP building codes in contactPoint.hasSite; phone prefixes decide for any other site.
SITE_CITY = {"ASP": "brussels", "LOW": "strasbourg", "WIC": "strasbourg"}
PHONE_CITY = {"+32": "brussels", "+33": "strasbourg"}
EMAIL_CARRIED_NOTE = (
    "The EP API gives no email for this MEP; this address is from our earlier data."
)


@dataclass(frozen=True)
class FullListEntry:
    """One <mep> of the EP full-list XML."""

    country: str
    group: str
    party: str


@dataclass(frozen=True)
class ApiMep:
    """The facts we take from one MEP's EP API answer."""

    ep_id: str
    name: str
    country: str
    email: str
    phone: str
    photo_url: str
    group: str


# The European Parliament's postal address in Brussels, where every MEP receives post
# (europarl.europa.eu, "Contact"); the MEP's office code, where the data has it, goes first.
EP_POSTAL_LINES = (
    "European Parliament",
    "Rue Wiertz / Wiertzstraat 60",
    "1047 Brussels",
    "Belgium",
)


def ep_postal_address(office: str) -> str:
    """Return an MEP's postal address as address lines joined by "; "."""
    lines = list(EP_POSTAL_LINES)
    if office.strip():
        lines.insert(1, f"Office {office.strip()}")
    return "; ".join(lines)


def parse_full_list(text: str) -> dict[str, FullListEntry]:
    """Parse the EP full-list XML into EP id -> country, short group name, national party.

    :raises ValueError: on malformed XML or an <mep> without id or with an unknown country.
    """
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise ValueError(f"EP full list: not valid XML ({exc})") from exc
    entries: dict[str, FullListEntry] = {}
    for mep in root.iter("mep"):
        ep_id = (mep.findtext("id") or "").strip()
        country = COUNTRY_BY_NAME.get((mep.findtext("country") or "").strip())
        if not ep_id.isdigit() or country is None:
            raise ValueError(f"EP full list: <mep> {ep_id or '?'} lacks an id or a known country")
        group = (mep.findtext("politicalGroup") or "").strip()
        party = (mep.findtext("nationalPoliticalGroup") or "").strip()
        entries[ep_id] = FullListEntry(country, GROUP_BY_NAME.get(group, group), party)
    if not entries:
        raise ValueError("EP full list: no <mep> elements")
    return entries


def graph(body: Any, url: str) -> list[dict[str, Any]]:
    """Return the "data" list of a JSON-LD answer.

    :raises ValueError: when it is missing or not a list of objects.
    """
    items = body.get("data") if isinstance(body, dict) else None
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise ValueError(f"{url}: expected a JSON-LD object with a 'data' list")
    return items


def identifier(item: dict[str, Any], url: str) -> str:
    """Return an MEP object's numeric EP id.

    :raises ValueError: when it has none.
    """
    value = str(item.get("identifier", "")).strip()
    if not value.isdigit():
        raise ValueError(f"{url}: an MEP has no numeric 'identifier'")
    return value


def fetch_current(client: HttpClient, template: str, page_size: int) -> dict[str, dict[str, Any]]:
    """Page through show-current and return EP id -> list entry."""
    found: dict[str, dict[str, Any]] = {}
    for page in range(MAX_PAGES):
        url = template.format(offset=page * page_size, limit=page_size)
        items = graph(client.get_json(url), url)
        new = {identifier(item, url): item for item in items}
        if items and not new.keys() - found.keys():
            raise ValueError(f"{url}: the page repeats earlier MEPs; the offset is ignored")
        found.update(new)
        if len(items) < page_size:
            return found
    raise ValueError(f"show-current: more than {MAX_PAGES} pages of MEPs")


def text_list(value: Any) -> list[str]:
    """Return a JSON-LD value that may be one string or a list of strings as a list."""
    values = value if isinstance(value, list) else [value]
    return [v.strip() for v in values if isinstance(v, str) and v.strip()]


def is_open(membership: dict[str, Any], today: str) -> bool:
    """Tell whether a membership runs on `today` (ISO dates compare as strings)."""
    period = membership.get("memberDuring")
    if not isinstance(period, dict):
        return False
    start, end = str(period.get("startDate", "")), str(period.get("endDate", ""))
    return bool(start) and start <= today and (not end or end >= today)


def current_membership(memberships: list[Any], kind: str, today: str) -> dict[str, Any] | None:
    """Return the latest-starting open membership whose role or classification ends with kind."""
    matches = [
        m
        for m in memberships
        if isinstance(m, dict)
        and kind in (str(m.get("role", "")).rsplit("/", 1)[-1],
                     str(m.get("membershipClassification", "")).rsplit("/", 1)[-1])
        and is_open(m, today)
    ]  # fmt: skip
    return max(matches, key=lambda m: str(m["memberDuring"]["startDate"]), default=None)


def phone_number(contact: dict[str, Any]) -> str:
    """Return a contact point's phone as "+32...", from "tel:+32..." or "tel/0032..."."""
    tel = contact.get("hasTelephone")
    raw = str(tel.get("hasValue", "")) if isinstance(tel, dict) else str(tel or "")
    if raw.startswith("tel/00"):
        return "+" + raw.removeprefix("tel/00")
    return raw.removeprefix("tel:")


def office_phone(mandate: dict[str, Any] | None) -> str:
    """Return the Brussels phone of a mandate, else the Strasbourg one, else ""."""
    phones: dict[str, str] = {}
    contacts = mandate.get("contactPoint", []) if mandate else []
    for contact in contacts if isinstance(contacts, list) else []:
        number = phone_number(contact) if isinstance(contact, dict) else ""
        site = str(contact.get("hasSite", "")).rsplit("/", 1)[-1] if number else ""
        city = SITE_CITY.get(site) or PHONE_CITY.get(number[:3])
        if city:
            phones.setdefault(city, number)
    return phones.get("brussels") or phones.get("strasbourg", "")


def parse_mep(body: Any, ep_id: str, listed: dict[str, Any], today: str) -> ApiMep:
    """Parse one MEP answer of the EP API; `listed` is its show-current entry.

    :raises ValueError: when the answer is for another MEP or lacks a name or a country.
    """
    items = graph(body, f"MEP {ep_id}")
    person = next((item for item in items if identifier(item, f"MEP {ep_id}") == ep_id), None)
    if person is None:
        raise ValueError(f"MEP {ep_id}: the answer does not describe this MEP")
    given = str(person.get("givenName") or listed.get("givenName") or "").strip()
    family = str(person.get("familyName") or listed.get("familyName") or "").strip()
    memberships = person.get("hasMembership")
    memberships = memberships if isinstance(memberships, list) else []
    # Any open MEMBER_PARLIAMENT mandate counts: the EP attaches some 10th-term mandates to ep-9.
    mandate = current_membership(memberships, "MEMBER_PARLIAMENT", today)
    iso3 = [c.rsplit("/", 1)[-1] for c in text_list(mandate.get("represents"))] if mandate else []
    country = COUNTRY_BY_ISO3.get(iso3[0], "") if iso3 else ""
    country = country or str(listed.get("api:country-of-representation", "")).upper()
    if not given or not family or country not in COUNTRY_BY_ISO3.values():
        raise ValueError(f"MEP {ep_id}: the EP API answer lacks a name or a member state")
    emails = [e.removeprefix("mailto:") for e in text_list(person.get("hasEmail"))]
    group = current_membership(memberships, "EU_POLITICAL_GROUP", today)
    group_org = str(group.get("organization", "")) if group else ""
    return ApiMep(
        ep_id=ep_id,
        name=f"{given} {family}",
        country=country,
        email=next((e for e in emails if "@" in e), ""),
        phone=office_phone(mandate),
        photo_url=str(person.get("img", "")),
        group=GROUP_BY_ORG.get(group_org) or str(listed.get("api:political-group", "")),
    )


def mep_row(
    mep: ApiMep, entry: FullListEntry | None, previous: dict[str, str] | None, today: str
) -> dict[str, str]:
    """Turn fetched facts into a representatives row, carrying over what the API lacks."""
    previous = previous or {}
    email, email_note = mep.email, ""
    if not email and previous.get("email"):
        email, email_note = previous["email"], EMAIL_CARRIED_NOTE
    if not email:
        raise ValueError(f"MEP {mep.ep_id} ({mep.name}): no email in the EP API or earlier data")
    sources = [API_SOURCE, FULL_LIST_SOURCE] if entry else [API_SOURCE]
    return blank_row(
        id=f"ep:{mep.ep_id}",
        country=mep.country,
        body=BODY,
        region=mep.country,
        name=mep.name,
        address_as="MEP",
        party=entry.party if entry and entry.party else previous.get("party", ""),
        group=entry.group if entry and entry.group else mep.group,
        email=email,
        website=PROFILE_URL.format(id=mep.ep_id),
        phone=mep.phone,
        address=previous.get("address") or ep_postal_address(""),
        photo_url=mep.photo_url,
        vacant="0",
        note=email_note,
        source="+".join(sources),
        source_date=today,
    )


def carry_district(
    row: dict[str, str],
    previous: dict[str, str] | None,
    data: CountryData,
    placed: dict[str, tuple[str, str, str]] | None = None,
) -> None:
    """Give a fetched row its constituency from the current data (the API has none).

    `placed` (our cited IT/PL table, by EP id) places an MEP the current data has not.
    """
    table = data.tables[CONSTITUENCIES_FILE]
    districted = {r["country"] for r in table.rows} - UNKNOWN_CONSTITUENCY_NOTES.keys()
    dates = {r["constituency_id"]: r["source_date"] for r in table.rows}
    assigned = None
    if previous and previous.get("district_id") in dates and previous["country"] == row["country"]:
        carried_note = ASSUMED_COLLEGE_NOTE if ASSUMED_COLLEGE_NOTE in previous["note"] else ""
        assigned = (previous["district_id"], previous["district_name"], carried_note)
        placed_by_us = row["country"] in UNKNOWN_CONSTITUENCY_NOTES
        row["source"] += f"+{IT_PL_SOURCE if placed_by_us else CONSTITUENCY_SOURCE}"
        row["source_date"] = min(row["source_date"], dates[previous["district_id"]])
    elif placed and row["id"].removeprefix("ep:") in placed:
        assigned = placed[row["id"].removeprefix("ep:")]
        row["source"] += f"+{IT_PL_SOURCE}"
        row["source_date"] = min(row["source_date"], dates[assigned[0]])
    district_id, district_name, note = district_fields(row["country"], assigned, districted)
    row.update(district_id=district_id, district_name=district_name)
    row["note"] = join_notes(note, row["note"])


def fetch(
    client: HttpClient, urls: dict[str, str], current: CountryData | None, today: str
) -> CountryData:
    """Download current MEPs from the EP and return fresh rows with the carried-over tables.

    :raises ValueError: without current data, with fewer than MIN_CURRENT_MEPS MEPs, or
        when an MEP has no email.
    """
    if current is None or not {CONSTITUENCIES_FILE, POSTAL_FILE} <= current.tables.keys():
        raise ValueError("EU: no current data to carry constituencies over from; build first")
    listed = fetch_current(client, urls["meps_current"], PAGE_SIZE)
    if len(listed) < MIN_CURRENT_MEPS:
        raise ValueError(f"EP API: only {len(listed)} current MEPs (expected {MIN_CURRENT_MEPS}+)")
    full_list = parse_full_list(client.get_text(urls["full_list_xml"]))
    previous = {row["id"]: row for row in current.representatives}
    names = {r["constituency_id"]: r["name"] for r in current.tables[CONSTITUENCIES_FILE].rows}
    placed = read_it_pl_constituencies(names, set(listed))
    rows = []
    for ep_id, entry in sorted(listed.items()):
        body = client.get_json(urls["mep"].format(id=ep_id))
        mep = parse_mep(body, ep_id, entry, today)
        row = mep_row(mep, full_list.get(ep_id), previous.get(f"ep:{ep_id}"), today)
        carry_district(row, previous.get(f"ep:{ep_id}"), current, placed)
        rows.append(row)
    filled = Counter(row["country"] for row in rows)
    rows += vacant_rows(dict(filled), API_SOURCE, today)
    return CountryData(
        representatives=rows, tables=dict(current.tables), readme=fetch_readme(current, today)
    )


def fetch_readme(current: CountryData, today: str) -> str:
    """Return the README section after a refresh: what changed, then the build's section."""
    lines = current.readme.splitlines()
    title = lines[0] if lines and lines[0].startswith("## ") else "## European Union"
    rest = "\n".join(lines[1:]) if lines and lines[0].startswith("## ") else current.readme
    intro = (
        f"The MEP rows were refreshed on {today} from the EP Open Data API v2 "
        f"(`{OFFICIAL_URLS['meps_current'].split('?')[0]}` and `/meps/{{id}}`, email, country, "
        "phones) and the EP full-list XML (group and national-party names), © European Union, "
        "source: European Parliament. Constituency assignments and the constituency and postal "
        "tables were carried over unchanged from the build described below."
    )
    return f"{title}\n\n{intro}\n{rest}"
