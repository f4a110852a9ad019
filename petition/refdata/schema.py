"""The shape of the project's reference tables, shared by every country module."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

# Columns of data/representatives.csv, one row per seat, every value a string.
REPRESENTATIVE_COLUMNS: tuple[str, ...] = (
    "id",  # namespaced stable id: "bioguide:B001230", "ourcommons:122369", "ep:256834",
    #        or for an empty seat "vacant:us-house:CA-14", "vacant:ca-commons:24077"
    "country",  # "US", "CA", or the EU member state's ISO code ("FR", "GR", ...)
    "body",  # "us-house", "us-senate", "ca-commons", "eu-parliament"
    "region",  # US state / territory code, CA province code, EU member state code
    "district_id",  # "NY-12", "WY-00" (at-large and delegates), FED code "35001",
    #                 EU constituency id ("IE-dublin", "BE-NL", "IT-centrale", "PL-04");
    #                 "" for senators and for MEPs elected country-wide or of unknown seat
    "district_name",  # "New York's 12th district", riding name, constituency name, or ""
    "name",  # as the person signs, e.g. "Alexandria Ocasio-Cortez"; "" when vacant
    "address_as",  # "Senator", "Representative", "Delegate", "Resident Commissioner", "MP", "MEP"
    "party",  # national party
    "group",  # EP political group (MEPs), caucus where it differs from party (US), else ""
    "email",  # only from a source, never built from a name
    "contact_url",  # official contact form
    "website",  # official page
    "phone",  # main office phone as published
    "address",  # postal address of the main (capital) office, lines joined with "; "
    "photo_url",
    "vacant",  # "1" when the seat is empty, else "0"
    "note",  # plain-language caveat shown to users, e.g. constituency unknown; else ""
    "source",  # short names of the sources of this row, joined with "+"
    "source_date",  # ISO date (YYYY-MM-DD) of the oldest source used for the row
)

BODIES = ("us-house", "us-senate", "ca-commons", "eu-parliament")


@dataclass
class Table:
    """A CSV table: its header and its rows (dicts of strings keyed by header)."""

    header: tuple[str, ...]
    rows: list[dict[str, str]] = field(default_factory=list)


@dataclass
class CountryData:
    """Everything one country module produces."""

    representatives: list[dict[str, str]]
    # Other tables, keyed by file name under data/ (e.g. "postal_us.csv").
    tables: dict[str, Table] = field(default_factory=dict)
    # The country's section of data/README.md (Markdown, starting with "## ").
    readme: str = ""


@dataclass
class CheckResult:
    """What `check` found: counts to print, and holes that make the check fail."""

    counts: dict[str, int] = field(default_factory=dict)
    holes: list[str] = field(default_factory=list)
    # What the operator should know or do, without failing the check.
    warnings: list[str] = field(default_factory=list)


def sort_key(header: tuple[str, ...]) -> Callable[[dict[str, str]], tuple[str, ...]]:
    """Order rows by every column in header order, so output never depends on input order."""
    return lambda row: tuple(row.get(col, "") for col in header)


def render_csv(table: Table) -> str:
    """Return a table as deterministic CSV text: sorted rows, LF line ends, minimal quoting."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=table.header, lineterminator="\n", extrasaction="raise")
    writer.writeheader()
    for row in sorted(table.rows, key=sort_key(table.header)):
        writer.writerow({col: row.get(col, "") for col in table.header})
    return out.getvalue()


def read_csv(path: Path) -> Table:
    """Read a CSV written by render_csv back into a Table."""
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        header = tuple(reader.fieldnames or ())
        return Table(header=header, rows=[dict(row) for row in reader])
