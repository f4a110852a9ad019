"""What a lookup answers: the candidate districts, their representatives, and why.

The rules that fill these in live in `petition.representatives`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from petition.refindex import Rep

# Above this many MEPs, the list is compact: grouped by political group, with a filter.
COMPACT_LIST_OVER = 12
# The European Parliament's political groups (10th term), as the data abbreviates them.
EP_GROUPS = {
    "EPP": _l("European People's Party"),
    "S&D": _l("Socialists and Democrats"),
    "PfE": _l("Patriots for Europe"),
    "ECR": _l("European Conservatives and Reformists"),
    "Renew": _l("Renew Europe"),
    "Greens/EFA": _l("Greens–European Free Alliance"),
    "GUE/NGL": _l("The Left"),
    "ESN": _l("Europe of Sovereign Nations"),
    "NI": _l("Non-attached members"),
}
# The titles the reference data gives representatives, as the pages put them before a name.
TITLES = {
    "Representative": lazy_pgettext("title before a name", "Representative"),
    "Senator": lazy_pgettext("title before a name", "Senator"),
    "Delegate": lazy_pgettext("title before a name", "Delegate"),
    "Resident Commissioner": lazy_pgettext("title before a name", "Resident Commissioner"),
    "MP": lazy_pgettext("title before a name", "MP"),
    "MEP": lazy_pgettext("title before a name", "MEP"),
}


def rep_title(address_as: str) -> str:
    """A representative's title ("MP", "Senator") in the page's language."""
    return str(TITLES.get(address_as, address_as))


class Refiner(Protocol):
    """The online services that can settle a split postal code (see petition.geocoders)."""

    enabled: bool

    def us_district(self, address: str, zip5: str) -> Any: ...

    def ca_riding(self, postal_code: str) -> Any: ...


class LookupInputError(ValueError):
    """The query cannot be answered as asked; the message tells the user what to fix (lazy:
    written in the language of wherever it is shown)."""

    def __init__(self, message: Any, field: str = "postal_code") -> None:
        super().__init__(message)
        self.message = message
        self.field = field  # the query parameter at fault: country, postal_code or district


@dataclass
class DistrictResult:
    id: str
    name: str
    representatives: list[Rep] = field(default_factory=list)
    share: float | None = None
    note: str = ""


@dataclass
class LookupResult:
    country: str
    postal_code: str
    ambiguous: bool = False
    districts: list[DistrictResult] = field(default_factory=list)
    at_large: list[Rep] = field(default_factory=list)
    as_of: dict[str, str] = field(default_factory=dict)
    note: str = ""
    chosen: str | None = None
    # What the user chooses when ambiguous: "district", "riding", "constituency"
    choice_kind: str = "district"
    # The first district is the likeliest by our data, so the choice list may preselect it.
    preselect: bool = False
    # The districts are only a hint (a reference point, neighbouring areas): an online
    # answer outside them is still taken.
    hint_only: bool = False
    # Ireland: county -> constituency id, for the chooser by county.
    counties: dict[str, str] = field(default_factory=dict)
    # Whether an online service may settle a split code (the page then offers it).
    online: bool = False
    # Which online service settled the district ("" when none did), and why none could.
    refined_by: str = ""
    refine_reason: str = ""

    @property
    def representatives(self) -> list[Rep]:
        """Every representative in the result, districts first."""
        return [r for d in self.districts for r in d.representatives] + self.at_large

    def to_json(self) -> dict[str, Any]:
        """Return the API representation."""
        return {
            "query": {"country": self.country, "postal_code": self.postal_code,
                      "district": self.chosen},
            "ambiguous": self.ambiguous,
            "as_of": self.as_of,
            "districts": [
                {"id": d.id, "name": d.name, "share": d.share, "note": d.note,
                 "representatives": [r.json for r in d.representatives]}
                for d in self.districts
            ],
            "at_large": [r.json for r in self.at_large],
            "note": self.note or None,
            "refined_by": self.refined_by or None,
            "refine_reason": self.refine_reason or None,
        }  # fmt: skip

    @property
    def compact(self) -> bool:
        """Whether the country-wide list is long enough to be shown grouped and filtered."""
        return len(self.at_large) > COMPACT_LIST_OVER

    @property
    def at_large_groups(self) -> list[tuple[str, list[Rep]]]:
        """The country-wide representatives by political group, largest group first."""
        groups: dict[str, list[Rep]] = {}
        for rep in self.at_large:
            group = rep.group or "NI"
            label = f"{EP_GROUPS[group]} ({group})" if group in EP_GROUPS else group
            groups.setdefault(label, []).append(rep)
        return sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))
