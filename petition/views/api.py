"""Public JSON API."""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Blueprint, abort, current_app, request, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.http import quote_etag
from werkzeug.wrappers import Response

from petition.content import CampaignContent
from petition.httpcache import SHAREABLE, public
from petition.i18n import page_language, site_languages
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
from petition.representatives import LookupInputError, LookupResult
from petition.views.context import (
    api_error,
    current_content,
    letter_templates,
    public_counts,
    run_lookup,
    writer_languages,
)
from petition.views.refs import current_index, index_memo

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# The lookup answers a process keeps (per language and query), in bytes of JSON: a German
# answer, with its 96 MEPs, is about 40 kB; the bench's 491 queries take 2.4 MB.
LOOKUP_ANSWERS_MAX_BYTES = 3 * 1024 * 1024


@bp.after_request
def allow_cross_origin(response: Response) -> Response:
    """Let partner sites read the public API from the browser."""
    response.headers.add("Access-Control-Allow-Origin", "*")  # no view sets it: add, no replace
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
def representatives() -> Response:
    """Return the districts and representatives for a country and postal code."""
    # A plain dict: werkzeug's answers a missing key with a costly exception.
    args = request.args.to_dict()
    address = args.get("address", "")
    query = (args.get("country", ""), args.get("postal_code", ""), args.get("district"))
    # Answers from the index alone are kept, per language and query (at most
    # LOOKUP_ANSWERS_MAX_BYTES); a street address always asks a geocoder.
    kept = None if address else index_memo("lookup_answers", max_bytes=LOOKUP_ANSWERS_MAX_BYTES)
    key = (page_language(), *query)
    answer = kept.get(key) if kept is not None else None
    if answer is None:
        try:
            result = run_lookup(*query, address)
            data, status, settled = result.to_json(), 200, settled_offline(result)
        except LookupInputError as exc:
            data, status = api_error(exc.message, exc.message, field=exc.field), 400
            settled = True
        body = current_app.json.dumps(data).encode()
        answer = (body, status, hashlib.sha1(body).hexdigest())
        if kept is not None and settled:
            kept.keep(key, answer, size=len(body))
        elif not settled or address:  # an online service's answer is not for everyone
            request.environ[SHAREABLE] = False
    body, status, etag = answer
    response = current_app.response_class(body, status=status, mimetype="application/json")
    response.headers.add("ETag", quote_etag(etag))
    if len(site_languages()) > 1:  # titles and notes follow the Accept-Language header
        response.headers.add("Vary", "Accept-Language")  # a new answer: no Vary yet
    return response


def settled_offline(result: LookupResult) -> bool:
    """Whether an answer came from the index alone: online lookups off, or a result sure
    enough that no online service was asked (whose answers, failures and per-client
    budgets are not ours to keep)."""
    if not result.online:
        return True
    unsure = len(result.districts) > 1 or result.hint_only
    return not (unsure or result.refined_by or result.refine_reason)


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
