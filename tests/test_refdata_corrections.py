"""Tests for petition.refdata.corrections: the hand-kept corrections, applied and checked."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from petition.db import get_session
from petition.models import DataReport
from petition.refdata import operations
from petition.refdata.corrections import (
    CORRECTION_COLUMNS,
    Correction,
    CorrectionError,
    apply_corrections,
    check_corrections,
    read_corrections,
    render_status,
)
from petition.refdata.schema import read_csv
from tests.test_refdata_store import fake_module, rep, us_data, write_tables

DATA = Path(__file__).parent.parent / "data"
URL = "https://news.example/floor-crossing"


def correction(**values: str) -> Correction:
    base = {"id": "bioguide:T1", "field": "party", "old_value": "Conservative",
            "new_value": "Liberal", "source_url": URL, "date": "2025-11-04"}  # fmt: skip
    return Correction(**(base | values))


def write(path: Path, *lines: str) -> Path:
    path.write_text(",".join(CORRECTION_COLUMNS) + "\n" + "".join(lines), encoding="utf-8")
    return path


def test_the_committed_corrections_are_applied_with_their_source() -> None:
    corrections = read_corrections(DATA / "corrections.csv")
    assert {(c.id, c.field, c.new_value) for c in corrections} >= {
        ("ourcommons:49344", "party", "Liberal"),
        ("ourcommons:105088", "party", "Liberal"),
        ("represent:24077-marc-miller", "id", "ourcommons:88660"),
    }
    rows = {row["id"]: row for row in read_csv(DATA / "representatives.csv").rows}
    assert rows["ourcommons:49344"]["name"] == "Chris d'Entremont"
    assert rows["ourcommons:49344"]["party"] == "Liberal"
    assert rows["ourcommons:105088"]["party"] == "Liberal"
    assert rows["ourcommons:88660"]["name"] == "Marc Miller"
    assert "represent:24077-marc-miller" not in rows
    assert rows["ourcommons:49344"]["source"].endswith("+correction")
    statuses = read_csv(DATA / "corrections_applied.csv").rows
    assert {row["status"] for row in statuses} == {"applied"}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("bioguide:T1,colour,a,b,https://x.example/,2025-01-01,\n", "a field among"),
        ("bioguide:T1,party,a,a,https://x.example/,2025-01-01,\n", "the same"),
        ("bioguide:T1,party,a,b,http://x.example/,2025-01-01,\n", "https://"),
        ("bioguide:T1,party,a,b,https://x.example/,2025-13-01,\n", "does not exist"),
        ("bioguide:T1,party,a,b,https://x.example/,1 Jan 2025,\n", "YYYY-MM-DD"),
        (",party,a,b,https://x.example/,2025-01-01,\n", "record id"),
    ],
)
def test_malformed_lines_are_refused_with_their_line_number(tmp_path, line, message) -> None:
    with pytest.raises(CorrectionError, match=f"line 2: .*{message}"):
        read_corrections(write(tmp_path / "corrections.csv", line))


def test_wrong_columns_and_absent_file(tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_text("what,old,new\n", encoding="utf-8")
    with pytest.raises(CorrectionError, match="columns"):
        read_corrections(tmp_path / "c.csv")
    assert read_corrections(tmp_path / "absent.csv") == []


def test_apply_only_over_the_old_value() -> None:
    rows = [rep("bioguide:T1", party="Conservative"), rep("bioguide:T2", party="Liberal"),
            rep("bioguide:T3", party="NDP")]  # fmt: skip
    statuses = apply_corrections(rows, [
        correction(), correction(id="bioguide:T2"), correction(id="bioguide:T3"),
        correction(id="bioguide:GONE"),
    ])  # fmt: skip
    assert [(s["id"], s["upstream_value"], s["status"]) for s in statuses] == [
        ("bioguide:T1", "Conservative", "applied"),
        ("bioguide:T2", "Liberal", "obsolete"),
        ("bioguide:T3", "NDP", "conflict"),
    ]
    assert [r["party"] for r in rows] == ["Liberal", "Liberal", "NDP"]
    assert [r["source"] for r in rows] == ["fixture+correction", "fixture", "fixture"]


def test_an_id_change_then_a_field_of_the_renamed_row() -> None:
    rows = [rep("represent:x", website="")]
    steps = [
        correction(id="represent:x", field="id", old_value="represent:x", new_value="ourcommons:1"),
        correction(id="ourcommons:1", field="website", old_value="", new_value=URL),
    ]
    assert [s["status"] for s in apply_corrections(rows, steps)] == ["applied", "applied"]
    assert (rows[0]["id"], rows[0]["website"]) == ("ourcommons:1", URL)
    # once upstream has the id, the first line may be obsolete and the second still applies
    upstream = [rep("ourcommons:1", website="")]
    assert [s["status"] for s in apply_corrections(upstream, steps)] == ["obsolete", "applied"]


def test_check_says_which_corrections_are_still_needed(tmp_path: Path) -> None:
    lines = [correction(), correction(id="bioguide:T2"), correction(id="bioguide:T3"),
             correction(id="bioguide:NEW")]  # fmt: skip
    rows = [rep("bioguide:T1", party="Conservative"), rep("bioguide:T2", party="Liberal"),
            rep("bioguide:T3", party="NDP")]  # fmt: skip
    (tmp_path / "status.csv").write_text(render_status(apply_corrections(rows, lines)), "utf-8")
    verdicts = check_corrections(lines, tmp_path / "status.csv")
    assert [v for v, _message in verdicts] == [
        "still_needed",
        "maybe_obsolete",
        "conflict",
        "not_applied",
    ]
    assert "upstream still says 'Conservative'" in verdicts[0][1]
    assert "remove the line from corrections.csv" in verdicts[1][1]
    assert "upstream now says 'NDP'" in verdicts[2][1]


def test_refresh_applies_corrections_and_keeps_other_countries_statuses(
    tmp_path, monkeypatch
) -> None:
    data_dir = write_tables(tmp_path, us_data(rep("bioguide:T1", party="Conservative")))
    (data_dir / "corrections_applied.csv").write_text(
        "id,field,old_value,new_value,upstream_value,status\n"
        "ep:1,party,A,B,A,applied\nbioguide:T1,party,Conservative,Liberal,Conservative,applied\n",
        encoding="utf-8",
    )
    fresh = us_data(rep("bioguide:T1", party="Liberal"))  # upstream caught up
    monkeypatch.setattr(operations, "country_module", lambda code: fake_module(fresh))
    operations.refresh_tables(data_dir, ["us"], None, {}, "2026-11-25", [correction()])
    statuses = {r["id"]: r["status"] for r in read_csv(data_dir / "corrections_applied.csv").rows}
    assert statuses["bioguide:T1"] == "obsolete"
    assert statuses["ep:1"] == "applied"  # the EU was not refreshed: its status stays
    assert "bioguide:GONE" not in statuses  # a refreshed country without that record


@pytest.fixture
def data_dir(app, tmp_path: Path) -> Path:
    """A copy of data/ as the app's DATA_DIR, and a mistake report (id 7) about one MP."""
    folder = tmp_path / "data"
    shutil.copytree(DATA, folder)
    app.config["DATA_DIR"] = str(folder)
    with app.app_context():
        session = get_session()
        message = "He sits as an independent now"
        session.add(DataReport(id=7, message=message, representative_id="ourcommons:89156"))
        session.commit()
    return folder


