"""Outgoing email: an outbox table written with the signature, sent by a worker.

Messages are queued in the request's transaction (so a rolled-back signature
never mails a dead link) and sent by `flask mail work`, never by a request, so a
slow or hanging mail server never slows a page. Workers claim messages with a
token and a lease, so several can run without sending one message twice. A
failed delivery stays in the outbox and is retried with exponential backoff.
"""

from __future__ import annotations

import logging
import re
import secrets
import smtplib
import ssl
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, Protocol, cast
from urllib.parse import parse_qs, unquote, urlsplit

from flask import Flask, current_app
from flask_babel import get_locale
from sqlalchemy import Connection, Table, insert, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from petition.models import OutboxMessage, utcnow

EXTENSION_KEY = "petition.mail"
OUTBOX = cast(Table, OutboxMessage.__table__)
# Emails rendered with stand-ins for their personal values (see render_email), at most.
EMAILS_KEY = "petition.emails"
KEPT_EMAILS = 64
logger = logging.getLogger("petition.mail")

# A worker holds a message at least this long; a crashed worker's claim then lapses.
CLAIM_SECONDS = 120
# Seconds between two runs of the worker's periodic chores (privacy erasure).
CHORES_SECONDS = 3600
# Messages a worker claims at once (each is renewed just before it is sent).
CLAIM_BATCH = 20
# Longest wait between two attempts, however many have failed.
MAX_BACKOFF = timedelta(hours=6)


class MailBackend(Protocol):
    def send(self, message: EmailMessage) -> None: ...


class ConsoleBackend:
    """Write each message in full to the log (development default)."""

    def send(self, message: EmailMessage) -> None:
        headers = "".join(
            f"{k}: {v}\n" for k, v in message.items() if k != "Content-Transfer-Encoding"
        )
        logger.info("Email (console backend, not sent):\n%s\n%s", headers, message.get_content())


class SmtpBackend:
    """Send through an SMTP server given as smtp://user:pass@host:port?starttls=true."""

    def __init__(self, url: str, timeout: float) -> None:
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        self.ssl = parts.scheme == "smtps"
        self.host = parts.hostname or "localhost"
        self.port = parts.port or (465 if self.ssl else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.starttls = query.get("starttls", ["false"])[0].lower() in ("1", "true", "yes")
        self.timeout = timeout

    def send(self, message: EmailMessage) -> None:
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if self.ssl:
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with smtp:
            if self.starttls:
                smtp.starttls(context=context)
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(message)


def make_backend(url: str, timeout: float) -> MailBackend:
    """Choose the backend named by the MAIL_URL setting."""
    scheme = urlsplit(url).scheme
    if scheme == "console":
        return ConsoleBackend()
    if scheme in ("smtp", "smtps"):
        return SmtpBackend(url, timeout)
    raise ValueError(
        f"PETITION_MAIL_URL: unknown mail backend '{scheme}' (use console: or smtp://)"
    )


def init_app(app: Flask) -> None:
    """Attach the configured mail backend to the app."""
    app.extensions[EXTENSION_KEY] = make_backend(app.config["MAIL_URL"], app.config["MAIL_TIMEOUT"])


def get_backend(app: Flask) -> MailBackend:
    """Return the app's mail backend (tests may replace it)."""
    backend: MailBackend = app.extensions[EXTENSION_KEY]
    return backend


def queue_message(
    session: Session | Connection,
    to: str,
    kind: str,
    subject: str,
    body: str,
    *,
    signature_id: int | None = None,
) -> None:
    """Add a message already rendered (see render_email) to the outbox: one INSERT, through
    the session or straight through its connection."""
    now = utcnow()
    values = {"to_address": to, "subject": subject, "body": body, "kind": kind,
              "created_at": now, "next_attempt_at": now, "signature_id": signature_id}  # fmt: skip
    session.execute(insert(OUTBOX), values)


def render_email(
    template: str, context: dict[str, Any], personal: Collection[str] = ()
) -> tuple[str, str]:
    """Return the subject (one line) and the body of an email, in the current language.

    The templates get only the given context (no page context processors run for an
    email). The values named in `personal` change from one message to the next (a
    name, links): the templates are rendered once per language and other values, with
    stand-ins that each message's own values replace. A template that does not show
    every personal value as given is rendered for each message instead.
    """
    marks = {key: f"PersonalValue{key.title()}Mark" for key in personal if context.get(key)}
    if not marks:
        return _render_email(template, context)
    rest = tuple(sorted((key, value if isinstance(value, str | int | bool | None) else id(value))
                        for key, value in context.items() if key not in marks))  # fmt: skip
    kept: dict[Any, tuple[str, str]] = current_app.extensions.setdefault(EMAILS_KEY, {})
    key = (template, str(get_locale()), tuple(marks), rest)
    shapes = kept.get(key)
    if shapes is None:
        shapes = kept[key] = _render_email(template, {**context, **marks})
        if len(kept) > KEPT_EMAILS:
            del kept[next(iter(kept))]  # the oldest
    text = "\0".join(shapes)
    if not all(mark in text for mark in marks.values()):
        return _render_email(template, context)
    values = {mark: str(context[key]) for key, mark in marks.items()}
    subject, body = re.sub("|".join(values), lambda found: values[found.group()], text).split("\0")
    return " ".join(subject.split()), body


def _render_email(template: str, context: dict[str, Any]) -> tuple[str, str]:
    env = current_app.jinja_env
    subject = env.get_template(f"email/{template}/subject.txt").render(context)
    body = env.get_template(f"email/{template}/body.txt").render(context)
    return " ".join(subject.split()), body.strip() + "\n"  # a one-line subject, whatever


@dataclass
class DeliveryReport:
    claimed: int = 0
    sent: int = 0
    failed: int = 0


def claim_lease(app: Flask) -> timedelta:
    """How long a worker holds a message: long enough for the slowest SMTP conversation."""
    return timedelta(seconds=max(CLAIM_SECONDS, 10 * float(app.config["MAIL_TIMEOUT"])))


def claim_due(session: Session, *, limit: int, lease: timedelta) -> tuple[str, list[int]]:
    """Claim up to `limit` due messages under a fresh token and commit; return both.

    PostgreSQL: FOR UPDATE SKIP LOCKED, so concurrent workers take disjoint rows.
    SQLite: the transaction begins IMMEDIATE (db.py), so select-and-claim is atomic.
    """
    token = secrets.token_hex(16)
    now = utcnow()
    due = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.failed_at.is_(None),
            OutboxMessage.next_attempt_at <= now,
            or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now),
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list(session.scalars(due))
    if ids:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids))
            .values(claim_token=token, locked_until=now + lease)
            .execution_options(synchronize_session=False)
        )
    session.commit()
    return token, ids


