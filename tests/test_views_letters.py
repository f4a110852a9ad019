"""The composer, the no-JavaScript "ready" page, counting, print, write-to-all and the
letter API (the browser's side of every channel is in tests/test_browser.py)."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from sqlalchemy import select

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
        "lang": "en",
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
    assert "Guten Tag Alexander Bernhuber," in page  # an Austrian MEP: German by default
    assert page.count('name="demands" type="checkbox"') == 6 and page.count("checked") >= 6
    assert 'formaction="/letters/ep:197648/send"' in page
    assert "formtarget" not in page  # errors never open in a second tab


class Links(HTMLParser):
    """Every link of a page, with its attributes."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.links: list[dict[str, str]] = []
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.links.append({k: v or "" for k, v in attrs})

    def to(self, prefix: str) -> dict[str, str]:
        [link] = [a for a in self.links if a.get("href", "").startswith(prefix)]
        return link


def ready_page(client, rep_id: str, **fields) -> tuple[int, str]:
    response = client.post(f"/letters/{rep_id}/send", data=letter_form(client, rep_id, **fields))
    return response.status_code, response.get_data(as_text=True)


def ping(client, link: dict[str, str]) -> int:
    """What the browser does for <a ping>: POST "PING" as text/ping to the ping URL."""
    response = client.post(link["ping"], data="PING", content_type="text/ping")
    return response.status_code


