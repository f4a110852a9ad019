"""Sharing: the social preview image and the embeddable counter."""

from __future__ import annotations

import base64
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    get_template_attribute,
    make_response,
    render_template,
    url_for,
)
from flask_babel import force_locale
from werkzeug.wrappers import Response

from petition.cache import get_cache
from petition.content import CampaignContent
from petition.i18n import SOURCE_LANGUAGE, page_language, site_languages
from petition.shareimage import render_share_image
from petition.views.context import content_in, public_counts

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
    return {
        "og_locale": lambda language: OG_LOCALES.get(language, language),
        "share_lang": _share_lang,
    }


def _share_lang() -> str | None:
    """The page's language for the image and embed addresses (none for the original)."""
    language = page_language()
    return None if language == SOURCE_LANGUAGE else language


def _public(response: Response) -> Response:
    """Let browsers and proxies keep the response as long as the counts stay cached."""
    response.cache_control.public = True
    response.cache_control.max_age = current_app.config["COUNTS_CACHE_SECONDS"]
    return response


def _language(lang: str | None) -> str:
    """The language named in the address; never the cookie or the browser's, so a shared
    cache holds one version per address. A language the site does not offer answers 404."""
    if lang is None:
        return SOURCE_LANGUAGE
    if lang not in site_languages():
        abort(404)
    return lang


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
@bp.get("/share/<slug>/<lang>.png")
def image(slug: str, lang: str | None = None) -> Response:
    """Return the 1200×630 preview image: title and live count, redrawn when it moves."""
    language = _language(lang)
    content = content_in(slug, language)
    total = int(public_counts(content)["total"])
    cache = get_cache(current_app)
    key = f"share-png:{slug}:{language}:{total}"
    cached = cache.get(key)
    if cached is None:
        with force_locale(language):
            png = _draw(content, total)
        cache.set(key, base64.b64encode(png).decode("ascii"), _ttl())
    else:
        png = base64.b64decode(cached)
    return _public(Response(png, mimetype="image/png"))


def _ttl() -> float:
    return float(current_app.config["COUNTS_CACHE_SECONDS"])


@bp.get("/embed/<slug>")
@bp.get("/embed/<slug>/<lang>")
def embed(slug: str, lang: str | None = None) -> Response:
    """Show the live count, progress and a Sign link, for any site to frame."""
    language = _language(lang)
    content = content_in(slug, language)
    home = url_for("campaigns.home", lang=lang, _anchor="sign")
    with force_locale(language):
        page = render_template(
            "share/embed.html",
            content=content,
            counts=public_counts(content),
            sign_url=current_app.config["BASE_URL"] + home,
            counts_url=url_for("api.counts", slug=slug),
            poll_seconds=max(_ttl(), EMBED_POLL_MIN_SECONDS),
        )
    response = make_response(page)
    response.headers["Content-Security-Policy"] = EMBED_CSP
    return _public(response)
