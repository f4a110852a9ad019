"""Form posts from other sites, told by the headers browsers send (petition/origin.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from werkzeug.test import EnvironBuilder

from petition.db import get_session
from petition.models import Signature
from petition.origin import is_cross_origin, site_origin
from tests.conftest import VALID_SIGNATURE

BASE = "https://petition.example.org"


def request_with(headers: dict[str, str], host: str = "petition.example.org"):  # type: ignore[no-untyped-def]
    return EnvironBuilder(method="POST", base_url=f"https://{host}", headers=headers).get_request()


@pytest.mark.parametrize(
    ("headers", "cross"),
    [
        ({"Sec-Fetch-Site": "same-origin"}, False),
        ({"Sec-Fetch-Site": "none"}, False),  # typed or bookmarked by the user
        ({"Sec-Fetch-Site": "Same-Origin "}, False),
        ({"Sec-Fetch-Site": "same-site"}, True),  # another origin of the same site
        ({"Sec-Fetch-Site": "cross-site"}, True),
        ({"Sec-Fetch-Site": "cross-site", "Origin": BASE}, True),  # Fetch Metadata decides
        ({"Origin": BASE}, False),  # browsers without Fetch Metadata
        ({"Origin": "HTTPS://Petition.Example.org"}, False),
        ({"Origin": "https://elsewhere.example"}, True),
        ({"Origin": "https://petition.example.org.evil.example"}, True),
        ({"Origin": "null"}, True),
        ({}, False),  # not a browser: a script can post the form anyway
    ],
)
def test_cross_origin_is_told_by_the_browser_s_headers(headers, cross: bool) -> None:  # type: ignore[no-untyped-def]
    assert is_cross_origin(request_with(headers), BASE) is cross


def test_origin_of_the_host_asked_for_is_trusted_behind_a_proxy() -> None:
    # BASE_URL names the public address; a proxy that keeps the Host header passes it on.
    asked = request_with({"Origin": "http://127.0.0.1:5000"}, host="127.0.0.1:5000")
    assert not is_cross_origin(asked, BASE)
    assert is_cross_origin(request_with({"Origin": "http://127.0.0.1:5000"}), BASE)


def test_site_origin_drops_the_path() -> None:
    assert site_origin("https://Petition.example.org:8443/campaign/") == (
        "https://petition.example.org:8443"
    )


def test_shipped_settings_refuse_a_sign_form_posted_from_another_site(make_shipped_app) -> None:
    app = make_shipped_app()
    client = app.test_client()
    refused = client.post("/", data=VALID_SIGNATURE, headers={"Sec-Fetch-Site": "cross-site"})
    assert refused.status_code == 403
    with app.app_context():
        assert get_session().scalar(select(func.count(Signature.id))) == 0
    taken = client.post("/", data=VALID_SIGNATURE, headers={"Sec-Fetch-Site": "same-origin"})
    assert taken.status_code == 303
