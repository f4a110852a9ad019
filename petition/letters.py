"""Compose a letter to a representative and build every link that sends it.

Everything the writer types is plain text: it is inserted as a value (never used as a
template), percent-encoded in mailto and webmail links, and escaped by the templates.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from flask_babel import lazy_gettext as _l
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from petition.cache import Cache
from petition.content import Demand, LetterTemplate, LetterTemplates
from petition.models import Campaign, LetterEvent
from petition.refindex import Rep
from petition.text import clean_text

# Mail clients and browsers start to truncate or refuse mailto links around this length.
MAILTO_LIMIT = 2000
CHANNELS = ("email", "gmail", "outlook", "copy", "contact_form", "print")
# Channels that leave the site through a link (a mail program, webmail, a contact form).
LINK_CHANNELS = ("email", "gmail", "outlook", "contact_form")
# What one letter event of each channel means: the wording of every count.
CHANNEL_MEANINGS = {
    "email": _l("opened in an email program"),
    "gmail": _l("opened in Gmail"),
    "outlook": _l("opened in Outlook.com"),
    "copy": _l("copied to the clipboard"),
    "contact_form": _l("taken to the official contact form or website"),
    "print": _l("opened for printing"),
}
WRITER_FIELDS = ("name", "email", "address", "city", "postal_code")
# Longest value the letter API takes for any parameter.
API_PARAM_MAX = 1000
OPEN_TOKEN_SALT = "petition.letter-opened"
NAME_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "v"})
PERSONAL_MAX = 1000


@dataclass(frozen=True)
class Writer:
    name: str
    email: str = ""
    address: str = ""
    city: str = ""
    postal_code: str = ""

    @property
    def place(self) -> str:
        """Where the writer lives, as the opening names it (city, else postal code)."""
        return self.city or self.postal_code


@dataclass(frozen=True)
class Letter:
    to: str
    subject: str
    body: str


def last_name(full_name: str) -> str:
    """Return the family name of a representative's full name, skipping Jr., III and the like."""
    words = [w.strip(",") for w in full_name.split()]
    while len(words) > 1 and words[-1].lower() in NAME_SUFFIXES:
        words.pop()
    return words[-1] if words else full_name


def single_line(text: str) -> str:
    """Collapse line breaks and runs of spaces: subjects and headers are one line."""
    return " ".join(text.split())


def compose_letter(
    template: LetterTemplate,
    rep: Rep,
    writer: Writer,
    demands: Sequence[Demand],
    personal: str = "",
) -> Letter:
    """Fill the body's template for this representative, writer and choice of demands."""
    values = {
        "name": rep.name,
        "last_name": last_name(rep.name),
        "address_as": rep.address_as,
        "district_name": rep.district_name or rep.region,
        "place": writer.place or template.unknown_place,
        "writer_name": writer.name,
    }
    fill = _filler(values)
    parts = [fill(template.salutation), fill(template.opening)]
    if personal.strip():
        parts.append(personal.strip())
    chosen = [d for d in demands if d.id in template.demands]
    if chosen:
        # One short paragraph per demand, in the body's own words (no headings: the
        # default letter must fit a mailto link).
        parts += [fill(template.demands_intro)] if template.demands_intro.strip() else []
        parts += [fill(template.demands[d.id]) for d in chosen]
    parts += [fill(template.closing), "\n".join([fill(template.signoff), *address_block(writer)])]
    return Letter(to=rep.email, subject=single_line(fill(template.subject)),
                  body="\n\n".join(parts) + "\n")  # fmt: skip


def _filler(values: Mapping[str, str]) -> Callable[[str], str]:
    def fill(text: str) -> str:
        # str.format_map on the organizer's template; the writer's text is only ever a value.
        return text.format_map(values)

    return fill


def address_block(writer: Writer) -> list[str]:
    """Return the writer's signature lines: name, address, city and postal code, email."""
    lines = [writer.name, *writer.address.splitlines()]
    place = " ".join(p for p in (writer.city, writer.postal_code) if p)
    lines += [place, writer.email]
    return [line.strip() for line in lines if line.strip()]


