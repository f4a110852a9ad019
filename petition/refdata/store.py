"""Load the reference tables under data/ into the database (one transaction, no commit)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from petition.models import Constituency, PostalArea, Representative
from petition.refdata.schema import read_csv
from petition.refdata.tables import REPRESENTATIVES_FILE

# Rows inserted per statement when loading postal tables.
BATCH = 5000


class DataFileError(ValueError):
    """A reference table has a row the database cannot take; the message names it."""


@dataclass
class LoadReport:
    representatives: int = 0
    removed: int = 0
    postal_areas: int = 0
    constituencies: int = 0


def _date(value: str, where: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise DataFileError(f"{where}: source_date '{value}' is not a YYYY-MM-DD date") from exc


def _float(value: str) -> float | None:
    return float(value) if value else None


def _int(value: str) -> int | None:
    return int(value) if value else None


def representative_values(row: dict[str, str], where: str) -> dict[str, Any]:
    """Turn a representatives.csv row into model attributes."""
    values: dict[str, Any] = {k: v for k, v in row.items() if k not in ("vacant", "source_date")}
    values["vacant"] = row["vacant"] == "1"
    values["source_date"] = _date(row["source_date"], where)
    return values


def load_representatives(session: Session, path: Path) -> tuple[int, int]:
    """Upsert every seat by stable id and remove seats no longer listed."""
    existing = {rep.id: rep for rep in session.scalars(select(Representative))}
    seen: set[str] = set()
    for line, row in enumerate(read_csv(path).rows, start=2):
        values = representative_values(row, f"{path.name} line {line}")
        seen.add(values["id"])
        rep = existing.get(values["id"])
        if rep is None:
            session.add(Representative(**values))
        else:
            for key, value in values.items():
                if getattr(rep, key) != value:
                    setattr(rep, key, value)
    gone = [rep for rep_id, rep in existing.items() if rep_id not in seen]
    for rep in gone:
        session.delete(rep)
    session.flush()
    return len(seen), len(gone)


# How each postal table's columns map onto PostalArea.
PostalMapper = Callable[[dict[str, str]], dict[str, Any]]
POSTAL_TABLES: dict[str, PostalMapper] = {
    "postal_us.csv": lambda r: {
        "country": "US", "kind": "zip", "key": r["zip"], "region": r["state"],
        "district_id": r["district_id"], "share": _float(r["share"]), "rank": _int(r["rank"]),
        "is_primary": False, "basis": "area" if r["share"] else "", "note": r.get("note", ""),
    },
    "postal_ca.csv": lambda r: {
        "country": "CA", "kind": "fsa", "key": r["fsa"], "region": r["province"],
        "district_id": r["fed_code"], "share": _float(r["share"]), "rank": _int(r["rank"]),
        "is_primary": r["is_primary"] == "1", "basis": r["basis"], "note": "",
    },
    "postal_eu.csv": lambda r: {
        "country": r["country"], "kind": r["kind"], "key": r["key"], "region": r["country"],
        "district_id": r["constituency_id"], "share": None, "rank": None,
        "is_primary": False, "basis": "", "note": r["note"],
    },
}  # fmt: skip


def _postal_rows(data_dir: Path) -> Iterator[dict[str, Any]]:
    for name, mapper in POSTAL_TABLES.items():
        path = data_dir / name
        if not path.exists():
            continue
        for line, row in enumerate(read_csv(path).rows, start=2):
            where = f"{name} line {line}"
            try:
                values = mapper(row)
            except (KeyError, ValueError) as exc:
                raise DataFileError(f"{where}: {exc}") from exc
            values["source"] = row["source"]
            values["source_date"] = _date(row["source_date"], where)
            yield values


def load_postal_areas(session: Session, data_dir: Path) -> int:
    """Replace every postal row with the tables' rows."""
    session.execute(delete(PostalArea))
    count = 0
    batch: list[dict[str, Any]] = []
    for values in _postal_rows(data_dir):
        batch.append(values)
        if len(batch) == BATCH:
            session.execute(insert(PostalArea), batch)
            count += len(batch)
            batch = []
    if batch:
        session.execute(insert(PostalArea), batch)
        count += len(batch)
    return count


def load_constituencies(session: Session, path: Path) -> int:
    """Replace the EU constituencies with the table's rows."""
    session.execute(delete(Constituency))
    rows = []
    for line, row in enumerate(read_csv(path).rows, start=2):
        where = f"{path.name} line {line}"
        rows.append(
            Constituency(
                id=row["constituency_id"], country=row["country"], name=row["name"],
                seats=_int(row["seats"]), note=row["note"], source=row["source"],
                source_date=_date(row["source_date"], where),
            )
        )  # fmt: skip
    session.add_all(rows)
    session.flush()
    return len(rows)


def load_reference_data(session: Session, data_dir: Path) -> LoadReport:
    """Load every reference table that exists under data_dir; the caller commits."""
    report = LoadReport()
    reps = data_dir / REPRESENTATIVES_FILE
    if not reps.exists():
        return report
    report.representatives, report.removed = load_representatives(session, reps)
    report.postal_areas = load_postal_areas(session, data_dir)
    constituencies = data_dir / "eu_constituencies.csv"
    if constituencies.exists():
        report.constituencies = load_constituencies(session, constituencies)
    return report
