"""Find your representatives by postal code, and report mistakes in the data."""

from __future__ import annotations

import functools
from datetime import date

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from petition.cache import get_cache
from petition.campaigns import get_campaign
from petition.db import get_session
from petition.forms import AddressLookupForm, LookupForm, ReportForm
from petition.httpcache import shared_page
from petition.limits import limit, limit_address_lookups
from petition.reports import record_data_report
from petition.representatives import LookupInputError, LookupResult
from petition.responses import label_positions, list_positions, positions_cache_key
from petition.views.context import current_content, run_lookup
from petition.views.refs import index_memo

bp = Blueprint("lookup", __name__)


def report_url(country: str = "", postal_code: str = "", representative: str = "") -> str:
    """Where users report a mistake: the campaign's own address, or our report form."""
    configured = current_content().report_mistake_url
    if configured:
        return configured
    return url_for("lookup.report", country=country, postal_code=postal_code,
                   representative=representative)  # fmt: skip


def source_dates(as_of: dict[str, str]) -> list[tuple[str, date]]:
    """Split combined source ids ("congress-legislators+zccd") and keep each one's latest day."""
    latest: dict[str, date] = {}
    for sources, day in as_of.items():
        for source in sources.split("+"):
            latest[source] = max(latest.get(source, date.min), date.fromisoformat(day))
    return sorted(latest.items())


# The query arguments of the lookup page; with others (or none of ours) it is rendered.
LOOKUP_ARGS = ("country", "postal_code", "district", "choose", "found")


@bp.get("/representatives")
@limit("LOOKUP_RATE_LIMIT", "lookup")
def lookup() -> tuple[str | bytes, int]:
    """Show the lookup form, and the representatives for a country and postal code.

    A page no online service answered for is the same for everyone asking the same
    query in the same language: it is rendered once and kept, and rendered again when the
    index is built again or a representative's recorded position changes. One that shows
    an online service's answer or failure is rendered for each request.
    """
    form = LookupForm(formdata=request.args)
    result, status = None, 200
    if request.args.get("country") or request.args.get("postal_code"):
        try:
            # choose=1: the user wants the list, not the online service's answer
            result = run_lookup(form.country.data or "", form.postal_code.data or "",
                                request.args.get("district"),
                                online=request.args.get("choose") != "1")  # fmt: skip
            form.postal_code.data = result.postal_code
        except LookupInputError as exc:
            field = form.country if exc.field == "country" else form.postal_code
            field.errors = [str(exc)]
            status = 400
    render = functools.partial(render_lookup, form, result,
                               found=request.args.get("found") == "address")  # fmt: skip
    asked_online = result is not None and bool(result.refined_by or result.refine_reason)
    if status != 200 or asked_online or current_app.config["COUNTS_CACHE_SECONDS"] <= 0:
        return render(), status
    positions = _positions(result)
    # The index's own token (a page found in an index built since is rendered again) and
    # the positions. Whether the page offers online settling depends on the settings and
    # the query alone (`choose=1` is one of LOOKUP_ARGS): it needs no place here.
    index = index_memo("lookup_pages").setdefault("index", object())
    version = (index, tuple(sorted(positions.items())))
    return shared_page("lookup", version, functools.partial(render, positions=positions),
                       args=LOOKUP_ARGS), status  # fmt: skip


@bp.post("/representatives")
@limit("LOOKUP_RATE_LIMIT", "lookup")
@limit_address_lookups
def lookup_address() -> Response | tuple[str, int]:
    """Settle a split ZIP from a street address; show the district by its id, not the address."""
    form = AddressLookupForm(formdata=request.form)
    try:
        result = run_lookup(form.country.data or "", form.postal_code.data or "", None,
                            form.address.data if form.validate() else "")  # fmt: skip
    except LookupInputError as exc:
        (form.country if exc.field == "country" else form.postal_code).errors = [str(exc)]
        return render_lookup(form, None), 400
    if result.refined_by:
        return redirect(url_for("lookup.lookup", country=result.country, found="address",
                                postal_code=result.postal_code,
                                district=result.districts[0].id), code=303)  # fmt: skip
    form.postal_code.data = result.postal_code
    return render_lookup(form, result, address_error=" ".join(map(str, form.address.errors))), (
        400 if form.address.errors else 200
    )


def render_lookup(
    form: LookupForm,
    result: LookupResult | None,
    *,
    found: bool = False,
    address_error: str = "",
    positions: dict[str, str] | None = None,
) -> str:
    """Render the lookup page (the address itself is never passed to the template);
    `positions` as _positions gives them, when known already."""
    return render_template(
        "lookup/lookup.html",
        content=current_content(),
        form=form,
        result=result,
        sources=source_dates(result.as_of) if result else [],
        lookup_url=url_for("lookup.lookup"),
        online=bool(result and result.online),
        found_by_address=found and bool(result and result.chosen),
        address_error=address_error,
        can_write="letters.compose" in current_app.view_functions,
        report_url=report_url(form.country.data or "", form.postal_code.data or ""),
        positions=_positions(result) if positions is None else positions,
    )


def _positions(result: LookupResult | None) -> dict[str, str]:
    """The recorded position of each representative found, in words: the campaign's
    positions are read at most once per count interval, from the shared cache (an
    organizer recording one drops them there: organizer.views.respond)."""
    campaign_id = _campaign_id(current_content().slug) if result else None
    if result is None or campaign_id is None:
        return {}
    cache = get_cache(current_app)
    positions = cache.get(positions_cache_key(campaign_id))
    if positions is None:
        positions = list_positions(get_session(), campaign_id)
        cache.set(positions_cache_key(campaign_id), positions,
                  current_app.config["COUNTS_CACHE_SECONDS"])  # fmt: skip
    return label_positions(positions, [r.id for r in result.representatives])


def _campaign_id(slug: str) -> int | None:
    """The id of the campaign's row, None before it has one (looked up until found: rows
    are never deleted while the app runs, so a found id is kept for the process)."""
    known: dict[str, int] = current_app.extensions.setdefault("petition.lookup_campaigns", {})
    if slug not in known:
        campaign = get_campaign(get_session(), slug)
        if campaign is None:
            return None
        known[slug] = campaign.id
    return known[slug]


@bp.route("/representatives/report", methods=["GET", "POST"])
@limit("REPORT_RATE_LIMIT", "report", methods=("POST",))
def report() -> Response | tuple[str, int]:
    """Take a report that something in the representative data is wrong."""
    form = ReportForm(formdata=request.form if request.method == "POST" else request.args)
    if request.method == "POST" and form.validate():
        record_data_report(
            get_session(),
            message=form.message.data,
            country=form.country.data or "",
            postal_code=form.postal_code.data or "",
            representative_id=form.representative.data or "",
            email=form.email.data or "",
        )
        get_session().commit()
        flash(_("Thank you: the organizers will check and correct the data."))
        return redirect(url_for("lookup.lookup", country=form.country.data,
                                postal_code=form.postal_code.data), code=303)  # fmt: skip
    status = 400 if request.method == "POST" else 200
    return render_template("lookup/report.html", content=current_content(), form=form), status
