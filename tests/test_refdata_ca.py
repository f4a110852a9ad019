"""Canada reference data: build from snapshots, check coverage, refresh from Represent."""

from __future__ import annotations

import contextlib
import json
import shutil
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from petition.refdata import ca
from petition.refdata.ca_fetch import VACANT_NOTE, fold_name, normalize_party
from petition.refdata.http import FetchError, HttpClient
from petition.refdata.schema import REPRESENTATIVE_COLUMNS, CountryData, Table

FIXTURES = Path(__file__).parent / "fixtures" / "refdata"
OFFICIAL = FIXTURES / "ca" / "official"
OCD_FILE = FIXTURES / "ca" / "ocd-division-ids" / "ca_federal_electoral_districts-2023.csv"
PHOTOS = "https://www.ourcommons.ca/Content/Parliamentarians/Images/OfficialMPPhotos/45"
PAGE1 = "/representatives/house-of-commons/?limit=5"
PAGE2 = "/representatives/house-of-commons/?limit=5&offset=5"
OCD_PATH = "/ocd.csv"
TODAY = "2026-12-01"


@pytest.fixture(scope="module")
def built() -> CountryData:
    return ca.build(FIXTURES)


def seat(data: CountryData, fed: str) -> dict[str, str]:
    [row] = [row for row in data.representatives if row["district_id"] == fed]
    return row


# --- build ---------------------------------------------------------------------------


def test_build_makes_one_seat_row_per_riding(built: CountryData) -> None:
    assert sorted(row["district_id"] for row in built.representatives) == [
        "10001",
        "24020",
        "24031",
        "24077",
        "35001",
        "35002",
        "46001",
        "48001",
        "62001",
    ]
    assert all(set(row) == set(REPRESENTATIVE_COLUMNS) for row in built.representatives)
    assert seat(built, "10001") == {
        "id": "ourcommons:900001",
        "country": "CA",
        "body": "ca-commons",
        "region": "NL",
        "district_id": "10001",
        "district_name": "Testville",
        "name": "Testy McTestface",
        "address_as": "MP",
        "party": "Liberal",
        "group": "",
        "email": "testy.mctestface@parl.gc.ca",
        "contact_url": "",
        "website": "https://www.ourcommons.ca/Members/en/testy-mctestface(900001)",
        "phone": "1 613 555-0101",
        "address": "House of Commons; Ottawa ON  K1A 0A6",
        "photo_url": f"{PHOTOS}/McTestfaceTesty_Lib.jpg",
        "vacant": "0",
        "note": "",
        "source": "mp-hill-phones+ocd-division-ids",
        "source_date": "2026-03-19",
    }
    assert built.readme.startswith("## Canada")


def test_build_is_deterministic(built: CountryData) -> None:
    assert ca.build(FIXTURES) == built


def test_letter_tool_riding_id_is_ignored_and_name_joined(built: CountryData) -> None:
    # mp-data.json gives Emma Ailes ridingId 10001 (Testville); her riding name says 46001.
    row = seat(built, "46001")
    assert row["name"] == "Emma Ailes"
    assert row["email"] == "Emma.Ailes@parl.gc.ca"  # blank in August, filled from January
    assert row["source"] == "letter-tool-mp-data+mp-hill-phones+ocd-division-ids"
    assert row["source_date"] == "2026-01-22"
    assert seat(built, "10001")["name"] == "Testy McTestface"


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("La Pointe-de-l'Île", "La Pointe-de-l’Île"),
        ("Ville-Marie—Le Sud-Ouest—Île-des-Sœurs", "Ville-Marie—Le Sud-Ouest—Île-des-Soeurs"),
        ("Côte-du-Sud—Rivière-du-Loup— Kataskomiq", "Côte-du-Sud—Rivière-du-Loup—Kataskomiq"),
        ("Mégantic—L'Érable", "Megantic-L'Erable"),
        ("Toronto–St. Paul's", " Toronto — St.  Paul’s "),
    ],
)
def test_fold_name_matches_typographic_variants(one: str, other: str) -> None:
    assert fold_name(one) == fold_name(other)


