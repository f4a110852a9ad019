"""The letter composer: write to one representative, or to each of them in turn.

Routes join the `letters` blueprint. Every send channel is a button of the composer's
own form, so it carries the text as edited, works without JavaScript, and is counted
(campaign, representative, channel; never the text or the writer) before the redirect.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import abort, current_app, redirect, render_template, request, url_for
from flask import session as browser_session
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from petition.campaigns import sync_campaign
from petition.content import CampaignContent, LetterTemplate
from petition.db import get_session
from petition.forms import LetterForm, clean_text
from petition.letters import (
    MAILTO_LIMIT,
    Letter,
    Writer,
    address_block,
    compose_letter,
    mailto_url,
    record_letter_event,
    webmail_urls,
)
from petition.limits import hit
from petition.models import utcnow
from petition.refindex import Rep
from petition.representatives import LookupInputError
from petition.views.campaigns import current_content
from petition.views.letters import bp
from petition.views.refs import current_index

# Most representatives one "write to all" flow visits.
QUEUE_MAX = 12
WRITER_FIELDS = ("name", "email", "address", "city", "postal_code")


def _rep_or_404(rep_id: str) -> tuple[Rep, LetterTemplate]:
    rep = current_index().reps.get(rep_id[:64])
    if rep is None:
        abort(404, "We do not know this representative. Look them up again from your postal code.")
    if rep.vacant:
        abort(404, "This seat is vacant: there is nobody to write to yet.")
    template = current_app.extensions["petition.letters"].get(rep.body)
    if template is None:
        abort(404, "There is no letter for this representative yet.")
    return rep, template


def _queue() -> list[str]:
    """The representatives still to write to in a "write to all" flow."""
    ids = [i for i in request.args.get("queue", "").split(",") if i][:QUEUE_MAX]
    return [i for i in ids if i in current_index().reps]


def _writer(form: LetterForm) -> Writer:
    return Writer(**{f: (getattr(form, f).data or "").strip() for f in WRITER_FIELDS})


def _compose(form: LetterForm, rep: Rep, template: LetterTemplate) -> Letter:
    content = current_content()
    chosen = [d for d in content.demands if d.id in (form.demands.data or [])]
    return compose_letter(template, rep, _writer(form), chosen, form.personal.data or "")


def _new_form(content: CampaignContent, **data: Any) -> LetterForm:
    form = LetterForm(**data)
    form.demands.choices = [SelectChoice(str(d.id), d.title) for d in content.demands]
    return form


def render_composer(
    form: LetterForm, rep: Rep, status: int = 200, notice: str = ""
) -> tuple[str, int]:
    """Show the composer with the channels built from the form's current text."""
    subject, body = form.subject.data or "", form.body.data or ""
    queue = _queue()
    page = render_template(
        "letters/compose.html",
        content=current_content(),
        form=form,
        rep=rep,
        mailto=mailto_url(rep.email, subject, body) if rep.email else "",
        mailto_limit=MAILTO_LIMIT,
        webmail=webmail_urls(rep.email, subject, body) if rep.email else {},
        queue=queue,
        next_rep=current_index().reps.get(queue[0]) if queue else None,
        notice=notice,
    )
    return page, status


@bp.get("/letters/<rep_id>")
def compose(rep_id: str) -> tuple[str, int]:
    """Open the composer with a letter filled in from what the writer gave before."""
    rep, template = _rep_or_404(rep_id)
    content = current_content()
    known = browser_session.get("writer") or browser_session.get("signer") or {}
    prefill = {f: known.get(f, "") for f in WRITER_FIELDS if isinstance(known.get(f, ""), str)}
    form = _new_form(content, data={**prefill, "demands": [d.id for d in content.demands]})
    letter = _compose(form, rep, template)
    form.subject.data, form.body.data = letter.subject, letter.body
    return render_composer(form, rep)


@bp.post("/letters/<rep_id>")
def compose_submit(rep_id: str) -> tuple[str, int]:
    """Rebuild the letter from the ticked demands (the no-JavaScript path)."""
    rep, template = _rep_or_404(rep_id)
    form = _new_form(current_content())
    if not form.validate():
        return render_composer(form, rep, 400)
    browser_session["writer"] = {f: getattr(form, f).data or "" for f in WRITER_FIELDS}
    letter = _compose(form, rep, template)
    form.subject.data, form.body.data = letter.subject, letter.body
    return render_composer(form, rep)


@bp.post("/letters/<rep_id>/send")
def send(rep_id: str) -> Response | tuple[str, int]:
    """Count the letter for the chosen channel, then hand the text to that channel."""
    rep, _template = _rep_or_404(rep_id)
    form = _new_form(current_content())
    channel = request.form.get("channel", "")
    if not form.validate() or not (form.body.data or "").strip():
        if not (form.body.data or "").strip():
            form.body.errors = [*form.body.errors, "The letter is empty."]
        return render_composer(form, rep, 400)
    target = _channel_target(channel, rep, form)
    if isinstance(target, tuple):
        return target
    browser_session["writer"] = {f: getattr(form, f).data or "" for f in WRITER_FIELDS}
    _record(rep, channel)
    if target:
        return redirect(target, code=303)
    template = "letters/print.html" if channel == "print" else "letters/paste.html"
    page = render_template(
        template,
        content=current_content(),
        rep=rep,
        form=form,
        subject=form.subject.data,
        body=form.body.data,
        channel=channel,
        writer_lines=address_block(_writer(form)),
        today=utcnow().strftime("%-d %B %Y"),
    )
    return page, 200


