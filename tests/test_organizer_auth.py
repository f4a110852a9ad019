"""Organizer sessions end server-side; login guessing is slowed without locking anyone out."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from petition.db import get_session
from petition.organizer.accounts import find_organizer
from petition.organizer.auth import login_wait, note_failed_login
from tests.conftest import ORGANIZER, csrf_token

EXPORT = "/organizer/exports/signatures.csv?all=1"


def _login(client: FlaskClient, email: str = ORGANIZER[0], password: str = ORGANIZER[1]) -> int:
    token = csrf_token(client, "/organizer/login")
    data = {"email": email, "password": password, "csrf_token": token}
    return client.post("/organizer/login", data=data).status_code


def _from(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_replayed_cookie_after_logout_gets_the_login_page(make_shipped_app, auth_for) -> None:
    app = make_shipped_app()
    client = auth_for(app)
    assert client.get(EXPORT).status_code == 200
    saved = client.get_cookie("session").value
    token = csrf_token(client, "/organizer/")
    assert client.post("/organizer/logout", data={"csrf_token": token}).status_code == 303
    thief = app.test_client()
    thief.set_cookie("session", saved)
    response = thief.get(EXPORT)
    assert response.status_code == 302 and "/organizer/login" in response.location


def test_password_change_and_removal_end_sessions(make_shipped_app, auth_for) -> None:
    app = make_shipped_app()
    client = auth_for(app)
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["organizer", "password", ORGANIZER[0]], input="a new long password\n"
    )
    assert result.exit_code == 0, result.output
    assert client.get("/organizer/").status_code == 302
    assert _login(client, password="a new long password") == 303
    assert client.get("/organizer/").status_code == 200
    result = runner.invoke(args=["organizer", "remove", ORGANIZER[0]])
    assert result.exit_code == 0, result.output
    assert client.get("/organizer/").status_code == 302


def test_password_change_refuses_short_passwords(make_shipped_app, auth_for) -> None:
    app = make_shipped_app()
    auth_for(app)
    result = app.test_cli_runner().invoke(args=["organizer", "password", ORGANIZER[0]],
                                          input="short\n")  # fmt: skip
    assert result.exit_code != 0 and "at least 12" in result.output
    with app.app_context():
        assert find_organizer(get_session(), ORGANIZER[0]) is not None


def test_shipped_login_limit_per_address(make_shipped_app) -> None:
    app = make_shipped_app()
    client = _from(app, "198.51.100.20")
    # Different accounts each time, so only the per-address limit (5 per minute) applies.
    statuses = [_login(client, email=f"guess{i}@example.org") for i in range(6)]
    assert statuses == [401] * 5 + [429]
    token = csrf_token(client, "/organizer/login")
    refused = client.post("/organizer/login", data={"email": "x@example.org", "password": "x",
                                                    "csrf_token": token})  # fmt: skip
    assert "from your network" in refused.get_data(as_text=True)
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert _login(_from(app, "203.0.113.21"), email="guess9@example.org") == 401


def _fail_more(app: Flask, email: str, times: int) -> None:
    """Record further failed attempts at an account, as if they came at the end of each wait.

    (Over HTTP, an attempt during the wait is refused without counting; waiting it out
    would make the test slow, and then depend on the clock.)
    """
    with app.test_request_context():
        for _ in range(times):
            note_failed_login(email)


def test_failures_make_the_account_wait_from_anywhere(make_shipped_app, auth_for) -> None:
    app = make_shipped_app()
    auth_for(app)
    assert _login(_from(app, "198.51.100.30"), password="wrong wrong wrong") == 401
    _fail_more(app, ORGANIZER[0], 4)  # five failures: the next attempt waits 16 seconds
    client = _from(app, "198.51.100.31")  # from another address
    token = csrf_token(client, "/organizer/login")
    data = {"email": ORGANIZER[0].upper(), "password": ORGANIZER[1], "csrf_token": token}
    response = client.post("/organizer/login", data=data)
    assert response.status_code == 429 and 1 < int(response.headers["Retry-After"]) <= 16
    assert "Too many failed attempts at this account" in response.get_data(as_text=True)


def test_the_wait_stops_at_the_setting(make_shipped_app) -> None:
    app = make_shipped_app()
    _fail_more(app, "someone@example.org", 12)  # 2**11 s without the cap
    with app.test_request_context():
        assert 55 < login_wait("someone@example.org") <= 60  # LOGIN_DELAY_MAX_SECONDS


def test_guessing_cannot_lock_the_organizer_out(make_shipped_app, auth_for) -> None:
    app = make_shipped_app()
    organizer = auth_for(app)  # logged in once from this browser: it is known now
    token = csrf_token(organizer, "/organizer/")
    organizer.post("/organizer/logout", data={"csrf_token": token})
    for i in range(4):  # an attacker on four addresses
        _login(_from(app, f"203.0.113.{40 + i}"), password="wrong wrong wrong")
    _fail_more(app, ORGANIZER[0], 5)  # ...who keeps at it: the account now waits a while
    assert _login(_from(app, "203.0.113.60")) == 429  # a new browser waits...
    assert _login(organizer) == 303  # ...the organizer's own browser does not


def test_changing_the_password_on_the_web_ends_the_other_sessions(
    make_shipped_app, auth_for
) -> None:
    app = make_shipped_app()
    here = auth_for(app)
    elsewhere = app.test_client()
    assert _login(elsewhere) == 303
    token = csrf_token(here, "/organizer/password")
    wrong = {"current": "not it at all", "new": "a new long password",
             "repeat": "a new long password", "csrf_token": token}  # fmt: skip
    response = here.post("/organizer/password", data=wrong)
    assert response.status_code == 400
    assert "This is not your current password." in response.get_data(as_text=True)
    short = {**wrong, "current": ORGANIZER[1], "new": "short", "repeat": "short"}
    assert "at least 12" in here.post("/organizer/password", data=short).get_data(as_text=True)
    right = {**wrong, "current": ORGANIZER[1]}
    assert here.post("/organizer/password", data=right).status_code == 303
    assert here.get("/organizer/").status_code == 200  # this browser stays in
    assert elsewhere.get("/organizer/").status_code == 302  # the other one is out
    assert _login(elsewhere, password="a new long password") == 303


def test_a_guesser_on_the_same_network_cannot_lock_the_organizer_out(
    make_shipped_app, auth_for
) -> None:
    app = make_shipped_app()
    organizer = auth_for(app)  # this browser is known for this account now
    token = csrf_token(organizer, "/organizer/")
    organizer.post("/organizer/logout", data={"csrf_token": token})
    guesser = app.test_client()  # same address as the organizer (the test client's)
    statuses = [_login(guesser, email=f"guess{i}@example.org") for i in range(6)]
    assert statuses[-1] == 429  # the address is over its limit...
    assert _login(organizer) == 303  # ...but not for the organizer's own account and browser
