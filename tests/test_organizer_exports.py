"""Organizer exports: counts from the tallies, the signer list, CSV safety and the CLI."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete, event, select

from petition import signatures as signatures_module
from petition.campaigns import get_campaign
from petition.counts import tally
from petition.db import Base, get_engine, get_session
from petition.models import COUNTED_STATES, AuditEntry, Campaign, Signature, SignatureState
from petition.organizer.cli_export import export_cli
from petition.organizer.exports import (
    COUNT_COLUMNS,
    COUNT_DIMENSIONS,
    CSV_CHUNK_ROWS,
    SIGNATURE_COLUMNS,
    ExportRefusedError,
    RowCounter,
    check_signature_export,
    count_chunks,
    count_rows,
    csv_lines,
    iter_signature_rows,
    json_chunks,
    neutralize_cell,
    signature_chunks,
)
from petition.signatures import confirm_signature, sign_campaign

TTL = timedelta(days=7)
INTERVAL = timedelta(minutes=60)
SIGNED = datetime(2025, 3, 1, 9, 30, 0)
CONFIRMED = datetime(2025, 3, 1, 10, 0, 0)
ANONYMOUS_MESSAGE = "This campaign is anonymous: only signers who agreed to updates can be exported"
PLACES = {  # country, postal code -> region via postal.region_for_postal_code
    "NY": ("US", "10001"),
    "SF": ("US", "94105"),
    "ON": ("CA", "M5V 2T6"),
    "FR": ("FR", "75001"),
    "AM": ("AM", "0010"),
}


def _campaign(slug: str = "artsakh") -> Campaign:
    campaign = get_campaign(get_session(), slug)
    assert campaign is not None
    return campaign


def _signer(
    monkeypatch: pytest.MonkeyPatch,
    email: str,
    place: str,
    district_id: str = "",
    *,
    name: str = "Anna",
    updates: bool = False,
    confirmed: datetime | None = CONFIRMED,
    signed: datetime = SIGNED,
    campaign: str = "artsakh",
) -> Signature:
    """Sign (and confirm unless confirmed is None) at fixed times, then commit."""
    session = get_session()
    country, postal_code = PLACES[place]
    monkeypatch.setattr(signatures_module, "utcnow", lambda: signed)
    result = sign_campaign(
        session,
        _campaign(campaign),
        name=name,
        email=email,
        country=country,
        postal_code=postal_code,
        updates=updates,
        ip_hash="h",
        district_id=district_id,
        token_ttl=TTL,
        notice_interval=INTERVAL,
    )
    if confirmed is not None:
        assert result.confirm_token
        monkeypatch.setattr(signatures_module, "utcnow", lambda: confirmed)
        confirm_signature(session, result.confirm_token)
    session.commit()
    return result.signature


def _invalidate(signature: Signature) -> None:
    """Invalidate a confirmed signature the way moderation does: state and tallies together."""
    session = get_session()
    signature.state = SignatureState.INVALIDATED
    tally(session, signature, SignatureState.CONFIRMED, -1)
    tally(session, signature, SignatureState.INVALIDATED, 1)
    session.commit()


@pytest.fixture
def signers(app_ctx: None, monkeypatch: pytest.MonkeyPatch) -> dict[str, Signature]:
    """Six confirmed signers, one pending and one invalidated, on the artsakh campaign."""
    made = {
        "anna": _signer(monkeypatch, "anna@example.org", "NY", "NY-12", updates=True),
        "bob": _signer(monkeypatch, "bob@example.org", "NY", "NY-10", name='Bob, "Jr"\nII'),
        "carla": _signer(
            monkeypatch,
            "carla@example.org",
            "SF",
            "CA-12",
            updates=True,
            name='=HYPERLINK("http://x")',
        ),
        "elodie": _signer(monkeypatch, "elodie@example.org", "ON", "35075", name="Élodie Lefèvre"),
        "anahit": _signer(
            monkeypatch, "anahit@example.org", "FR", updates=True, name="Անահիտ Պետրոսյան"
        ),
        "aram": _signer(monkeypatch, "aram@example.org", "AM", name="@Aram"),
        "pending": _signer(
            monkeypatch, "pending@example.org", "NY", "NY-12", updates=True, confirmed=None
        ),
        "gone": _signer(monkeypatch, "gone@example.org", "ON", "35001", updates=True),
    }
    _invalidate(made["gone"])
    return made


def _row(signature: Signature, name: str, updates: str) -> tuple[str, ...]:
    """The export row expected for a signer of the fixture."""
    s = signature
    return (
        str(s.id),
        name,
        s.email,
        s.country,
        s.postal_code,
        s.region,
        s.district_id,
        "confirmed",
        updates,
        "2025-03-01 09:30:00",
        "2025-03-01 10:00:00",
    )


# --- counts -------------------------------------------------------------------------------


def test_count_by_country(signers: dict[str, Signature]) -> None:
    rows = count_rows(get_session(), _campaign().id, "country", COUNTED_STATES)
    assert rows == [
        {"country": "AM", "signatures": 1},
        {"country": "CA", "signatures": 1},
        {"country": "FR", "signatures": 1},
        {"country": "US", "signatures": 3},
    ]


def test_count_by_region(signers: dict[str, Signature]) -> None:
    rows = count_rows(get_session(), _campaign().id, "region", COUNTED_STATES)
    assert rows == [
        {"country": "AM", "region": "", "signatures": 1},
        {"country": "CA", "region": "ON", "signatures": 1},
        {"country": "FR", "region": "FR", "signatures": 1},
        {"country": "US", "region": "CA", "signatures": 1},
        {"country": "US", "region": "NY", "signatures": 2},
    ]


def test_count_by_district_leaves_out_pending_and_invalidated(
    signers: dict[str, Signature],
) -> None:
    rows = count_rows(get_session(), _campaign().id, "district", COUNTED_STATES)
    assert rows == [
        {"country": "AM", "region": "", "district": "", "signatures": 1},
        {"country": "CA", "region": "ON", "district": "35075", "signatures": 1},
        {"country": "FR", "region": "FR", "district": "", "signatures": 1},
        {"country": "US", "region": "CA", "district": "CA-12", "signatures": 1},
        {"country": "US", "region": "NY", "district": "NY-10", "signatures": 1},
        {"country": "US", "region": "NY", "district": "NY-12", "signatures": 1},
    ]  # 35001 only had the invalidated signer: its confirmed tally is 0 and left out


def test_count_with_pending_state(signers: dict[str, Signature]) -> None:
    states = frozenset({SignatureState.CONFIRMED, SignatureState.PENDING})
    rows = count_rows(get_session(), _campaign().id, "district", states)
    assert {"country": "US", "region": "NY", "district": "NY-12", "signatures": 2} in rows


def test_count_by_day_uses_the_confirmation_day(
    app_ctx: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    day1, day2, day3 = (datetime(2025, 3, d, 12, 0) for d in (1, 2, 4))
    for i in range(3):
        _signer(monkeypatch, f"d1-{i}@example.org", "NY", signed=day1, confirmed=day1)
    _signer(monkeypatch, "late@example.org", "NY", signed=day1, confirmed=day2)
    _signer(monkeypatch, "d3@example.org", "FR", signed=day3, confirmed=day3)
    _signer(monkeypatch, "pending@example.org", "FR", signed=day3, confirmed=None)
    _invalidate(_signer(monkeypatch, "gone@example.org", "FR", signed=day2, confirmed=day2))
    rows = count_rows(get_session(), _campaign().id, "day", COUNTED_STATES)
    assert rows == [
        {"day": "2025-03-01", "signatures": 3, "cumulative": 3},
        {"day": "2025-03-02", "signatures": 1, "cumulative": 4},
        {"day": "2025-03-04", "signatures": 1, "cumulative": 5},
    ]


def test_counts_come_from_the_tallies(signers: dict[str, Signature]) -> None:
    session = get_session()
    before = {
        by: count_rows(session, _campaign().id, by, COUNTED_STATES) for by in COUNT_DIMENSIONS
    }
    session.execute(delete(Signature))  # the tallies are left as they were
    after = {by: count_rows(session, _campaign().id, by, COUNTED_STATES) for by in COUNT_DIMENSIONS}
    assert after == before
    assert sum(int(row["signatures"]) for row in after["country"]) == 6


def test_count_rows_of_an_empty_campaign(app_ctx: None) -> None:
    for by in COUNT_DIMENSIONS:
        assert count_rows(get_session(), _campaign().id, by, COUNTED_STATES) == []


def test_count_rows_rejects_unknown_dimension(app_ctx: None) -> None:
    with pytest.raises(ValueError, match="'postal'; use one of country, region, district, day"):
        count_rows(get_session(), _campaign().id, "postal", COUNTED_STATES)


def test_count_chunks_csv_and_json(signers: dict[str, Signature]) -> None:
    rows = count_rows(get_session(), _campaign().id, "region", COUNTED_STATES)
    assert "".join(count_chunks(rows, "region", "csv")) == (
        "\ufeffcountry,region,signatures\r\nAM,,1\r\nCA,ON,1\r\nFR,FR,1\r\nUS,CA,1\r\nUS,NY,2\r\n"
    )
    assert json.loads("".join(count_chunks(rows, "region", "json"))) == rows
    assert "".join(count_chunks([], "day", "csv")) == "\ufeffday,signatures,cumulative\r\n"
    with pytest.raises(ValueError, match="'xml'; use one of csv, json"):
        count_chunks(rows, "region", "xml")


# --- signer list --------------------------------------------------------------------------


def test_signature_rows_only_consenting_confirmed(signers: dict[str, Signature]) -> None:
    rows = list(iter_signature_rows(get_session(), _campaign().id, include_all=False))
    assert rows == [
        _row(signers["anna"], "Anna", "yes"),
        _row(signers["carla"], '=HYPERLINK("http://x")', "yes"),
        _row(signers["anahit"], "Անահիտ Պետրոսյան", "yes"),
    ]


def test_signature_rows_all_confirmed(signers: dict[str, Signature]) -> None:
    rows = list(iter_signature_rows(get_session(), _campaign().id, include_all=True))
    assert [row[0] for row in rows] == [
        str(signers[k].id) for k in ("anna", "bob", "carla", "elodie", "anahit", "aram")
    ]
    assert rows[1] == _row(signers["bob"], 'Bob, "Jr"\nII', "no")
    assert rows[3][3:7] == ("CA", "M5V 2T6", "ON", "35075")
    assert len(rows[0]) == len(SIGNATURE_COLUMNS)


@pytest.mark.parametrize(("batch", "queries"), [(1, 7), (2, 4), (4, 2), (5, 2), (6, 2), (7, 1)])
def test_signature_rows_keyset_batches(
    app: Flask,
    signers: dict[str, Signature],
    monkeypatch: pytest.MonkeyPatch,
    batch: int,
    queries: int,
) -> None:
    session = get_session()
    session.add(Campaign(slug="other", title="Other", goal=10))
    session.commit()
    # Interleave another campaign's confirmed signers between and after ours.
    _signer(monkeypatch, "x1@example.org", "NY", updates=True, campaign="other")
    everyone = list(iter_signature_rows(session, _campaign().id, include_all=True))
    _signer(monkeypatch, "x2@example.org", "NY", updates=True, campaign="other")
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "FROM signatures" in statement:
            statements.append(statement)

    event.listen(get_engine(app), "before_cursor_execute", record)
    try:
        rows = list(iter_signature_rows(session, _campaign().id, include_all=True, batch=batch))
    finally:
        event.remove(get_engine(app), "before_cursor_execute", record)
    assert rows == everyone and len(rows) == 6
    assert len(statements) == queries  # 6 rows: full batches, then one short (maybe empty)
    assert all("signatures.id >" in s and "ORDER BY signatures.id" in s for s in statements)


def test_signature_batches_walk_the_primary_key_on_sqlite(
    app: Flask, signers: dict[str, Signature]
) -> None:
    engine = get_engine(app)
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL chooses its plan from its statistics")
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        if "FROM signatures" in statement:
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        list(iter_signature_rows(get_session(), _campaign().id, include_all=False, batch=2))
    finally:
        event.remove(engine, "before_cursor_execute", record)
    statement, parameters = seen[-1]
    plan = " ".join(row[-1] for row in get_session().connection().exec_driver_sql(
        "EXPLAIN QUERY PLAN " + statement, parameters))  # fmt: skip
    # Not the campaign/state index, which re-sorts the whole campaign for every batch.
    assert "USING INTEGER PRIMARY KEY (rowid>?)" in plan and "TEMP B-TREE" not in plan, plan


def test_anonymous_campaign_refuses_the_full_list(signers: dict[str, Signature]) -> None:
    campaign = _campaign()
    check_signature_export(campaign, include_all=True)
    campaign.anonymous = True
    check_signature_export(campaign, include_all=False)
    with pytest.raises(ExportRefusedError) as refused:
        check_signature_export(campaign, include_all=True)
    assert str(refused.value) == ANONYMOUS_MESSAGE
    assert isinstance(refused.value, PermissionError)
    with pytest.raises(ExportRefusedError):
        signature_chunks(get_session(), campaign, include_all=True)
    counter, chunks = signature_chunks(get_session(), campaign, include_all=False)
    assert len(list(csv.reader(io.StringIO("".join(chunks)[1:])))) == 4
    assert counter.rows == 3


def test_signature_csv_is_neutralized_and_counted(signers: dict[str, Signature]) -> None:
    counter, chunks = signature_chunks(get_session(), _campaign(), include_all=True)
    text = "".join(chunks)
    assert counter.rows == 6
    assert text.startswith("\ufeffid,name,email,country,postal_code,region,district,state,")
    assert '"\'=HYPERLINK(""http://x"")"' in text
    parsed = list(csv.reader(io.StringIO(text.encode("utf-8").decode("utf-8-sig"), newline="")))
    assert parsed[0] == list(SIGNATURE_COLUMNS)
    names = [row[1] for row in parsed[1:]]
    assert names == [
        "Anna",
        'Bob, "Jr"\nII',
        '\'=HYPERLINK("http://x")',
        "Élodie Lefèvre",
        "Անահիտ Պետրոսյան",
        "'@Aram",
    ]


# --- CSV and JSON -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        (" =1+1", "' =1+1"),  # whitespace is looked through
        ("\u00a0 @cmd", "'\u00a0 @cmd"),
        ("Anna", "Anna"),
        ("a=b", "a=b"),
        ("1-2", "1-2"),
        ("  Anna", "  Anna"),
        ("   ", "   "),
        ("", ""),
        (None, ""),
        (42, "42"),
        (-5, "'-5"),
    ],
)
def test_neutralize_cell(value: object, cell: str) -> None:
    assert neutralize_cell(value) == cell


def _excel_parse(chunks: Iterator[str]) -> list[list[str]]:
    """Read an export the way Excel does: bytes, UTF-8 with BOM, RFC 4180."""
    data = "".join(chunks).encode("utf-8")
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_lines_bom_crlf_and_round_trip() -> None:
    rows = [("Ծաղիկ Մելքոնյան", "Zoë, «Ça va»", 'say "hi"'), ("=1+1", "line\nbreak", None)]
    text = "".join(csv_lines(("a", "b", "c"), rows))
    assert text == (
        '\ufeffa,b,c\r\nԾաղիկ Մելքոնյան,"Zoë, «Ça va»","say ""hi"""\r\n\'=1+1,"line\nbreak",\r\n'
    )
    assert _excel_parse(csv_lines(("a", "b", "c"), rows)) == [
        ["a", "b", "c"],
        ["Ծաղիկ Մելքոնյան", "Zoë, «Ça va»", 'say "hi"'],
        ["'=1+1", "line\nbreak", ""],
    ]


