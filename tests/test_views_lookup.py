"""The lookup page, the representatives API and the report form."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from sqlalchemy import select

from petition.db import get_session
from petition.models import DataReport
from tests.conftest import csrf_token

API = "/api/v1/representatives"
REP_KEYS = {
    "id",
    "name",
    "body",
    "address_as",
    "party",
    "district",
    "email",
    "contact_url",
    "website",
    "phone",
    "vacant",
}


@pytest.fixture
def ref_client(ref_app):
    return ref_app.test_client()


def test_empty_form(ref_client) -> None:
    page = ref_client.get("/representatives").get_data(as_text=True)
    assert '<form method="get" action="/representatives"' in page
    assert 'name="country"' in page and 'name="postal_code"' in page
    assert "Report a mistake" in page


def test_page_flow_with_a_district_choice(ref_client) -> None:
    response = ref_client.get("/representatives?country=US&postal_code=60062")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Which district do you live in?" in page
    radios = re.findall(r'<input type="radio" name="district" id="[^"]+" value="([^"]+)"', page)
    assert radios == ["IL-05", "IL-09", "IL-10"]
    assert "Janice D. Schakowsky" in page  # members named next to their district
    assert "Senator Richard J. Durbin" in page  # senators do not depend on the choice
    # Sources by name, each with its latest day, never as internal ids.
    assert "<li>US Congress data as of 15 June 2026</li>" in page
    assert "<li>ZIP codes by congressional district data as of 12 November 2024</li>" in page
    assert "(zccd)" not in page and "congress-legislators" not in page
    chosen = ref_client.get("/representatives?country=US&postal_code=60062&district=IL-09")
    page = chosen.get_data(as_text=True)
    assert "Your representatives for 60062" in page and 'type="radio"' not in page
    assert "Representative Janice D. Schakowsky" in page and "Mike Quigley" not in page
    assert "Choose another district" in page


def test_results_show_every_channel(ref_client) -> None:
    page = ref_client.get("/representatives?country=CA&postal_code=X0A+0H0").get_data(as_text=True)
    assert "MP Lori Idlout" in page
    assert 'href="mailto:lori.idlout@parl.gc.ca"' in page
    assert "Phone:" in page and "House of Commons; Ottawa ON" in page
    assert 'value="X0A 0H0"' in page  # normalized as the user would write it


def test_vacant_seat_page(ref_client) -> None:
    page = ref_client.get("/representatives?country=BE&postal_code=1000").get_data(as_text=True)
    assert "Which constituency do you live in?" in page
    spain = ref_client.get("/representatives?country=ES&postal_code=28001").get_data(as_text=True)
    assert "Vacant seat" in spain


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("country=AM&postal_code=0010", "we cover Canada"),
        ("country=US&postal_code=12", "5-digit ZIP code"),
        ("country=US&postal_code=60062&district=XX-99", "Choose one of the listed districts"),
    ],
)
def test_page_bad_input_is_400_with_message(ref_client, query: str, message: str) -> None:
    response = ref_client.get(f"/representatives?{query}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_api_shape_and_cors(ref_client) -> None:
    response = ref_client.get(f"{API}?country=US&postal_code=10001")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    data = response.json
    assert set(data) == {"query", "ambiguous", "as_of", "districts", "at_large", "note",
                         "refined_by", "refine_reason"}  # fmt: skip
    assert data["query"] == {"country": "US", "postal_code": "10001", "district": None}
    assert data["ambiguous"] is True
    assert [d["id"] for d in data["districts"]] == ["NY-10", "NY-12"]
    rep = data["districts"][0]["representatives"][0]
    assert set(rep) >= REP_KEYS and rep["body"] == "us-house" and rep["vacant"] is False
    assert {r["address_as"] for r in data["at_large"]} == {"Senator"}
    chosen = ref_client.get(f"{API}?country=US&postal_code=10001&district=NY-12").json
    assert chosen["ambiguous"] is False and [d["id"] for d in chosen["districts"]] == ["NY-12"]


def test_api_answers_vary_with_the_reader_language(ref_client) -> None:
    """The shipped catalogues translate the answer's notes: a shared cache must key on it."""
    english = ref_client.get(f"{API}?country=US&postal_code=10001")
    french = ref_client.get(
        f"{API}?country=US&postal_code=10001", headers={"Accept-Language": "fr"}
    )
    assert "Accept-Language" in english.vary and "Accept-Language" in french.vary
    assert english.json["note"] != french.json["note"]
    assert english.headers["ETag"] != french.headers["ETag"]


