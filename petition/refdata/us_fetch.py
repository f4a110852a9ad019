"""Read and validate the US source files: the snapshots (build) and official downloads (fetch)."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# USPS code → (FIPS code, name) for the states, DC and the territories with a House seat.
# The public ANSI/FIPS 5-2 standard as published by the Census Bureau, "State and State
# Equivalents": https://www.census.gov/library/reference/code-lists/ansi.html
STATES: dict[str, tuple[str, str]] = {
    "AL": ("01", "Alabama"), "AK": ("02", "Alaska"), "AZ": ("04", "Arizona"),
    "AR": ("05", "Arkansas"), "CA": ("06", "California"), "CO": ("08", "Colorado"),
    "CT": ("09", "Connecticut"), "DE": ("10", "Delaware"), "DC": ("11", "District of Columbia"),
    "FL": ("12", "Florida"), "GA": ("13", "Georgia"), "HI": ("15", "Hawaii"),
    "ID": ("16", "Idaho"), "IL": ("17", "Illinois"), "IN": ("18", "Indiana"),
    "IA": ("19", "Iowa"), "KS": ("20", "Kansas"), "KY": ("21", "Kentucky"),
    "LA": ("22", "Louisiana"), "ME": ("23", "Maine"), "MD": ("24", "Maryland"),
    "MA": ("25", "Massachusetts"), "MI": ("26", "Michigan"), "MN": ("27", "Minnesota"),
    "MS": ("28", "Mississippi"), "MO": ("29", "Missouri"), "MT": ("30", "Montana"),
    "NE": ("31", "Nebraska"), "NV": ("32", "Nevada"), "NH": ("33", "New Hampshire"),
    "NJ": ("34", "New Jersey"), "NM": ("35", "New Mexico"), "NY": ("36", "New York"),
    "NC": ("37", "North Carolina"), "ND": ("38", "North Dakota"), "OH": ("39", "Ohio"),
    "OK": ("40", "Oklahoma"), "OR": ("41", "Oregon"), "PA": ("42", "Pennsylvania"),
    "RI": ("44", "Rhode Island"), "SC": ("45", "South Carolina"), "SD": ("46", "South Dakota"),
    "TN": ("47", "Tennessee"), "TX": ("48", "Texas"), "UT": ("49", "Utah"),
    "VT": ("50", "Vermont"), "VA": ("51", "Virginia"), "WA": ("53", "Washington"),
    "WV": ("54", "West Virginia"), "WI": ("55", "Wisconsin"), "WY": ("56", "Wyoming"),
    "AS": ("60", "American Samoa"), "GU": ("66", "Guam"),
    "MP": ("69", "Northern Mariana Islands"), "PR": ("72", "Puerto Rico"),
    "VI": ("78", "U.S. Virgin Islands"),
}  # fmt: skip
FIPS_TO_STATE = {fips: usps for usps, (fips, _name) in STATES.items()}
# Areas with a non-voting House member, and how that member is addressed.
NON_VOTING: dict[str, str] = {
    "DC": "Delegate", "PR": "Resident Commissioner", "AS": "Delegate",
    "GU": "Delegate", "MP": "Delegate", "VI": "Delegate",
}  # fmt: skip
# Territories that no ZIP table covers: their ZIPs resolve to the territory by prefix.
NO_ZIP_ROWS = frozenset({"AS", "GU", "MP", "VI"})

LEGISLATORS_FILE = "congress-legislators/legislators-current.json"
ZCCD_FILE = "us-zipcodes-congress/zccd.csv"
CONTACT_DIR = "contact-congress/members"
# Snapshot dates from data-sources/us/PROVENANCE.md: congress-legislators `main` head
# 2026-06-15, contact-congress head 2026-08-13, zccd.csv last commit 2024-11-12.
LEGISLATORS_DATE = "2026-06-15"
CONTACT_CONGRESS_DATE = "2026-08-13"
ZCCD_DATE = "2024-11-12"
# zccd.csv was built from the 119th Congress's block equivalency files (PROVENANCE.md).
ZCCD_CONGRESS = 119
LEGISLATORS_SOURCE = "congress-legislators"
CONTACT_SOURCE = "contact-congress"
ZCCD_SOURCE = "zccd"
ZCCD_FIX_SOURCE = "zccd+provenance-fix"
ZCCD_HEADER = ["state_fips", "state_abbr", "zcta", "cd"]

# zccd.csv's "remove duplicates" step keyed on (zcta, cd) without the state, so a ZCTA that
# crosses a state line with the same district number on both sides lost one state.
# PROVENANCE.md lists 32 such pairs from the 118th-Congress file; these 30 are in states
# whose maps did not change for the 119th, so they are restored. GA 36855 cd 3 and LA 71749
# cd 4 are left out: GA and LA redrew their maps, so the old pairs cannot be verified.
RESTORED_ZCCD_PAIRS: tuple[tuple[str, int, tuple[str, ...]], ...] = (
    ("ME", 2, ("03579",)),
    ("SD", 0, ("57255", "57430", "57638", "57641", "57642", "57645", "57648", "57660",
               "57717", "58041", "58043", "58053", "58413", "58436", "58439", "58568",
               "58623", "58639", "58649", "58653", "82701")),
    ("ID", 1, ("59847",)),
    ("CO", 3, ("81120", "81137", "81324")),
    ("UT", 2, ("84034",)),
    ("NM", 3, ("86514",)),
    ("CA", 3, ("89019",)),
    ("OR", 2, ("89421",)),
)  # fmt: skip

# contact-congress placeholders ("stubforcwc", "https://google.com") are not forms: only
# links to the chambers' own sites are kept.
OFFICIAL_HOSTS = ("house.gov", "senate.gov")
# The first step of a contact-congress file, read line by line rather than with a YAML
# parser: K000394.yaml is invalid YAML, and on the 523 valid files this gives the same URL.
_VISIT_RE = re.compile(r"^[ \t]*-[ \t]*visit:[ \t]*(.*?)[ \t]*$", re.MULTILINE)

# `congress`: the Congress whose district plans the row's mapping uses; `note`: why a row
# offers every district of its state (see us_plans).
POSTAL_COLUMNS = ("zip", "state", "district_id", "share", "rank", "n_districts", "congress",
                  "note", "source", "source_date")  # fmt: skip
CENSUS_SOURCE = "census-zcta-cd"

# A fresh download with fewer than these is incomplete (truncated or a partial export):
# the real data have 100 senators, 435 voting seats and about 33,800 ZCTAs.
MIN_SENATORS = 90
MIN_HOUSE_MEMBERS = 400
MIN_ZCTAS = 30_000
# ZCTA↔district pairs covering less than this share of the ZCTA's land are slivers
# (boundary noise); they are dropped unless the pair is the ZCTA's largest.
MIN_SHARE = 0.005
SHARE_DIGITS = 4

_BIOGUIDE_RE = re.compile(r"[A-Z][0-9]{6}")
_NAME_KEYS = ("first", "last")
_OPTIONAL_TEXT = ("url", "phone", "address", "contact_form", "caucus", "how", "end-type",
                  "start", "end")  # fmt: skip
# Census CD GEOID: state FIPS + 2 characters ("00" at-large, "98" delegate, "ZZ" none).
_CD_COLUMN_RE = re.compile(r"GEOID_CD([0-9]+)_20")
_CENSUS_COLUMNS = ("GEOID_ZCTA5_20", "AREALAND_ZCTA5_20", "AREAWATER_ZCTA5_20",
                   "AREALAND_PART", "AREAWATER_PART")  # fmt: skip


@dataclass(frozen=True)
class Contact:
    """A contact-form URL found outside the current term, with where it came from."""

    url: str
    source: str
    source_date: str


def district_code(state: str, number: int) -> str:
    """Return a district id like "NY-12", "WY-00" for at-large seats and delegates."""
    return f"{state}-{number:02d}"


def parse_legislators(data: Any) -> list[dict[str, Any]]:
    """Return the legislators list after checking the fields the tables use.

    :raises ValueError: when the data is not a list of legislators of the expected shape.
    """
    if not isinstance(data, list) or not data:
        raise ValueError("legislators data is not a non-empty JSON list")
    for index, person in enumerate(data):
        problem = _person_problem(person)
        if problem:
            raise ValueError(f"legislators data, record {index}: {problem}")
    return data


def _person_problem(person: Any) -> str:
    """Return what is wrong with one legislator record, or ""."""
    if not isinstance(person, dict):
        return "not an object"
    bioguide = person.get("id", {}).get("bioguide") if isinstance(person.get("id"), dict) else None
    if not isinstance(bioguide, str) or not _BIOGUIDE_RE.fullmatch(bioguide):
        return "no valid id.bioguide"
    name = person.get("name")
    if not isinstance(name, dict) or not all(isinstance(name.get(k), str) for k in _NAME_KEYS):
        return f"{bioguide}: name.first/name.last missing"
    terms = person.get("terms")
    if not isinstance(terms, list) or not terms or not isinstance(terms[-1], dict):
        return f"{bioguide}: no terms"
    return _term_problem(bioguide, terms[-1])


def _term_problem(bioguide: str, term: dict[str, Any]) -> str:
    """Return what is wrong with a legislator's current term, or ""."""
    if term.get("type") not in ("sen", "rep"):
        return f"{bioguide}: current term type is not sen/rep"
    if term.get("state") not in STATES:
        return f"{bioguide}: unknown state {term.get('state')!r}"
    if not isinstance(term.get("party"), str) or not term["party"]:
        return f"{bioguide}: current term has no party"
    district = term.get("district")
    if term["type"] == "rep" and (not isinstance(district, int) or district < 0):
        return f"{bioguide}: House term without a district number"
    if term["type"] == "sen" and term["state"] in NON_VOTING:
        return f"{bioguide}: senator for {term['state']}, which has no senators"
    bad = [key for key in _OPTIONAL_TEXT if not isinstance(term.get(key, ""), str)]
    return f"{bioguide}: non-text {', '.join(bad)}" if bad else ""


