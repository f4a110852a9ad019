"""Canada: the 343 House of Commons seats and the FSA-to-riding table.

`build` reads the source snapshots under `<sources>/ca/`, `fetch` refreshes the MPs and
the riding list from the official endpoints (see `ca_fetch`, which also holds the riding
and MP records both share), and `check` counts seats and FSAs and lists the holes.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path

from petition.refdata.ca_fetch import (
    BODY,
    OFFICIAL_URLS,
    POSTAL_TABLE,
    PROVINCE_BY_PREFIX,
    REFRESH_MARK,
    Member,
    Riding,
    Source,
    csv_rows,
    fetch,
    fill_blanks,
    fold_name,
    index_by_name,
    json_fields,
    parse_ridings,
    person_id_from_url,
    same_person,
    seat_row,
    text_field,
)
from petition.refdata.schema import CheckResult, CountryData, Table

__all__ = ["OFFICIAL_URLS", "SOURCE_DIR", "build", "check", "fetch"]

SOURCE_DIR = "ca"
POSTAL_COLUMNS = (
    "fsa", "province", "fed_code", "share", "rank", "is_primary", "n_ridings", "basis",
    "source", "source_date",
)  # fmt: skip
# Ridings per province in the 2023 Representation Order (343 in all).
EXPECTED_RIDINGS = {
    "ON": 122, "QC": 78, "BC": 43, "AB": 37, "MB": 14, "SK": 14, "NS": 11, "NB": 10,
    "NL": 7, "PE": 4, "YT": 1, "NT": 1, "NU": 1,
}  # fmt: skip
# Nunavut's FSAs, missing from older FSA tables: the check insists on them.
NUNAVUT_FSAS = ("X0A", "X0B", "X0C")
FSA = re.compile(r"[A-Z]\d[A-Z]")

OCD = Source(
    "ocd-division-ids", "ocd-division-ids/ca_federal_electoral_districts-2023.csv", "2026-03-19"
)
HILL = Source("mp-hill-phones", "mp-hill-phones/mp_hill_phones_2026-08.csv", "2026-08-06")
LETTER = Source("letter-tool-mp-data", "letter-tool/mp-data.json", "2026-01-22")
OVERLAP = Source("fsa-fed2023-overlap", "derived/fsa_fed2023_overlap.csv", "2026-11-25")
CENTROID = Source(
    "fsa-fed2023-centroid-only", "derived/fsa_fed2023_centroid_only.csv", "2026-11-25"
)

STALE_NOTE = (
    "This MP comes from our January 2026 list; our August 2026 list has no MP for this "
    "riding, so the seat may have changed hands or be vacant. Check ourcommons.ca before writing."
)
NO_MP_NOTE = (
    "None of our sources lists an MP for this riding (newest list: {date}); the seat may be "
    "vacant. Check ourcommons.ca."
)


def _read_text(sources: Path, source: Source) -> str:
    return (sources / SOURCE_DIR / source.path).read_text(encoding="utf-8-sig")


def hill_members(text: str, ridings: dict[str, Riding]) -> dict[str, Member]:
    """Parse the August 2026 extract (FED code, PersonId, Hill phone) into MPs by FED code."""
    cols = ("fed_code", "riding_name", "mp_name", "party", "email", "hill_phone",
            "ourcommons_person_id", "ourcommons_url", "photo_url")  # fmt: skip
    members: dict[str, Member] = {}
    for line, row in enumerate(csv_rows(text, cols, HILL.name), start=2):
        fed, where = row["fed_code"].strip(), f"{HILL.name} line {line}"
        riding = ridings.get(fed)
        if riding is None or fold_name(row["riding_name"]) != fold_name(riding.name):
            raise ValueError(f"{where}: FED {fed} '{row['riding_name']}' is not in the riding list")
        if fed in members or not row["mp_name"].strip():
            raise ValueError(f"{where}: riding {fed} listed twice, or an MP without a name")
        url = row["ourcommons_url"].strip()
        members[fed] = Member(
            fed=fed, name=row["mp_name"].strip(), party=row["party"].strip(),
            email=row["email"].strip(), phone=row["hill_phone"].strip(),
            person_id=row["ourcommons_person_id"].strip() or person_id_from_url(url),
            website=url, photo_url=row["photo_url"].strip(),
            sources=frozenset({HILL.name}), source_date=HILL.date,
        )  # fmt: skip
    return members


def letter_members(text: str, ridings: dict[str, Riding]) -> dict[str, Member]:
    """Parse the January 2026 letter-tool MPs, joined on the riding NAME (never `ridingId`)."""
    by_name = index_by_name(ridings)
    records = json.loads(text)
    if not isinstance(records, list):
        raise ValueError(f"{LETTER.name}: expected a JSON array of MPs")
    members: dict[str, Member] = {}
    for number, record in enumerate(records, start=1):
        name, riding_name = json_fields(record, ("name", "ridingName"), f"{LETTER.name} #{number}")
        fed = by_name.get(fold_name(riding_name))
        if fed is None or fed in members:
            raise ValueError(f"{LETTER.name} #{number}: unknown or repeated riding '{riding_name}'")
        members[fed] = Member(
            fed=fed, name=name, party=text_field(record, "party"),
            email=text_field(record, "email"), photo_url=text_field(record, "imageUrl"),
            sources=frozenset({LETTER.name}), source_date=LETTER.date,
        )  # fmt: skip
    return members


def choose_members(
    ridings: dict[str, Riding], fresh: dict[str, Member], older: dict[str, Member]
) -> dict[str, Member]:
    """Take each riding's MP from the fresher file, filling blanks from the older one."""
    chosen: dict[str, Member] = {}
    for fed in ridings:
        new, old = fresh.get(fed), older.get(fed)
        if new is not None:
            chosen[fed] = fill_blanks(new, old) if old and same_person(new, old) else new
        elif old is not None:
            # Kept, not dropped: an MP listed in January is likelier right than a blank.
            chosen[fed] = replace(old, note=STALE_NOTE)
    return chosen


