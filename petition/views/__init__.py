"""Blueprints and error pages."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from petition.db import get_session
from petition.organizer.formats import format_share, format_when
from petition.text import initials

logger = logging.getLogger("petition.views")

# Seconds a client is asked to wait when the database is unreachable.
RETRY_AFTER_SECONDS = 60

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: https:; style-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
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
    app.add_template_filter(format_when, "when")
    app.add_template_filter(format_share, "share")
    if app.config["TRUSTED_PROXIES"]:
        # Behind a reverse proxy, take the client address from X-Forwarded-For.
        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]

    hsts = _hsts_header(app)

    @app.after_request
    def security_headers(response: Response) -> Response:
        # Everything the pages need is served from this site: no CDN, fonts or scripts.
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if hsts:
            response.headers.setdefault("Strict-Transport-Security", hsts)
        return response

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str | dict[str, str], int, dict[str, str]]:
        code = error.code or 500
        # Only Retry-After (429, 503) is kept from the exception's own headers.
        headers = {k: v for k, v in error.get_headers() if k == "Retry-After"}
        if code == 429 and request.endpoint == "organizer.login":
            return (*organizer.render_login_limited(), headers)
        if request.path.startswith("/api/"):
            return {"error": error.description or error.name}, code, headers
        return render_template("errors/http.html", error=error), code, headers

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_unavailable(
        error: SQLAlchemyError,
    ) -> tuple[str | dict[str, str], int, dict[str, str]]:
        logger.error("Database unavailable: %s", error.__class__.__name__, exc_info=error)
        _rollback()
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        if request.path.startswith("/api/"):
            return {"error": "The database is unavailable; try again in a minute."}, 503, headers
        return render_template("errors/unavailable.html"), 503, headers

    @app.errorhandler(500)
    def server_error(_error: Exception) -> tuple[str, int]:
        _rollback()
        if request.path.startswith("/api/"):
            return {"error": "Internal server error"}, 500  # type: ignore[return-value]
        return render_template("errors/500.html"), 500


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
