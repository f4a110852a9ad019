"""Personal data does not outlive its purpose: outbox, IP hashes, anonymizing, the signer's copy."""

from __future__ import annotations

import dataclasses
import threading
from datetime import date, timedelta

from sqlalchemy import func, select

from petition.db import get_session
from petition.mail import deliver_due, run_worker
from petition.models import COUNTED_STATES, OutboxMessage, Signature, utcnow
from petition.organizer.exports import count_rows
from petition.privacy import add_months, retention_end
from tests.conftest import csrf_token

COUNTS = "/api/v1/campaigns/artsakh/counts"


def messages(app) -> list[OutboxMessage]:
    with app.app_context():
        return list(get_session().scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def signatures(app) -> list[Signature]:
    with app.app_context():
        return list(get_session().scalars(select(Signature).order_by(Signature.id)))


def backdate(app, days: int) -> None:
    with app.app_context():
        when = utcnow() - timedelta(days=days)
        get_session().execute(Signature.__table__.update().values(created_at=when))
        get_session().commit()


def confirm_all(client, mailbox) -> None:
    for link in mailbox.links("confirm"):
        client.post(link, data={"csrf_token": csrf_token(client, link)})


def test_sent_message_keeps_only_kind_times_and_status(app, sign, mailbox) -> None:
    sign()
    assert len(mailbox.outbox) == 1  # the worker sent it
    [message] = messages(app)
    assert (message.to_address, message.subject, message.body) == ("", "", "")
    assert message.kind == "confirm" and message.sent_at and message.created_at


def test_given_up_message_is_erased(app, sign, mailbox) -> None:
    app.config["MAIL_MAX_ATTEMPTS"] = 1
    mailbox.fail = True
    sign()
    assert deliver_due(app, limit=10).failed == 1
    [message] = messages(app)
    assert message.failed_at and (message.to_address, message.body) == ("", "")


def test_deleting_a_signature_erases_its_unsent_mail_at_once(app, client, sign, mailbox) -> None:
    mailbox.fail = True
    sign()
    deliver_due(app, limit=10)  # failed: waits for a retry, address and links still held
    [waiting] = messages(app)
    assert waiting.to_address == "anahit@example.org" and "/delete/" in waiting.body
    mailbox.fail = False
    with app.app_context():
        from petition.signatures import make_delete_token

        token = make_delete_token("test-secret", signatures(app)[0])
    link = f"/delete/{token}"
    assert client.post(link, data={"csrf_token": csrf_token(client, link)}).status_code == 200
    [erased] = messages(app)
    assert (erased.to_address, erased.subject, erased.body) == ("", "", "")
    assert erased.failed_at and erased.sent_at is None
    assert mailbox.outbox == []  # and it is never sent


def test_ip_hash_key_is_its_own_and_rotatable(make_app) -> None:
    from petition.signatures import hash_ip

    derived = make_app().config["IP_HASH_KEY"]
    assert derived and derived != "test-secret"
    rotated = make_app(IP_HASH_KEY="new-key").config["IP_HASH_KEY"]
    assert hash_ip(rotated, "203.0.113.9") != hash_ip(derived, "203.0.113.9")


def test_ip_hashes_expire_by_command(app, sign) -> None:
    sign()
    sign(email="recent@example.org")
    with app.app_context():
        old = utcnow() - timedelta(days=app.config["IP_HASH_RETENTION_DAYS"] + 1)
        get_session().execute(
            Signature.__table__.update().where(Signature.id == 1).values(created_at=old)
        )
        get_session().commit()
    result = app.test_cli_runner().invoke(args=["privacy", "expire-ip-hashes"])
    assert "Erased 1 IP hashes older than 30 days." in result.output
    assert [bool(s.ip_hash) for s in signatures(app)] == [False, True]


def test_mail_worker_runs_the_chores(app) -> None:
    runs: list[int] = []
    stop = threading.Event()

    def chores() -> None:
        runs.append(1)
        stop.set()

    run_worker(app, poll=0.01, should_stop=stop.is_set, chores=[(chores, 3600.0)])
    assert runs == [1]


def test_anonymize_erases_details_and_keeps_every_count(app, client, sign, mailbox, auth) -> None:
    sign()
    sign(email="b@example.org", country="US", postal_code="10001")
    sign(email="c@example.org", country="FR", postal_code="75001")
    confirm_all(client, mailbox)
    sign(email="pending@example.org", country="US", postal_code="90210")
    backdate(app, 40)
    before = client.get(COUNTS).get_json()
    with app.app_context():
        by_district = count_rows(get_session(), 1, "district", COUNTED_STATES)
        by_region = count_rows(get_session(), 1, "region", COUNTED_STATES)
    runner = app.test_cli_runner()
    kept = runner.invoke(args=["privacy", "anonymize"])  # the campaign has no closing date
    assert "kept" in kept.output and all(s.name for s in signatures(app))
    result = runner.invoke(args=["privacy", "anonymize", "--campaign", "artsakh",
                                 "--older-than", "30"])  # fmt: skip
    assert "anonymized 4 signatures" in result.output
    for s in signatures(app):
        assert (s.name, s.email, s.postal_code, s.ip_hash) == ("", "", "", "")
        assert s.anonymized_at and s.country and s.created_at
    assert client.get(COUNTS).get_json()["by_region"] == before["by_region"]
    after = client.get(COUNTS).get_json()
    assert {k: v for k, v in after.items() if k != "updated_at"} == {
        k: v for k, v in before.items() if k != "updated_at"
    }
    with app.app_context():
        assert count_rows(get_session(), 1, "district", COUNTED_STATES) == by_district
        assert count_rows(get_session(), 1, "region", COUNTED_STATES) == by_region
        assert get_session().scalar(select(func.count(Signature.id))) == 4
    auth.login()
    export = client.get("/organizer/exports/signatures.csv?all=1").get_data(as_text=True)
    assert len(export.strip().splitlines()) == 1  # the header: nobody left to list
    assert (
        "no campaign 'nope'"
        in runner.invoke(args=["privacy", "anonymize", "--campaign", "nope"]).output.lower()
    )


def test_anonymize_follows_the_campaign_retention(app, sign) -> None:
    sign()
    campaigns = app.extensions["petition.campaigns"]
    content = campaigns["artsakh"]
    campaigns["artsakh"] = dataclasses.replace(content, closes=date(2020, 1, 31))
    result = app.test_cli_runner().invoke(args=["privacy", "anonymize"])
    assert "anonymized 0 signatures made before 2020-07-31" in result.output  # signed today
    campaigns["artsakh"] = dataclasses.replace(content, closes=utcnow().date() + timedelta(1))
    assert (
        "kept (retention ends after"
        in app.test_cli_runner().invoke(args=["privacy", "anonymize"]).output
    )


def test_retention_dates() -> None:
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2026, 1, 15), 0) == date(2026, 1, 15)
    assert retention_end(None, 6) is None
    assert str(retention_end(date(2026, 12, 1), 6)) == "2027-06-01 00:00:00"


def test_signer_sees_what_is_held_from_the_email_link(client, sign, mailbox) -> None:
    sign(updates="y")
    body = mailbox.outbox[0].get_content()
    [link] = [part for part in body.split() if "/my-data/" in part]
    page = client.get(link.replace("http://petition.test", ""))
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Anahit Petrosyan" in text and "anahit@example.org" in text and "K1A 0B1" in text
    assert "confirm" in text and "sent" in text  # the email, without its content
    assert client.get("/my-data/forged-token").status_code == 404


def test_privacy_page_is_filled_from_the_settings(make_app) -> None:
    app = make_app(IP_HASH_RETENTION_DAYS=12, PENDING_RETENTION_DAYS=9, TOKEN_TTL_DAYS=4)
    text = app.test_client().get("/privacy").get_data(as_text=True)
    assert "<td>12 days</td>" in text
    assert "deleted 9 days after the 4-day confirmation link expires" in text
    assert "6 months after the campaign closes" in text
