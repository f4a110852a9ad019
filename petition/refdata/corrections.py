"""Corrections: facts the upstream files lag on, kept by hand with a public source each.

`data/corrections.csv` is written by people (or by `flask data correct` from a mistake
report), never by the build. The build and the refresh apply each line to the rows they
make, and write `corrections_applied.csv`: what upstream said for each line, so that
`flask data check` can tell which corrections are still needed and which may be obsolete.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from petition.refdata.schema import REPRESENTATIVE_COLUMNS, Table, read_csv, render_csv

CORRECTIONS_FILE = "corrections.csv"
STATUS_FILE = "corrections_applied.csv"
# `id` and `field` say what is corrected: one column of one representatives.csv row.
CORRECTION_COLUMNS = ("id", "field", "old_value", "new_value", "source_url", "date", "note")
STATUS_COLUMNS = ("id", "field", "old_value", "new_value", "upstream_value", "status")
SOURCE_TAG = "correction"  # added to the `source` of a corrected row
# Columns a correction may change; the rest are derived (country, body...) or bookkeeping.
CORRECTABLE = frozenset(REPRESENTATIVE_COLUMNS) - {"country", "body", "source", "source_date"}


class CorrectionError(ValueError):
    """A line of corrections.csv is malformed; the message names it."""


@dataclass(frozen=True)
class Correction:
    id: str
    field: str
    old_value: str
    new_value: str
    source_url: str
    date: str
    note: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.id, self.field, self.new_value)


def read_corrections(path: Path) -> list[Correction]:
    """Read and validate corrections.csv; an absent file means no corrections.

    :raises CorrectionError: a line is malformed.
    """
    if not path.exists():
        return []
    table = read_csv(path)
    if table.header != CORRECTION_COLUMNS:
        raise CorrectionError(f"{path.name}: columns {list(table.header)}, expected "
                              f"{list(CORRECTION_COLUMNS)}")  # fmt: skip
    found = []
    for line, row in enumerate(table.rows, start=2):
        correction = Correction(**{k: (v or "").strip() for k, v in row.items()})
        problem = _problem(correction)
        if problem:
            raise CorrectionError(f"{path.name} line {line}: {problem}")
        found.append(correction)
    return found


def _problem(c: Correction) -> str:
    if not c.id or c.field not in CORRECTABLE:
        return f"needs a record id and a field among {', '.join(sorted(CORRECTABLE))}"
    if c.old_value == c.new_value:
        return "old and new value are the same"
    url = urlsplit(c.source_url)
    if url.scheme != "https" or not url.hostname:
        return "source_url must be a public https:// address"
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", c.date):
        return "date must be YYYY-MM-DD"
    try:
        date.fromisoformat(c.date)
    except ValueError:
        return f"date {c.date} does not exist"
    return ""


def apply_corrections(
    rows: list[dict[str, str]], corrections: Iterable[Correction]
) -> list[dict[str, str]]:
    """Apply each correction whose record is among rows; return a status row for each.

    A correction applies when upstream still has its old value. When upstream already has
    the new value it "may be obsolete"; when upstream has something else it is a
    "conflict" and is not applied (a person must look).
    """
    by_id = {row["id"]: row for row in rows}
    statuses = []
    for c in corrections:
        row = by_id.get(c.id) or (by_id.get(c.new_value) if c.field == "id" else None)
        if row is None:
            continue
        upstream = row[c.field]
        status = "obsolete" if upstream == c.new_value else "conflict"
        if upstream == c.old_value:
            status = "applied"
            row[c.field] = c.new_value
            by_id[row["id"]] = row  # later lines may name the record by its corrected id
            row["source"] = "+".join(dict.fromkeys([*row["source"].split("+"), SOURCE_TAG]))
        statuses.append(
            {
                "id": c.id,
                "field": c.field,
                "old_value": c.old_value,
                "new_value": c.new_value,
                "upstream_value": upstream,
                "status": status,
            }
        )
    return statuses  # fmt: skip


def status_table(statuses: list[dict[str, str]]) -> Table:
    """Return corrections_applied.csv."""
    return Table(STATUS_COLUMNS, statuses)


def check_corrections(corrections: list[Correction], status_path: Path) -> list[tuple[str, str]]:
    """Return (verdict, message) for every correction: is it still needed?"""
    known = {}
    if status_path.exists():
        known = {(r["id"], r["field"], r["new_value"]): r for r in read_csv(status_path).rows}
    found = []
    for c in corrections:
        what = f"correction {c.id} {c.field} → {c.new_value!r} ({c.source_url})"
        row = known.get(c.key)
        if row is None:
            found.append(
                (
                    "not_applied",
                    f"{what}: not applied yet (the tables predate it, or its "
                    "record is gone): run `flask data build` or `flask data refresh`",
                )
            )
        elif row["status"] == "applied":
            found.append(
                (
                    "still_needed",
                    f"{what}: still needed (upstream still says "
                    f"{row['upstream_value']!r}); applied",
                )
            )
        elif row["status"] == "obsolete":
            found.append(
                (
                    "maybe_obsolete",
                    f"{what}: may be obsolete: upstream now says so "
                    f"too; remove the line from {CORRECTIONS_FILE} once checked",
                )
            )
        else:
            found.append(
                (
                    "conflict",
                    f"{what}: NOT applied: upstream now says "
                    f"{row['upstream_value']!r}, neither the old nor the new value; check "
                    f"the source and edit {CORRECTIONS_FILE}",
                )
            )
    return found  # fmt: skip


def correction_line(correction: Correction) -> str:
    """Return one CSV line for corrections.csv (appended, keeping hand-written order)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([getattr(correction, col) for col in CORRECTION_COLUMNS])
    return out.getvalue()


def append_correction(path: Path, correction: Correction) -> None:
    """Add a validated correction at the end of corrections.csv (created with its header).

    :raises CorrectionError: the correction is malformed.
    """
    problem = _problem(correction)
    if problem:
        raise CorrectionError(problem)
    if not path.exists():
        path.write_text(",".join(CORRECTION_COLUMNS) + "\n", encoding="utf-8")
    with path.open("a", encoding="utf-8", newline="") as fh:
        fh.write(correction_line(correction))


def current_value(path: Path, record_id: str, field: str) -> str:
    """Return one field of one row of representatives.csv, the value a correction replaces.

    :raises LookupError: no such row or column.
    """
    if field not in CORRECTABLE:
        raise LookupError(
            f"{field!r} cannot be corrected; choose from {', '.join(sorted(CORRECTABLE))}"
        )
    for row in read_csv(path).rows:
        if row["id"] == record_id:
            return row[field]
    raise LookupError(f"No seat {record_id!r} in {path.name}")


def render_status(statuses: list[dict[str, str]]) -> str:
    """Return the text of corrections_applied.csv."""
    return render_csv(status_table(statuses))
