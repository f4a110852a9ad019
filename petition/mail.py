"""Outgoing email: an outbox table written with the signature, sent after the commit.

Messages are queued in the request's transaction (so a rolled-back signature
never mails a dead link) and delivered afterwards by `deliver_due`, from the
request that queued them, from later requests, and from `flask mail send`.
A failed delivery stays in the outbox and is retried with exponential backoff.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, Protocol, cast
from urllib.parse import parse_qs, unquote, urlsplit

from flask import Flask, current_app, render_template
from sqlalchemy import or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session, sessionmaker

from petition.models import OutboxMessage, utcnow

EXTENSION_KEY = "petition.mail"
logger = logging.getLogger("petition.mail")

# A sender holds a message this long; a crashed sender's claim then lapses.
CLAIM_SECONDS = 120
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


def queue_email(session: Session, to: str, template: str, **context: Any) -> OutboxMessage:
    """Render templates/email/<template>/ and add the message to the outbox."""
    subject = render_template(f"email/{template}/subject.txt", **context)
    body = render_template(f"email/{template}/body.txt", **context)
    message = OutboxMessage(
        to_address=to,
        subject=" ".join(subject.split()),  # one line, whatever the template holds
        body=body.strip() + "\n",
        kind=template,
        next_attempt_at=utcnow(),
    )
    session.add(message)
    session.flush()
    return message


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0


def deliver_due(app: Flask, *, limit: int, only_ids: list[int] | None = None) -> DeliveryReport:
    """Send queued messages whose time has come; failures wait for their next turn."""
    factory: sessionmaker[Session] = app.extensions["petition.db"]["sessionmaker"]
    report = DeliveryReport()
    with factory() as session:
        now = utcnow()
        query = (
            select(OutboxMessage.id)
            .where(
                OutboxMessage.sent_at.is_(None),
                OutboxMessage.failed_at.is_(None),
                OutboxMessage.next_attempt_at <= now,
                or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now),
            )
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
        if only_ids is not None:
            query = query.where(OutboxMessage.id.in_(only_ids))
        ids = list(session.scalars(query))
        session.commit()
        for message_id in ids:
            message = _claim(session, message_id)
            if message is not None:
                ok = _attempt(app, session, message)
                report.sent += ok
                report.failed += not ok
    return report


def _claim(session: Session, message_id: int) -> OutboxMessage | None:
    """Take a message for sending unless another sender already has it."""
    now = utcnow()
    claimed = cast(
        CursorResult[Any],
        session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == message_id,
                OutboxMessage.sent_at.is_(None),
                or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now),
            )
            .values(locked_until=now + timedelta(seconds=CLAIM_SECONDS))
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    session.commit()
    return session.get(OutboxMessage, message_id) if claimed else None


def _attempt(app: Flask, session: Session, message: OutboxMessage) -> bool:
    """Send one claimed message and record the outcome."""
    email = EmailMessage()
    email["From"] = app.config["MAIL_FROM"]
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(domain="petition")
    email.set_content(message.body)
    message.attempts += 1
    message.locked_until = None
    try:
        get_backend(app).send(email)
    except (OSError, smtplib.SMTPException) as exc:
        message.last_error = f"{type(exc).__name__}: {exc}"[:1000]
        if message.attempts >= app.config["MAIL_MAX_ATTEMPTS"]:
            message.failed_at = utcnow()
        delay = timedelta(seconds=app.config["MAIL_RETRY_BASE"] * 2 ** (message.attempts - 1))
        message.next_attempt_at = utcnow() + min(delay, MAX_BACKOFF)
        logger.warning("Email %s not sent (attempt %s): %s", message.id, message.attempts, exc)
        session.commit()
        return False
    message.sent_at = utcnow()
    message.last_error = ""
    session.commit()
    return True


def deliver_after_request(only_ids: list[int]) -> DeliveryReport:
    """Send what this request queued, then retry a few older messages."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    report = deliver_due(app, limit=len(only_ids), only_ids=only_ids) if only_ids else None
    retry = deliver_due(app, limit=app.config["MAIL_BATCH"])
    if report is None:
        return retry
    return DeliveryReport(report.sent + retry.sent, report.failed + retry.failed)