def test_fold_name_keeps_different_names_apart() -> None:
    assert fold_name("Mount Royal") != fold_name("Mont-Royal")


def test_variant_spellings_join_across_sources(built: CountryData) -> None:
    # The August file writes l’Essai and St. Paul’s; the riding list writes ' (no error).
    assert seat(built, "24031")["district_name"] == "La Pointe-de-l'Essai"
    assert seat(built, "35001")["district_name"] == "Mockton—St. Paul's"
    # January writes Soeurs, the riding list Sœurs.
    assert seat(built, "24077")["name"] == "Ancien Député"


def test_stray_space_is_removed_from_district_name(built: CountryData) -> None:
    assert seat(built, "24020")["district_name"] == "Côte-du-Test—Rivière-Fictive—Kataskomoq"


def test_riding_missing_in_august_keeps_january_mp_with_note(built: CountryData) -> None:
    row = seat(built, "24077")
    assert row["id"] == "represent:24077-ancien-depute"
    assert row["vacant"] == "0"
    assert row["email"] == "Ancien.Depute@parl.gc.ca"  # as published, case kept
    assert row["website"] == row["phone"] == ""
    assert row["note"] == ca.STALE_NOTE
    assert (row["source"], row["source_date"]) == (
        "letter-tool-mp-data+ocd-division-ids",
        "2026-01-22",
    )


def test_riding_without_mp_in_any_source_is_vacant(built: CountryData) -> None:
    row = seat(built, "48001")
    assert row["id"] == "vacant:ca-commons:48001"
    assert (row["vacant"], row["name"], row["email"]) == ("1", "", "")
    assert row["note"] == ca.NO_MP_NOTE.format(date="2026-08-06")


def test_missing_hill_phone_stays_empty(built: CountryData) -> None:
    row = seat(built, "35002")
    assert (row["phone"], row["email"]) == ("", "phoneless.person@parl.gc.ca")


def test_party_labels_are_normalized(built: CountryData) -> None:
    parties = {row["district_id"]: row["party"] for row in built.representatives}
    assert parties == {
        "10001": "Liberal",
        "24020": "Bloc Québécois",
        "24031": "Conservative",
        "24077": "Liberal",
        "35001": "NDP",
        "35002": "Liberal",
        "46001": "Green",
        "48001": "",
        "62001": "Independent",
    }
    assert normalize_party("Liberal Party of Canada") == "Liberal"


def test_same_email_in_other_case_is_same_person(built: CountryData) -> None:
    # January writes "Marie C. Essai", Marie.Essai@…: the same MP, so her photo fills in.
    row = seat(built, "24031")
    assert (row["name"], row["email"]) == ("Marie Essai", "marie.essai@parl.gc.ca")
    assert row["photo_url"] == f"{PHOTOS}/EssaiMarie_CPC.jpg"


def test_different_mp_in_older_file_is_not_merged(built: CountryData) -> None:
    row = seat(built, "35001")
    assert (row["name"], row["email"]) == ("Dee Fault", "dee.fault@parl.gc.ca")
    assert row["source"] == "mp-hill-phones+ocd-division-ids"


def test_person_id_falls_back_to_profile_url(built: CountryData) -> None:
    assert seat(built, "62001")["id"] == "ourcommons:900007"


def test_region_comes_from_fed_code(built: CountryData) -> None:
    regions = {row["district_id"]: row["region"] for row in built.representatives}
    assert regions["10001"] == "NL"  # mp-data.json has an empty province here
    assert regions["62001"] == "NU"
    assert regions["46001"] == "MB"


