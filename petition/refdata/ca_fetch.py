"""Canada's riding and MP records, shared by the snapshot build (`ca`), and the refresh.

The refresh reads the official formats: Open North's Represent House of Commons JSON
(paged, with `meta.next`) and the OCD federal electoral districts CSV. Riding names are
only compared after `fold_name`, because sources spell the same riding with different
apostrophes, ligatures, dashes, accents and spaces.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urljoin, urlparse

from petition.refdata.http import HttpClient
from petition.refdata.schema import CountryData

OFFICIAL_URLS: dict[str, str] = {
    "represent_mps": "https://represent.opennorth.ca/representatives/house-of-commons/?limit=1000",
    "ocd_ridings": "https://raw.githubusercontent.com/opencivicdata/ocd-division-ids/master/"
    "identifiers/country-ca/ca_federal_electoral_districts-2023.csv",
}
BODY = "ca-commons"
POSTAL_TABLE = "postal_ca.csv"
# Province or territory of a riding, from the first two digits of its FED code.
PROVINCE_BY_PREFIX = {
    "10": "NL", "11": "PE", "12": "NS", "13": "NB", "24": "QC", "35": "ON", "46": "MB",
    "47": "SK", "48": "AB", "59": "BC", "60": "YT", "61": "NT", "62": "NU",
}  # fmt: skip
# Every MP's Hill office has this postal address (Represent's legislature office).
HILL_ADDRESS = "House of Commons; Ottawa ON  K1A 0A6"
OCD_ID = re.compile(r"ocd-division/country:ca/ed:(\d{5})-2023")
FED_CODE = re.compile(r"\d{5}")
PERSON_ID_IN_URL = re.compile(r"\((\d+)\)")
APOSTROPHES = re.compile("[\u2018\u2019\u02bc\u00b4`]")
DASHES = re.compile("[\u2010-\u2015\u2212]")
# Party labels as the sources spell them (folded), mapped to one short label each.
PARTY_LABELS = {
    "liberal": "Liberal", "liberal party": "Liberal", "liberal party of canada": "Liberal",
    "conservative": "Conservative", "conservative party": "Conservative",
    "conservative party of canada": "Conservative",
    "bloc quebecois": "Bloc Québécois",
    "ndp": "NDP", "new democratic party": "NDP", "new democratic party (ndp)": "NDP",
    "green": "Green", "green party": "Green", "green party of canada": "Green",
}  # fmt: skip

OCD_NAME = "ocd-division-ids"
REPRESENT_NAME = "represent"
# Represent allows 60 requests a minute and 343 MPs fit on one page of 1000.
MAX_PAGES = 5
# The README line a refresh rewrites; the build writes it too.
REFRESH_MARK = "**Last refresh:**"
VACANT_NOTE = (
    "Represent listed no MP for this riding on {date}; the seat may be vacant. Check ourcommons.ca."
)


@dataclass(frozen=True)
class Source:
    """One source: its short name for the `source` column, its path or URL, its as-of date."""

    name: str
    path: str
    date: str


@dataclass(frozen=True)
class Riding:
    """A federal electoral district of the 2023 Representation Order."""

    fed: str
    name: str
    region: str
    source: Source


@dataclass(frozen=True)
class Member:
    """An MP as one source describes them; blanks are facts that source lacks."""

    fed: str
    name: str
    party: str = ""
    email: str = ""
    phone: str = ""
    person_id: str = ""
    website: str = ""
    photo_url: str = ""
    contact_url: str = ""
    address: str = HILL_ADDRESS
    stable_id: str = ""  # an earlier non-ourcommons id to keep when there is no PersonId
    note: str = ""
    sources: frozenset[str] = field(default_factory=frozenset)
    source_date: str = ""


# Facts an older record of the same person may fill in when the fresher one lacks them.
FILLABLE = (
    "party", "email", "phone", "person_id", "stable_id", "website", "photo_url", "contact_url",
)  # fmt: skip


def fold_name(text: str) -> str:
    """Return a name folded for matching: no accents, one apostrophe, one dash, no case."""
    text = text.casefold().replace("œ", "oe").replace("æ", "ae")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = DASHES.sub("-", APOSTROPHES.sub("'", text))
    text = re.sub(r"\s*-\s*", "-", text)
    return re.sub(r"\s+", " ", text).strip()


def slug(text: str) -> str:
    """Return a lower-case ASCII slug of a name, for ids."""
    return re.sub(r"[^a-z0-9]+", "-", fold_name(text)).strip("-")


def normalize_party(label: str) -> str:
    """Return the short party label; labels we do not know are kept as given."""
    label = " ".join(label.split())
    return PARTY_LABELS.get(fold_name(label), label)


def same_person(one: Member, other: Member) -> bool:
    """Tell whether two records describe the same MP: same folded name or same email."""
    if fold_name(one.name) == fold_name(other.name):
        return True
    return bool(one.email) and one.email.casefold() == other.email.casefold()


def fill_blanks(fresh: Member, older: Member) -> Member:
    """Fill the fresh record's blank facts from an older record of the same person."""
    filled = {f: getattr(older, f) for f in FILLABLE if not getattr(fresh, f) and getattr(older, f)}
    if not filled:
        return fresh
    stamp = min(fresh.source_date, older.source_date)
    return replace(fresh, **filled, sources=fresh.sources | older.sources, source_date=stamp)


