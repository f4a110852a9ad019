"""Organizer exports: exact counts from the tallies and the signer list, streamed as CSV or JSON.

Everything here yields text chunks that a Flask streaming response or the
`flask export` command writes out unchanged, so both give the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from itertools import islice
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from petition.models import Campaign, Signature, SignatureState
from petition.tallies import day_totals, sum_places

T = TypeVar("T")

COUNT_DIMENSIONS = ("country", "region", "district", "day")
# The columns of each counts export, in order; `district` is the tallies' district_id.
COUNT_COLUMNS: dict[str, tuple[str, ...]] = {
    "country": ("country", "signatures"),
    "region": ("country", "region", "signatures"),
    "district": ("country", "region", "district", "signatures"),
    "day": ("day", "signatures", "cumulative"),
}
EXPORT_FORMATS = ("csv", "json")
SIGNATURE_COLUMNS = (
    "id",
    "name",
    "email",
    "country",
    "postal_code",
    "region",
    "district",
    "state",
    "updates",
    "signed_at",
    "confirmed_at",
)
# Signatures fetched per query: large enough to be fast, small enough to keep memory flat.
SIGNATURE_BATCH = 5000
# CSV rows per yielded chunk: one write per few hundred rows instead of one per row.
CSV_CHUNK_ROWS = 500
# A spreadsheet reads a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_TRIGGERS = frozenset("=+-@\t\r")
UTF8_BOM = "\ufeff"
# Only confirmed signatures are exported, so the state cell is always this.
EXPORTED_STATE = SignatureState.CONFIRMED.value


class ExportRefusedError(PermissionError):
    """The export would reveal signers who did not agree to it."""


class RowCounter(Generic[T]):
    """Pass rows through unchanged and count them, so the caller learns the total afterwards."""

    def __init__(self, rows: Iterable[T]) -> None:
        self._rows = rows
        self.rows = 0

    def __iter__(self) -> Iterator[T]:
        for row in self._rows:
            self.rows += 1
            yield row


def check_signature_export(campaign: Campaign, include_all: bool) -> None:
    """Refuse a full signer export of an anonymous campaign.

    :raises ExportRefusedError: include_all was asked for an anonymous campaign.
    """
    if include_all and campaign.anonymous:
        raise ExportRefusedError(
            "This campaign is anonymous: only signers who agreed to updates can be exported"
        )


def count_rows(
    session: Session, campaign_id: int, by: str, states: frozenset[SignatureState]
) -> list[dict[str, object]]:
    """Return the signature counts by one dimension, read from the tallies and sorted.

    :raises ValueError: `by` is not one of COUNT_DIMENSIONS.
    """
    if by not in COUNT_DIMENSIONS:
        raise ValueError(
            f"Unknown count dimension {by!r}; use one of {', '.join(COUNT_DIMENSIONS)}"
        )
    if by == "day":
        return _day_rows(session, campaign_id, states)
    return _place_rows(session, campaign_id, COUNT_COLUMNS[by][:-1], states)


def _place_rows(
    session: Session,
    campaign_id: int,
    names: tuple[str, ...],
    states: frozenset[SignatureState],
) -> list[dict[str, object]]:
    """Sum the place tallies grouped by these columns, leaving out places now at zero."""
    columns = ["district_id" if n == "district" else n for n in names]
    return [dict(zip((*names, "signatures"), row, strict=True))
            for row in sum_places(session, campaign_id, states, *columns)]  # fmt: skip


def _day_rows(
    session: Session, campaign_id: int, states: frozenset[SignatureState]
) -> list[dict[str, object]]:
    """Sum the day tallies by day, with the running total."""
    rows: list[dict[str, object]] = []
    cumulative = 0
    for day, count in day_totals(session, campaign_id, states):
        if count <= 0:
            continue
        cumulative += count
        rows.append({"day": day.isoformat(), "signatures": count, "cumulative": cumulative})
    return rows


def iter_signature_rows(
    session: Session, campaign_id: int, *, include_all: bool, batch: int = SIGNATURE_BATCH
) -> Iterator[tuple[str, ...]]:
    """Yield confirmed signers as text rows in SIGNATURE_COLUMNS order, by id, batch by batch.

    Keyset pagination (id > last seen) over plain column tuples keeps memory flat
    whatever the table size; only signers who agreed to updates unless include_all.
    """
    query = (
        select(
            Signature.id,
            Signature.name,
            Signature.email,
            Signature.country,
            Signature.postal_code,
            Signature.region,
            Signature.district_id,
            Signature.updates,
            Signature.created_at,
            Signature.confirmed_at,
        )
        .where(_campaign_match(session, campaign_id))
        .where(Signature.state == SignatureState.CONFIRMED)
        .where(Signature.anonymized_at.is_(None))  # nothing left to export about them
        .order_by(Signature.id)
        .limit(batch)
    )
    if not include_all:
        query = query.where(Signature.updates.is_(True))
    last_id = 0
    while True:
        rows = session.execute(query.where(Signature.id > last_id)).all()
        for row in rows:
            yield _signature_cells(row)
        if len(rows) < batch:
            return
        last_id = rows[-1][0]


def _campaign_match(session: Session, campaign_id: int) -> ColumnElement[bool]:
    """Return the campaign condition, worded so each batch walks the primary key.

    SQLite has no statistics unless ANALYZE ran, so it takes
    ix_signatures_campaign_state_created and re-reads and re-sorts the whole campaign
    for every batch (quadratic); "+ 0" hides that index and leaves it the primary key,
    one pass over the table in all. PostgreSQL's statistics lead it there unaided.
    """
    if session.get_bind().dialect.name == "sqlite":
        return Signature.campaign_id + 0 == campaign_id
    return Signature.campaign_id == campaign_id


def _signature_cells(row: Sequence[Any]) -> tuple[str, ...]:
    """Turn one selected signature row into the text of its cells."""
    id_, *text, updates, signed, confirmed = row  # text: name .. district
    return (
        str(id_),
        *text,
        EXPORTED_STATE,
        "yes" if updates else "no",
        _timestamp(signed),
        _timestamp(confirmed),
    )


def _timestamp(value: datetime | None) -> str:
    """Format a stored UTC time the way spreadsheets parse it ("2024-05-01 13:45:00")."""
    return "" if value is None else value.isoformat(sep=" ", timespec="seconds")


def neutralize_cell(value: object) -> str:
    """Return a cell's text with a leading apostrophe if a spreadsheet would run it as a formula.

    Leading whitespace is looked through as well (" =1+1", "\\u00a0@SUM"), because some
    spreadsheet imports trim it before deciding; such cells are prefixed too. None is "".
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if text and (text[0] in FORMULA_TRIGGERS or (text[0].isspace() and _starts_formula(text))):
        return "'" + text
    return text


