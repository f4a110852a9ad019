"""EU reference data: build from the source snapshots, refresh from the EP, coverage checks."""

from __future__ import annotations

import functools
import shutil
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from petition.refdata import eu, eu_fetch, eu_regions
from petition.refdata.eu_regions import (
    CONSTITUENCY_HEADER,
    POSTAL_HEADER,
    SEATS,
    blank_row,
)
from petition.refdata.http import FetchError, HttpClient
from petition.refdata.schema import REPRESENTATIVE_COLUMNS, CountryData, Table, render_csv

FIXTURES = Path(__file__).parent / "fixtures" / "refdata"
TODAY = "2026-11-30"
STALL_SECONDS = 3


@pytest.fixture(scope="module")
def built() -> CountryData:
    return eu.build(FIXTURES)


def rep(data: CountryData, rep_id: str) -> dict[str, str]:
    return next(r for r in data.representatives if r["id"] == rep_id)


def postal(data: CountryData, country: str, kind: str, key: str) -> dict[str, str]:
    rows = data.tables["postal_eu.csv"].rows
    return next(r for r in rows if (r["country"], r["kind"], r["key"]) == (country, kind, key))


# --- build -------------------------------------------------------------------------------


def test_build_mep_row(built: CountryData) -> None:
    assert rep(built, "ep:900001") == {
        "id": "ep:900001",
        "country": "AT",
        "body": "eu-parliament",
        "region": "AT",
        "district_id": "",
        "district_name": "",
        "name": "Testy McTestface",  # not the upper-case full_name
        "address_as": "MEP",
        "party": "Testpartei Österreich",
        "group": "EPP",
        "email": "testy.mctestface@europarl.europa.eu",
        "contact_url": "",
        "website": "https://www.europarl.europa.eu/meps/en/900001",
        "phone": "+3222800001",  # Brussels before Strasbourg
        # The Parliament's postal address, with the office code the source gives.
        "address": "European Parliament; Office 01A001; Rue Wiertz / Wiertzstraat 60; "
        "1047 Brussels; Belgium",
        "photo_url": "https://www.europarl.europa.eu/mepphoto/900001.jpg",
        "vacant": "0",
        "note": "",
        "source": "ep-opendata-2025-07+ep-fulllist",
        "source_date": "2025-07-11",
    }


def test_build_every_row_has_every_column_as_str(built: CountryData) -> None:
    for row in built.representatives:
        assert tuple(row) == REPRESENTATIVE_COLUMNS
        assert all(isinstance(value, str) for value in row.values())


def test_build_one_row_per_seat(built: CountryData) -> None:
    assert Counter(r["country"] for r in built.representatives) == Counter(SEATS)
    assert len(built.representatives) == 720


def test_build_strasbourg_phone_when_no_brussels_one(built: CountryData) -> None:
    assert rep(built, "ep:900008")["phone"] == "+33388100008"
    assert rep(built, "ep:900004")["phone"] == ""


def test_build_first_email_only_never_built_from_name(built: CountryData) -> None:
    # Defect: 12 MEPs have two addresses; the name pattern would give a third, wrong one.
    assert rep(built, "ep:900002")["email"] == "aoife.exampleog@europarl.europa.eu"


def test_build_email_from_howtheyvote_is_marked(built: CountryData) -> None:
    row = rep(built, "ep:900007")
    assert row["email"] == "petr.zkouska@europarl.europa.eu"
    assert row["source"] == "ep-opendata-2025-07+ep-fulllist+howtheyvote+wheresmymep"
    assert row["note"].startswith(eu.HOWTHEYVOTE_NOTE)


def test_build_group_switch_uses_fresher_full_list(built: CountryData) -> None:
    row = rep(built, "ep:900008")
    assert row["group"] == "NI"
    assert row["note"] == (
        "EP group changed from ESN to NI after July 2025 (EP full list, October 2025)."
    )


def test_build_mep_missing_from_full_list_is_noted(built: CountryData) -> None:
    row = rep(built, "ep:900009")
    assert row["group"] == "Greens/EFA"
    assert row["source"] == "ep-opendata-2025-07"
    assert row["note"] == eu.LEFT_NOTE


