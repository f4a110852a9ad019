"""The committed tables are exactly what the build makes, and they pass the coverage check."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from petition.refdata.corrections import CORRECTIONS_FILE, STATUS_FILE, read_corrections
from petition.refdata.operations import build_tables, check_tables
from petition.refdata.tables import README_FILE, REPRESENTATIVES_FILE, TABLE_OWNERS

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
SOURCES = Path(os.environ.get("PETITION_DATA_SOURCES", ROOT.parent / "shared" / "data-sources"))
TABLE_FILES = [
    REPRESENTATIVES_FILE,
    README_FILE,
    STATUS_FILE,
    *(n for t in TABLE_OWNERS.values() for n in t),
]


def test_committed_tables_pass_the_check() -> None:
    results = check_tables(DATA)
    holes = [hole for result in results.values() for hole in result.holes]
    assert holes == []
    assert results["us"].counts and results["ca"].counts and results["eu"].counts


def test_committed_tables_match_a_fresh_build(tmp_path: Path) -> None:
    if not SOURCES.is_dir():
        pytest.skip(f"{SOURCES} is absent, so the tables cannot be rebuilt and compared")
    build_tables(SOURCES, tmp_path, read_corrections(DATA / CORRECTIONS_FILE))
    for name in TABLE_FILES:
        built = (tmp_path / name).read_bytes()
        assert built == (DATA / name).read_bytes(), f"data/{name} differs from a fresh build"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(TABLE_FILES)


def test_build_twice_is_byte_identical(tmp_path: Path) -> None:
    if not SOURCES.is_dir():
        pytest.skip(f"{SOURCES} is absent, so the tables cannot be rebuilt")
    build_tables(SOURCES, tmp_path / "one", read_corrections(DATA / CORRECTIONS_FILE))
    build_tables(SOURCES, tmp_path / "two", read_corrections(DATA / CORRECTIONS_FILE))
    for name in TABLE_FILES:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()
