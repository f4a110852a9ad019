"""The lookup page and API settling split postal codes online, and the long lists made short."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from petition.config import DEFAULTS
from petition.views.refs import INDEX_KEY, current_index
from tests.conftest import FakeService

PAGE = "/representatives"
API = "/api/v1/representatives"
CENSUS = "/geographies/onelineaddress"
ADDRESS = "350 5th Ave, New York, NY"


def app_on_ref_data(make_app: Callable[..., Flask], ref_app: Flask, **config: Any) -> Flask:
    """An app on the reference database, sharing its (read-only) in-memory index."""
    app = make_app(DATABASE_URL=ref_app.config["DATABASE_URL"], **config)
    with ref_app.app_context():
        app.extensions[INDEX_KEY] = current_index()
    return app


@pytest.fixture
def online_app(make_app: Callable[..., Flask], ref_app: Flask, fake_service: FakeService):
    """The reference data app with the shipped online settings, services on 127.0.0.1."""
    return app_on_ref_data(
        make_app,
        ref_app,
        ONLINE_LOOKUPS=DEFAULTS["ONLINE_LOOKUPS"],
        US_GEOCODER_URL=fake_service.url,
        CA_POSTCODE_URL=fake_service.url,
    )


@pytest.fixture
def online(online_app: Flask) -> FlaskClient:
    return online_app.test_client()


@pytest.fixture
def offline(ref_app: Flask) -> Iterator[FlaskClient]:
    yield ref_app.test_client()


def page(client: FlaskClient, query: str) -> str:
    response = client.get(f"{PAGE}?{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def checked_radios(html: str) -> list[str]:
    return re.findall(r'<input type="radio"[^>]*value="([^"]+)"[^>]* checked', html)


def test_split_zip_offers_the_address_form(online, fake_service) -> None:
    html = page(online, "country=US&postal_code=10001")
    assert 'name="address"' in html and 'method="post"' in html
    assert "US Census Bureau's geocoder" in html and "do not keep it" in html
    assert checked_radios(html) == []  # nothing we do not know is preselected
    assert fake_service.requests == []  # nothing is asked before an address is given


def test_address_settles_the_district_and_redirects_without_it(online, fake_service) -> None:
    fake_service.answer(CENSUS, "census_onelineaddress_ny12.json")
    data = {"country": "US", "postal_code": "10001", "address": ADDRESS}
    response = online.post(PAGE, data=data)
    assert response.status_code == 303
    location = response.headers["Location"]
    assert "district=NY-12" in location and "5th" not in location.lower()
    html = online.get(location).get_data(as_text=True)
    assert "Jerrold Nadler" in html and "Kirsten E. Gillibrand" in html
    assert "Found from your street address" in html
    assert "Daniel S. Goldman" not in html  # NY-10 is not listed any more


def test_address_service_failure_shows_the_choice_and_why(online, fake_service) -> None:
    fake_service.answer(CENSUS, status=500, body=b"Internal Server Error")
    response = online.post(PAGE, data={"country": "US", "postal_code": "10001", "address": ADDRESS})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The address service answered with an error. Choose yours below." in html
    assert "New York&#39;s 10th" in html and "New York&#39;s 12th" in html
    assert ADDRESS not in html  # not even echoed back


def test_address_post_needs_an_address(online) -> None:
    response = online.post(PAGE, data={"country": "US", "postal_code": "10001", "address": " "})
    assert response.status_code == 400
    assert "Enter your street address" in response.get_data(as_text=True)


def test_address_post_with_a_bad_postal_code_is_400(online) -> None:
    response = online.post(PAGE, data={"country": "US", "postal_code": "1", "address": ADDRESS})
    assert response.status_code == 400


def test_api_settles_with_an_address(online, fake_service) -> None:
    fake_service.answer(CENSUS, "census_onelineaddress_ny12.json")
    data = online.get(API, query_string={"country": "US", "postal_code": "10001",
                                         "address": ADDRESS}).json  # fmt: skip
    assert data["ambiguous"] is False
    assert [d["id"] for d in data["districts"]] == ["NY-12"]
    assert data["districts"][0]["representatives"][0]["name"] == "Jerrold Nadler"
    assert [r["address_as"] for r in data["at_large"]] == ["Senator", "Senator"]
    assert data["refined_by"] == "the US Census Bureau's geocoder"


def test_api_timeout_keeps_the_candidates(make_app, ref_app, fake_service) -> None:
    fake_service.answer(CENSUS, "census_onelineaddress_ny12.json", delay=5)
    app = app_on_ref_data(make_app, ref_app, ONLINE_LOOKUPS=True,
                          US_GEOCODER_URL=fake_service.url, LOOKUP_TIMEOUT=0.2)  # fmt: skip
    data = app.test_client().get(API, query_string={"country": "US", "postal_code": "10001",
                                                    "address": ADDRESS}).json  # fmt: skip
    assert data["ambiguous"] is True and len(data["districts"]) == 2
    assert (
        data["refine_reason"] == "The address service did not answer in time. Choose yours below."
    )


def test_address_lookups_are_rate_limited_on_the_shipped_default(
    make_app, ref_app, fake_service
) -> None:
    fake_service.answer(CENSUS, "census_onelineaddress_ny12.json")
    app = app_on_ref_data(make_app, ref_app, ONLINE_LOOKUPS=True,
                          US_GEOCODER_URL=fake_service.url, RATELIMIT_ENABLED=True)  # fmt: skip
    assert DEFAULTS["ONLINE_LOOKUP_RATE_LIMIT"].startswith("10 per minute")
    client = app.test_client()
    query = {"country": "US", "postal_code": "10001", "address": ADDRESS}
    statuses = [client.get(API, query_string=query).status_code for _ in range(11)]
    assert statuses == [200] * 10 + [429]
    form = {"country": "US", "postal_code": "10001", "address": ADDRESS}
    assert client.post(PAGE, data=form).status_code == 429  # the page shares the limit
    # Lookups without an address are not limited.
    assert (
        client.get(API, query_string={"country": "US", "postal_code": "10001"}).status_code == 200
    )


def test_full_canadian_code_settles_the_riding(online, fake_service) -> None:
    fake_service.answer("/postcodes/M5V3L9/", "represent_postcode_M5V3L9.json")
    html = page(online, "country=CA&postal_code=M5V+3L9")
    assert "Chi Nguyen" in html and "Karim Bardeesy" not in html
    assert "Found from your full postal code by Open North&#39;s Represent." in html
    # The user may still overrule the service.
    assert "choose=1" in html and "Choose it yourself" in html
    listed = page(online, "country=CA&postal_code=M5V+3L9&choose=1")
    assert checked_radios(listed) == ["35100"] and "Karim Bardeesy" in listed
    assert len(fake_service.requests) == 1


def test_an_answer_represent_settled_is_never_kept_whole(make_app, ref_app, fake_service) -> None:
    """With the shipped count interval, answers from memory (httpcache.SharedAnswers) never
    include one that an online service settled: it depends on that service and the
    client's budget with it."""
    from flask import request_started

    app = app_on_ref_data(make_app, ref_app, ONLINE_LOOKUPS=DEFAULTS["ONLINE_LOOKUPS"],
                          CA_POSTCODE_URL=fake_service.url,
                          COUNTS_CACHE_SECONDS=DEFAULTS["COUNTS_CACHE_SECONDS"])  # fmt: skip
    fake_service.answer("/postcodes/M5V3L9/", "represent_postcode_M5V3L9.json")
    reached: list[str] = []
    request_started.connect(lambda _sender, **_extra: reached.append("x"), app, weak=False)
    query = {"country": "CA", "postal_code": "M5V 3L9"}
    answers = [app.test_client().get(API, query_string=query) for _ in range(2)]
    assert all("Represent" in a.json["refined_by"] for a in answers)
    assert len(reached) == 2  # both asked the app
    # An answer from the index alone is kept: the second never reaches the app.
    for _ in range(2):
        app.test_client().get(API, query_string={"country": "FR", "postal_code": "75001"})
    assert len(reached) == 3


