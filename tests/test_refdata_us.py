"""Tests for petition.refdata.us: build from snapshots, fetch from official endpoints, check."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from petition.refdata import us, us_fetch, us_plans
from petition.refdata.http import FetchError, HttpClient
from petition.refdata.schema import REPRESENTATIVE_COLUMNS, CountryData, Table, render_csv
from petition.refdata.us_fetch import NO_ZIP_ROWS, NON_VOTING, district_code

FIXTURES = Path(__file__).parent / "fixtures" / "refdata"
OFFICIAL = FIXTURES / "us" / "official"
LEGISLATORS_PATH = "/legislators-current.json"
CENSUS_PATH = "/tab20_cd11920_zcta520_natl.txt"
TODAY = "2026-11-25"
# Seconds a stalled handler waits at most before giving up on its client.
STALL_SECONDS = 5.0
# How often the test server checks for shutdown (its default, 0.5 s, slows every teardown).
POLL_SECONDS = 0.01


# --- helpers -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built() -> CountryData:
    return us.build(FIXTURES)


def by_id(data: CountryData) -> dict[str, dict[str, str]]:
    return {row["id"]: row for row in data.representatives}


def postal_rows(data: CountryData, zcta: str) -> list[dict[str, str]]:
    return sorted(
        (row for row in data.tables["postal_us.csv"].rows if row["zip"] == zcta),
        key=lambda row: (row["rank"], row["state"]),
    )


def person(bioguide: str, term: dict[str, object]) -> dict[str, object]:
    """Return a legislator record in the congress-legislators JSON shape."""
    return {
        "id": {"bioguide": bioguide},
        "name": {"first": "Testy", "last": "Test"},
        "terms": [term],
    }


# --- build: normal rows ----------------------------------------------------------------------


def test_build_senator_row(built: CountryData) -> None:
    assert by_id(built)["bioguide:T000001"] == {
        "id": "bioguide:T000001",
        "country": "US",
        "body": "us-senate",
        "region": "NY",
        "district_id": "",
        "district_name": "",
        "name": "Testy McTestface",
        "address_as": "Senator",
        "party": "Democrat",
        "group": "",
        "email": "",
        # the term's contact_form wins over the contact-congress file's older URL
        "contact_url": "https://www.mctestface.senate.gov/contact",
        "website": "https://www.mctestface.senate.gov",
        "phone": "202-555-0101",
        "address": "1 Test Senate Office Building Washington DC 20510",
        "photo_url": "",
        "vacant": "0",
        "note": "",
        "source": "congress-legislators",
        "source_date": "2026-06-15",
    }


def test_build_house_rows_and_district_names(built: CountryData) -> None:
    rows = by_id(built)
    assert rows["bioguide:T000005"]["district_id"] == "NY-01"
    assert rows["bioguide:T000005"]["district_name"] == "New York's 1st congressional district"
    assert rows["bioguide:T000005"]["address_as"] == "Representative"
    assert rows["bioguide:T000006"]["district_name"] == "New York's 2nd congressional district"
    assert rows["bioguide:T000007"]["district_name"] == "New York's 3rd congressional district"
    assert rows["bioguide:T000008"]["district_id"] == "WY-00"
    assert rows["bioguide:T000008"]["district_name"] == "Wyoming at-large"
    assert (
        rows["vacant:us-house:CA-11"]["district_name"] == "California's 11th congressional district"
    )
    assert (
        rows["vacant:us-house:CA-13"]["district_name"] == "California's 13th congressional district"
    )
    assert us.district_name("TX-22") == "Texas's 22nd congressional district"
    assert us.district_name("NY-21") == "New York's 21st congressional district"


def test_build_party_and_caucus(built: CountryData) -> None:
    rows = by_id(built)
    assert (rows["bioguide:T000003"]["party"], rows["bioguide:T000003"]["group"]) == (
        "Independent",
        "Democrat",
    )
    assert (rows["bioguide:T000013"]["party"], rows["bioguide:T000013"]["group"]) == (
        "Independent",
        "Republican",
    )
    assert rows["bioguide:T000002"]["group"] == ""


def test_build_delegates_and_resident_commissioner(built: CountryData) -> None:
    rows = by_id(built)
    dc, pr, gu = rows["bioguide:T000010"], rows["bioguide:T000011"], rows["bioguide:T000012"]
    assert (dc["district_id"], dc["district_name"], dc["address_as"]) == (
        "DC-00",
        "District of Columbia (delegate)",
        "Delegate",
    )
    assert (pr["district_id"], pr["district_name"], pr["address_as"]) == (
        "PR-00",
        "Puerto Rico (resident commissioner)",
        "Resident Commissioner",
    )
    assert (gu["district_id"], gu["address_as"]) == ("GU-00", "Delegate")
    # AS, MP and VI have nobody in the fixture: their seats still exist, as vacant rows
    for state in ("AS", "MP", "VI"):
        row = rows[f"vacant:us-house:{state}-00"]
        assert (row["address_as"], row["vacant"], row["name"]) == ("Delegate", "1", "")


def test_build_vacant_senate_seats(built: CountryData) -> None:
    rows = by_id(built)
    assert "vacant:us-senate:NY-1" not in rows
    assert rows["vacant:us-senate:VT-2"]["address_as"] == "Senator"
    assert "vacant:us-senate:VT-1" not in rows
    assert {"vacant:us-senate:AK-1", "vacant:us-senate:AK-2"} <= set(rows)
    assert not any(key.startswith(("vacant:us-senate:DC", "vacant:us-senate:PR")) for key in rows)


def test_build_is_deterministic(built: CountryData) -> None:
    again = us.build(FIXTURES)
    header = REPRESENTATIVE_COLUMNS
    assert render_csv(Table(header, again.representatives)) == render_csv(
        Table(header, built.representatives)
    )
    assert render_csv(again.tables["postal_us.csv"]) == render_csv(built.tables["postal_us.csv"])
    assert again.readme == built.readme


def test_build_readme(built: CountryData) -> None:
    assert built.readme.startswith("## United States\n")
    assert "GA 36855" in built.readme and "LA 71749" in built.readme
    assert "equally possible" in built.readme
    assert "K000394.yaml" in built.readme


# --- build: PROVENANCE defects ---------------------------------------------------------------


def test_vacant_house_seats_get_rows_with_the_reason(built: CountryData) -> None:
    """PROVENANCE: CA-14, TX-23, FL-20 and GA-13 have no member in the snapshot."""
    row = by_id(built)["vacant:us-house:CA-14"]
    assert row == {
        **dict.fromkeys(REPRESENTATIVE_COLUMNS, ""),
        "id": "vacant:us-house:CA-14",
        "country": "US",
        "body": "us-house",
        "region": "CA",
        "district_id": "CA-14",
        "district_name": "California's 14th congressional district",
        "address_as": "Representative",
        "vacant": "1",
        "note": "Vacant: the source lists no member for this seat as of 2026-06-15. "
        "Rep. Swalwell resigned (recorded in the source on 2026-04-14).",
        "source": "congress-legislators+zccd",
        "source_date": "2024-11-12",
    }
    # seats come from the data's highest district number: CA-02..CA-13 exist too
    vacant_ca = sorted(k for k in by_id(built) if k.startswith("vacant:us-house:CA-"))
    assert vacant_ca == [f"vacant:us-house:CA-{n:02d}" for n in range(2, 15)]
    assert by_id(built)["vacant:us-house:NY-04"]["note"] == (
        "Vacant: the source lists no member for this seat as of 2026-06-15."
    )


def test_vacancy_reasons_expire_with_the_119th_congress() -> None:
    later = us.Origin("2027-02-01", "census-zcta-cd", "2027-02-01")
    (row,) = [r for r in us.vacant_rows([], ["CA-14"], later) if r["body"] == "us-house"]
    assert row["note"] == "Vacant: the source lists no member for this seat as of 2027-02-01."


def test_missing_url_phone_address_and_official_name(built: CountryData) -> None:
    """PROVENANCE: G000607 has no url/phone/address; G000607 and M001246 no official_full."""
    row = by_id(built)["bioguide:T000009"]
    assert row["name"] == "Newly Sworn"
    assert (row["website"], row["address"], row["email"]) == ("", "", "")
    # No channel in the sources: the House's own route to every office, and the switchboard.
    assert row["contact_url"] == "https://www.house.gov/representatives/find-your-representative"
    assert row["phone"] == "(202) 224-3121"
    assert row["note"] == (
        "The source lists no website, phone number or office address for this member yet "
        "(in office since 2026-06-10). Until the sources list this member's own office, use "
        "the chamber's official contact service or call the U.S. Capitol switchboard at "
        "(202) 224-3121 and ask for this member's office."
    )
    assert by_id(built)["bioguide:T000008"]["name"] == "Atty Large, Jr."
    assert us.full_name({"first": "Emma", "last": "Ample", "suffix": "II"}) == "Emma Ample II"


def test_contact_congress_fills_senators_without_contact_form(built: CountryData) -> None:
    """PROVENANCE: 13 senators lack contact_form; contact-congress has their forms."""
    row = by_id(built)["bioguide:T000002"]
    assert row["contact_url"] == "https://www.placeholder.senate.gov/write-to-quinn/"
    assert (row["source"], row["source_date"]) == (
        "congress-legislators+contact-congress",
        "2026-06-15",
    )
    assert row["note"] == ""


def test_contact_form_read_from_invalid_yaml(built: CountryData) -> None:
    """PROVENANCE: K000394.yaml does not parse as YAML; T000003.yaml has the same defect."""
    text = (FIXTURES / "us/contact-congress/members/T000003.yaml").read_text(encoding="utf-8")
    assert "\n    success:\n" in text  # `success:` mis-indented into the steps list
    assert by_id(built)["bioguide:T000003"]["contact_url"] == (
        "https://outreach.senate.gov/iqextranet/EForm.aspx?__cid=SenPendent&__fid=1&iframe=Y"
    )


def test_placeholder_contact_forms_are_skipped(built: CountryData) -> None:
    """PROVENANCE: most House files hold `stubforcwc` or a google.com URL, not a form."""
    rows = by_id(built)
    for bioguide in ("T000005", "T000006"):
        row = rows[f"bioguide:{bioguide}"]
        assert (row["contact_url"], row["source"]) == ("", "congress-legislators")
        assert row["website"].endswith(".house.gov")
    assert us_fetch.visit_url("  - visit: http://example.org/form\n") == ""
    assert us_fetch.visit_url("bioguide: X\n") == ""


def test_house_contact_congress_form_has_a_caveat(built: CountryData) -> None:
    """PROVENANCE: House files are no longer maintained; the website is the fallback."""
    row = by_id(built)["bioguide:T000007"]
    assert row["contact_url"] == "https://mcformface.house.gov/contact/email"
    assert row["note"] == us.HOUSE_CONTACT_CAVEAT
    assert row["website"] == "https://mcformface.house.gov"


def test_appointed_senator_awaiting_special_election(built: CountryData) -> None:
    """PROVENANCE: Husted and Moody were appointed until the 2026-11-03 special elections."""
    assert by_id(built)["bioguide:T000004"]["note"] == (
        "Appointed until a special election; the appointment ends on 2026-11-03, "
        "after which the seat may have a new holder."
    )


def test_cross_state_pairs_dropped_by_zccd_are_restored(built: CountryData) -> None:
    """PROVENANCE: de-duplication on (zcta, cd) lost one state of 32 cross-state ZCTAs."""
    assert [
        (r["state"], r["district_id"], r["source"], r["n_districts"])
        for r in postal_rows(built, "57717")
    ] == [
        ("MT", "MT-02", "zccd", "3"),
        ("SD", "SD-00", "zccd+provenance-fix", "3"),
        ("WY", "WY-00", "zccd", "3"),
    ]
    assert [(r["state"], r["source"]) for r in postal_rows(built, "81120")] == [
        ("CO", "zccd+provenance-fix"),
        ("NM", "zccd"),
    ]
    assert [r["state"] for r in postal_rows(built, "89019")] == ["CA", "NV"]
    # GA and LA redrew their maps: their old pairs are not evidence
    assert [r["state"] for r in postal_rows(built, "36855")] == ["AL"]
    # a ZCTA absent from the file altogether is not invented
    assert postal_rows(built, "03579") == []
    restored = sum(len(zips) for _state, _n, zips in us_fetch.RESTORED_ZCCD_PAIRS)
    assert restored == 30


def test_zccd_rows_have_no_share_and_pad_district_zero(built: CountryData) -> None:
    """PROVENANCE: zccd has no shares, and cd 0 means at-large, DC or PR."""
    assert postal_rows(built, "10002") == [
        {
            "zip": "10002",
            "state": "NY",
            "district_id": f"NY-0{n}",
            "share": "",
            "rank": "",
            "n_districts": "2",
            "congress": "119",
            "note": "",
            "source": "zccd",
            "source_date": "2024-11-12",
        }
        for n in (1, 2)
    ]
    assert [r["district_id"] for r in postal_rows(built, "20001")] == ["DC-00"]
    assert [r["district_id"] for r in postal_rows(built, "00601")] == ["PR-00"]
    states = {row["state"] for row in built.tables["postal_us.csv"].rows}
    assert not states & NO_ZIP_ROWS


def test_read_zccd_rejects_a_bad_file(tmp_path: Path) -> None:
    path = tmp_path / "zccd.csv"
    path.write_text("state_fips,state_abbr,zcta\n36,NY,10001\n", encoding="utf-8")
    with pytest.raises(ValueError, match="header"):
        us_fetch.read_zccd(path)
    path.write_text("state_fips,state_abbr,zcta,cd\n36,NY,1000,1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="bad ZCTA '1000'"):
        us_fetch.read_zccd(path)
    path.write_text("state_fips,state_abbr,zcta,cd\n06,NY,10001,1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown state 'NY'/'06'"):
        us_fetch.read_zccd(path)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "not a non-empty JSON list"),
        (["T000001"], "not an object"),
        ([{"id": {"bioguide": "T000001"}, "name": {"first": "A", "last": "B"}}], "no terms"),
        ([person("T000001", {"type": "del", "state": "NY", "party": "D"})], "not sen/rep"),
        ([{"id": {"bioguide": "nope"}}], "no valid id.bioguide"),
        ([{"id": {"bioguide": "T000001"}, "name": {"first": "A"}, "terms": []}], "name.first"),
        ([person("T000001", {"type": "sen", "state": "NY"})], "no party"),
        ([person("T000001", {"type": "rep", "state": "NY", "party": "D"})], "district"),
        ([person("T000001", {"type": "sen", "state": "XX", "party": "D"})], "unknown state"),
        ([person("T000001", {"type": "sen", "state": "DC", "party": "D"})], "no senators"),
        ([person("T000001", {"type": "sen", "state": "NY", "party": "D", "url": 1})], "url"),
    ],
)
def test_parse_legislators_refuses_malformed_records(data: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        us_fetch.parse_legislators(data)


# --- check -----------------------------------------------------------------------------------


def seat(body: str, state: str, district_id: str, n: int = 0) -> dict[str, str]:
    row = dict.fromkeys(REPRESENTATIVE_COLUMNS, "")
    key = district_id or f"{state}-{n}"
    row.update(
        id=f"bioguide:{body}-{key}",
        country="US",
        body=body,
        region=state,
        district_id=district_id,
        name=f"Testy McTestface {key}",
        vacant="0",
        website="https://example.house.gov",
    )
    return row


def zip_row(zcta: str, district_id: str) -> dict[str, str]:
    row = dict.fromkeys(us_fetch.POSTAL_COLUMNS, "")
    return row | {"zip": zcta, "state": district_id[:2], "district_id": district_id,
                  "congress": "119"}  # fmt: skip


def terms_table(reps: list[dict[str, str]], congress: str = "119") -> Table:
    """Return a us_terms.csv table giving every seat the same Congress."""
    rows = [{"id": r["id"], "state": r["region"], "body": r["body"], "congress": congress,
             "start": "", "end": ""} for r in reps]  # fmt: skip
    return Table(us_plans.TERMS_COLUMNS, rows)


def complete_data() -> CountryData:
    """Return invented data with every seat: 435 voting (9 or 8 per state), 6 delegates, 100."""
    reps, postal = [], []
    for index, state in enumerate(us.SENATE_STATES):
        for n in range(1, (9 if index < 35 else 8) + 1):
            reps.append(seat("us-house", state, district_code(state, n)))
            postal.append(zip_row(f"{index:02d}{n:03d}", district_code(state, n)))
        reps += [seat("us-senate", state, "", n) for n in (1, 2)]
    for state in NON_VOTING:
        reps.append(seat("us-house", state, f"{state}-00"))
        if state not in NO_ZIP_ROWS:
            postal.append(zip_row(f"9{len(postal):04d}", f"{state}-00"))
    return CountryData(
        reps,
        {
            "postal_us.csv": Table(us_fetch.POSTAL_COLUMNS, postal),
            "us_terms.csv": terms_table(reps),
        },
    )


def test_check_complete_data_has_no_holes() -> None:
    result = us.check(complete_data())
    assert result.holes == []
    assert result.counts == {
        "us_house_seats": 435,
        "us_house_vacant": 0,
        "us_delegate_seats": 6,
        "us_senate_seats": 100,
        "us_senate_vacant": 0,
        "us_contact_forms": 0,
        "postal_us_rows": 437,
        "postal_us_zips": 437,
        "postal_us_restored_pairs": 0,
        "postal_us_state_only_zips": 0,
    }


def test_check_reports_a_missing_seat() -> None:
    data = complete_data()
    data.representatives = [r for r in data.representatives if r["district_id"] != "AL-03"]
    assert us.check(data).holes == [
        "No row for House seat AL-03",
        "434 voting House seats, expected 435",
        "1 postal_us.csv rows point at AL-03, which has no seat row for their state",
    ]


def test_check_reports_a_missing_delegate_and_a_surplus_seat() -> None:
    data = complete_data()
    data.representatives = [r for r in data.representatives if r["district_id"] != "GU-00"]
    data.representatives.append(seat("us-house", "DC", "DC-01"))
    assert us.check(data).holes == [
        "House seat DC-01 should not exist",
        "No row for House seat GU-00",
    ]


def test_check_reports_wrong_totals() -> None:
    data = complete_data()
    data.representatives.append(seat("us-house", "WY", "WY-09"))  # WY goes 1..9
    data.representatives.append(seat("us-senate", "DC", "", 1))
    data.representatives = [r for r in data.representatives if r["id"] != "bioguide:us-senate-AK-1"]
    assert us.check(data).holes == [
        "436 voting House seats, expected 435",
        "AK has 1 Senate seats, expected 2",
        "Senate seat for DC, which has no senators",
    ]


def test_check_reports_a_missing_senator() -> None:
    data = complete_data()
    data.representatives = [r for r in data.representatives if r["id"] != "bioguide:us-senate-WY-2"]
    assert us.check(data).holes == [
        "WY has 1 Senate seats, expected 2",
        "99 Senate seats, expected 100",
    ]


def test_check_reports_duplicate_and_malformed_seats() -> None:
    data = complete_data()
    data.representatives.append(seat("us-house", "AL", "AL-01"))
    data.representatives.append(seat("us-house", "AL", "Alabama 1"))
    assert us.check(data).holes == [
        "House seat AL-01 has 2 rows",
        "House row with a bad district id 'Alabama 1'",
    ]


def test_check_reports_an_orphan_postal_row_and_an_unreachable_state() -> None:
    data = complete_data()
    table = data.tables["postal_us.csv"]
    table.rows = [r for r in table.rows if r["state"] != "WY"]
    table.rows.append(zip_row("99999", "AL-10"))
    table.rows.append(zip_row("99998", "NV-01") | {"state": "CA"})
    assert us.check(data).holes == [
        "1 postal_us.csv rows point at AL-10, which has no seat row for their state",
        "1 postal_us.csv rows point at NV-01, which has no seat row for their state",
        "No ZIP in postal_us.csv leads to WY",
    ]


def test_check_reports_a_member_without_contact_channel_but_not_a_vacancy() -> None:
    data = complete_data()
    rows = data.representatives
    rows[0]["website"] = ""
    rows[1].update(website="", name="", vacant="1")
    assert us.check(data).holes == [
        f"{rows[0]['id']} ({rows[0]['name']}, AK-01) has no email, contact form or website"
    ]
    rows[0]["contact_url"] = "https://example.house.gov/contact"
    assert us.check(data).holes == []


def test_check_reports_a_missing_postal_table() -> None:
    data = complete_data()
    data.tables = {}
    assert us.check(data).holes == ["us_terms.csv is missing", "postal_us.csv is missing"]


def test_check_on_the_fixture_build(built: CountryData) -> None:
    result = us.check(built)
    assert result.holes[-1] == "32 voting House seats, expected 435"
    assert not any("Newly Sworn" in hole for hole in result.holes)
    assert result.counts["postal_us_restored_pairs"] == 3
    assert result.counts["us_delegate_seats"] == 6


# --- fetch against a local HTTP server -------------------------------------------------------


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    length: int | None = None  # the Content-Length to announce; None: the body's length
    stall: bool = False


class Server(ThreadingHTTPServer):
    routes: dict[str, Route]
    hits: dict[str, int]
    release: threading.Event


class Handler(BaseHTTPRequestHandler):
    server: Server

    def do_GET(self) -> None:
        self.server.hits[self.path] = self.server.hits.get(self.path, 0) + 1
        route = self.server.routes.get(self.path)
        if route is None:
            self.send_error(404)
            return
        if route.stall:
            self.server.release.wait(STALL_SECONDS)
            self.close_connection = True
            return
        self.send_response(route.status)
        announced = len(route.body) if route.length is None else route.length
        self.send_header("Content-Length", str(announced))
        self.end_headers()
        self.wfile.write(route.body)
        self.close_connection = route.length is not None

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output quiet."""