@bp.get("/letters/<rep_id>/print")
def print_letter(rep_id: str) -> tuple[str, int]:
    """Show the pre-filled letter ready to print (the letter API's print_url)."""
    try:
        letter, rep = build_api_letter({**request.args, "representative": rep_id})
    except LookupInputError as exc:
        abort(400, str(exc))
    writer = Writer(**{f: clean_text(request.args.get(f, "")) for f in WRITER_FIELDS})
    page = render_template(
        "letters/print.html",
        content=current_content(),
        rep=rep,
        subject=letter.subject,
        body=letter.body,
        writer_lines=address_block(writer),
        today=utcnow().strftime("%-d %B %Y"),
    )
    return page, 200


def _channel_target(channel: str, rep: Rep, form: LetterForm) -> str | tuple[str, int]:
    """Return where the channel goes (a URL, or "" for a page of ours), or an error page."""
    subject, body = form.subject.data or "", form.body.data or ""
    if channel in ("email", "gmail", "outlook") and not rep.email:
        return render_composer(form, rep, 400, "This representative has no public email address: "
                               "use the official contact form or print the letter.")  # fmt: skip
    if channel == "email":
        url = mailto_url(rep.email, subject, body)
        if len(url) > MAILTO_LIMIT:
            return render_composer(form, rep, 200, "This letter is too long for a mailto link in "
                                   "many mail programs: copy it, or use Gmail or Outlook on the "
                                   "web.")  # fmt: skip
        return url
    if channel in ("gmail", "outlook"):
        return webmail_urls(rep.email, subject, body)[channel]
    if channel == "contact_form" and not (rep.contact_url or rep.website):
        return render_composer(form, rep, 400, "This representative has no contact form.")
    if channel in ("contact_form", "copy", "print"):
        return ""
    return render_composer(form, rep, 400, "Choose how to send your letter.")


def _record(rep: Rep, channel: str) -> None:
    if not hit("LETTER_RATE_LIMIT", "letter"):
        return  # the letter still goes out; only the count is protected
    session = get_session()
    record_letter_event(session, sync_campaign(session, current_content()), rep, channel)
    session.commit()


@bp.post("/letters/<rep_id>/sent")
def track(rep_id: str) -> tuple[str, int]:
    """Count a channel used in the browser (the copy button); answers 204."""
    rep = current_index().reps.get(rep_id[:64])
    form = LetterForm(meta={"csrf": True})
    form.validate()
    channel = request.form.get("channel", "")
    if rep is None or rep.vacant or "csrf_token" in form.errors or channel != "copy":
        abort(400, "This cannot be counted.")
    _record(rep, channel)
    return "", 204


# Longest value the letter API takes for any parameter.
API_PARAM_MAX = 1000


def build_api_letter(args: Mapping[str, str]) -> tuple[Letter, Rep]:
    """Compose the letter the API describes; every parameter is checked.

    :raises LookupInputError: unknown representative, bad demands or oversized values.
    """
    rep = current_index().reps.get(args.get("representative", "")[:64])
    if rep is None or rep.vacant:
        raise LookupInputError("Give a known representative id (see /api/v1/representatives).",
                               "representative")  # fmt: skip
    template = current_app.extensions["petition.letters"].get(rep.body)
    if template is None:
        raise LookupInputError("There is no letter for this representative.", "representative")
    for key, value in args.items():
        if len(value) > API_PARAM_MAX:
            raise LookupInputError(f"'{key}' is too long (at most {API_PARAM_MAX}).", key)
    content = current_content()
    wanted = args.get("demands")
    ids = {d.id for d in content.demands}
    try:
        chosen = ids if wanted is None else {int(x) for x in wanted.split(",") if x.strip()}
    except ValueError:
        chosen = {-1}
    if not chosen <= ids:
        raise LookupInputError(f"'demands' takes demand numbers among {sorted(ids)}, "
                               "separated by commas.", "demands")  # fmt: skip
    writer = Writer(**{f: clean_text(args.get(f, "")) for f in WRITER_FIELDS if f != "address"},
                    address=args.get("address", ""))  # fmt: skip
    demands = [d for d in content.demands if d.id in chosen]
    return compose_letter(template, rep, writer, demands, args.get("personal", "")), rep


def print_params(args: Mapping[str, str]) -> dict[str, str]:
    """The letter API's parameters that the print page needs again."""
    keys = (*WRITER_FIELDS, "demands", "personal")
    return {k: args[k] for k in keys if args.get(k)}


@bp.get("/letters")
def write_to_all() -> Response:
    """Start the "write to all my representatives" flow at the first one."""
    ids = _queue()
    if not ids:
        return redirect(url_for("letters.lookup"))
    return redirect(url_for("letters.compose", rep_id=ids[0], queue=",".join(ids[1:]) or None))
