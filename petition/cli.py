"""Command-line tools: `flask --app petition db|data|mail ...`."""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from petition.campaigns import sync_campaign
from petition.cli_privacy import expire_old_ip_hashes, privacy_cli
from petition.content import CampaignContent
from petition.counts import fold_tallies
from petition.db import write_sessionmaker
from petition.mail import CHORES_SECONDS, CLAIM_BATCH, deliver_due, run_worker
from petition.models import utcnow
from petition.organizer.accounts import (
    OrganizerError,
    create_organizer,
    list_organizers,
    remove_organizer,
    set_password,
)
from petition.organizer.cli import packs_cli
from petition.organizer.cli_export import export_cli
from petition.refdata.corrections import (
    CORRECTIONS_FILE,
    Correction,
    CorrectionError,
    append_correction,
    correction_line,
    current_value,
    read_corrections,
)
from petition.refdata.http import FetchError, HttpClient
from petition.refdata.operations import (
    RefreshRefusedError,
    build_tables,
    check_tables,
    corrections_result,
    refresh_tables,
)
from petition.refdata.schema import CheckResult
from petition.refdata.store import DataFileError, load_reference_data
from petition.refdata.tables import COUNTRY_CODES, REPRESENTATIVES_FILE
from petition.reports import list_open_reports, resolve_data_report
from petition.signatures import purge_unconfirmed

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"

db_cli = AppGroup("db", help="Apply, revert and create database migrations (Alembic).")
data_cli = AppGroup("data", help="Load the campaign files and tables under data/.")
mail_cli = AppGroup("mail", help="Send queued email.")
signatures_cli = AppGroup("signatures", help="Maintain signatures.")
organizer_cli = AppGroup("organizer", help="Manage organizer accounts.")


def alembic_config() -> Config:
    """Return the Alembic configuration for the migrations folder."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Date-prefixed files sort in the order they were written.
    config.set_main_option(
        "file_template",
        "%%(year)d%%(month).2d%%(day).2d_%%(hour).2d%%(minute).2d_%%(rev)s_%%(slug)s",
    )
    return config


def alembic_commands() -> ModuleType:
    """Import Alembic when a db command runs: at import time it slows every worker's start."""
    from alembic import command

    return command


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Upgrade the database to REVISION (default: head)."""
    alembic_commands().upgrade(alembic_config(), revision)


@db_cli.command("downgrade")
@click.argument("revision", default="-1")
def db_downgrade(revision: str) -> None:
    """Revert the database to REVISION (default: one step back)."""
    alembic_commands().downgrade(alembic_config(), revision)


@db_cli.command("revision")
@click.option("-m", "--message", required=True, help="What the migration does.")
@click.option("--autogenerate", is_flag=True, help="Compare the models with the database.")
def db_revision(message: str, autogenerate: bool) -> None:
    """Write a new migration file."""
    alembic_commands().revision(alembic_config(), message=message, autogenerate=autogenerate)


@db_cli.command("current")
def db_current() -> None:
    """Show the database's current revision."""
    alembic_commands().current(alembic_config(), verbose=False)


@data_cli.command("load")
def data_load() -> None:
    """Load the campaign files and reference tables into the database (safe to re-run)."""
    from petition.db import get_session

    campaigns: dict[str, CampaignContent] = current_app.extensions["petition.campaigns"]
    session = get_session()
    for content in campaigns.values():
        campaign = sync_campaign(session, content)
        click.echo(f"Campaign '{campaign.slug}': {content.title} (goal {content.goal:,})")
    try:
        report = load_reference_data(session, Path(current_app.config["DATA_DIR"]))
    except DataFileError as exc:
        raise click.ClickException(str(exc)) from exc
    session.commit()
    click.echo(
        f"Representatives: {report.representatives} seats ({report.removed} removed), "
        f"{report.postal_areas} postal rows, {report.constituencies} EU constituencies."
    )


def _print_checks(results: dict[str, CheckResult]) -> int:
    """Print counts and holes; return the number of holes."""
    holes = 0
    for code, result in results.items():
        counts = ", ".join(f"{k} {v:,}" for k, v in result.counts.items())
        click.echo(f"{code.upper()}: {counts or 'no counts'}")
        for hole in result.holes:
            click.echo(f"  HOLE: {hole}", err=True)
        for warning in result.warnings:
            click.echo(f"  NOTE: {warning}", err=True)
        holes += len(result.holes)
    click.echo("No holes." if not holes else f"{holes} hole(s).")
    return holes