def test_build_unfilled_spanish_seat_is_a_vacant_row(built: CountryData) -> None:
    row = rep(built, "vacant:eu-parliament:ES-61")
    assert (row["vacant"], row["name"], row["email"], row["country"]) == ("1", "", "", "ES")
    assert row["note"] == (
        "Spain has 61 seats but the European Parliament lists only 1 MEPs: "
        "this seat has not been taken up."
    )
    assert not any(r["id"] == "vacant:eu-parliament:ES-1" for r in built.representatives)


def test_build_later_list_newcomer_is_not_invented(built: CountryData) -> None:
    # Defect: wheresmymep has blank and shared ids and an MEP the EP lists lack (Knot).
    assert not any("900099" in r["id"] for r in built.representatives)
    assert "Nový Člen (900099)" in rep(built, "ep:900007")["note"]
    assert "Nový Člen (900099)" in built.readme
    # Jana Testowa shares 900005 with Mario Prova; a shared id is not a newcomer.
    assert rep(built, "ep:900005")["note"] == eu_regions.UNKNOWN_CONSTITUENCY_NOTES["IT"]
    assert "wheresmymep" not in rep(built, "ep:900005")["source"]


def test_build_ireland_and_belgium_constituencies(built: CountryData) -> None:
    ie = rep(built, "ep:900002")
    assert (ie["district_id"], ie["district_name"], ie["note"]) == ("IE-dublin", "Dublin", "")
    assert ie["source"] == "ep-opendata-2025-07+ep-fulllist+constituencies-10th-term"
    assert ie["source_date"] == "2024-06-09"
    be = rep(built, "ep:900003")
    assert (be["district_id"], be["district_name"]) == ("BE-NL", "Dutch-language electoral college")


def test_build_pvda_college_is_a_noted_assumption(built: CountryData) -> None:
    row = rep(built, "ep:900004")
    assert row["district_id"] == "BE-FR"
    assert row["note"] == eu_regions.ASSUMED_COLLEGE_NOTE


def test_build_italy_poland_constituency_unknown(built: CountryData) -> None:
    for rep_id, country in (("ep:900005", "IT"), ("ep:900006", "PL")):
        row = rep(built, rep_id)
        assert (row["district_id"], row["district_name"]) == ("", "")
        assert row["note"] == eu_regions.UNKNOWN_CONSTITUENCY_NOTES[country]
    assert rep(built, "ep:900001")["note"] == ""  # no constituencies: no note


def test_build_constituency_table(built: CountryData) -> None:
    table = built.tables["eu_constituencies.csv"]
    assert table.header == CONSTITUENCY_HEADER
    seats = {r["constituency_id"]: r["seats"] for r in table.rows}
    assert seats == {
        "IE-dublin": "4",
        "IE-midlands-north-west": "5",
        "IE-south": "5",
        "BE-NL": "13",
        "BE-FR": "8",
        "BE-DE": "1",
        "IT-centrale": "",
        "IT-insulare": "",
        "IT-nord-occidentale": "20",
        "PL-01": "",
        "PL-04": "",
        "PL-05": "",
    }
    pl = next(r for r in table.rows if r["constituency_id"] == "PL-01")
    assert pl["name"] == "Okręg nr 1: województwo pomorskie"
    assert pl["note"] == eu_regions.PL_SEATS_NOTE


def test_build_ireland_counties_and_dublin_routing_keys(built: CountryData) -> None:
    # Defect: no Eircode data; Dublin districts are fixed, other Eircodes need the county.
    galway = postal(built, "IE", "county", "Galway")
    assert (galway["constituency_id"], galway["note"]) == (
        "IE-midlands-north-west",
        "incl. Galway City",
    )
    keys = [r["key"] for r in built.tables["postal_eu.csv"].rows if r["kind"] == "routing_key"]
    assert len(keys) == 22 and {"D01", "D24", "D6W"} <= set(keys) and "D19" not in keys
    assert postal(built, "IE", "routing_key", "D6W")["constituency_id"] == "IE-dublin"


