"""The in-memory index of the reference tables: its prefix search of postal keys."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from petition.refindex import ReferenceIndex

KEYS = st.text(alphabet="0129ABKZ ", max_size=5)


def index_of(keys: dict[str, list[str]]) -> ReferenceIndex:
    return ReferenceIndex(postal={(cc, key): [] for cc, ks in keys.items() for key in ks})


@given(us=st.lists(KEYS, max_size=40), ca=st.lists(KEYS, max_size=40), prefix=KEYS)
def test_postal_keys_are_every_key_of_the_country_with_the_prefix(
    us: list[str], ca: list[str], prefix: str
) -> None:
    index = index_of({"US": us, "CA": ca})
    for country, keys in (("US", us), ("CA", ca), ("FR", [])):
        expected = sorted({k for k in keys if k.startswith(prefix)})
        assert index.postal_keys(country, prefix) == expected
        assert index.postal_keys(country, prefix) == expected  # from the sorted keys kept


def test_postal_keys_of_zip_prefixes() -> None:
    index = index_of({"US": ["10001", "10002", "10101", "1000", "09999", "10010"],
                      "CA": ["100", "K1A"]})  # fmt: skip
    assert index.postal_keys("US", "100") == ["1000", "10001", "10002", "10010"]
    assert index.postal_keys("US", "101") == ["10101"]
    assert index.postal_keys("US", "102") == []
    assert index.postal_keys("US", "") == ["09999", "1000", "10001", "10002", "10010", "10101"]
    assert index.postal_keys("CA", "K") == ["K1A"]
