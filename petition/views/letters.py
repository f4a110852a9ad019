"""The letter composer: write to one representative, or to each of them in turn.

Sending never leaves through a form submission (the CSP's form-action stays 'self'):
with JavaScript the composer opens real links built from the text on screen and
reports the click with a beacon; without it, every channel button posts the letter to
a "ready" page of plain links that report themselves with the `ping` attribute.
Only those reports (and opening the print page) count a letter: campaign,
representative and channel, never the text or the writer.
"""

from __future__ import annotations

import secrets
from typing import Any

from babel import Locale
from babel.dates import format_date
from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask import session as browser_session
from flask_babel import gettext as _
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from petition.cache import get_cache
from petition.campaigns import sync_campaign
from petition.content import LetterTemplate
from petition.db import get_session
from petition.forms import LetterForm
from petition.letters import (
    MAILTO_LIMIT,
    WRITER_FIELDS,
    Letter,
    LetterInputError,
    Writer,
    address_block,
    available_channels,
    build_api_letter,
    compose_letter,
    default_letter_language,
    letter_languages,
    make_open_token,
    read_open_token,
    record_letter_event_once,
    send_links,
)
from petition.limits import limit
from petition.models import utcnow
from petition.refindex import Rep
from petition.text import clean_text
from petition.views.context import current_content, letter_templates, writer_languages
from petition.views.refs import current_index

bp = Blueprint("letters", __name__)

# Most representatives one "write to all" flow visits.
QUEUE_MAX = 12
# How long a page's "opened" links stay countable.
OPEN_TOKEN_MAX_AGE = 2 * 24 * 3600


def _rep_or_404(rep_id: str) -> Rep:
    rep = current_index().reps.get(rep_id[:64])
    if rep is None:
        abort(
            404, _("We do not know this representative. Look them up again from your postal code.")
        )
    if rep.vacant:
        abort(404, _("This seat is vacant: there is nobody to write to yet."))
    if not letter_languages(letter_templates(), rep):
        abort(404, _("There is no letter for this representative yet."))
    return rep


def _template(form: LetterForm, rep: Rep) -> LetterTemplate:
    return letter_templates()[rep.body][form.lang.data]


def _queue() -> list[str]:
    """The representatives still to write to in a "write to all" flow."""
    ids = [i for i in request.args.get("queue", "").split(",") if i][:QUEUE_MAX]
    return [i for i in ids if i in current_index().reps]


def _progress(queue: list[str]) -> tuple[int, int]:
    """Which letter of the flow this is, and how many there are: (2, 3) for "2 of 3"."""
    try:
        position = int(request.args.get("n", "1")[:3])
    except ValueError:
        position = 1
    position = min(max(position, 1), QUEUE_MAX)
    return position, position + len(queue)


def _flow_args(queue: list[str], position: int) -> dict[str, Any]:
    """Query arguments that carry a "write to all" flow to the next page."""
    return {"queue": ",".join(queue) or None, "n": position if queue or position > 1 else None}


def _writer(form: LetterForm) -> Writer:
    return Writer(**{f: (getattr(form, f).data or "").strip() for f in WRITER_FIELDS})


def _remember_writer(form: LetterForm) -> None:
    """Keep the writer's details for the next letter of the flow (not the letter itself)."""
    fields = {f: getattr(form, f) for f in WRITER_FIELDS}
    browser_session["writer"] = {
        name: field.data or "" for name, field in fields.items() if not field.errors
    }


def _browser() -> str:
    """A random id of this browser's session, so that repeated clicks count once."""
    browser = browser_session.get("browser")
    if not isinstance(browser, str):
        browser = browser_session["browser"] = secrets.token_urlsafe(9)
    return browser


def _open_urls(rep: Rep) -> dict[str, str]:
    """Where the page reports that a channel was really taken, per channel."""
    secret, browser = current_app.config["SECRET_KEY"], _browser()
    return {
        channel: url_for("letters.opened", token=make_open_token(secret, rep.id, channel, browser))
        for channel in available_channels(rep)
    }


