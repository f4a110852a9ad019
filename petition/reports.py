"""Reports from users that something in the representative data is wrong."""

from __future__ import annotations

from sqlalchemy.orm import Session

from petition.models import DataReport


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
