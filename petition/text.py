"""Pure normalisers for text that people type."""

from __future__ import annotations

import unicodedata
from typing import Any
from urllib.parse import urlsplit


def clean_text(value: Any) -> Any:
    """Drop control and invisible format characters and collapse whitespace."""
    if not isinstance(value, str):
        return value
    kept = "".join(ch for ch in value if unicodedata.category(ch)[0] != "C" or ch in " \t")
    return " ".join(kept.split())


def is_web_url(value: str) -> bool:
    """Tell whether a link is an absolute http(s) address with a host (no javascript:, data:)."""
    parts = urlsplit(value)
    return (
        parts.scheme in ("http", "https")
        and bool(parts.netloc)
        and not any(ch.isspace() for ch in value)
    )