def test_build_belgian_postcodes_keep_caveats(built: CountryData) -> None:
    brussels = postal(built, "BE", "postcode", "1000")
    assert brussels["constituency_id"] == "BE-FR|BE-NL"
    assert "voter chooses" in brussels["note"]
    facility = postal(built, "BE", "postcode", "1620")
    assert (facility["constituency_id"], facility["note"]) == (
        "BE-NL",
        "facility municipality: voters reportedly may also choose the French college (unverified)",
    )
    german = postal(built, "BE", "postcode", "4700")
    assert german["constituency_id"] == "BE-DE"
    assert "4700-4791 are our mapping" in german["note"]
    assert postal(built, "BE", "postcode", "3790")["note"] == eu_regions.SPECIAL_BE_NOTE
    assert postal(built, "BE", "postcode", "2000")["note"] == ""


def test_build_italy_aosta_joined_on_countrystatecity_code(built: CountryData) -> None:
    # Defect: the postcode package writes Valle d'Aosta as "23", ISTAT as "AO".
    assert postal(built, "IT", "postcode", "11100")["constituency_id"] == "IT-nord-occidentale"
    assert postal(built, "IT", "province", "AO")["constituency_id"] == "IT-nord-occidentale"
    assert postal(built, "IT", "postcode", "00118")["source_date"] == "2020-01-01"


def test_build_sardinia_province_caveat(built: CountryData) -> None:
    row = postal(built, "IT", "province", "CA")
    assert (row["constituency_id"], row["note"]) == ("IT-insulare", eu_regions.SARDINIA_NOTE)


def test_build_masovia_by_locality_else_both(built: CountryData) -> None:
    # Defect: the voivodeship cannot decide between okręg 4 and 5 in Masovia.
    assert postal(built, "PL", "postcode", "00-001")["constituency_id"] == "PL-04"
    assert postal(built, "PL", "postcode", "05-077")["constituency_id"] == "PL-04"
    assert postal(built, "PL", "postcode", "26-600")["constituency_id"] == "PL-05"
    village = postal(built, "PL", "postcode", "05-500")
    assert (village["constituency_id"], village["note"]) == (
        "PL-04|PL-05",
        eu_regions.MASOVIA_NOTE,
    )
    assert postal(built, "PL", "postcode", "80-001")["constituency_id"] == "PL-01"
    assert postal(built, "PL", "postcode", "80-001")["note"] == ""


def test_build_readme(built: CountryData) -> None:
    assert built.readme.startswith("## European Union")
    assert "European Council Decision (EU) 2023/2061" in built.readme
    assert "Erika Muster (EP group changed from ESN to NI)" in built.readme


def test_build_is_deterministic(built: CountryData) -> None:
    again = eu.build(FIXTURES)
    header = REPRESENTATIVE_COLUMNS
    assert render_csv(Table(header, again.representatives)) == render_csv(
        Table(header, built.representatives)
    )
    for name, table in built.tables.items():
        assert render_csv(again.tables[name]) == render_csv(table)
    assert again.readme == built.readme


def edited_sources(tmp_path: Path, relative: str, old: str, new: str) -> Path:
    shutil.copytree(FIXTURES / "eu", tmp_path / "eu")
    path = tmp_path / "eu" / relative
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    return tmp_path


def test_build_refuses_mep_without_email(tmp_path: Path) -> None:
    sources = edited_sources(tmp_path, eu.MEPS_CSV, "mario.prova@europarl.europa.eu", "")
    with pytest.raises(ValueError, match="900005 lacks an id, name or email"):
        eu.build(sources)


def test_build_refuses_unknown_italian_province(tmp_path: Path) -> None:
    relative = "countrystatecity-postal-codes/IT/postcodes.json"
    sources = edited_sources(tmp_path, relative, '"stateCode": "CA"', '"stateCode": "XX"')
    with pytest.raises(ValueError, match="unknown province 'XX'"):
        eu.build(sources)


# --- check -------------------------------------------------------------------------------

IE_BE = {
    "IE-dublin": 4,
    "IE-midlands-north-west": 5,
    "IE-south": 5,
    "BE-NL": 13,
    "BE-FR": 8,
    "BE-DE": 1,
}