@pytest.fixture
def server() -> Iterator[Server]:
    srv = Server(("127.0.0.1", 0), Handler)  # port 0: the OS picks a free port
    srv.routes, srv.hits, srv.release = {}, {}, threading.Event()
    srv.routes[LEGISLATORS_PATH] = Route((OFFICIAL / "legislators-current.json").read_bytes())
    srv.routes[CENSUS_PATH] = Route((OFFICIAL / "tab20_cd11920_zcta520_natl.txt").read_bytes())
    thread = threading.Thread(target=srv.serve_forever, args=(POLL_SECONDS,), daemon=True)
    thread.start()
    yield srv
    srv.release.set()
    srv.shutdown()
    srv.server_close()
    thread.join()


@dataclass
class Clients:
    made: list[HttpClient] = field(default_factory=list)

    def __call__(self, retries: int = 1, timeout: tuple[float, float] = (1.0, 2.0)) -> HttpClient:
        """Return a client that retries once without waiting, closed after the test."""
        client = HttpClient(retries=retries, backoff=0, timeout=timeout)
        self.made.append(client)
        return client


@pytest.fixture
def clients() -> Iterator[Clients]:
    made = Clients()
    yield made
    for client in made.made:
        client.session.close()


@pytest.fixture
def small_congress(monkeypatch: pytest.MonkeyPatch) -> None:
    """Accept the fixture's handful of members and ZCTAs as a whole Congress."""
    monkeypatch.setattr(us_fetch, "MIN_SENATORS", 2)
    monkeypatch.setattr(us_fetch, "MIN_HOUSE_MEMBERS", 3)
    monkeypatch.setattr(us_fetch, "MIN_ZCTAS", 5)


