"""The public record of where each representative stands on the campaign."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template
from flask_babel import lazy_gettext as _l

from petition.campaigns import get_campaign
from petition.content import LETTER_BODIES, CampaignContent
from petition.db import get_session
from petition.i18n import page_language
from petition.models import ANSWERED_POSITIONS
from petition.responses import POSITION_LABELS, group_responses, list_responses
from petition.views.refs import current_index

bp = Blueprint("responses", __name__)

# Headings of each body on the public page.
BODY_NAMES = {
    "us-house": _l("US House of Representatives"),
    "us-senate": _l("US Senate"),
    "ca-commons": _l("House of Commons of Canada"),
    "eu-parliament": _l("European Parliament"),
}


@bp.get("/campaigns/<slug>/representatives")
def index(slug: str) -> str:
    """List, per body and country, who was asked, who answered and how."""
    campaigns: dict[str, CampaignContent] = current_app.extensions["petition.campaigns"]
    original = campaigns.get(slug) or abort(404)
    translations = current_app.extensions["petition.campaign_translations"].get(slug, {})
    content = translations.get(page_language(), original)
    campaign = get_campaign(get_session(), slug)
    responses = list_responses(get_session(), campaign.id) if campaign else {}
    return render_template(
        "responses/index.html",
        content=content,
        groups=group_responses(responses, current_index().reps, LETTER_BODIES),
        body_names=BODY_NAMES,
        position_labels=POSITION_LABELS,
        answered_positions=ANSWERED_POSITIONS,
    )
