"""The two online services that settle a split postal code, behind one adapter.

- the US Census Bureau's geocoder turns a street address into its congressional district
  (`{US_GEOCODER_URL}/geographies/onelineaddress`);
- Open North's Represent turns a full Canadian postal code into the federal riding its
  centroid lies in (`{CA_POSTCODE_URL}/postcodes/{CODE}/`).

Each answer is cached by a keyed hash of the normalized query (so the cache never holds an
address), each call has a short timeout, and any failure becomes a `Refinement` with no
district and a one-line reason: the caller then shows the usual choice list. Nothing here
raises on a network or data error. `ONLINE_LOOKUPS=false` turns both services off.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app
from flask_babel import gettext
from limits import parse, parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from petition.cache import Cache, get_cache
from petition.limits import storage_url
from petition.refdata.us_fetch import FIPS_TO_STATE, district_code

if TYPE_CHECKING:
    import requests

EXTENSION_KEY = "petition.geocoders"
logger = logging.getLogger("petition.geocoders")

MAX_TIMEOUT = 3.0  # seconds: a lookup page never waits longer on a service
MAX_ANSWER_BYTES = 1_000_000  # real answers are a few kilobytes
ANSWER_TTL = 30 * 24 * 3600  # districts change with redistricting only; a month is safe
MISS_TTL = 24 * 3600  # "no match" may be a typo fixed upstream later: keep it one day
# Represent's published limit is 60 requests a minute; we stay just under it.
REPRESENT_LIMIT = parse("55/minute")
REPRESENT_BACKOFF = 60  # seconds without calls after a 429 that names no Retry-After
# The Congress whose members our tables hold; a district of another Congress is not used.
CONGRESS = 119
_CD_LAYER = re.compile(r"([0-9]+)(?:st|nd|rd|th) Congressional Districts")
SERVICE_NAMES = {"us": "address service", "ca": "postal code service"}


def N_(message: str) -> str:  # noqa: N802  # gettext's name for "extract, translate later"
    """Mark a reason for extraction; it is cached in English and translated when shown."""
    return message


# Why a service gave no answer, by service ("us", "ca") and problem.
FAILURES = {
    ("us", "timeout"): N_("The address service did not answer in time."),
    ("ca", "timeout"): N_("The postal code service did not answer in time."),
    ("us", "unreachable"): N_("The address service could not be reached."),
    ("ca", "unreachable"): N_("The postal code service could not be reached."),
    ("us", "busy"): N_("The address service is busy right now."),
    ("ca", "busy"): N_("The postal code service is busy right now."),
    ("us", "error"): N_("The address service answered with an error."),
    ("ca", "error"): N_("The postal code service answered with an error."),
    ("us", "unreadable"): N_("The address service gave an unreadable answer."),
    ("ca", "unreadable"): N_("The postal code service gave an unreadable answer."),
}
USER_AGENT = "petition (write-to-your-representative; refinement of split postal codes)"


@dataclass(frozen=True)
class Refinement:
    """What a service said: a district id, or none and the reason in one line."""

    district_id: str = ""
    reason: str = ""  # in English (cached so), marked with N_ for the catalogues
    reason_args: dict[str, str] = field(default_factory=dict)

    def reason_text(self) -> str:
        """The reason in the page's language."""
        return str(gettext(self.reason, **self.reason_args)) if self.reason else ""


