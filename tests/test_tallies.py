"""Reads of the running tallies, against the hand-built signatures of tests/seats.py."""

from __future__ import annotations

from datetime import date

import pytest

from petition.campaigns import get_campaign
from petition.db import get_session
from petition.models import COUNTED_STATES, LetterEvent, SignatureState
from petition.tallies import (
    count_letters,
    day_totals,
    letters_by,
    place_tallies,
    read_counts,
    state_totals,
    sum_places,
)
from tests.seats import add_letters, add_signatures

CONFIRMED = frozenset(COUNTED_STATES)


@pytest.fixture
def campaign_id(app_ctx: None) -> int:
    session = get_session()
    add_signatures(session)
    add_letters(session, "ep:1", {"email": 2, "copy": 1})
    add_letters(session, "ep:2", {"print": 1})
    session.commit()
    campaign = get_campaign(session, "artsakh")
    assert campaign is not None
    return campaign.id


def test_state_totals(campaign_id: int) -> None:
    totals = state_totals(get_session(), campaign_id)
    assert totals == {state.value: 0 for state in SignatureState} | {"pending": 1, "confirmed": 56}


def test_sum_places_orders_by_keys_or_by_size(campaign_id: int) -> None:
    session = get_session()
    by_key = sum_places(session, campaign_id, CONFIRMED, "country")
    assert by_key == [("CA", 17), ("FR", 9), ("IE", 7), ("US", 23)]
    largest = sum_places(session, campaign_id, CONFIRMED, "country",
                         largest_first=True)  # fmt: skip
    assert [row[0] for row in largest] == ["US", "CA", "FR", "IE"]
    pending = sum_places(session, campaign_id, frozenset({SignatureState.PENDING}),
                         "district_id")  # fmt: skip
    assert pending == [("NY-12", 1)]


def test_place_tallies_and_read_counts_agree(campaign_id: int) -> None:
    session = get_session()
    places = place_tallies(session, campaign_id, CONFIRMED)
    assert places[("US", "NY", "")] == 4 and places[("US", "NY", "NY-12")] == 9
    counts = read_counts(session, campaign_id, CONFIRMED)
    assert counts.total == sum(places.values()) == 56
    assert counts.by_region["US-NY"] == 16 and counts.by_region["FR"] == 9
    assert "" not in counts.by_district


def test_day_totals(campaign_id: int) -> None:
    assert day_totals(get_session(), campaign_id, CONFIRMED) == [(date(2026, 11, 20), 56)]


def test_letters(campaign_id: int) -> None:
    session = get_session()
    assert count_letters(session, campaign_id) == 4
    assert letters_by(session, campaign_id, LetterEvent.representative_id) == [
        ("ep:1", 3), ("ep:2", 1),
    ]  # fmt: skip
