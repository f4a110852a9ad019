"""Organizers: login, the dashboard, exports and moderation. Every route needs a login."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time
from math import ceil

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_number, ngettext
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from petition.db import get_session
from petition.forms import MAX_ID, ConfirmForm, LoginForm, ModerationForm, PasswordForm, ReleaseForm
from petition.letters import CHANNEL_MEANINGS
from petition.limits import limit
from petition.models import COUNTED_STATES, ModerationAction
from petition.organizer.accounts import (
    PASSWORD_MIN,
    OrganizerError,
    authenticate,
    check_password,
    end_sessions,
    record_integrity_event,
    set_password,
)
from petition.organizer.auth import (
    is_known_device_login,
    load_organizer,
    log_in,
    log_out,
    login_required,
    login_wait,
    note_failed_login,
    remember_device,
)
from petition.organizer.charts import bar_chart, line_chart
from petition.organizer.dashboard import build_dashboard
from petition.organizer.downloads import audited_stream, download
from petition.organizer.exports import (
    COUNT_DIMENSIONS,
    EXPORT_FORMATS,
    ExportRefusedError,
    RowCounter,
    count_chunks,
    count_rows,
    csv_lines,
    signature_chunks,
)
from petition.organizer.moderation import (
    Criteria,
    ModerationError,
    invalidate_signatures,
    list_held_addresses,
    list_moderation_actions,
    preview_invalidation,
    preview_release,
    release_signatures,
    revert_moderation,
)
from petition.reports import (
    REPORT_COLUMNS,
    ReportNotFoundError,
    count_open_reports,
    iter_report_rows,
    list_data_reports,
    mark_report_handled,
)
from petition.views.context import current_campaign, current_content, forget_public_counts
from petition.views.refs import current_index

bp = Blueprint("organizer", __name__, url_prefix="/organizer")
# Mistake reports listed on the dashboard (open and handled each); the CSV has them all.
REPORTS_SHOWN = 50
bp.before_request(load_organizer)


def _safe_next(target: str | None) -> str:
    """Only ever return to a page of the organizer area (no open redirect)."""
    if target and target.startswith("/organizer/") and "//" not in target and "\\\\" not in target:
        return target
    return url_for("organizer.dashboard")


@bp.route("/login", methods=["GET", "POST"])
@limit("LOGIN_RATE_LIMIT", "login", methods=("POST",), unless=is_known_device_login)
def login() -> Response | tuple[str, int] | tuple[str, int, dict[str, str]]:
    """Log an organizer in; a wrong email or password gets the same answer."""
    form = LoginForm()
    if request.method == "POST" and form.validate():
        wait = login_wait(form.email.data)
        if wait:
            return (*render_login_limited(wait), {"Retry-After": str(ceil(wait))})
        session = get_session()
        organizer = authenticate(session, form.email.data, form.password.data)
        if organizer is not None:
            session.commit()
            log_in(organizer)
            response = redirect(_safe_next(request.args.get("next")), code=303)
            remember_device(response, form.email.data)
            return response
        note_failed_login(form.email.data)
        record_integrity_event(session, "failed_login")
        session.commit()
        form.password.errors = [_("The email or the password is wrong.")]
        return render_template("organizer/login.html", content=current_content(), form=form), 401
    status = 400 if request.method == "POST" else 200
    return render_template("organizer/login.html", content=current_content(), form=form), status


def render_login_limited(wait: float = 0) -> tuple[str, int]:
    """Answer too many login attempts, and count them for the integrity panel."""
    record_integrity_event(get_session(), "rate_limited")
    get_session().commit()
    form = LoginForm()
    if wait:
        message = _(
            "Too many failed attempts at this account: wait %(seconds)s seconds.",
            seconds=ceil(wait),
        )
    else:
        message = _("Too many attempts from your network. Wait a few minutes and try again.")
    form.password.errors = [message]
    return render_template("organizer/login.html", content=current_content(), form=form), 429


@bp.post("/logout")
@login_required
def logout() -> Response:
    """End the organizer session."""
    if not ConfirmForm().validate_on_submit():
        abort(400, _("The page expired: log out again."))
    end_sessions(get_session(), g.organizer)
    get_session().commit()
    log_out()
    flash(_("You are logged out."))
    return redirect(url_for("organizer.login"), code=303)


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password() -> Response | tuple[str, int]:
    """Change the password; every other session of this organizer ends."""
    form = PasswordForm()
    if request.method == "POST" and form.validate():
        if not check_password(g.organizer, form.current.data):
            form.current.errors = [_("This is not your current password.")]
        else:
            try:
                organizer = set_password(get_session(), g.organizer.email, form.new.data)
            except OrganizerError as exc:
                form.new.errors = [str(exc)]
            else:
                get_session().commit()
                log_in(organizer)  # this browser stays logged in, with the new version
                flash(_("Password changed. Every other session has been logged out."))
                return redirect(url_for("organizer.dashboard"), code=303)
    status = 400 if request.method == "POST" else 200
    page = render_template("organizer/password.html", content=current_content(), form=form,
                           password_min=PASSWORD_MIN)  # fmt: skip
    return page, status


@bp.get("/")
@login_required
def dashboard() -> str:
    """Show the campaign's figures, charts, integrity panel and audit log."""
    campaign = current_campaign()
    figures = build_dashboard(get_session(), campaign.id)
    reps = current_index().reps
    return render_template(
        "organizer/dashboard.html",
        content=current_content(),
        campaign=campaign,
        figures=figures,
        reps=reps,
        channel_meanings=CHANNEL_MEANINGS,
        letter_repeat_minutes=current_app.config["LETTER_REPEAT_MINUTES"],
        district_names={r.district_id: r.district_name for r in reps.values()},
        per_day_svg=bar_chart(figures.per_day, title=_("Confirmed signatures per day")),
        cumulative_svg=line_chart(figures.per_day, title=_("Confirmed signatures over time")),
        form=ConfirmForm(),
        organizer=g.organizer,
        open_reports=list_data_reports(get_session(), handled=False, limit=REPORTS_SHOWN),
        open_report_count=count_open_reports(get_session()),
        handled_reports=list_data_reports(get_session(), handled=True, limit=REPORTS_SHOWN),
    )


