"""Write and read the reference tables under data/, all files of a build at once."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping
from importlib import import_module
from pathlib import Path
from types import ModuleType

from petition.refdata.schema import REPRESENTATIVE_COLUMNS, CountryData, Table, render_csv

REPRESENTATIVES_FILE = "representatives.csv"
README_FILE = "README.md"
# Country modules in the order their rows and README sections appear.
COUNTRY_CODES = ("us", "ca", "eu")
# The extra tables each country module owns, by file name under data/.
TABLE_OWNERS: dict[str, tuple[str, ...]] = {
    "us": ("postal_us.csv", "us_terms.csv"),
    "ca": ("postal_ca.csv",),
    "eu": ("eu_constituencies.csv", "postal_eu.csv"),
}
SECTION_MARK = "<!-- section: {code} -->"

# The top of data/README.md, before the country sections.
README_HEADER = (Path(__file__).parent / "readme_header.md").read_text(encoding="utf-8")


def country_module(code: str) -> ModuleType:
    """Return the module that builds one country's tables."""
    if code not in COUNTRY_CODES:
        raise ValueError(f"Unknown country '{code}' (choose from {', '.join(COUNTRY_CODES)})")
    return import_module(f"petition.refdata.{code}")


def _owner(row: Mapping[str, str]) -> str:
    if row["body"] == "eu-parliament":
        return "eu"
    return row["country"].lower()


def render_files(datas: Mapping[str, CountryData]) -> dict[str, str]:
    """Return every file's text for a set of country builds, keyed by file name."""
    representatives = Table(header=REPRESENTATIVE_COLUMNS)
    files: dict[str, str] = {}
    sections = [README_HEADER]
    for code in COUNTRY_CODES:
        if code not in datas:
            continue
        data = datas[code]
        for row in data.representatives:
            missing = set(REPRESENTATIVE_COLUMNS) - set(row)
            if missing or _owner(row) != code:
                raise ValueError(f"{code}: bad representative row {row.get('id')}: {missing}")
        representatives.rows += data.representatives
        for name, table in sorted(data.tables.items()):
            if name not in TABLE_OWNERS[code]:
                raise ValueError(f"{code}: table {name} is not one of {TABLE_OWNERS[code]}")
            files[name] = render_csv(table)
        sections.append(SECTION_MARK.format(code=code) + "\n" + data.readme.strip() + "\n")
    files[REPRESENTATIVES_FILE] = render_csv(representatives)
    files[README_FILE] = "\n".join(sections)
    return files


def write_files(out_dir: Path, files: Mapping[str, str]) -> None:
    """Write all files, replacing the old ones only once every new one is on disk."""
    out_dir.mkdir(parents=True, exist_ok=True)
    staged: list[tuple[str, Path]] = []
    try:
        for name, text in files.items():
            fd, tmp_name = tempfile.mkstemp(dir=out_dir, prefix=f".{name}.", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
            os.chmod(tmp_name, 0o644)  # mkstemp makes files private; these are public data
            staged.append((name, Path(tmp_name)))
        for name, tmp in staged:
            os.replace(tmp, out_dir / name)
    finally:
        for _name, tmp in staged:
            tmp.unlink(missing_ok=True)


def read_country(data_dir: Path, code: str) -> CountryData | None:
    """Read one country's current tables back from data/, or None when absent."""
    from petition.refdata.schema import read_csv

    reps_path = data_dir / REPRESENTATIVES_FILE
    if not reps_path.exists():
        return None
    reps = [row for row in read_csv(reps_path).rows if _owner(row) == code]
    if not reps:
        return None
    tables = {
        name: read_csv(data_dir / name) for name in TABLE_OWNERS[code] if (data_dir / name).exists()
    }
    return CountryData(representatives=reps, tables=tables, readme=_read_section(data_dir, code))


def _read_section(data_dir: Path, code: str) -> str:
    path = data_dir / README_FILE
    if not path.exists():
        return ""
    text = path.read_text(encoding="utf-8")
    pattern = re.escape(SECTION_MARK.format(code=code)) + r"\n(.*?)(?=\n<!-- section: |\Z)"
    match = re.search(pattern, text, re.DOTALL)
    return match.group(1).strip() if match else ""


def read_all(data_dir: Path) -> dict[str, CountryData]:
    """Read every country's current tables."""
    found = {code: read_country(data_dir, code) for code in COUNTRY_CODES}
    return {code: data for code, data in found.items() if data is not None}
