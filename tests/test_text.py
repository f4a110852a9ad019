"""Pure text helpers."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from petition.text import clean_multiline, clean_text, initials


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


def _drop_other(value: str, keep: str) -> str:
    """The character-by-character rule clean_text and clean_multiline apply."""
    return "".join(ch for ch in value if unicodedata.category(ch)[0] != "C" or ch in keep)


@given(st.text())
@example("Anahit\u00a0Petrosyan\u2028\u200d")  # a no-break space, a line separator, a joiner
def test_the_printable_shortcut_changes_nothing(value: str) -> None:
    """Printable strings skip the character-by-character pass: the results are those of
    the pass itself, for any text."""
    assert clean_text(value) == " ".join(_drop_other(value, " \t").split())
    assert clean_multiline(value) == _drop_other(value.replace("\r\n", "\n"), "\n\t")
