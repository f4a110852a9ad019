"""Mail: outbox, console backend, and SMTP against a real server on 127.0.0.1 (aiosmtpd)."""

from __future__ import annotations

import logging
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import select

from petition import create_app
from petition.config import DEFAULTS
from petition.db import Base, get_engine, get_session
from petition.mail import (
    EXTENSION_KEY,
    ConsoleBackend,
    SmtpBackend,
    claim_due,
    claim_lease,
    deliver_due,
    make_backend,
    run_worker,
)
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


def send_due(app) -> str:
    """Run one pass of the mail worker through the CLI; return its output."""
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    return result.output


def test_smtp_delivers_confirmation(app, sign, smtp_server) -> None:
    handler, port = smtp_server
    use_smtp(app, f"smtp://petition:s3cret@127.0.0.1:{port}")
    assert sign().status_code == 303
    assert handler.messages == []  # the request only queued it
    assert "Sent 1, failed 0." in send_due(app)
    [raw] = handler.messages
    assert b"Subject: Confirm your signature" in raw and b"To: anahit@example.org" in raw
    [message] = outbox(app)
    assert message.sent_at is not None and message.attempts == 1


def test_smtp_refuses_then_accepts(app, sign, smtp_server) -> None:
    handler, port = smtp_server
    handler.refuse = 1
    use_smtp(app, f"smtp://127.0.0.1:{port}")
    assert sign().status_code == 303
    assert deliver_due(app, limit=10).failed == 1
    [message] = outbox(app)
    assert message.sent_at is None and message.attempts == 1
    assert "451" in message.last_error
    assert message.next_attempt_at > utcnow() + timedelta(seconds=30)  # backoff
    assert deliver_due(app, limit=10).claimed == 0  # not due yet
    make_due(app)
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code == 0 and "Sent 1, failed 0." in result.output
    assert len(handler.messages) == 1
    assert outbox(app)[0].sent_at is not None


def test_smtp_down_keeps_signature_and_mail(app, client, sign) -> None:
    use_smtp(app, f"smtp://127.0.0.1:{free_port()}")  # nothing listens there
    assert sign().status_code == 303
    assert "Check your email" in client.get("/thanks").get_data(as_text=True)
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code == 1 and "Sent 0, failed 1." in result.output
    [message] = outbox(app)
    assert message.sent_at is None and message.failed_at is None
    assert "Connection refused" in message.last_error or "Errno" in message.last_error


