"""Delivery packs: a printable letter from the campaign to one representative, as HTML or PDF.

A pack gives the petition text, the demands, how many of the representative's
constituents signed, and a breakdown by postal area where an area's count is large
enough to publish (PETITION_PUBLIC_MIN_COUNT). It names signers only when the campaign
file allows it ([packs] names = true), and then only the confirmed constituents who
ticked the consent box when signing (and have not withdrawn it, nor been anonymized),
placed by the same rules as the counts: a signature whose postal code is split between
districts is never listed under a district.
"""

from __future__ import annotations

import io
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from petition.content import LETTER_BODIES, CampaignContent
from petition.models import Signature, SignatureState
from petition.organizer.constituents import Constituency, RepCount, area_label

# Characters of a postal code that make its "postal area" in a pack: the Canadian FSA,
# the five-digit ZIP, the Irish routing key; elsewhere the first two, a broad district.
POSTAL_AREA_LENGTH = {"CA": 3, "US": 5, "IE": 3}
DEFAULT_AREA_LENGTH = 2
# Postal areas listed in one pack; smaller ones are summed into one line.
MAX_AREAS = 30
PACK_FORMATS = ("pdf", "html")
PACK_STYLESHEET = "pack.css"  # in static/
# Where a body's packs go when built together, as /organizer/packs/<body>.zip.
PACK_BODIES = LETTER_BODIES
# Names listed in one pack at most (62 pages and 5 s of WeasyPrint for 30-character names);
# a pack with more lists the first ones alphabetically and says how many it leaves out.
MAX_NAMES = 10_000
# Names run on in paragraphs, parted by NAME_SEPARATOR, each name unbroken: far
# denser and faster than a list (WeasyPrint takes about 20 s for 5,000 list items, 2.5 s
# for 5,000 names in paragraphs), with paragraphs of this many names, as one very long
# paragraph lays out in quadratic time.
NAMES_PER_PARAGRAPH = 300
NAME_SEPARATOR = "\u00a0· "  # the dot stays with the name before it
# (region, district id, postal area) -> confirmed signatures
AreaRows = dict[tuple[str, str, str], int]
# (region, district id) -> (name, signature id) of consenting confirmed signers
NameRows = dict[tuple[str, str], list[tuple[str, int]]]


@dataclass(frozen=True)
class Pack:
    """Everything one delivery pack shows; counts under the publishing threshold are None."""

    count: RepCount
    signatures: int | None
    areas: list[tuple[str, int]]
    areas_other: int
    areas_hidden: int
    min_count: int
    issued_on: date
    # Consenting constituents' names, sorted; None when the campaign file allows no names.
    names: tuple[str, ...] | None = None
    # Consenting constituents past MAX_NAMES, counted but not listed.
    names_left_out: int = 0
    # The signatures whose names the pack lists, for the audit log.
    named_ids: frozenset[int] = frozenset()

    def name_paragraphs(self) -> list[str]:
        """The listed names as paragraphs of text, each name kept on one line."""
        names = [name.replace(" ", "\u00a0") for name in self.names or ()]
        paragraphs = [NAME_SEPARATOR.join(names[start : start + NAMES_PER_PARAGRAPH])
                      for start in range(0, len(names), NAMES_PER_PARAGRAPH)]  # fmt: skip
        # Every paragraph but the last ends with a separator: the list reads as one.
        return [p + NAME_SEPARATOR.rstrip() for p in paragraphs[:-1]] + paragraphs[-1:]

    @property
    def names_total(self) -> int:
        """Consenting constituents, listed or left out."""
        return len(self.names or ()) + self.names_left_out

    @property
    def file_stem(self) -> str:
        """A file name for the pack, from the seat id (safe on every file system)."""
        return self.count.rep.id.replace(":", "-")


def area_length(country: str) -> int:
    """Return how many leading characters of a postal code make a postal area there."""
    return POSTAL_AREA_LENGTH.get(country, DEFAULT_AREA_LENGTH)