def postal_table(sources: Path, ridings: dict[str, Riding]) -> Table:
    """Build postal_ca.csv from the area-overlap rows plus the point-only FSAs."""
    cols = ("fsa", "fed_code", "share", "fed_name", "province", "rank", "n_ridings", "is_primary")
    rows: list[dict[str, str]] = []
    for line, row in enumerate(csv_rows(_read_text(sources, OVERLAP), cols, OVERLAP.name), 2):
        _check_fsa_riding(row, ridings, f"{OVERLAP.name} line {line}")
        rows.append(_postal_row(row, OVERLAP, "area"))
    area_fsas = {row["fsa"] for row in rows}
    point_cols = ("fsa", "fed_code", "fed_name", "province")
    point_rows = csv_rows(_read_text(sources, CENTROID), point_cols, CENTROID.name)
    for line, row in enumerate(point_rows, start=2):
        _check_fsa_riding(row, ridings, f"{CENTROID.name} line {line}")
        if row["fsa"].strip().upper() in area_fsas:
            raise ValueError(f"{CENTROID.name} line {line}: {row['fsa']} also has area rows")
        point = {"share": "", "rank": "1", "is_primary": "1", "n_ridings": "1"}
        rows.append(_postal_row(row | point, CENTROID, "point"))
    return Table(header=POSTAL_COLUMNS, rows=rows)


def _check_fsa_riding(row: dict[str, str], ridings: dict[str, Riding], where: str) -> None:
    """Refuse a postal row whose FED code is unknown or names another riding."""
    riding = ridings.get(row["fed_code"].strip())
    if riding is None or fold_name(row["fed_name"]) != fold_name(riding.name):
        raise ValueError(f"{where}: FED {row['fed_code']} '{row['fed_name']}' is not a riding")
    if not FSA.fullmatch(row["fsa"].strip().upper()):
        raise ValueError(f"{where}: '{row['fsa']}' is not an FSA")


def _postal_row(row: dict[str, str], source: Source, basis: str) -> dict[str, str]:
    keep = ("share", "rank", "is_primary", "n_ridings")
    return {k: row[k].strip() for k in keep} | {
        "fsa": row["fsa"].strip().upper(), "province": row["province"].strip().upper(),
        "fed_code": row["fed_code"].strip(), "basis": basis, "source": source.name,
        "source_date": source.date,
    }  # fmt: skip


def build(sources: Path) -> CountryData:
    """Build the Canadian seats and postal table from the source snapshots."""
    ridings = parse_ridings(_read_text(sources, OCD), OCD)
    fresh = hill_members(_read_text(sources, HILL), ridings)
    older = letter_members(_read_text(sources, LETTER), ridings)
    members = choose_members(ridings, fresh, older)
    vacant_note = NO_MP_NOTE.format(date=HILL.date)
    reps = [seat_row(riding, members.get(fed), vacant_note) for fed, riding in ridings.items()]
    tables = {POSTAL_TABLE: postal_table(sources, ridings)}
    return CountryData(representatives=reps, tables=tables, readme=readme_section())