def urls(srv: Server) -> dict[str, str]:
    base = f"http://127.0.0.1:{srv.server_port}"
    return {"legislators": base + LEGISLATORS_PATH, "zcta_cd": base + CENSUS_PATH}


@pytest.mark.usefixtures("small_congress")
def test_fetch_refreshes_members_and_keeps_contact_forms(
    server: Server, clients: Clients, built: CountryData
) -> None:
    fresh = us.fetch(clients(), urls(server), built, TODAY)
    rows = by_id(fresh)
    carried = rows["bioguide:T000002"]
    assert carried["contact_url"] == "https://www.placeholder.senate.gov/write-to-quinn/"
    assert (carried["source"], carried["source_date"]) == (
        "congress-legislators+contact-congress",
        "2026-06-15",
    )
    assert rows["bioguide:T000007"]["contact_url"] == "https://mcformface.house.gov/contact/email"
    assert rows["bioguide:T000007"]["note"] == us.HOUSE_CONTACT_CAVEAT
    own = rows["bioguide:T000001"]
    assert (own["source"], own["source_date"]) == ("congress-legislators", TODAY)
    assert rows["bioguide:T000009"]["website"] == "https://sworn.house.gov"
    assert rows["bioguide:T000009"]["note"] == ""
    assert rows["bioguide:T000015"]["district_id"] == "CA-14"
    assert "vacant:us-house:CA-14" not in rows and "bioguide:T000004" not in rows
    assert rows["bioguide:T000014"]["region"] == "OH"
    assert rows["vacant:us-house:NY-01"]["source"] == "congress-legislators+census-zcta-cd"
    assert fresh.readme.startswith("## United States\n") and f"downloaded {TODAY}" in fresh.readme