def test_csv_lines_chunks_rows() -> None:
    rows = [(str(i),) for i in range(2 * CSV_CHUNK_ROWS + 1)]
    chunks = list(csv_lines(("n",), rows))
    assert len(chunks) == 3
    assert chunks[0].startswith("\ufeffn\r\n0\r\n") and chunks[0].count("\r\n") == 501
    assert chunks[2] == f"{2 * CSV_CHUNK_ROWS}\r\n"
    assert "".join(chunks).count("\ufeff") == 1
    assert list(csv_lines(("n",), [])) == ["\ufeffn\r\n"]


def test_json_chunks() -> None:
    rows: list[dict[str, object]] = [{"country": "AM", "signatures": 2}, {"name": "Անի"}]
    text = "".join(json_chunks(rows))
    assert text == '[\n{"country": "AM", "signatures": 2},\n{"name": "Անի"}\n]\n'
    assert json.loads(text) == rows
    assert "".join(json_chunks([])) == "[]\n"


def test_row_counter() -> None:
    counter = RowCounter(iter("abc"))
    assert counter.rows == 0
    assert list(counter) == ["a", "b", "c"]
    assert counter.rows == 3


def test_count_columns_match_count_rows(signers: dict[str, Signature]) -> None:
    for by in COUNT_DIMENSIONS:
        rows = count_rows(get_session(), _campaign().id, by, COUNTED_STATES)
        assert tuple(rows[0]) == COUNT_COLUMNS[by]