def clean_data() -> CountryData:
    """Return complete EU data: every seat filled, IE and BE MEPs in their constituencies."""
    rows = []
    for country, seats in SEATS.items():
        districts = [d for d, n in IE_BE.items() if d.startswith(f"{country}-") for _ in range(n)]
        for number, district in enumerate(districts or [""] * seats, 1):
            rows.append(
                blank_row(
                    id=f"ep:{country}{number}",
                    country=country,
                    body="eu-parliament",
                    region=country,
                    district_id=district,
                    name=f"Testy {country}{number}",
                    address_as="MEP",
                    email=f"testy{number}@example.org",
                    vacant="0",
                )
            )
    constituencies = [
        {"country": cid[:2], "constituency_id": cid, "name": cid, "seats": str(seats)}
        for cid, seats in IE_BE.items()
    ] + [{"country": "IT", "constituency_id": "IT-centrale", "name": "Centrale", "seats": ""}]
    postal_rows = [
        {"country": "IE", "kind": "county", "key": "Cork", "constituency_id": "IE-south"},
        {"country": "BE", "kind": "postcode", "key": "1000", "constituency_id": "BE-FR|BE-NL"},
        {"country": "IT", "kind": "postcode", "key": "00118", "constituency_id": "IT-centrale"},
    ]
    tables = {
        "eu_constituencies.csv": Table(CONSTITUENCY_HEADER, constituencies),
        "postal_eu.csv": Table(POSTAL_HEADER, postal_rows),
    }
    return CountryData(representatives=rows, tables=tables)


def test_check_clean_data() -> None:
    result = eu.check(clean_data())
    assert result.holes == []
    assert result.counts["eu_seats"] == 720
    assert result.counts["eu_meps"] == 720
    assert result.counts["eu_vacant"] == 0
    assert result.counts["eu_meps_with_constituency"] == 36
    assert result.counts["eu_meps_constituency_unknown"] == 76


def test_check_missing_seat() -> None:
    data = clean_data()
    data.representatives = [r for r in data.representatives if r["id"] != "ep:MT6"]
    assert eu.check(data).holes == ["EU: MT has 5 seat rows but 6 seats in the European Parliament"]


def test_check_wrong_seat_totals() -> None:
    data = clean_data()
    data.representatives.append({**rep(data, "ep:MT6"), "id": "ep:MT7"})
    data.representatives.append({**rep(data, "ep:MT6"), "id": "ep:GB1", "country": "GB"})
    assert eu.check(data).holes == [
        "EU: GB has 1 seat rows but 0 seats in the European Parliament",
        "EU: MT has 7 seat rows but 6 seats in the European Parliament",
    ]


def test_check_duplicate_id() -> None:
    data = clean_data()
    rep(data, "ep:MT6")["id"] = "ep:MT5"
    assert eu.check(data).holes == ["EU: duplicate id ep:MT5"]


def test_check_mep_without_contact_channel() -> None:
    data = clean_data()
    rep(data, "ep:AT3")["email"] = ""
    assert eu.check(data).holes == [
        "EU: MEP ep:AT3 (Testy AT3) has no email, contact form or website"
    ]


def test_check_vacant_seat_is_not_a_hole() -> None:
    data = clean_data()
    rep(data, "ep:AT3").update(vacant="1", name="", email="")
    result = eu.check(data)
    assert result.holes == []
    assert result.counts["eu_vacant"] == 1


def test_check_orphan_postal_row() -> None:
    data = clean_data()
    data.tables["postal_eu.csv"].rows.append(
        {"country": "IE", "kind": "routing_key", "key": "D01", "constituency_id": "IE-nowhere"}
    )
    assert eu.check(data).holes == [
        "EU: postal IE routing_key D01 points at IE-nowhere, not in eu_constituencies.csv"
    ]


def test_check_postal_row_to_constituency_without_mep() -> None:
    data = clean_data()
    for row in data.representatives:
        if row["district_id"] == "IE-south":
            row["district_id"] = "IE-dublin"
    assert eu.check(data).holes == [
        "EU: constituency IE-dublin has 4 seats but 9 MEPs",
        "EU: constituency IE-south has 5 seats but 0 MEPs",
        "EU: postal IE county Cork points at IE-south, which has no MEP",
    ]


