"""What every blueprint reads from the app: the campaign shown, its public counts, the
letter templates and the lookup. Helpers only; no routes, so views never import views."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, request
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from petition.cache import get_cache
from petition.campaigns import campaign_id, campaign_key, get_campaign, sync_campaign
from petition.content import CampaignContent, LetterTemplates
from petition.counts import counts_cache_key, public_counts_data
from petition.db import get_session
from petition.forms import ADDRESS_MAX
from petition.geocoders import current_geocoders
from petition.httpcache import forget_shared_answers
from petition.i18n import SOURCE_LANGUAGE, page_language
from petition.limits import client_address
from petition.models import COUNTED_STATES, COUNTED_STATES_WITH_PENDING, Campaign
from petition.representatives import LookupResult, lookup_representatives
from petition.views.refs import current_index


def current_content() -> CampaignContent:
    """Return the content of the campaign this site shows, in the page's language when
    the campaign has it (texts not yet translated stay in the original)."""
    campaigns: dict[str, CampaignContent] = current_app.extensions["petition.campaigns"]
    content = campaigns[current_app.config["CAMPAIGN"]]
    translations: dict[str, dict[str, CampaignContent]] = current_app.extensions[
        "petition.campaign_translations"
    ]
    return translations.get(content.slug, {}).get(page_language(), content)


def current_campaign() -> Campaign:
    """The campaign row of the campaign this site shows (recorded on first use), kept in
    the campaign's own language whatever the page's (a French page must not retitle it)."""
    content = current_app.extensions["petition.campaigns"][current_app.config["CAMPAIGN"]]
    return sync_campaign(get_session(), content)


def current_campaign_id() -> int:
    """The id of the campaign row of the campaign this site shows, in its own language
    (the row's title is the campaign's, whatever the page's language): a query only the
    first time in each process."""
    content = current_app.extensions["petition.campaigns"][current_app.config["CAMPAIGN"]]
    known = current_app.extensions.setdefault("petition.campaign_ids", {})
    found = known.get(campaign_key(content))  # no session opened for what is known
    return found if found is not None else campaign_id(get_session(), content, known)


def letter_templates() -> LetterTemplates:
    """Return the letter templates by body (us-house, ca-commons, ...) and language."""
    templates: LetterTemplates = current_app.extensions["petition.letters"]
    return templates


def writer_languages() -> list[str]:
    """The writer's languages from their browser, most preferred first ("fr-CA" -> "fr")."""
    return [lang.split("-")[0].lower() for lang in request.accept_languages.values()]


def forget_public_counts(slug: str) -> None:
    """Read the public counts again at the next request (a signature was confirmed or
    deleted): the cached counts, and the whole pages and answers that show them."""
    get_cache(current_app).delete(counts_cache_key(slug))
    forget_shared_answers(current_app)


def public_counts(content: CampaignContent) -> dict[str, Any]:
    """Return the campaign's public counts from the cache; on a miss, read them: the
    tallies plus the journal rows the mail worker has not folded into them yet (`flask
    mail work` folds every COUNTS_CACHE_SECONDS), so reading them never writes."""
    cache = get_cache(current_app)
    cached = cache.get(counts_cache_key(content.slug))
    if cached is not None:
        return dict(cached)
    config = current_app.config
    campaign = get_campaign(get_session(), content.slug)
    data = public_counts_data(
        get_session(),
        campaign.id if campaign else None,
        slug=content.slug,
        goal=content.goal,
        states=COUNTED_STATES_WITH_PENDING if config["COUNT_PENDING"] else COUNTED_STATES,
        min_count=config["PUBLIC_MIN_COUNT"],
    )
    cache.set(counts_cache_key(content.slug), data, config["COUNTS_CACHE_SECONDS"])
    return data


def run_lookup(
    country: str, postal_code: str, district: str | None, address: str = "", *, online: bool = True
) -> LookupResult:
    """Look up with the process's index, settling a split code online when possible.

    :raises LookupInputError: bad query.
    """
    refiner = current_geocoders().for_client(client_address()) if online else None
    # The index answers without a database session, which would only cost time here.
    return lookup_representatives(None, country, postal_code, district or None,
                                  index=current_index(), refiner=refiner,
                                  address=address[:ADDRESS_MAX])  # fmt: skip


def content_in(slug: str, language: str | None = None) -> CampaignContent:
    """Return the campaign with this slug in a language (the original when it has none
    or none is asked for), or answer 404."""
    campaigns: dict[str, CampaignContent] = current_app.extensions["petition.campaigns"]
    content = campaigns.get(slug)
    if content is None:
        abort(404, _l("No campaign with this name."))
    translations: dict[str, dict[str, CampaignContent]] = current_app.extensions[
        "petition.campaign_translations"
    ]
    return translations.get(slug, {}).get(language or "", content)


def api_error(error: Any, message: Any, **fields: str) -> dict[str, Any]:
    """A JSON API error: `error` in English whatever the language asked for (stable, for
    programs), `message` in the language of the Accept-Language header (for people)."""
    with force_locale(SOURCE_LANGUAGE):
        english = str(error)
    return {"error": english, "message": str(message), **fields}
