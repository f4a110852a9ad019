"""Reports from users that something in the representative data is wrong."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from petition.models import DataReport, utcnow
from petition.organizer.audit import record_audit


class ReportNotFoundError(LookupError):
    """No mistake report has this id."""


# Columns of the reports export, in order.
REPORT_COLUMNS = ("id", "received", "country", "postal_code", "representative_id",
                  "message", "email", "handled")  # fmt: skip


def record_data_report(
    session: Session,
    *,
    message: str,
    country: str = "",
    postal_code: str = "",
    representative_id: str = "",
    email: str = "",
) -> DataReport:
    """Store a report for the organizers to review."""
    report = DataReport(
        message=message,
        country=country[:2],
        postal_code=postal_code[:16],
        representative_id=representative_id[:64],
        email=email,
    )
    session.add(report)
    session.flush()
    return report


def resolve_data_report(session: Session, report_id: int) -> DataReport:
    """Mark a report resolved and return it.

    :raises LookupError: no such report, or it was already resolved.
    """
    report = session.get(DataReport, report_id)
    if report is None:
        raise ReportNotFoundError(f"No mistake report {report_id}")
    if report.resolved_at is not None:
        raise LookupError(
            f"Mistake report {report_id} was already resolved on {report.resolved_at:%Y-%m-%d}"
        )
    report.resolved_at = utcnow()
    session.flush()
    return report


def list_data_reports(session: Session, *, handled: bool, limit: int) -> list[DataReport]:
    """The newest reports first, either still open or already handled."""
    done = DataReport.resolved_at.is_not(None) if handled else DataReport.resolved_at.is_(None)
    query = select(DataReport).where(done).order_by(DataReport.id.desc()).limit(limit)
    return list(session.scalars(query))


def count_open_reports(session: Session) -> int:
    """How many reports nobody has handled yet."""
    query = select(func.count(DataReport.id)).where(DataReport.resolved_at.is_(None))
    return int(session.scalar(query) or 0)


def mark_report_handled(session: Session, report_id: int, organizer_email: str) -> DataReport:
    """Mark a report handled (again is harmless) and log who did it.

    :raises ReportNotFoundError: unknown id.
    """
    report = session.get(DataReport, report_id)
    if report is None:
        raise ReportNotFoundError(f"No mistake report {report_id}")
    if report.resolved_at is None:
        resolve_data_report(session, report_id)
        record_audit(session, organizer_email, "report.handled", f"report {report.id}", 1)
    session.flush()
    return report


def iter_report_rows(session: Session, batch: int = 500) -> Iterator[tuple[object, ...]]:
    """Every report as export cells, newest first, read in batches."""
    last_id: int | None = None
    while True:
        query = select(DataReport).order_by(DataReport.id.desc()).limit(batch)
        if last_id is not None:
            query = query.where(DataReport.id < last_id)
        reports = list(session.scalars(query))
        for r in reports:
            handled = r.resolved_at.isoformat(" ", "seconds") if r.resolved_at else ""
            yield (r.id, r.created_at.isoformat(" ", "seconds"), r.country, r.postal_code,
                   r.representative_id, r.message, r.email, handled)  # fmt: skip
        if len(reports) < batch:
            return
        last_id = reports[-1].id


def list_open_reports(session: Session) -> list[DataReport]:
    """Return the reports nobody has resolved yet, oldest first."""
    query = select(DataReport).where(DataReport.resolved_at.is_(None)).order_by(DataReport.id)
    return list(session.scalars(query))
