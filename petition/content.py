"""Campaign content read from editable TOML files under data/campaigns/.

Organizers change wording by editing the file; the app reads it once at start-up
and refuses to start, naming the file and the problem, when it is malformed.
"""

from __future__ import annotations

import string
import tomllib
from dataclasses import dataclass
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


def parse_campaign(data: dict[str, Any]) -> CampaignContent:
    """Check a decoded campaign file against the schema and build its content."""
    situation = _require(data, "situation", dict, "file")
    privacy = _require(data, "privacy", dict, "file")
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
    """Read every campaign file in data/campaigns/, keyed by slug."""
    folder = Path(data_dir) / CAMPAIGNS_FOLDER
    paths = sorted(folder.glob("*.toml"))
    if not paths:
        raise CampaignFileError(f"No campaign file (*.toml) in {folder}")
    campaigns: dict[str, CampaignContent] = {}
    for path in paths:
        content = load_campaign_file(path)
        if content.slug in campaigns:
            raise CampaignFileError(f"Campaign file {path}: slug '{content.slug}' is used twice")
        campaigns[content.slug] = content
    return campaigns


LETTERS_FOLDER = "letters"
LETTER_BODIES = ("us-house", "us-senate", "ca-commons", "eu-parliament")
# Placeholders a letter template may use; compose_letter fills every one.
LETTER_PLACEHOLDERS = frozenset(
    {"name", "last_name", "address_as", "district_name", "place", "writer_name"}
)


@dataclass(frozen=True)
class LetterTemplate:
    body: str
    subject: str
    salutation: str
    opening: str
    demands_intro: str
    demands: dict[int, str]
    closing: str
    signoff: str


def _check_placeholders(text: str, where: str) -> str:
    try:
        names = {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}
    except ValueError as exc:
        raise ValueError(f"{where}: {exc} (write a literal brace as {{{{ or }}}})") from exc
    unknown = names - LETTER_PLACEHOLDERS
    if unknown:
        allowed = ", ".join("{" + n + "}" for n in sorted(LETTER_PLACEHOLDERS))
        raise ValueError(f"{where}: unknown placeholder {{{sorted(unknown)[0]}}} (use {allowed})")
    return text.strip()


def parse_letter(data: dict[str, Any]) -> LetterTemplate:
    """Check a decoded letter file against the schema and build the template."""
    fields = {}
    for key in ("body", "subject", "salutation", "opening", "demands_intro", "closing", "signoff"):
        fields[key] = _check_placeholders(_require(data, key, str, "file"), key)
    if fields["body"] not in LETTER_BODIES:
        raise ValueError(f"file: 'body' must be one of {', '.join(LETTER_BODIES)}")
    raw = _require(data, "demands", dict, "file")
    demands = {}
    for key, text in raw.items():
        if not str(key).isdigit() or not isinstance(text, str) or not text.strip():
            raise ValueError(f"[demands]: '{key}' must be a demand id with a paragraph")
        demands[int(key)] = _check_placeholders(text, f"[demands] {key}")
    return LetterTemplate(demands=demands, **fields)


def load_letter_templates(data_dir: str | Path) -> dict[str, LetterTemplate]:
    """Read data/letters/*.toml, keyed by body; a missing folder gives no templates."""
    templates: dict[str, LetterTemplate] = {}
    for path in sorted((Path(data_dir) / LETTERS_FOLDER).glob("*.toml")):
        try:
            with path.open("rb") as fh:
                template = parse_letter(tomllib.load(fh))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, ValueError) as exc:
            raise CampaignFileError(f"Letter file {path}: {exc}") from exc
        templates[template.body] = template
    return templates
