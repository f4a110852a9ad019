"""`flask --app petition packs build`: a body's delivery packs written to a folder."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from petition.content import CampaignContent
from petition.db import get_session
from petition.models import utcnow
from petition.organizer.audit import record_audit
from petition.organizer.cli_export import cli_user, configured_campaign
from petition.organizer.constituents import count_by_representative
from petition.organizer.packs import (
    PACK_BODIES,
    PACK_FORMATS,
    PACK_STYLESHEET,
    PackCounter,
    iter_packs,
    pack_stylesheet,
    render_pack_html,
    render_pdf,
    responses_url,
)
from petition.refindex import build_index

packs_cli = AppGroup("packs", help="Delivery packs: a letter to each representative, as PDF.")


@packs_cli.command("build")
@click.option("--body", type=click.Choice(PACK_BODIES), required=True, help="Whose packs.")
@click.option("--output", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder to write the packs to (created when missing).")  # fmt: skip
@click.option("--format", "fmt", type=click.Choice(PACK_FORMATS), default="pdf",
              show_default=True)  # fmt: skip
def build(body: str, output: Path, fmt: str) -> None:
    """Write the delivery pack of every filled seat of a body, one file per representative."""
    session = get_session()
    campaign = configured_campaign()
    content: CampaignContent = current_app.extensions["petition.campaigns"][campaign.slug]
    seats = [r for r in build_index(session).reps.values() if r.body == body and not r.vacant]
    counts = sorted(count_by_representative(session, campaign.id, seats, content.quorum),
                    key=lambda c: c.rep.id)  # fmt: skip
    output.mkdir(parents=True, exist_ok=True)
    static = current_app.static_folder or "static"
    stylesheet = pack_stylesheet(static)
    if fmt == "html":
        shutil.copyfile(Path(static) / PACK_STYLESHEET, output / PACK_STYLESHEET)
    packs = PackCounter(iter_packs(session, campaign.id, counts,
                                   current_app.config["PUBLIC_MIN_COUNT"], utcnow().date(),
                                   names=content.pack_names))  # fmt: skip
    link = responses_url(current_app.config["BASE_URL"], campaign.slug)
    sheet_url = PACK_STYLESHEET if fmt == "html" else None
    written = 0
    with click.progressbar(packs, length=len(counts), label=f"Building {body} packs",
                           file=sys.stderr) as bar:  # fmt: skip
        for pack in bar:
            html = render_pack_html(pack, content, responses_url=link, stylesheet_url=sheet_url)
            data = html.encode("utf-8") if fmt == "html" else render_pdf(html, stylesheet)
            (output / f"{pack.file_stem}.{fmt}").write_bytes(data)
            written += 1
    detail = f"{campaign.slug}: delivery packs of {body} ({fmt}), to {output}{packs.names_note()}"
    record_audit(session, f"cli:{cli_user()}", "export.packs", detail, written)
    session.commit()
    named = f" with the names of {len(packs.named)} consenting signers" if packs.with_names else ""
    click.echo(f"Wrote {written} packs{named} to {output}.", err=True)
