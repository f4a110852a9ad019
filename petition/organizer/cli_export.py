"""Command-line exports: `flask --app petition export counts|signatures`."""

from __future__ import annotations

import getpass
import sys
from typing import IO

import click
from flask import current_app
from flask.cli import AppGroup

from petition.campaigns import get_campaign
from petition.db import get_session
from petition.models import COUNTED_STATES, Campaign
from petition.organizer.audit import record_audit
from petition.organizer.exports import (
    COUNT_DIMENSIONS,
    EXPORT_FORMATS,
    ExportRefusedError,
    count_chunks,
    count_rows,
    signature_chunks,
)
from petition.tallies import read_counts

export_cli = AppGroup("export", help="Export the campaign's counts and signers (CSV or JSON).")

OUTPUT_HELP = "File to write, or - for standard output (the default)."


def configured_campaign() -> Campaign:
    """Return the configured campaign, or stop with a hint when it is not loaded."""
    slug = current_app.config["CAMPAIGN"]
    campaign = get_campaign(get_session(), slug)
    if campaign is None:
        raise click.ClickException(f"Campaign '{slug}' is not loaded; run `flask data load`.")
    return campaign


def _open_output(output: str) -> IO[bytes]:
    """Open the output in binary mode; a file only appears once fully written."""
    stream: IO[bytes] = click.open_file(output, "wb", atomic=output != "-")
    return stream


def cli_user() -> str:
    """Return the operating-system user running the command, for the audit log."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry and no LOGNAME/USER (some containers)
        return "unknown"


@export_cli.command("counts")
@click.option("--by", type=click.Choice(COUNT_DIMENSIONS), required=True, help="Group by.")
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="csv",
              show_default=True)  # fmt: skip
@click.option("--output", default="-", help=OUTPUT_HELP)
def export_counts(by: str, fmt: str, output: str) -> None:
    """Write the confirmed signature counts by country, region, district or day."""
    campaign = configured_campaign()
    rows = count_rows(get_session(), campaign.id, by, COUNTED_STATES)
    with _open_output(output) as out:
        for chunk in count_chunks(rows, by, fmt):
            out.write(chunk.encode("utf-8"))


@export_cli.command("signatures")
@click.option("--all", "include_all", is_flag=True,
              help="Every confirmed signer, not only those who agreed to updates.")  # fmt: skip
@click.option("--output", default="-", help=OUTPUT_HELP)
def export_signatures(include_all: bool, output: str) -> None:
    """Write the confirmed signers as CSV (only those who agreed to updates, unless --all)."""
    session = get_session()
    campaign = configured_campaign()
    try:
        counter, chunks = signature_chunks(session, campaign, include_all=include_all)
    except ExportRefusedError as exc:
        raise click.ClickException(str(exc)) from exc
    # The confirmed tally is an upper bound of the rows, and costs one small query.
    bound = read_counts(session, campaign.id, COUNTED_STATES).total
    with (
        _open_output(output) as out,
        click.progressbar(length=bound, label="Exporting", file=sys.stderr) as bar,
    ):
        for chunk in chunks:
            out.write(chunk.encode("utf-8"))
            bar.update(counter.rows - bar.pos)
    who = "all confirmed signers" if include_all else "signers who agreed to updates"
    detail = f"{campaign.slug}: {who}, to {'stdout' if output == '-' else output}"
    record_audit(session, f"cli:{cli_user()}", "export.signatures", detail, counter.rows)
    session.commit()
    click.echo(f"Exported {counter.rows} signatures.", err=True)