def count_areas(session: Session, campaign_id: int, area: Constituency) -> AreaRows:
    """Count the confirmed signatures by postal area inside a constituency (or a country)."""
    prefix = func.substr(Signature.postal_code, 1, area_length(area.country))
    query = (
        select(Signature.region, Signature.district_id, prefix, func.count(Signature.id))
        .where(*_confirmed_in(campaign_id, area))
        .group_by(Signature.region, Signature.district_id, prefix)
    )
    return {(region, district, key): int(n) for region, district, key, n in session.execute(query)}


def _confirmed_in(campaign_id: int, area: Constituency) -> list[ColumnElement[bool]]:
    """The conditions of a campaign's confirmed signatures inside an area."""
    conditions = [
        Signature.campaign_id == campaign_id,
        Signature.state == SignatureState.CONFIRMED,
        Signature.country == area.country,
    ]
    if area.region:
        conditions.append(Signature.region == area.region)
    if area.district_id:
        conditions.append(Signature.district_id == area.district_id)
    return conditions


def areas_within(rows: AreaRows, area: Constituency) -> Counter[str]:
    """Sum area rows (of the whole country, or narrower) that lie inside a constituency."""
    found: Counter[str] = Counter()
    for (region, district, key), n in rows.items():
        if area.contains(region, district):
            found[key] += n
    return found


def consenting_names(session: Session, campaign_id: int, area: Constituency) -> NameRows:
    """Return the confirmed signers inside an area (or a country) who agreed to be named.

    Anonymized signatures have no name, and no consent, left; they are never listed.
    """
    query = select(Signature.region, Signature.district_id, Signature.name, Signature.id).where(
        *_confirmed_in(campaign_id, area),
        Signature.name_consent.is_(True),
        Signature.anonymized_at.is_(None),
        Signature.name != "",
    )
    rows: NameRows = {}
    for region, district, name, signature_id in session.execute(query):
        rows.setdefault((region, district), []).append((name, signature_id))
    return rows


def names_within(rows: NameRows, area: Constituency) -> list[tuple[str, int]]:
    """The named signers of name rows (of a country, or narrower) inside a constituency,
    in alphabetical order."""
    found = [named for (region, district), names in rows.items()
             if area.contains(region, district) for named in names]  # fmt: skip
    return sorted(found, key=lambda named: (named[0].casefold(), named[0], named[1]))


def build_pack(
    count: RepCount,
    areas: Counter[str],
    min_count: int,
    today: date,
    names: list[tuple[str, int]] | None = None,
) -> Pack:
    """Assemble a pack, leaving out every count under min_count.

    names: the consenting constituents in order (None: the campaign allows no names);
    past MAX_NAMES they are counted, not listed.
    """
    ordered = sorted(areas.items(), key=lambda kv: (-kv[1], kv[0]))
    shown = [(key, n) for key, n in ordered if n >= min_count]  # "": unknown
    hidden = sum(n for n in areas.values() if n < min_count)
    listed = None if names is None else names[:MAX_NAMES]
    return Pack(
        count=count,
        signatures=count.signatures if count.signatures >= min_count else None,
        areas=shown[:MAX_AREAS],
        areas_other=sum(n for _key, n in shown[MAX_AREAS:]),
        areas_hidden=hidden,
        min_count=min_count,
        issued_on=today,
        names=None if listed is None else tuple(name for name, _id in listed),
        names_left_out=0 if names is None else max(0, len(names) - MAX_NAMES),
        named_ids=frozenset(signature_id for _name, signature_id in listed or ()),
    )


