"""Campaign rows in the database, kept in step with the campaign files."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from petition.content import CampaignContent
from petition.models import Campaign

# What a campaign row is kept equal to: slug, title and goal.
CampaignKey = tuple[str, str, int]


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


def campaign_key(content: CampaignContent) -> CampaignKey:
    """What campaign_id remembers a row's id under: the row is up to date for it."""
    return (content.slug, content.title, content.goal)


def campaign_id(session: Session, content: CampaignContent, known: dict[CampaignKey, int]) -> int:
    """Return the id of the content's campaign row, creating or updating the row as needed.

    `known` (one per process) remembers the ids of rows found up to date, so that later
    calls for the same content need no query; a row this call writes is remembered by
    the next call, once it has been committed. Campaign rows are never deleted while
    the app runs.
    """
    key = campaign_key(content)
    found = known.get(key)
    if found is not None:
        return found
    campaign = get_campaign(session, content.slug)
    if campaign is not None and (campaign.title, campaign.goal) == (content.title, content.goal):
        known[key] = campaign.id
        return campaign.id
    return sync_campaign(session, content).id