def check(data: CountryData) -> CheckResult:
    """Count seats and FSAs, and list every hole in the Canadian coverage."""
    seats = [row for row in data.representatives if row.get("body") == BODY]
    holes = _seat_holes(seats)
    table = data.tables.get(POSTAL_TABLE)
    postal = table.rows if table else []
    if table is None:
        holes.append(f"The table {POSTAL_TABLE} is missing.")
    holes += _postal_holes(postal, {row["district_id"] for row in seats})
    by_fsa = Counter(row["fsa"] for row in postal)
    counts = {
        "ca_commons_seats": len({row["district_id"] for row in seats}),
        "ca_mps": sum(row["vacant"] != "1" for row in seats),
        "ca_vacant_seats": sum(row["vacant"] == "1" for row in seats),
        "ca_seats_with_note": sum(bool(row["note"]) for row in seats),
        "ca_fsas": len(by_fsa),
        "ca_multi_riding_fsas": sum(n > 1 for n in by_fsa.values()),
        "ca_point_only_fsas": len({row["fsa"] for row in postal if row["basis"] == "point"}),
    }
    return CheckResult(counts=counts, holes=holes)


def _seat_holes(seats: list[dict[str, str]]) -> list[str]:
    """Return the holes among the seat rows: totals, duplicates, regions, contact channels."""
    holes = []
    per_district = Counter(row["district_id"] for row in seats)
    holes += [f"Riding {d} has {n} seat rows, not 1." for d, n in per_district.items() if n > 1]
    total = sum(EXPECTED_RIDINGS.values())
    if len(per_district) != total:
        holes.append(f"There are {len(per_district)} ridings with a seat row, not {total}.")
    per_region = Counter(PROVINCE_BY_PREFIX.get(d[:2], "?") for d in per_district)
    for region in sorted(set(EXPECTED_RIDINGS) | set(per_region)):
        found, expected = per_region.get(region, 0), EXPECTED_RIDINGS.get(region, 0)
        if found != expected:
            holes.append(f"{region} has {found} ridings with a seat row, not {expected}.")
    for row in seats:
        if row["region"] != PROVINCE_BY_PREFIX.get(row["district_id"][:2]):
            holes.append(f"Riding {row['district_id']} has region '{row['region']}'.")
        channels = row["email"] or row["contact_url"] or row["website"]
        if row["vacant"] != "1" and not channels:
            holes.append(f"MP {row['name']} ({row['district_id']}) has no way to be contacted.")
    return holes


def _postal_holes(postal: list[dict[str, str]], seats: set[str]) -> list[str]:
    """Return the holes in the FSA table: orphan rows, primaries, provinces, Nunavut."""
    holes = []
    primaries: defaultdict[str, int] = defaultdict(int)
    for row in postal:
        primaries[row["fsa"]] += row["is_primary"] == "1"
        fed = row["fed_code"]
        if fed not in seats:
            holes.append(f"FSA {row['fsa']} points at riding {fed}, which has no seat row.")
        elif PROVINCE_BY_PREFIX.get(fed[:2]) != row["province"]:
            holes.append(f"FSA {row['fsa']} ({row['province']}) points at riding {fed}.")
    holes += [
        f"FSA {fsa} has {n} primary ridings, not 1." for fsa, n in primaries.items() if n != 1
    ]
    holes += [f"Nunavut FSA {fsa} is missing." for fsa in NUNAVUT_FSAS if fsa not in primaries]
    return holes


def readme_section() -> str:
    """Return Canada's section of data/README.md: sources, derivation, gaps."""
    return README.format(
        refresh=f"{REFRESH_MARK} none; every row comes from the snapshots below.",
        ocd=OCD, hill=HILL, letter=LETTER, overlap=OVERLAP, centroid=CENTROID, stale=STALE_NOTE,
    )  # fmt: skip


