"""Find your representatives by postal code, and report mistakes in the data."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from petition.db import get_session
from petition.forms import LookupForm, ReportForm
from petition.limits import limiter
from petition.reports import record_data_report
from petition.representatives import LookupInputError
from petition.views.context import current_content, run_lookup

bp = Blueprint("lookup", __name__)


def report_url(country: str = "", postal_code: str = "", representative: str = "") -> str:
    """Where users report a mistake: the campaign's own address, or our report form."""
    configured = current_content().report_mistake_url
    if configured:
        return configured
    return url_for("lookup.report", country=country, postal_code=postal_code,
                   representative=representative)  # fmt: skip


@bp.get("/representatives")
def lookup() -> tuple[str, int]:
    """Show the lookup form, and the representatives for a country and postal code."""
    form = LookupForm(formdata=request.args)
    result, status = None, 200
    if request.args.get("country") or request.args.get("postal_code"):
        try:
            result = run_lookup(form.country.data or "", form.postal_code.data or "",
                                request.args.get("district"))  # fmt: skip
            form.postal_code.data = result.postal_code
        except LookupInputError as exc:
            field = form.country if exc.field == "country" else form.postal_code
            field.errors = [str(exc)]
            status = 400
    page = render_template(
        "lookup/lookup.html",
        content=current_content(),
        form=form,
        result=result,
        can_write="letters.compose" in current_app.view_functions,
        report_url=report_url(form.country.data or "", form.postal_code.data or ""),
    )
    return page, status


@bp.route("/representatives/report", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
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
        flash("Thank you: the organizers will check and correct the data.")
        return redirect(url_for("lookup.lookup", country=form.country.data,
                                postal_code=form.postal_code.data), code=303)  # fmt: skip
    status = 400 if request.method == "POST" else 200
    return render_template("lookup/report.html", content=current_content(), form=form), status
