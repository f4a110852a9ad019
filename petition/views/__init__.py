"""Blueprints and error pages."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from petition.db import get_session
from petition.lookup_results import rep_title
from petition.text import initials
from petition.views.context import api_error

logger = logging.getLogger("petition.views")

# Seconds a client is asked to wait when the database is unreachable.
RETRY_AFTER_SECONDS = 60

# The errors a visitor may meet, named and explained in the page's language; werkzeug's
# own English words are the msgids, so English pages read as before.
ERROR_TITLES = {
    400: _l("Bad Request"),
    403: _l("Forbidden"),
    404: _l("Page not found"),
    405: _l("Method Not Allowed"),
    410: _l("Gone"),
    413: _l("Request Entity Too Large"),
    429: _l("Too Many Requests"),
}
ERROR_TEXTS = {
    400: _l("The browser (or proxy) sent a request that this server could not understand."),
    403: _l("You do not have the permission to see this page."),
    404: _l("There is no page at this address. Check the link, or start from the petition."),
    405: _l("The method is not allowed for the requested URL."),
    410: _l("This page is no longer available."),
    413: _l("The data value transmitted exceeds the capacity limit."),
    429: _l("Too many requests from your network. Wait a few minutes and try again."),
}

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: https:; style-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)

SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
)


def register(app: Flask) -> None:
    """Attach the blueprints and the site-styled error pages."""
    from petition.organizer import dashboard_views as organizer
    from petition.organizer import views as organizer_representatives
    from petition.views import api, campaigns, letters, lookup, responses, share, site

    app.register_blueprint(campaigns.bp)
    app.register_blueprint(lookup.bp)
    app.register_blueprint(letters.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(organizer.bp)
    app.register_blueprint(organizer_representatives.bp)
    app.register_blueprint(responses.bp)
    app.register_blueprint(share.bp)
    app.register_blueprint(site.bp)
    app.add_template_filter(initials)
    app.add_template_filter(rep_title)
    if app.config["TRUSTED_PROXIES"]:
        # Behind a reverse proxy, take the client address from X-Forwarded-For.
        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]

    hsts = _hsts_header(app)
    # Each header with its name in lower case, as the check below compares them.
    headers = [(name.lower(), name, value) for name, value in SECURITY_HEADERS]
    if hsts:
        headers.append(("strict-transport-security", "Strict-Transport-Security", hsts))

    @app.after_request
    def security_headers(response: Response) -> Response:
        # Everything the pages need is served from this site: no CDN, fonts or scripts.
        # One pass over the names: werkzeug answers a missing header with an exception,
        # which costs more than the rest of this hook.
        present = {name.lower() for name, _value in response.headers.items()}
        for lowered, name, value in headers:
            if lowered not in present:
                response.headers.add(name, value)
        return response

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str | dict[str, str], int, dict[str, str]]:
        code = error.code or 500
        # Only Retry-After (429, 503) is kept from the exception's own headers.
        headers = {k: v for k, v in error.get_headers() if k == "Retry-After"}
        if code == 429 and request.endpoint == "organizer.login":
            return (*organizer.render_login_limited(), headers)
        title, text = describe_error(error)
        if request.path.startswith("/api/"):
            return api_error(error.description or error.name, text), code, headers
        return render_template("errors/http.html", title=title, text=text), code, headers

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_unavailable(
        error: SQLAlchemyError,
    ) -> tuple[str | dict[str, str], int, dict[str, str]]:
        logger.error("Database unavailable: %s", error.__class__.__name__, exc_info=error)
        _rollback()
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        if request.path.startswith("/api/"):
            message = _l("The database is unavailable; try again in a minute.")
            return api_error(message, message), 503, headers
        return render_template("errors/unavailable.html"), 503, headers

    @app.errorhandler(500)
    def server_error(_error: Exception) -> tuple[str, int]:
        _rollback()
        if request.path.startswith("/api/"):
            return api_error("Internal server error", _("Internal server error")), 500  # type: ignore[return-value]
        return render_template("errors/500.html"), 500


def describe_error(error: HTTPException) -> tuple[str, str]:
    """The title and explanation of an error page, in the page's language: ours when the
    error carries werkzeug's default description, else the description it was raised with."""
    code = error.code or 500
    title = str(ERROR_TITLES.get(code, error.name))
    own = error.description is not None and error.description != type(error).description
    if own or code not in ERROR_TEXTS:
        return title, str(error.description or error.name)
    return title, str(ERROR_TEXTS[code])


def _hsts_header(app: Flask) -> str:
    """Return the Strict-Transport-Security value production sends over https, or ""."""
    seconds = int(app.config["HSTS_SECONDS"])
    https = app.config["BASE_URL"].startswith("https://")
    if app.config["ENV"] != "production" or not https or seconds <= 0:
        return ""
    return f"max-age={seconds}; includeSubDomains"


def _rollback() -> None:
    """Roll back the request's session, even when its connection is gone."""
    try:
        get_session().rollback()
    except SQLAlchemyError:
        logger.warning("Rollback failed; the connection is discarded", exc_info=True)
