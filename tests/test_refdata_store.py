"""Writing, reading, loading and refreshing the reference tables (country modules faked)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from petition.db import get_session
from petition.models import Constituency, PostalArea, Representative
from petition.refdata import operations
from petition.refdata.http import FetchError
from petition.refdata.schema import REPRESENTATIVE_COLUMNS, CheckResult, CountryData, Table
from petition.refdata.store import DataFileError, load_reference_data
from petition.refdata.tables import read_all, render_files, write_files


def rep(rep_id: str, **values: str) -> dict[str, str]:
    row = dict.fromkeys(REPRESENTATIVE_COLUMNS, "")
    row.update(
        id=rep_id,
        country="US",
        body="us-house",
        region="NY",
        district_id="NY-12",
        name="Testy McTestface",
        address_as="Representative",
        website="https://t.example",
        vacant="0",
        source="fixture",
        source_date="2026-06-15",
    )
    row.update(values)
    return row


def us_data(*reps: dict[str, str], zips: int = 2) -> CountryData:
    header = (
        "zip",
        "state",
        "district_id",
        "share",
        "rank",
        "n_districts",
        "source",
        "source_date",
    )
    rows = [
        {
            "zip": f"1000{n}",
            "state": "NY",
            "district_id": "NY-12",
            "share": "",
            "rank": "",
            "n_districts": "1",
            "source": "fixture",
            "source_date": "2026-06-15",
        }
        for n in range(zips)
    ]
    return CountryData(
        representatives=list(reps) or [rep("bioguide:T000001")],
        tables={"postal_us.csv": Table(header=header, rows=rows)},
        readme="## United States\n\nFixture.",
    )


def eu_data() -> CountryData:
    header = ("country", "constituency_id", "name", "seats", "note", "source", "source_date")
    return CountryData(
        representatives=[
            rep(
                "ep:1",
                country="IE",
                body="eu-parliament",
                region="IE",
                district_id="IE-dublin",
                address_as="MEP",
                email="a@europarl.europa.eu",
            )
        ],
        tables={
            "eu_constituencies.csv": Table(
                header=header,
                rows=[
                    {
                        "country": "IE",
                        "constituency_id": "IE-dublin",
                        "name": "Dublin",
                        "seats": "4",
                        "note": "",
                        "source": "f",
                        "source_date": "2024-06-14",
                    }
                ],
            ),
            "postal_eu.csv": Table(
                header=(
                    "country",
                    "kind",
                    "key",
                    "constituency_id",
                    "note",
                    "source",
                    "source_date",
                ),
                rows=[
                    {
                        "country": "IE",
                        "kind": "routing_key",
                        "key": "D02",
                        "constituency_id": "IE-dublin",
                        "note": "",
                        "source": "f",
                        "source_date": "2024-06-14",
                    }
                ],
            ),
        },
        readme="## European Union\n\nFixture.",
    )


def test_render_is_deterministic_and_round_trips(tmp_path: Path) -> None:
    datas = {"us": us_data(rep("bioguide:B2"), rep("bioguide:A1")), "eu": eu_data()}
    files = render_files(datas)
    assert files == render_files(
        {"eu": eu_data(), "us": us_data(rep("bioguide:A1"), rep("bioguide:B2"))}
    )
    write_files(tmp_path, files)
    assert render_files(read_all(tmp_path)) == files
    lines = (tmp_path / "representatives.csv").read_text().splitlines()
    assert lines[0] == ",".join(REPRESENTATIVE_COLUMNS)
    assert [line.split(",")[0] for line in lines[1:]] == ["bioguide:A1", "bioguide:B2", "ep:1"]
    assert "<!-- section: eu -->\n## European Union" in files["README.md"]


def test_render_refuses_rows_of_another_country() -> None:
    with pytest.raises(ValueError, match="bad representative row"):
        render_files({"us": us_data(rep("x", country="CA", body="ca-commons"))})


def test_write_files_is_all_or_nothing(tmp_path: Path, monkeypatch) -> None:
    write_files(tmp_path, {"a.csv": "old\n", "b.csv": "old\n"})
    real_replace = operations.write_files.__globals__["os"].replace
    calls = []

    def failing_replace(src, dst):
        calls.append(dst)
        raise OSError("disk full")

    monkeypatch.setattr("petition.refdata.tables.os.replace", failing_replace)
    with pytest.raises(OSError):
        write_files(tmp_path, {"a.csv": "new\n", "b.csv": "new\n"})
    monkeypatch.setattr("petition.refdata.tables.os.replace", real_replace)
    assert (tmp_path / "a.csv").read_text() == "old\n"
    assert not list(tmp_path.glob(".*.tmp"))  # staged files are cleaned up


def write_tables(tmp_path: Path, us: CountryData) -> Path:
    write_files(tmp_path, render_files({"us": us, "eu": eu_data()}))
    return tmp_path


def table_counts() -> tuple[int, int, int]:
    session = get_session()
    return (
        session.scalar(select(func.count()).select_from(Representative)),
        session.scalar(select(func.count()).select_from(PostalArea)),
        session.scalar(select(func.count()).select_from(Constituency)),
    )


def test_load_is_idempotent_and_follows_changes(app_ctx, tmp_path: Path) -> None:
    data_dir = write_tables(tmp_path, us_data(rep("bioguide:A1"), rep("bioguide:B2")))
    session = get_session()
    first = load_reference_data(session, data_dir)
    session.commit()
    assert (first.representatives, first.postal_areas, first.constituencies) == (3, 3, 1)
    load_reference_data(session, data_dir)
    session.commit()
    assert table_counts() == (3, 3, 1)
    write_tables(tmp_path, us_data(rep("bioguide:A1", name="Renamed", vacant="1"), zips=1))
    report = load_reference_data(session, data_dir)
    session.commit()
    assert report.removed == 1 and table_counts() == (2, 2, 1)
    renamed = session.get(Representative, "bioguide:A1")
    assert renamed.name == "Renamed" and renamed.vacant is True
    assert session.get(Representative, "bioguide:B2") is None
    dublin = session.scalars(select(PostalArea).where(PostalArea.key == "D02")).one()
    assert (dublin.country, dublin.kind, dublin.district_id) == ("IE", "routing_key", "IE-dublin")


def test_load_reports_bad_rows(app_ctx, tmp_path: Path) -> None:
    data_dir = write_tables(tmp_path, us_data(rep("bioguide:A1", source_date="June")))
    with pytest.raises(DataFileError, match="representatives.csv line 2: source_date 'June'"):
        load_reference_data(get_session(), data_dir)


def test_load_command_prints_counts(app, tmp_path: Path) -> None:
    app.config["DATA_DIR"] = str(write_tables(tmp_path, us_data()))
    result = app.test_cli_runner().invoke(args=["data", "load"])
    assert result.exit_code == 0, result.output
    assert "Representatives: 2 seats (0 removed), 3 postal rows, 1 EU constituencies." in (
        result.output
    )


class FakeCountry(SimpleNamespace):
    """Stands in for a country module in refresh tests."""


def fake_module(fetched: CountryData | Exception, holes: list[str] | None = None) -> FakeCountry:
    def fetch(client, urls, current, today):
        if isinstance(fetched, Exception):
            raise fetched
        return fetched

    return FakeCountry(
        OFFICIAL_URLS={"x": "http://127.0.0.1:9/x"},
        fetch=fetch,
        check=lambda data: CheckResult(
            counts={"rows": len(data.representatives)}, holes=holes or []
        ),
    )


@pytest.mark.parametrize(
    ("fetched", "holes", "error"),
    [
        (FetchError("http://x: HTTP 500"), None, FetchError),
        (ValueError("truncated JSON"), None, ValueError),
        (us_data(zips=0), None, operations.RefreshRefusedError),  # rows fall sharply
        (us_data(zips=2), ["NY-12 has no seat"], operations.RefreshRefusedError),
    ],
)
def test_failed_refresh_leaves_tables_untouched(tmp_path, monkeypatch, fetched, holes, error):
    data_dir = write_tables(tmp_path, us_data(zips=2))
    before = {p.name: p.read_bytes() for p in data_dir.iterdir()}
    monkeypatch.setattr(operations, "country_module", lambda code: fake_module(fetched, holes))
    with pytest.raises(error):
        operations.refresh_tables(data_dir, ["us"], None, {}, "2026-11-25")
    assert {p.name: p.read_bytes() for p in data_dir.iterdir()} == before


def test_successful_refresh_replaces_only_that_country(tmp_path, monkeypatch) -> None:
    data_dir = write_tables(tmp_path, us_data(zips=2))
    eu_before = (data_dir / "postal_eu.csv").read_bytes()
    fresh = us_data(rep("bioguide:N1", source_date="2026-11-25"), zips=3)
    fresh.readme = ""
    monkeypatch.setattr(operations, "country_module", lambda code: fake_module(fresh))
    report = operations.refresh_tables(data_dir, ["us"], None, {}, "2026-11-25")
    assert report.refreshed == ["us"]
    assert "bioguide:N1" in (data_dir / "representatives.csv").read_text()
    assert (data_dir / "postal_eu.csv").read_bytes() == eu_before
    assert "## United States\n\nFixture." in (data_dir / "README.md").read_text()  # kept
