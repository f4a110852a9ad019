"""Signers' names in delivery packs: offered only where the campaign file allows it, listed
only for consenting confirmed constituents, audited, and withdrawn from the signer's page."""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select

from petition.campaigns import get_campaign
from petition.counts import tally
from petition.db import get_session
from petition.models import AuditEntry, Signature, SignatureState, utcnow
from petition.privacy import anonymize_signatures
from tests.conftest import csrf_token
from tests.seats import WHEN, add_seats, add_signatures

BOX = 'name="name_consent"'
LABEL = "Include my name in the letters we deliver to my representatives"

# name, country, region, district id, postal code, state, consent
NAMED = [
    ("Zara Ottawa", "CA", "ON", "35075", "K1P 1J1", SignatureState.CONFIRMED, True),
    ("anna Ottawa", "CA", "ON", "35075", "K1P 2B2", SignatureState.CONFIRMED, True),
    ("Quiet Ottawa", "CA", "ON", "35075", "K1P 3C3", SignatureState.CONFIRMED, False),
    ("Pending Ottawa", "CA", "ON", "35075", "K1P 4D4", SignatureState.PENDING, True),
    ("Held Ottawa", "CA", "ON", "35075", "K1P 5E5", SignatureState.SUSPECT, True),
    ("Struck Ottawa", "CA", "ON", "35075", "K1P 6F6", SignatureState.INVALIDATED, True),
    ("Ajax Neighbour", "CA", "ON", "35001", "L1S 1A1", SignatureState.CONFIRMED, True),
    ("Split Postcode", "CA", "ON", "", "K2P 0A1", SignatureState.CONFIRMED, True),
    ("Old Ottawa", "CA", "ON", "35075", "K1P 7G7", SignatureState.CONFIRMED, True),
    ("Split Manhattan", "US", "NY", "", "10004", SignatureState.CONFIRMED, True),
    ("Chelsea Twelve", "US", "NY", "NY-12", "10001", SignatureState.CONFIRMED, True),
]  # fmt: skip
LISTED_OTTAWA = ["anna Ottawa", "Zara Ottawa"]
NEVER_IN_OTTAWA = ["Quiet Ottawa", "Pending Ottawa", "Held Ottawa", "Struck Ottawa",
                   "Ajax Neighbour", "Split Postcode", "Old Ottawa", "Hidden Person"]  # fmt: skip


def set_pack_names(app: Flask, allowed: bool) -> None:
    """Run the app as if the campaign file said [packs] names = allowed (every language)."""
    campaigns = app.extensions["petition.campaigns"]
    campaigns["artsakh"] = dataclasses.replace(campaigns["artsakh"], pack_names=allowed)
    for by_lang in app.extensions["petition.campaign_translations"].values():
        for lang, content in by_lang.items():
            by_lang[lang] = dataclasses.replace(content, pack_names=allowed)


def add_named(session: Any) -> None:
    """Insert NAMED with their tallies; "Old Ottawa" signed long ago and is anonymized."""
    campaign = get_campaign(session, "artsakh")
    assert campaign is not None
    for n, (name, country, region, district, postal, state, consent) in enumerate(NAMED):
        signature = Signature(
            campaign_id=campaign.id, name=name, email=f"named{n}@example.org",
            email_canonical=f"named{n}@example.org", country=country, postal_code=postal,
            region=region, district_id=district, state=state, name_consent=consent,
            token_expires_at=WHEN, delete_nonce=f"named{n}",
            created_at=WHEN - timedelta(days=400) if name == "Old Ottawa" else utcnow(),
            confirmed_at=WHEN if state == SignatureState.CONFIRMED else None,
        )  # fmt: skip
        session.add(signature)
        session.flush()
        tally(session, signature, state, 1)
    anonymize_signatures(session, campaign.id, WHEN - timedelta(days=300))


@pytest.fixture
def seeded(app: Flask) -> Flask:
    with app.app_context():
        session = get_session()
        add_seats(session)
        add_signatures(session)
        add_named(session)
        session.commit()
    return app