def render_pdf(html: str, stylesheet: str) -> bytes:
    """Render a pack's HTML to PDF with WeasyPrint, fetching nothing from anywhere."""
    from weasyprint import CSS, HTML  # imported late: loading pango takes a while

    def refuse(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        raise ValueError(f"delivery packs load nothing ({url})")

    document = HTML(string=html, url_fetcher=refuse)
    pdf: bytes = document.write_pdf(stylesheets=[CSS(string=stylesheet, url_fetcher=refuse)])
    return pdf


def iter_zip(files: Iterable[tuple[str, bytes]]) -> Iterator[bytes]:
    """Yield a ZIP archive of the files piece by piece, one file at a time (streamable)."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            archive.writestr(name, data)
            yield sink.take()
    yield sink.take()


class _Sink(io.RawIOBase):
    """A write-only, unseekable stream whose written bytes are taken away as they come."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self._written = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._chunks.append(chunk)
        self._written += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._written

    def take(self) -> bytes:
        """Return what was written since the last call."""
        data, self._chunks = b"".join(self._chunks), []
        return data


def iter_packs(
    session: Session,
    campaign_id: int,
    counts: Iterable[RepCount],
    min_count: int,
    today: date,
    *,
    names: bool = False,
) -> Iterator[Pack]:
    """Build the packs of many seats, with one postal-area query per country (and one
    query of consenting names per country when names is true)."""
    by_country: dict[str, tuple[AreaRows, NameRows | None]] = {}
    for count in counts:
        country = count.area.country
        if country not in by_country:
            whole = Constituency(country)
            by_country[country] = (
                count_areas(session, campaign_id, whole),
                consenting_names(session, campaign_id, whole) if names else None,
            )
        areas, named = by_country[country]
        listed = None if named is None else names_within(named, count.area)
        yield build_pack(count, areas_within(areas, count.area), min_count, today, listed)


def pack_for(
    session: Session,
    campaign_id: int,
    count: RepCount,
    min_count: int,
    today: date,
    *,
    names: bool = False,
) -> Pack:
    """Build one seat's pack, counting only its own constituency's postal areas (and
    listing its consenting constituents when names is true)."""
    area = count.area
    rows = count_areas(session, campaign_id, area)
    listed = names_within(consenting_names(session, campaign_id, area), area) if names else None
    return build_pack(count, areas_within(rows, area), min_count, today, listed)


class PackCounter:
    """Pass packs through, counting them and the distinct signers they name (for the audit)."""

    def __init__(self, packs: Iterable[Pack]) -> None:
        self._packs = packs
        self.rows = 0
        self.named: set[int] = set()
        self.names_listed = 0
        self.with_names = False

    def __iter__(self) -> Iterator[Pack]:
        for pack in self._packs:
            self.rows += 1
            if pack.names is not None:
                self.with_names = True
                self.named |= pack.named_ids
                self.names_listed += len(pack.named_ids)
            yield pack

    def names_note(self) -> str:
        """Say, for the audit log, whose names the packs gave (empty when none were allowed)."""
        return names_note(len(self.named), self.names_listed) if self.with_names else ""


def names_note(named: int, listings: int | None = None) -> str:
    """The audit log's words for a download or build that named signers."""
    repeated = f", {listings} listings in all" if listings not in (None, named) else ""
    return f"; names of {named} consenting signers included{repeated}"


def pack_names_note(pack: Pack) -> str:
    """Say, for the audit log, whose names one pack gave (empty when none were allowed)."""
    return "" if pack.names is None else names_note(len(pack.named_ids))


def render_pack_html(
    pack: Pack, content: CampaignContent, *, responses_url: str, stylesheet_url: str | None
) -> str:
    """Render a pack's letter as a standalone HTML page (stylesheet_url None: for the PDF).

    The letter's own words, numbers and dates are in the language of the campaign texts
    it quotes, whatever the language of the page or command that asks for it.
    """
    # The Jinja environment alone: no context processors, so no request is needed (CLI).
    template = current_app.jinja_env.get_template("organizer/pack.html")
    with force_locale(content.language):
        return template.render(
            pack=pack,
            content=content,
            area_label=area_label(pack.count),
            responses_url=responses_url,
            stylesheet_url=stylesheet_url,
        )


def pack_stylesheet(static_folder: str) -> str:
    """Return the packs' stylesheet, which the PDF gets inline (it fetches nothing)."""
    return (Path(static_folder) / PACK_STYLESHEET).read_text(encoding="utf-8")


def responses_url(base_url: str, slug: str) -> str:
    """Return the address of the public page of representatives' responses."""
    return f"{base_url.rstrip('/')}/campaigns/{slug}/representatives"
