"""Signed tokens made by petition.tokens: itsdangerous's bytes, read by itsdangerous and
flask-wtf; and the per-request shortcuts of sessions and locales that go with them."""

from __future__ import annotations

import hashlib
import os
import re
from unittest import mock

import pytest
from flask import g, session
from flask.sessions import session_json_serializer
from flask_wtf.csrf import validate_csrf
from itsdangerous import URLSafeSerializer, URLSafeTimedSerializer
from wtforms import ValidationError

from petition.tokens import TimedSerializer, UntimedSerializer, csrf_token
from tests.conftest import VALID_SIGNATURE

SESSION = {
    "salt": "cookie-session",
    "serializer": session_json_serializer,
    "signer_kwargs": {"key_derivation": "hmac", "digest_method": hashlib.sha1},
}
PAYLOADS = [
    hashlib.sha1(os.urandom(64)).hexdigest(),  # a CSRF token
    {"csrf_token": "ab" * 20, "signer": {"name": "Zoë", "country": "US", "postal_code": ""}},
    [12, os.urandom(16).hex()],  # a delete link
    "x" * 300,  # long enough for zlib
    {"rows": list(range(40))},
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_fast_dumps_makes_itsdangerous_s_bytes(payload: object) -> None:
    with mock.patch("time.time", return_value=1_700_000_000.5):
        keys = ["old", "k"]  # Flask's session cookie, with an old key to read older cookies
        pairs = [
            (URLSafeTimedSerializer("k", salt="csrf"), TimedSerializer("k", salt="csrf")),
            (URLSafeSerializer("k", salt="s"), UntimedSerializer("k", salt="s")),
            (URLSafeTimedSerializer(keys, **SESSION), TimedSerializer(keys, **SESSION)),
        ]
        for stock, fast in pairs:
            assert fast.dumps(payload) == stock.dumps(payload)
            assert stock.loads(fast.dumps(payload)) == stock.loads(stock.dumps(payload))


def test_short_repetitive_payloads_are_not_compressed_and_still_read() -> None:
    stock, fast = URLSafeSerializer("k", salt="s"), UntimedSerializer("k", salt="s")
    token = fast.dumps("a" * 40)  # zlib would shorten it: itsdangerous's token differs
    assert not token.startswith(".") and stock.loads(token) == "a" * 40


def test_other_signers_fall_back_to_itsdangerous() -> None:
    sha256 = {"signer_kwargs": {"digest_method": hashlib.sha256}}
    fast, stock = TimedSerializer("k", **sha256), URLSafeTimedSerializer("k", **sha256)
    assert stock.loads(fast.dumps({"a": 1})) == {"a": 1}
    assert stock.loads(fast.dumps("v", salt="other"), salt="other") == "v"


def test_csrf_token_is_flask_wtf_s_own(app) -> None:
    with app.test_request_context("/"):
        token = csrf_token()
        assert csrf_token() == token == g.csrf_token  # one per request
        raw = session["csrf_token"]
        validate_csrf(token)  # flask-wtf accepts it
        session["csrf_token"] = "another visitor's"
        with pytest.raises(ValidationError):
            validate_csrf(token)
    with app.test_request_context("/"):
        session["csrf_token"] = raw  # the visitor's next page: same raw token, new signature
        validate_csrf(csrf_token())


def test_a_tampered_csrf_token_is_refused(client) -> None:
    page = client.get("/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    answer = client.post("/", data={**VALID_SIGNATURE, "csrf_token": forged})
    assert answer.status_code == 400


def test_requests_without_a_session_get_no_cookie_and_no_vary_cookie(client) -> None:
    answer = client.get("/api/v1/campaigns/artsakh/counts")
    assert "Set-Cookie" not in answer.headers and "Cookie" not in answer.vary
    assert "Accept-Encoding" in answer.vary  # compression still announced


def test_a_visitor_s_session_survives_requests_that_do_not_use_it(client) -> None:
    client.get("/")
    cookie = client.get_cookie("session")
    assert cookie is not None
    answer = client.get("/api/v1/campaigns/artsakh/counts")
    assert "Set-Cookie" not in answer.headers  # not rewritten, not deleted
    assert client.get_cookie("session").value == cookie.value  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("headers", "query", "language"),
    [
        ({}, "", "en"),
        ({"Accept-Language": "fr-FR,fr;q=0.9"}, "", "fr"),
        ({"Cookie": "lang=hy"}, "", "hy"),
        ({}, "?lang=fr", "fr"),
    ],
)
def test_the_page_language_follows_the_request(make_app, headers, query, language) -> None:
    app = make_app()
    app.extensions["petition.languages"] = ["en", "fr", "hy"]  # as when catalogues ship
    with app.test_request_context(f"/{query}", headers=headers):
        from petition.i18n import page_language

        assert page_language() == language


def test_a_form_s_token_is_signed_only_when_the_form_is_shown(client, monkeypatch) -> None:
    import petition.tokens

    signed: list[str] = []
    real = petition.tokens.csrf_token

    def counting(*args, **kwargs) -> str:  # type: ignore[no-untyped-def]
        signed.append(real(*args, **kwargs))
        return signed[-1]

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',  # type: ignore[union-attr]
                      client.get("/").get_data(as_text=True)).group(1)  # fmt: skip
    monkeypatch.setattr(petition.tokens, "csrf_token", counting)
    assert client.post("/", data={**VALID_SIGNATURE, "csrf_token": token}).status_code == 303
    assert signed == []  # read and checked, never shown again: no new signature
    page = client.post("/", data={**VALID_SIGNATURE, "name": "", "csrf_token": token})
    assert page.status_code == 400 and len(signed) == 1
    assert f'name="csrf_token" type="hidden" value="{signed[0]}"' in page.get_data(as_text=True)
    again = {**VALID_SIGNATURE, "email": "again@example.org", "csrf_token": signed[0]}
    assert client.post("/", data=again).status_code == 303  # the shown token works
