"""Which Congress a ZIP map and the members belong to, and the guard that keeps them apart.

A ZIP → district table is drawn for one Congress's district plans. Joining it to members
of another Congress is wrong in every state whose plan changed in between, so those
states' ZIPs get a placeholder row (`<ST>-*`: any district of the state) with the reason,
and the lookup lets the user choose among the state's districts until a matching map is
loaded.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date
from typing import Any

# The first Congress (1789) and its length; each Congress starts on January 3 of an odd
# year since the 20th Amendment (1935), so term dates give the Congress number.
FIRST_CONGRESS_YEAR = 1789
# States that adopted a new congressional plan for a Congress (elected the November
# before), and where that is documented. Only changes from the 119th Congress on are
# listed; for any other pair of Congresses every state is treated as changed.
PLAN_CHANGES: dict[int, frozenset[str]] = {
    # Texas (signed 2025-08-29), Missouri (2025-09-28), California (Proposition 50,
    # approved 2025-11-04), North Carolina (October 2025), Utah (court-ordered map,
    # November 2025): CBS News, "Maps show how Texas, California, Missouri, North Carolina
    # and Utah redistricting could affect congressional seats",
    # https://www.cbsnews.com/sacramento/news/texas-californias-redistricting-maps and
    # Ballotpedia News https://news.ballotpedia.org/?p=43669. Ohio (new map required by its
    # constitution, adopted 7-0 by the Ohio Redistricting Commission on 2025-10-31): WYSU,
    # https://wysu.org/ohio-news/2025-10-31/ohio-redistricting-commission-cuts-deal-on-map-averts-repeal-effort
    120: frozenset({"CA", "MO", "NC", "OH", "TX", "UT"}),
}
KNOWN_FROM = 119
# Where the Census Bureau publishes its ZCTA ↔ congressional district relationship
# files, and the name it gave the 119th Congress's (the next follows the same pattern).
CENSUS_REL_DIR = "https://www2.census.gov/geo/docs/maps-data/data/rel2020/cd-sld/"
CENSUS_FILE_PATTERN = "tab20_cd{congress}20_zcta520_natl.txt"
ANY_DISTRICT = "*"  # a postal row "TX-*": the ZIP is in Texas, its district is not known


def congress_on(day: str) -> int:
    """Return the number of the Congress in session on an ISO date."""
    when = date.fromisoformat(day)
    year = when.year
    if year % 2 == 1 and when < date(year, 1, 3):
        year -= 1  # January 1-2 of an odd year still belong to the previous Congress
    return (year - FIRST_CONGRESS_YEAR) // 2 + 1


def term_congress(term: dict[str, Any], fallback: int) -> int:
    """Return the Congress a House term serves in (from its end date), else `fallback`."""
    if term.get("type") == "rep" and term.get("end"):
        return congress_on(term["end"]) - 1  # a House term ends as the next Congress begins
    return fallback


def members_congress(people: list[dict[str, Any]], data_date: str) -> int:
    """Return the Congress most House members of a legislators list serve in."""
    fallback = congress_on(data_date)
    counts = Counter(term_congress(person["terms"][-1], fallback) for person in people
                     if person["terms"][-1]["type"] == "rep")  # fmt: skip
    return counts.most_common(1)[0][0] if counts else fallback


def ordinal(n: int) -> str:
    """Return "119th", "121st" and the like."""
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def changed_states(first: int, second: int) -> frozenset[str] | None:
    """Return the states whose plan differs between two Congresses; None when unknown."""
    low, high = sorted((first, second))
    if low < KNOWN_FROM or any(n not in PLAN_CHANGES for n in range(low + 1, high + 1)):
        return None
    return frozenset().union(*(PLAN_CHANGES[n] for n in range(low + 1, high + 1)))


def needed_file(congress: int) -> str:
    """Return the Census file name a Congress's ZIP map is expected under."""
    return CENSUS_FILE_PATTERN.format(congress=congress)


def fallback_note(state_name: str, members: int, zip_map: int) -> str:
    """Explain to a user why they have to choose among their state's districts."""
    how = (
        "your district is on your voter registration card, or use the House's "
        "“Find your representative” page with your full address"
    )
    if zip_map > members:  # new lines loaded before the new members
        return (
            f"{state_name}'s congressional districts change with the {ordinal(zip_map)} "
            f"Congress, and our list of members is still the {ordinal(members)} Congress's: "
            f"choose your district ({how})."
        )
    return (
        f"{state_name} has new congressional districts for the {ordinal(members)} Congress, "
        f"and our ZIP code table still has the {ordinal(zip_map)} Congress's lines: choose "
        f"your district ({how})."
    )


