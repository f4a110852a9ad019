"""Public counts API: shape, what counts, caching, and no COUNT over signatures."""

from __future__ import annotations

from sqlalchemy import event, select

from petition.cache import get_cache
from petition.db import get_engine
from petition.httpcache import forget_shared_answers
from tests.conftest import csrf_token

COUNTS = "/api/v1/campaigns/artsakh/counts"


def sign_and_confirm(client, sign, mailbox, **fields) -> None:
    sign(**fields)
    link = mailbox.links("confirm")[-1]
    client.post(link, data={"csrf_token": csrf_token(client, link)})


def test_counts_shape_and_cors(client, sign, mailbox) -> None:
    sign_and_confirm(client, sign, mailbox)
    sign_and_confirm(
        client, sign, mailbox, email="b@example.org", country="US", postal_code="10001"
    )
    sign_and_confirm(
        client, sign, mailbox, email="c@example.org", country="FR", postal_code="75001"
    )
    sign_and_confirm(client, sign, mailbox, email="d@example.org", country="AM", postal_code="")
    sign(email="pending@example.org", country="US", postal_code="90210")  # not confirmed
    response = client.get(COUNTS)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    data = response.json
    assert set(data) == {
        "campaign",
        "total",
        "goal",
        "by_country",
        "by_region",
        "by_district",
        "districts_hidden",
        "min_district_count",
        "letters_sent",
        "updated_at",
    }
    assert data["total"] == 4 and data["goal"] == 100000
    assert data["by_country"] == {"AM": 1, "CA": 1, "FR": 1, "US": 1}
    assert data["by_region"] == {"CA-ON": 1, "FR": 1, "US-NY": 1}
    assert data["updated_at"].endswith("Z")


def test_count_pending_setting(app, client, sign) -> None:
    app.config["COUNT_PENDING"] = True
    sign()
    assert client.get(COUNTS).json["total"] == 1


def test_unknown_campaign_is_json_404(client) -> None:
    response = client.get("/api/v1/campaigns/nope/counts")
    assert response.status_code == 404 and "error" in response.json


def test_counts_are_cached_for_the_configured_time(app, client, sign, mailbox) -> None:
    app.config["COUNTS_CACHE_SECONDS"] = 300
    assert client.get(COUNTS).json["total"] == 0
    sign()
    assert client.get(COUNTS).json["total"] == 0
    # What expiry does: to the counts, and to the whole answers kept in front of the app.
    get_cache(app).delete("counts:artsakh")
    forget_shared_answers(app)
    app.config["COUNT_PENDING"] = True
    assert client.get(COUNTS).json["total"] == 1


def test_confirming_refreshes_the_counter_at_once(app, client, sign, mailbox) -> None:
    app.config["COUNTS_CACHE_SECONDS"] = 300
    assert client.get(COUNTS).json["total"] == 0
    sign()
    link = mailbox.links("confirm")[-1]
    client.post(link, data={"csrf_token": csrf_token(client, link)})
    assert client.get(COUNTS).json["total"] == 1


def test_page_views_never_count_signatures(app, client, sign, mailbox) -> None:
    sign_and_confirm(client, sign, mailbox)
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    event.listen(get_engine(app), "before_cursor_execute", record)
    try:
        client.get("/")
        client.get(COUNTS)
    finally:
        event.remove(get_engine(app), "before_cursor_execute", record)
    assert statements, "the counts should have been read from the tallies"
    assert not any("FROM signatures" in s for s in statements)


def test_small_district_counts_stay_private(app, client, sign, mailbox) -> None:
    from petition.campaigns import get_campaign
    from petition.counts import tally
    from petition.db import get_session
    from petition.models import Signature, SignatureState

    for n in range(3):
        sign_and_confirm(client, sign, mailbox, email=f"s{n}@example.org")
    with app.app_context():  # give the three signers a district (as a settled lookup would)
        session = get_session()
        for signature in session.scalars(select(Signature)).all():
            tally(session, signature, SignatureState.CONFIRMED, -1)
            signature.district_id = "35079"
            tally(session, signature, SignatureState.CONFIRMED, 1)
        session.commit()
        assert get_campaign(session, "artsakh") is not None
    data = client.get(COUNTS).json
    assert data["by_district"] == {} and data["districts_hidden"] == 1
    assert data["min_district_count"] == 5 and data["total"] == 3  # totals stay exact
    app.config["PUBLIC_MIN_COUNT"] = 3
    assert client.get(COUNTS).json["by_district"] == {"35079": 3}