def mailto_url(to: str, subject: str, body: str) -> str:
    """Return an RFC 6068 mailto URL; every character outside unreserved is percent-encoded."""
    body = re.sub(r"\r\n|\r|\n", "\r\n", body)  # RFC 6068: line breaks are CRLF
    query = f"subject={quote(single_line(subject), safe='')}&body={quote(body, safe='')}"
    return f"mailto:{quote(to, safe='@')}?{query}"


def webmail_urls(to: str, subject: str, body: str) -> dict[str, str]:
    """Return Gmail and Outlook web compose links with the letter filled in."""
    subject = single_line(subject)
    gmail = urlencode({"view": "cm", "fs": "1", "to": to, "su": subject, "body": body})
    outlook = urlencode({"to": to, "subject": subject, "body": body})
    return {
        "gmail": f"https://mail.google.com/mail/?{gmail}",
        "outlook": f"https://outlook.live.com/mail/0/deeplink/compose?{outlook}",
    }


# Member states' languages that MEPs read, most widely spoken first (where we have letters).
MEMBER_STATE_LANGUAGES = {
    "AT": ("de",), "BE": ("nl", "fr", "de"), "CY": ("el",), "DE": ("de",), "ES": ("es",),
    "FR": ("fr",), "GR": ("el",), "IE": ("en",), "IT": ("it",), "LU": ("fr", "de"),
    "MT": ("en",), "NL": ("nl",), "PL": ("pl",),
}  # fmt: skip
# Belgium elects its MEPs by language community.
BELGIAN_COLLEGES = {"BE-NL": "nl", "BE-FR": "fr", "BE-DE": "de"}


def letter_languages(templates: LetterTemplates, rep: Rep) -> list[str]:
    """The languages a letter to this representative can be written in, English first."""
    return sorted(templates.get(rep.body, {}), key=lambda lang: (lang != "en", lang))


def default_letter_language(rep: Rep, available: Sequence[str], preferred: Sequence[str]) -> str:
    """The letter's language unless the writer picks another.

    Canadian MPs: French in a Québec riding or for a French-speaking writer. MEPs: the
    language of their member state (of their college in Belgium) when we have a letter in
    it, else the writer's language. Otherwise the writer's language, else English.
    ``preferred`` lists the writer's languages, most preferred first.
    """
    wanted: list[str] = []
    if rep.body == "ca-commons" and rep.region == "QC":
        wanted.append("fr")
    if rep.body == "eu-parliament":
        college = BELGIAN_COLLEGES.get(rep.district_id)
        own = [college] if college else list(MEMBER_STATE_LANGUAGES.get(rep.country, ()))
        wanted += [lang for lang in preferred if lang in own] + own
    wanted += list(preferred)
    return next((lang for lang in wanted if lang in available), "en")


