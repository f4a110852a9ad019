"""A hand-built set of seats and signatures for the organizer's counts by representative."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from petition.campaigns import get_campaign
from petition.counts import tally
from petition.models import LetterEvent, Representative, Signature, SignatureState

DAY = date(2026, 11, 20)
WHEN = datetime(2026, 11, 20, 12, 0)

# id, country, body, region, district id, district name, name
SEATS = [
    ("bioguide:T000012", "US", "us-house", "NY", "NY-12", "NY 12th", "Tess Twelve"),
    ("bioguide:T000010", "US", "us-house", "NY", "NY-10", "NY 10th", "Ted Ten"),
    ("bioguide:S000001", "US", "us-senate", "NY", "", "", "Sam Senator"),
    ("bioguide:A000001", "US", "us-house", "AK", "AK-00", "Alaska at-large", "Alex Atlarge"),
    ("bioguide:S000002", "US", "us-senate", "AK", "", "", "Sue Senator"),
    ("ourcommons:1", "CA", "ca-commons", "ON", "35075", "Ottawa Centre", "Olivia <b>Ottawa</b>"),
    ("ourcommons:2", "CA", "ca-commons", "ON", "35001", "Ajax", "Aaron Ajax"),
    ("ep:1", "IE", "eu-parliament", "IE", "IE-dublin", "Dublin", "Deirdre Dublin"),
    ("ep:2", "FR", "eu-parliament", "FR", "", "", "François France"),
    ("vacant:us-house:NY-14", "US", "us-house", "NY", "NY-14", "NY 14th", ""),
]  # fmt: skip

# (country, region, district id, postal code, confirmed signatures)
PLACED = [
    ("US", "NY", "NY-12", "10001", 7),
    ("US", "NY", "NY-12", "10016", 2),
    ("US", "NY", "NY-10", "10013", 3),
    ("US", "NY", "", "10004", 4),  # ZIP split between NY-10 and NY-12: never guessed
    ("US", "AK", "AK-00", "99501", 6),
    ("US", "AK", "", "99999", 1),  # not placed, still in Alaska
    ("CA", "ON", "35075", "K1P 1J1", 12),
    ("CA", "ON", "", "K2P 0A1", 5),  # FSA split between ridings
    ("IE", "IE", "IE-dublin", "D02 X285", 5),
    ("IE", "IE", "", "", 2),
    ("FR", "FR", "", "75001", 9),
]


def add_seats(session: Session) -> None:
    """Insert the seats (before the first request builds the lookup index)."""
    for rep_id, country, body, region, district, district_name, name in SEATS:
        session.add(
            Representative(
                id=rep_id, country=country, body=body, region=region, district_id=district,
                district_name=district_name, name=name, address_as="Member", vacant=not name,
                source="test", source_date=DAY,
            )
        )  # fmt: skip
    session.flush()


def add_signatures(session: Session, rows: list[tuple[str, str, str, str, int]] = PLACED) -> None:
    """Insert confirmed signatures at these places and keep the tallies, like signing does."""
    campaign = get_campaign(session, "artsakh")
    assert campaign is not None
    n = 0
    for country, region, district, postal_code, count in rows:
        for _ in range(count):
            n += 1
            signature = Signature(
                campaign_id=campaign.id, name=f"Hidden Person {n}", email=f"s{n}@example.org",
                email_canonical=f"s{n}@example.org", country=country, postal_code=postal_code,
                region=region, district_id=district, state=SignatureState.CONFIRMED,
                token_expires_at=WHEN, delete_nonce=f"n{n}", created_at=WHEN, confirmed_at=WHEN,
            )  # fmt: skip
            session.add(signature)
            session.flush()
            tally(session, signature, SignatureState.CONFIRMED, 1)
    # A pending signature in NY-12 counts nowhere.
    pending = Signature(
        campaign_id=campaign.id, name="Pending", email="p@example.org",
        email_canonical="p@example.org", country="US", postal_code="10001", region="NY",
        district_id="NY-12", state=SignatureState.PENDING, token_expires_at=WHEN,
        delete_nonce="p", created_at=WHEN,
    )  # fmt: skip
    session.add(pending)
    session.flush()
    tally(session, pending, SignatureState.PENDING, 1)


def add_letters(session: Session, rep_id: str, channels: dict[str, int]) -> None:
    """Record letters to one seat by channel."""
    campaign = get_campaign(session, "artsakh")
    assert campaign is not None
    for channel, count in channels.items():
        for _ in range(count):
            session.add(LetterEvent(campaign_id=campaign.id, representative_id=rep_id, body="x",
                                    channel=channel, country="US"))  # fmt: skip
    session.flush()
