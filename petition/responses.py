"""Representatives' answers to the campaign: recorded by organizers, published per body."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from petition.models import ANSWERED_POSITIONS, Position, RepresentativeResponse
from petition.organizer.audit import record_audit
from petition.refindex import Rep
from petition.text import is_web_url

# Words for each position, on the public page, the lookup and the dashboard.
POSITION_LABELS = {
    Position.SUPPORTS: _l("Supports the demands"),
    Position.PARTLY: _l("Supports some of the demands"),
    Position.OPPOSES: _l("Opposes the demands"),
    Position.NO_REPLY: _l("Asked, no reply yet"),
}


class ResponseError(ValueError):
    """The response cannot be recorded as given; the message says why."""


def check_source_url(url: str) -> str:
    """Return the link when it is an http(s) address, "" when empty.

    :raises ResponseError: any other scheme (javascript:, data:…) or no host.
    """
    if not url:
        return ""
    if not is_web_url(url):
        raise ResponseError("The source link must be an http(s) address.")
    return url


def list_responses(session: Session, campaign_id: int) -> dict[str, RepresentativeResponse]:
    """Return the recorded responses of a campaign by representative id."""
    query = select(RepresentativeResponse).where(RepresentativeResponse.campaign_id == campaign_id)
    return {r.representative_id: r for r in session.scalars(query)}


def record_response(
    session: Session,
    campaign_id: int,
    rep_id: str,
    *,
    position: Position,
    responded_on: date | None,
    quote: str,
    source_url: str,
    organizer_email: str,
) -> RepresentativeResponse:
    """Record (or change) a representative's response, and write the change to the audit log.

    :raises ResponseError: see check_source_url.
    """
    source_url = check_source_url(source_url)
    query = select(RepresentativeResponse).where(
        RepresentativeResponse.campaign_id == campaign_id,
        RepresentativeResponse.representative_id == rep_id,
    )
    response = session.scalars(query).first()
    before = response.position.value if response else "none"
    if response is None:
        response = RepresentativeResponse(campaign_id=campaign_id, representative_id=rep_id)
        session.add(response)
    response.position = position
    response.responded_on = responded_on
    response.quote = quote
    response.source_url = source_url
    response.updated_by = organizer_email
    session.flush()
    detail = f"{rep_id}: {before} → {position.value}"
    if responded_on:
        detail += f" ({responded_on.isoformat()})"
    record_audit(session, organizer_email, "response.record", detail, 1)
    return response


@dataclass
class ResponseGroup:
    """The asked representatives of one body and country, with what they answered."""

    body: str
    country: str
    entries: list[tuple[Rep, RepresentativeResponse]] = field(default_factory=list)

    @property
    def answered(self) -> int:
        """How many of them answered (supports, partly or opposes)."""
        return sum(1 for _rep, r in self.entries if r.position in ANSWERED_POSITIONS)


def group_responses(
    responses: dict[str, RepresentativeResponse], reps: dict[str, Rep], bodies: tuple[str, ...]
) -> list[ResponseGroup]:
    """Group the responses of known seats by body (in the given order) and country."""
    groups: dict[tuple[str, str], ResponseGroup] = {}
    for rep_id, response in responses.items():
        rep = reps.get(rep_id)
        if rep is None or rep.body not in bodies:
            continue  # a seat no longer in the reference data
        group = groups.setdefault((rep.body, rep.country), ResponseGroup(rep.body, rep.country))
        group.entries.append((rep, response))
    for group in groups.values():
        group.entries.sort(key=lambda entry: (entry[0].name, entry[0].id))
    return [groups[key] for key in sorted(groups, key=lambda k: (bodies.index(k[0]), k[1]))]


def positions_cache_key(campaign_id: int) -> str:
    """The cache key of a campaign's positions (list_positions), kept by the lookup page."""
    return f"positions:{campaign_id}"


def list_positions(session: Session, campaign_id: int) -> dict[str, str]:
    """Return every recorded position in the campaign: representative id -> Position value."""
    query = select(RepresentativeResponse.representative_id, RepresentativeResponse.position).where(
        RepresentativeResponse.campaign_id == campaign_id
    )
    return {rep_id: Position(p).value for rep_id, p in session.execute(query)}


def label_positions(positions: Mapping[str, str], rep_ids: Iterable[str]) -> dict[str, str]:
    """The positions (list_positions') of these representatives, in words."""
    return {rep_id: str(POSITION_LABELS[Position(positions[rep_id])])
            for rep_id in rep_ids if rep_id in positions}  # fmt: skip
