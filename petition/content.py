"""Campaign content read from editable TOML files under data/campaigns/.

Organizers change wording by editing the file; the app reads it once at start-up
and refuses to start, naming the file and the problem, when it is malformed.
"""

from __future__ import annotations

import string
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

CAMPAIGNS_FOLDER = "campaigns"
# Months signers' names, emails and postal codes are kept after a campaign closes.
DEFAULT_RETENTION_MONTHS = 6


class CampaignFileError(RuntimeError):
    """A campaign file is missing, unreadable or does not follow the schema."""


@dataclass(frozen=True)
class Demand:
    id: int
    title: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class CampaignContent:
    slug: str
    language: str
    title: str
    summary: str
    goal: int
    petition_text: tuple[str, ...]
    organizer: str
    contact_email: str
    report_mistake_url: str
    situation_heading: str
    situation: tuple[str, ...]
    demands: tuple[Demand, ...]
    faq: tuple[Question, ...]
    privacy_heading: str
    privacy: tuple[str, ...]
    short_title: str
    share_text: str
    emblem: str
    emblem_alt: str
    about_heading: str
    about: tuple[str, ...]
    # Constituents a representative needs, per body, before a delivery pack is due.
    quorum: dict[str, int] = field(default_factory=dict)
    # Whether delivery packs may list the names of signers who agreed to it ([packs] names).
    pack_names: bool = False
    # When signing ends (None: open-ended), and how long signers' details are kept after.
    closes: date | None = None
    retention_months: int = DEFAULT_RETENTION_MONTHS


def split_paragraphs(text: str) -> tuple[str, ...]:
    """Split plain text on blank lines into paragraphs, joining wrapped lines."""
    blocks = [" ".join(line.strip() for line in block.splitlines()) for block in text.split("\n\n")]
    return tuple(b.strip() for b in blocks if b.strip())


def _require(table: Any, key: str, kind: type, where: str) -> Any:
    if not isinstance(table, dict):
        raise ValueError(f"{where}: must be a table of keys and values")
    if key not in table:
        raise ValueError(f"{where}: missing key '{key}'")
    value = table[key]
    if not isinstance(value, kind) or isinstance(value, bool) is not (kind is bool):
        raise ValueError(f"{where}: '{key}' must be a {kind.__name__}")
    if isinstance(value, str) and key not in _MAY_BE_EMPTY and not value.strip():
        raise ValueError(f"{where}: '{key}' must not be empty")
    return value


# Keys an organizer may leave empty until they have a real value.
_MAY_BE_EMPTY = frozenset({"contact_email", "report_mistake_url"})
# The shorter header title stays on one line of a phone's header.
SHORT_TITLE_MAX = 40
# Share text travels in links (X, Bluesky): a tweet's worth leaves room for the address.
SHARE_TEXT_MAX = 200


def _short_title(data: dict[str, Any]) -> str:
    value = _require(data, "short_title", str, "file").strip()
    if len(value) > SHORT_TITLE_MAX:
        raise ValueError(f"file: 'short_title' must be at most {SHORT_TITLE_MAX} characters")
    return str(value)


def _share_text(data: dict[str, Any]) -> str:
    value = " ".join(_require(data, "share_text", str, "file").split())
    if len(value) > SHARE_TEXT_MAX:
        raise ValueError(f"file: 'share_text' must be at most {SHARE_TEXT_MAX} characters")
    return value


def _emblem(data: dict[str, Any]) -> tuple[str, str]:
    """Return the emblem's file under static/ and its alt text."""
    emblem = _require(data, "emblem", dict, "file")
    image = _require(emblem, "image", str, "[emblem]").strip()
    if image.startswith("/") or ".." in image.split("/") or "\\" in image:
        raise ValueError("[emblem]: 'image' must be a file name under static/, like emblem.svg")
    return image, _require(emblem, "alt", str, "[emblem]").strip()


def _parse_demands(raw: Any) -> tuple[Demand, ...]:
    if not isinstance(raw, list) or not raw:
        raise ValueError("[[demands]]: at least one demand is required")
    demands = []
    for n, item in enumerate(raw, start=1):
        where = f"demand #{n}"
        demands.append(
            Demand(
                id=_require(item, "id", int, where),
                title=_require(item, "title", str, where).strip(),
                paragraphs=split_paragraphs(_require(item, "text", str, where)),
            )
        )
    if len({d.id for d in demands}) != len(demands):
        raise ValueError("[[demands]]: every demand needs a different id")
    return tuple(demands)