def _compose(form: LetterForm, rep: Rep) -> Letter:
    content = current_content()
    chosen = [d for d in content.demands if d.id in (form.demands.data or [])]
    template = _template(form, rep)
    return compose_letter(template, rep, _writer(form), chosen, form.personal.data or "")


def _new_form(rep: Rep, **data: Any) -> LetterForm:
    """The composer's form for this representative: their demands and letter languages."""
    form = LetterForm(**data)
    form.demands.choices = [SelectChoice(str(d.id), d.title) for d in current_content().demands]
    available = letter_languages(letter_templates(), rep)
    form.lang.choices = [(lang, language_name(lang)) for lang in available]
    if form.lang.data not in available:  # a form from before languages, or none chosen
        form.lang.data = default_letter_language(rep, available, writer_languages())
    return form


def language_name(lang: str) -> str:
    """A language's name in itself: "français", "Deutsch", "Ελληνικά"."""
    name = Locale.parse(lang).get_display_name(lang) or lang
    return name[:1].upper() + name[1:]


def letter_date(template: LetterTemplate) -> str:
    """Today, written as letters in the template's language and country write it."""
    return format_date(utcnow().date(), format="long", locale=template.locale)


def _page_values(form: LetterForm, rep: Rep) -> dict[str, Any]:
    """What the composer and the ready page both show."""
    queue = _queue()
    position, total = _progress(queue)
    links = send_links(rep, form.subject.data or "", form.body.data or "")
    return {
        "content": current_content(),
        "form": form,
        "rep": rep,
        "channels": available_channels(rep),
        "links": links,
        "open_urls": _open_urls(rep),
        "mailto_too_long": bool(rep.email) and "email" not in links,
        "mailto_limit": MAILTO_LIMIT,
        "letter_lang": form.lang.data,
        "queue": queue,
        "position": position,
        "total": total,
        "flow": _flow_args(queue, position),
        "next_rep": current_index().reps.get(queue[0]) if queue else None,
        "next_flow": _flow_args(queue[1:], position + 1),
    }


def render_composer(
    form: LetterForm, rep: Rep, status: int = 200, notice: str = ""
) -> tuple[str, int]:
    """Show the composer with the channels built from the form's current text."""
    return render_template("letters/compose.html", notice=notice, **_page_values(form, rep)), status


@bp.get("/letters/<rep_id>")
def compose(rep_id: str) -> tuple[str, int]:
    """Open the composer with a letter filled in from what the writer gave before."""
    rep = _rep_or_404(rep_id)
    known = browser_session.get("writer") or browser_session.get("signer") or {}
    prefill = {f: known.get(f, "") for f in WRITER_FIELDS if isinstance(known.get(f, ""), str)}
    demands = [d.id for d in current_content().demands]
    form = _new_form(rep, data={**prefill, "demands": demands})
    letter = _compose(form, rep)
    form.subject.data, form.body.data = letter.subject, letter.body
    return render_composer(form, rep)


@bp.post("/letters/<rep_id>")
def compose_submit(rep_id: str) -> tuple[str, int]:
    """Rebuild the letter from the ticked demands (the no-JavaScript path), or come back
    from the ready page to change the letter as it was."""
    rep = _rep_or_404(rep_id)
    form = _new_form(rep)
    if not form.validate():
        return render_composer(form, rep, 400)
    _remember_writer(form)
    if request.form.get("action") != "edit":
        letter = _compose(form, rep)
        form.subject.data, form.body.data = letter.subject, letter.body
    return render_composer(form, rep)