class Geocoders:
    """Both refinement services, with their cache, timeout and rate budget."""

    def __init__(self, config: dict[str, Any], cache: Cache) -> None:
        self.enabled = bool(config["ONLINE_LOOKUPS"])
        self.us_base = str(config["US_GEOCODER_URL"]).rstrip("/")
        self.ca_base = str(config["CA_POSTCODE_URL"]).rstrip("/")
        self.timeout = min(float(config["LOOKUP_TIMEOUT"]), MAX_TIMEOUT)
        self._secret = str(config["SECRET_KEY"]).encode()
        self._cache = cache
        storage = storage_from_string(storage_url(config))
        self._budget = MovingWindowRateLimiter(storage)
        # When the shared store is down, each process keeps Represent's budget on its own.
        self._local_budget = MovingWindowRateLimiter(storage_from_string("memory://"))
        # One client may not spend everybody's budget.
        self._client_limits = parse_many(str(config["ONLINE_LOOKUP_RATE_LIMIT"]))

    def _within_budget(self, client: str) -> bool:
        """Count one call to Represent; False when the client's or everybody's budget is spent."""
        try:
            return self._hit_all(self._budget, client)
        except Exception as exc:  # any storage failure: keep a local count
            logger.warning("rate budget store unavailable: %s", type(exc).__name__)
            return self._hit_all(self._local_budget, client)

    def _hit_all(self, budget: MovingWindowRateLimiter, client: str) -> bool:
        if client and not all(
            budget.hit(item, "represent", client) for item in self._client_limits
        ):
            return False
        return budget.hit(REPRESENT_LIMIT, "represent")

    def for_client(self, client: str) -> ClientGeocoders:
        """Return the services as used by one client (its address), with its own budget."""
        return ClientGeocoders(self, client)

    def _key(self, service: str, query: str) -> str:
        digest = hmac.new(self._secret, query.encode(), hashlib.sha256).hexdigest()
        return f"refine:{service}:{digest}"

    def us_district(self, address: str, zip5: str) -> Refinement:
        """Return the congressional district of a street address in a ZIP code."""
        query = normalize_address(address)
        if not self.enabled or not query:
            return Refinement(reason="" if self.enabled else N_("Online lookups are turned off."))
        # The ZIP goes with the address: "100 Main St" means different places elsewhere.
        line = f"{query}, {zip5}" if zip5 not in query else query
        key = self._key("us", line)
        cached = self._cache.get(key)
        if isinstance(cached, dict):
            return Refinement(**cached)
        params = {"address": line, "benchmark": "Public_AR_Current",
                  "vintage": "Current_Current", "format": "json"}  # fmt: skip
        data, failure = self._get_json("us", f"{self.us_base}/geographies/onelineaddress", params)
        if failure:
            return failure
        answer = parse_census(data)
        self._cache.set(key, answer.__dict__, ANSWER_TTL if answer.district_id else MISS_TTL)
        return answer

    def ca_riding(self, postal_code: str, client: str = "") -> Refinement:
        """Return the federal riding a full 6-character postal code's centroid lies in."""
        code = postal_code.replace(" ", "").upper()
        if not self.enabled:
            return Refinement(reason=N_("Online lookups are turned off."))
        key = self._key("ca", code)
        cached = self._cache.get(key)
        if isinstance(cached, dict):
            return Refinement(**cached)
        if self._cache.get("refine:ca:backoff") or not self._within_budget(client):
            return Refinement(reason=FAILURES["ca", "busy"])
        data, failure = self._get_json("ca", f"{self.ca_base}/postcodes/{code}/", {})
        if failure:
            return failure
        answer = parse_represent(data)
        self._cache.set(key, answer.__dict__, ANSWER_TTL if answer.district_id else MISS_TTL)
        return answer

    def _get_json(
        self, which: str, url: str, params: dict[str, str]
    ) -> tuple[Any, Refinement | None]:
        """GET a JSON document from service `which` ("us", "ca"); on failure, the reason."""
        import requests  # here: most workers never ask a service, and the import is slow

        service = SERVICE_NAMES[which]
        try:
            response, body = self._download(url, params)
        except requests.Timeout:
            logger.warning("%s timed out", service)
            return None, Refinement(reason=FAILURES[which, "timeout"])
        except requests.RequestException as exc:
            logger.warning("%s unreachable: %s", service, type(exc).__name__)
            return None, Refinement(reason=FAILURES[which, "unreachable"])
        if response.status_code == 429:
            self._cache.set(f"refine:{which}:backoff", 1, _retry_after(response))
            logger.warning("%s answered 429: backing off", service)
            return None, Refinement(reason=FAILURES[which, "busy"])
        if response.status_code == 404 and which == "ca":
            return None, Refinement(reason=N_("The postal code service does not know this code."))
        if response.status_code != 200:
            logger.warning("%s answered HTTP %s", service, response.status_code)
            return None, Refinement(reason=FAILURES[which, "error"])
        try:
            if body is None:
                raise ValueError("answer too large")
            return json.loads(body), None
        except ValueError:
            logger.warning("%s answered something that is not JSON", service)
            return None, Refinement(reason=FAILURES[which, "unreadable"])

    def _download(self, url: str, params: dict[str, str]) -> tuple[requests.Response, bytes | None]:
        """GET with one deadline for the whole answer (requests' own timeout is per read).

        The body is None when it is larger than any real answer.
        :raises requests.RequestException: unreachable, or too slow (requests.Timeout).
        """
        import requests

        deadline = time.monotonic() + self.timeout
        with requests.get(url, params=params, timeout=self.timeout, stream=True,
                          headers={"User-Agent": USER_AGENT}) as response:  # fmt: skip
            body = b""
            # read1: whatever one socket read brings, so the deadline is checked as bytes come
            while chunk := response.raw.read1(8192, decode_content=True):
                body += chunk
                if time.monotonic() > deadline:
                    raise requests.Timeout("the answer took too long to arrive")
                if len(body) > MAX_ANSWER_BYTES:
                    return response, None
        return response, body