@pytest.mark.usefixtures("small_congress")
def test_fetch_computes_shares_from_the_census_file(server: Server, clients: Clients) -> None:
    fresh = us.fetch(clients(), urls(server), None, TODAY)
    got = {
        zcta: [
            (r["district_id"], r["share"], r["rank"], r["n_districts"])
            for r in postal_rows(fresh, zcta)
        ]
        for zcta in ("10002", "10003", "10004", "57717", "96002", "20001", "00601")
    }
    assert got == {
        "10002": [("NY-01", "0.7000", "1", "2"), ("NY-02", "0.3000", "2", "2")],
        "10003": [("NY-03", "0.9960", "1", "1")],  # the 0.4% sliver in NY-04 is dropped
        "10004": [("NY-04", "1.0000", "1", "1")],  # the "ZZ" (no district) part is skipped
        "57717": [
            ("SD-00", "0.6000", "1", "3"),
            ("MT-02", "0.3000", "2", "3"),
            ("WY-00", "0.1000", "3", "3"),
        ],
        "96002": [("CA-01", "1.0000", "1", "1")],  # no land: shares of the whole area
        "20001": [("DC-00", "1.0000", "1", "1")],  # "98" (delegate) becomes 00
        "00601": [("PR-00", "1.0000", "1", "1")],
    }
    table = fresh.tables["postal_us.csv"]
    assert {row["source"] for row in table.rows} == {"census-zcta-cd"}
    assert {row["source_date"] for row in table.rows} == {TODAY}
    assert not {row["state"] for row in table.rows} & NO_ZIP_ROWS  # GU's ZCTA is skipped
    # without current tables, the contact-congress forms cannot be carried over
    assert by_id(fresh)["bioguide:T000002"]["contact_url"] == ""


