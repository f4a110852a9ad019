"""Pure text helpers."""

from __future__ import annotations

import pytest

from petition.text import clean_text, initials


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Lori Idlout", "LI"),
        ("Daniel S. Goldman", "DG"),
        ("Alexandria Ocasio-Cortez", "AC"),
        ("Cher", "C"),
        ("  ", ""),
        ("Ana (Ani) Petrosyan", "AP"),
        ("Élodie von Ärzt", "ÉÄ"),
    ],
)
def test_initials(name: str, expected: str) -> None:
    assert initials(name) == expected


def test_clean_text() -> None:
    assert clean_text(" a\u200b  b\x00 ") == "a b"
    assert clean_text(None) is None
