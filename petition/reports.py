"""Reports from users that something in the representative data is wrong."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from petition.models import DataReport, utcnow


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
        raise LookupError(f"No mistake report {report_id}")
    if report.resolved_at is not None:
        raise LookupError(
            f"Mistake report {report_id} was already resolved on {report.resolved_at:%Y-%m-%d}"
        )
    report.resolved_at = utcnow()
    session.flush()
    return report


def list_open_reports(session: Session) -> list[DataReport]:
    """Return the reports nobody has resolved yet, oldest first."""
    query = select(DataReport).where(DataReport.resolved_at.is_(None)).order_by(DataReport.id)
    return list(session.scalars(query))