def require_full_congress(people: list[dict[str, Any]]) -> None:
    """Refuse a legislators list that is too short to be the whole Congress.

    :raises ValueError: when senators or voting House members are missing.
    """
    terms = [person["terms"][-1] for person in people]
    senators = sum(term["type"] == "sen" for term in terms)
    house = sum(term["type"] == "rep" and term["state"] not in NON_VOTING for term in terms)
    if senators < MIN_SENATORS or house < MIN_HOUSE_MEMBERS:
        raise ValueError(
            f"legislators data lists {senators} senators and {house} voting House members; "
            f"expected at least {MIN_SENATORS} and {MIN_HOUSE_MEMBERS} (incomplete download?)"
        )


def parse_zcta_cd(text: str, today: str) -> list[dict[str, str]]:
    """Turn the Census ZCTA↔district relationship file into postal_us.csv rows.

    :raises ValueError: on missing columns, cut-off rows, bad values or too few ZCTAs.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter="|")
    header = reader.fieldnames or []
    cd_columns = [name for name in header if _CD_COLUMN_RE.fullmatch(name)]
    missing = [name for name in _CENSUS_COLUMNS if name not in header]
    if len(cd_columns) != 1 or missing:
        raise ValueError(f"Census ZCTA file: unexpected header {header}")
    areas: dict[str, dict[tuple[str, str], float]] = defaultdict(dict)
    for row in reader:
        pair = _census_pair(row, cd_columns[0], reader.line_num)
        if pair:
            zcta, state, district, share = pair
            key = (state, district)
            areas[zcta][key] = areas[zcta].get(key, 0.0) + share
    if len(areas) < MIN_ZCTAS:
        raise ValueError(
            f"Census ZCTA file has {len(areas)} ZCTAs, expected at least {MIN_ZCTAS} "
            "(incomplete download?)"
        )
    match = _CD_COLUMN_RE.fullmatch(cd_columns[0])
    congress = str(int(match[1])) if match else ""
    return [
        row | {"congress": congress}
        for zcta in sorted(areas)
        for row in _ranked_rows(zcta, areas[zcta], today)
    ]


def _census_pair(
    row: dict[str | Any, Any], cd_column: str, line: int
) -> tuple[str, str, str, float] | None:
    """Return (zcta, state, district id, land share) of one relationship row, or None to skip."""
    if None in row or None in row.values():
        raise ValueError(f"Census ZCTA file, line {line}: wrong number of fields (cut off?)")
    zcta, geoid = row["GEOID_ZCTA5_20"], row[cd_column]
    if not zcta:
        return None  # district area outside any ZCTA
    state = FIPS_TO_STATE.get(geoid[:2])
    code = geoid[2:]
    if not re.fullmatch(r"[0-9]{5}", zcta) or state is None or len(code) != 2:
        raise ValueError(f"Census ZCTA file, line {line}: bad ZCTA {zcta!r} or CD {geoid!r}")
    if code == "ZZ" or state in NO_ZIP_ROWS:
        return None  # "ZZ": no district assigned (water)
    if not code.isdigit():
        raise ValueError(f"Census ZCTA file, line {line}: bad district code {geoid!r}")
    number = 0 if code == "98" else int(code)  # "98": DC's delegate, PR's commissioner
    try:
        share = _share(row)
    except ValueError as exc:
        raise ValueError(f"Census ZCTA file, line {line}: bad area ({exc})") from exc
    return zcta, state, district_code(state, number), share


def _share(row: dict[str, str]) -> float:
    """Return the pair's share of the ZCTA's land (of its whole area if it has no land)."""
    land_part, land_total = int(row["AREALAND_PART"]), int(row["AREALAND_ZCTA5_20"])
    if land_total > 0:
        return land_part / land_total
    total = land_total + int(row["AREAWATER_ZCTA5_20"])
    return (land_part + int(row["AREAWATER_PART"])) / total if total else 0.0


def _ranked_rows(
    zcta: str, shares: dict[tuple[str, str], float], today: str
) -> list[dict[str, str]]:
    """Rank one ZCTA's districts by share (1 = largest) and drop the slivers."""
    ordered = sorted(shares.items(), key=lambda item: (-item[1], item[0]))
    kept = [item for index, item in enumerate(ordered) if index == 0 or item[1] >= MIN_SHARE]
    return [
        {
            "zip": zcta,
            "state": state,
            "district_id": district,
            "share": f"{share:.{SHARE_DIGITS}f}",
            "rank": str(rank),
            "n_districts": str(len(kept)),
            "note": "",
            "source": CENSUS_SOURCE,
            "source_date": today,
        }
        for rank, ((state, district), share) in enumerate(kept, start=1)
    ]