@pytest.fixture
def organizer(seeded: Flask, client: FlaskClient, auth: Any) -> FlaskClient:
    auth.login()
    return client


def _audit(app: Flask) -> AuditEntry:
    with app.app_context():
        return get_session().scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()


def _text(pdf: bytes) -> str:
    pages = PdfReader(io.BytesIO(pdf)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).replace("\xa0", " ").split())


def _html(client: FlaskClient, path: str) -> str:
    """A pack's HTML with its unbreakable spaces (inside each name) read as spaces."""
    return client.get(path).get_data(as_text=True).replace("\xa0", " ")


def _signatures(app: Flask) -> list[Signature]:
    with app.app_context():
        return list(get_session().scalars(select(Signature).order_by(Signature.id)))


# The sign form


def test_sign_form_offers_an_unticked_box_when_the_campaign_allows_names(client) -> None:
    page = client.get("/").get_data(as_text=True)
    box = re.search(r"<input[^>]*" + BOX + r"[^>]*>", page)
    assert box and 'type="checkbox"' in box.group(0) and "checked" not in box.group(0)
    assert LABEL in page and "it is never published" in page


def test_sign_form_has_no_box_when_the_campaign_allows_no_names(app, client) -> None:
    set_pack_names(app, False)
    page = client.get("/").get_data(as_text=True)
    assert BOX not in page and LABEL not in page


def test_consent_is_stored_only_when_ticked(app, sign) -> None:
    assert sign(name_consent="y").status_code == 303
    assert sign(email="other@example.org").status_code == 303
    assert [s.name_consent for s in _signatures(app)] == [True, False]


def test_consent_is_refused_where_the_campaign_allows_no_names(app, sign) -> None:
    set_pack_names(app, False)
    assert sign(name_consent="y").status_code == 303  # a forged field counts for nothing
    assert [s.name_consent for s in _signatures(app)] == [False]


# The packs


def test_pack_lists_only_consenting_confirmed_constituents(
    seeded: Flask, organizer: FlaskClient
) -> None:
    response = organizer.get("/organizer/packs/ourcommons:1.pdf")
    assert response.status_code == 200
    text = _text(response.data)
    assert "Your constituents who signed and asked to be named" in text
    assert "anna Ottawa · Zara Ottawa" in text  # sorted whatever the case
    for name in NEVER_IN_OTTAWA:
        assert name not in text, name
    assert "2 of them asked us to give you their names" in text
    entry = _audit(seeded)
    assert (entry.action, entry.rows) == ("export.pack", 1)
    assert entry.detail.endswith("; names of 2 consenting signers included")


def test_neighbouring_district_and_whole_state_follow_the_count_rules(
    organizer: FlaskClient,
) -> None:
    ajax = _html(organizer, "/organizer/packs/ourcommons:2.html")
    assert "Ajax Neighbour" in ajax and "Split Postcode" not in ajax and "Zara" not in ajax
    # A split ZIP is never put in a House district, but it is inside the state.
    house = _html(organizer, "/organizer/packs/bioguide:T000012.html")
    assert "Chelsea Twelve" in house and "Split Manhattan" not in house
    senate = _html(organizer, "/organizer/packs/bioguide:S000001.html")
    assert "Chelsea Twelve" in senate and "Split Manhattan" in senate


def test_anonymized_signer_loses_name_and_consent(seeded: Flask) -> None:
    [old] = [s for s in _signatures(seeded) if s.email_canonical.startswith("anonymized:")]
    assert (old.name, old.name_consent, old.anonymized_at is not None) == ("", False, True)


def test_pack_without_consenting_constituents_names_nobody(organizer: FlaskClient) -> None:
    page = _html(organizer, "/organizer/packs/ep:1.html")
    assert "asked to be named" not in page
    assert "Only signers who asked us to pass their name on" in page


def test_no_names_when_the_campaign_disallows_them(seeded: Flask, organizer: FlaskClient) -> None:
    set_pack_names(seeded, False)
    text = _text(organizer.get("/organizer/packs/ourcommons:1.pdf").data)
    assert "16 of your constituents" in text  # 12 placed by tests.seats, 4 named here
    assert "Zara Ottawa" not in text and "anna Ottawa" not in text
    assert "Signers' names are not included" in text
    assert "names of" not in _audit(seeded).detail


