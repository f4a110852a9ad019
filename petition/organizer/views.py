"""Organizers and representatives: counts by seat, responses, exports and delivery packs.

Every route needs a login, like the rest of /organizer/.
"""

from __future__ import annotations

from collections.abc import Iterator

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
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from petition.cache import get_cache
from petition.db import get_session
from petition.forms import ResponseForm
from petition.models import Campaign, Position, utcnow
from petition.organizer.audit import record_audit
from petition.organizer.auth import load_organizer, login_required
from petition.organizer.constituents import (
    CHANNELS,
    EXPORT_COLUMNS,
    SORT_KEYS,
    RepCount,
    Selection,
    area_label,
    count_by_representative,
    csv_cells,
    export_row,
    select_counts,
)
from petition.organizer.downloads import audited_stream, download
from petition.organizer.exports import EXPORT_FORMATS, RowCounter, csv_lines, json_chunks
from petition.organizer.packs import (
    PACK_BODIES,
    PACK_FORMATS,
    Pack,
    PackCounter,
    iter_packs,
    iter_zip,
    pack_for,
    pack_names_note,
    pack_stylesheet,
    render_pack_html,
    render_pdf,
    responses_url,
)
from petition.responses import (
    POSITION_LABELS,
    ResponseError,
    list_responses,
    positions_cache_key,
    record_response,
)
from petition.views.context import current_campaign, current_content
from petition.views.refs import current_index

bp = Blueprint("representatives", __name__, url_prefix="/organizer")
bp.before_request(load_organizer)


def all_counts(campaign: Campaign) -> list[RepCount]:
    """Every seat with its constituents who signed and its letters."""
    reps = current_index().reps.values()
    return count_by_representative(get_session(), campaign.id, reps, current_content().quorum)


def _selection() -> Selection:
    """The seats asked for by the query parameters body, country, ready, sort and order."""
    args = request.args
    sort = args.get("sort", "signatures")
    return Selection(
        body=args.get("body", "") if args.get("body") in PACK_BODIES else "",
        country=args.get("country", "").upper()[:2],
        ready_only=args.get("ready") == "1",
        sort=sort if sort in SORT_KEYS else "signatures",
        descending=args.get("order", "desc") != "asc",
    )


@bp.get("/representatives")
@login_required
def index() -> str:
    """List every seat with exact counts, sortable and filterable (query parameters)."""
    campaign = current_campaign()
    counts = all_counts(campaign)
    filters = _selection()
    rows = select_counts(counts, filters)
    return render_template(
        "organizer/representatives.html",
        content=current_content(),
        rows=rows,
        filters=filters,
        bodies=PACK_BODIES,
        countries=sorted({c.rep.country for c in counts}),
        ready_total=sum(1 for c in counts if c.ready),
        quorum=current_content().quorum,
        responses=list_responses(get_session(), campaign.id),
        position_labels=POSITION_LABELS,
        channels=CHANNELS,
        area_label=area_label,
    )


@bp.route("/representatives/<rep_id>/response", methods=["GET", "POST"])
@login_required
def respond(rep_id: str) -> Response | tuple[str, int]:
    """Record a representative's response to the campaign."""
    rep = current_index().reps.get(rep_id) or abort(404)
    campaign = current_campaign()
    recorded = list_responses(get_session(), campaign.id).get(rep_id)
    form = ResponseForm(obj=recorded)
    if form.validate_on_submit():
        try:
            record_response(
                get_session(),
                campaign.id,
                rep_id,
                position=Position(form.position.data),
                responded_on=form.responded_on.data,
                quote=form.quote.data or "",
                source_url=form.source_url.data or "",
                organizer_email=g.organizer.email,
            )
        except ResponseError as exc:
            form.source_url.errors = [str(exc)]
        else:
            get_session().commit()
            # The lookup pages show it at once (in every process, with Redis).
            get_cache(current_app).delete(positions_cache_key(campaign.id))
            flash(_("Response of %(name)s recorded.", name=rep.name))
            return redirect(url_for("representatives.index", body=rep.body), code=303)
    status = 400 if request.method == "POST" else 200
    page = render_template("organizer/response.html", content=current_content(), rep=rep,
                           form=form, recorded=recorded)  # fmt: skip
    return page, status