def read_zccd(path: Path) -> list[dict[str, str]]:
    """Read zccd.csv into postal rows, restoring the cross-state pairs it lost."""
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames != ZCCD_HEADER:
            raise ValueError(f"{path}: header {reader.fieldnames}, expected {ZCCD_HEADER}")
        pairs = {_zccd_pair(row, f"{path}:{reader.line_num}") for row in reader}
    sources = dict.fromkeys(pairs, ZCCD_SOURCE)
    listed = {zcta for zcta, _state, _district in pairs}
    for state, number, zips in RESTORED_ZCCD_PAIRS:
        # Only a ZCTA still listed under its other state lost a pair; one that is gone
        # altogether means the file changed, and the old pair is no longer evidence.
        for zcta in (z for z in zips if z in listed):
            sources.setdefault((zcta, state, district_code(state, number)), ZCCD_FIX_SOURCE)
    per_zip = Counter(zcta for zcta, _state, _district in sources)
    # zccd has no shares: every listed district is equally possible, so share/rank stay "".
    return [
        {"zip": zcta, "state": state, "district_id": district, "share": "", "rank": "",
         "n_districts": str(per_zip[zcta]), "congress": str(ZCCD_CONGRESS), "note": "",
         "source": source, "source_date": ZCCD_DATE}
        for (zcta, state, district), source in sorted(sources.items())
    ]  # fmt: skip


