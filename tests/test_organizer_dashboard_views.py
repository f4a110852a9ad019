"""Organizer login, route protection, dashboard, exports and moderation over HTTP."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from petition.db import get_session
from petition.models import AuditEntry, IntegrityEvent, utcnow
from tests.conftest import ORGANIZER, csrf_token

PROTECTED = [
    "/organizer/",
    "/organizer/exports/counts.csv?by=country",
    "/organizer/exports/counts.json?by=day",
    "/organizer/exports/signatures.csv",
    "/organizer/exports/signatures.csv?all=1",
    "/organizer/moderation",
    "/organizer/password",
]


def sign_and_confirm(client, sign, mailbox, **fields) -> None:
    sign(**fields)
    link = mailbox.links("confirm")[-1]
    client.post(link, data={"csrf_token": csrf_token(client, link)})


@pytest.mark.parametrize("path", PROTECTED)
def test_every_route_needs_a_login(client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302 and "/organizer/login" in response.location


@pytest.mark.parametrize(
    "path",
    [
        "/organizer/logout",
        "/organizer/moderation",
        "/organizer/moderation/release",
        "/organizer/moderation/1/revert",
    ],
)
def test_every_post_needs_a_login(client, path: str) -> None:
    response = client.post(path, data={})
    assert response.status_code == 302 and "/organizer/login" in response.location


def test_login_good_and_logout(client, auth) -> None:
    response = auth.login()
    assert response.status_code == 303 and response.location.endswith("/organizer/")
    page = client.get("/organizer/").get_data(as_text=True)
    assert "Dashboard" in page and ORGANIZER[0] in page
    assert auth.logout().status_code == 303
    assert client.get("/organizer/").status_code == 302


def test_wrong_email_and_wrong_password_look_the_same(app, client, auth) -> None:
    wrong_password = auth.login(password="nope nope nope")
    wrong_email = auth.login(email="nobody@example.org")
    assert wrong_password.status_code == wrong_email.status_code == 401
    message = "The email or the password is wrong."
    assert message in wrong_password.get_data(as_text=True)
    assert message in wrong_email.get_data(as_text=True)
    with app.app_context():
        kinds = list(get_session().scalars(select(IntegrityEvent.kind)))
    assert kinds == ["failed_login", "failed_login"]


def test_session_expires(app, client, auth) -> None:
    auth.login()
    with client.session_transaction() as session:
        session["organizer_since"] = (utcnow() - timedelta(hours=9)).isoformat()
    assert client.get("/organizer/").status_code == 302


def test_next_only_within_the_organizer_area(client, auth) -> None:
    token = csrf_token(client, "/organizer/login")
    data = {"email": ORGANIZER[0], "password": ORGANIZER[1], "csrf_token": token}
    response = client.post("/organizer/login?next=https://evil.test/", data=data)
    assert response.location.endswith("/organizer/")


def test_dashboard_figures_and_charts(client, auth, sign, mailbox) -> None:
    sign_and_confirm(client, sign, mailbox)
    sign(email="pending@example.org")
    auth.login()
    page = client.get("/organizer/").get_data(as_text=True)
    assert "<strong>1</strong> confirmed" in page and "<strong>1</strong> pending" in page
    assert page.count("<svg") == 2 and 'role="img"' in page
    assert "Rate-limited attempts" in page and "Audit log" in page


def test_counts_exports(client, auth, sign, mailbox) -> None:
    sign_and_confirm(client, sign, mailbox)
    sign_and_confirm(
        client, sign, mailbox, email="b@example.org", country="FR", postal_code="75001"
    )
    auth.login()
    response = client.get("/organizer/exports/counts.csv?by=country")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows == [["country", "signatures"], ["CA", "1"], ["FR", "1"]]
    data = json.loads(client.get("/organizer/exports/counts.json?by=region").get_data())
    assert {"country": "CA", "region": "ON", "signatures": 1} in data
    assert client.get("/organizer/exports/counts.csv?by=planet").status_code == 400
    assert client.get("/organizer/exports/counts.xml?by=day").status_code == 400


def test_signature_export_consent_audit_and_injection(app, client, auth, sign, mailbox) -> None:
    sign_and_confirm(client, sign, mailbox, name='=HYPERLINK("http://evil.test")', updates="y")
    sign_and_confirm(client, sign, mailbox, name="Արամ Ավագյան", email="aram@example.org")
    auth.login()
    consent = client.get("/organizer/exports/signatures.csv").get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(consent)))
    assert len(rows) == 2 and rows[1][1] == '\'=HYPERLINK("http://evil.test")'
    everyone = client.get("/organizer/exports/signatures.csv?all=1").get_data().decode("utf-8-sig")
    assert "Արամ Ավագյան" in everyone and len(list(csv.reader(io.StringIO(everyone)))) == 3
    with app.app_context():
        entries = list(get_session().scalars(select(AuditEntry).order_by(AuditEntry.id)))
    assert [(e.organizer_email, e.action, e.rows) for e in entries] == [
        (ORGANIZER[0], "export.signatures", 1),
        (ORGANIZER[0], "export.signatures", 2),
    ]
    assert "Audit log" in client.get("/organizer/").get_data(as_text=True)


def test_full_export_refused_for_anonymous_campaign(app, client, auth) -> None:
    from petition.campaigns import get_campaign

    with app.app_context():
        get_campaign(get_session(), "artsakh").anonymous = True
        get_session().commit()
    auth.login()
    response = client.get("/organizer/exports/signatures.csv?all=1")
    assert response.status_code == 403 and "anonymous" in response.get_data(as_text=True)
    assert client.get("/organizer/exports/signatures.csv").status_code == 200


def test_moderation_preview_apply_and_revert(client, auth, sign, mailbox) -> None:
    sign_and_confirm(client, sign, mailbox, email="bot1@mailinator.com")
    sign_and_confirm(client, sign, mailbox, email="bot2@mailinator.com")
    sign_and_confirm(client, sign, mailbox, email="real@example.org")
    auth.login()
    form = {
        "email_domain": "mailinator.com",
        "csrf_token": csrf_token(client, "/organizer/moderation"),
    }
    preview = client.post("/organizer/moderation", data={**form, "action": "preview"})
    assert "<strong>2</strong> signatures match" in preview.get_data(as_text=True)
    assert client.get("/api/v1/campaigns/artsakh/counts").json["total"] == 3
    applied = client.post("/organizer/moderation", data={**form, "action": "apply"})
    assert applied.status_code == 200
    assert client.get("/api/v1/campaigns/artsakh/counts").json["total"] == 1
    page = client.get("/organizer/moderation").get_data(as_text=True)
    assert "email domain mailinator.com" in page and "Undo" in page
    token = csrf_token(client, "/organizer/moderation")
    reverted = client.post("/organizer/moderation/1/revert", data={"csrf_token": token})
    assert reverted.status_code == 303
    assert client.get("/api/v1/campaigns/artsakh/counts").json["total"] == 3
    again = client.post("/organizer/moderation/1/revert", data={"csrf_token": token})
    assert again.status_code == 400


def test_moderation_bad_input(client, auth) -> None:
    auth.login()
    token = csrf_token(client, "/organizer/moderation")
    empty = client.post("/organizer/moderation", data={"csrf_token": token, "action": "preview"})
    assert empty.status_code == 400
    bad_ids = client.post(
        "/organizer/moderation", data={"csrf_token": token, "ids": "1, two", "action": "preview"}
    )
    assert bad_ids.status_code == 400 and "as numbers" in bad_ids.get_data(as_text=True)


def test_organizer_cli(app) -> None:
    runner = app.test_cli_runner()
    created = runner.invoke(
        args=["organizer", "create", "Boss@Example.org"], input="a long enough password\n"
    )
    assert created.exit_code == 0 and "boss@example.org created" in created.output
    short = runner.invoke(args=["organizer", "create", "x@example.org"], input="short\n")
    assert short.exit_code == 1 and "at least 12 characters" in short.output
    twice = runner.invoke(
        args=["organizer", "create", "boss@example.org"], input="a long enough password\n"
    )
    assert twice.exit_code == 1 and "already an organizer" in twice.output
    listed = runner.invoke(args=["organizer", "list"])
    assert "boss@example.org" in listed.output and "last login never" in listed.output
    with app.app_context():
        from petition.models import Organizer

        stored = get_session().scalars(select(Organizer)).one()
        assert stored.password_hash.startswith("scrypt:")
    assert runner.invoke(args=["organizer", "remove", "boss@example.org"]).exit_code == 0
    assert runner.invoke(args=["organizer", "remove", "boss@example.org"]).exit_code == 1
