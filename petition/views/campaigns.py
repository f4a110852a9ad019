"""Campaign pages: read, sign, thank-you, confirm and delete."""

from __future__ import annotations

import functools
import logging
import re
import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import session as browser_session
from flask_babel import gettext as _
from markupsafe import escape
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from petition.content import CampaignContent
from petition.db import get_session, in_transaction, run_direct
from petition.forms import ConfirmForm, SignForm
from petition.httpcache import private, public, shared_page, shared_response
from petition.limits import hit, limit
from petition.mail import queue_message, render_email
from petition.models import Signature
from petition.organizer.accounts import record_integrity_event
from petition.origin import is_cross_origin
from petition.privacy import list_signature_messages, retention_end, withdraw_name_consent
from petition.representatives import COVERED_COUNTRIES, settled_district
from petition.signatures import (
    SignatureNotFoundError,
    TokenExpiredError,
    add_signature,
    add_signature_at_once,
    confirm_signature,
    delete_signature,
    delete_token_for,
    draft_signature,
    find_signature_by_confirm_token,
    find_signature_by_delete_token,
    hash_ip,
    is_confirmation_expired,
    is_unconfirmed,
    make_delete_token,
)
from petition.views.context import (
    current_campaign_id,
    current_content,
    forget_public_counts,
    public_counts,
)
from petition.views.refs import current_index, index_memo

bp = Blueprint("campaigns", __name__)
logger = logging.getLogger("petition.campaigns")

# Longer tokens than any we issue are refused before touching the database.
TOKEN_MAX = 200


def _render_home(
    form: SignForm,
    error: str | None = None,
    counts: dict[str, Any] | None = None,
    *,
    with_counts: bool = True,
    cross_origin: bool = False,
) -> str:
    content = current_content()
    return render_template(
        "campaigns/home.html",
        content=content,
        counts=(counts or public_counts(content)) if with_counts else None,
        form=form,
        error=error,
        cross_origin=cross_origin,
    )


@bp.get("/")
@public
def home() -> Response:
    """Show the situation, the demands, the counter and the sign form.

    The page is the same for everyone (the sign form carries no token: see
    petition/origin.py), so it comes from memory, rendered again when the counter
    moves, and proxies may hold it for the count interval.
    """
    content = current_content()
    counts = public_counts(content)
    version = (content.slug, content.language, counts["total"], counts["goal"],
               counts["letters_sent"])  # fmt: skip
    return shared_response(f"home:{content.slug}", version,
                           lambda: _render_home(SignForm(), counts=counts))  # fmt: skip


@bp.post("/")
def sign() -> Response | tuple[str, int]:
    """Take a signature; repeat and over-limit signers see the same page as anyone."""
    form = SignForm()
    if is_cross_origin(request, current_app.config["BASE_URL"]):
        # Posted from another site's page: nothing is stored, and what was typed is
        # shown again on our own page, where sending it once more works.
        logger.info("Sign form posted from another origin; refused")
        return _render_home(form, cross_origin=True), 403
    if not form.validate():
        return _render_home(form), 400
    if form.website.data:
        logger.info("Honeypot filled; signature dropped")
        return _remember_signer(form)
    try:
        _record_signature(form)
    except SQLAlchemyError:
        logger.exception("Could not record a signature")
        get_session().rollback()
        error = _(
            "We could not save your signature just now. Your details are still here: "
            "please try again in a minute."
        )
        # Without the counter, which needs the database that just failed.
        return _render_home(form, error, with_counts=False), 503
    return _remember_signer(form)


