"""The site's own pages and files: about and contact, robots.txt, sitemap.xml, favicon."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, send_from_directory, url_for
from werkzeug.wrappers import Response

from petition.i18n import SOURCE_LANGUAGE, site_languages
from petition.views.context import current_content

bp = Blueprint("site", __name__)

# Every public page, by endpoint; the sitemap lists each of them in every language.
PUBLIC_PAGES = (
    "campaigns.home",
    "campaigns.learn_more",
    "campaigns.privacy",
    "site.about",
    "lookup.lookup",
)


@bp.get("/about")
def about() -> str:
    """Say who runs the campaign and how to reach them."""
    content = current_content()
    report_url = content.report_mistake_url or url_for("lookup.report")
    return render_template("site/about.html", content=content, report_url=report_url)


@bp.get("/robots.txt")
def robots() -> Response:
    """Keep crawlers out of the organizer area and the personal links; point to the sitemap."""
    text = render_template("site/robots.txt", base_url=current_app.config["BASE_URL"])
    return Response(text, mimetype="text/plain")


def _lang_arg(lang: str) -> str | None:
    return None if lang == SOURCE_LANGUAGE else lang


@bp.get("/sitemap.xml")
def sitemap() -> Response:
    """List every public page in every language the site has."""
    content = current_content()
    base = current_app.config["BASE_URL"]
    targets: list[tuple[str, dict[str, Any]]] = [(endpoint, {}) for endpoint in PUBLIC_PAGES]
    targets.append(("share.embed", {"slug": content.slug}))
    # Each page's address in each language; the original language's is the plain one.
    pages = [
        {
            lang: base + url_for(endpoint, **values, lang=_lang_arg(lang))
            for lang in site_languages()
        }
        for endpoint, values in targets
    ]
    xml = render_template("site/sitemap.xml", pages=pages)
    return Response(xml, mimetype="application/xml")


@bp.get("/favicon.ico")
def favicon() -> Response:
    """Answer the browsers that ask for /favicon.ico whatever the page says."""
    return send_from_directory(
        current_app.static_folder or "", "favicon.png", mimetype="image/png", max_age=86400
    )
