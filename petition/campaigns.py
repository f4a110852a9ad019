"""Campaign rows in the database, kept in step with the campaign files."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from petition.content import CampaignContent
from petition.models import Campaign


def sync_campaign(session: Session, content: CampaignContent) -> Campaign:
    """Create or update the campaign row that signatures belong to."""
    campaign = get_campaign(session, content.slug)
    if campaign is None:
        campaign = Campaign(slug=content.slug, title=content.title, goal=content.goal)
        try:
            # Two first signers may race to create the row; the loser reads the winner's.
            with session.begin_nested():
                session.add(campaign)
        except IntegrityError:
            found = get_campaign(session, content.slug)
            assert found is not None
            campaign = found
    if (campaign.title, campaign.goal) != (content.title, content.goal):
        campaign.title = content.title
        campaign.goal = content.goal
        session.flush()
    return campaign


def get_campaign(session: Session, slug: str) -> Campaign | None:
    """Return the campaign with this slug, if it has been loaded."""
    return session.scalars(select(Campaign).where(Campaign.slug == slug)).first()
