"""Mail: outbox, console backend, and SMTP against a real server on 127.0.0.1 (aiosmtpd)."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import select

from petition.db import get_session
from petition.mail import EXTENSION_KEY, ConsoleBackend, SmtpBackend, deliver_due, make_backend
from petition.models import OutboxMessage, utcnow


class RecordingHandler:
    """Accepts mail, after refusing the first `refuse` messages with a temporary error."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self.refuse = 0

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd hook)
        if self.refuse:
            self.refuse -= 1
            return "451 4.3.0 Try again later"
        self.messages.append(envelope.content)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and auth_data.password == b"s3cret"
    return AuthResult(success=ok)


@pytest.fixture
def smtp_server() -> Iterator[tuple[RecordingHandler, int]]:
    handler = RecordingHandler()
    port = free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticate,
        auth_require_tls=False,
    )
    controller.start()
    yield handler, port
    controller.stop()


def use_smtp(app, url: str) -> None:
    app.config["MAIL_URL"] = url
    app.extensions[EXTENSION_KEY] = make_backend(url, timeout=5)


def outbox(app) -> list[OutboxMessage]:
    with app.app_context():
        return list(get_session().scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def make_due(app) -> None:
    """Pretend the backoff has passed."""
    with app.app_context():
        get_session().execute(
            OutboxMessage.__table__.update().values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )
        get_session().commit()


def test_smtp_delivers_confirmation(app, sign, smtp_server) -> None:
    handler, port = smtp_server
    use_smtp(app, f"smtp://petition:s3cret@127.0.0.1:{port}")
    assert sign().status_code == 303
    [raw] = handler.messages
    assert b"Subject: Confirm your signature" in raw and b"To: anahit@example.org" in raw
    [message] = outbox(app)
    assert message.sent_at is not None and message.attempts == 1


def test_smtp_refuses_then_accepts(app, sign, smtp_server) -> None:
    handler, port = smtp_server
    handler.refuse = 1
    use_smtp(app, f"smtp://127.0.0.1:{port}")
    assert sign().status_code == 303  # the signer is not bothered by the mail server
    [message] = outbox(app)
    assert message.sent_at is None and message.attempts == 1
    assert "451" in message.last_error
    assert message.next_attempt_at > utcnow() + timedelta(seconds=30)  # backoff
    assert deliver_due(app, limit=10).sent == 0  # not due yet
    make_due(app)
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code == 0 and "Sent 1, failed 0." in result.output
    assert len(handler.messages) == 1
    assert outbox(app)[0].sent_at is not None


def test_smtp_down_keeps_signature_and_mail(app, client, sign) -> None:
    use_smtp(app, f"smtp://127.0.0.1:{free_port()}")  # nothing listens there
    assert sign().status_code == 303
    assert "Check your email" in client.get("/thanks").get_data(as_text=True)
    [message] = outbox(app)
    assert message.sent_at is None and message.failed_at is None
    assert "Connection refused" in message.last_error or "Errno" in message.last_error


def test_app_retries_old_mail_on_next_signature(app, sign, smtp_server) -> None:
    handler, port = smtp_server
    use_smtp(app, f"smtp://127.0.0.1:{free_port()}")
    sign()
    make_due(app)
    use_smtp(app, f"smtp://127.0.0.1:{port}")
    sign(email="second@example.org")
    assert len(handler.messages) == 2  # the new one and the retried one
    assert all(m.sent_at for m in outbox(app))


def test_gives_up_after_max_attempts(app, sign) -> None:
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    use_smtp(app, f"smtp://127.0.0.1:{free_port()}")
    sign()
    make_due(app)
    assert deliver_due(app, limit=10).failed == 1
    [message] = outbox(app)
    assert message.failed_at is not None and message.attempts == 2
    make_due(app)
    assert deliver_due(app, limit=10).failed == 0  # never tried again


def test_wrong_password_stays_queued(app, sign, smtp_server) -> None:
    handler, port = smtp_server
    app.config["MAIL_URL"] = f"smtp://petition:wrong@127.0.0.1:{port}"
    app.extensions[EXTENSION_KEY] = make_backend(app.config["MAIL_URL"], timeout=1)
    assert sign().status_code == 303
    [message] = outbox(app)
    assert message.sent_at is None and message.last_error.startswith("SMTP")
    assert handler.messages == []


def test_console_backend_logs_full_message(app, sign, caplog) -> None:
    app.extensions[EXTENSION_KEY] = ConsoleBackend()
    with caplog.at_level(logging.INFO, logger="petition.mail"):
        sign()
    logged = caplog.text
    assert "To: anahit@example.org" in logged
    assert "http://petition.test/confirm/" in logged and "http://petition.test/delete/" in logged


def test_make_backend_parses_urls() -> None:
    backend = make_backend("smtps://u%40x:p%3Aw@mail.example:2465?starttls=false", 3)
    assert isinstance(backend, SmtpBackend)
    assert (backend.host, backend.port, backend.ssl, backend.starttls) == (
        "mail.example",
        2465,
        True,
        False,
    )
    assert (backend.username, backend.password) == ("u@x", "p:w")
    assert make_backend("smtp://h?starttls=true", 3).starttls is True
    assert isinstance(make_backend("console:", 3), ConsoleBackend)
    with pytest.raises(ValueError, match="unknown mail backend"):
        make_backend("carrier-pigeon://", 3)