def _record_signature(form: SignForm) -> None:
    """Store the signature and its email in one transaction; the mail worker sends it.

    The row, its tokens and the email of a new signature are made before the first
    statement, with a stand-in for the delete link, whose token needs the row's id; the
    statements then go back to back and commit (the write lock on SQLite is held that
    long). A new signer's go straight to the driver (add_signature_at_once); a repeat
    or held signature, or a request whose transaction has begun, takes the session.
    """
    config = current_app.config
    content = current_content()
    # Over the limit, the signature is kept but held for review: never refused.
    suspect = not hit("SIGN_RATE_LIMIT", "sign")
    draft = draft_signature(
        current_campaign_id(),
        name=form.name.data,
        email=form.email.data,
        country=form.country.data,
        postal_code=form.postal_code.data or "",
        updates=bool(form.updates.data),
        ip_hash=hash_ip(config["IP_HASH_KEY"], request.remote_addr),
        district_id=_settled_district(form.country.data, form.postal_code.data or ""),
        token_ttl=timedelta(days=config["TOKEN_TTL_DAYS"]),
        suspect=suspect,
        # Only where the campaign offers the box: a forged field elsewhere counts for nothing.
        name_consent=content.pack_names and bool(form.name_consent.data),
    )
    values = draft.values
    template, subject, body = _sign_email(
        content, values["name"], draft.confirm_token, DELETE_TOKEN_MARK, created=True
    )

    def email(signature_id: int) -> dict[str, str]:
        token = delete_token_for(config["SECRET_KEY"], signature_id, values["delete_nonce"])
        if DELETE_TOKEN_MARK not in body:  # a template that does not show the link as given
            return _email_message(values["email"], *_sign_email(
                content, values["name"], draft.confirm_token, token, created=True))  # fmt: skip
        return _email_message(values["email"], template, subject.replace(DELETE_TOKEN_MARK, token),
                              body.replace(DELETE_TOKEN_MARK, token))  # fmt: skip

    # The request's own transaction may have written the campaign row, unseen elsewhere.
    if not suspect and not in_transaction():
        # Safe to repeat after a lost connection: a repeated INSERT finds the first one
        # stored, returns no row, and the repeat is handled below (no second email).
        stored = run_direct(current_app, lambda c: add_signature_at_once(c, values, email))
        if stored is not None:
            return
    session = get_session()
    notice = timedelta(minutes=config["DUPLICATE_NOTICE_MINUTES"])
    result = add_signature(session, draft, notice_interval=notice)
    if result.notify:
        signature = result.signature
        if result.created:
            message = email(signature.id)
        else:  # a repeat: the email that says so, with the link of the first signature
            message = _email_message(signature.email, *_sign_email(
                content, signature.name, result.confirm_token,
                make_delete_token(config["SECRET_KEY"], signature), created=False))  # fmt: skip
        queue_message(session.connection(), signature.email, message["kind"],
                      message["subject"], message["body"], signature_id=signature.id)  # fmt: skip
    if not result.created:
        record_integrity_event(session, "duplicate_signature")
    elif suspect:
        record_integrity_event(session, "rate_limited")
    session.commit()


def _email_message(to: str, template: str, subject: str, body: str) -> dict[str, str]:
    """The outbox columns of a signer's email."""
    return {"to_address": to, "subject": subject, "body": body, "kind": template}


def _settled_district(country: str, postal_code: str) -> str:
    """The one district a postal code lies in, or "": a lookup once per code and process."""
    settled = index_memo("settled_districts")
    district = settled.get((country, postal_code))
    if district is None:
        district = settled_district(current_index(), country, postal_code)
        settled.keep((country, postal_code), district)
    return str(district)


# Stands in for a new signature's delete token until its row has an id: made of the
# characters of a token, and unguessable, so no signer's name can contain it.
DELETE_TOKEN_MARK = f"DeleteTokenMark{secrets.token_hex(12)}"


def _sign_email(
    content: CampaignContent,
    name: str,
    confirm_token: str | None,
    delete_token: str,
    *,
    created: bool,
) -> tuple[str, str, str]:
    """The template, subject and body of the email a signer (or repeat signer) gets."""
    config = current_app.config
    base = config["BASE_URL"]
    link = _token_links()
    context = {
        "content": content,
        "name": name,
        "repeat": not created,
        "confirm_url": f"{base}{link['confirm'](confirm_token)}" if confirm_token else None,
        "delete_url": f"{base}{link['delete'](delete_token)}",
        "data_url": f"{base}{link['my_data'](delete_token)}",
        "ttl_days": config["TOKEN_TTL_DAYS"],
        "site_url": base + "/",
    }
    template = "confirm" if confirm_token else "already_signed"
    subject, body = render_email(template, context, PERSONAL)
    return template, subject, body


# What changes from one signer's email to the next (see mail.render_email).
PERSONAL = ("name", "confirm_url", "delete_url", "data_url")


