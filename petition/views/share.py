"""Sharing: the social preview image and the embeddable counter."""

from __future__ import annotations

import base64
from pathlib import Path

from flask import (
    Blueprint,
    current_app,
    get_template_attribute,
    make_response,
    render_template,
    url_for,
)
from werkzeug.wrappers import Response

from petition.cache import get_cache
from petition.content import CampaignContent
from petition.shareimage import render_share_image
from petition.views.context import content_for, public_counts

bp = Blueprint("share", __name__)

# The counter is made to be framed by any site; every other page keeps frame-ancestors 'none'.
EMBED_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; form-action 'none'; frame-ancestors *; base-uri 'none'; "
    "object-src 'none'"
)
# Open Graph wants language_TERRITORY; a campaign file names only the language.
OG_LOCALES = {"en": "en_US", "fr": "fr_FR", "hy": "hy_AM"}
# The embedded counter asks for fresh counts at most this often, whatever the cache says.
EMBED_POLL_MIN_SECONDS = 30


@bp.app_context_processor
def share_context() -> dict[str, object]:
    """Give every page what its social preview tags need."""
    return {"og_locale": lambda language: OG_LOCALES.get(language, language)}


def _public(response: Response) -> Response:
    """Let browsers and proxies keep the response as long as the counts stay cached."""
    response.cache_control.public = True
    response.cache_control.max_age = current_app.config["COUNTS_CACHE_SECONDS"]
    return response


def _draw(content: CampaignContent, total: int) -> bytes:
    texts = get_template_attribute("share/_image.txt", "lines")
    count_line, goal_line = [ln for ln in texts(total, content.goal).splitlines() if ln.strip()]
    return render_share_image(
        Path(current_app.static_folder or "") / "fonts",
        title=content.title,
        count_line=count_line.strip(),
        goal_line=goal_line.strip(),
        progress=total / content.goal,
    )


@bp.get("/share/<slug>.png")
def image(slug: str) -> Response:
    """Return the 1200×630 preview image: title and live count, redrawn when it moves."""
    content = content_for(slug)
    total = int(public_counts(content)["total"])
    cache = get_cache(current_app)
    key = f"share-png:{slug}:{content.language}:{total}"
    cached = cache.get(key)
    if cached is None:
        png = _draw(content, total)
        cache.set(key, base64.b64encode(png).decode("ascii"), _ttl())
    else:
        png = base64.b64decode(cached)
    return _public(Response(png, mimetype="image/png"))


def _ttl() -> float:
    return float(current_app.config["COUNTS_CACHE_SECONDS"])


@bp.get("/embed/<slug>")
def embed(slug: str) -> Response:
    """Show the live count, progress and a Sign link, for any site to frame."""
    content = content_for(slug)
    page = render_template(
        "share/embed.html",
        content=content,
        counts=public_counts(content),
        sign_url=current_app.config["BASE_URL"] + url_for("campaigns.home", _anchor="sign"),
        counts_url=url_for("api.counts", slug=slug),
        poll_seconds=max(_ttl(), EMBED_POLL_MIN_SECONDS),
    )
    response = make_response(page)
    response.headers["Content-Security-Policy"] = EMBED_CSP
    return _public(response)
