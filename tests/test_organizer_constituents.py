"""Counts by representative, against a hand-built set of seats and signatures."""

from __future__ import annotations

from dataclasses import replace

import pytest

from petition.campaigns import get_campaign
from petition.db import get_session
from petition.organizer.constituents import (
    Constituency,
    RepCount,
    Selection,
    area_label,
    constituency_of,
    count_by_representative,
    csv_cells,
    export_row,
    select_counts,
)
from petition.refindex import build_index
from tests.seats import add_letters, add_seats, add_signatures


@pytest.fixture
def counts(app_ctx: None) -> dict[str, RepCount]:
    session = get_session()
    add_seats(session)
    add_signatures(session)
    add_letters(session, "bioguide:T000012", {"email": 2, "print": 1})
    session.commit()
    campaign = get_campaign(session, "artsakh")
    assert campaign is not None
    reps = build_index(session).reps.values()
    rows = count_by_representative(session, campaign.id, reps, {"us-house": 9, "ca-commons": 13})
    return {row.rep.id: row for row in rows}


def test_district_seats_count_their_district_and_show_the_unplaced_apart(
    counts: dict[str, RepCount],
) -> None:
    assert (counts["bioguide:T000012"].signatures, counts["bioguide:T000012"].unplaced) == (9, 4)
    assert (counts["bioguide:T000010"].signatures, counts["bioguide:T000010"].unplaced) == (3, 4)
    assert (counts["ourcommons:1"].signatures, counts["ourcommons:1"].unplaced) == (12, 5)
    assert (counts["ourcommons:2"].signatures, counts["ourcommons:2"].unplaced) == (0, 5)
    assert (counts["ep:1"].signatures, counts["ep:1"].unplaced) == (5, 2)


def test_senators_at_large_seats_and_national_meps_count_the_whole_area(
    counts: dict[str, RepCount],
) -> None:
    # Every New York signature, the split ZIP included; the pending one nowhere.
    assert (counts["bioguide:S000001"].signatures, counts["bioguide:S000001"].unplaced) == (16, 0)
    assert (counts["bioguide:A000001"].signatures, counts["bioguide:A000001"].unplaced) == (7, 0)
    assert counts["bioguide:S000002"].signatures == 7
    assert counts["ep:2"].signatures == 9
    assert counts["bioguide:A000001"].area == Constituency("US", "AK")
    assert counts["ep:2"].area == Constituency("FR")
    assert counts["ep:1"].area == Constituency("IE", "", "IE-dublin")


def test_letters_by_channel_and_quorum(counts: dict[str, RepCount]) -> None:
    tess = counts["bioguide:T000012"]
    assert tess.letters == {"email": 2, "print": 1}
    assert tess.letters_total == 3
    assert tess.ready  # 9 constituents, quorum 9
    assert not counts["bioguide:T000010"].ready
    assert not counts["ourcommons:1"].ready  # 12 of 13
    assert not counts["bioguide:S000001"].ready  # no quorum set for the Senate
    assert not counts["vacant:us-house:NY-14"].ready


def test_select_filters_and_sorts(counts: dict[str, RepCount]) -> None:
    rows = list(counts.values())
    house = select_counts(rows, Selection(body="us-house"))
    assert [r.rep.id for r in house] == [
        "bioguide:T000012", "bioguide:A000001", "bioguide:T000010", "vacant:us-house:NY-14",
    ]  # fmt: skip
    assert [r.rep.id for r in select_counts(rows, Selection(country="IE"))] == ["ep:1"]
    assert [r.rep.id for r in select_counts(rows, Selection(ready_only=True))] == [
        "bioguide:T000012"
    ]
    by_name = select_counts(rows, Selection(body="us-senate", sort="name", descending=False))
    assert [r.rep.name for r in by_name] == ["Sam Senator", "Sue Senator"]
    assert select_counts(rows, Selection(sort="letters"))[0].rep.id == "bioguide:T000012"


def test_export_rows_hide_small_counts(counts: dict[str, RepCount]) -> None:
    ted = export_row(counts["bioguide:T000010"], 5)
    assert ted["signatures"] is None
    assert ted["unplaced_in_area"] is None  # 4 is under 5 too
    assert export_row(counts["ourcommons:1"], 5)["signatures"] == 12
    assert export_row(counts["bioguide:S000001"], 5)["unplaced_in_area"] == 0
    cells = csv_cells(ted, 5)
    assert cells[:3] == ("bioguide:T000010", "Ted Ten", "us-house")
    assert "<5" in cells
    assert csv_cells(export_row(counts["bioguide:S000001"], 5), 5)[-2:] == ("", "no")


def test_area_labels(counts: dict[str, RepCount]) -> None:
    assert area_label(counts["bioguide:T000012"]) == "NY 12th"
    assert area_label(counts["bioguide:S000001"]) == "New York"
    assert area_label(counts["ep:2"]) == "France"


def test_constituency_of_a_seat_without_district_data(counts: dict[str, RepCount]) -> None:
    seat = counts["ourcommons:1"].rep
    assert constituency_of(replace(seat, district_id="")) == Constituency("CA", "ON")