def test_pages_no_service_answered_are_kept_with_online_lookups_on(
    make_app, ref_app, fake_service
) -> None:
    """With the shipped settings (online lookups on), a page that only offers to settle a
    split code online is rendered once; one that shows a service's answer, or its failure,
    is rendered for every request."""
    from flask import template_rendered

    app = app_on_ref_data(make_app, ref_app, ONLINE_LOOKUPS=DEFAULTS["ONLINE_LOOKUPS"],
                          US_GEOCODER_URL=fake_service.url, CA_POSTCODE_URL=fake_service.url,
                          COUNTS_CACHE_SECONDS=DEFAULTS["COUNTS_CACHE_SECONDS"])  # fmt: skip
    renders: list[str] = []
    template_rendered.connect(
        lambda _sender, template, **_extra: renders.append(template.name), app, weak=False
    )
    pages = [page(app.test_client(), "country=US&postal_code=10001") for _ in range(2)]
    assert all('name="address"' in html for html in pages)  # the address form, both times
    assert renders.count("lookup/lookup.html") == 1
    # With online lookups off (another app, as settings are per process): no address form.
    offline = app_on_ref_data(make_app, ref_app, ONLINE_LOOKUPS=False,
                              COUNTS_CACHE_SECONDS=DEFAULTS["COUNTS_CACHE_SECONDS"])  # fmt: skip
    assert 'name="address"' not in page(offline.test_client(), "country=US&postal_code=10001")

    renders.clear()
    fake_service.answer("/postcodes/M5V3L9/", "represent_postcode_M5V3L9.json")
    for _ in range(2):
        html = page(app.test_client(), "country=CA&postal_code=M5V+3L9")
        assert "Found from your full postal code" in html
    assert renders.count("lookup/lookup.html") == 2

    renders.clear()
    fake_service.answer("/postcodes/K1A0B1/", status=429, body=b"", headers={"Retry-After": "60"})
    busy = "The postal code service is busy right now."
    for _ in range(2):
        assert busy in page(app.test_client(), "country=CA&postal_code=K1A+0B1")
    assert renders.count("lookup/lookup.html") == 2


