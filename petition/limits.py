"""Rate limits (Flask-Limiter), keyed by the client's address."""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

# The extension object holds no app state of its own; each app's storage is set in init_app.
limiter = Limiter(key_func=get_remote_address)


def sign_rate_limit() -> str:
    """Return the configured limit on signatures per address."""
    return str(current_app.config["SIGN_RATE_LIMIT"])


def address_rate_limit() -> str:
    """Return the configured limit on street-address lookups per address."""
    return str(current_app.config["ONLINE_LOOKUP_RATE_LIMIT"])


def _without_address() -> bool:
    return not (request.form.get("address") or request.args.get("address"))


# Each street-address lookup calls the Census geocoder: one limit, shared by page and API.
limit_address_lookups = limiter.shared_limit(
    address_rate_limit, scope="address-lookup", exempt_when=_without_address
)


def init_app(app: Flask) -> None:
    """Attach the limiter to the app, checking limits only on the routes that have them."""
    limiter.init_app(app)
    # Every limit here is a per-route decorator, which checks itself when its view runs.
    # The extension's own before-request hook only applies app-wide default limits (we set
    # none) yet costs about a third of a lookup API request, so it is taken out.
    hooks = app.before_request_funcs.get(None, [])
    app.before_request_funcs[None] = [
        hook for hook in hooks if getattr(hook, "__self__", None) is not limiter
    ]