def member_id(member: Member) -> str:
    """Return the MP's stable id: the ourcommons PersonId, else an id from seat and name."""
    if member.person_id:
        return f"ourcommons:{member.person_id}"
    return member.stable_id or f"represent:{member.fed}-{slug(member.name)}"


def person_id_from_url(url: str) -> str:
    """Return the PersonId in an ourcommons profile URL such as `.../paul-connors(122369)`."""
    match = PERSON_ID_IN_URL.search(url) if "ourcommons.ca" in url else None
    return match.group(1) if match else ""


def csv_rows(text: str, required: tuple[str, ...], where: str) -> list[dict[str, str]]:
    """Parse CSV text, insisting on the required columns and on complete rows."""
    reader = csv.DictReader(io.StringIO(text))
    missing = set(required) - set(reader.fieldnames or ())
    if missing:
        raise ValueError(f"{where}: missing columns {sorted(missing)}")
    rows = list(reader)
    for line, row in enumerate(rows, start=2):
        if None in row or None in row.values():
            raise ValueError(f"{where} line {line}: wrong number of fields (truncated file?)")
    return rows


def json_fields(record: Any, names: tuple[str, ...], where: str) -> list[str]:
    """Return the named non-empty string fields of a JSON object, or raise ValueError."""
    if not isinstance(record, dict):
        raise ValueError(f"{where}: expected an object, got {type(record).__name__}")
    values = [record.get(name) for name in names]
    if not all(isinstance(v, str) and v.strip() for v in values):
        raise ValueError(f"{where}: missing one of {names}")
    return [str(v).strip() for v in values]


def text_field(record: dict[str, Any], name: str) -> str:
    """Return an optional string field of a JSON object, stripped ("" when absent or null)."""
    value = record.get(name)
    return value.strip() if isinstance(value, str) else ""


def parse_ridings(text: str, source: Source) -> dict[str, Riding]:
    """Parse the OCD federal electoral districts CSV into ridings keyed by FED code."""
    ridings: dict[str, Riding] = {}
    for line, row in enumerate(csv_rows(text, ("id", "name"), source.name), start=2):
        match = OCD_ID.fullmatch(row["id"].strip())
        name = clean_name(row["name"])
        if not match or not name or match.group(1)[:2] not in PROVINCE_BY_PREFIX:
            raise ValueError(f"{source.name} line {line}: bad riding row {row}")
        fed = match.group(1)
        if fed in ridings:
            raise ValueError(f"{source.name} line {line}: FED code {fed} listed twice")
        ridings[fed] = Riding(fed, name, PROVINCE_BY_PREFIX[fed[:2]], source)
    if not ridings:
        raise ValueError(f"{source.name}: no ridings")
    return ridings


def clean_name(name: str) -> str:
    """Return a riding name without stray spaces (24020 has one after an em dash)."""
    return re.sub(r"\s*—\s*", "—", " ".join(name.split()))


