"""Public JSON API."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, request, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from petition.content import CampaignContent
from petition.httpcache import public
from petition.letters import (
    MAILTO_LIMIT,
    LetterInputError,
    build_api_letter,
    letter_languages,
    mailto_url,
    print_params,
    webmail_urls,
)
from petition.limits import limit, limit_address_lookups
from petition.representatives import LookupInputError
from petition.views.context import (
    api_error,
    current_content,
    letter_templates,
    public_counts,
    run_lookup,
    writer_languages,
)
from petition.views.refs import current_index

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.after_request
def allow_cross_origin(response: Response) -> Response:
    """Let partner sites read the public API from the browser."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/campaigns/<slug>/counts")
@public
def counts(slug: str) -> dict[str, object]:
    """Return the campaign's public counts (confirmed signatures)."""
    campaigns: dict[str, CampaignContent] = current_app.extensions["petition.campaigns"]
    content = campaigns.get(slug)
    if content is None:
        abort(404, _l("No campaign with this name."))
    return public_counts(content)


@bp.get("/representatives")
@public
@limit("LOOKUP_RATE_LIMIT", "lookup")
@limit_address_lookups
def representatives() -> tuple[dict[str, object], int]:
    """Return the districts and representatives for a country and postal code."""
    try:
        result = run_lookup(
            request.args.get("country", ""),
            request.args.get("postal_code", ""),
            request.args.get("district"),
            request.args.get("address", ""),
        )
    except LookupInputError as exc:
        return api_error(exc.message, exc.message, field=exc.field), 400
    return result.to_json(), 200


@bp.get("/letters")
@limit("LOOKUP_RATE_LIMIT", "lookup")
def letters() -> tuple[dict[str, object], int]:
    """Return a pre-filled letter to a representative, with every link that sends it."""
    try:
        letter, rep, template = build_api_letter(
            request.args,
            current_index().reps,
            letter_templates(),
            current_content().demands,
            writer_languages(),
        )
    except LetterInputError as exc:
        return api_error(exc.message, exc.message, field=exc.field), 400
    mailto = mailto_url(rep.email, letter.subject, letter.body) if rep.email else None
    params: dict[str, Any] = {"rep_id": rep.id, **print_params(request.args), "lang": template.lang}
    print_url = url_for("letters.print_letter", **params) if rep.address else None
    return {
        "to": letter.to or None,
        "lang": template.lang,
        "languages": letter_languages(letter_templates(), rep),
        "representative": rep.json,
        "subject": letter.subject,
        "body": letter.body,
        "mailto": mailto,
        "mailto_too_long": bool(mailto and len(mailto) > MAILTO_LIMIT),
        "webmail": webmail_urls(rep.email, letter.subject, letter.body) if rep.email else {},
        "contact_url": rep.contact_url or None,
        "print_url": print_url,
    }, 200