def _parse_faq(raw: Any) -> tuple[Question, ...]:
    if not isinstance(raw, list):
        raise ValueError("[[faq]]: must be a list of questions")
    questions = tuple(
        Question(
            id=_require(item, "id", str, f"question #{n}").strip(),
            question=_require(item, "question", str, f"question #{n}").strip(),
            paragraphs=split_paragraphs(_require(item, "answer", str, f"question #{n}")),
        )
        for n, item in enumerate(raw, start=1)
    )
    if len({q.id for q in questions}) != len(questions):
        raise ValueError("[[faq]]: every question needs a different id")
    return questions


def _parse_quorum(raw: Any) -> dict[str, int]:
    if not isinstance(raw, dict):
        raise ValueError("[quorum]: must be a table of body = number")
    quorum = {}
    for body, threshold in raw.items():
        if body not in LETTER_BODIES:
            raise ValueError(f"[quorum]: '{body}' is not one of {', '.join(LETTER_BODIES)}")
        if not isinstance(threshold, int) or isinstance(threshold, bool) or threshold <= 0:
            raise ValueError(f"[quorum]: '{body}' must be a positive number")
        quorum[body] = threshold
    return quorum


PACK_OPTIONS = frozenset({"names"})


def _parse_pack_names(raw: Any) -> bool:
    """Read [packs] names: may a delivery pack list signers who agreed to be named."""
    if not isinstance(raw, dict):
        raise ValueError("[packs]: must be a table such as names = true")
    unknown = sorted(set(raw) - PACK_OPTIONS)
    if unknown:
        raise ValueError(f"[packs]: unknown key '{unknown[0]}' (use names = true or false)")
    names = raw.get("names", False)
    if not isinstance(names, bool):
        raise ValueError("[packs]: 'names' must be true or false (no quotes)")
    return names


def parse_campaign(data: dict[str, Any]) -> CampaignContent:
    """Check a decoded campaign file against the schema and build its content."""
    situation = _require(data, "situation", dict, "file")
    privacy = _require(data, "privacy", dict, "file")
    about = _require(data, "about", dict, "file")
    emblem, emblem_alt = _emblem(data)
    goal = _require(data, "goal", int, "file")
    if goal <= 0:
        raise ValueError("file: 'goal' must be a positive number")
    return CampaignContent(
        slug=_require(data, "slug", str, "file").strip(),
        language=_require(data, "language", str, "file").strip(),
        title=_require(data, "title", str, "file").strip(),
        summary=_require(data, "summary", str, "file").strip(),
        goal=goal,
        petition_text=split_paragraphs(_require(data, "petition_text", str, "file")),
        organizer=_require(data, "organizer", str, "file").strip(),
        contact_email=_require(data, "contact_email", str, "file").strip(),
        report_mistake_url=_require(data, "report_mistake_url", str, "file").strip(),
        situation_heading=_require(situation, "heading", str, "[situation]").strip(),
        situation=split_paragraphs(_require(situation, "text", str, "[situation]")),
        demands=_parse_demands(data.get("demands")),
        faq=_parse_faq(data.get("faq", [])),
        privacy_heading=_require(privacy, "heading", str, "[privacy]").strip(),
        privacy=split_paragraphs(_require(privacy, "text", str, "[privacy]")),
        short_title=_short_title(data),
        share_text=_share_text(data),
        emblem=emblem,
        emblem_alt=emblem_alt,
        about_heading=_require(about, "heading", str, "[about]").strip(),
        about=split_paragraphs(_require(about, "text", str, "[about]")),
        quorum=_parse_quorum(data.get("quorum", {})),
        pack_names=_parse_pack_names(data.get("packs", {})),
        closes=_optional_date(data, "closes"),
        retention_months=_retention_months(data),
    )


def _optional_date(data: dict[str, Any], key: str) -> date | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ValueError(f"file: '{key}' must be a date like 2027-06-30 (no quotes)")
    return value


def _retention_months(data: dict[str, Any]) -> int:
    months = data.get("retention_months", DEFAULT_RETENTION_MONTHS)
    if not isinstance(months, int) or isinstance(months, bool) or months < 0:
        raise ValueError("file: 'retention_months' must be a whole number of months, 0 or more")
    return months


def load_campaign_file(path: Path) -> CampaignContent:
    """Read one campaign file.

    :raises CampaignFileError: naming the file and what is wrong with it.
    """
    try:
        with path.open("rb") as fh:
            return parse_campaign(tomllib.load(fh))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, ValueError) as exc:
        raise CampaignFileError(f"Campaign file {path}: {exc}") from exc