def test_fetch_refuses_an_incomplete_congress(server: Server, clients: Clients) -> None:
    with pytest.raises(ValueError, match="3 senators and 3 voting House members"):
        us.fetch(clients(), urls(server), None, TODAY)


def test_fetch_http_500_raises_after_retries(server: Server, clients: Clients) -> None:
    server.routes[LEGISLATORS_PATH] = Route(b"oops", status=500)
    with pytest.raises(FetchError, match="HTTP 500"):
        us.fetch(clients(), urls(server), None, TODAY)
    assert server.hits[LEGISLATORS_PATH] == 2  # the first try and one retry


def test_fetch_stalled_server_times_out(server: Server, clients: Clients) -> None:
    server.routes[LEGISLATORS_PATH] = Route(stall=True)
    client = clients(retries=0, timeout=(1, 0.5))
    with pytest.raises(FetchError, match="legislators-current.json"):
        us.fetch(client, urls(server), None, TODAY)


def test_fetch_short_answer_raises(server: Server, clients: Clients) -> None:
    body = (OFFICIAL / "legislators-current.json").read_bytes()
    server.routes[LEGISLATORS_PATH] = Route(body[:200], length=len(body))
    with pytest.raises(FetchError):
        us.fetch(clients(), urls(server), None, TODAY)