# What our tokens are made of (secrets.token_urlsafe, itsdangerous): url_for quotes none.
URL_SAFE_TOKEN = re.compile(r"[A-Za-z0-9_.-]+")
TOKEN_LINKS = ("confirm", "delete", "my_data")


def _token_links() -> dict[str, Callable[[str], str]]:
    """The paths of the confirm, delete and my-data links, as functions of a token.

    url_for costs more than the rest of an email: the path around the token is built
    once per app and script root, and a token that needs quoting (none we issue) still
    goes through url_for.
    """
    key = f"petition.token_links:{request.script_root}"
    links: dict[str, Callable[[str], str]] | None = current_app.extensions.get(key)
    if links is None:
        links = {name: _token_link(f"campaigns.{name}") for name in TOKEN_LINKS}
        current_app.extensions[key] = links
    return links


def _token_link(endpoint: str) -> Callable[[str], str]:
    head, _mark, tail = url_for(endpoint, token="TOKEN").partition("TOKEN")

    def link(token: str) -> str:
        if URL_SAFE_TOKEN.fullmatch(token):
            return f"{head}{token}{tail}"
        return url_for(endpoint, token=token)

    return link


def _remember_signer(form: SignForm) -> Response:
    """Keep what the signer gave in this browser for the next steps, then redirect."""
    browser_session["signer"] = {
        "name": form.name.data,
        "country": form.country.data,
        "postal_code": form.postal_code.data or "",
    }
    return redirect(url_for("campaigns.thanks"), code=303)


@bp.get("/thanks")
def thanks() -> Response:
    """Tell the signer to check their inbox and what they can do next.

    The template sees the signer's name (`signer.name`) and `lookup_url` only.
    """
    signer = browser_session.get("signer")
    if not signer:
        return redirect(url_for("campaigns.home", _anchor="sign"))
    content, lookup_url = current_content(), _lookup_url(signer)
    render = functools.partial(render_template, "campaigns/thanks.html", content=content,
                               share_url=current_app.config["BASE_URL"] + "/")  # fmt: skip
    # The page is the same for every signer but for their name and lookup link: it is
    # rendered once (per language, and per detail given or not) with a stand-in for
    # each, and each signer's details, escaped as the template would, take their place.
    details = {"name": signer.get("name", ""), "lookup_url": lookup_url}
    marks = {key: f"SignerDetail{key.title()}Mark" for key, value in details.items() if value}
    shown = {"signer": {"name": marks.get("name", "")}, "lookup_url": marks.get("lookup_url")}
    page = shared_page(f"thanks:{','.join(marks)}", content.slug,
                       functools.partial(render, **shown))  # fmt: skip
    if all(mark.encode() in page for mark in marks.values()):
        values = {mark.encode(): str(escape(details[key])).encode() for key, mark in marks.items()}
        if values:
            page = re.sub(b"|".join(values), lambda found: values[found.group()], page)
    else:  # a template that no longer shows them as given: rendered as it is
        page = render(signer=signer, lookup_url=lookup_url).encode()
    return private(make_response(page))


def _lookup_url(signer: dict[str, str]) -> str | None:
    """Link to the representatives lookup, when this build has one."""
    if signer.get("country") not in COVERED_COUNTRIES:
        return None
    return url_for(
        "lookup.lookup", country=signer.get("country"), postal_code=signer.get("postal_code")
    )


@bp.get("/learn-more")
@public
def learn_more() -> Response:
    """Show the campaign's questions and answers."""
    content = current_content()
    render = functools.partial(render_template, "campaigns/learn_more.html", content=content)
    return shared_response("learn_more", content.slug, render)


@bp.get("/privacy")
@public
def privacy() -> Response:
    """Show the privacy notice, with the retention periods these settings give."""
    config, content = current_app.config, current_content()
    render = functools.partial(
        render_template,
        "campaigns/privacy.html",
        content=content,
        token_ttl_days=config["TOKEN_TTL_DAYS"],
        pending_retention_days=config["PENDING_RETENTION_DAYS"],
        ip_hash_retention_days=config["IP_HASH_RETENTION_DAYS"],
        retention_end=retention_end(content.closes, content.retention_months),
        public_min_count=config["PUBLIC_MIN_COUNT"],
    )
    return shared_response("privacy", content.slug, render)


