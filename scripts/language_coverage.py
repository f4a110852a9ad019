"""Print the README's table of the site's languages and how much each one covers.

Usage: .venv/bin/python scripts/language_coverage.py

- Interface: the share of the strings the code and templates use (what `make messages`
  extracts, per babel.cfg) that the language's catalogue translates (fuzzy entries do not
  count); "—" when the language has no catalogue.
- Campaign: how many of each campaign file's texts its translation `<slug>.<lang>.toml`
  gives (the rest falls back to the original).
- Letters: whether each body has a letter template in the language.

tests/test_language_coverage.py keeps the README's table equal to this output: after adding
a language or translating, run this and paste the table into README.md.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

from babel import Locale
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from petition.content import (
    CAMPAIGNS_FOLDER,
    LETTER_BODIES,
    load_letter_templates,
    missing_texts,
)
from petition.i18n import SOURCE_LANGUAGE, TRANSLATIONS

ROOT = Path(__file__).resolve().parent.parent
NONE = "—"


def interface_messages(root: Path = ROOT) -> set[str]:
    """Every message the code and templates mark for translation (as `make messages`)."""
    with (root / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    keywords = {**DEFAULT_KEYWORDS, "_l": None}  # the Makefile's `-k _l`
    found = extract_from_dir(str(root), method_map, options_map, keywords=keywords)
    return {m if isinstance(m, str) else m[0] for _f, _l, m, _c, _ctx in found}


def translated_messages(po_path: Path) -> set[str]:
    """The messages a catalogue translates: not empty, not fuzzy."""
    with po_path.open("rb") as fh:
        catalog = read_po(fh)
    done = set()
    for message in catalog:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.id and not message.fuzzy and all(strings):
            done.add(message.id if isinstance(message.id, str) else message.id[0])
    return done


def campaign_coverage(folder: Path) -> dict[str, dict[str, str]]:
    """Campaign slug -> language -> how many of its texts the language has."""
    coverage: dict[str, dict[str, str]] = {}
    for path in sorted(p for p in folder.glob("*.toml") if "." not in p.stem):
        with path.open("rb") as fh:
            original = tomllib.load(fh)
        total = len(missing_texts(original, {}))
        cells = {original.get("language", SOURCE_LANGUAGE): "source"}
        for translation in sorted(folder.glob(f"{path.stem}.*.toml")):
            with translation.open("rb") as fh:
                left_out = len(missing_texts(original, tomllib.load(fh)))
            cells[translation.stem.partition(".")[2]] = f"{total - left_out} of {total} texts"
        coverage[path.stem] = cells
    return coverage


def markdown_table(root: Path = ROOT) -> str:
    """The README's table: one row per language, English first."""
    catalogues = {p.parts[-3]: p for p in
                  (root / "petition" / TRANSLATIONS).glob("*/LC_MESSAGES/messages.po")}  # fmt: skip
    campaigns = campaign_coverage(root / "data" / CAMPAIGNS_FOLDER)
    letters = load_letter_templates(root / "data")
    languages = {
        SOURCE_LANGUAGE,
        *catalogues,
        *(lang for body in letters.values() for lang in body),
    }
    languages |= {lang for cells in campaigns.values() for lang in cells}
    wanted = interface_messages(root)
    header = ["Language", "Interface", *(f"Campaign `{slug}`" for slug in campaigns),
              *(f"Letters `{body}`" for body in LETTER_BODIES)]  # fmt: skip
    rows = [header, ["---"] * len(header)]
    for lang in sorted(languages, key=lambda code: (code != SOURCE_LANGUAGE, code)):
        if lang == SOURCE_LANGUAGE:
            interface = "source"
        elif lang in catalogues:
            done = len(wanted & translated_messages(catalogues[lang]))
            interface = f"{math.floor(100 * done / len(wanted))}%" if wanted else "100%"
        else:
            interface = NONE
        rows.append([
            f"{Locale.parse(lang).get_display_name('en')} (`{lang}`)",
            interface,
            *(cells.get(lang, NONE) for cells in campaigns.values()),
            *("yes" if lang in letters.get(body, {}) else NONE for body in LETTER_BODIES),
        ])  # fmt: skip
    return "".join("| " + " | ".join(row) + " |\n" for row in rows)


if __name__ == "__main__":
    print(markdown_table(), end="")