def test_update_without_javascript_follows_the_ticks(ref_client) -> None:
    data = letter_form(ref_client, MEP, demands=["3"], action="update")
    response = ref_client.post(f"/letters/{MEP}", data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Make the safety of Artsakh&#39;s people a condition" in page
    assert "Call for a UN mandate" not in page
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


@pytest.mark.parametrize("channel", ["email", "gmail", "print", "copy"])
def test_send_with_errors_stays_on_the_composer_and_counts_nothing(
    ref_app, ref_client, channel
) -> None:
    before = len(events(ref_app))
    status, page = ready_page(ref_client, MEP, channel=channel, name="", body="Kept text")
    assert status == 400
    assert 'id="composer"' in page and "Enter your name." in page and "Kept text" in page
    assert 'class="field field-error"' in page  # next to its field
    assert len(events(ref_app)) == before


def test_missing_csrf_is_400(ref_client) -> None:
    data = letter_form(ref_client, MEP, channel="email")
    del data["csrf_token"]
    assert ref_client.post(f"/letters/{MEP}/send", data=data).status_code == 400


def test_ready_page_mailto_carries_the_exact_text_and_counts_only_on_ping(
    ref_app, ref_client
) -> None:
    before = len(events(ref_app, representative_id=MEP, channel="email"))
    body = "Dear MEP,\r\n\r\nLine & ? # = cc=x@evil.test %0A\r\nBcc: y@evil.test\r\n"
    status, page = ready_page(
        ref_client, MEP, channel="email", subject="Act\r\nCc: z@evil.test", body=body
    )
    assert status == 200 and "is ready" in page
    link = Links(page).to("mailto:")
    parts = urlsplit(link["href"])
    query = parse_qs(parts.query)
    assert unquote(parts.path) == "alexander.bernhuber@europarl.europa.eu"
    assert set(query) == {"subject", "body"}
    assert query["subject"] == ["Act Cc: z@evil.test"]  # one line: no header injected
    assert query["body"] == [body]
    assert "target" not in link  # the mail program opens from this tab
    assert len(events(ref_app, representative_id=MEP, channel="email")) == before
    assert ping(ref_client, link) == 204
    new = events(ref_app, representative_id=MEP, channel="email")
    assert len(new) == before + 1
    assert (new[-1].country, new[-1].body, new[-1].district_id) == ("AT", "eu-parliament", "")


def test_repeats_from_one_browser_count_once(ref_app, ref_client, make_app) -> None:
    _status, page = ready_page(ref_client, MEP, channel="gmail")
    links = Links(page)
    before = len(events(ref_app, representative_id=MEP))
    assert ping(ref_client, links.to("https://mail.google.com/")) == 204
    assert ping(ref_client, links.to("https://mail.google.com/")) == 204
    assert ping(ref_client, links.to("https://outlook.live.com/")) == 204
    channels = [e.channel for e in events(ref_app, representative_id=MEP)[before:]]
    assert channels == ["gmail", "outlook"]
    assert ping(ref_app.test_client(), links.to("https://mail.google.com/")) == 204  # replayed
    other = ref_app.test_client()  # another browser, with its own page, counts again
    _status, page = ready_page(other, MEP, channel="gmail")
    assert ping(other, Links(page).to("https://mail.google.com/")) == 204
    assert len(events(ref_app, representative_id=MEP)) == before + 3


@pytest.mark.parametrize("token", ["nope", "x" * 600, "WyJlcDoxOTc2NDgiLCJlbWFpbCIsIngiXQ"])
def test_forged_or_foreign_tokens_count_nothing(ref_app, ref_client, token) -> None:
    before = len(events(ref_app))
    assert ref_client.post(f"/letters/opened/{token}", data="PING").status_code == 400
    assert len(events(ref_app)) == before


def test_token_for_a_channel_the_representative_lacks_is_400(ref_app, ref_client) -> None:
    from petition.letters import make_open_token

    token = make_open_token(ref_app.config["SECRET_KEY"], REP, "gmail", "b")
    assert ref_client.post(f"/letters/opened/{token}").status_code == 400


def test_long_letter_offers_webmail_not_the_mail_program(ref_app, ref_client) -> None:
    composer_form = letter_form(ref_client, MEP, action="edit", body="Please act. " * 300)
    composer = ref_client.post(f"/letters/{MEP}", data=composer_form).get_data(as_text=True)
    assert 'value="email"' in composer and "disabled" in composer  # not offered as working
    status, page = ready_page(ref_client, MEP, channel="email", body="Please act. " * 300)
    assert status == 200 and "too long for many email programs" in page
    assert not [a for a in Links(page).links if a.get("href", "").startswith("mailto:")]
    assert Links(page).to("https://mail.google.com/")


@pytest.mark.parametrize(
    ("channel", "prefix", "subject_key"),
    [
        ("gmail", "https://mail.google.com/mail/?", "su"),
        ("outlook", "https://outlook.live.com/mail/0/deeplink/compose?", "subject"),
    ],
)
def test_webmail_links_carry_the_exact_text(ref_client, channel, prefix, subject_key) -> None:
    status, page = ready_page(ref_client, MEP, channel=channel, body="Dear MEP,\n\nA & B = C?\n")
    link = Links(page).to(prefix)
    assert status == 200 and link["target"] == "_blank" and link["rel"] == "noopener"
    assert page.index(prefix) < page.index("mailto:")  # the chosen channel comes first
    query = parse_qs(urlsplit(link["href"]).query)
    assert query[subject_key] == ["Please act"]
    assert query["body"] == ["Dear MEP,\n\nA & B = C?\n"]  # exactly as posted


def test_email_channels_not_offered_without_an_address(ref_client) -> None:
    composer = ref_client.get(f"/letters/{REP}").get_data(as_text=True)
    assert 'value="gmail"' not in composer and 'value="email"' not in composer
    status, page = ready_page(ref_client, REP, channel="gmail")
    assert status == 400 and "Choose one of the ways to send it" in page


def test_contact_form_ready_page(ref_app, ref_client) -> None:
    name = '=HYPERLINK("http://evil.test") <script>alert(1)</script>'
    body = f"Dear Representative Goldman,\n\nFrom {name}\n"
    status, page = ready_page(ref_client, REP, channel="contact_form", name=name, body=body)
    assert status == 200
    link = Links(page).to("https://goldman.house.gov")
    assert link["target"] == "_blank" and link["ping"].startswith("/letters/opened/")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    before = len(events(ref_app, representative_id=REP, channel="contact_form"))
    assert ping(ref_client, link) == 204
    assert len(events(ref_app, representative_id=REP, channel="contact_form")) == before + 1


def test_print_view_for_canadian_mp_counts_once(ref_app, ref_client) -> None:
    data = letter_form(
        ref_client,
        MP,
        channel="print",
        body="Dear Lori Idlout,\n\nPlease <b>act</b>.\n",
        address="1 Road <i>",
        city="Iqaluit",
        postal_code="X0A 0H0",
    )
    before = len(events(ref_app, representative_id=MP, channel="print"))
    page = ref_client.post(f"/letters/{MP}/send", data=data).get_data(as_text=True)
    assert "MP Lori Idlout<br>House of Commons<br>Ottawa ON  K1A 0A6" in page
    assert "needs no stamp" in page
    assert "Please &lt;b&gt;act&lt;/b&gt;." in page and "1 Road &lt;i&gt;" in page
    ref_client.post(f"/letters/{MP}/send", data=data)  # printed twice: one letter
    assert len(events(ref_app, representative_id=MP, channel="print")) == before + 1


def test_print_for_an_mep_is_addressed_to_the_parliament(ref_client) -> None:
    page = ref_client.post(
        f"/letters/{MEP}/send", data=letter_form(ref_client, MEP, channel="print")
    ).get_data(as_text=True)
    assert (
        "MEP Alexander Bernhuber<br>European Parliament<br>Office 08F155<br>"
        "Rue Wiertz / Wiertzstraat 60<br>1047 Brussels<br>Belgium<br>"
    ) in page


def test_print_is_not_offered_without_a_postal_address(ref_app, ref_client) -> None:
    with ref_app.app_context():
        from petition.views.refs import current_index

        [rep_id] = [r.id for r in current_index().reps.values() if not r.vacant and not r.address]
    composer = ref_client.get(f"/letters/{rep_id}").get_data(as_text=True)
    assert 'value="print"' not in composer
    status, _page = ready_page(ref_client, rep_id, channel="print")
    assert status == 400
    assert ref_client.get(f"/letters/{rep_id}/print?name=A").status_code == 404


def test_unknown_or_vacant_representative_is_404(ref_client) -> None:
    assert ref_client.get("/letters/bioguide:NOPE").status_code == 404
    assert ref_client.get("/letters/vacant:us-house:CA-14").status_code == 404


QUEUE = ["bioguide:W000788", "bioguide:O000174", "bioguide:W000790"]


def test_write_to_all_keeps_the_writer_and_shows_progress(ref_client) -> None:
    lookup = ref_client.get("/representatives?country=US&postal_code=30303").get_data(as_text=True)
    assert "Write to all my representatives (3)" in lookup
    start = ref_client.get("/letters?queue=" + ",".join(QUEUE))
    assert start.status_code == 302
    assert start.location.endswith(f"/letters/{QUEUE[0]}?queue={QUEUE[1]},{QUEUE[2]}&n=1")
    page = ref_client.get(start.location).get_data(as_text=True)
    assert "Letter 1 of 3" in page and "Next: write to Senator" in page
    # Not sent, just typed: the details still follow the writer to the next letter.
    token = csrf_token(ref_client, start.location)
    typed = {"csrf_token": token, "name": "Nare Avetisyan", "city": "Atlanta", "action": "next"}
    step = ref_client.post(f"/letters/{QUEUE[0]}/next?queue={QUEUE[1]},{QUEUE[2]}&n=1", data=typed)
    assert step.status_code == 303
    assert step.location.endswith(f"/letters/{QUEUE[1]}?queue={QUEUE[2]}&n=2")
    second = ref_client.get(step.location).get_data(as_text=True)
    assert "Letter 2 of 3" in second
    assert 'value="Nare Avetisyan"' in second and 'value="Atlanta"' in second
    assert "Atlanta" in second.split('id="body"')[1]  # and in the letter itself
    last = ref_client.get(f"/letters/{QUEUE[2]}?n=3").get_data(as_text=True)
    assert "Letter 3 of 3" in last and "Next: write to" not in last


def test_letter_counts_on_home_page_say_what_they_count(app, client) -> None:
    """Its own app: the shared ref_app's counts may be cached by another test's visit."""
    from datetime import date

    from petition.campaigns import get_campaign
    from petition.letters import record_letter_event
    from petition.refindex import Rep

    fields = dict.fromkeys(Rep.__dataclass_fields__, "")
    person = Rep(**{**fields, "id": MEP, "country": "AT", "body": "eu-parliament",
                    "vacant": False, "source_date": date(2025, 7, 11)})  # fmt: skip
    with app.app_context():
        campaign = get_campaign(get_session(), "artsakh")
        for channel in ("email", "print", "copy"):
            record_letter_event(get_session(), campaign, person, channel)
        get_session().commit()
    home = client.get("/").get_data(as_text=True)
    assert "3 letters to representatives opened in an email program" in home


QC_MP = "ourcommons:104630"  # Sébastien Lemire (Abitibi—Témiscamingue, Québec)


def test_composer_writes_to_an_mep_in_their_member_states_language(ref_client) -> None:
    page = ref_client.get(f"/letters/{MEP}").get_data(as_text=True)  # an Austrian MEP
    assert '<option selected value="de">Deutsch</option>' in page
    assert "Guten Tag Alexander Bernhuber," in page and 'lang="de"' in page
    for name in ("English", "Français", "Italiano", "Español", "Polski", "Nederlands"):
        assert f">{name}</option>" in page


@pytest.mark.parametrize(
    ("rep_id", "accept", "expected"),
    [
        (QC_MP, "en", "Bonjour Sébastien Lemire,"),  # a Québec riding
        (MP, "fr-CA,fr;q=0.9,en;q=0.8", "Bonjour Lori Idlout,"),  # a French-speaking writer
        (MP, "en-CA,en;q=0.9", "Dear Lori Idlout,"),
    ],
)
def test_canadian_mps_get_french_where_it_is_expected(ref_client, rep_id, accept, expected):
    page = ref_client.get(f"/letters/{rep_id}", headers={"Accept-Language": accept})
    assert expected in page.get_data(as_text=True)


def test_update_rewrites_the_letter_in_the_chosen_language(ref_client) -> None:
    data = letter_form(ref_client, MEP, action="update", lang="it", personal="Mi importa.")
    page = ref_client.post(f"/letters/{MEP}", data=data).get_data(as_text=True)
    assert "Gentile Alexander Bernhuber," in page and "Mi importa." in page  # kept as written
    assert '<option selected value="it">Italiano</option>' in page
    unknown = letter_form(ref_client, MEP, action="update", lang="sv")  # none in Swedish
    page = ref_client.post(f"/letters/{MEP}", data=unknown).get_data(as_text=True)
    assert "Guten Tag Alexander Bernhuber," in page  # the MEP's own language instead


def test_print_page_dates_the_letter_in_its_language(ref_client) -> None:
    from babel.dates import format_date

    from petition.models import utcnow

    data = letter_form(ref_client, MEP, channel="print", lang="fr", body="Bonjour,\n\nMerci.\n")
    page = ref_client.post(f"/letters/{MEP}/send", data=data).get_data(as_text=True)
    assert '<article class="printed-letter" lang="fr">' in page
    assert format_date(utcnow().date(), format="long", locale="fr_FR") in page


def test_letter_api_languages(ref_client) -> None:
    default = ref_client.get(f"/api/v1/letters?representative={MEP}&name=Ani&city=Graz").json
    assert default["lang"] == "de" and default["body"].startswith("Guten Tag Alexander")
    assert default["languages"] == ["en", "de", "el", "es", "fr", "it", "nl", "pl"]
    french = ref_client.get(f"/api/v1/letters?representative={MEP}&city=Graz&lang=fr").json
    assert french["lang"] == "fr" and "Je vous écris depuis Graz" in french["body"]
    assert "lang=fr" in french["print_url"]
    bad = ref_client.get(f"/api/v1/letters?representative={MP}&lang=de")
    assert bad.status_code == 400 and bad.json == {
        "error": "'lang' must be one of en, fr for this representative.",
        "message": "'lang' must be one of en, fr for this representative.",
        "field": "lang",
    }


def test_letter_api(ref_client) -> None:
    response = ref_client.get(
        f"/api/v1/letters?representative={MEP}&name=Ani&city=Graz&demands=1,3&lang=en"
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    data = response.json
    assert set(data) >= {"to", "subject", "body", "mailto", "webmail", "contact_url", "print_url"}
    assert data["to"] == "alexander.bernhuber@europarl.europa.eu"
    assert data["body"].startswith("Dear Alexander Bernhuber,") and "Graz" in data["body"]
    assert parse_qs(urlsplit(data["mailto"]).query)["body"] == [data["body"].replace("\n", "\r\n")]
    assert set(data["webmail"]) == {"gmail", "outlook"}
    printed = ref_client.get(data["print_url"])  # shown, not counted: nothing says it printed
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
        (f"representative={MEP}&lang=xx", "lang"),
    ],
)
def test_letter_api_400s(ref_client, query: str, field: str) -> None:
    response = ref_client.get(f"/api/v1/letters?{query}")
    assert response.status_code == 400 and response.json["field"] == field
