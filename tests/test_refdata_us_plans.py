"""Tests for petition.refdata.us_plans: which Congress a map and members belong to, the guard."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from petition.refdata import us, us_plans
from petition.refdata.schema import Table, render_csv
from petition.refdata.us_fetch import POSTAL_COLUMNS, STATES
from tests.test_refdata_us import (
    CENSUS_PATH,
    LEGISLATORS_PATH,
    OFFICIAL,
    TODAY,
    Clients,
    Route,
    Server,
    urls,
)

pytest_plugins = ["tests.test_refdata_us"]  # its server, clients and small_congress fixtures

NAMES = {state: name for state, (_fips, name) in STATES.items()}
DATA = Path(__file__).parent.parent / "data"


def postal(zcta: str, district_id: str, congress: str = "119", share: str = "") -> dict[str, str]:
    row = dict.fromkeys(POSTAL_COLUMNS, "")
    return row | {"zip": zcta, "state": district_id[:2], "district_id": district_id,
                  "share": share, "n_districts": "1", "congress": congress,
                  "source": "census-zcta-cd", "source_date": TODAY}  # fmt: skip


@pytest.mark.parametrize(
    ("day", "congress"),
    [("2026-06-15", 119), ("2027-01-02", 119), ("2027-01-03", 120), ("2025-01-03", 119)],
)
def test_congress_on(day: str, congress: int) -> None:
    assert us_plans.congress_on(day) == congress


def test_a_house_term_serves_in_the_congress_it_ends_with() -> None:
    assert us_plans.term_congress({"type": "rep", "end": "2027-01-03"}, 0) == 119
    assert us_plans.term_congress({"type": "rep", "end": "2029-01-03"}, 0) == 120
    assert us_plans.term_congress({"type": "sen", "end": "2031-01-03"}, 119) == 119


def test_changed_states_between_congresses() -> None:
    assert us_plans.changed_states(119, 120) == {"TX", "CA", "MO", "NC", "OH", "UT"}
    assert us_plans.changed_states(120, 119) == {"TX", "CA", "MO", "NC", "OH", "UT"}
    assert us_plans.changed_states(119, 119) == frozenset()
    assert us_plans.changed_states(118, 119) is None  # before what we track: unknown
    assert us_plans.changed_states(120, 121) is None  # not known yet: every state


def test_guard_keeps_unchanged_states_and_offers_the_state_elsewhere() -> None:
    rows = [postal("10001", "NY-12"), postal("75001", "TX-24", share="0.7"),
            postal("75001", "TX-32", share="0.3"), postal("88063", "NM-02"),
            postal("88063", "TX-16")]  # fmt: skip
    kept, guarded = us_plans.guard_postal(rows, 120, NAMES)
    assert guarded == ["TX"]
    got = sorted((r["zip"], r["district_id"], r["congress"]) for r in kept)
    assert got == [("10001", "NY-12", "119"), ("75001", "TX-*", "119"),
                   ("88063", "NM-02", "119"), ("88063", "TX-*", "119")]  # fmt: skip
    texas = next(r for r in kept if r["zip"] == "75001")
    assert texas["note"].startswith("Texas has new congressional districts for the 120th")
    assert "still has the 119th Congress's lines" in texas["note"]
    # members and map of the same Congress: nothing to guard
    assert us_plans.guard_postal(rows, 119, NAMES) == (rows, [])


def test_guard_when_the_map_is_newer_than_the_members() -> None:
    kept, guarded = us_plans.guard_postal([postal("75001", "TX-24", congress="120")], 119, NAMES)
    assert guarded == ["TX"] and kept[0]["district_id"] == "TX-*"
    assert kept[0]["note"].startswith("Texas's congressional districts change with the 120th")
    assert "our list of members is still the 119th Congress's" in kept[0]["note"]


def test_guard_with_unknown_changes_guards_every_state() -> None:
    kept, guarded = us_plans.guard_postal([postal("10001", "NY-12")], 121, NAMES)
    assert guarded == ["NY"] and kept[0]["district_id"] == "NY-*"


def test_check_refuses_a_join_across_a_changed_plan_and_names_the_file() -> None:
    rows = [postal("10001", "NY-12"), postal("75001", "TX-24")]
    holes, warnings = us_plans.plan_messages(rows, [120, 120])
    assert holes == [
        "postal_us.csv joins 120th-Congress members to the 119th Congress's districts in TX, "
        "whose plans changed: rebuild or refresh with the 120th Congress's ZIP map "
        "(tab20_cd12020_zcta520_natl.txt)"
    ]
    assert warnings == []
    holes, warnings = us_plans.plan_messages([postal("75001", "TX-*")], [120])
    assert holes == []
    assert warnings[0].startswith("TX: new districts for the 120th Congress")
    assert "tab20_cd12020_zcta520_natl.txt" in warnings[0] and "--zip-map" in warnings[0]
    assert us_plans.plan_messages(rows, [119]) == ([], [])
    assert us_plans.plan_messages(rows, [119, 120])[0][0].startswith("us_terms.csv mixes")


def test_build_records_the_congress_of_members_and_map() -> None:
    built = us.build(Path(__file__).parent / "fixtures" / "refdata")
    assert {r["congress"] for r in built.tables["postal_us.csv"].rows} == {"119"}
    terms = {r["id"]: r for r in built.tables["us_terms.csv"].rows}
    assert len(terms) == len(built.representatives)
    assert {r["congress"] for r in terms.values()} == {"119"}
    assert us.check(built).warnings == []


def next_congress_legislators() -> bytes:
    """The fixture legislators as if re-elected to the 120th Congress."""
    people = json.loads((OFFICIAL / "legislators-current.json").read_bytes())
    for person in people:
        term = person["terms"][-1]
        if term["type"] == "rep":
            term.update(start="2027-01-03", end="2029-01-03")
    return json.dumps(people).encode()


@pytest.mark.usefixtures("small_congress")
def test_fetch_with_next_congress_members_guards_changed_states(
    server: Server, clients: Clients
) -> None:
    server.routes[LEGISLATORS_PATH] = Route(next_congress_legislators())
    fresh = us.fetch(clients(), urls(server), None, "2027-02-01")
    rows = fresh.tables["postal_us.csv"].rows
    california = [r for r in rows if r["state"] == "CA"]
    assert {r["district_id"] for r in california} == {"CA-*"}  # the state only, one row a ZIP
    assert len(california) == len({r["zip"] for r in california})
    assert {r["district_id"] for r in rows if r["state"] == "NY"} >= {"NY-01", "NY-02"}
    result = us.check(fresh)
    assert result.counts["postal_us_state_only_zips"] == len(california)
    assert any(w.startswith("CA: new districts for the 120th") for w in result.warnings)
    assert {r["congress"] for r in fresh.tables["us_terms.csv"].rows} == {"120"}


@pytest.mark.usefixtures("small_congress")
def test_fetch_reads_the_zip_map_from_a_local_file(
    server: Server, clients: Clients, tmp_path: Path
) -> None:
    text = (OFFICIAL / "tab20_cd11920_zcta520_natl.txt").read_text(encoding="utf-8-sig")
    copy = tmp_path / "tab20_cd12020_zcta520_natl.txt"
    copy.write_text(text.replace("CD119_20", "CD120_20"), encoding="utf-8")
    server.routes[LEGISLATORS_PATH] = Route(next_congress_legislators())
    fresh = us.fetch(clients(), urls(server) | {"zcta_cd": str(copy)}, None, "2027-02-01")
    rows = fresh.tables["postal_us.csv"].rows
    assert {r["congress"] for r in rows} == {"120"}
    assert [r["district_id"] for r in rows if r["zip"] == "96002"] == ["CA-01"]
    assert us.check(fresh).warnings == []
    assert CENSUS_PATH not in server.hits
    with pytest.raises(ValueError, match="ZIP map"):
        us.fetch(clients(), urls(server) | {"zcta_cd": str(tmp_path / "nope")}, None, TODAY)


@pytest.mark.usefixtures("small_congress")
def test_refresh_command_takes_the_zip_map_option(make_app, server: Server, tmp_path) -> None:
    """`--zip-map` reaches the US fetch (here a missing file, so the refresh stops)."""
    shutil.copytree(DATA, tmp_path / "data")
    legislators = urls(server)["legislators"]
    app = make_app(
        DATA_DIR=str(tmp_path / "data"), REFRESH_URLS={"us": {"legislators": legislators}}
    )
    result = app.test_cli_runner().invoke(
        args=["data", "refresh", "--country", "us", "--zip-map", str(tmp_path / "missing.txt")]
    )
    assert result.exit_code != 0
    assert f"ZIP map {tmp_path / 'missing.txt'}" in result.output
    assert server.hits == {LEGISLATORS_PATH: 1}


def lookup_app(make_app, tmp_path: Path, rows: list[dict[str, str]]):
    """An app whose data folder has the committed seats and the given ZIP rows."""
    folder = tmp_path / "data"
    for sub in ("campaigns", "letters"):
        shutil.copytree(DATA / sub, folder / sub)
    shutil.copy(DATA / "representatives.csv", folder)
    (folder / "postal_us.csv").write_text(render_csv(Table(POSTAL_COLUMNS, rows)), "utf-8")
    app = make_app(DATA_DIR=str(folder), DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite'}")
    from petition.db import Base, get_engine

    Base.metadata.create_all(get_engine(app))
    loaded = app.test_cli_runner().invoke(args=["data", "load"], catch_exceptions=False)
    assert loaded.exit_code == 0, loaded.output
    return app


def test_lookup_offers_the_state_for_a_guarded_zip_and_marks_slivers(make_app, tmp_path) -> None:
    note = us_plans.fallback_note("Texas", 120, 119)
    rows = [postal("75001", "TX-*") | {"note": note},
            postal("10001", "NY-12", share="0.9950") | {"rank": "1"},
            postal("10001", "NY-10", share="0.0050") | {"rank": "2"}]  # fmt: skip
    app = lookup_app(make_app, tmp_path, rows)
    client = app.test_client()
    texas = client.get("/api/v1/representatives?country=US&postal_code=75001").get_json()
    assert texas["ambiguous"] is True and texas["note"] == note
    assert len(texas["districts"]) == 38  # every Texas district
    assert [r["address_as"] for r in texas["at_large"]] == ["Senator", "Senator"]
    ny = client.get("/api/v1/representatives?country=US&postal_code=10001").get_json()
    assert [(d["id"], d["share"], d["note"]) for d in ny["districts"]] == [
        ("NY-12", 0.995, ""),
        ("NY-10", 0.005, "Less likely: under 1% of this ZIP code's land lies in this district."),
    ]


def check_output(make_app, tmp_path: Path, rows: list[dict[str, str]]):
    """Run `flask data check` on data/ with its postal_us.csv replaced by rows."""
    folder = tmp_path / "data"
    shutil.copytree(DATA, folder)
    (folder / "postal_us.csv").write_text(render_csv(Table(POSTAL_COLUMNS, rows)), "utf-8")
    terms = (folder / "us_terms.csv").read_text(encoding="utf-8")
    (folder / "us_terms.csv").write_text(terms.replace(",119,", ",120,"), encoding="utf-8")
    return make_app().test_cli_runner().invoke(args=["data", "check", "--data", str(folder)])


def test_check_command_refuses_a_cross_plan_join_and_names_the_file(make_app, tmp_path) -> None:
    rows = [postal(f"{n:05d}", f"{state}-01") for n, state in enumerate(NAMES, start=10000)
            if state not in ("AS", "GU", "MP", "VI")]  # fmt: skip
    result = check_output(make_app, tmp_path, rows)
    assert result.exit_code == 1
    assert "postal_us.csv joins 120th-Congress members to the 119th Congress's districts in " \
           "CA, MO, NC, OH, TX, UT" in result.output  # fmt: skip
    assert "tab20_cd12020_zcta520_natl.txt" in result.output


def test_check_command_says_which_states_wait_for_a_map(make_app, tmp_path) -> None:
    kept, _states = us_plans.guard_postal(
        [postal(f"{n:05d}", f"{state}-01") for n, state in enumerate(NAMES, start=10000)
         if state not in ("AS", "GU", "MP", "VI")], 120, NAMES
    )  # fmt: skip
    result = check_output(make_app, tmp_path, kept)
    assert "NOTE: CA, MO, NC, OH, TX, UT: new districts for the 120th Congress" in result.output
    assert "flask data refresh --country us --zip-map" in result.output