@data_cli.command("build")
@click.option(
    "--sources",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="The data-sources folder (with us/, ca/, eu/).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where to write the tables (default: DATA_DIR).",
)
def data_build(sources: Path, out: Path | None) -> None:
    """Build the representative and postal tables from the source files."""
    data_dir = Path(current_app.config["DATA_DIR"])
    out_dir = out or data_dir
    try:
        results = build_tables(sources, out_dir, read_corrections(data_dir / CORRECTIONS_FILE))
    except (OSError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Wrote the tables to {out_dir}.")
    if _print_checks(results):
        raise SystemExit(1)


@data_cli.command("check")
@click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder with the tables (default: DATA_DIR).",
)
def data_check(data_dir: Path | None) -> None:
    """Check the tables' coverage; exit non-zero on any hole."""
    try:
        results = check_tables(data_dir or Path(current_app.config["DATA_DIR"]))
    except CorrectionError as exc:
        raise click.ClickException(str(exc)) from exc
    if _print_checks(results):
        raise SystemExit(1)


@data_cli.command("refresh")
@click.option(
    "--country",
    type=click.Choice(COUNTRY_CODES),
    multiple=True,
    help="Refresh only this country (repeatable); default all.",
)
@click.option(
    "--zip-map",
    default=None,
    help="US ZIP → district file (Census ZCTA relationship file): a URL or a downloaded copy, "
    "e.g. the 120th Congress's when the Census Bureau publishes it.",
)
def data_refresh(country: tuple[str, ...], zip_map: str | None) -> None:
    """Download fresh data from the official endpoints; keep the old tables on failure."""
    data_dir = Path(current_app.config["DATA_DIR"])
    client = HttpClient(progress=_show_progress)
    urls: dict[str, dict[str, str]] = dict(current_app.config["REFRESH_URLS"])
    if zip_map:
        urls["us"] = {**urls.get("us", {}), "zcta_cd": zip_map}
    try:
        corrections = read_corrections(data_dir / CORRECTIONS_FILE)
        report = refresh_tables(
            data_dir,
            list(country or COUNTRY_CODES),
            client,
            urls,
            utcnow().date().isoformat(),
            corrections,
        )
    except (FetchError, ValueError, RefreshRefusedError) as exc:
        click.echo("", err=True)
        raise click.ClickException(f"{exc}\nThe existing tables were left untouched.") from exc
    click.echo(f"\nRefreshed {', '.join(report.refreshed)}; wrote {data_dir}.")
    status = corrections_result(data_dir)
    _print_checks(report.checks | ({"corrections": status} if status else {}))


@data_cli.command("reports")
def data_reports() -> None:
    """List the open mistake reports, to turn into corrections with `data correct`."""
    from petition.db import get_session

    reports = list_open_reports(get_session())
    for r in reports:
        where = " ".join(x for x in (r.country, r.postal_code, r.representative_id) if x)
        click.echo(f"#{r.id} {r.created_at:%Y-%m-%d} {where or '-'}: {r.message}")
    click.echo(f"{len(reports)} open report(s).")


@data_cli.command("correct")
@click.option("--report", "report_id", type=int, required=True, help="The mistake report's id.")
@click.option("--field", required=True, help="The representatives.csv column to correct.")
@click.option("--new-value", required=True, help="The right value.")
@click.option("--source", "source_url", required=True, help="Public https:// page showing it.")
@click.option("--id", "record_id", default=None, help="The seat's id (default: the report's).")
@click.option("--note", default="", help="Why, in a few words.")
def data_correct(
    report_id: int, field: str, new_value: str, source_url: str, record_id: str | None, note: str
) -> None:
    """Turn a mistake report into a line of data/corrections.csv and mark it resolved."""
    from petition.db import get_session

    session = get_session()
    data_dir = Path(current_app.config["DATA_DIR"])
    try:
        report = resolve_data_report(session, report_id)
        record_id = record_id or report.representative_id
        old_value = current_value(data_dir / REPRESENTATIVES_FILE, record_id, field)
        today = utcnow().date().isoformat()
        note = note or report.message[:200]
        correction = Correction(record_id, field, old_value, new_value, source_url, today, note)
        append_correction(data_dir / CORRECTIONS_FILE, correction)
    except (LookupError, CorrectionError) as exc:
        raise click.ClickException(str(exc)) from exc
    session.commit()
    click.echo(f"Added to {CORRECTIONS_FILE}: {correction_line(correction).strip()}")
    click.echo("Report resolved. Run `flask data build` or `flask data refresh` to apply it.")


def _show_progress(url: str, received: int, total: int | None) -> None:
    """Draw a one-line progress bar on standard error."""
    if total:
        done = int(30 * received / total)
        bar = f"[{'#' * done}{'.' * (30 - done)}] {received / total:4.0%}"
    else:
        bar = f"{received / 1e6:8.2f} MB"
    click.echo(f"\r{url[-60:]:<60} {bar}", nl=False, err=True)


