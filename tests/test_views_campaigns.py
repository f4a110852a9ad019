"""Campaign pages through the test client: sign, repeat, confirm, delete, errors."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from petition.db import get_session
from petition.models import OutboxMessage, Signature, SignatureState, utcnow
from tests.conftest import VALID_SIGNATURE, csrf_token


def count_signatures(app) -> int:
    with app.app_context():
        return get_session().scalar(select(func.count(Signature.id)))


def public_total(client) -> int:
    return client.get("/api/v1/campaigns/artsakh/counts").json["total"]


@pytest.mark.parametrize("path", ["/", "/learn-more", "/privacy"])
def test_pages_render(client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<main id="main"' in page
    head = page.split("</head>")[0]
    # No external assets: only the canonical address and the preview tags name the site.
    assets = re.findall(r'<(?:link|script)[^>]*(?:href|src)="([^"]+)"', head)
    canonical = re.findall(r'<link rel="canonical" href="([^"]+)"', head)
    assert (
        [a for a in assets if a.startswith("http")] == canonical == [f"http://petition.test{path}"]
    )


def test_home_shows_demands_counter_and_form(client) -> None:
    page = client.get("/").get_data(as_text=True)
    assert page.count('<li id="demand-') == 6
    # No signature yet: an invitation rather than "0 people have signed".
    assert "Be the first to sign" in page and "towards 100,000 signatures" in page
    assert "people have signed" not in page and "<progress" not in page.split('id="situation"')[0]
    for name in ("name", "email", "country", "postal_code", "updates", "privacy", "website"):
        assert f'name="{name}"' in page
    assert re.search(r'<label for="postal_code">', page)
    # Canada and the US lead the country list, the EU next, then everyone else.
    options = re.findall(r'<option value="([A-Z]{2})"', page)
    assert options[:2] == ["CA", "US"] and set(options[2:29]) >= {"FR", "DE", "GR", "IE"}
    assert len(options) == 249
    assert 'name="updates" type="checkbox" value="y">' in page  # unticked by default


def test_happy_path_sign_confirm_count(client, sign, mailbox) -> None:
    response = sign()
    assert response.status_code == 303 and response.location.endswith("/thanks")
    thanks = client.get("/thanks").get_data(as_text=True)
    assert "Anahit Petrosyan" in thanks and "http://petition.test/" in thanks
    [link] = mailbox.links("confirm")
    assert mailbox.outbox[0]["To"] == "anahit@example.org"
    assert public_total(client) == 0
    assert client.get(link).status_code == 200 and public_total(client) == 0  # GET never confirms
    response = client.post(link, data={"csrf_token": csrf_token(client, link)})
    assert response.status_code == 303
    page = client.get(link).get_data(as_text=True)
    assert "Your signature is confirmed" in page and "<strong>1</strong> person has signed" in page
    counts = client.get("/api/v1/campaigns/artsakh/counts").json
    assert counts["by_country"] == {"CA": 1}
    assert counts["by_region"] == {"CA-ON": 1}  # K1A 0B1: Parliament Hill, Ottawa
    assert "<strong>1</strong>" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site", "Origin": "http://localhost:8080"},
        {"Origin": "https://attacker.example"},  # a browser without Fetch Metadata
        {"Origin": "null"},  # a sandboxed frame or a data: page
    ],
)
def test_sign_form_posted_from_another_site_is_refused_and_keeps_input(
    client, headers: dict[str, str]
) -> None:
    response = client.post("/", data=VALID_SIGNATURE, headers=headers)
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "The form expired or came from another page" in page
    assert 'value="Anahit Petrosyan"' in page and 'value="anahit@example.org"' in page
    assert public_total(client) == 0 and "Set-Cookie" not in response.headers
    # The same details sent again from the page itself are taken.
    again = client.post("/", data=VALID_SIGNATURE, headers={"Sec-Fetch-Site": "same-origin"})
    assert again.status_code == 303


def test_cross_origin_message_is_in_the_page_s_language(client) -> None:
    headers = {"Sec-Fetch-Site": "cross-site", "Accept-Language": "fr"}
    page = client.post("/", data=VALID_SIGNATURE, headers=headers).get_data(as_text=True)
    assert "The form expired" not in page and 'lang="fr"' in page


BAD_FIELDS = [
    ({"name": ""}, "name", "Enter your name."),
    ({"name": "x" * 201}, "name", "under 200 characters"),
    ({"name": "\u200b\u0007"}, "name", "Enter your name."),
    ({"email": ""}, "email", "Enter your email address."),
    ({"email": "not-an-email"}, "email", "Enter a valid email address"),
    ({"email": "a@b@c.org"}, "email", "Enter a valid email address"),
    ({"email": "x" * 250 + "@example.org"}, "email", "too long"),
    ({"email": "anna@example.org\r\nBcc: x@evil.test"}, "email", "Enter a valid email address"),
    ({"country": ""}, "country", "Choose your country."),
    ({"country": "ZZ"}, "country", "Choose a country from the list."),
    ({"country": "<script>"}, "country", "Choose a country from the list."),
    ({"postal_code": ""}, "postal_code", "Enter your postal code."),
    ({"postal_code": "12345"}, "postal_code", "Enter a valid postal code like"),
    ({"country": "US", "postal_code": "1234"}, "postal_code", "like 20500"),
    ({"country": "FR", "postal_code": ""}, "postal_code", "Enter your postal code."),
    ({"country": "NL", "postal_code": "1234"}, "postal_code", "Enter a valid postal code"),
    ({"country": "AM", "postal_code": "#" * 40}, "postal_code", "Enter a valid postal code"),
    ({"privacy": None}, "privacy", "privacy notice"),
]


@pytest.mark.parametrize(("fields", "field", "message"), BAD_FIELDS)
def test_bad_input_shows_field_error(app, sign, fields, field, message) -> None:
    response = sign(**fields)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    error = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', page)
    assert error and message in error.group(1), page[page.find('class="alert"') :][:600]
    kept = {k: v for k, v in {**VALID_SIGNATURE, **fields}.items() if k not in (field, "privacy")}
    for name, value in kept.items():
        if name == "postal_code":  # kept, normalized for the chosen country when it is valid
            assert 'value="K1A 0B1"' in page or 'value="K1A0B1"' in page
        elif name != "country":
            assert f'value="{value}"' in page, name  # what the user typed is kept
    assert count_signatures(app) == 0


def test_optional_postal_code_outside_covered_countries(app, sign) -> None:
    assert sign(country="AM", postal_code="").status_code == 303
    assert count_signatures(app) == 1


def test_postal_code_is_normalized(app, sign) -> None:
    sign(country="NL", postal_code=" 1234ab ")
    with app.app_context():
        assert get_session().scalars(select(Signature.postal_code)).one() == "1234 AB"


def test_user_text_is_escaped(client, sign, mailbox) -> None:
    sign(name='<script>alert("x")</script>')
    page = client.get("/thanks").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;" in page


def test_repeat_signer_sees_same_page_and_gets_email(app, client, sign, mailbox) -> None:
    sign()
    [link] = mailbox.links("confirm")
    client.post(link, data={"csrf_token": csrf_token(client, link)})
    first_page = client.get("/thanks").get_data(as_text=True)
    with app.app_context():  # let the throttle allow a second notice
        get_session().execute(
            Signature.__table__.update().values(last_notified_at=utcnow() - timedelta(days=1))
        )
        get_session().commit()
    response = sign(email="Anahit@Example.org", name="Anahit Petrosyan")
    assert response.status_code == 303 and response.location.endswith("/thanks")
    assert client.get("/thanks").get_data(as_text=True) == first_page
    assert count_signatures(app) == 1
    assert mailbox.outbox[-1]["Subject"].startswith("You have already signed")
    assert "/delete/" in mailbox.outbox[-1].get_content()
    assert public_total(client) == 1


def test_honeypot_stores_nothing(app, client, sign, mailbox) -> None:
    response = sign(website="http://spam.example")
    assert response.status_code == 303
    assert count_signatures(app) == 0 and mailbox.outbox == []


def test_confirm_requires_csrf_on_post(client, sign, mailbox) -> None:
    sign()
    [link] = mailbox.links("confirm")
    assert client.post(link, data={}).status_code == 400
    assert public_total(client) == 0


def test_confirm_unknown_and_oversized_tokens(client) -> None:
    for token in ("nope", "x" * 300, "%C3%A9"):
        response = client.get(f"/confirm/{token}")
        assert response.status_code == 404
        assert "This link is not valid" in response.get_data(as_text=True) or len(token) > 200


def test_confirm_expired_link(app, client, sign, mailbox) -> None:
    sign()
    [link] = mailbox.links("confirm")
    with app.app_context():
        get_session().execute(
            Signature.__table__.update().values(token_expires_at=utcnow() - timedelta(hours=1))
        )
        get_session().commit()
    response = client.get(link)
    assert response.status_code == 410 and "This link has expired" in response.get_data(
        as_text=True
    )
    # The expired page has no button, but a stale tab may post: a token of this session.
    token = csrf_token(client, "/representatives/report")
    assert client.post(link, data={"csrf_token": token}).status_code == 410
    assert public_total(client) == 0


def test_delete_link_works_before_and_after_confirm(app, client, sign, mailbox) -> None:
    sign()
    [confirm] = mailbox.links("confirm")
    [delete] = mailbox.links("delete")
    client.post(confirm, data={"csrf_token": csrf_token(client, confirm)})
    assert public_total(client) == 1
    assert client.get(delete).status_code == 200 and count_signatures(app) == 1
    response = client.post(delete, data={"csrf_token": csrf_token(client, delete)})
    assert response.status_code == 200
    assert "has been deleted" in response.get_data(as_text=True)
    assert count_signatures(app) == 0 and public_total(client) == 0
    assert client.get(delete).status_code == 404


def test_delete_requires_csrf(app, client, sign, mailbox) -> None:
    sign()
    [delete] = mailbox.links("delete")
    assert client.post(delete, data={}).status_code == 400
    assert count_signatures(app) == 1


def test_styled_404(client) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Page not found" in page and "style.css" in page


def test_500_page_is_styled(app, client) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("boom")

    response = client.get("/boom")
    assert response.status_code == 500
    assert "Something went wrong" in response.get_data(as_text=True)


def test_database_failure_keeps_input(app, sign, monkeypatch) -> None:
    from sqlalchemy.exc import OperationalError

    import petition.views.campaigns as views

    def down(*_args, **_kwargs):
        raise OperationalError("INSERT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(views, "add_signature", down)
    monkeypatch.setattr(views, "add_signature_at_once", down)  # PostgreSQL's one statement
    response = sign()
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "could not save your signature" in page and 'value="Anahit Petrosyan"' in page


@pytest.mark.parametrize(
    "value", ["\x00", "é" * 5000, "%00", "' OR 1=1 --", "\r\n\r\n", "🇦🇲" * 100]
)
def test_any_input_never_500(client, sign, value: str) -> None:
    for field in ("name", "email", "country", "postal_code", "updates", "privacy", "website"):
        response = sign(**{field: value})
        assert response.status_code in (303, 400), (field, response.status_code)


def test_pending_signature_row_state(app, sign) -> None:
    sign(updates="y")
    with app.app_context():
        signature = get_session().scalars(select(Signature)).one()
        assert signature.state == SignatureState.PENDING and signature.updates is True
        assert signature.ip_hash and "127.0.0.1" not in signature.ip_hash
        assert get_session().scalar(select(func.count(OutboxMessage.id))) == 1


def test_security_headers(client) -> None:
    response = client.get("/")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_purge_command(app, sign) -> None:
    sign()
    with app.app_context():
        get_session().execute(
            Signature.__table__.update().values(token_expires_at=utcnow() - timedelta(days=31))
        )
        get_session().commit()
    result = app.test_cli_runner().invoke(args=["signatures", "purge"])
    assert result.exit_code == 0 and "Deleted 1 unconfirmed" in result.output
    assert count_signatures(app) == 0


def test_trusted_proxy_address_is_hashed(make_app) -> None:
    from petition.db import Base, get_engine
    from petition.signatures import hash_ip

    app = make_app(TRUSTED_PROXIES=1)
    Base.metadata.create_all(get_engine(app))
    client = app.test_client()
    client.post("/", data=VALID_SIGNATURE, headers={"X-Forwarded-For": "203.0.113.9"})
    with app.app_context():
        stored = get_session().scalars(select(Signature.ip_hash)).one()
    assert stored == hash_ip(app.config["IP_HASH_KEY"], "203.0.113.9")
    assert stored != hash_ip("test-secret", "203.0.113.9")  # a key of its own


def test_thanks_without_signing_goes_to_the_form(client) -> None:
    response = client.get("/thanks")
    assert response.status_code == 302 and response.location.endswith("/#sign")


def test_confirmed_page_shows_next_steps(client, sign, mailbox) -> None:
    sign()
    [link] = mailbox.links("confirm")
    other_browser = client.application.test_client()
    other_browser.post(link, data={"csrf_token": csrf_token(other_browser, link)})
    page = other_browser.get(link).get_data(as_text=True)
    assert "What you can do next" in page and 'value="http://petition.test/"' in page
    assert other_browser.get("/thanks").status_code == 200


def _age(app, column: str, minutes: int) -> None:
    """Move a time of every signature this many minutes into the past."""
    with app.app_context():
        get_session().execute(
            Signature.__table__.update().values({column: utcnow() - timedelta(minutes=minutes)})
        )
        get_session().commit()


def test_repeat_signer_gets_a_notice_unless_one_just_went_out(make_shipped_app) -> None:
    """On the shipped 5 minutes: 'I never got the email', signing again, gets one at once."""
    app = make_shipped_app()
    client = app.test_client()
    mailbox = app.extensions["petition.mail"]

    def sign_again() -> str:
        response = client.post("/", data=VALID_SIGNATURE)
        assert response.status_code == 303 and response.location.endswith("/thanks")
        return client.get("/thanks").get_data(as_text=True)

    first_page = sign_again()
    assert sign_again() == first_page and len(mailbox.outbox) == 1  # a double click
    _age(app, "created_at", 2)
    assert sign_again() == first_page
    assert len(mailbox.outbox) == 2 and mailbox.outbox[-1]["Subject"].startswith("Confirm")
    old, new = mailbox.links("confirm")
    assert client.get(old).status_code == 404  # the fresh link replaced the old one
    sign_again()
    _age(app, "last_notified_at", 4)
    sign_again()
    assert len(mailbox.outbox) == 2  # one went out less than 5 minutes ago
    client.post(new, data={"csrf_token": csrf_token(client, new)})
    _age(app, "last_notified_at", 5)
    assert sign_again() == first_page and len(mailbox.outbox) == 3
    assert mailbox.outbox[-1]["Subject"].startswith("You have already signed")
    assert "you are counted once" in mailbox.outbox[-1].get_content()


def test_new_signer_goes_straight_to_the_driver(app, sign, mailbox, monkeypatch) -> None:
    """Row, tally journal row and email: PostgreSQL one statement (one round trip),
    SQLite three INSERTs in one transaction, none through the session."""
    from petition.db import DriverStatement, get_engine
    from petition.models import TallyJournal

    # The process's first signature looks the campaign row up (and may write it) in the
    # request's own transaction, so it takes the usual path; the next ones do not.
    assert sign(email="first@example.org").status_code == 303
    sent: list[str] = []
    through_sqlalchemy: list[str] = []
    execute = DriverStatement.execute

    def spy(self, connection, values, **options):  # type: ignore[no-untyped-def]
        sent.append(self.sql)
        return execute(self, connection, values, **options)

    def seen(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if "INSERT" in statement:
            through_sqlalchemy.append(statement)

    monkeypatch.setattr(DriverStatement, "execute", spy)
    event.listen(get_engine(app), "before_cursor_execute", seen)
    try:
        assert sign().status_code == 303
    finally:
        event.remove(get_engine(app), "before_cursor_execute", seen)
    assert through_sqlalchemy == []
    tables = ("signatures", "tally_journal", "outbox_messages")
    if app.config["DATABASE_URL"].startswith("postgresql"):
        # Besides, a new pooled connection draws its first block of ids.
        reserved = [sql for sql in sent if "nextval" in sql]
        inserts = [sql for sql in sent if "nextval" not in sql]
        assert len(reserved) <= 1
        assert len(inserts) == 1 and all(table in inserts[0] for table in tables)
    else:
        assert [next(t for t in tables if f"INTO {t}" in sql) for sql in sent] == list(tables)
    with app.app_context():
        session = get_session()
        mine = select(Signature).where(Signature.email == "anahit@example.org")
        signature = session.scalars(mine).one()
        assert signature.state == SignatureState.PENDING and signature.region == "ON"
        assert signature.created_at.tzinfo is None and signature.token_expires_at > utcnow()
        message = session.scalars(
            select(OutboxMessage).where(OutboxMessage.signature_id == signature.id)
        ).one()
        assert message.attempts == 0 and message.last_error == "" and message.sent_at is None
        journal = session.scalars(select(TallyJournal).order_by(TallyJournal.id)).all()
        assert len(journal) == 2 and journal[-1].region == "ON" and journal[-1].delta == 1
        assert journal[-1].state == SignatureState.PENDING
    # The email went in whole: its delete link finds the row.
    assert "DeleteTokenMark" not in message.body
    delete = mailbox.links("delete")[-1]
    assert app.test_client().get(delete).status_code == 200


def test_repeat_signer_goes_through_the_usual_transaction(app, sign) -> None:
    assert sign().status_code == 303
    assert sign(name="Anahit P.").status_code == 303  # the direct INSERT stored nothing
    with app.app_context():
        session = get_session()
        assert session.scalar(select(func.count(Signature.id))) == 1
        assert session.scalars(select(Signature.duplicate_attempts)).one() == 1
        assert session.scalar(select(func.count(OutboxMessage.id))) == 1  # a double submit