def test_postal_table_has_area_and_point_rows(built: CountryData) -> None:
    table = built.tables["postal_ca.csv"]
    assert table.header == ca.POSTAL_COLUMNS
    h1a = sorted(
        (r["fed_code"], r["rank"], r["is_primary"]) for r in table.rows if r["fsa"] == "H1A"
    )
    # Primary is the reference-point riding, even though it has the smaller share.
    assert h1a == [("24031", "1", "0"), ("24077", "2", "1")]
    [k1a] = [row for row in table.rows if row["fsa"] == "K1A"]
    assert k1a == {
        "fsa": "K1A",
        "province": "ON",
        "fed_code": "35002",
        "share": "",
        "rank": "1",
        "is_primary": "1",
        "n_ridings": "1",
        "basis": "point",
        "source": "fsa-fed2023-centroid-only",
        "source_date": "2026-11-25",
    }
    assert {row["fsa"] for row in table.rows} >= {"X0A", "X0B", "X0C"}
    assert len(table.rows) == 13


def copy_fixtures(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURES / "ca", tmp_path / "ca")
    return tmp_path


def edit(root: Path, relpath: str, old: str, new: str) -> None:
    path = root / "ca" / relpath
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.mark.parametrize(
    ("relpath", "old", "new", "message"),
    [
        (ca.HILL.path, "10001,Testville", "10001,Nowhere", "not in the riding list"),
        (ca.LETTER.path, '"Testville"', '"Nowhere"', "unknown or repeated riding"),
        (ca.OVERLAP.path, "T0A,48001,1.0000,Vacantia", "T0A,48001,1.0000,Other", "not a riding"),
        (ca.CENTROID.path, "K1A,", "A0A,", "also has area rows"),
        (
            ca.OVERLAP.path,
            "X0C,62001,0.9998,Nunavut,NU,500.000,1,1,1,1",
            "X0C,62001,0.99",
            "fields",
        ),
        (ca.OCD.path, "ed:48001-2023", "ed:99001-2023", "bad riding row"),
        (ca.OCD.path, "ed:48001-2023,Vacantia", "ed:10001-2023,Vacantia", "listed twice"),
        (ca.HILL.path, "fed_code,riding_name", "fed,riding_name", "missing columns"),
        (ca.OVERLAP.path, "T0A,48001", "T0,48001", "not an FSA"),
    ],
)
def test_build_refuses_inconsistent_sources(
    tmp_path: Path, relpath: str, old: str, new: str, message: str
) -> None:
    root = copy_fixtures(tmp_path)
    edit(root, relpath, old, new)
    with pytest.raises(ValueError, match=message):
        ca.build(root)


def test_build_refuses_a_letter_file_that_is_not_a_list(tmp_path: Path) -> None:
    root = copy_fixtures(tmp_path)
    (root / "ca" / ca.LETTER.path).write_text('{"mps": []}', encoding="utf-8")
    with pytest.raises(ValueError, match="expected a JSON array"):
        ca.build(root)


# --- check ---------------------------------------------------------------------------


def full_data() -> CountryData:
    """A complete, invented Canada: every riding of every province, one FSA each."""
    prefixes = {region: prefix for prefix, region in ca.PROVINCE_BY_PREFIX.items()}
    reps, postal = [], []
    for region, count in ca.EXPECTED_RIDINGS.items():
        for number in range(1, count + 1):
            fed = f"{prefixes[region]}{number:03d}"
            reps.append(
                {col: "" for col in REPRESENTATIVE_COLUMNS}
                | {
                    "id": f"ourcommons:{fed}",
                    "body": "ca-commons",
                    "region": region,
                    "district_id": fed,
                    "name": f"Testy {fed}",
                    "email": f"t{fed}@example.test",
                    "vacant": "0",
                }
            )
            fsa = "X0A" if region == "NU" else f"F{fed}"  # invented keys, one per riding
            postal.append(
                {
                    "fsa": fsa,
                    "province": region,
                    "fed_code": fed,
                    "is_primary": "1",
                    "basis": "area",
                }
            )
    for fsa in ("X0B", "X0C"):
        postal.append(
            {"fsa": fsa, "province": "NU", "fed_code": "62001", "is_primary": "1", "basis": "point"}
        )
    return CountryData(reps, {"postal_ca.csv": Table(ca.POSTAL_COLUMNS, postal)})


