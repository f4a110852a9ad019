"""The composer, its send channels, tracking, the print view and the letter API."""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from sqlalchemy import func, select

from petition.db import get_session
from petition.models import LetterEvent
from tests.conftest import csrf_token

MEP = "ep:197648"  # Alexander Bernhuber (AT): has an email
REP = "bioguide:G000599"  # Daniel S. Goldman (NY-10): website only
MP = "ourcommons:111116"  # Lori Idlout (Nunavut)
WRITER = {
    "name": "Ani Hakobyan",
    "city": "Vienna",
    "postal_code": "1010",
    "email": "",
    "address": "",
    "personal": "",
}


@pytest.fixture
def ref_client(ref_app):
    return ref_app.test_client()


def events(app, **where) -> list[LetterEvent]:
    with app.app_context():
        query = select(LetterEvent).where(*(getattr(LetterEvent, k) == v for k, v in where.items()))
        return list(get_session().scalars(query))


def letter_form(client, rep_id: str, **fields) -> dict:
    page = f"/letters/{rep_id}"
    data = {
        **WRITER,
        "csrf_token": csrf_token(client, page),
        "demands": ["1", "2"],
        "subject": "Please act",
        "body": "Dear MEP,\n\nPlease act.\n",
    }
    data.update(fields)
    return data


