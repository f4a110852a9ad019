"""The organizer area and the signers' emails in the page's language (a test catalogue).

The shipped French and Armenian catalogues come from the translators; a small French one
of our own proves that the organizer pages, their numbers and dates, the delivery packs
and the emails go through gettext and Babel's formats.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale, gettext

from petition.db import get_session
from petition.models import OutboxMessage
from petition.organizer.charts import bar_chart
from tests.catalogues import install_catalogue
from tests.conftest import csrf_token
from tests.seats import add_seats, add_signatures

FRENCH = {
    "Organizer login": "Connexion des organisateurs",
    "Password": "Mot de passe",
    "Dashboard": "Tableau de bord",
    "Confirmed signatures per day": "Signatures confirmées par jour",
    "<strong>%(share)s</strong> of %(goal)s": "<strong>%(share)s</strong> sur %(goal)s",
    "You are logged out.": "Vous êtes déconnecté.",
    "Confirm your signature: %(title)s": "Confirmez votre signature : %(title)s",
    "Hello %(name)s,": "Bonjour %(name)s,",
    (
        "The link works for %(num)s day. If you did not sign, ignore this email and "
        "nothing will be counted.",
        "The link works for %(num)s days. If you did not sign, ignore this email and "
        "nothing will be counted.",
    ): (  # French has three plural forms in CLDR: one, many (millions), other
        "Le lien est valable %(num)s jour. Si vous n'avez pas signé, ignorez ce courriel.",
        "Le lien est valable %(num)s jours. Si vous n'avez pas signé, ignorez ce courriel.",
        "Le lien est valable %(num)s jours. Si vous n'avez pas signé, ignorez ce courriel.",
    ),
    "Dear %(addressee)s,": "%(addressee)s,",
    "Yours sincerely,": "Veuillez agréer nos salutations distinguées,",
    "signatures": "signatures",
    "%(day)s: %(count)s %(label)s": "%(day)s : %(count)s %(label)s",
}
NARROW_NBSP = "\u202f"  # French digit grouping (CLDR)


@pytest.fixture
def french(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Give the apps created after it a French catalogue; request it before `app`."""
    install_catalogue(monkeypatch, tmp_path / "translations", "fr", FRENCH)


def test_organizer_pages_and_their_numbers_follow_the_language(
    french: None, client: FlaskClient, auth: Any
) -> None:
    login = client.get("/organizer/login?lang=fr").get_data(as_text=True)
    assert "<h1>Connexion des organisateurs</h1>" in login
    assert ">Mot de passe<" in login  # a form label (lazy_gettext in forms.py)
    auth.login()
    page = client.get("/organizer/").get_data(as_text=True)  # the cookie keeps French
    assert '<html lang="fr">' in page and "<h1>Tableau de bord</h1>" in page
    assert "Signatures confirmées par jour" in page  # a chart title set in the view
    assert f"<strong>0%</strong> sur 100{NARROW_NBSP}000" in page
    english = client.get("/organizer/?lang=en").get_data(as_text=True)
    assert "<h1>Dashboard</h1>" in english and "<strong>0%</strong> of 100,000" in english


def test_flash_messages_are_translated(french: None, client: FlaskClient, auth: Any) -> None:
    auth.login()
    client.get("/organizer/?lang=fr")
    token = csrf_token(client, "/organizer/")
    page = client.post("/organizer/logout", data={"csrf_token": token}, follow_redirects=True)
    assert "Vous êtes déconnecté." in page.get_data(as_text=True)


def test_the_confirmation_email_goes_out_in_the_signers_language(
    french: None, app: Flask, client: FlaskClient, mailbox: Any, sign: Any
) -> None:
    client.get("/?lang=fr")  # the signer reads the page in French
    assert sign().status_code == 303
    # Rendered when queued, inside the signer's request: the outbox row is French already.
    with app.app_context():
        queued = get_session().query(OutboxMessage).one()
        assert queued.subject.startswith("Confirmez votre signature : Solidarité avec l'Artsakh")
    (message,) = mailbox.outbox
    assert message["Subject"] == queued.subject
    body = message.get_content()
    assert body.startswith("Bonjour Anahit Petrosyan,")
    assert "Le lien est valable 7 jours." in body


def test_an_english_signer_gets_the_english_email(
    french: None, client: FlaskClient, mailbox: Any, sign: Any
) -> None:
    client.get("/?lang=en")
    sign()
    (message,) = mailbox.outbox
    assert message["Subject"].startswith("Confirm your signature: ")
    assert "The link works for 7 days." in message.get_content()


def test_outside_a_request_the_words_are_english_unless_forced(french: None, app: Flask) -> None:
    # A command or the mail worker has an app but no request: no crash, English.
    with app.app_context():
        assert gettext("Organizer login") == "Organizer login"
        with force_locale("fr"):
            assert gettext("Organizer login") == "Connexion des organisateurs"


def test_charts_write_dates_and_numbers_the_page_language_s_way(french: None, app: Flask) -> None:
    with app.test_request_context("/?lang=fr"):
        svg = bar_chart([(date(2026, 11, 2), 1200)], title="T")
        assert f"<title>2 nov. 2026 : 1{NARROW_NBSP}200 signatures</title>" in svg
        assert ">2 nov.</text>" in svg  # the x axis
        assert ">1,5k</text>" in bar_chart([(date(2026, 11, 2), 1400)], title="T")  # a tick
    with app.test_request_context("/?lang=en"):
        svg = bar_chart([(date(2026, 11, 2), 1200)], title="T")
        assert "<title>2 Nov 2026: 1,200 signatures</title>" in svg


def test_times_on_organizer_pages_follow_the_page_language(
    french: None, client: FlaskClient, auth: Any
) -> None:
    auth.login()
    client.get("/organizer/exports/counts.csv?by=country").get_data()  # an audit entry
    page = client.get("/organizer/?lang=fr").get_data(as_text=True)
    assert re.search(r"<td>\d{1,2} [a-zéû]+\.? 20\d\d, \d\d:\d\d</td>", page), "audit time"
    english = client.get("/organizer/?lang=en").get_data(as_text=True)
    assert re.search(r"<td>\d{1,2} [A-Z][a-z]{2} 20\d\d, \d\d:\d\d</td>", english)


def test_a_delivery_pack_is_in_the_language_of_its_campaign_text(
    french: None, app: Flask, client: FlaskClient, auth: Any
) -> None:
    with app.app_context():
        add_seats(get_session())
        add_signatures(get_session())
        get_session().commit()
    auth.login()
    french_pack = client.get("/organizer/packs/ourcommons:2.html?lang=fr").get_data(as_text=True)
    assert '<html lang="fr">' in french_pack and "Solidarité avec l&#39;Artsakh" in french_pack
    assert "Veuillez agréer nos salutations distinguées," in french_pack
    english_pack = client.get("/organizer/packs/ourcommons:2.html?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english_pack and "Yours sincerely," in english_pack


def test_a_french_page_leaves_the_campaign_row_in_its_own_language(
    french: None, app: Flask
) -> None:
    """Organizer views that commit (moderation, responses) read the row: never retitled."""
    from petition.views.context import current_campaign

    content = app.extensions["petition.campaigns"][app.config["CAMPAIGN"]]
    french_title = app.extensions["petition.campaign_translations"][content.slug]["fr"].title
    assert french_title != content.title  # the French file retitles the campaign
    with app.test_request_context("/organizer/?lang=fr"):
        assert current_campaign().title == content.title