def test_check_passes_a_complete_canada() -> None:
    data = full_data()
    data.representatives[0] |= {"vacant": "1", "name": "", "email": ""}  # vacancy: no hole
    result = ca.check(data)
    assert result.holes == []
    assert result.counts == {
        "ca_commons_seats": 343,
        "ca_mps": 342,
        "ca_vacant_seats": 1,
        "ca_seats_with_note": 0,
        "ca_fsas": 345,
        "ca_multi_riding_fsas": 0,
        "ca_point_only_fsas": 2,
    }


def test_check_reports_a_missing_seat() -> None:
    data = full_data()
    data.representatives = [r for r in data.representatives if r["district_id"] != "35122"]
    holes = ca.check(data).holes
    assert holes[:2] == [
        "There are 342 ridings with a seat row, not 343.",
        "ON has 121 ridings with a seat row, not 122.",
    ]
    assert "FSA F35122 points at riding 35122, which has no seat row." in holes


def test_check_reports_an_orphan_postal_row() -> None:
    data = full_data()
    data.tables["postal_ca.csv"].rows.append(
        {"fsa": "A9Z", "province": "NL", "fed_code": "10099", "is_primary": "1", "basis": "area"}
    )
    assert ca.check(data).holes == ["FSA A9Z points at riding 10099, which has no seat row."]


def test_check_reports_an_mp_without_contact_channel() -> None:
    data = full_data()
    seat(data, "10006")["email"] = ""
    assert ca.check(data).holes == ["MP Testy 10006 (10006) has no way to be contacted."]


def test_check_reports_wrong_seat_totals() -> None:
    data = full_data()
    extra = seat(data, "10001") | {"id": "ourcommons:x", "district_id": "10008"}
    dupe = seat(data, "10002") | {"id": "ourcommons:y"}
    data.representatives += [extra, dupe]
    assert ca.check(data).holes == [
        "Riding 10002 has 2 seat rows, not 1.",
        "There are 344 ridings with a seat row, not 343.",
        "NL has 8 ridings with a seat row, not 7.",
    ]


def test_check_reports_primaries_provinces_and_nunavut() -> None:
    data = full_data()
    rows = data.tables["postal_ca.csv"].rows
    rows[:] = [row for row in rows if row["fsa"] != "X0B"]
    rows.append(
        {"fsa": "X0A", "province": "NU", "fed_code": "62001", "is_primary": "1", "basis": "area"}
    )
    [nl_row] = [row for row in rows if row["fed_code"] == "10001"]
    nl_row["province"] = "QC"
    assert ca.check(data).holes == [
        "FSA F10001 (QC) points at riding 10001.",
        "FSA X0A has 2 primary ridings, not 1.",
        "Nunavut FSA X0B is missing.",
    ]


def test_check_reports_a_missing_table_and_a_wrong_region() -> None:
    data = full_data()
    del data.tables["postal_ca.csv"]
    seat(data, "24001")["region"] = "ON"
    assert ca.check(data).holes == [
        "Riding 24001 has region 'ON'.",
        "The table postal_ca.csv is missing.",
        "Nunavut FSA X0A is missing.",
        "Nunavut FSA X0B is missing.",
        "Nunavut FSA X0C is missing.",
    ]


def test_check_of_fixture_build_reports_totals(built: CountryData) -> None:
    holes = ca.check(built).holes
    assert "There are 9 ridings with a seat row, not 343." in holes
    assert not [hole for hole in holes if "FSA" in hole or "contacted" in hole]


# --- fetch ---------------------------------------------------------------------------

Responder = Callable[[BaseHTTPRequestHandler], None]


class RouteServer(ThreadingHTTPServer):
    routes: dict[str, Responder]
    release: threading.Event


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (the http.server API)
        server = self.server
        assert isinstance(server, RouteServer)
        responder = server.routes.get(self.path, answer(404, b"not found"))
        with contextlib.suppress(OSError):  # the client gave up (timeout tests)
            responder(self)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (base signature)
        """Keep test output quiet."""