@bp.get("/exports/representatives.<ext>")
@login_required
def export(ext: str) -> Response:
    """Stream counts by representative; counts under PUBLIC_MIN_COUNT are hidden."""
    if ext not in EXPORT_FORMATS:
        abort(404)
    campaign = current_campaign()
    min_count = int(current_app.config["PUBLIC_MIN_COUNT"])
    selected = select_counts(all_counts(campaign), _selection())
    rows = [export_row(c, min_count) for c in selected]
    counter = RowCounter(rows)
    chunks: Iterator[str] = (
        json_chunks(counter) if ext == "json"
        else csv_lines(EXPORT_COLUMNS, (csv_cells(r, min_count) for r in counter))
    )  # fmt: skip
    stream = audited_stream(get_session(), chunks, "export.representatives",
                            f"counts by representative ({ext})", counter)  # fmt: skip
    mimetype = "text/csv" if ext == "csv" else "application/json"
    return download(stream, f"{campaign.slug}-representatives.{ext}", mimetype)


@bp.get("/packs/<name>.<ext>")
@login_required
def pack(name: str, ext: str) -> Response:
    """Send one representative's delivery pack (.pdf, .html), or a body's packs (.zip)."""
    campaign = current_campaign()
    if ext == "zip" and name in PACK_BODIES:
        return _body_zip(campaign, name)
    rep = current_index().reps.get(name)
    if ext not in PACK_FORMATS or rep is None:
        abort(404)
    count = next(c for c in all_counts(campaign) if c.rep.id == rep.id)
    built = pack_for(get_session(), campaign.id, count, _min_count(), utcnow().date(),
                     names=current_content().pack_names)  # fmt: skip
    detail = f"delivery pack for {rep.id} ({ext}, {count.signatures} constituents)"
    detail += pack_names_note(built)
    record_audit(get_session(), g.organizer.email, "export.pack", detail, 1)
    get_session().commit()
    html = _pack_html(built, for_pdf=ext == "pdf")
    if ext == "html":
        return Response(html, mimetype="text/html", headers={"Cache-Control": "no-store"})
    response = Response(_pdf(html), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{built.file_stem}.pdf"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _body_zip(campaign: Campaign, body: str) -> Response:
    """Stream a ZIP of the PDF packs of every filled seat of a body, one file at a time."""
    counts = [c for c in all_counts(campaign) if c.rep.body == body and not c.rep.vacant]
    counts.sort(key=lambda c: c.rep.id)
    packs = iter_packs(get_session(), campaign.id, counts, _min_count(), utcnow().date(),
                       names=current_content().pack_names)  # fmt: skip
    counter = PackCounter(packs)
    files = ((f"{p.file_stem}.pdf", _pdf(_pack_html(p, for_pdf=True))) for p in counter)
    stream = audited_stream(get_session(), iter_zip(files), "export.packs",
                            lambda: f"delivery packs of {body} (zip){counter.names_note()}",
                            counter)  # fmt: skip
    return download(stream, f"{campaign.slug}-{body}-packs.zip", "application/zip")


def _min_count() -> int:
    return int(current_app.config["PUBLIC_MIN_COUNT"])


def _pack_html(built: Pack, *, for_pdf: bool) -> str:
    content = current_content()
    return render_pack_html(
        built,
        content,
        responses_url=responses_url(current_app.config["BASE_URL"], content.slug),
        stylesheet_url=None if for_pdf else url_for("static", filename="pack.css"),
    )


def _pdf(html: str) -> bytes:
    return render_pdf(html, pack_stylesheet(current_app.static_folder or "static"))
