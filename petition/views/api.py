"""Public JSON API."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, request
from werkzeug.wrappers import Response

from petition.content import CampaignContent
from petition.representatives import LookupInputError
from petition.views.campaigns import public_counts
from petition.views.letters import run_lookup

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.after_request
def allow_cross_origin(response: Response) -> Response:
    """Let partner sites read the public API from the browser."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/campaigns/<slug>/counts")
def counts(slug: str) -> dict[str, object]:
    """Return the campaign's public counts (confirmed signatures)."""
    campaigns: dict[str, CampaignContent] = current_app.extensions["petition.campaigns"]
    content = campaigns.get(slug)
    if content is None:
        abort(404, "No campaign with this name.")
    return public_counts(content)


@bp.get("/representatives")
def representatives() -> tuple[dict[str, object], int]:
    """Return the districts and representatives for a country and postal code."""
    try:
        result = run_lookup(
            request.args.get("country", ""),
            request.args.get("postal_code", ""),
            request.args.get("district"),
        )
    except LookupInputError as exc:
        return {"error": str(exc), "field": exc.field}, 400
    return result.to_json(), 200
