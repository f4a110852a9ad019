"""Organizer downloads: streamed in constant memory, and written to the audit log."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

from flask import g, stream_with_context
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from petition.organizer.audit import record_audit

Chunk = TypeVar("Chunk", str, bytes)


def audited_stream(
    session: Session,
    chunks: Iterator[Chunk],
    action: str,
    detail: str | Callable[[], str],
    counter: object,
) -> Iterator[Chunk]:
    """Stream an export, then write the audit entry with the number of rows sent.

    A callable detail is asked for once the stream ends, so it can tell what was sent.

    The stream outlives the request, so it keeps the session that reads the rows and
    writes the audit entry in that same session (another one would wait on its lock).
    """
    email = g.organizer.email
    finished = False
    try:
        for chunk in chunks:
            yield chunk
            # End the read transaction between chunks: on SQLite every transaction holds
            # the write lock, and signers must not wait for a whole export.
            session.commit()
        finished = True
    finally:
        text = detail() if callable(detail) else detail
        note = text if finished else f"{text} (interrupted)"
        record_audit(session, email, action, note, int(getattr(counter, "rows", 0)))
        session.commit()
        session.close()


def download(chunks: Iterator[Chunk], name: str, mimetype: str) -> Response:
    """A streamed attachment, text encoded chunk by chunk (constant memory)."""
    body = (chunk.encode("utf-8") if isinstance(chunk, str) else chunk for chunk in chunks)
    response = Response(stream_with_context(body), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    if mimetype == "text/csv":
        response.headers["Content-Type"] = "text/csv; charset=utf-8"
    return response
