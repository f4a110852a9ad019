"""The lookup's rules, with real rows from the committed tables."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from petition.cache import MemoryCache
from petition.config import DEFAULTS
from petition.db import get_session
from petition.geocoders import Geocoders
from petition.representatives import LookupInputError, LookupResult, lookup_representatives
from petition.views.refs import current_index
from tests.conftest import FIXTURES, FakeService


@pytest.fixture
def ref_ctx(committed_ref_app) -> Iterator[None]:
    with committed_ref_app.app_context():
        yield


def look(country: str, code: str, choice: str | None = None) -> LookupResult:
    return lookup_representatives(get_session(), country, code, choice, index=current_index())


def test_lookup_without_a_prebuilt_index_reads_the_database(ref_ctx) -> None:
    direct = lookup_representatives(get_session(), "US", "30303")
    assert direct.to_json() == look("US", "30303").to_json()


def names(reps) -> list[str]:
    return [rep.name for rep in reps]


def ids(result: LookupResult) -> list[str]:
    return [d.id for d in result.districts]


def test_us_single_district_with_senators(ref_ctx) -> None:
    result = look("US", "30303-1234")  # ZIP+4: the first five digits are used
    assert result.postal_code == "30303-1234"
    assert (ids(result), result.ambiguous, result.note) == (["GA-05"], False, "")
    assert [r.address_as for r in result.at_large] == ["Senator", "Senator"]
    assert {r.region for r in result.at_large} == {"GA"}
    assert result.as_of["zccd"] == "2024-11-12"


def test_us_split_zip_lists_every_district(ref_ctx) -> None:
    result = look("US", "60062")
    assert result.ambiguous and ids(result) == ["IL-05", "IL-09", "IL-10"]
    assert all(d.representatives for d in result.districts)
    assert "split between 3 congressional districts" in result.note
    assert len(result.at_large) == 2  # same state: senators known before the choice
    chosen = look("US", "60062", "IL-09")
    assert (ids(chosen), chosen.ambiguous, chosen.chosen) == (["IL-09"], False, "IL-09")


def test_us_zip_across_a_state_line(ref_ctx) -> None:
    result = look("US", "81120")  # restored cross-state pair (PROVENANCE defect)
    assert result.ambiguous and ids(result) == ["CO-03", "NM-03"]
    assert result.at_large == [] and "crosses a state line" in result.note
    chosen = look("US", "81120", "CO-03")
    assert {r.region for r in chosen.at_large} == {"CO"} and len(chosen.at_large) == 2


def test_us_dc_and_territories_have_delegates_only(ref_ctx) -> None:
    dc = look("US", "20001")
    assert ids(dc) == ["DC-00"] and dc.at_large == [] and not dc.ambiguous
    assert dc.districts[0].representatives[0].address_as == "Delegate"
    pr = look("US", "00901")
    assert pr.districts[0].representatives[0].address_as == "Resident Commissioner"
    guam = look("US", "96910")  # no ZIP rows for GU: placed by prefix
    assert ids(guam) == ["GU-00"] and guam.at_large == [] and not guam.ambiguous


def test_us_zip_missing_from_the_table_offers_its_neighbours(ref_ctx) -> None:
    result = look("US", "22162")  # a PO-box ZIP in Virginia
    assert result.ambiguous and result.hint_only and 1 < len(result.districts) < 11
    assert all(d.id.startswith("VA-") for d in result.districts)
    assert "not in our district table" in result.note and "starting with 221" in result.note
    assert {r.region for r in result.at_large} == {"VA"}


def test_us_missing_zip_takes_the_geocoders_district_in_its_state(ref_ctx, fake_service) -> None:
    fake_service.answer("/geographies/onelineaddress", body=census_answer("5105"))  # VA-05
    settled = refined(fake_service, "US", "22162", "1 Main St, Springfield, VA")
    assert (ids(settled), settled.ambiguous) == (["VA-05"], False)
    fake_service.answer("/geographies/onelineaddress", body=census_answer("3612"))  # NY-12
    other_state = refined(fake_service, "US", "22162", "1 Main St, Springfield, VA")
    assert other_state.ambiguous and "New York's 12th" in other_state.refine_reason


def test_us_vacant_seat_is_shown_as_vacant(ref_ctx) -> None:
    result = look("US", "94544", "CA-14") if "CA-14" in ids(look("US", "94544")) else None
    assert result is not None
    [seat] = result.districts[0].representatives
    assert seat.vacant and seat.name == "" and "Vacant" in seat.note


def test_us_unplaceable_zip_says_so(ref_ctx) -> None:
    result = look("US", "09012")  # military mail
    assert result.districts == [] and result.at_large == [] and not result.ambiguous
    assert "We cannot place 09012" in result.note


def test_ca_fsa_with_several_ridings_primary_first(ref_ctx) -> None:
    result = look("CA", "h2x 1y4")
    assert result.postal_code == "H2X 1Y4"
    assert result.ambiguous and ids(result) == ["24037", "24077"]
    assert result.districts[0].share == pytest.approx(0.8348)
    assert result.choice_kind == "riding" and "span 2 ridings" in result.note


def test_ca_single_riding_and_bare_fsa(ref_ctx) -> None:
    result = look("CA", "X0A")  # Nunavut, bare FSA
    assert (ids(result), result.ambiguous) == (["62001"], False)
    assert names(result.districts[0].representatives) == ["Lori Idlout"]


def test_ca_point_only_fsa_resolves_to_its_point(ref_ctx) -> None:
    result = look("CA", "K1A 0B1")  # Parliament Hill's FSA: no polygon, one reference point
    assert (ids(result), result.ambiguous, result.hint_only) == (["35079"], False, True)
    assert result.districts[0].name == "Ottawa Centre"
    assert "reference point" in result.note and "Ottawa Centre" in result.note
    assert names(result.districts[0].representatives) == ["Yasir Naqvi"]


def test_ca_santas_postal_code_has_no_riding(ref_ctx) -> None:
    result = look("CA", "H0H 0H0")
    assert (result.districts, result.ambiguous) == ([], False)
    assert "Santa Claus" in result.note


def test_ca_unknown_fsa_offers_its_neighbours_not_the_province(ref_ctx) -> None:
    result = look("CA", "B1Z 1A1")  # valid shape, not in the FSA table
    assert result.ambiguous and result.hint_only and not result.preselect
    assert 1 < len(result.districts) <= 15
    assert "areas starting with B1" in result.note
    assert {d.representatives[0].region for d in result.districts} == {"NS"}


def test_ca_bare_fsa_asks_for_the_full_code(ref_ctx, fake_service) -> None:
    bare = refined(fake_service, "CA", "H3A")
    assert bare.ambiguous and bare.preselect and "Enter your full 6-character" in bare.note
    offline = look("CA", "H3A")
    assert offline.ambiguous and "Enter your full" not in offline.note
    assert "Elections Canada" in offline.note
    assert fake_service.requests == []


def test_ie_dublin_by_routing_key_and_county_choice(ref_ctx) -> None:
    dublin = look("IE", "d02 x285")
    assert (ids(dublin), dublin.ambiguous) == (["IE-dublin"], False)
    assert len(dublin.districts[0].representatives) == 4
    cork = look("IE", "T12 X2E5")
    assert cork.ambiguous and ids(cork) == ["IE-dublin", "IE-midlands-north-west", "IE-south"]
    assert "county" in cork.note and not cork.preselect
    assert cork.counties["Galway"] == "IE-midlands-north-west"
    assert cork.counties["Cork"] == "IE-south" and len(cork.counties) == 26
    chosen = look("IE", "T12 X2E5", "Cork")
    assert ids(chosen) == ["IE-south"] and len(chosen.districts[0].representatives) == 5


def test_be_brussels_chooses_and_eupen_is_german(ref_ctx) -> None:
    brussels = look("BE", "1000")
    assert brussels.ambiguous and ids(brussels) == ["BE-FR", "BE-NL"]
    assert len(look("BE", "1000", "BE-NL").districts[0].representatives) == 13
    eupen = look("BE", "4700")
    assert ids(eupen) == ["BE-DE"] and not eupen.ambiguous


def test_it_and_pl_show_the_constituency_mps_then_the_unplaced_ones(ref_ctx) -> None:
    rome = look("IT", "00144")
    assert ids(rome) == ["IT-centrale"] and not rome.ambiguous
    centrale = names(rome.districts[0].representatives)
    assert "Nicola Procaccini" in centrale and "Roberto Vannacci" not in centrale
    assert len(centrale) == 13 and len(rome.at_large) == 6  # 76 MEPs: 70 placed, 6 unknown
    assert "Ilaria Salis" in names(rome.at_large)
    assert "Centrale" in rome.note and "constituency of 6 other MEPs" in rome.note
    warsaw = look("PL", "00-001")
    assert ids(warsaw) == ["PL-04"] and "Robert Biedroń" in names(warsaw.representatives)
    masovia = look("PL", "05-070")  # Masovia outside Warsaw: the powiat decides
    assert ids(masovia) == ["PL-04", "PL-05"] and masovia.ambiguous
    assert len(masovia.at_large) == 6 and "Adam Bielan" in names(
        masovia.districts[1].representatives
    )


def test_member_state_without_constituencies(ref_ctx) -> None:
    result = look("FR", "75001")
    assert result.districts == [] and len(result.at_large) == 81 and not result.ambiguous
    groups = result.at_large_groups
    assert groups[0][0] == "Patriots for Europe (PfE)" and len(groups[0][1]) == 29
    assert sum(len(reps) for _, reps in groups) == 81 and result.compact
    assert not look("MT", "VLT 1117").compact  # 6 MEPs: the plain list
    spain = look("ES", "28001")
    assert len(spain.at_large) == 61 and spain.at_large[-1].vacant  # the unfilled seat last


@pytest.mark.parametrize(
    ("country", "code", "field", "message"),
    [
        ("AM", "0010", "country", "we cover Canada, the United States"),
        ("", "10001", "country", "Choose a country"),
        ("U S", "10001", "country", "Choose a country"),
        ("US", "", "postal_code", "Enter your postal code."),
        ("US", "1234", "postal_code", "5-digit ZIP code"),
        ("CA", "D1A 1A1", "postal_code", "like K1A 0B1"),
        ("NL", "12345", "postal_code", "like 1234 AB"),
        ("US", "1" * 5000, "postal_code", "5-digit ZIP code"),
        ("US", "１０００１\u0000", "postal_code", "5-digit ZIP code"),
    ],
)
def test_bad_queries(ref_ctx, country, code, field, message) -> None:
    with pytest.raises(LookupInputError, match=message) as info:
        look(country, code)
    assert info.value.field == field


def test_choice_must_be_a_candidate(ref_ctx) -> None:
    with pytest.raises(LookupInputError, match="Choose one of the listed districts") as info:
        look("US", "60062", "NY-12")
    assert info.value.field == "district"


def refiner_for(service: FakeService) -> Geocoders:
    """The real adapter with the shipped settings, pointed at the local server."""
    config = {**DEFAULTS, "SECRET_KEY": "test", "US_GEOCODER_URL": service.url,
              "CA_POSTCODE_URL": service.url}  # fmt: skip
    return Geocoders(config, MemoryCache())


def refined(service: FakeService, country: str, code: str, address: str = "") -> LookupResult:
    return lookup_representatives(
        None, country, code, index=current_index(), refiner=refiner_for(service), address=address
    )


def census_answer(geoid: str) -> bytes:
    data = json.loads((FIXTURES / "online" / "census_onelineaddress_ny12.json").read_text())
    match = data["result"]["addressMatches"][0]
    match["geographies"]["119th Congressional Districts"][0]["GEOID"] = geoid
    return json.dumps(data).encode()


def represent_answer(fed_code: str) -> bytes:
    data = json.loads((FIXTURES / "online" / "represent_postcode_M5V3L9.json").read_text())
    data["boundaries_centroid"][0]["external_id"] = fed_code
    return json.dumps(data).encode()


def test_us_split_zip_settled_by_street_address(ref_ctx, fake_service) -> None:
    fake_service.answer("/geographies/onelineaddress", "census_onelineaddress_ny12.json")
    result = refined(fake_service, "US", "10001", "350 5th Ave, New York, NY")
    assert (ids(result), result.ambiguous) == (["NY-12"], False)
    assert result.refined_by == "the US Census Bureau's geocoder" and result.refine_reason == ""
    assert names(result.districts[0].representatives) == ["Jerrold Nadler"]
    assert [r.address_as for r in result.at_large] == ["Senator", "Senator"]
    assert result.to_json()["ambiguous"] is False


def test_us_district_outside_the_zip_keeps_the_choice(ref_ctx, fake_service) -> None:
    fake_service.answer("/geographies/onelineaddress", body=census_answer("3607"))
    result = refined(fake_service, "US", "10001", "350 5th Ave, New York, NY")
    assert result.ambiguous and ids(result) == ["NY-10", "NY-12"]
    assert "New York's 7th congressional district" in result.refine_reason
    assert "which our data does not list for ZIP code 10001" in result.refine_reason


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (500, b"oops", "The address service answered with an error. Choose yours below."),
        (200, b"{not json", "The address service gave an unreadable answer. Choose yours below."),
    ],
)
def test_us_geocoder_failure_keeps_the_choice(ref_ctx, fake_service, status, body, reason) -> None:
    fake_service.answer("/geographies/onelineaddress", status=status, body=body)
    result = refined(fake_service, "US", "10001", "350 5th Ave")
    assert result.ambiguous and ids(result) == ["NY-10", "NY-12"]
    assert result.refine_reason == reason and result.refined_by == ""


def test_no_online_call_without_need(ref_ctx, fake_service) -> None:
    refined(fake_service, "US", "30303", "1 Main St")  # one district already
    refined(fake_service, "US", "10001")  # split, but no address
    refined(fake_service, "CA", "M5V")  # bare FSA: nothing to ask
    lookup_representatives(None, "US", "10001", "NY-12", index=current_index(),
                           refiner=refiner_for(fake_service), address="1 Main St")  # fmt: skip
    assert fake_service.requests == []


def test_ca_full_code_settles_a_split_fsa(ref_ctx, fake_service) -> None:
    fake_service.answer("/postcodes/M5V3L9/", "represent_postcode_M5V3L9.json")
    result = refined(fake_service, "CA", "m5v 3l9")
    assert (ids(result), result.ambiguous) == (["35100"], False)
    assert result.refined_by == "Open North's Represent"
    assert result.districts[0].name == "Spadina—Harbourfront"


def test_ca_riding_outside_the_fsa_keeps_the_choice(ref_ctx, fake_service) -> None:
    fake_service.answer("/postcodes/M5V3L9/", body=represent_answer("35079"))
    result = refined(fake_service, "CA", "M5V 3L9")
    assert result.ambiguous and ids(result) == ["35100", "35105"]
    assert "placed you in Ottawa Centre" in result.refine_reason


def test_ca_point_fsa_takes_the_online_riding(ref_ctx, fake_service) -> None:
    fake_service.answer("/postcodes/K1A0A6/", "represent_postcode_K1A0A6.json")
    assert ids(refined(fake_service, "CA", "K1A 0A6")) == ["35079"]
    # A K1A code in Gatineau: the reference point was only a hint, so the answer is taken.
    fake_service.answer("/postcodes/K1A0M5/", body=represent_answer("24028"))
    gatineau = refined(fake_service, "CA", "K1A 0M5")
    assert ids(gatineau) == ["24028"] and not gatineau.ambiguous
    assert gatineau.districts[0].representatives[0].region == "QC"


def test_ca_represent_busy_keeps_the_choice(ref_ctx, fake_service) -> None:
    fake_service.answer("/postcodes/M5V3L9/", status=429, body=b"")
    result = refined(fake_service, "CA", "M5V 3L9")
    assert result.ambiguous and result.preselect
    assert result.refine_reason == "The postal code service is busy right now. Choose yours below."
