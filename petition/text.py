"""Pure normalisers for text that people type."""

from __future__ import annotations

import unicodedata
from typing import Any


def clean_text(value: Any) -> Any:
    """Drop control and invisible format characters and collapse whitespace."""
    if not isinstance(value, str):
        return value
    kept = "".join(ch for ch in value if unicodedata.category(ch)[0] != "C" or ch in " \t")
    return " ".join(kept.split())


def initials(name: str) -> str:
    """Return up to two initials of a name: first and last word ("Lori Idlout" → "LI")."""
    words = [w for w in name.replace("-", " ").split() if w[:1].isalpha()]
    if not words:
        return ""
    picked = words[:1] + words[-1:] if len(words) > 1 else words
    return "".join(w[0].upper() for w in picked)