def answer(status: int, body: bytes, length: int | None = None) -> Responder:
    def respond(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        handler.send_header("Content-Length", str(len(body) if length is None else length))
        handler.end_headers()
        handler.wfile.write(body)

    return respond


def stall(handler: BaseHTTPRequestHandler) -> None:
    server = handler.server
    assert isinstance(server, RouteServer)
    server.release.wait(5)
    answer(200, b"{}")(handler)


@pytest.fixture
def server() -> Iterator[RouteServer]:
    srv = RouteServer(("127.0.0.1", 0), Handler)
    srv.release = threading.Event()
    srv.routes = {
        PAGE1: answer(200, (OFFICIAL / "represent_page1.json").read_bytes()),
        PAGE2: answer(200, (OFFICIAL / "represent_page2.json").read_bytes()),
        OCD_PATH: answer(200, OCD_FILE.read_bytes()),
    }
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.01})
    thread.start()
    yield srv
    srv.release.set()
    srv.shutdown()
    srv.server_close()
    thread.join()


def urls(srv: RouteServer) -> dict[str, str]:
    base = f"http://127.0.0.1:{srv.server_address[1]}"
    return {"represent_mps": base + PAGE1, "ocd_ridings": base + OCD_PATH}


@pytest.fixture
def client() -> Iterator[HttpClient]:
    http = HttpClient(retries=1, backoff=0)
    yield http
    http.session.close()


def test_fetch_refreshes_mps_and_keeps_postal(
    server: RouteServer, client: HttpClient, built: CountryData
) -> None:
    data = ca.fetch(client, urls(server), built, TODAY)
    assert data.tables == built.tables
    assert seat(data, "10001") == seat(built, "10001") | {
        "phone": "1 613 555-0201",
        "source": "ocd-division-ids+represent",
        "source_date": TODAY,
    }
    new = seat(data, "24020")  # a new MP, no PersonId anywhere, no Hill office listed
    assert (new["id"], new["name"], new["phone"]) == (
        "represent:24020-nouvelle-personne",
        "Nouvelle Personne",
        "",
    )
    assert new["address"] == "House of Commons; Ottawa ON  K1A 0A6"
    carried = seat(data, "24031")  # PersonId and photo carried from the current row
    assert carried["id"] == "ourcommons:900003"
    assert carried["photo_url"] == seat(built, "24031")["photo_url"]
    assert carried["source"] == "letter-tool-mp-data+mp-hill-phones+ocd-division-ids+represent"
    assert carried["source_date"] == "2026-01-22"
    stale = seat(data, "24077")  # joined by district name, as it has no boundary_url
    assert (stale["id"], stale["note"]) == ("ourcommons:900008", "")
    assert seat(data, "48001")["note"] == VACANT_NOTE.format(date=TODAY)
    assert seat(data, "46001")["party"] == "Green"
    assert "**Last refresh:** 2026-12-01." in data.readme
    assert "none; every row" not in data.readme


def test_fetch_needs_a_build_first(server: RouteServer, client: HttpClient) -> None:
    with pytest.raises(ValueError, match="run a build first"):
        ca.fetch(client, urls(server), None, TODAY)


def test_fetch_raises_after_retrying_a_500(
    server: RouteServer, client: HttpClient, built: CountryData
) -> None:
    calls: list[str] = []

    def fail(handler: BaseHTTPRequestHandler) -> None:
        calls.append(handler.path)
        answer(500, b"oops")(handler)

    server.routes[PAGE2] = fail
    with pytest.raises(FetchError, match="HTTP 500"):
        ca.fetch(client, urls(server), built, TODAY)
    assert len(calls) == 2


def test_fetch_times_out_on_a_stalled_server(server: RouteServer, built: CountryData) -> None:
    server.routes[OCD_PATH] = stall
    http = HttpClient(retries=0, timeout=(1, 0.5))
    try:
        with pytest.raises(FetchError, match="timed out"):
            ca.fetch(http, urls(server), built, TODAY)
    finally:
        http.session.close()


def test_fetch_refuses_a_short_answer(
    server: RouteServer, client: HttpClient, built: CountryData
) -> None:
    body = (OFFICIAL / "represent_page1.json").read_bytes()
    server.routes[PAGE1] = answer(200, body, length=len(body) + 100)
    with pytest.raises(FetchError):
        ca.fetch(client, urls(server), built, TODAY)