def index_by_name(ridings: dict[str, Riding]) -> dict[str, str]:
    """Map each folded riding name to its FED code."""
    index: dict[str, str] = {}
    for riding in ridings.values():
        key = fold_name(riding.name)
        if key in index:
            raise ValueError(f"ridings {index[key]} and {riding.fed} have the same folded name")
        index[key] = riding.fed
    return index


def seat_row(riding: Riding, member: Member | None, vacant_note: str) -> dict[str, str]:
    """Return the representatives row of one riding: its MP, or a vacancy."""
    base = {
        "country": "CA", "body": BODY, "region": riding.region, "district_id": riding.fed,
        "district_name": riding.name, "address_as": "MP", "group": "",
    }  # fmt: skip
    if member is None:
        return base | {
            "id": f"vacant:{BODY}:{riding.fed}", "name": "", "party": "", "email": "",
            "contact_url": "", "website": "", "phone": "", "address": "", "photo_url": "",
            "vacant": "1", "note": vacant_note, "source": riding.source.name,
            "source_date": riding.source.date,
        }  # fmt: skip
    return base | {
        "id": member_id(member), "name": member.name, "party": normalize_party(member.party),
        "email": member.email, "contact_url": member.contact_url, "website": member.website,
        "phone": member.phone, "address": member.address, "photo_url": member.photo_url,
        "vacant": "0", "note": member.note,
        "source": "+".join(sorted(member.sources | {riding.source.name})),
        "source_date": min(member.source_date, riding.source.date),
    }  # fmt: skip


def fetch(
    client: HttpClient, urls: dict[str, str], current: CountryData | None, today: str
) -> CountryData:
    """Refresh the MPs and ridings from the official endpoints; keep the FSA table.

    :raises FetchError: a download failed.
    :raises ValueError: no current data, or a download was malformed or incomplete.
    """
    if current is None or POSTAL_TABLE not in current.tables:
        raise ValueError(f"ca: no current {POSTAL_TABLE} to keep; run a build first")
    ocd_url = urls.get("ocd_ridings", OFFICIAL_URLS["ocd_ridings"])
    ridings = parse_ridings(client.get_text(ocd_url), Source(OCD_NAME, ocd_url, today))
    _check_same_ridings(ridings, current)
    records = fetch_represent(client, urls.get("represent_mps", OFFICIAL_URLS["represent_mps"]))
    members = carry_over(represent_members(records, ridings, today), current.representatives)
    note = VACANT_NOTE.format(date=today)
    reps = [seat_row(riding, members.get(fed), note) for fed, riding in ridings.items()]
    tables = {POSTAL_TABLE: current.tables[POSTAL_TABLE]}
    return CountryData(reps, tables, readme=refreshed_readme(current.readme, today))


def _check_same_ridings(ridings: dict[str, Riding], current: CountryData) -> None:
    """Refuse a riding list that differs from the current seats (truncated, or a new map)."""
    seats = {row["district_id"] for row in current.representatives if row["body"] == BODY}
    if set(ridings) != seats:
        lost, new = sorted(seats - set(ridings)), sorted(set(ridings) - seats)
        raise ValueError(
            f"ocd_ridings: {len(ridings)} ridings against {len(seats)} current seats "
            f"(missing {lost[:5]}, new {new[:5]}): a truncated download, or a new "
            "Representation Order that needs a rebuild"
        )


def fetch_represent(client: HttpClient, url: str) -> list[dict[str, Any]]:
    """Download every page of Represent's House of Commons representatives."""
    records: list[dict[str, Any]] = []
    page_url, total = url, None
    for _page in range(MAX_PAGES):
        page = client.get_json(page_url)
        if not isinstance(page, dict) or not isinstance(page.get("objects"), list):
            raise ValueError(f"{page_url}: expected an object with an 'objects' list")
        meta = page.get("meta")
        meta = meta if isinstance(meta, dict) else {}
        records += page["objects"]
        total, next_path = meta.get("total_count"), meta.get("next")
        if not next_path:
            break
        page_url = urljoin(page_url, str(next_path))
    else:
        raise ValueError(f"{url}: more than {MAX_PAGES} pages")
    if isinstance(total, int) and total != len(records):
        raise ValueError(f"{url}: got {len(records)} representatives, meta says {total}")
    return records