README = """\
## Canada (House of Commons)

{refresh}

### representatives.csv, Canadian rows (`body` = `ca-commons`)

One row per riding of the 2023 Representation Order (343, the map of the 2025 election):
its MP, or a vacancy (`vacant:ca-commons:<FED>`). Sources, by short name in `source`:

- `{ocd.name}`, as of {ocd.date} (snapshot commit; file unchanged since 2025-03-27):
  opencivicdata/ocd-division-ids `identifiers/country-ca/ca_federal_electoral_districts-2023.csv`,
  CC0 1.0 (names from Elections Canada, Open Government Licence – Canada). The riding list:
  FED code and English name.
- `{hill.name}`, as of {hill.date}: our extract of the 342 MP rows of vmn2k4/srinath_choseno
  `scripts/office-holders-data.csv` (no licence file), itself pulled from Open North's
  Represent, which scrapes ourcommons.ca (their terms apply). FED code, name, party, email,
  Hill office phone, ourcommons PersonId, profile URL, photo. The main MP source.
- `{letter.name}`, as of {letter.date}: KhademOHAli1/letter-tool `src/lib/data/ca/mp-data.json`
  (MIT; data from Represent). Used only to fill blanks of the same MP (same name, or same
  email compared case-insensitively) and for the one riding missing from `{hill.name}`.

Derived: `id` = `ourcommons:<PersonId>`; an MP with no PersonId in any source gets
`represent:<FED>-<name slug>`. `district_id` = FED code, `district_name` = English name,
`region` = province from the FED code's first two digits. `party` is normalised to Liberal,
Conservative, Bloc Québécois, NDP and Green (the August file writes "Liberal Party",
"New Democratic Party (NDP)", "Green Party"; other labels, such as Independent, are kept).
`email` as published (its case varies, e.g. `Chris.dEntremont@…`). `phone` = Hill office
phone. `address` = "House of Commons; Ottawa ON  K1A 0A6", the same for every MP.
`website` = ourcommons profile. `contact_url` is empty: no source gives a contact form.
`source_date` is the oldest source of the row, so most rows show {ocd.date} (the riding list).

Known defects and what we did:

- `mp-data.json`'s `ridingId` is wrong for 288 MPs (placeholders and 2013 codes): never read;
  its MPs are joined on the riding name. All names are matched after folding accents,
  apostrophes (' and ’), œ/oe, dashes and spaces; the stray space after a dash in 24020's
  name is also removed from `district_name`.
- 24077 Ville-Marie—Le Sud-Ouest—Île-des-Sœurs has no row in the August 2026 file, while the
  January 2026 file has an MP. We found no evidence either way, so we keep the January MP
  (`source_date` {letter.date}, no PersonId, so no profile URL or phone) with this note
  shown to users: "{stale}"
- The August file has no Hill phone for one MP (Nepean): `phone` is empty. No source has
  constituency offices. The August file took the first office Represent listed, which is the
  Hill office in every record we saw (all numbers start 1 613), but that is not verified.
- A few photo URLs point at the 44th Parliament folder (`/44/`): kept as published.
- `mp-data.json` has no province for 110 MPs: `region` comes from the FED code instead.

### postal_ca.csv

Columns: `fsa, province, fed_code, share, rank, is_primary, n_ridings, basis, source,
source_date`. Every riding an FSA touches, with its area share. Sources:

- `{overlap.name}` (`basis` = `area`), built {overlap.date}: our intersection of the 2023
  riding polygons (Elections Canada via Represent, OGL – Canada; copied from
  gchang250/egg-fried-rice-index, no licence file) with Statistics Canada's 2016 FSA polygons
  (via UBC-CIC/census-explorer, MIT; Statistics Canada Open Licence). `share` = area of
  FSA ∩ riding ÷ area of the FSA; rows under 0.5 % dropped; `is_primary` = the riding holding
  the FSA's reference point when it overlaps by ≥ 1 km², else the largest share.
- `{centroid.name}` (`basis` = `point`), built {centroid.date}: 24 FSAs with no 2016 polygon
  (K1A, M5K, H5A, V7X…), each given the riding holding one reference point (`share` empty,
  `rank`, `is_primary` and `n_ridings` 1). Low confidence.

The reference points come from `countrystatecity-postal-codes` 2.0.1 (ODbL 1.0, data from
dr5hn/countries-states-cities-database): this table is an adapted database under ODbL.

How to use it: offer every riding listed for the FSA and preselect `is_primary`; never pick by
`share` alone (downtown FSAs have large rural pieces, e.g. T2P is 99.5 % Bow River by area but
primary Calgary Centre). Treat a `point` row as a hint only: the lookup shows its riding with
a note saying so, and a full postal code settled online (Open North's Represent) overrides it;
an FSA with no row gets the ridings of the FSAs sharing its first two characters, never a
whole province. Gaps: shares are by area, not population; 2016 FSA shapes against
2023 ridings; H0H has no row; letter-tool's `postal-code-riding.json` (one riding per FSA,
wrong for at least 40 FSAs, no Nunavut) is not used. There is no official source to refresh
this table from, so a refresh keeps it unchanged.

### Refresh

MPs come from Represent's House of Commons JSON (`offices[]` type `legislature` gives phone and
address; `related.boundary_url` ends with the FED code) and ridings from the OCD CSV. The
PersonId is read from Represent's ourcommons profile `url`; when it is absent it is carried
over from the current row of the same MP (same FED code and name or email), as are other facts
Represent lacks. A new MP with no PersonId gets `represent:<FED>-<name slug>`, which stays
stable until the PersonId is known. A riding list that differs from the current seats is
refused.
"""