def test_fetch_json_cut_in_half_raises(server: Server, clients: Clients) -> None:
    body = (OFFICIAL / "legislators-current.json").read_bytes()
    server.routes[LEGISLATORS_PATH] = Route(body[: len(body) // 2])
    with pytest.raises(FetchError, match="not valid JSON"):
        us.fetch(clients(), urls(server), None, TODAY)


@pytest.mark.usefixtures("small_congress")
def test_fetch_census_file_cut_mid_line_raises(server: Server, clients: Clients) -> None:
    text = (OFFICIAL / "tab20_cd11920_zcta520_natl.txt").read_bytes()
    server.routes[CENSUS_PATH] = Route(text[: text.index(b"|57717|") + 10])
    with pytest.raises(ValueError, match="wrong number of fields"):
        us.fetch(clients(), urls(server), None, TODAY)


@pytest.mark.usefixtures("small_congress")
def test_fetch_census_file_cut_at_a_line_end_raises(
    server: Server, clients: Clients, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(us_fetch, "MIN_ZCTAS", 11)  # the whole fixture has 11 usable ZCTAs
    text = (OFFICIAL / "tab20_cd11920_zcta520_natl.txt").read_bytes()
    server.routes[CENSUS_PATH] = Route(text[: text.index(b"\n1012|") + 1])
    with pytest.raises(ValueError, match="has 7 ZCTAs, expected at least 11"):
        us.fetch(clients(), urls(server), None, TODAY)


def test_parse_zcta_cd_refuses_other_formats() -> None:
    with pytest.raises(ValueError, match="unexpected header"):
        us_fetch.parse_zcta_cd("zcta,cd\n10001,3601\n", TODAY)
    header = (OFFICIAL / "tab20_cd11920_zcta520_natl.txt").read_text(encoding="utf-8-sig")
    first = header.splitlines()[0]
    fields = [
        "1",
        "36AB",
        "x",
        "1",
        "1",
        "G",
        "N",
        "2",
        "10001",
        "z",
        "10",
        "0",
        "G",
        "B5",
        "S",
        "10",
        "0",
    ]
    with pytest.raises(ValueError, match="bad district code '36AB'"):
        us_fetch.parse_zcta_cd(first + "\n" + "|".join(fields) + "\n", TODAY)
    fields[8] = "1000"
    with pytest.raises(ValueError, match="bad ZCTA '1000'"):
        us_fetch.parse_zcta_cd(first + "\n" + "|".join(fields) + "\n", TODAY)
    fields[1], fields[8], fields[15] = "3601", "10001", "ten"
    with pytest.raises(ValueError, match="bad area"):
        us_fetch.parse_zcta_cd(first + "\n" + "|".join(fields) + "\n", TODAY)


def test_official_urls_cover_every_download() -> None:
    assert set(us.OFFICIAL_URLS) == {"legislators", "zcta_cd"}
    assert us.SOURCE_DIR == "us"