def day_range(
    start: datetime | None, end: datetime | None
) -> tuple[datetime | None, datetime | None]:
    """Turn a date range into the datetimes that include both whole days."""
    return (
        datetime.combine(start, time.min) if start else None,
        datetime.combine(end, time.max) if end else None,
    )


@bp.get("/exports/counts.<ext>")
@login_required
def export_counts(ext: str) -> Response:
    """Stream exact counts by country, region, district or day, as CSV or JSON."""
    by = request.args.get("by", "country")
    if ext not in EXPORT_FORMATS or by not in COUNT_DIMENSIONS:
        abort(
            400, _("Choose by=%(choices)s and .csv or .json.", choices="|".join(COUNT_DIMENSIONS))
        )
    campaign = current_campaign()
    rows = count_rows(get_session(), campaign.id, by, COUNTED_STATES)
    counter = RowCounter(rows)
    chunks = count_chunks(list(counter), by, ext)
    name = f"{campaign.slug}-counts-by-{by}.{ext}"
    mimetype = "text/csv" if ext == "csv" else "application/json"
    stream = audited_stream(get_session(), chunks, "export.counts", f"counts by {by} ({ext})",
                            counter)  # fmt: skip
    return download(stream, name, mimetype)


@bp.get("/exports/signatures.csv")
@login_required
def export_signatures() -> Response:
    """Stream the confirmed signers (only those who agreed to updates unless all=1)."""
    include_all = request.args.get("all") == "1"
    campaign = current_campaign()
    try:
        counter, chunks = signature_chunks(get_session(), campaign, include_all=include_all)
    except ExportRefusedError as exc:
        abort(403, str(exc))
    who = "all confirmed signers" if include_all else "signers who agreed to updates"
    stream = audited_stream(get_session(), chunks, "export.signatures", who, counter)
    return download(stream, f"{campaign.slug}-signatures.csv", "text/csv")


@bp.get("/exports/reports.csv")
@login_required
def export_reports() -> Response:
    """Stream every mistake report, newest first, as CSV."""
    counter = RowCounter(iter_report_rows(get_session()))
    chunks = csv_lines(REPORT_COLUMNS, counter)
    stream = audited_stream(get_session(), chunks, "export.reports", "mistake reports", counter)
    return download(stream, "mistake-reports.csv", "text/csv")


