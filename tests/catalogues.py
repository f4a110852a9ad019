"""A tiny compiled gettext catalogue for tests: a language without the shipped catalogues."""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

import petition.i18n

Message = str | tuple[str, ...]


def install_catalogue(
    monkeypatch: pytest.MonkeyPatch, folder: Path, lang: str, messages: Mapping[Message, Message]
) -> None:
    """Compile `messages` into folder/<lang>/LC_MESSAGES/messages.mo, and make the apps
    created afterwards read their catalogues from `folder` (plurals: tuples)."""
    target = folder / lang / "LC_MESSAGES"
    target.mkdir(parents=True)
    catalog = Catalog(locale=lang)
    for message, translation in messages.items():
        catalog.add(message, translation)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    (target / "messages.mo").write_bytes(buffer.getvalue())
    monkeypatch.setattr(petition.i18n, "TRANSLATIONS", str(folder))
