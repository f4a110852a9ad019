"""The online refinement adapter, against local servers answering in each service's format."""

from __future__ import annotations

import gzip
import json
import os
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import redis
import requests
from flask import Flask

from petition.cache import MemoryCache, RedisCache
from petition.config import DEFAULTS
from petition.geocoders import (
    REPRESENT_LIMIT,
    Geocoders,
    Refinement,
    current_geocoders,
    normalize_address,
    parse_census,
    parse_represent,
)
from tests.conftest import FIXTURES, FakeService

CENSUS_PATH = "/geographies/onelineaddress"
ADDRESS = "350 5th Ave, New York, NY"
REDIS_URL = os.environ.get("PETITION_TEST_REDIS_URL")


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / "online" / name).read_text())


def make_geocoders(service: FakeService, **overrides: Any) -> Geocoders:
    """The adapter with the shipped settings, pointed at the local server."""
    config = {**DEFAULTS, "SECRET_KEY": "test", "US_GEOCODER_URL": service.url,
              "CA_POSTCODE_URL": service.url, **overrides}  # fmt: skip
    return Geocoders(config, MemoryCache())


def test_shipped_defaults() -> None:
    assert DEFAULTS["ONLINE_LOOKUPS"] is True
    assert DEFAULTS["US_GEOCODER_URL"] == "https://geocoding.geo.census.gov/geocoder"
    assert DEFAULTS["CA_POSTCODE_URL"] == "https://represent.opennorth.ca"
    assert DEFAULTS["LOOKUP_TIMEOUT"] <= 3


def test_timeout_is_capped_at_three_seconds(fake_service: FakeService) -> None:
    assert make_geocoders(fake_service, LOOKUP_TIMEOUT=30).timeout == 3


def test_tests_cannot_reach_the_internet() -> None:
    with pytest.raises(requests.ConnectionError, match="may not connect"):
        requests.get("http://192.0.2.1/", timeout=1)


def test_census_address_gives_its_district(fake_service: FakeService) -> None:
    fake_service.answer(CENSUS_PATH, "census_onelineaddress_ny12.json")
    geo = make_geocoders(fake_service)
    assert geo.us_district("350 5th Ave,  New York, NY", "10001") == Refinement("NY-12")
    [sent] = fake_service.requests
    assert "address=350+5TH+AVE%2C+NEW+YORK%2C+NY%2C+10001" in sent
    assert "benchmark=Public_AR_Current" in sent and "vintage=Current_Current" in sent


def test_census_answers_are_cached_without_the_address(fake_service: FakeService) -> None:
    fake_service.answer(CENSUS_PATH, "census_onelineaddress_ny12.json")
    cache = MemoryCache()
    config = {**DEFAULTS, "SECRET_KEY": "test", "US_GEOCODER_URL": fake_service.url}
    geo = Geocoders(config, cache)
    geo.us_district("350 5th Ave, New York, NY", "10001")
    # Same address written differently: answered from the cache.
    assert geo.us_district("350 5TH AVE,NEW YORK,  NY", "10001").district_id == "NY-12"
    assert len(fake_service.requests) == 1
    stored = json.dumps(cache._items)
    assert "5TH" not in stored.upper() and "NEW YORK" not in stored.upper()


def test_census_gzip_answer(fake_service: FakeService) -> None:
    raw = (FIXTURES / "online" / "census_onelineaddress_ny12.json").read_bytes()
    fake_service.answer(CENSUS_PATH, body=gzip.compress(raw), headers={"Content-Encoding": "gzip"})
    assert make_geocoders(fake_service).us_district(ADDRESS, "10001") == Refinement("NY-12")


def test_census_no_match(fake_service: FakeService) -> None:
    fake_service.answer(CENSUS_PATH, "census_onelineaddress_no_match.json")
    answer = make_geocoders(fake_service).us_district("1 Nowhere Lane", "10001")
    assert answer == Refinement(reason="The address service did not find this address.")


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (500, b"<html>Internal Server Error</html>", "The address service answered with an error."),
        (200, b'{"result": {"addressMatches": [', "The address service gave an unreadable answer."),
        (200, b'{"errors": ["Address cannot be empty"]}', "gave an unreadable answer"),
    ],
)
def test_census_failures_give_a_reason(
    fake_service: FakeService, status: int, body: bytes, reason: str
) -> None:
    fake_service.answer(CENSUS_PATH, status=status, body=body)
    answer = make_geocoders(fake_service).us_district("350 5th Ave", "10001")
    assert answer.district_id == "" and reason in answer.reason


def test_census_timeout(fake_service: FakeService) -> None:
    fake_service.answer(CENSUS_PATH, "census_onelineaddress_ny12.json", delay=5)
    answer = make_geocoders(fake_service, LOOKUP_TIMEOUT=0.2).us_district("350 5th Ave", "10001")
    assert answer == Refinement(reason="The address service did not answer in time.")