def _signature_for(token: str, *, deleting: bool = False) -> Signature:
    """Return the signature behind a link, or answer 404."""
    if len(token) > TOKEN_MAX:
        abort(404)
    session = get_session()
    try:
        if deleting:
            return find_signature_by_delete_token(session, current_app.config["SECRET_KEY"], token)
        return find_signature_by_confirm_token(session, token)
    except SignatureNotFoundError:
        abort(
            404,
            _(
                "This link is not valid. It may have been replaced by a newer email, "
                "or the signature may have been deleted."
            ),
        )


def _render_confirm(form: ConfirmForm, signature: Signature) -> tuple[str, int]:
    content = current_content()
    expired = is_confirmation_expired(signature)
    signer = {"country": signature.country, "postal_code": signature.postal_code}
    page = render_template(
        "campaigns/confirm.html",
        content=content,
        form=form,
        state=signature.state.value,
        unconfirmed=is_unconfirmed(signature),
        expired=expired,
        counts=public_counts(content),
        share_url=current_app.config["BASE_URL"] + "/",
        lookup_url=_lookup_url(signer),
    )
    return page, 410 if expired else 200


@bp.get("/confirm/<token>")
@limit("CONFIRM_RATE_LIMIT", "confirm")
def confirm(token: str) -> tuple[str, int]:
    """Show the confirm button; a GET never confirms, so link scanners cannot."""
    return _render_confirm(ConfirmForm(), _signature_for(token))


@bp.post("/confirm/<token>")
@limit("CONFIRM_RATE_LIMIT", "confirm")
def confirm_submit(token: str) -> Response | tuple[str, int]:
    """Confirm the signature, then show the moved counter."""
    signature = _signature_for(token)
    form = ConfirmForm()
    if not form.validate_on_submit():
        page, _status = _render_confirm(form, signature)
        return page, 400
    try:
        confirm_signature(get_session(), token)
    except TokenExpiredError:
        return _render_confirm(form, signature)
    get_session().commit()
    forget_public_counts(current_content().slug)
    # Whoever holds the link is the signer: keep their details for the next steps.
    browser_session["signer"] = {
        "name": signature.name,
        "country": signature.country,
        "postal_code": signature.postal_code,
    }
    return redirect(url_for("campaigns.confirm", token=token), code=303)


@bp.get("/delete/<token>")
@limit("CONFIRM_RATE_LIMIT", "confirm")
def delete(token: str) -> str:
    """Show the delete button; a GET never deletes."""
    _signature_for(token, deleting=True)
    return render_template("campaigns/delete.html", content=current_content(), form=ConfirmForm())


@bp.get("/my-data/<token>")
def my_data(token: str) -> str:
    """Show a signer everything held about them (the link is in every email)."""
    return _render_my_data(token, _signature_for(token, deleting=True), ConfirmForm())


def _render_my_data(token: str, signature: Signature, form: ConfirmForm) -> str:
    return render_template(
        "campaigns/my_data.html",
        content=current_content(),
        signature=signature,
        messages=list_signature_messages(get_session(), signature.id),
        delete_url=url_for("campaigns.delete", token=token),
        withdraw_url=url_for("campaigns.withdraw_name", token=token),
        form=form,
    )


@bp.post("/my-data/<token>/name-consent")
@limit("CONFIRM_RATE_LIMIT", "confirm")
def withdraw_name(token: str) -> Response | tuple[str, int]:
    """Withdraw the signer's consent to be named in the letters to their representatives."""
    signature = _signature_for(token, deleting=True)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _render_my_data(token, signature, form), 400
    withdraw_name_consent(get_session(), signature)
    get_session().commit()
    flash(_("Your name will no longer be included in the letters we deliver."))
    return redirect(url_for("campaigns.my_data", token=token), code=303)


@bp.post("/delete/<token>")
@limit("CONFIRM_RATE_LIMIT", "confirm")
def delete_submit(token: str) -> str | tuple[str, int]:
    """Delete the signature and everything it added to the counts."""
    signature = _signature_for(token, deleting=True)
    form = ConfirmForm()
    content = current_content()
    if not form.validate_on_submit():
        return render_template("campaigns/delete.html", content=content, form=form), 400
    delete_signature(get_session(), signature)
    get_session().commit()
    forget_public_counts(content.slug)
    return render_template("campaigns/deleted.html", content=content)
