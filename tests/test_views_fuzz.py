"""Arbitrary input to every form field and parameter gets a 4xx with a message or a success.

Hypothesis sends arbitrary Unicode, control characters, NUL, lone surrogates (as the
bytes a careless client would send for them), 100 KB strings and oversized integers, to
the public pages, the APIs and the organizer pages (logged in), on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from petition.db import get_session
from petition.organizer.accounts import create_organizer
from tests.conftest import (
    BACKENDS,
    FIXTURE_DATA,
    ORGANIZER,
    VALID_SIGNATURE,
    csrf_token,
    reference_app,
)

MEP = "ep:197648"  # has an email, so every letter channel is open
EXAMPLES = 20  # per test and database: a few hundred requests in all

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

NASTY = st.one_of(
    st.sampled_from(
        [
            "\x00",
            "a\x00b",
            "²",
            "1 ²",
            "٣",
            "1e999",
            "NaN",
            "-1",
            "=1+1",
            "\ud800",
            "../../etc/passwd",
            "99999999999999999999999999999999",
        ]
    ),  # fmt: skip
    st.text(max_size=40),
    st.text(st.characters(max_codepoint=0x1F), max_size=10),  # control characters, NUL
    st.text(st.characters(categories=["Cs"]), min_size=1, max_size=3),  # lone surrogates
    st.sampled_from(["x", "é", "\x00", "ա", "😀"]).map(lambda ch: ch * 100_000),  # 100 KB+
    st.integers(min_value=2**31).map(str),
    st.integers(max_value=-(2**31)).map(str),
)


def field(valid: str) -> st.SearchStrategy[str]:
    """A field's value: sometimes valid (so others get past validation), often nasty."""
    return st.one_of(st.just(valid), NASTY)


def fields_of(valid: dict[str, str]) -> st.SearchStrategy[dict[str, str]]:
    """A form's fields: one nasty among valid ones (to reach deep), or any mix."""
    one = st.builds(lambda k, v: {**valid, k: v}, st.sampled_from(sorted(valid)), NASTY)
    return st.one_of(one, st.fixed_dictionaries({k: field(v) for k, v in valid.items()}))


def encoded(value: str) -> bytes:
    return value.encode("utf-8", "surrogatepass")


def form_body(fields: dict[str, str]) -> str:
    return urlencode([(k, encoded(v)) for k, v in fields.items()])


def with_query(path: str, params: dict[str, str]) -> str:
    return f"{path}?{form_body(params)}"


def segment(value: str) -> str:
    return quote(encoded(value), safe="") or "x"


def check(response: Any) -> None:
    """A success or redirect, or a 4xx that says something; never a 5xx."""
    assert response.status_code < 500, response.get_data(as_text=True)[:2000]
    if response.status_code >= 400:
        body = response.get_data(as_text=True)
        if response.is_json:
            assert response.get_json()["error"]
        else:
            assert re.search(r"<h1>[^<]+</h1>|role=\"alert\"|class=\"error", body), body[:2000]


@pytest.fixture(scope="module", params=BACKENDS)
def fuzz_app(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
             ) -> Iterator[Flask]:  # fmt: skip
    app_iter = reference_app(request, tmp_path_factory, str(FIXTURE_DATA))
    app = next(app_iter)
    with app.app_context():
        create_organizer(get_session(), *ORGANIZER)
        get_session().commit()
    yield app
    next(app_iter, None)


@pytest.fixture(scope="module")
def public(fuzz_app: Flask) -> tuple[FlaskClient, str]:
    client = fuzz_app.test_client()
    return client, csrf_token(client, "/representatives/report")


@pytest.fixture(scope="module")
def organizer(fuzz_app: Flask) -> tuple[FlaskClient, str]:
    client = fuzz_app.test_client()
    # The login fuzz before this may have spent the address's login attempts.
    fuzz_app.extensions["petition.limits"].storage.reset()
    token = csrf_token(client, "/organizer/login")
    login = {"email": ORGANIZER[0], "password": ORGANIZER[1], "csrf_token": token}
    assert client.post("/organizer/login", data=login).status_code == 303
    return client, csrf_token(client, "/organizer/moderation")


def post(client: FlaskClient, path: str, fields: dict[str, str]) -> Any:
    return client.post(path, data=form_body(fields),
                       content_type="application/x-www-form-urlencoded")  # fmt: skip


SIGN = {**VALID_SIGNATURE, "updates": "y", "website": ""}