def represent_members(
    records: list[dict[str, Any]], ridings: dict[str, Riding], today: str
) -> dict[str, Member]:
    """Turn Represent records into MPs keyed by FED code."""
    by_name = index_by_name(ridings)
    members: dict[str, Member] = {}
    for number, record in enumerate(records, start=1):
        where = f"{REPRESENT_NAME} record {number}"
        (name,) = json_fields(record, ("name",), where)
        fed = _record_fed(record, ridings, by_name, where)
        if fed in members:
            raise ValueError(f"{where}: a second MP for riding {fed}")
        phone, address = _hill_office(record.get("offices"))
        url = text_field(record, "url")
        members[fed] = Member(
            fed=fed, name=name, party=text_field(record, "party_name"),
            email=text_field(record, "email"), phone=phone, address=address,
            person_id=person_id_from_url(url), website=url,
            photo_url=text_field(record, "photo_url"),
            sources=frozenset({REPRESENT_NAME}), source_date=today,
        )  # fmt: skip
    return members


def _record_fed(
    record: dict[str, Any], ridings: dict[str, Riding], by_name: dict[str, str], where: str
) -> str:
    """Return a record's FED code: the boundary URL's last segment, else its district name."""
    related = record.get("related")
    boundary = text_field(related, "boundary_url") if isinstance(related, dict) else ""
    segments = [part for part in urlparse(boundary).path.split("/") if part]
    by_district = by_name.get(fold_name(text_field(record, "district_name")))
    fed = segments[-1] if segments else by_district
    if fed is None or not FED_CODE.fullmatch(fed) or fed not in ridings:
        raise ValueError(
            f"{where}: no known riding ({boundary!r}, {record.get('district_name')!r})"
        )
    if by_district is not None and by_district != fed:
        raise ValueError(f"{where}: boundary {fed} and district name {by_district} disagree")
    return fed


def _hill_office(offices: Any) -> tuple[str, str]:
    """Return the phone and address of the Hill (legislature) office, wherever it is listed."""
    for office in offices if isinstance(offices, list) else []:
        if isinstance(office, dict) and office.get("type") == "legislature":
            lines = [line.strip() for line in text_field(office, "postal").splitlines()]
            address = "; ".join(line for line in lines if line)
            return text_field(office, "tel"), address or HILL_ADDRESS
    return "", HILL_ADDRESS


def member_from_row(row: dict[str, str]) -> Member:
    """Read a current representatives row back as an MP record."""
    prefix, _, rest = row["id"].partition(":")
    return Member(
        fed=row["district_id"], name=row["name"], party=row["party"], email=row["email"],
        phone=row["phone"], person_id=rest if prefix == "ourcommons" else "",
        stable_id="" if prefix == "ourcommons" else row["id"], website=row["website"],
        photo_url=row["photo_url"], contact_url=row["contact_url"], address=row["address"],
        sources=frozenset(row["source"].split("+")), source_date=row["source_date"],
    )  # fmt: skip


def carry_over(fresh: dict[str, Member], rows: list[dict[str, str]]) -> dict[str, Member]:
    """Fill facts Represent lacks (PersonId, phone...) from the current row of the same MP."""
    current = {
        row["district_id"]: member_from_row(row)
        for row in rows
        if row["body"] == BODY and row["vacant"] != "1"
    }
    merged = {}
    for fed, member in fresh.items():
        old = current.get(fed)
        merged[fed] = fill_blanks(member, old) if old and same_person(member, old) else member
    return merged


def refreshed_readme(readme: str, today: str) -> str:
    """Return the README section with its last-refresh line rewritten for today."""
    line = (
        f"{REFRESH_MARK} {today}. MPs from Represent ({REPRESENT_NAME}) and the riding list "
        f"from the OCD CSV ({OCD_NAME}), both as of {today}; facts Represent lacks were carried "
        f"over from the previous rows of the same MP (see their `source`); {POSTAL_TABLE} is "
        "unchanged, as it has no official refresh source."
    )
    pattern = re.compile("^" + re.escape(REFRESH_MARK) + ".*$", re.MULTILINE)
    if pattern.search(readme):
        return pattern.sub(lambda _match: line, readme, count=1)
    return (readme.strip() or "## Canada (House of Commons)") + "\n\n" + line + "\n"
