"""Command-line tools for personal data: `flask --app petition privacy ...`."""

from __future__ import annotations

from datetime import timedelta

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from petition.campaigns import sync_campaign
from petition.content import CampaignContent
from petition.models import utcnow
from petition.privacy import anonymize_signatures, expire_ip_hashes, retention_end

privacy_cli = AppGroup("privacy", help="Erase personal data past its retention period.")


def expire_old_ip_hashes(app: Flask) -> int:
    """Erase IP hashes older than IP_HASH_RETENTION_DAYS; return how many."""
    factory = app.extensions["petition.db"]["sessionmaker"]
    days = app.config["IP_HASH_RETENTION_DAYS"]
    with factory() as session:
        erased = expire_ip_hashes(session, utcnow() - timedelta(days=days))
        session.commit()
    return erased


@privacy_cli.command("expire-ip-hashes")
def privacy_expire_ip_hashes() -> None:
    """Erase IP hashes older than IP_HASH_RETENTION_DAYS (the mail worker does it hourly)."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    erased = expire_old_ip_hashes(app)
    days = app.config["IP_HASH_RETENTION_DAYS"]
    click.echo(f"Erased {erased} IP hashes older than {days} days.")


@privacy_cli.command("anonymize")
@click.option("--campaign", "slug", default=None, help="Only this campaign (default: all).")
@click.option(
    "--older-than",
    "days",
    type=click.IntRange(min=0),
    default=None,
    help="Signatures made over DAYS days ago, instead of the campaign's retention.",
)
def privacy_anonymize(slug: str | None, days: int | None) -> None:
    """Erase names, emails and postal codes of signatures past their campaign's retention."""
    from petition.db import get_session

    campaigns: dict[str, CampaignContent] = current_app.extensions["petition.campaigns"]
    if slug is not None and slug not in campaigns:
        raise click.ClickException(f"No campaign '{slug}' (known: {', '.join(campaigns)}).")
    session = get_session()
    for content in [campaigns[slug]] if slug else list(campaigns.values()):
        before = utcnow() - timedelta(days=days) if days is not None else None
        if before is None:
            before = retention_end(content.closes, content.retention_months)
            if before is None or before > utcnow():
                when = f"after {before:%Y-%m-%d}" if before else "once it has a closing date"
                click.echo(f"Campaign '{content.slug}': kept (retention ends {when}).")
                continue
        count = anonymize_signatures(session, sync_campaign(session, content).id, before)
        session.commit()
        click.echo(f"Campaign '{content.slug}': anonymized {count} signatures made before "
                   f"{before:%Y-%m-%d %H:%M}.")  # fmt: skip