@FUZZ
@given(fields_of(SIGN))
def test_sign_form(public, fields) -> None:
    client, token = public
    check(post(client, "/", {**fields, "csrf_token": token}))


LOOKUP = {"country": "US", "postal_code": "10001", "district": "NY-12"}


@FUZZ
@given(fields_of(LOOKUP),
       st.sampled_from(["/representatives", "/api/v1/representatives"]))  # fmt: skip
def test_lookup_page_and_api(public, params, path) -> None:
    client, _token = public
    check(client.get(with_query(path, params)))


REPORT = {"country": "CA", "postal_code": "K1A 0B1", "representative": MEP,
          "message": "This MP retired.", "email": "me@example.org"}  # fmt: skip


@FUZZ
@given(fields_of(REPORT), st.booleans())
@example({**REPORT, "message": "MP\x00 retired"}, True)  # PostgreSQL refuses NUL in text
def test_report_form(public, fields, as_post) -> None:
    client, token = public
    if as_post:
        check(post(client, "/representatives/report", {**fields, "csrf_token": token}))
    else:
        check(client.get(with_query("/representatives/report", fields)))


LETTER = {"name": "Ani Hakobyan", "email": "ani@example.org", "address": "Ring 1",
          "city": "Vienna", "postal_code": "1010", "demands": "1", "personal": "Please act.",
          "subject": "Artsakh", "body": "Dear Member,", "channel": "copy", "queue": MEP,
          "representative": MEP}  # fmt: skip
LETTER_PATHS = ["/letters/{rep}", "/letters/{rep}/send", "/letters/{rep}/sent",
                "/letters/{rep}/print", "/letters", "/api/v1/letters"]  # fmt: skip


@FUZZ
@given(fields_of(LETTER), field(MEP),
       st.sampled_from(LETTER_PATHS), st.booleans())  # fmt: skip
def test_letters_composer_and_api(public, fields, rep, path, as_post) -> None:
    client, token = public
    url = path.format(rep=segment(rep))
    if as_post and not url.startswith("/api/"):
        check(post(client, url, {**fields, "csrf_token": token}))
    else:
        check(client.get(with_query(url, fields)))


TOKEN_PATHS = ["/confirm/{}", "/delete/{}", "/my-data/{}", "/api/v1/campaigns/{}/counts"]


@FUZZ
@given(NASTY, st.sampled_from(TOKEN_PATHS), st.booleans())
def test_tokens_and_slugs_in_paths(public, value, path, as_post) -> None:
    client, token = public
    url = path.format(segment(value))
    if as_post and not url.startswith("/api/"):
        check(post(client, url, {"csrf_token": token}))
    else:
        check(client.get(url))


@FUZZ
@given(field(ORGANIZER[0]), NASTY, NASTY)
def test_login_form(public, email, password, next_page) -> None:
    client, token = public
    fields = {"email": email, "password": password, "csrf_token": token}
    check(post(client, with_query("/organizer/login", {"next": next_page}), fields))


MODERATION = {"email_domain": "mailinator.com", "ip_hash": "ab" * 32,
              "created_from": "2026-01-01", "created_to": "2026-12-31", "ids": "1 2",
              "action": "preview"}  # fmt: skip


@FUZZ
@given(fields_of(MODERATION), field("1"))
@example({**MODERATION, "ids": "²"}, "99999999999999999999")  # both were 500s
@example({**MODERATION, "ids": "99999999999999999999999999999999"}, "1")
def test_organizer_moderation(organizer, fields, action_id) -> None:
    client, token = organizer
    fields = {**fields, "action": "preview"}  # never apply: the other examples need the rows
    check(post(client, "/organizer/moderation", {**fields, "csrf_token": token}))
    check(post(client, f"/organizer/moderation/{segment(action_id)}/revert",
               {"csrf_token": token}))  # fmt: skip
    check(post(client, f"/organizer/reports/{segment(action_id)}/handled",
               {"csrf_token": token}))  # fmt: skip


@FUZZ
@given(field("country"), field("csv"), field("1"))
def test_organizer_exports(organizer, by, ext, include_all) -> None:
    client, _token = organizer
    check(client.get(with_query(f"/organizer/exports/counts.{segment(ext)}", {"by": by})))
    check(client.get(with_query("/organizer/exports/signatures.csv", {"all": include_all})))
    check(client.get(with_query("/organizer/exports/reports.csv", {"all": include_all})))
