"""Representatives' responses: recording, links, grouping and the labels the lookup shows."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from petition.campaigns import get_campaign
from petition.db import get_session
from petition.models import AuditEntry, Position
from petition.refindex import build_index
from petition.responses import (
    ResponseError,
    check_source_url,
    group_responses,
    label_positions,
    list_positions,
    list_responses,
    record_response,
)
from petition.text import is_web_url
from tests.seats import add_seats


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://example.org/statement", True),
        ("http://example.org", True),
        ("javascript:alert(1)", False),
        ("data:text/html,hi", False),
        ("//example.org/x", False),
        ("https://", False),
        ("https://example.org/a b", False),
        ("ftp://example.org", False),
    ],
)
def test_is_web_url(url: str, ok: bool) -> None:
    assert is_web_url(url) is ok


def test_check_source_url() -> None:
    assert check_source_url("") == ""
    with pytest.raises(ResponseError):
        check_source_url("javascript:alert(1)")


def _record(rep_id: str, position: Position, **kwargs: object) -> None:
    session = get_session()
    campaign = get_campaign(session, "artsakh")
    assert campaign is not None
    values = {"responded_on": date(2026, 11, 30), "quote": "", "source_url": ""} | kwargs
    record_response(session, campaign.id, rep_id, position=position,
                    organizer_email="o@example.org", **values)  # type: ignore[arg-type]  # fmt: skip


def test_record_groups_and_labels(app_ctx: None) -> None:
    session = get_session()
    add_seats(session)
    _record("ep:2", Position.SUPPORTS, quote="Oui.")
    _record("ep:1", Position.NO_REPLY)
    _record("ourcommons:1", Position.OPPOSES)
    _record("gone:1", Position.PARTLY)  # a seat no longer in the data is left out
    campaign = get_campaign(session, "artsakh")
    assert campaign is not None
    responses = list_responses(session, campaign.id)
    groups = group_responses(responses, build_index(session).reps,
                             ("us-house", "ca-commons", "eu-parliament"))  # fmt: skip
    assert [(g.body, g.country, len(g.entries), g.answered) for g in groups] == [
        ("ca-commons", "CA", 1, 1), ("eu-parliament", "FR", 1, 1), ("eu-parliament", "IE", 1, 0),
    ]  # fmt: skip
    positions = list_positions(session, campaign.id)
    assert positions == {"ep:2": "supports", "ep:1": "no_reply", "ourcommons:1": "opposes",
                         "gone:1": "partly"}  # fmt: skip
    labels = label_positions(positions, ["ep:1", "ep:2", "bioguide:T000012"])
    assert labels == {"ep:1": "Asked, no reply yet", "ep:2": "Supports the demands"}
    assert label_positions(positions, []) == {}
    audit = list(session.scalars(select(AuditEntry.detail)))
    assert audit[0] == "ep:2: none → supports (2026-11-30)"


def test_record_refuses_a_bad_link(app_ctx: None) -> None:
    with pytest.raises(ResponseError):
        _record("ep:1", Position.SUPPORTS, source_url="javascript:alert(1)")
