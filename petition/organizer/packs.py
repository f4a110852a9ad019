"""Delivery packs: a printable letter from the campaign to one representative, as HTML or PDF.

A pack gives the petition text, the demands, how many of the representative's
constituents signed, and a breakdown by postal area where an area's count is large
enough to publish (PETITION_PUBLIC_MIN_COUNT). It never names a signer: the sign form
asks no consent to hand names to representatives, so none may be handed over.
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
from sqlalchemy import func, select
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
# (region, district id, postal area) -> confirmed signatures
AreaRows = dict[tuple[str, str, str], int]


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
        .where(
            Signature.campaign_id == campaign_id,
            Signature.state == SignatureState.CONFIRMED,
            Signature.country == area.country,
        )
        .group_by(Signature.region, Signature.district_id, prefix)
    )
    if area.region:
        query = query.where(Signature.region == area.region)
    if area.district_id:
        query = query.where(Signature.district_id == area.district_id)
    return {(region, district, key): int(n) for region, district, key, n in session.execute(query)}


def areas_within(rows: AreaRows, area: Constituency) -> Counter[str]:
    """Sum area rows (of the whole country, or narrower) that lie inside a constituency."""
    found: Counter[str] = Counter()
    for (region, district, key), n in rows.items():
        if area.region and region != area.region:
            continue
        if area.district_id and district != area.district_id:
            continue
        found[key] += n
    return found


def build_pack(count: RepCount, areas: Counter[str], min_count: int, today: date) -> Pack:
    """Assemble a pack, leaving out every count under min_count."""
    ordered = sorted(areas.items(), key=lambda kv: (-kv[1], kv[0]))
    shown = [(key, n) for key, n in ordered if n >= min_count]  # "": unknown
    hidden = sum(n for n in areas.values() if n < min_count)
    return Pack(
        count=count,
        signatures=count.signatures if count.signatures >= min_count else None,
        areas=shown[:MAX_AREAS],
        areas_other=sum(n for _key, n in shown[MAX_AREAS:]),
        areas_hidden=hidden,
        min_count=min_count,
        issued_on=today,
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
    session: Session, campaign_id: int, counts: Iterable[RepCount], min_count: int, today: date
) -> Iterator[Pack]:
    """Build the packs of many seats, with one postal-area query per country."""
    by_country: dict[str, AreaRows] = {}
    for count in counts:
        country = count.area.country
        if country not in by_country:
            by_country[country] = count_areas(session, campaign_id, Constituency(country))
        yield build_pack(count, areas_within(by_country[country], count.area), min_count, today)


def pack_for(
    session: Session, campaign_id: int, count: RepCount, min_count: int, today: date
) -> Pack:
    """Build one seat's pack, counting only its own constituency's postal areas."""
    rows = count_areas(session, campaign_id, count.area)
    return build_pack(count, areas_within(rows, count.area), min_count, today)


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