def test_check_mep_constituency_not_in_table() -> None:
    data = clean_data()
    rep(data, "ep:IE1")["district_id"] = "IE-nowhere"
    assert eu.check(data).holes == [
        "EU: MEP ep:IE1 has constituency IE-nowhere, not in eu_constituencies.csv",
        "EU: constituency IE-dublin has 4 seats but 3 MEPs",
    ]


def test_check_constituency_seats_must_add_up() -> None:
    data = clean_data()
    table = data.tables["eu_constituencies.csv"]
    next(r for r in table.rows if r["constituency_id"] == "BE-DE")["seats"] = "2"
    assert eu.check(data).holes == [
        "EU: BE constituency seats add up to 23, not 22",
        "EU: constituency BE-DE has 2 seats but 1 MEPs",
    ]


def test_check_missing_tables() -> None:
    data = clean_data()
    data.tables = {}
    holes = eu.check(data).holes
    assert "EU: table eu_constituencies.csv is missing or empty" in holes
    assert "EU: table postal_eu.csv is missing or empty" in holes


def test_check_fixture_build_reports_unfilled_constituencies(built: CountryData) -> None:
    holes = eu.check(built).holes
    assert "EU: constituency IE-dublin has 4 seats but 1 MEPs" in holes
    assert "EU: postal IE county Cork points at IE-south, which has no MEP" in holes
    assert not any("seat rows" in hole for hole in holes)


# --- fetch -------------------------------------------------------------------------------