@mail_cli.command("send")
def mail_send() -> None:
    """Send every queued email that is due, once, retrying failures with backoff."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    sent = failed = 0
    while True:
        report = deliver_due(app, limit=CLAIM_BATCH)
        sent, failed = sent + report.sent, failed + report.failed
        if report.claimed < CLAIM_BATCH:
            break
    click.echo(f"Sent {sent}, failed {failed}.")
    raise SystemExit(1 if failed else 0)


def worker_chores(app: Flask) -> list[tuple[Callable[[], object], float]]:
    """What the mail worker does besides sending, each with its interval in seconds.

    It is the count refresher: folding the tally journal into the tallies, the one write
    the counts need, happens here, so requests that only read never take the write lock
    (a fold skipped while another writer holds it comes at the next interval; counts add
    up the journal meanwhile).
    """
    fold = partial(fold_tallies, write_sessionmaker(app), wait=False)
    return [(fold, float(app.config["COUNTS_CACHE_SECONDS"])),
            (partial(expire_old_ip_hashes, app), float(CHORES_SECONDS))]  # fmt: skip


@mail_cli.command("work")
def mail_work() -> None:
    """Keep sending due email, looking every MAIL_POLL_SECONDS, until stopped.

    Every COUNTS_CACHE_SECONDS it also folds the tally journal into the tallies, and
    every hour it erases IP hashes past their retention period.
    """
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    stopping: list[int] = []

    def stop(signum: int, _frame: object) -> None:
        stopping.append(signum)

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, stop)
    click.echo(f"Mail worker started (backend {app.config['MAIL_URL'].split(':')[0]}).")
    run_worker(app, poll=float(app.config["MAIL_POLL_SECONDS"]), should_stop=lambda: bool(stopping),
               chores=worker_chores(app))  # fmt: skip
    click.echo("Mail worker stopped.")


@signatures_cli.command("purge")
def signatures_purge() -> None:
    """Delete unconfirmed signatures whose link expired PENDING_RETENTION_DAYS ago."""
    from petition.db import get_session

    days = current_app.config["PENDING_RETENTION_DAYS"]
    session = get_session()
    purged = purge_unconfirmed(session, utcnow() - timedelta(days=days))
    session.commit()
    click.echo(f"Deleted {purged} unconfirmed signatures whose link expired over {days} days ago.")


def _read_password() -> str:
    """Ask twice at a terminal; otherwise read one line from standard input."""
    if sys.stdin.isatty():
        return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))
    return sys.stdin.readline().rstrip("\r\n")


@organizer_cli.command("create")
@click.argument("email")
def organizer_create(email: str) -> None:
    """Create an organizer account (password from a prompt or standard input)."""
    from petition.db import get_session

    session = get_session()
    try:
        organizer = create_organizer(session, email, _read_password())
    except OrganizerError as exc:
        raise click.ClickException(str(exc)) from exc
    session.commit()
    click.echo(f"Organizer {organizer.email} created.")


@organizer_cli.command("list")
def organizer_list() -> None:
    """List organizer accounts."""
    from petition.db import get_session

    for organizer in list_organizers(get_session()):
        last = (
            organizer.last_login_at.isoformat(" ", "minutes")
            if organizer.last_login_at
            else "never"
        )
        click.echo(f"{organizer.email}\tcreated {organizer.created_at:%Y-%m-%d}\tlast login {last}")


@organizer_cli.command("remove")
@click.argument("email")
def organizer_remove(email: str) -> None:
    """Remove an organizer account."""
    from petition.db import get_session

    session = get_session()
    try:
        remove_organizer(session, email)
    except OrganizerError as exc:
        raise click.ClickException(str(exc)) from exc
    session.commit()
    click.echo(f"Organizer {email} removed.")


@organizer_cli.command("password")
@click.argument("email")
def organizer_password(email: str) -> None:
    """Change an organizer's password (prompt or standard input); ends their sessions."""
    from petition.db import get_session

    session = get_session()
    try:
        set_password(session, email, _read_password())
    except OrganizerError as exc:
        raise click.ClickException(str(exc)) from exc
    session.commit()
    click.echo(f"Password of {email} changed; every session of theirs has ended.")


def register(app: Flask) -> None:
    """Add the command groups to `flask`."""
    app.cli.add_command(db_cli)
    app.cli.add_command(data_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(privacy_cli)
    app.cli.add_command(signatures_cli)
    app.cli.add_command(organizer_cli)
    app.cli.add_command(export_cli)
    app.cli.add_command(packs_cli)
