"""Italian and Polish MEPs by constituency: our cited table, and its part of data/README.md.

Neither the EP nor our snapshots say which circoscrizione or okręg an MEP was elected in.
`mep_constituency_it_pl.csv` (next to this module) places those a public source confirms,
each line with its sources and the reasoning; every other Italian or Polish MEP stays
"constituency unknown" and is listed for the whole country.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

IT_PL_FILE = Path(__file__).parent / "mep_constituency_it_pl.csv"
IT_PL_SOURCE = "mep-constituency-it-pl"
IT_PL_COLUMNS = ["country", "ep_id", "name", "constituency_id", "source_urls", "basis"]


def read_it_pl_lines() -> list[dict[str, str]]:
    """Read mep_constituency_it_pl.csv.

    :raises ValueError: unexpected columns.
    """
    with IT_PL_FILE.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames != IT_PL_COLUMNS:
            raise ValueError(f"{IT_PL_FILE.name}: columns {reader.fieldnames}")
        return [dict(row) for row in reader]


def read_it_pl_constituencies(
    names: dict[str, str], sitting: set[str]
) -> dict[str, tuple[str, str, str]]:
    """Map EP id -> (district_id, district_name, "") for the sitting IT and PL MEPs we placed.

    Lines of MEPs not in `sitting` (EP ids of the build's MEPs) are skipped.

    :raises ValueError: a malformed line, an unknown constituency or a line without a source.
    """
    assigned: dict[str, tuple[str, str, str]] = {}
    for row in read_it_pl_lines():
        if row["ep_id"] not in sitting:
            continue
        cid = row["constituency_id"]
        urls = row["source_urls"].split()
        if cid not in names or not cid.startswith(row["country"] + "-") or not urls:
            raise ValueError(f"{IT_PL_FILE.name}: bad line for ep:{row['ep_id']}")
        if row["ep_id"] in assigned:
            raise ValueError(f"{IT_PL_FILE.name}: ep:{row['ep_id']} is listed twice")
        assigned[row["ep_id"]] = (cid, names[cid], "")
    return assigned


def it_pl_readme(rows: list[dict[str, str]]) -> str:
    """Return the README paragraph on Italian and Polish MEPs, with this build's figures."""
    lines = read_it_pl_lines()
    placed = Counter(line["country"] for line in lines)
    unknown = sorted(
        f"{r['name']} ({r['country']})"
        for r in rows
        if r["country"] in ("IT", "PL") and r["vacant"] != "1" and not r["district_id"]
    )
    urls = sorted({url for line in lines for url in line["source_urls"].split()})
    sources = "\n".join(f"  - {url}" for url in urls)
    return (
        f"- Italian and Polish MEPs by constituency (`{IT_PL_SOURCE}`, our table "
        f"`petition/refdata/{IT_PL_FILE.name}`: EP id, constituency, sources, reasoning): "
        f"{placed['IT']} of Italy's and {placed['PL']} of Poland's MEPs are placed. Italy: the "
        "June 2024 results named per circoscrizione in the regional press; a candidate elected "
        "in several circoscrizioni (Vannacci, Zan) is placed where the substitutes who would "
        "have entered elsewhere are, or are not, MEPs now, and a replacement takes the seat of "
        "the same list in the same circoscrizione (the law's surrogation rule, quoted by "
        "L'Unione Sarda). Poland: a candidate stands in one okręg only (Kodeks wyborczy, quoted "
        "by i.pl) and a vacated seat goes to the same list, so an MEP's okręg is the one whose "
        "2024 list named them (party lists and leaders, or the okręg results). Everyone else "
        'stays "constituency unknown" and is listed for every postcode of the country: '
        + ", ".join(unknown)
        + ". Sources:\n"
        + sources
    )