def test_body_zip_names_and_audits_distinct_signers(seeded: Flask, organizer: FlaskClient) -> None:
    response = organizer.get("/organizer/packs/ca-commons.zip")
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert "Zara Ottawa" in _text(archive.read("ourcommons-1.pdf"))
    assert "Ajax Neighbour" in _text(archive.read("ourcommons-2.pdf"))
    entry = _audit(seeded)
    assert (entry.action, entry.rows) == ("export.packs", 2)
    assert (
        entry.detail == "delivery packs of ca-commons (zip); names of 3 consenting signers included"
    )


def test_cli_build_names_and_audits(seeded: Flask, tmp_path: Path) -> None:
    result = seeded.test_cli_runner().invoke(
        args=[
            "packs",
            "build",
            "--body",
            "us-senate",
            "--output",
            str(tmp_path),
            "--format",
            "html",
        ]  # fmt: skip
    )
    assert result.exit_code == 0, result.output
    assert "with the names of 2 consenting signers" in result.output
    page = (tmp_path / "bioguide-S000001.html").read_text(encoding="utf-8").replace("\xa0", " ")
    assert "Split Manhattan" in page and "Chelsea Twelve" in page
    assert "Manhattan" not in (tmp_path / "bioguide-S000002.html").read_text("utf-8")
    entry = _audit(seeded)
    assert entry.action == "export.packs" and entry.organizer_email.startswith("cli:")
    assert entry.detail.endswith("; names of 2 consenting signers included")


# The signer's own page, and the privacy notice


def _my_data_path(mailbox) -> str:
    body = mailbox.outbox[0].get_content()
    [link] = [part for part in body.split() if "/my-data/" in part]
    return link.replace("http://petition.test", "")


def test_signer_sees_and_withdraws_the_consent(app, client, sign, mailbox) -> None:
    sign(name_consent="y")
    path = _my_data_path(mailbox)
    page = client.get(path).get_data(as_text=True)
    assert re.search(r"Name in the letters to your representatives</th><td>yes<", page)
    assert "Stop including my name" in page
    withdraw = f"{path}/name-consent"
    assert client.post(withdraw, data={}).status_code == 400  # no CSRF token
    assert _signatures(app)[0].name_consent is True
    response = client.post(withdraw, data={"csrf_token": csrf_token(client, path)})
    assert response.status_code == 303 and response.headers["Location"].endswith(path)
    assert _signatures(app)[0].name_consent is False
    page = client.get(path).get_data(as_text=True)
    assert "Your name will no longer be included in the letters we deliver." in page
    assert re.search(r"Name in the letters to your representatives</th><td>no<", page)
    assert "Stop including my name" not in page
    assert client.post("/my-data/forged/name-consent", data={}).status_code == 404


def test_my_data_says_nothing_of_names_where_the_campaign_allows_none(
    app, client, sign, mailbox
) -> None:
    set_pack_names(app, False)
    sign()
    page = client.get(_my_data_path(mailbox)).get_data(as_text=True)
    assert "Name in the letters" not in page


def test_privacy_anonymize_clears_the_consent(app, sign) -> None:
    sign(name_consent="y")
    result = app.test_cli_runner().invoke(args=["privacy", "anonymize", "--older-than", "0"])
    assert "anonymized 1 signatures" in result.output
    [signature] = _signatures(app)
    assert (signature.name, signature.name_consent) == ("", False)


ROW = "The organizers, and your own representatives in the letters delivered to them"


def test_privacy_notice_states_what_happens_to_names(client) -> None:
    page = client.get("/privacy").get_data(as_text=True)
    assert ROW in page  # the table, from the campaign's setting
    assert "Include my name in the letters we deliver to my representatives" in page  # its text


def test_privacy_table_has_no_names_row_where_the_campaign_allows_none(app, client) -> None:
    set_pack_names(app, False)
    assert ROW not in client.get("/privacy").get_data(as_text=True)