def deliver_due(app: Flask, *, limit: int) -> DeliveryReport:
    """Claim due messages and send them; failures wait for their next turn (backoff)."""
    factory: sessionmaker[Session] = app.extensions["petition.db"]["sessionmaker"]
    lease = claim_lease(app)
    with factory() as session:
        token, ids = claim_due(session, limit=limit, lease=lease)
        report = DeliveryReport(claimed=len(ids))
        for message_id in ids:
            message = _renew_claim(session, message_id, token, lease)
            if message is not None:
                ok = _attempt(app, session, message)
                report.sent += ok
                report.failed += not ok
    return report


def _renew_claim(
    session: Session, message_id: int, token: str, lease: timedelta
) -> OutboxMessage | None:
    """Extend our claim just before sending; None when it lapsed and another worker took it."""
    renewed = cast(
        CursorResult[Any],
        session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == message_id,
                OutboxMessage.claim_token == token,
                OutboxMessage.sent_at.is_(None),
            )
            .values(locked_until=utcnow() + lease)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    session.commit()
    return session.get(OutboxMessage, message_id) if renewed else None


def _attempt(app: Flask, session: Session, message: OutboxMessage) -> bool:
    """Send one claimed message and record the outcome."""
    email = EmailMessage()
    email["From"] = app.config["MAIL_FROM"]
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(domain="petition")
    email.set_content(message.body)
    # No transaction stays open while the mail server talks (or hangs): on SQLite it
    # would hold the write lock and make every signer wait. Our claim keeps the message.
    session.commit()
    message.attempts += 1
    message.locked_until = None
    message.claim_token = None
    try:
        get_backend(app).send(email)
    except (OSError, smtplib.SMTPException) as exc:
        message.last_error = f"{type(exc).__name__}: {exc}"[:1000]
        if message.attempts >= app.config["MAIL_MAX_ATTEMPTS"]:
            message.failed_at = utcnow()
            _erase_content(message)
        delay = timedelta(seconds=app.config["MAIL_RETRY_BASE"] * 2 ** (message.attempts - 1))
        message.next_attempt_at = utcnow() + min(delay, MAX_BACKOFF)
        logger.warning("Email %s not sent (attempt %s): %s", message.id, message.attempts, exc)
        session.commit()
        return False
    message.sent_at = utcnow()
    message.last_error = ""
    _erase_content(message)
    session.commit()
    return True


def _erase_content(message: OutboxMessage) -> None:
    """Keep kind, times and status of a message that is done with; forget the rest."""
    message.to_address = message.subject = message.body = ""


def run_worker(
    app: Flask,
    *,
    poll: float,
    should_stop: Callable[[], bool],
    chores: Sequence[tuple[Callable[[], object], float]] = (),
) -> None:
    """Send due email until told to stop, waiting `poll` seconds whenever none is due.

    Each of `chores` (a task and its interval in seconds: folding the tally journal,
    erasing expired IP hashes) runs at start and then every interval, between batches of
    email. A database or mail outage is logged and waited out; the worker never exits.
    """
    due = [time.monotonic()] * len(chores)
    while not should_stop():
        for n, (chore, every) in enumerate(chores):
            if time.monotonic() < due[n]:
                continue
            due[n] = time.monotonic() + every
            try:
                chore()
            except SQLAlchemyError:
                logger.exception("Mail worker: a chore failed; trying again later")
        try:
            report = deliver_due(app, limit=CLAIM_BATCH)
        except SQLAlchemyError:
            logger.exception("Mail worker: database unavailable; trying again shortly")
            report = DeliveryReport()
        if report.sent or report.failed:
            logger.info("Mail worker: sent %s, failed %s", report.sent, report.failed)
        if report.claimed < CLAIM_BATCH:
            _sleep(poll, should_stop)


def _sleep(seconds: float, should_stop: Callable[[], bool]) -> None:
    """Wait, waking early when asked to stop."""
    deadline = time.monotonic() + seconds
    while not should_stop() and time.monotonic() < deadline:
        time.sleep(min(0.1, seconds))
