"""Tests for petition.refdata.eu_it_pl: Italian and Polish MEPs placed from cited sources."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from petition.refdata import eu, eu_it_pl
from petition.refdata.eu_regions import UNKNOWN_CONSTITUENCY_NOTES
from petition.refdata.http import HttpClient
from petition.refdata.schema import read_csv
from tests.test_refdata_eu import TODAY, urls

pytest_plugins = ["tests.test_refdata_eu"]  # its server, client, built and small_pages fixtures

DATA = Path(__file__).parent.parent / "data"
NAMES = {"IT-centrale": "Centrale", "PL-04": "Okręg nr 4"}
HEADER = ",".join(eu_it_pl.IT_PL_COLUMNS) + "\n"


def committed_meps() -> dict[str, dict[str, str]]:
    rows = read_csv(DATA / "representatives.csv").rows
    return {r["id"]: r for r in rows if r["body"] == "eu-parliament" and r["country"] in "IT PL"}


def test_every_line_is_a_sitting_mep_with_sources_and_reasoning() -> None:
    meps = committed_meps()
    lines = eu_it_pl.read_it_pl_lines()
    assert len({line["ep_id"] for line in lines}) == len(lines)
    for line in lines:
        rep = meps[f"ep:{line['ep_id']}"]
        assert (rep["country"], rep["name"]) == (line["country"], line["name"])
        assert rep["district_id"] == line["constituency_id"]
        assert eu_it_pl.IT_PL_SOURCE in rep["source"].split("+")
        urls = line["source_urls"].split()
        assert urls and all(u.startswith(("https://", "http://")) for u in urls)
        assert len(line["basis"]) > 20


def test_the_rest_stay_constituency_unknown_never_guessed() -> None:
    meps = committed_meps().values()
    unknown = [r for r in meps if not r["district_id"]]
    assert {r["note"] for r in unknown} == set(UNKNOWN_CONSTITUENCY_NOTES.values())
    assert Counter(r["country"] for r in unknown) == {"IT": 6, "PL": 6}
    placed = Counter(r["district_id"] for r in meps if r["district_id"])
    # no constituency has more MEPs than its seats (IT: 20/15/15/18/8 seats)
    assert placed["IT-nord-occidentale"] <= 20 and placed["IT-insulare"] == 8
    assert sum(placed.values()) == 117


def test_readme_names_the_sources_and_the_unplaced() -> None:
    text = (DATA / "README.md").read_text(encoding="utf-8")
    assert "https://legnanonews.com/?p=1216872" in text
    assert "Ilaria Salis (IT)" in text and "Waldemar Buda (PL)" in text


def write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *lines: str) -> None:
    path = tmp_path / "lines.csv"
    path.write_text(HEADER + "".join(lines), encoding="utf-8")
    monkeypatch.setattr(eu_it_pl, "IT_PL_FILE", path)


def test_lines_of_absent_meps_are_skipped(tmp_path, monkeypatch) -> None:
    write(tmp_path, monkeypatch, "IT,1,A B,IT-centrale,https://x.example/,why not\n",
          "PL,2,C D,PL-04,https://y.example/,because\n")  # fmt: skip
    assert eu_it_pl.read_it_pl_constituencies(NAMES, {"2"}) == {"2": ("PL-04", "Okręg nr 4", "")}


@pytest.mark.parametrize(
    "lines",
    [
        ["IT,1,A B,IT-nowhere,https://x.example/,x\n"],  # unknown constituency
        ["IT,1,A B,PL-04,https://x.example/,x\n"],  # another country's constituency
        ["IT,1,A B,IT-centrale,,x\n"],  # no source
        ["IT,1,A B,IT-centrale,https://x.example/,x\n"] * 2,  # listed twice
    ],
)
def test_bad_lines_are_refused(tmp_path, monkeypatch, lines) -> None:
    write(tmp_path, monkeypatch, *lines)
    with pytest.raises(ValueError, match="ep:1"):
        eu_it_pl.read_it_pl_constituencies(NAMES, {"1"})


def test_wrong_columns_are_refused(tmp_path, monkeypatch) -> None:
    path = tmp_path / "lines.csv"
    path.write_text("ep_id,where\n1,Rome\n", encoding="utf-8")
    monkeypatch.setattr(eu_it_pl, "IT_PL_FILE", path)
    with pytest.raises(ValueError, match="columns"):
        eu_it_pl.read_it_pl_lines()


@pytest.fixture
def http() -> Iterator[HttpClient]:
    """A client that gives up fast (the conftest's `client` is the Flask test client)."""
    client = HttpClient(retries=1, backoff=0, timeout=(1, 0.5))
    yield client
    client.session.close()


@pytest.mark.usefixtures("small_pages")
def test_refresh_places_a_new_mep_from_our_table(
    server: str, http: HttpClient, built, tmp_path, monkeypatch
) -> None:
    """An MEP the current tables do not place gets our table's constituency on refresh."""
    write(tmp_path, monkeypatch, "IT,900010,Giulia Nuova,IT-centrale,https://x.example/,why\n")
    fresh = eu.fetch(http, urls(server), built, TODAY)
    row = next(r for r in fresh.representatives if r["id"] == "ep:900010")
    assert (row["district_id"], row["district_name"]) == ("IT-centrale", "Centrale")
    assert row["source"].split("+")[-1] == eu_it_pl.IT_PL_SOURCE
    assert row["note"] == ""