def _zccd_pair(row: dict[str, str], where: str) -> tuple[str, str, str]:
    """Return (zip, state, district id) of one zccd.csv row."""
    state, cd = row["state_abbr"], row["cd"]
    if state not in STATES or STATES[state][0] != row["state_fips"]:
        raise ValueError(f"{where}: unknown state {state!r}/{row['state_fips']!r}")
    if not re.fullmatch(r"[0-9]{5}", row["zcta"] or "") or not (cd or "").isdigit():
        raise ValueError(f"{where}: bad ZCTA {row['zcta']!r} or district {cd!r}")
    return row["zcta"], state, district_code(state, int(cd))


def visit_url(text: str) -> str:
    """Return the contact form URL of a contact-congress file, or "" for a placeholder."""
    match = _VISIT_RE.search(text)
    if not match:
        return ""
    url = match.group(1).strip("\"'").strip()
    parts = urlsplit(url)
    host = parts.hostname or ""
    official = any(host == h or host.endswith("." + h) for h in OFFICIAL_HOSTS)
    return url if parts.scheme in ("http", "https") and official else ""


def read_contact_forms(folder: Path, people: list[dict[str, Any]]) -> dict[str, Contact]:
    """Return the contact-congress form URL of each legislator that has a real one."""
    found = {}
    for person in people:
        bioguide = person["id"]["bioguide"]
        path = folder / f"{bioguide}.yaml"
        url = visit_url(path.read_text(encoding="utf-8")) if path.is_file() else ""
        if url:
            found[bioguide] = Contact(url, CONTACT_SOURCE, CONTACT_CONGRESS_DATE)
    return found