@bp.post("/letters/<rep_id>/send")
def send(rep_id: str) -> tuple[str, int]:
    """Check the letter, then show it ready to send by the chosen channel (no JavaScript),
    or the print page. Errors come back on the composer, in the same tab."""
    rep = _rep_or_404(rep_id)
    form = _new_form(rep)
    channel = request.form.get("channel", "")
    valid = form.validate()
    if not (form.body.data or "").strip():
        form.body.errors = [*form.body.errors, _("The letter is empty.")]
        valid = False
    if not valid:
        return render_composer(form, rep, 400)
    _remember_writer(form)
    if channel not in available_channels(rep):
        return render_composer(form, rep, 400, _("Choose one of the ways to send it below."))
    if channel == "print":
        return _print_page(form, rep)
    page = render_template("letters/ready.html", channel=channel, **_page_values(form, rep))
    return page, 200


def _print_page(form: LetterForm, rep: Rep) -> tuple[str, int]:
    """Show the letter laid out for printing, and count it once for this browser."""
    _record(rep, "print", _browser())
    page = render_template(
        "letters/print.html",
        content=current_content(),
        rep=rep,
        form=form,
        subject=form.subject.data,
        body=form.body.data,
        writer_lines=address_block(_writer(form)),
        letter_lang=form.lang.data,
        today=letter_date(_template(form, rep)),
    )
    return page, 200


@bp.post("/letters/<rep_id>/next")
def next_letter(rep_id: str) -> Response:
    """Keep the writer's details and go on to the next representative of the flow."""
    rep = _rep_or_404(rep_id)
    form = _new_form(rep)
    form.validate()
    if "csrf_token" not in form.errors:
        _remember_writer(form)
    queue = _queue()
    position, _total = _progress(queue)
    if not queue:
        return redirect(url_for("lookup.lookup"), code=303)
    target = url_for("letters.compose", rep_id=queue[0], **_flow_args(queue[1:], position + 1))
    return redirect(target, code=303)


@bp.post("/letters/opened/<token>")
@limit("LETTER_RATE_LIMIT", "letter", methods=("POST",))
def opened(token: str) -> tuple[str, int]:
    """Count a letter the browser really sent on its way: the `ping` of a link on the
    ready page, or the composer's beacon. Answers 204; repeats within the window count
    once."""
    try:
        rep_id, channel, browser = read_open_token(
            current_app.config["SECRET_KEY"], token, OPEN_TOKEN_MAX_AGE
        )
    except LetterInputError as exc:
        abort(400, str(exc))
    rep = current_index().reps.get(rep_id)
    if rep is None or rep.vacant or channel not in available_channels(rep):
        abort(400, _("This cannot be counted."))
    _record(rep, channel, browser)
    return "", 204


def _record(rep: Rep, channel: str, browser: str) -> None:
    session = get_session()
    window = 60 * float(current_app.config["LETTER_REPEAT_MINUTES"])
    campaign = sync_campaign(session, current_content())
    if record_letter_event_once(
        session, get_cache(current_app), campaign, rep, channel, browser, window
    ):
        session.commit()


@bp.get("/letters/<rep_id>/print")
def print_letter(rep_id: str) -> tuple[str, int]:
    """Show the pre-filled letter ready to print (the letter API's print_url; not counted:
    nothing says it was printed)."""
    try:
        letter, rep, template = build_api_letter(
            {**request.args, "representative": rep_id},
            current_index().reps,
            letter_templates(),
            current_content().demands,
            writer_languages(),
        )
    except LetterInputError as exc:
        abort(400, str(exc))
    if not rep.address:
        abort(404, _("We have no postal address for this representative: write by email or "
                     "through their contact form."))  # fmt: skip
    writer = Writer(**{f: clean_text(request.args.get(f, "")) for f in WRITER_FIELDS})
    page = render_template(
        "letters/print.html",
        content=current_content(),
        rep=rep,
        subject=letter.subject,
        body=letter.body,
        writer_lines=address_block(writer),
        letter_lang=template.lang,
        today=letter_date(template),
    )
    return page, 200


@bp.get("/letters")
def write_to_all() -> Response:
    """Start the "write to all my representatives" flow at the first one."""
    ids = _queue()
    if not ids:
        return redirect(url_for("lookup.lookup"))
    return redirect(url_for("letters.compose", rep_id=ids[0], **_flow_args(ids[1:], 1)))