def test_correct_command_turns_a_report_into_a_line(app, data_dir: Path) -> None:
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["data", "reports"])
    assert (
        "#7 " in listed.output
        and "ourcommons:89156: He sits as an independent now" in listed.output
    )
    assert "1 open report(s)." in listed.output
    args = ["data", "correct", "--report", "7", "--field", "party",
            "--new-value", "Independent", "--source", URL]  # fmt: skip
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    last = read_corrections(data_dir / "corrections.csv")[-1]
    assert (last.id, last.field, last.old_value, last.new_value, last.source_url) == (
        "ourcommons:89156", "party", "Conservative", "Independent", URL
    )  # fmt: skip
    assert last.note == "He sits as an independent now"
    with app.app_context():
        assert get_session().get(DataReport, 7).resolved_at is not None
    again = runner.invoke(args=args)
    assert again.exit_code != 0 and "already resolved" in again.output
    assert "0 open report(s)." in runner.invoke(args=["data", "reports"]).output
    check = runner.invoke(args=["data", "check", "--data", str(data_dir)])
    assert "corrections_not_applied 1" in check.output


def test_correct_command_refuses_a_bad_source_or_field(app, data_dir: Path) -> None:
    before = (data_dir / "corrections.csv").read_bytes()
    runner = app.test_cli_runner()
    base = ["data", "correct", "--report", "7", "--new-value", "x"]
    bad_url = runner.invoke(args=[*base, "--field", "party", "--source", "http://x.example/"])
    assert bad_url.exit_code != 0 and "https://" in bad_url.output
    bad_field = runner.invoke(args=[*base, "--field", "body", "--source", URL])
    assert bad_field.exit_code != 0 and "cannot be corrected" in bad_field.output
    missing = runner.invoke(args=["data", "correct", "--report", "99", "--field", "party",
                                  "--new-value", "x", "--source", URL])  # fmt: skip
    assert missing.exit_code != 0 and "No mistake report 99" in missing.output
    assert (data_dir / "corrections.csv").read_bytes() == before
    with app.app_context():
        assert get_session().get(DataReport, 7).resolved_at is None  # nothing was committed