def test_represent_429_falls_back_to_the_choice(online, fake_service) -> None:
    fake_service.answer("/postcodes/M5V3L9/", status=429, body=b"", headers={"Retry-After": "60"})
    html = page(online, "country=CA&postal_code=M5V+3L9")
    assert "The postal code service is busy right now. Choose yours below." in html
    assert checked_radios(html) == ["35100"]  # area data knows the likeliest riding


def test_bare_fsa_prompts_for_the_full_code(online, offline) -> None:
    html = page(online, "country=CA&postal_code=M5V")
    assert 'id="full-code"' in html and "Enter your full 6-character postal code" in html
    assert 'id="full-code"' not in page(offline, "country=CA&postal_code=M5V")


def test_online_lookups_off_offers_no_address_form(offline) -> None:
    html = page(offline, "country=US&postal_code=10001")
    assert 'name="address"' not in html and "voter registration card" in html


def test_parliament_hill_is_one_riding_not_ontario(offline) -> None:
    html = page(offline, "country=CA&postal_code=K1A+0A6")
    assert "Yasir Naqvi" in html and "reference point" in html
    assert 'type="radio"' not in html


def test_ireland_outside_dublin_shows_the_county_chooser(offline) -> None:
    html = page(offline, "country=IE&postal_code=H91+E2K3")  # Galway
    assert '<select name="district" id="county" required>' in html
    chooser = html[html.index('id="county"') : html.index("</select>", html.index('id="county"'))]
    assert chooser.count("<option") == 27  # the prompt and 26 counties
    assert re.findall(r"<option[^>]*selected[^>]*>([^<]*)", chooser) == ["Choose your county"]
    assert checked_radios(html) == []
    chosen = page(offline, "country=IE&postal_code=H91+E2K3&district=Galway")
    assert "Midlands–North-West" in chosen


@pytest.mark.parametrize(("country", "code", "count"), [("FR", "75001", 81), ("DE", "10115", 96)])
def test_many_meps_are_grouped_and_filterable(offline, country: str, code: str, count: int) -> None:
    html = page(offline, f"country={country}&postal_code={code}")
    assert html.count('<details class="mep-group">') >= 5
    assert html.count("data-search=") == count
    assert "Patriots for Europe (PfE)" in html or "European People&#39;s Party (EPP)" in html
    assert 'id="mep-filter"' in html and "lookup.js" in html
    assert "Write to all my representatives" not in html
    assert 'class="rep-photo"' not in html  # compact: no cards


def test_few_meps_keep_the_cards_and_write_to_all(offline) -> None:
    html = page(offline, "country=MT&postal_code=VLT+1117")
    assert "mep-group" not in html and "Write to all my representatives (6)" in html