def test_census_trickling_answer_is_cut_at_the_deadline(fake_service: FakeService) -> None:
    """Each piece arrives within the read timeout; the whole answer does not."""
    fake_service.answer(CENSUS_PATH, "census_onelineaddress_ny12.json")
    fake_service.trickle = 0.05  # about 300 pieces of a 5 kB answer: 15 s in all
    answer = make_geocoders(fake_service, LOOKUP_TIMEOUT=0.3).us_district("350 5th Ave", "10001")
    assert answer == Refinement(reason="The address service did not answer in time.")


def test_oversized_answer_is_unreadable(fake_service: FakeService) -> None:
    fake_service.answer("/postcodes/M5V3L9/", body=b"[" + b"0," * 600_000 + b"0]")
    answer = make_geocoders(fake_service).ca_riding("M5V3L9")
    assert answer == Refinement(reason="The postal code service gave an unreadable answer.")


def test_census_unreachable() -> None:
    config = {**DEFAULTS, "SECRET_KEY": "t", "US_GEOCODER_URL": "http://127.0.0.1:9"}
    answer = Geocoders(config, MemoryCache()).us_district("350 5th Ave", "10001")
    assert answer == Refinement(reason="The address service could not be reached.")


def test_census_other_congress_is_not_used() -> None:
    data = fixture("census_onelineaddress_ny12.json")
    geographies = data["result"]["addressMatches"][0]["geographies"]
    geographies["120th Congressional Districts"] = geographies.pop("119th Congressional Districts")
    answer = parse_census(data)
    assert answer.district_id == "" and answer.reason_text() == (
        "The address service gave no district of the 119th Congress (it gave: 120th)."
    )


@pytest.mark.parametrize(
    "data",
    [None, [], {"result": None}, {"result": {"addressMatches": [None]}},
     {"result": {"addressMatches": [{"geographies": []}]}},
     {"result": {"addressMatches": [{"geographies": {"119th Congressional Districts": [
         {"GEOID": 3612}]}}]}}],
)  # fmt: skip
def test_census_odd_shapes_never_raise(data: Any) -> None:
    answer = parse_census(data)
    assert answer.district_id in ("", "NY-12") and (answer.district_id or answer.reason)


def test_census_delegate_and_at_large_codes() -> None:
    data = fixture("census_onelineaddress_ny12.json")
    layer = data["result"]["addressMatches"][0]["geographies"]["119th Congressional Districts"]
    layer[0]["GEOID"] = "1198"
    assert parse_census(data).district_id == "DC-00"
    layer[0]["GEOID"] = "5600"
    assert parse_census(data).district_id == "WY-00"


def test_online_lookups_off_sends_nothing(fake_service: FakeService) -> None:
    fake_service.answer(CENSUS_PATH, "census_onelineaddress_ny12.json")
    geo = make_geocoders(fake_service, ONLINE_LOOKUPS=False)
    assert geo.us_district("350 5th Ave", "10001").district_id == ""
    assert geo.ca_riding("M5V 3L9").district_id == ""
    assert fake_service.requests == []


def test_represent_riding_from_centroid(fake_service: FakeService) -> None:
    fake_service.answer("/postcodes/M5V3L9/", "represent_postcode_M5V3L9.json")
    geo = make_geocoders(fake_service)
    assert geo.ca_riding("M5V 3L9") == Refinement("35100")
    assert geo.ca_riding("m5v3l9") == Refinement("35100")
    assert fake_service.requests == ["/postcodes/M5V3L9/"]  # the second came from the cache


def test_represent_concordance_is_used_when_centroid_lacks_the_federal_set() -> None:
    data = fixture("represent_postcode_M5V3L9.json")
    federal = data["boundaries_centroid"].pop(0)
    data["boundaries_concordance"] = [federal]
    assert parse_represent(data) == Refinement("35100")
    data["boundaries_concordance"].append({**federal, "external_id": "35105"})
    assert parse_represent(data).district_id == ""


@pytest.mark.parametrize(
    "data",
    [None, [], {"boundaries_centroid": None}, {"boundaries_centroid": {"a": 1}},
     {"boundaries_centroid": [None, "x", {"related": "x"}, {"related": None}]},
     {"boundaries_centroid": [{"external_id": None, "related": {
         "boundary_set_url": "/boundary-sets/federal-electoral-districts/"}}]}],
)  # fmt: skip
def test_represent_odd_shapes_never_raise(data: Any) -> None:
    answer = parse_represent(data)
    assert answer.district_id == "" and answer.reason


def test_represent_older_federal_sets_are_ignored() -> None:
    data = fixture("represent_postcode_M5V3L9.json")
    data["boundaries_centroid"].pop(0)  # only the 2013 set and provincial/ward rows left
    assert parse_represent(data).district_id == ""


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (500, b"Server Error", "The postal code service answered with an error."),
        (200, b"<html>not json</html>", "The postal code service gave an unreadable answer."),
        (404, b"<h1>Not Found</h1>", "The postal code service does not know this code."),
        (200, b"[]", "The postal code service gave an unreadable answer."),
    ],
)
def test_represent_failures_give_a_reason(
    fake_service: FakeService, status: int, body: bytes, reason: str
) -> None:
    fake_service.answer("/postcodes/M5V3L9/", status=status, body=body)
    assert make_geocoders(fake_service).ca_riding("M5V3L9") == Refinement(reason=reason)