def test_fetch_refuses_json_cut_in_half(
    server: RouteServer, client: HttpClient, built: CountryData
) -> None:
    body = (OFFICIAL / "represent_page1.json").read_bytes()
    server.routes[PAGE1] = answer(200, body[: len(body) // 2])
    with pytest.raises(FetchError, match="not valid JSON"):
        ca.fetch(client, urls(server), built, TODAY)


@pytest.mark.parametrize("cut", [0.5, 0.55])
def test_fetch_refuses_csv_cut_short(
    server: RouteServer, client: HttpClient, built: CountryData, cut: float
) -> None:
    body = OCD_FILE.read_bytes()
    lines = body.splitlines(keepends=True)
    # 0.5 cuts inside a row; 0.55 at a row end, which only the riding count reveals.
    short = body[: body.index(b"ed:35001") + 5] if cut == 0.5 else b"".join(lines[:5])
    server.routes[OCD_PATH] = answer(200, short)
    with pytest.raises(ValueError, match="truncated"):
        ca.fetch(client, urls(server), built, TODAY)


def test_fetch_refuses_fewer_records_than_announced(
    server: RouteServer, client: HttpClient, built: CountryData
) -> None:
    page = json.loads((OFFICIAL / "represent_page2.json").read_bytes())
    page["objects"].pop()
    server.routes[PAGE2] = answer(200, json.dumps(page).encode())
    with pytest.raises(ValueError, match="got 7 representatives, meta says 8"):
        ca.fetch(client, urls(server), built, TODAY)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": None}, "missing one of"),
        ({"related": {"boundary_url": "/boundaries/x/99001/"}}, "no known riding"),
        ({"district_name": "Testville"}, "disagree"),
    ],
)
def test_fetch_refuses_malformed_records(
    server: RouteServer,
    client: HttpClient,
    built: CountryData,
    change: dict[str, object],
    message: str,
) -> None:
    page = json.loads((OFFICIAL / "represent_page2.json").read_bytes())
    page["objects"][0] |= change
    server.routes[PAGE2] = answer(200, json.dumps(page).encode())
    with pytest.raises(ValueError, match=message):
        ca.fetch(client, urls(server), built, TODAY)


def test_fetch_refuses_a_page_that_is_not_a_list(
    server: RouteServer, client: HttpClient, built: CountryData
) -> None:
    server.routes[PAGE1] = answer(200, b'{"objects": {}, "meta": {}}')
    with pytest.raises(ValueError, match="'objects' list"):
        ca.fetch(client, urls(server), built, TODAY)


def test_fetch_refuses_endless_pages(
    server: RouteServer, client: HttpClient, built: CountryData
) -> None:
    page = json.loads((OFFICIAL / "represent_page2.json").read_bytes())
    page["meta"]["next"] = PAGE2
    server.routes[PAGE2] = answer(200, json.dumps(page).encode())
    with pytest.raises(ValueError, match="more than 5 pages"):
        ca.fetch(client, urls(server), built, TODAY)


def test_fetch_refuses_two_mps_for_one_riding(
    server: RouteServer, client: HttpClient, built: CountryData
) -> None:
    page = json.loads((OFFICIAL / "represent_page2.json").read_bytes())
    page["objects"][0] |= {"district_name": "Testville", "related": {}}
    server.routes[PAGE2] = answer(200, json.dumps(page).encode())
    with pytest.raises(ValueError, match="a second MP for riding 10001"):
        ca.fetch(client, urls(server), built, TODAY)


def test_fetch_writes_a_readme_when_there_was_none(
    server: RouteServer, client: HttpClient, built: CountryData
) -> None:
    current = CountryData(built.representatives, built.tables, readme="")
    readme = ca.fetch(client, urls(server), current, TODAY).readme
    assert readme.startswith("## Canada (House of Commons)\n\n**Last refresh:** 2026-12-01. ")
