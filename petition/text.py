"""Pure normalisers for text that people type."""

from __future__ import annotations

import unicodedata
from typing import Any
from urllib.parse import urlsplit


def clean_text(value: Any) -> Any:
    """Drop control and invisible format characters and collapse whitespace."""
    if not isinstance(value, str):
        return value
    # A printable string has no character of the Other categories (C*), so none to drop:
    # most of what people type, checked in C instead of a character at a time.
    if value.isprintable():
        return " ".join(value.split())
    kept = "".join(ch for ch in value if unicodedata.category(ch)[0] != "C" or ch in " \t")
    return " ".join(kept.split())


def clean_multiline(value: Any) -> Any:
    """Drop control and invisible format characters but keep line breaks and tabs.

    NUL in particular: PostgreSQL refuses it in text columns.
    """
    if not isinstance(value, str):
        return value
    value = value.replace("\r\n", "\n")
    if value.isprintable():  # as in clean_text
        return value
    return "".join(ch for ch in value if unicodedata.category(ch)[0] != "C" or ch in "\n\t")


def initials(name: str) -> str:
    """Return up to two initials of a name: first and last word ("Lori Idlout" → "LI")."""
    words = [w for w in name.replace("-", " ").split() if w[:1].isalpha()]
    if not words:
        return ""
    picked = words[:1] + words[-1:] if len(words) > 1 else words
    return "".join(w[0].upper() for w in picked)


def is_web_url(value: str) -> bool:
    """Tell whether a link is an absolute http(s) address with a host (no javascript:, data:)."""
    parts = urlsplit(value)
    return (
        parts.scheme in ("http", "https")
        and bool(parts.netloc)
        and not any(ch.isspace() for ch in value)
    )