def test_represent_timeout(fake_service: FakeService) -> None:
    fake_service.answer("/postcodes/M5V3L9/", "represent_postcode_M5V3L9.json", delay=5)
    answer = make_geocoders(fake_service, LOOKUP_TIMEOUT=0.2).ca_riding("M5V3L9")
    assert answer == Refinement(reason="The postal code service did not answer in time.")


def test_represent_429_backs_off(fake_service: FakeService) -> None:
    fake_service.answer("/postcodes/M5V3L9/", status=429, body=b"", headers={"Retry-After": "30"})
    fake_service.answer("/postcodes/K1A0A6/", "represent_postcode_K1A0A6.json")
    geo = make_geocoders(fake_service)
    assert "busy" in geo.ca_riding("M5V3L9").reason
    # While backing off, nothing is sent, even for another code.
    assert "busy" in geo.ca_riding("K1A0A6").reason
    assert fake_service.requests == ["/postcodes/M5V3L9/"]


def test_represent_stays_within_its_rate_limit(fake_service: FakeService) -> None:
    fake_service.answer("/postcodes/K1A0A6/", "represent_postcode_K1A0A6.json")
    geo = make_geocoders(fake_service)
    geo._cache.get = lambda key: None  # every call a miss
    answers = [geo.ca_riding("K1A0A6") for _ in range(REPRESENT_LIMIT.amount + 5)]
    assert len(fake_service.requests) == REPRESENT_LIMIT.amount <= 60
    assert answers[-1].reason == "The postal code service is busy right now."


def test_normalize_address() -> None:
    assert normalize_address("  350 5th ave ,New York,NY ") == "350 5TH AVE, NEW YORK, NY"
    assert len(normalize_address("x" * 500)) == 200


def test_app_has_the_adapter(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    with app.app_context():
        assert isinstance(current_geocoders(), Geocoders)
        assert current_geocoders().enabled is False  # the test config; shipped: True


@pytest.mark.redis
@pytest.mark.skipif(not REDIS_URL, reason="PETITION_TEST_REDIS_URL is not set")
def test_redis_shares_answers_and_the_rate_budget(fake_service: FakeService) -> None:
    """Two workers on one Redis: one call for one code, one budget, no address stored."""
    fake_service.answer("/postcodes/M5V3L9/", "represent_postcode_M5V3L9.json")
    fake_service.answer(CENSUS_PATH, "census_onelineaddress_ny12.json")
    secret = uuid.uuid4().hex  # keys of this run only
    config = {**DEFAULTS, "SECRET_KEY": secret, "US_GEOCODER_URL": fake_service.url,
              "CA_POSTCODE_URL": fake_service.url, "RATELIMIT_STORAGE_URL": REDIS_URL}  # fmt: skip
    workers = [Geocoders(config, RedisCache(REDIS_URL)) for _ in range(2)]
    client = redis.Redis.from_url(REDIS_URL)
    client.delete("petition:refine:ca:backoff")
    try:
        assert [w.ca_riding("M5V3L9").district_id for w in workers] == ["35100", "35100"]
        assert [w.us_district(ADDRESS, "10001").district_id for w in workers] == ["NY-12"] * 2
        assert len(fake_service.requests) == 2  # the second worker read both from Redis
        keys = client.keys("petition:refine:*")
        stored = b" ".join(client.get(k) or b"" for k in keys) + b" ".join(keys)
        assert b"5TH" not in stored.upper() and b"M5V" not in stored.upper()
    finally:
        for key in client.keys("petition:refine:*"):
            client.delete(key)


def test_represent_budget_survives_a_dead_store(fake_service: FakeService) -> None:
    fake_service.answer("/postcodes/K1A0A6/", "represent_postcode_K1A0A6.json")
    geo = make_geocoders(fake_service, RATELIMIT_STORAGE_URL="redis://127.0.0.1:1/0")
    assert geo.ca_riding("K1A0A6") == Refinement("35079")  # nothing listens on port 1


def test_one_client_cannot_spend_everybodys_budget(fake_service: FakeService) -> None:
    """On the shipped ONLINE_LOOKUP_RATE_LIMIT (10 a minute), then another client still gets in."""
    fake_service.answer("/postcodes/K1A0A6/", "represent_postcode_K1A0A6.json")
    geo = make_geocoders(fake_service)
    geo._cache.get = lambda key: None  # every call a miss
    greedy, other = geo.for_client("192.0.2.1"), geo.for_client("192.0.2.2")
    answers = [greedy.ca_riding("K1A0A6").district_id for _ in range(11)]
    assert answers == ["35079"] * 10 + [""]
    assert other.ca_riding("K1A0A6").district_id == "35079"
    assert len(fake_service.requests) == 11
