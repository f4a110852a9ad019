"""Compose a letter to a representative and build every link that sends it.

Everything the writer types is plain text: it is inserted as a value (never used as a
template), percent-encoded in mailto and webmail links, and escaped by the templates.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from sqlalchemy.orm import Session

from petition.content import Demand, LetterTemplate
from petition.models import Campaign, LetterEvent
from petition.refindex import Rep

# Mail clients and browsers start to truncate or refuse mailto links around this length.
MAILTO_LIMIT = 2000
CHANNELS = ("email", "gmail", "outlook", "copy", "contact_form", "print")
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
        return self.city or self.postal_code or "your constituency"


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
        "place": writer.place,
        "writer_name": writer.name,
    }
    fill = _filler(values)
    parts = [fill(template.salutation), fill(template.opening)]
    if personal.strip():
        parts.append(personal.strip())
    chosen = [d for d in demands if d.id in template.demands]
    if chosen:
        parts.append(fill(template.demands_intro))
        parts += [f"{d.title}\n{fill(template.demands[d.id])}" for d in chosen]
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