class FixtureHandler(SimpleHTTPRequestHandler):
    """Serves the fixture files, plus /error, /stall and /truncated misbehaviours."""

    server: QuietServer

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        if self.path.startswith("/error/"):
            self.send_error(500)
        elif self.path.startswith("/stall/"):
            self.server.release.wait(STALL_SECONDS)
        elif self.path.startswith("/truncated/"):
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b'{"data": [')
        else:
            super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (base signature)
        """Keep test output quiet."""


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    release: threading.Event

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up on a stalled answer is expected here."""


@pytest.fixture
def server() -> Iterator[str]:
    handler = functools.partial(FixtureHandler, directory=str(FIXTURES / "eu"))
    httpd = QuietServer(("127.0.0.1", 0), handler)  # port 0: the OS picks a free port
    httpd.release = threading.Event()
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.release.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture
def client() -> Iterator[HttpClient]:
    http = HttpClient(retries=1, backoff=0, timeout=(1, 0.5))
    yield http
    http.session.close()


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(eu_fetch, "PAGE_SIZE", 2)
    monkeypatch.setattr(eu_fetch, "MIN_CURRENT_MEPS", 1)


def urls(
    base: str,
    listing: str = "official/show-current",
    mep: str = "official/mep-{id}.json",
    full_list: str = "official/full-list.xml",
) -> dict[str, str]:
    return {
        "meps_current": f"{base}/{listing}-{{offset}}.json?limit={{limit}}",
        "mep": f"{base}/{mep}",
        "full_list_xml": f"{base}/{full_list}",
    }


def test_official_urls_keys() -> None:
    assert set(eu.OFFICIAL_URLS) == {"meps_current", "mep", "full_list_xml"}
    assert "{offset}" in eu.OFFICIAL_URLS["meps_current"] and "{id}" in eu.OFFICIAL_URLS["mep"]


@pytest.mark.usefixtures("small_pages")
def test_fetch_happy_path(server: str, client: HttpClient, built: CountryData) -> None:
    data = eu.fetch(client, urls(server), built, TODAY)
    meps = {r["id"]: r for r in data.representatives if r["vacant"] == "0"}
    assert set(meps) == {"ep:900001", "ep:900002", "ep:900010"}
    at = meps["ep:900001"]
    assert (at["name"], at["country"], at["group"], at["party"]) == (
        "Testy McTestface",
        "AT",
        "EPP",
        "Neue Testpartei",
    )
    assert (at["email"], at["phone"], at["source"], at["source_date"]) == (
        "testy.mctestface@europarl.europa.eu",
        "+3222800001",
        "ep-api+ep-fulllist",
        TODAY,
    )
    assert at["website"] == "https://www.europarl.europa.eu/meps/en/900001"
    assert at["photo_url"] == "https://www.europarl.europa.eu/mepphoto/900001.jpg"
    assert Counter(r["country"] for r in data.representatives) == Counter(SEATS)
    assert data.tables == built.tables
    assert data.readme.startswith("## European Union")
    assert f"refreshed on {TODAY}" in data.readme


@pytest.mark.usefixtures("small_pages")
def test_fetch_carries_constituency_and_reads_ep9_mandate(
    server: str, client: HttpClient, built: CountryData
) -> None:
    # Defect: the EP attaches some 10th-term mandates to org/ep-9 (Beke, Mendia).
    ie = rep(eu.fetch(client, urls(server), built, TODAY), "ep:900002")
    assert (ie["country"], ie["district_id"], ie["district_name"]) == ("IE", "IE-dublin", "Dublin")
    assert ie["source"] == "ep-api+ep-fulllist+constituencies-10th-term"
    assert ie["source_date"] == "2024-06-09"
    assert ie["email"] == "aoife.exampleog@europarl.europa.eu"  # the first of two
    assert ie["phone"] == "+3222800002"  # from the older "tel/0032..." form


@pytest.mark.usefixtures("small_pages")
def test_fetch_new_mep_outside_full_list(
    server: str, client: HttpClient, built: CountryData
) -> None:
    it = rep(eu.fetch(client, urls(server), built, TODAY), "ep:900010")
    assert (it["name"], it["group"], it["party"]) == ("Giulia Nuova", "ESN", "")
    assert it["phone"] == "+33388100010"  # Strasbourg: no Brussels office listed
    assert (it["district_id"], it["note"]) == ("", eu_regions.UNKNOWN_CONSTITUENCY_NOTES["IT"])
    assert (it["source"], it["photo_url"]) == ("ep-api", "")


@pytest.mark.usefixtures("small_pages")
def test_fetch_carries_email_the_api_lacks(
    server: str, client: HttpClient, built: CountryData
) -> None:
    row = rep(eu.fetch(client, urls(server, listing="official/carry"), built, TODAY), "ep:900007")
    assert row["email"] == "petr.zkouska@europarl.europa.eu"
    assert row["note"] == eu_fetch.EMAIL_CARRIED_NOTE


@pytest.mark.usefixtures("small_pages")
def test_fetch_refuses_mep_without_email(
    server: str, client: HttpClient, built: CountryData
) -> None:
    with pytest.raises(ValueError, match="MEP 900011 .*no email"):
        eu.fetch(client, urls(server, listing="official/noemail"), built, TODAY)


def test_fetch_refuses_too_few_meps(server: str, client: HttpClient, built: CountryData) -> None:
    with pytest.raises(ValueError, match="only 2 current MEPs"):
        eu.fetch(client, urls(server), built, TODAY)  # 500 per page: one page of 2


def test_fetch_needs_a_build_first(client: HttpClient) -> None:
    with pytest.raises(ValueError, match="build first"):
        eu.fetch(client, eu.OFFICIAL_URLS, None, TODAY)


@pytest.mark.usefixtures("small_pages")
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"listing": "official/repeat"}, "repeats earlier MEPs"),
        ({"listing": "official/badshape"}, "'data' list"),
        ({"mep": "official/mep-900002.json?id={id}"}, "MEP 900001: the answer does not describe"),
        ({"full_list": "official/full-list-cut.xml"}, "not valid XML"),
    ],
)
def test_fetch_rejects_malformed_data(
    server: str, client: HttpClient, built: CountryData, changes: dict[str, str], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        eu.fetch(client, urls(server, **changes), built, TODAY)


@pytest.mark.parametrize(
    ("listing", "message"),
    [
        ("error/show-current", "HTTP 500"),
        ("stall/show-current", "timed out|Timeout"),
        ("truncated/show-current", "truncated|IncompleteRead|ChunkedEncodingError"),
        ("official/cut", "not valid JSON"),
    ],
)
def test_fetch_network_failures(
    server: str, client: HttpClient, built: CountryData, listing: str, message: str
) -> None:
    with pytest.raises(FetchError, match=message):
        eu.fetch(client, urls(server, listing=listing), built, TODAY)
