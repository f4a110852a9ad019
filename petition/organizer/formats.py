"""Numbers, dates and times on the organizer pages, in the page's language.

Flask-Babel's own filters (`numberformat`, `dateformat`) cover most of them. Two have
no standard CLDR length: a time to the minute (`when`) and a share with one decimal
(`share`); both are built here from CLDR data, so each language orders and spaces
them its own way.
"""

from __future__ import annotations

from datetime import datetime

from babel import Locale
from babel.dates import format_skeleton
from babel.numbers import format_percent
from flask_babel import get_locale

# Year, abbreviated month and day; then hour (24-hour clock) and minute.
DATE_SKELETON = "yMMMd"
TIME_SKELETON = "Hm"


def page_locale() -> Locale:
    """The page's language, or English outside a request and an app (tests, commands)."""
    return get_locale() or Locale.parse("en")


def format_when(value: datetime) -> str:
    """A stored time (naive UTC) to the minute: "Dec 1, 2026, 13:05", "1 déc. 2026, 13:05"."""
    locale = page_locale()
    day = format_skeleton(DATE_SKELETON, value, locale=locale)
    clock = format_skeleton(TIME_SKELETON, value, locale=locale)
    # As Babel's format_datetime joins them: "{1}, {0}", quotes around literal words.
    joined = str(locale.datetime_formats["medium"]).replace("'", "")
    return joined.replace("{0}", clock).replace("{1}", day)


def format_share(part: int, whole: int) -> str:
    """`part` as a percentage of `whole`, one decimal at most: "12.3%", "12,3 %"."""
    ratio = round(part / whole, 3) if whole else 0.0
    return format_percent(ratio, locale=page_locale(), decimal_quantization=False)