@bp.post("/reports/<int:report_id>/handled")
@login_required
def report_handled(report_id: int) -> Response:
    """Mark a mistake report as handled."""
    if report_id > MAX_ID:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400, _("The page expired: press the button again."))
    try:
        mark_report_handled(get_session(), report_id, g.organizer.email)
    except ReportNotFoundError:
        abort(404, _("There is no such report."))
    get_session().commit()
    flash(_("Report %(id)s marked as handled.", id=report_id))
    return redirect(url_for("organizer.dashboard", _anchor="reports"), code=303)


def _criteria(form: ModerationForm) -> Criteria:
    start, end = day_range(form.created_from.data, form.created_to.data)
    ids = tuple(int(part) for part in (form.ids.data or "").split())
    return Criteria(email_domain=form.email_domain.data or None, ip_hash=form.ip_hash.data or None,
                    created_from=start, created_to=end, ids=ids)  # fmt: skip


@bp.route("/moderation", methods=["GET", "POST"])
@login_required
def moderation() -> tuple[str, int]:
    """Preview, then apply, a bulk invalidation; list past actions to undo them."""
    form = ModerationForm()
    campaign = current_campaign()
    session = get_session()
    preview, status = None, 200
    if request.method == "POST":
        if not form.validate():
            status = 400
        else:
            try:
                preview, status = _moderate(form, campaign.id)
            except ModerationError as exc:
                form.email_domain.errors = [str(exc)]
                status = 400
    page = render_template(
        "organizer/moderation.html",
        content=current_content(),
        form=form,
        preview=preview,
        actions=list_moderation_actions(session, campaign.id),
        revert_form=ConfirmForm(),
        held_total=preview_release(session, campaign.id, Criteria()),
        held=list_held_addresses(session, campaign.id),
        release_form=ReleaseForm(),
    )
    return page, status


def _moderate(form: ModerationForm, campaign_id: int) -> tuple[int | None, int]:
    """Count the matches (preview), or invalidate them when the preview was confirmed."""
    criteria = _criteria(form)
    session = get_session()
    if request.form.get("action") != "apply":
        return preview_invalidation(session, campaign_id, criteria), 200
    action = invalidate_signatures(session, campaign_id, criteria, g.organizer.email)
    session.commit()
    forget_public_counts(current_content().slug)
    flash(
        ngettext(
            "%(count)s signature invalidated (%(criteria)s).",
            "%(count)s signatures invalidated (%(criteria)s).",
            action.count,
            count=format_number(action.count),
            criteria=action.criteria,
        )
    )
    return None, 200


@bp.post("/moderation/release")
@login_required
def release() -> Response:
    """Count held signatures: those from one hashed address, or all of them."""
    form = ReleaseForm()
    if not form.validate_on_submit():
        abort(400, _("The page expired: press the button again."))
    criteria = Criteria(ip_hash=form.ip_hash.data or None)
    return _finish_moderation(
        lambda: release_signatures(
            get_session(), current_campaign().id, criteria, g.organizer.email
        ),
        lambda n: ngettext(
            "Released %(count)s held signature.",
            "Released %(count)s held signatures.",
            n,
            count=format_number(n),
        ),
    )


@bp.post("/moderation/<int:action_id>/revert")
@login_required
def revert(action_id: int) -> Response:
    """Undo a bulk invalidation or release."""
    if action_id > MAX_ID:  # no row has it, and the database would refuse the number
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400, _("The page expired: press the button again."))
    return _finish_moderation(
        lambda: revert_moderation(get_session(), action_id, g.organizer.email),
        lambda n: ngettext(
            "Restored %(count)s signature.",
            "Restored %(count)s signatures.",
            n,
            count=format_number(n),
        ),
    )


def _finish_moderation(run: Callable[[], ModerationAction], done: Callable[[int], str]) -> Response:
    """Run a moderation step, commit it, and say how many signatures it moved."""
    try:
        action = run()
    except ModerationError as exc:
        abort(400, str(exc))
    get_session().commit()
    forget_public_counts(current_content().slug)
    flash(done(action.count))
    return redirect(url_for("organizer.moderation"), code=303)
