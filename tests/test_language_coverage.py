"""scripts/language_coverage.py: the README's table of languages is its output, and the
figures count what is really translated."""

from __future__ import annotations

import importlib.util
import shutil
import tomllib
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location(
    "language_coverage", ROOT / "scripts" / "language_coverage.py"
)
assert spec and spec.loader
coverage = importlib.util.module_from_spec(spec)
spec.loader.exec_module(coverage)


def test_readme_shows_the_scripts_table() -> None:
    readme = (ROOT / "README.md").read_text()
    table = coverage.markdown_table()
    assert table.startswith("| Language | Interface | Campaign `artsakh` |")
    assert "| French (`fr`) |" in table and "| Armenian (`hy`) |" in table
    assert table in readme, "run scripts/language_coverage.py and paste its table into README.md"


def test_figures_count_translations_not_entries(tmp_path: Path) -> None:
    """Half the strings translated (a fuzzy one does not count); a campaign text left out."""
    shutil.copy(ROOT / "babel.cfg", tmp_path)
    shutil.copytree(ROOT / "data" / "letters", tmp_path / "data" / "letters")
    shutil.copytree(ROOT / "data" / "campaigns", tmp_path / "data" / "campaigns")
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "page.html").write_text(
        "{{ _('Sign') }} {{ _('Language') }} {{ _('Privacy') }} {{ _('Learn more') }}"
    )
    catalog = Catalog(locale="fr")
    catalog.add("Sign", "Signer")
    catalog.add("Language", "Langue")
    catalog.add("Privacy", "Confidentialité", flags=["fuzzy"])
    catalog.add("Learn more", "")
    folder = tmp_path / "petition" / "translations" / "fr" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "messages.po").open("wb") as fh:
        write_po(fh, catalog)
    french = tmp_path / "data" / "campaigns" / "artsakh.fr.toml"
    text = french.read_text()
    french.write_text(text[: text.index("[privacy]")] + text[text.index("[emblem]") :])
    (tmp_path / "data" / "letters" / "us-house.fr.toml").write_text(
        (ROOT / "data" / "letters" / "us-house.toml")
        .read_text()
        .replace('lang = "en"\nlocale = "en_US"', 'lang = "fr"\nlocale = "fr_CA"')
    )

    with (ROOT / "data" / "campaigns" / "artsakh.toml").open("rb") as fh:
        total = len(coverage.missing_texts(tomllib.load(fh), {}))
    rows = {line.split(" | ")[0]: line for line in coverage.markdown_table(tmp_path).splitlines()}
    # The privacy notice's heading and text are left out of the French campaign file.
    french_row = f"| French (`fr`) | 50% | {total - 2} of {total} texts | yes | — | yes | yes |"
    assert rows["| French (`fr`)"] == french_row
    assert rows["| Armenian (`hy`)"].startswith(f"| Armenian (`hy`) | — | {total} of {total} ")
