"""Campaign rows follow the campaign files."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import func, select

from petition.campaigns import campaign_id, get_campaign, sync_campaign
from petition.db import get_session
from petition.models import Campaign
from tests.conftest import VALID_SIGNATURE


def test_sync_is_idempotent_and_follows_edits(app, app_ctx) -> None:
    content = app.extensions["petition.campaigns"]["artsakh"]
    session = get_session()
    first = sync_campaign(session, content)
    edited = sync_campaign(session, replace(content, title="New title", goal=5000))
    session.commit()
    assert edited.id == first.id
    assert session.scalar(select(func.count(Campaign.id))) == 1
    stored = get_campaign(session, "artsakh")
    assert (stored.title, stored.goal) == ("New title", 5000)


def test_data_load_command(app, tmp_path) -> None:
    import shutil
    from pathlib import Path

    shutil.copytree(Path(app.config["DATA_DIR"]) / "campaigns", tmp_path / "campaigns")
    app.config["DATA_DIR"] = str(tmp_path)  # the campaign only, not the large tables
    result = app.test_cli_runner().invoke(args=["data", "load"])
    assert result.exit_code == 0 and "Campaign 'artsakh'" in result.output
    assert "goal 100,000" in result.output


def test_first_signature_creates_missing_campaign_row(app, sign) -> None:
    with app.app_context():
        session = get_session()
        session.delete(get_campaign(session, "artsakh"))
        session.commit()
    assert sign().status_code == 303
    with app.app_context():
        assert get_campaign(get_session(), "artsakh") is not None


def test_campaign_id_is_looked_up_once_and_follows_edits(app, app_ctx) -> None:
    content = app.extensions["petition.campaigns"]["artsakh"]
    session, known = get_session(), {}
    first = campaign_id(session, content, known)
    assert known == {("artsakh", content.title, content.goal): first}
    edited = replace(content, title="New title", goal=5000)
    assert campaign_id(session, edited, known) == first  # the row is updated, not duplicated
    assert ("artsakh", "New title", 5000) not in known  # remembered once committed...
    session.commit()
    assert campaign_id(session, edited, known) == first
    assert known[("artsakh", "New title", 5000)] == first  # ...and found up to date
    assert get_campaign(session, "artsakh").title == "New title"


def test_signing_from_a_translated_page_keeps_the_campaign_s_own_title(app, client) -> None:
    app.extensions["petition.languages"] = ["en", "fr", "hy"]  # as when catalogues ship
    french = app.extensions["petition.campaign_translations"]["artsakh"]["fr"]
    with app.app_context():
        title = get_campaign(get_session(), "artsakh").title
    assert french.title != title
    data = dict(VALID_SIGNATURE)
    assert client.post("/", data=data, headers={"Accept-Language": "fr"}).status_code == 303
    with app.app_context():
        assert get_campaign(get_session(), "artsakh").title == title