def load_campaigns(data_dir: str | Path) -> dict[str, CampaignContent]:
    """Read every campaign file in data/campaigns/, keyed by slug (translations aside)."""
    folder = Path(data_dir) / CAMPAIGNS_FOLDER
    paths = [p for p in sorted(folder.glob("*.toml")) if "." not in p.stem]
    if not paths:
        raise CampaignFileError(f"No campaign file (*.toml) in {folder}")
    campaigns: dict[str, CampaignContent] = {}
    for path in paths:
        content = load_campaign_file(path)
        if content.slug in campaigns:
            raise CampaignFileError(f"Campaign file {path}: slug '{content.slug}' is used twice")
        campaigns[content.slug] = content
    return campaigns


# Keys whose text is the same in every language: names of things, addresses, numbers.
UNTRANSLATED_KEYS = frozenset({"slug", "language", "contact_email", "report_mistake_url", "image"})
UNTRANSLATED_SUFFIXES = ("_url", "_email", "_image")


def _translatable(key: str) -> bool:
    return key not in UNTRANSLATED_KEYS and not key.endswith(UNTRANSLATED_SUFFIXES)


def _overlay(english: Any, other: Any, where: str, missing: list[str]) -> Any:
    """The English value with the translation's texts laid over it, field by field.

    Lists of tables match by their `id`. Every translatable text the translation leaves
    out is named in ``missing``; keys or ids the English lacks are an error.
    """
    if isinstance(english, dict):
        other = other if isinstance(other, dict) else {}
        unknown = sorted(set(other) - set(english))
        if unknown:
            raise ValueError(f"{where or 'file'}: '{unknown[0]}' is not in the English file")
        return {
            key: _overlay(value, other.get(key), f"{where}.{key}".lstrip("."), missing)
            if _translatable(key) else value
            for key, value in english.items()
        }  # fmt: skip
    if isinstance(english, list) and all(isinstance(i, dict) and "id" in i for i in english):
        by_id = {i.get("id"): i for i in other} if isinstance(other, list) else {}
        unknown = sorted(str(k) for k in set(by_id) - {i["id"] for i in english})
        if unknown:
            raise ValueError(f"{where}: id '{unknown[0]}' is not in the English file")
        return [
            {"id": i["id"], **_overlay(
                {k: v for k, v in i.items() if k != "id"},
                {k: v for k, v in by_id.get(i["id"], {}).items() if k != "id"},
                f"{where}[{i['id']}]", missing)}
            for i in english
        ]  # fmt: skip
    if isinstance(english, str):
        if isinstance(other, str) and other.strip():
            return other
        missing.append(where)
    return english


def missing_texts(english: dict[str, Any], translation: dict[str, Any]) -> list[str]:
    """The texts of a decoded campaign file that a translation of it leaves out, by field
    ("privacy.text", "faq[if-nobody-acts].answer"); against {} every translatable text."""
    missing: list[str] = []
    _overlay(english, translation, "", missing)
    return missing


def load_campaign_translations(
    data_dir: str | Path, campaigns: dict[str, CampaignContent]
) -> tuple[dict[str, dict[str, CampaignContent]], list[str]]:
    """Read data/campaigns/<slug>.<lang>.toml: each campaign's texts in other languages.

    A text a translation leaves out stays in the campaign's language; each such gap is
    returned as a warning naming the file and the fields.

    :raises CampaignFileError: a translation of no campaign, or a malformed one.
    """
    folder = Path(data_dir) / CAMPAIGNS_FOLDER
    translations: dict[str, dict[str, CampaignContent]] = {}
    warnings: list[str] = []
    for path in sorted(folder.glob("*.*.toml")):
        slug, _, lang = path.stem.partition(".")
        try:
            if slug not in campaigns:
                raise ValueError(f"there is no campaign file {slug}.toml to translate")
            with (folder / f"{slug}.toml").open("rb") as fh:
                english = tomllib.load(fh)
            with path.open("rb") as fh:
                other = tomllib.load(fh)
            if other.get("language") != lang or other.get("slug") != slug:
                raise ValueError(f"'slug' and 'language' must say '{slug}' and '{lang}'")
            missing: list[str] = []
            merged = _overlay(english, other, "", missing)
            merged["language"] = lang
            content = parse_campaign(merged)
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, ValueError) as exc:
            raise CampaignFileError(f"Campaign file {path}: {exc}") from exc
        translations.setdefault(slug, {})[lang] = content
        if missing:
            warnings.append(f"{path.name}: no '{lang}' text for {', '.join(missing)}; "
                            f"{english.get('language', 'the original')} is shown")  # fmt: skip
    return translations, warnings


LETTERS_FOLDER = "letters"
LETTER_BODIES = ("us-house", "us-senate", "ca-commons", "eu-parliament")
# Placeholders a letter template may use; compose_letter fills every one.
LETTER_PLACEHOLDERS = frozenset(
    {"name", "last_name", "address_as", "district_name", "place", "writer_name"}
)


