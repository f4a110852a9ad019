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