class HangingSmtpServer:
    """Accepts TCP connections on 127.0.0.1 and never says a word."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.connections: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                return
            self.connections.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.connections:
            conn.close()


@pytest.fixture
def hanging_smtp() -> Iterator[HangingSmtpServer]:
    server = HangingSmtpServer()
    yield server
    server.close()


def test_sign_never_talks_to_a_hanging_mail_server(app, sign, hanging_smtp, smtp_server) -> None:
    # The shipped timeout: were the request to send, it would wait that long.
    use_smtp(app, f"smtp://127.0.0.1:{hanging_smtp.port}")
    app.extensions[EXTENSION_KEY] = make_backend(app.config["MAIL_URL"], DEFAULTS["MAIL_TIMEOUT"])
    assert sign().status_code == 303
    assert sign(email="second@example.org").status_code == 303
    assert hanging_smtp.connections == []  # the requests never opened a connection
    assert [m.sent_at for m in outbox(app)] == [None, None]
    # The worker waits on it instead, gives up after its timeout, and retries later.
    app.extensions[EXTENSION_KEY] = make_backend(app.config["MAIL_URL"], 0.2)
    assert deliver_due(app, limit=10).failed == 2
    assert all("timed out" in m.last_error for m in outbox(app))
    handler, port = smtp_server
    use_smtp(app, f"smtp://127.0.0.1:{port}")
    make_due(app)
    assert deliver_due(app, limit=10).sent == 2
    assert len(handler.messages) == 2


def test_gives_up_after_max_attempts(app, sign) -> None:
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    use_smtp(app, f"smtp://127.0.0.1:{free_port()}")
    sign()
    assert deliver_due(app, limit=10).failed == 1
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
    assert deliver_due(app, limit=10).failed == 1
    [message] = outbox(app)
    assert message.sent_at is None and message.last_error.startswith("SMTP")
    assert handler.messages == []


def test_console_backend_logs_full_message(app, sign, caplog) -> None:
    app.extensions[EXTENSION_KEY] = ConsoleBackend()
    sign()
    with caplog.at_level(logging.INFO, logger="petition.mail"):
        deliver_due(app, limit=10)
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


class CountingBackend:
    """Records the recipient of every message it sends, from any thread."""

    def __init__(self) -> None:
        self.recipients: list[str] = []
        self.lock = threading.Lock()

    def send(self, message) -> None:
        with self.lock:
            self.recipients.append(message["To"])


def queue_many(app, count: int) -> None:
    with app.app_context():
        for n in range(count):
            get_session().add(
                OutboxMessage(to_address=f"p{n}@example.org", subject="s", body="b", kind="t")
            )
        get_session().commit()


@pytest.fixture
def shared_app(make_app, database_url, tmp_path):
    """An app whose database several threads can share (a file, not a private memory DB)."""
    if database_url == "sqlite://":
        database_url = f"sqlite:///{tmp_path / 'mail.db'}"
    app = make_app(DATABASE_URL=database_url)
    Base.metadata.drop_all(get_engine(app))
    Base.metadata.create_all(get_engine(app))
    yield app
    Base.metadata.drop_all(get_engine(app))


def test_concurrent_workers_send_each_message_once(shared_app) -> None:
    app = shared_app
    backend = CountingBackend()
    app.extensions[EXTENSION_KEY] = backend
    queue_many(app, 60)

    def work() -> None:
        while deliver_due(app, limit=3).claimed:
            pass

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(backend.recipients) == sorted(f"p{n}@example.org" for n in range(60))


def test_crashed_workers_claim_lapses(app) -> None:
    backend = CountingBackend()
    app.extensions[EXTENSION_KEY] = backend
    queue_many(app, 1)
    with app.app_context():
        token, ids = claim_due(get_session(), limit=10, lease=claim_lease(app))
    assert len(ids) == 1  # ... and this worker dies before sending
    assert deliver_due(app, limit=10).claimed == 0  # others leave it alone while claimed
    with app.app_context():
        get_session().execute(
            OutboxMessage.__table__.update().values(locked_until=utcnow() - timedelta(seconds=1))
        )
        get_session().commit()
    assert deliver_due(app, limit=10).sent == 1
    assert backend.recipients == ["p0@example.org"]
    with app.app_context():  # the dead worker's token no longer holds the message
        assert get_session().scalar(select(OutboxMessage.claim_token)) is None
        assert token


def test_run_worker_sends_until_stopped(shared_app) -> None:
    app = shared_app  # the worker thread needs its own connection: a file, not :memory:
    backend = CountingBackend()
    app.extensions[EXTENSION_KEY] = backend
    stop = threading.Event()
    worker = threading.Thread(
        target=run_worker, kwargs={"app": app, "poll": 0.01, "should_stop": stop.is_set}
    )
    worker.start()
    try:
        queue_many(app, 3)
        deadline = time.monotonic() + 30  # a bound for a broken worker, not a speed check
        while len(backend.recipients) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        stop.set()
        worker.join()
    assert sorted(backend.recipients) == ["p0@example.org", "p1@example.org", "p2@example.org"]


def test_mail_work_command_logs_to_console_and_stops_on_sigint(tmp_path) -> None:
    db = tmp_path / "work.db"
    env = {
        **os.environ,
        "PETITION_DATABASE_URL": f"sqlite:///{db}",
        "PETITION_SECRET_KEY": "test-secret",
        "PETITION_MAIL_URL": "console:",
        "PETITION_MAIL_POLL_SECONDS": "0.1",
    }
    flask = [sys.executable, "-m", "flask", "--app", "petition"]
    app = create_app({"DATABASE_URL": f"sqlite:///{db}", "SECRET_KEY": "test-secret"})
    Base.metadata.create_all(get_engine(app))
    queue_many(app, 1)
    get_engine(app).dispose()
    with subprocess.Popen(
        [*flask, "mail", "work"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True,
    ) as worker:  # fmt: skip
        lines = []
        for line in worker.stdout:  # type: ignore[union-attr]
            lines.append(line)
            if "Email (console backend" in line:
                break
        worker.send_signal(signal.SIGINT)
        rest = worker.stdout.read()  # type: ignore[union-attr]
        assert worker.wait(timeout=30) == 0
    output = "".join(lines) + rest
    assert "To: p0@example.org" in output and "Mail worker stopped." in output


def test_worker_holds_no_lock_while_the_mail_server_talks(shared_app) -> None:
    app = shared_app
    url = app.config["DATABASE_URL"]
    if not url.startswith("sqlite"):
        pytest.skip("SQLite: a transaction holds the database's write lock")
    writes: list[str] = []

    class WritingBackend:
        """Stands for a slow mail server: meanwhile, a signer's request writes."""

        def send(self, message) -> None:
            other = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=0.1)
            try:
                other.execute("BEGIN IMMEDIATE")  # fails at once if the worker held the lock
                other.execute("ROLLBACK")
                writes.append(message["To"])
            finally:
                other.close()

    app.extensions[EXTENSION_KEY] = WritingBackend()
    queue_many(app, 2)
    assert deliver_due(app, limit=10).sent == 2
    assert writes == ["p0@example.org", "p1@example.org"]


@pytest.mark.parametrize("lang", ["en", "fr", "hy"])
@pytest.mark.parametrize("template", ["confirm", "already_signed"])
def test_emails_kept_with_stand_ins_read_as_rendered_for_each_signer(
    make_app, monkeypatch, lang, template
) -> None:
    """Rendered once with stand-ins for the personal values, each email is the one the
    templates would have made for its signer."""
    from flask_babel import force_locale

    import petition.mail

    render = petition.mail._render_email
    renders: list[str] = []
    monkeypatch.setattr(petition.mail, "_render_email",
                        lambda *args: renders.append(args[0]) or render(*args))  # fmt: skip
    app = make_app()
    content = app.extensions["petition.campaigns"]["artsakh"]
    personal = ("name", "confirm_url", "delete_url", "data_url")
    people = [("Zoë O'Neil & Ann <b>", "abc"), ("Anahit", "xyz"), ("PersonalValueNameMark", "q")]
    with app.test_request_context("/"), force_locale(lang):
        for name, token in people:
            links = {"confirm_url": f"http://x/confirm/{token}", "data_url": f"http://x/my/{token}",
                     "delete_url": f"http://x/delete/{token}.1"}  # fmt: skip
            if template == "already_signed":
                links["confirm_url"] = None  # as the view passes it: no link to confirm
            context = {"content": content, "name": name, "repeat": False, "ttl_days": 7,
                       "site_url": "http://x/", **links}  # fmt: skip
            kept = petition.mail.render_email(template, context, personal)
            assert kept == render(template, context)
            assert name in kept[1] or lang != "en"
    assert renders == [template]  # rendered once, with stand-ins, for every signer