class LetterInputError(ValueError):
    """A letter request names an unknown representative or carries bad values; the
    message is lazy, written in the language of wherever it is shown."""

    def __init__(self, message: Any, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def contact_page(rep: Rep) -> str:
    """The official contact form; the website only for those who publish no email (a
    profile page is no way to write to someone who has an address)."""
    return rep.contact_url or ("" if rep.email else rep.website)


def available_channels(rep: Rep) -> list[str]:
    """The channels this representative can be written through, the recommended one first.

    Print is offered only with a postal address to print on the letter.
    """
    channels = ["email", "gmail", "outlook"] if rep.email else []
    if contact_page(rep):
        channels.append("contact_form")
    channels.append("copy")
    if rep.address:
        channels.append("print")
    return channels


def send_links(rep: Rep, subject: str, body: str) -> dict[str, str]:
    """Return the link of every link channel this letter can take.

    The mail program's link is left out when it is longer than mail programs accept.
    """
    links: dict[str, str] = {}
    if rep.email:
        mailto = mailto_url(rep.email, subject, body)
        if len(mailto) <= MAILTO_LIMIT:
            links["email"] = mailto
        links.update(webmail_urls(rep.email, subject, body))
    if contact_page(rep):
        links["contact_form"] = contact_page(rep)
    return links


def make_open_token(secret_key: str, rep_id: str, channel: str, browser: str) -> str:
    """Sign what a browser may report having opened: a representative and a channel."""
    serializer = URLSafeTimedSerializer(secret_key, salt=OPEN_TOKEN_SALT)
    return serializer.dumps([rep_id, channel, browser])


def read_open_token(secret_key: str, token: str, max_age: int) -> tuple[str, str, str]:
    """Return (representative id, channel, browser) of a token we signed.

    :raises LetterInputError: forged, expired or malformed token.
    """
    serializer = URLSafeTimedSerializer(secret_key, salt=OPEN_TOKEN_SALT)
    try:
        value = serializer.loads(token[:500], max_age=max_age)
    except BadData:
        value = None
    if not (isinstance(value, list) and len(value) == 3 and all(isinstance(v, str) for v in value)):
        raise LetterInputError(_l("This link cannot be counted."), "token")
    if value[1] not in CHANNELS:
        raise LetterInputError(_l("This link cannot be counted."), "token")
    return value[0], value[1], value[2]


def build_api_letter(
    args: Mapping[str, str],
    reps: Mapping[str, Rep],
    templates: LetterTemplates,
    demands: Sequence[Demand],
    preferred: Sequence[str] = (),
) -> tuple[Letter, Rep, LetterTemplate]:
    """Compose the letter a query describes; every parameter is checked.

    Without a ``lang`` parameter the letter is in the representative's default language
    (see default_letter_language), given the writer's ``preferred`` languages.

    :raises LetterInputError: unknown representative or language, bad demands or oversized
        values.
    """
    rep = reps.get(args.get("representative", "")[:64])
    if rep is None or rep.vacant:
        raise LetterInputError(_l("Give a known representative id (see /api/v1/representatives)."),
                               "representative")  # fmt: skip
    available = letter_languages(templates, rep)
    if not available:
        raise LetterInputError(_l("There is no letter for this representative."), "representative")
    lang = args.get("lang") or default_letter_language(rep, available, preferred)
    if lang not in available:
        raise LetterInputError(_l("'lang' must be one of %(languages)s for this representative.",
                                  languages=", ".join(available)), "lang")  # fmt: skip
    template = templates[rep.body][lang]
    for key, value in args.items():
        if len(value) > API_PARAM_MAX:
            raise LetterInputError(_l("'%(key)s' is too long (at most %(max)s).", key=key,
                                      max=API_PARAM_MAX), key)  # fmt: skip
    ids = {d.id for d in demands}
    wanted = args.get("demands")
    try:
        chosen = ids if wanted is None else {int(x) for x in wanted.split(",") if x.strip()}
    except ValueError:
        chosen = {-1}
    if not chosen <= ids:
        raise LetterInputError(_l("'demands' takes demand numbers among %(numbers)s, separated by "
                                  "commas.", numbers=sorted(ids)), "demands")  # fmt: skip
    writer = Writer(**{f: clean_text(args.get(f, "")) for f in WRITER_FIELDS if f != "address"},
                    address=args.get("address", ""))  # fmt: skip
    kept = [d for d in demands if d.id in chosen]
    return compose_letter(template, rep, writer, kept, args.get("personal", "")), rep, template


def print_params(args: Mapping[str, str]) -> dict[str, str]:
    """The letter API's parameters that the print page needs again."""
    keys = (*WRITER_FIELDS, "demands", "personal", "lang")
    return {k: args[k] for k in keys if args.get(k)}


def record_letter_event_once(
    session: Session,
    cache: Cache,
    campaign: Campaign,
    rep: Rep,
    channel: str,
    browser: str,
    window_seconds: float,
) -> bool:
    """Count a letter unless this browser counted the same one in the last window.

    Returns whether it was counted.
    """
    key = f"letter-opened:{campaign.id}:{rep.id}:{channel}:{browser}"
    if not cache.add(key, 1, window_seconds):
        return False
    record_letter_event(session, campaign, rep, channel)
    return True


def record_letter_event(session: Session, campaign: Campaign, rep: Rep, channel: str) -> None:
    """Count that a letter went out by a channel: no text and nothing about the writer."""
    if channel not in CHANNELS:
        raise ValueError(f"Unknown channel {channel!r}")
    session.add(
        LetterEvent(
            campaign_id=campaign.id,
            representative_id=rep.id,
            body=rep.body,
            channel=channel,
            country=rep.country,
            region=rep.region,
            district_id=rep.district_id,
        )
    )
    session.flush()
