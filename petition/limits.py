"""Rate limits (Flask-Limiter), keyed by the client's address."""

from __future__ import annotations

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

# The extension object holds no app state of its own; each app's storage is set in init_app.
limiter = Limiter(key_func=get_remote_address)


def sign_rate_limit() -> str:
    """Return the configured limit on signatures per address."""
    return str(current_app.config["SIGN_RATE_LIMIT"])


def init_app(app: Flask) -> None:
    """Attach the limiter to the app."""
    limiter.init_app(app)