@dataclass(frozen=True)
class LetterTemplate:
    body: str
    lang: str  # the letter's language: "en", "fr", "de"...
    locale: str  # how its date is written: "en_US", "fr_CA"...
    subject: str
    salutation: str
    opening: str
    demands_intro: str
    demands: dict[int, str]
    closing: str
    signoff: str
    unknown_place: str  # {place} when the writer gave neither city nor postal code


# body -> language -> template; every body has English.
LetterTemplates = dict[str, dict[str, LetterTemplate]]
TEXT_FIELDS = ("subject", "salutation", "opening", "demands_intro", "closing", "signoff")


def _placeholders(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}


def _check_placeholders(text: str, where: str) -> str:
    try:
        names = _placeholders(text)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc} (write a literal brace as {{{{ or }}}})") from exc
    unknown = names - LETTER_PLACEHOLDERS
    if unknown:
        allowed = ", ".join("{" + n + "}" for n in sorted(LETTER_PLACEHOLDERS))
        raise ValueError(f"{where}: unknown placeholder {{{sorted(unknown)[0]}}} (use {allowed})")
    return text.strip()


def parse_letter(data: dict[str, Any]) -> LetterTemplate:
    """Check a decoded letter file against the schema and build the template."""
    fields: dict[str, Any] = {}
    for key in ("body", *TEXT_FIELDS):
        fields[key] = _check_placeholders(_require(data, key, str, "file"), key)
    if fields["body"] not in LETTER_BODIES:
        raise ValueError(f"file: 'body' must be one of {', '.join(LETTER_BODIES)}")
    lang = data.get("lang", "en")
    if not (isinstance(lang, str) and lang.isascii() and lang.isalpha() and len(lang) == 2):
        raise ValueError("file: 'lang' must be a two-letter language code such as 'fr'")
    locale = data.get("locale", lang)
    if not isinstance(locale, str) or not locale.startswith(lang):
        raise ValueError(f"file: 'locale' must be a locale of '{lang}', such as '{lang}_CA'")
    unknown_place = data.get("unknown_place", "your constituency")
    if not isinstance(unknown_place, str) or not unknown_place.strip():
        raise ValueError("file: 'unknown_place' must be a phrase such as 'your constituency'")
    raw = _require(data, "demands", dict, "file")
    demands = {}
    for key, text in raw.items():
        if not str(key).isdigit() or not isinstance(text, str) or not text.strip():
            raise ValueError(f"[demands]: '{key}' must be a demand id with a paragraph")
        demands[int(key)] = _check_placeholders(text, f"[demands] {key}")
    return LetterTemplate(
        demands=demands, lang=lang, locale=locale, unknown_place=unknown_place.strip(), **fields
    )


def check_translation(english: LetterTemplate, other: LetterTemplate) -> None:
    """A translation covers the same demands and keeps every placeholder of the English.

    :raises ValueError: naming the field that differs.
    """
    if set(other.demands) != set(english.demands):
        ids = sorted(english.demands)
        raise ValueError(f"[demands] must have the ids of the English letter: {ids}")
    pairs = [(f, getattr(english, f), getattr(other, f)) for f in TEXT_FIELDS]
    pairs += [(f"[demands] {i}", english.demands[i], other.demands[i]) for i in english.demands]
    for where, source, translated in pairs:
        missing = _placeholders(source) - _placeholders(translated)
        if missing:
            raise ValueError(f"{where}: the English letter uses {{{sorted(missing)[0]}}}; keep it")


def load_letter_templates(data_dir: str | Path) -> LetterTemplates:
    """Read data/letters/<body>.toml (English) and <body>.<lang>.toml (other languages).

    A missing folder gives no templates; a translation without its English letter, or one
    that drops a demand or a placeholder, stops start-up with the file named.
    """
    templates: LetterTemplates = {}
    paths = (Path(data_dir) / LETTERS_FOLDER).glob("*.toml")
    # English first (body.toml before body.fr.toml): translations are checked against it.
    for path in sorted(paths, key=lambda p: (p.name.count("."), p.name)):
        try:
            with path.open("rb") as fh:
                template = parse_letter(tomllib.load(fh))
            suffix = path.stem.partition(".")[2] or "en"
            if suffix != template.lang:
                raise ValueError(f"'lang' is '{template.lang}' but the file name says '{suffix}'")
            english = templates.get(template.body, {}).get("en")
            if template.lang != "en":
                if english is None:
                    raise ValueError(f"there is no English letter {template.body}.toml to follow")
                check_translation(english, template)
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, ValueError) as exc:
            raise CampaignFileError(f"Letter file {path}: {exc}") from exc
        templates.setdefault(template.body, {})[template.lang] = template
    return templates