def test_composer_prefills_letter_and_signer(ref_app, ref_client) -> None:
    with ref_client.session_transaction() as session:
        session["signer"] = {"name": "Ani Hakobyan", "country": "AT", "postal_code": "1010"}
    response = ref_client.get(f"/letters/{MEP}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'value="Ani Hakobyan"' in page and 'value="1010"' in page
    assert "Dear Alexander Bernhuber," in page
    assert page.count('name="demands" type="checkbox"') == 6 and page.count("checked") >= 6
    assert 'formaction="/letters/ep:197648/send"' in page


def test_update_without_javascript_follows_the_ticks(ref_client) -> None:
    data = letter_form(ref_client, MEP, demands=["3"], action="update")
    response = ref_client.post(f"/letters/{MEP}", data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Security and safety for the people of Artsakh\n" in page
    assert "A UN mandate to administer Artsakh\n" not in page
    assert "Vienna" in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": ""}, "Enter your name."),
        ({"city": "", "postal_code": ""}, "Enter your city or postal code"),
        ({"demands": ["9"]}, "Choose demands from the list."),
        ({"email": "nope"}, "Enter a valid email address"),
        ({"personal": "x" * 1001}, "under 1,000 characters"),
    ],
)
def test_composer_bad_input_is_400_and_keeps_text(ref_client, fields, message) -> None:
    data = letter_form(ref_client, MEP, action="update", **fields)
    response = ref_client.post(f"/letters/{MEP}", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and "Dear MEP," in page


def test_missing_csrf_is_400(ref_client) -> None:
    data = letter_form(ref_client, MEP, channel="email")
    del data["csrf_token"]
    assert ref_client.post(f"/letters/{MEP}/send", data=data).status_code == 400


def test_email_channel_redirects_to_exact_mailto_and_counts(ref_app, ref_client) -> None:
    before = len(events(ref_app, representative_id=MEP, channel="email"))
    body = "Dear MEP,\r\n\r\nLine & ? # = cc=x@evil.test %0A\r\nBcc: y@evil.test\r\n"
    data = letter_form(
        ref_client, MEP, channel="email", subject="Act\r\nCc: z@evil.test", body=body
    )
    response = ref_client.post(f"/letters/{MEP}/send", data=data)
    assert response.status_code == 303
    parts = urlsplit(response.location)
    query = parse_qs(parts.query)
    assert (
        parts.scheme == "mailto" and unquote(parts.path) == "alexander.bernhuber@europarl.europa.eu"
    )
    assert set(query) == {"subject", "body"}
    assert query["subject"] == ["Act Cc: z@evil.test"]  # one line: no header injected
    assert query["body"] == [body]
    new = events(ref_app, representative_id=MEP, channel="email")
    assert len(new) == before + 1
    assert (new[-1].country, new[-1].body, new[-1].district_id) == ("AT", "eu-parliament", "")


def test_long_letter_steers_away_from_mailto(ref_app, ref_client) -> None:
    before = len(events(ref_app, channel="email"))
    data = letter_form(ref_client, MEP, channel="email", body="Please act. " * 300)
    response = ref_client.post(f"/letters/{MEP}/send", data=data)
    assert response.status_code == 200
    assert "too long for a mailto link" in response.get_data(as_text=True)
    assert len(events(ref_app, channel="email")) == before  # nothing was sent


@pytest.mark.parametrize(
    ("channel", "prefix", "subject_key"),
    [
        ("gmail", "https://mail.google.com/mail/?", "su"),
        ("outlook", "https://outlook.live.com/mail/0/deeplink/compose?", "subject"),
    ],
)
def test_webmail_channels(ref_app, ref_client, channel, prefix, subject_key) -> None:
    data = letter_form(ref_client, MEP, channel=channel, body="Dear MEP,\n\nA & B = C?\n")
    response = ref_client.post(f"/letters/{MEP}/send", data=data)
    assert response.status_code == 303 and response.location.startswith(prefix)
    query = parse_qs(urlsplit(response.location).query)
    assert query[subject_key] == ["Please act"] and query["body"] == [
        "Dear MEP,\n\nA & B = C?\n"  # exactly as written
    ]
    assert events(ref_app, representative_id=MEP, channel=channel)


def test_email_channels_refused_without_an_address(ref_client) -> None:
    response = ref_client.post(
        f"/letters/{REP}/send", data=letter_form(ref_client, REP, channel="gmail")
    )
    assert response.status_code == 400
    assert "no public email address" in response.get_data(as_text=True)


def test_contact_page_shows_text_to_paste(ref_app, ref_client) -> None:
    name = '=HYPERLINK("http://evil.test") <script>alert(1)</script>'
    body = f"Dear Representative Goldman,\n\nFrom {name}\n"
    response = ref_client.post(
        f"/letters/{REP}/send",
        data=letter_form(ref_client, REP, channel="contact_form", name=name, body=body),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'href="https://goldman.house.gov"' in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert events(ref_app, representative_id=REP, channel="contact_form")


def test_print_view_for_canadian_mp(ref_app, ref_client) -> None:
    data = letter_form(
        ref_client,
        MP,
        channel="print",
        body="Dear Lori Idlout,\n\nPlease <b>act</b>.\n",
        address="1 Road <i>",
        city="Iqaluit",
        postal_code="X0A 0H0",
    )
    page = ref_client.post(f"/letters/{MP}/send", data=data).get_data(as_text=True)
    assert "MP Lori Idlout<br>House of Commons<br>Ottawa ON  K1A 0A6" in page
    assert "needs no stamp" in page
    assert "Please &lt;b&gt;act&lt;/b&gt;." in page and "1 Road &lt;i&gt;" in page
    assert events(ref_app, representative_id=MP, channel="print")


def test_copy_beacon_counts_and_needs_csrf(ref_app, ref_client) -> None:
    before = len(events(ref_app, channel="copy"))
    token = csrf_token(ref_client, f"/letters/{MEP}")
    assert ref_client.post(f"/letters/{MEP}/sent", data={"channel": "copy"}).status_code == 400
    assert (
        ref_client.post(
            f"/letters/{MEP}/sent", data={"channel": "email", "csrf_token": token}
        ).status_code
        == 400
    )
    ok = ref_client.post(f"/letters/{MEP}/sent", data={"channel": "copy", "csrf_token": token})
    assert ok.status_code == 204
    assert len(events(ref_app, channel="copy")) == before + 1


def test_unknown_or_vacant_representative_is_404(ref_client) -> None:
    assert ref_client.get("/letters/bioguide:NOPE").status_code == 404
    assert ref_client.get("/letters/vacant:us-house:CA-14").status_code == 404


def test_write_to_all_walks_the_queue(ref_client) -> None:
    lookup = ref_client.get("/representatives?country=US&postal_code=30303").get_data(as_text=True)
    assert "Write to all my representatives (3)" in lookup
    start = ref_client.get("/letters?queue=bioguide:W000788,bioguide:O000174,bioguide:W000790")
    assert start.status_code == 302
    assert start.location.endswith(
        "/letters/bioguide:W000788?queue=bioguide:O000174,bioguide:W000790"
    )
    page = ref_client.get(start.location).get_data(as_text=True)
    assert "2 more representatives to write to" in page and "Next: write to Senator" in page


def test_letters_sent_count_on_home_page(ref_app, ref_client) -> None:
    ref_client.post(f"/letters/{MEP}/send", data=letter_form(ref_client, MEP, channel="print"))
    with ref_app.app_context():
        total = get_session().scalar(select(func.count(LetterEvent.id)))
    assert f"{total:,} letters sent to representatives" in ref_client.get("/").get_data(
        as_text=True
    )


def test_letter_api(ref_client) -> None:
    response = ref_client.get(
        f"/api/v1/letters?representative={MEP}&name=Ani&city=Graz&demands=1,3"
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    data = response.json
    assert set(data) >= {"to", "subject", "body", "mailto", "webmail", "contact_url", "print_url"}
    assert data["to"] == "alexander.bernhuber@europarl.europa.eu"
    assert data["body"].startswith("Dear Alexander Bernhuber,") and "Graz" in data["body"]
    assert parse_qs(urlsplit(data["mailto"]).query)["body"] == [data["body"].replace("\n", "\r\n")]
    assert set(data["webmail"]) == {"gmail", "outlook"}
    printed = ref_client.get(data["print_url"])
    assert printed.status_code == 200 and "Graz" in printed.get_data(as_text=True)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("", "representative"),
        ("representative=ep:0", "representative"),
        ("representative=vacant:us-house:CA-14", "representative"),
        (f"representative={MEP}&demands=1,x", "demands"),
        (f"representative={MEP}&demands=7", "demands"),
        (f"representative={MEP}&name={'x' * 1001}", "name"),
    ],
)
def test_letter_api_400s(ref_client, query: str, field: str) -> None:
    response = ref_client.get(f"/api/v1/letters?{query}")
    assert response.status_code == 400 and response.json["field"] == field