def test_api_valid_code_we_cannot_place(ref_client) -> None:
    response = ref_client.get(f"{API}?country=US&postal_code=09012")
    assert response.status_code == 200
    data = response.json
    assert (data["districts"], data["at_large"]) == ([], []) and "cannot place" in data["note"]


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("", "country", "Choose a country"),
        ("country=US", "postal_code", "Enter your postal code."),
        ("country=US&postal_code=abcde", "postal_code", "5-digit ZIP code like 20500"),
        ("country=XX&postal_code=1", "country", "we cover"),
        ("country=CA&postal_code=Z9Z9Z9", "postal_code", "like K1A 0B1"),
    ],
)
def test_api_400s(ref_client, query: str, field: str, message: str) -> None:
    response = ref_client.get(f"{API}?{query}")
    assert response.status_code == 400
    assert response.json["field"] == field and message in response.json["error"]


@pytest.mark.parametrize(
    "value", ["\x00", "é" * 10000, "<script>alert(1)</script>", "' OR 1=1 --", "%", "🇦🇲", "\r\n"]
)
def test_any_parameter_value_is_4xx_not_5xx(ref_client, value: str) -> None:
    for param in ("country", "postal_code", "district"):
        base = {"country": "US", "postal_code": "60062", "district": "IL-05"}
        base[param] = value
        query = "&".join(f"{k}={quote(v)}" for k, v in base.items())
        for path in ("/representatives", API):
            response = ref_client.get(f"{path}?{query}")
            assert response.status_code in (200, 400), (path, param, response.status_code)
            assert "<script>alert(1)</script>" not in response.get_data(as_text=True)


def test_report_a_mistake(ref_app, ref_client) -> None:
    form = "/representatives/report?country=US&postal_code=10001&representative=bioguide:X"
    page = ref_client.get(form).get_data(as_text=True)
    assert 'name="message"' in page
    bad = ref_client.post(form, data={"csrf_token": csrf_token(ref_client, form), "message": ""})
    assert bad.status_code == 400 and "Tell us what is wrong." in bad.get_data(as_text=True)
    response = ref_client.post(
        "/representatives/report",
        data={
            "csrf_token": csrf_token(ref_client, form),
            "country": "US",
            "postal_code": "10001",
            "representative": "bioguide:X",
            "message": "This member retired.",
        },
    )
    assert response.status_code == 303
    assert "Thank you" in ref_client.get(response.location).get_data(as_text=True)
    with ref_app.app_context():
        session = get_session()
        query = select(DataReport).where(DataReport.message == "This member retired.")
        report = session.scalars(query).one()
        assert (report.country, report.representative_id) == ("US", "bioguide:X")
        session.delete(report)
        session.commit()


def test_thank_you_page_links_to_the_lookup(client, sign) -> None:
    sign(country="US", postal_code="60062")
    page = client.get("/thanks").get_data(as_text=True)
    assert 'href="/representatives?country=US&amp;postal_code=60062"' in page


def test_source_dates_split_combined_ids_and_keep_the_latest_day() -> None:
    from datetime import date

    from petition.views.lookup import source_dates

    as_of = {"congress-legislators": "2026-06-15", "congress-legislators+zccd": "2024-11-12"}
    assert source_dates(as_of) == [
        ("congress-legislators", date(2026, 6, 15)),
        ("zccd", date(2024, 11, 12)),
    ]


def test_cards_show_initials_under_the_photo(ref_client) -> None:
    page = ref_client.get("/representatives?country=CA&postal_code=X0A0H0").get_data(as_text=True)
    card = page[page.index('id="rep-ourcommons-111116"') :]
    card = card[: card.index("</li>")]
    # Without a photo, or when it fails to load, the initials show (see style.css).
    assert '<div class="rep-avatar" aria-hidden="true"><span>LI</span>' in card
    assert re.search(r'<img class="rep-photo" src="https://[^"]+" alt="" data-initials="LI"', card)


def test_every_source_in_the_tables_has_a_name() -> None:
    import csv
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    named = set(re.findall(r'^  "([a-z0-9-]+)":', (root / "templates/lookup/_sources.html")
                           .read_text(), re.M))  # fmt: skip
    used = set()
    for path in (root / "data").glob("*.csv"):
        with path.open(newline="") as fh:
            for row in csv.DictReader(fh):
                used.update(row.get("source", "").split("+"))
    assert used - {""} <= named, "name these sources in templates/lookup/_sources.html"


def test_signing_records_the_district_a_postal_code_settles(ref_app) -> None:
    """Looked up once per code in each process, as settled_district answers it."""
    from sqlalchemy import select

    from petition.db import get_session
    from petition.models import Signature
    from petition.representatives import settled_district
    from petition.signatures import delete_signature
    from petition.views.refs import current_index
    from tests.conftest import VALID_SIGNATURE

    with ref_app.app_context():
        settled = settled_district(current_index(), "US", "30303")
    assert settled  # the fixture tables place this ZIP in GA-05 alone
    emails = ["settled-1@example.org", "settled-2@example.org"]
    for email in emails:
        client = ref_app.test_client()
        data = {**VALID_SIGNATURE, "email": email, "country": "US", "postal_code": "30303"}
        assert client.post("/", data=data).status_code == 303
    with ref_app.app_context():
        session = get_session()
        stored = session.scalars(select(Signature.district_id).where(Signature.email.in_(emails)))
        assert list(stored) == [settled, settled]
        memo = ref_app.extensions["petition.index_memo:settled_districts"][1]
        assert memo[("US", "30303")] == settled
        for signature in session.scalars(select(Signature).where(Signature.email.in_(emails))):
            delete_signature(session, signature)  # leave no trace, tallies included
        session.commit()


def test_lookup_pages_are_rendered_once_per_query_and_language(
    ref_app, ref_client, monkeypatch
) -> None:
    import time

    from flask import template_rendered

    from petition import httpcache
    from petition.config import DEFAULTS
    from petition.views import lookup

    interval = DEFAULTS["COUNTS_CACHE_SECONDS"]
    monkeypatch.setitem(ref_app.config, "COUNTS_CACHE_SECONDS", interval)
    # Pages other tests left in this shared app are not this test's.
    monkeypatch.setitem(ref_app.extensions, httpcache.EXTENSION_KEY, httpcache.PageCache())
    renders: list[str] = []

    def count(_sender, template, **_extra) -> None:  # type: ignore[no-untyped-def]
        if template.name == "lookup/lookup.html":
            renders.append(template.name)

    template_rendered.connect(count, ref_app)
    try:
        query = "/representatives?country=US&postal_code=10001"
        first = ref_client.get(query)
        again = ref_client.get(query)
        assert first.status_code == again.status_code == 200 and len(renders) == 1
        assert again.get_data() == first.get_data()
        french = ref_client.get(query, headers={"Accept-Language": "fr"})
        assert french.get_data() != first.get_data() and len(renders) == 2
        ref_client.get("/representatives?country=US&postal_code=60062")
        assert len(renders) == 3  # another query
        for _ in range(2):  # an argument the page does not take: rendered each time
            ref_client.get(query + "&utm_source=newsletter")
        assert len(renders) == 5
        ref_client.get("/representatives?country=US&postal_code=1")  # 400: rendered
        ref_client.get("/representatives?country=US&postal_code=1")
        assert len(renders) == 7
        # Nothing on the page changes with time alone: many intervals later it is still kept.
        later = time.time() + 10 * interval
        monkeypatch.setattr(time, "time", lambda: later)
        assert ref_client.get(query).get_data() == first.get_data()
        assert len(renders) == 7
        # A recorded position changes the page: rendered again.
        monkeypatch.setattr(lookup, "_positions", lambda _result: {"x": "Supports"})
        ref_client.get(query)
        ref_client.get(query)
        assert len(renders) == 8
    finally:
        template_rendered.disconnect(count, ref_app)