def _starts_formula(text: str) -> bool:
    """Tell whether the text, once its leading whitespace is dropped, starts like a formula."""
    stripped = text.lstrip()
    return bool(stripped) and stripped[0] in FORMULA_TRIGGERS


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """Yield an Excel-friendly CSV in chunks: UTF-8 BOM, header, CRLF, every cell neutralized."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(UTF8_BOM)
    writer.writerow([neutralize_cell(name) for name in header])
    rows = iter(rows)
    while chunk := list(islice(rows, CSV_CHUNK_ROWS)):
        writer.writerows([neutralize_cell(cell) for cell in row] for row in chunk)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()  # no rows at all: still send the BOM and header


def json_chunks(rows: Iterable[dict[str, object]]) -> Iterator[str]:
    """Yield a JSON array of the rows, one row per line."""
    separator = "[\n"
    for row in rows:
        yield separator + json.dumps(row, ensure_ascii=False)
        separator = ",\n"
    yield "[]\n" if separator == "[\n" else "\n]\n"


def count_chunks(rows: list[dict[str, object]], by: str, fmt: str) -> Iterator[str]:
    """Yield a counts export (rows from count_rows) as CSV or JSON.

    :raises ValueError: `fmt` is not one of EXPORT_FORMATS.
    """
    if fmt == "json":
        return json_chunks(rows)
    if fmt == "csv":
        return csv_lines(COUNT_COLUMNS[by], (tuple(row.values()) for row in rows))
    raise ValueError(f"Unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")


def signature_chunks(
    session: Session, campaign: Campaign, *, include_all: bool
) -> tuple[RowCounter[tuple[str, ...]], Iterator[str]]:
    """Check the export is allowed; return its row counter and its CSV chunks.

    :raises ExportRefusedError: see check_signature_export.
    """
    check_signature_export(campaign, include_all)
    counter = RowCounter(iter_signature_rows(session, campaign.id, include_all=include_all))
    return counter, csv_lines(SIGNATURE_COLUMNS, counter)
