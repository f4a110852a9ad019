"""Organizer accounts: create, list, remove, and check a password."""

from __future__ import annotations

import functools

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from petition.models import IntegrityEvent, Organizer, new_session_version, utcnow

PASSWORD_MIN = 12


@functools.cache
def _dummy_hash() -> str:
    """Return a hash checked against when the email is unknown.

    A wrong email then costs as long as a wrong password, and the timing does not tell
    whether an account exists. Computed on first use, not at import: scrypt takes
    about 0.3 s, which every worker would otherwise spend before answering anything.
    """
    return generate_password_hash("not-a-real-password", method="scrypt")


class OrganizerError(ValueError):
    """The account cannot be created or removed; the message says why."""


def create_organizer(session: Session, email: str, password: str) -> Organizer:
    """Add an organizer with a scrypt-hashed password."""
    email = email.strip().lower()
    if "@" not in email:
        raise OrganizerError("Give the organizer's email address.")
    _check_password(password)
    if find_organizer(session, email) is not None:
        raise OrganizerError(f"{email} is already an organizer.")
    organizer = Organizer(email=email, password_hash=generate_password_hash(password, "scrypt"))
    session.add(organizer)
    session.flush()
    return organizer


def _check_password(password: str) -> None:
    if len(password) < PASSWORD_MIN:
        # Lazy: shown on the password page in its language, and by the CLI in English.
        raise OrganizerError(_l("Use a password of at least %(min)s characters.", min=PASSWORD_MIN))


def set_password(session: Session, email: str, password: str) -> Organizer:
    """Give an organizer a new password and end every session they have open."""
    organizer = find_organizer(session, email)
    if organizer is None:
        raise OrganizerError(f"{email} is not an organizer.")
    _check_password(password)
    organizer.password_hash = generate_password_hash(password, "scrypt")
    end_sessions(session, organizer)
    return organizer


def end_sessions(session: Session, organizer: Organizer) -> None:
    """End every session of an organizer: their cookies no longer match."""
    organizer.session_version = new_session_version()
    session.flush()


def find_organizer(session: Session, email: str) -> Organizer | None:
    """Return the organizer with this email, if any."""
    query = select(Organizer).where(Organizer.email == email.strip().lower())
    return session.scalars(query).first()


def list_organizers(session: Session) -> list[Organizer]:
    """Return every organizer, by email."""
    return list(session.scalars(select(Organizer).order_by(Organizer.email)))


def remove_organizer(session: Session, email: str) -> None:
    """Delete an organizer account (their sessions end with the row)."""
    organizer = find_organizer(session, email)
    if organizer is None:
        raise OrganizerError(f"{email} is not an organizer.")
    session.delete(organizer)
    session.flush()


def check_password(organizer: Organizer, password: str) -> bool:
    """Tell whether the password is this organizer's."""
    return check_password_hash(organizer.password_hash, password)


def authenticate(session: Session, email: str, password: str) -> Organizer | None:
    """Return the organizer if the password matches; spend the same time either way."""
    organizer = find_organizer(session, email)
    hashed = organizer.password_hash if organizer else _dummy_hash()
    if not check_password_hash(hashed, password) or organizer is None:
        return None
    organizer.last_login_at = utcnow()
    return organizer


def record_integrity_event(session: Session, kind: str) -> None:
    """Count an event for the integrity panel (failed login, rate-limited attempt)."""
    session.add(IntegrityEvent(kind=kind))
    session.flush()