def guard_postal(
    rows: list[dict[str, str]], members: int, state_names: dict[str, str]
) -> tuple[list[dict[str, str]], list[str]]:
    """Replace the rows of states whose plan differs between the map and the members.

    Returns the rows to keep and the guarded states. Each ZIP of a guarded state keeps one
    row, `<ST>-*`, with the reason in its note.
    """
    maps = {int(row["congress"]) for row in rows if row["district_id"][3:] != ANY_DISTRICT}
    guarded: set[str] = set()
    for zip_map in maps - {members}:
        states = changed_states(zip_map, members)
        guarded |= set(state_names) if states is None else states
    kept, placeholders = [], {}
    for row in rows:
        if row["state"] not in guarded or int(row["congress"]) == members:
            kept.append(row)
            continue
        key = (row["zip"], row["state"])
        note = fallback_note(state_names[row["state"]], members, int(row["congress"]))
        placeholders[key] = row | {
            "district_id": f"{row['state']}-{ANY_DISTRICT}", "share": "", "rank": "",
            "n_districts": "1", "note": note,
        }  # fmt: skip
    return kept + list(placeholders.values()), sorted(guarded & {r["state"] for r in rows})


def plan_messages(
    postal: Iterable[dict[str, str]], members: Iterable[int]
) -> tuple[list[str], list[str]]:
    """Return (holes, warnings): joins across changed plans, and states waiting for a map."""
    congresses = Counter(members)
    holes: list[str] = []
    warnings: list[str] = []
    if not congresses:
        return holes, warnings
    if len(congresses) > 1:
        holes.append(f"us_terms.csv mixes Congresses: {dict(sorted(congresses.items()))}")
    current = congresses.most_common(1)[0][0]
    joined: dict[int, set[str]] = {}
    waiting: dict[int, set[str]] = {}
    for row in postal:
        zip_map = int(row["congress"]) if row.get("congress") else None
        if zip_map is None or zip_map == current:
            continue
        if row["district_id"].endswith("-" + ANY_DISTRICT):
            waiting.setdefault(zip_map, set()).add(row["state"])
            continue
        changed = changed_states(zip_map, current)
        if changed is None or row["state"] in changed:
            joined.setdefault(zip_map, set()).add(row["state"])
    for zip_map, states in sorted(joined.items()):
        holes.append(
            f"postal_us.csv joins {ordinal(current)}-Congress members to the "
            f"{ordinal(zip_map)} Congress's districts in {', '.join(sorted(states))}, whose "
            f"plans changed: rebuild or refresh with the {ordinal(current)} Congress's ZIP map "
            f"({needed_file(current)})"
        )
    for zip_map, states in sorted(waiting.items()):
        warnings.append(
            f"{', '.join(sorted(states))}: new districts for the {ordinal(current)} Congress "
            f"and no ZIP map for them yet (the ZIP table is for the {ordinal(zip_map)}), so "
            "these ZIPs offer every district of their state. When the Census Bureau "
            f"publishes {needed_file(current)} (under {CENSUS_REL_DIR}), run "
            "`flask data refresh --country us --zip-map <its URL or a downloaded copy>`."
        )
    return holes, warnings


TERMS_FILE = "us_terms.csv"
# One row per US seat of representatives.csv: the Congress its holder serves in, and the
# dates of the holder's current term ("" for a vacant seat).
TERMS_COLUMNS = ("id", "state", "body", "congress", "start", "end")


def terms_rows(
    representatives: list[dict[str, str]], people: list[dict[str, Any]], congress: int
) -> list[dict[str, str]]:
    """Return the us_terms.csv rows: senators and vacant seats serve in the data's Congress."""
    terms = {f"bioguide:{p['id']['bioguide']}": p["terms"][-1] for p in people}
    rows = []
    for rep in representatives:
        term = terms.get(rep["id"], {})
        serves = congress if rep["body"] == "us-senate" else term_congress(term, congress)
        rows.append({
            "id": rep["id"], "state": rep["region"], "body": rep["body"], "congress": str(serves),
            "start": term.get("start", ""), "end": term.get("end", ""),
        })  # fmt: skip
    return rows
