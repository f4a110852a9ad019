"""Organizer sessions: log in, log out, require a login, and slow down password guessing.

A session is valid only while the organizer's ``session_version`` matches the one stored
in it at login: logging out, changing the password or removing the account replaces the
version, so a copied cookie stops working at once. Password guessing meets two brakes
that cannot lock an organizer out: a limit per client address (LOGIN_RATE_LIMIT), and a
growing wait per account after failures. A browser where that organizer logged in before
meets neither for that account (a signed "known device" cookie, OWASP's device-cookie
scheme), so neither a guesser on the same network nor one anywhere else locks them out.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from flask import current_app, g, redirect, request, session, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from petition import limits
from petition.db import get_session
from petition.models import Organizer, utcnow

F = TypeVar("F", bound=Callable[..., Any])

DEVICE_COOKIE = "petition_device"
DEVICE_SALT = "petition.organizer-device"
DEVICE_DAYS = 365
# Accounts a browser remembers having logged in to (an organizer may share a computer).
DEVICE_ACCOUNTS = 5
# How long failures at one account keep counting toward its wait.
FAILURE_MEMORY_SECONDS = 3600


def log_in(organizer: Organizer) -> None:
    """Start an organizer session (a fresh session, so no earlier id survives)."""
    session.clear()
    session["organizer_id"] = organizer.id
    session["organizer_version"] = organizer.session_version
    session["organizer_since"] = utcnow().isoformat()
    session.permanent = False


def log_out() -> None:
    """Forget the organizer in this browser's session."""
    for key in ("organizer_id", "organizer_version", "organizer_since"):
        session.pop(key, None)


def _session_expired(since: str) -> bool:
    hours = current_app.config["ORGANIZER_SESSION_HOURS"]
    try:
        return datetime.fromisoformat(since) + timedelta(hours=hours) < utcnow()
    except ValueError:
        return True


def load_organizer() -> None:
    """Put the logged-in organizer on g, or None; expired or ended sessions end here."""
    g.organizer = None
    organizer_id = session.get("organizer_id")
    since = session.get("organizer_since")
    version = session.get("organizer_version")
    if not isinstance(organizer_id, int) or not isinstance(since, str):
        return
    organizer = None if _session_expired(since) else get_session().get(Organizer, organizer_id)
    if (
        organizer is None
        or not isinstance(version, str)
        or not hmac.compare_digest(organizer.session_version, version)
    ):
        log_out()
        return
    g.organizer = organizer


def login_required(view: F) -> F:
    """Send anyone who is not logged in to the login page."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if g.get("organizer") is None:
            return redirect(url_for("organizer.login", next=request.full_path))
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def _account_key(email: str) -> str:
    """A key for an account that does not reveal its address (nor whether it exists)."""
    return hashlib.sha256(email.strip().lower().encode("utf-8", "replace")).hexdigest()[:32]


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=DEVICE_SALT)


def _known_accounts() -> list[str]:
    """The accounts this browser has logged in to, from its signed device cookie."""
    raw = request.cookies.get(DEVICE_COOKIE, "")
    try:
        accounts = _device_serializer().loads(raw, max_age=DEVICE_DAYS * 86400) if raw else []
    except BadSignature:
        return []
    return [a for a in accounts if isinstance(a, str)] if isinstance(accounts, list) else []


def is_known_device_login() -> bool:
    """Tell whether this login is for an account this browser has logged in to before."""
    return _account_key(request.form.get("email", "")) in _known_accounts()


def login_wait(email: str) -> float:
    """Seconds before this account may be tried again from this browser (0: now)."""
    key = _account_key(email)
    if key in _known_accounts():
        return 0.0
    return limits.expires_in(f"login-wait:{key}")


def note_failed_login(email: str) -> None:
    """Make the account's next attempt wait: 1 second, doubling, up to the setting."""
    key = _account_key(email)
    failures = limits.count(f"login-fail:{key}", FAILURE_MEMORY_SECONDS)
    wait = min(2 ** min(failures - 1, 30), int(current_app.config["LOGIN_DELAY_MAX_SECONDS"]))
    limits.forget(f"login-wait:{key}")
    if wait > 0:
        limits.count(f"login-wait:{key}", wait)


def remember_device(response: Response, email: str) -> None:
    """After a successful login, clear the account's failures and mark this browser known."""
    key = _account_key(email)
    limits.forget(f"login-fail:{key}")
    limits.forget(f"login-wait:{key}")
    accounts = [key, *[a for a in _known_accounts() if a != key]][:DEVICE_ACCOUNTS]
    response.set_cookie(
        DEVICE_COOKIE,
        _device_serializer().dumps(accounts),
        max_age=DEVICE_DAYS * 86400,
        path=url_for("organizer.login"),
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )
