"""The small reference tables the view, letter and browser tests run on (tests/fixtures/data)."""

from __future__ import annotations

from pathlib import Path

from petition.refdata.schema import read_csv
from tests.conftest import FIXTURE_DATA


def test_view_tests_load_the_fixture_tables_not_data(ref_app) -> None:
    assert Path(ref_app.config["DATA_DIR"]) == FIXTURE_DATA
    committed = Path(__file__).parent.parent / "data"
    # content files are shared with data/; only the reference tables are fixtures
    assert (FIXTURE_DATA / "letters").resolve() == (committed / "letters").resolve()
    assert not (FIXTURE_DATA / "representatives.csv").is_symlink()


def test_fixture_postal_rows_lead_to_fixture_seats() -> None:
    seats = {
        (r["region"], r["district_id"]) for r in read_csv(FIXTURE_DATA / "representatives.csv").rows
    }
    for row in read_csv(FIXTURE_DATA / "postal_us.csv").rows:
        assert (row["state"], row["district_id"]) in seats
    for row in read_csv(FIXTURE_DATA / "postal_ca.csv").rows:
        assert (row["province"], row["fed_code"]) in seats