class ClientGeocoders:
    """The services for one client: its Represent calls count against its own limit too."""

    def __init__(self, geocoders: Geocoders, client: str) -> None:
        self._geocoders = geocoders
        self._client = client
        self.enabled = geocoders.enabled

    def us_district(self, address: str, zip5: str) -> Refinement:
        """Street addresses are limited per client by the views (HTTP 429)."""
        return self._geocoders.us_district(address, zip5)

    def ca_riding(self, postal_code: str) -> Refinement:
        """Return the riding of a full postal code, within this client's limit."""
        return self._geocoders.ca_riding(postal_code, client=self._client)


def _retry_after(response: requests.Response) -> int:
    value = response.headers.get("Retry-After", "")
    return min(int(value), 3600) if value.isdigit() and int(value) > 0 else REPRESENT_BACKOFF


def normalize_address(address: str) -> str:
    """Return the address as one line: spaces collapsed, upper case, at most 200 characters."""
    return " ".join(address.replace(",", ", ").split()).upper().replace(" ,", ",")[:200]


def parse_census(data: Any) -> Refinement:
    """Read the congressional district of the first address match of a geocoder answer."""
    try:
        matches = data["result"]["addressMatches"]
    except (KeyError, TypeError):
        return Refinement(reason=FAILURES["us", "unreadable"])
    if not isinstance(matches, list) or not matches:
        return Refinement(reason=N_("The address service did not find this address."))
    geographies = matches[0].get("geographies") if isinstance(matches[0], dict) else None
    layers = {}
    for name, rows in (geographies if isinstance(geographies, dict) else {}).items():
        found = _CD_LAYER.fullmatch(name)
        if found and isinstance(rows, list) and rows and isinstance(rows[0], dict):
            layers[int(found.group(1))] = rows[0]
    if CONGRESS not in layers:
        other = ", ".join(f"{n}th" for n in sorted(layers)) or "none"
        return Refinement(
            # Translators: %(congress)s and %(other)s are English ordinals such as "119th".
            reason=N_("The address service gave no district of the %(congress)s Congress "
                      "(it gave: %(other)s)."),
            reason_args={"congress": f"{CONGRESS}th", "other": other},
        )  # fmt: skip
    geoid = str(layers[CONGRESS].get("GEOID", ""))
    state = FIPS_TO_STATE.get(geoid[:2])
    code = geoid[2:]
    if state is None or not code.isdigit() or len(code) != 2:
        return Refinement(reason=N_("The address service gave a district we cannot read."))
    return Refinement(district_id=district_code(state, 0 if code == "98" else int(code)))


def parse_represent(data: Any) -> Refinement:
    """Read the federal riding from a Represent postcode answer.

    The riding comes from `boundaries_centroid`; Represent moves a boundary set to
    `boundaries_concordance` instead when it has an official concordance for the code, so
    a single federal riding there is used too (several are a real split: no answer).
    """
    if not isinstance(data, dict):
        return Refinement(reason=FAILURES["ca", "unreadable"])
    for key in ("boundaries_centroid", "boundaries_concordance"):
        ridings = {
            str(b.get("external_id") or "")
            for b in data.get(key) or []
            if isinstance(b, dict) and _is_federal(b)
        }
        if len(ridings) == 1 and (riding := ridings.pop()).isdigit():
            return Refinement(district_id=riding)
        if ridings:
            return Refinement(reason=N_("This postal code spans more than one riding."))
    return Refinement(reason=N_("The postal code service does not place this code in a riding."))


def _is_federal(boundary: dict[str, Any]) -> bool:
    """Whether a boundary belongs to the current federal set (not an older one)."""
    related = boundary.get("related") or {}
    set_url = str(related.get("boundary_set_url", "")) if isinstance(related, dict) else ""
    return set_url in (
        "/boundary-sets/federal-electoral-districts/",
        "/boundary-sets/federal-electoral-districts-2023-representation-order/",
    )


def init_app(app: Flask) -> None:
    """Attach the refinement services configured for this app."""
    app.extensions[EXTENSION_KEY] = Geocoders(app.config, get_cache(app))


def current_geocoders() -> Geocoders:
    """Return the current app's refinement services."""
    geocoders: Geocoders = current_app.extensions[EXTENSION_KEY]
    return geocoders
