"""Organizer sessions: log in, log out, and require a login (flaskr's auth.py shape)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from flask import current_app, g, redirect, request, session, url_for

from petition.db import get_session
from petition.models import Organizer, utcnow

F = TypeVar("F", bound=Callable[..., Any])


def log_in(organizer: Organizer) -> None:
    """Start an organizer session (a fresh session, so no earlier id survives)."""
    session.clear()
    session["organizer_id"] = organizer.id
    session["organizer_since"] = utcnow().isoformat()
    session.permanent = False


def log_out() -> None:
    """End the organizer session."""
    session.pop("organizer_id", None)
    session.pop("organizer_since", None)


def load_organizer() -> None:
    """Put the logged-in organizer on g, or None; expired sessions end here."""
    g.organizer = None
    organizer_id = session.get("organizer_id")
    since = session.get("organizer_since")
    if organizer_id is None or not isinstance(since, str):
        return
    hours = current_app.config["ORGANIZER_SESSION_HOURS"]
    try:
        expired = datetime.fromisoformat(since) + timedelta(hours=hours) < utcnow()
    except ValueError:
        expired = True
    if expired:
        log_out()
        return
    g.organizer = get_session().get(Organizer, organizer_id)


def login_required(view: F) -> F:
    """Send anyone who is not logged in to the login page."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if g.get("organizer") is None:
            return redirect(url_for("organizer.login", next=request.full_path))
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]