# --- command line -------------------------------------------------------------------------


def _audit_entries() -> list[AuditEntry]:
    return list(get_session().scalars(select(AuditEntry).order_by(AuditEntry.id)))


@pytest.mark.parametrize("by", COUNT_DIMENSIONS)
@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_cli_counts_match_the_generator(
    app: Flask, signers: dict[str, Signature], by: str, fmt: str
) -> None:
    rows = count_rows(get_session(), _campaign().id, by, COUNTED_STATES)
    expected = "".join(count_chunks(rows, by, fmt)).encode("utf-8")
    result = app.test_cli_runner().invoke(export_cli, ["counts", "--by", by, "--format", fmt])
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == expected


def test_cli_counts_to_a_file(app: Flask, signers: dict[str, Signature], tmp_path: Any) -> None:
    path = tmp_path / "countries.csv"
    result = app.test_cli_runner().invoke(
        export_cli, ["counts", "--by", "country", "--output", str(path)]
    )
    assert result.exit_code == 0, result.output
    assert (
        path.read_bytes() == b"\xef\xbb\xbfcountry,signatures\r\nAM,1\r\nCA,1\r\nFR,1\r\nUS,3\r\n"
    )
    assert result.stdout_bytes == b""
    assert _audit_entries() == []  # counts are not personal data


@pytest.mark.parametrize(("args", "include_all", "rows"), [([], False, 3), (["--all"], True, 6)])
def test_cli_signatures_match_the_generator_and_are_audited(
    app: Flask, signers: dict[str, Signature], args: list[str], include_all: bool, rows: int
) -> None:
    expected = "".join(signature_chunks(get_session(), _campaign(), include_all=include_all)[1])
    result = app.test_cli_runner().invoke(export_cli, ["signatures", *args])
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == expected.encode("utf-8")
    assert result.stdout_bytes.startswith(b"\xef\xbb\xbfid,name,")
    assert f"Exported {rows} signatures." in result.stderr
    get_session().rollback()  # the command committed its audit entry
    [entry] = _audit_entries()
    assert entry.organizer_email.startswith("cli:") and len(entry.organizer_email) > 4
    assert (entry.action, entry.rows) == ("export.signatures", rows)
    who = "all confirmed signers" if include_all else "signers who agreed to updates"
    assert entry.detail == f"artsakh: {who}, to stdout"


def test_cli_signatures_to_a_file(app: Flask, signers: dict[str, Signature], tmp_path: Any) -> None:
    path = tmp_path / "signers.csv"
    result = app.test_cli_runner().invoke(export_cli, ["signatures", "--output", str(path)])
    assert result.exit_code == 0, result.output
    expected = "".join(signature_chunks(get_session(), _campaign(), include_all=False)[1])
    assert path.read_bytes() == expected.encode("utf-8")
    assert _audit_entries()[0].detail == f"artsakh: signers who agreed to updates, to {path}"


def test_cli_refuses_all_for_an_anonymous_campaign(
    app: Flask, signers: dict[str, Signature], tmp_path: Any
) -> None:
    _campaign().anonymous = True
    get_session().commit()
    path = tmp_path / "signers.csv"
    runner = app.test_cli_runner()
    result = runner.invoke(export_cli, ["signatures", "--all", "--output", str(path)])
    assert result.exit_code == 1
    assert ANONYMOUS_MESSAGE in result.stderr
    assert result.stdout_bytes == b""
    assert not path.exists()
    assert _audit_entries() == []
    assert runner.invoke(export_cli, ["signatures"]).exit_code == 0  # consenting signers only


def test_cli_without_the_campaign_loaded(make_app: Any) -> None:
    app = make_app(CAMPAIGN="nowhere")
    Base.metadata.create_all(get_engine(app))
    result = app.test_cli_runner().invoke(export_cli, ["counts", "--by", "day"])
    assert result.exit_code == 1
    assert "Campaign 'nowhere' is not loaded; run `flask data load`." in result.stderr
