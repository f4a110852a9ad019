"""The US section of data/README.md, for a build from snapshots or a refresh."""

from __future__ import annotations


def readme(date: str, *, fetched: bool) -> str:
    """Return the US section of data/README.md."""
    postal = (_FETCHED_POSTAL if fetched else _BUILT_POSTAL).format(date=date).rstrip()
    gaps = "" if fetched else _SNAPSHOT_GAPS
    return _README.format(date=date, postal=postal, gaps=gaps).strip() + "\n"


_README = """
## United States

### representatives.csv (US rows)

- **Members:** [unitedstates/congress-legislators](https://github.com/unitedstates/congress-legislators)
  `legislators-current.json` (CC0 1.0), as of {date}. One row per member, from the last
  (current) term: `party`; `group` = caucus where it differs (independents who caucus with a
  party); `website` = `url`; `phone` and `address` of the Washington office. `id` is
  `bioguide:<id>`; `name` is `official_full`, built from first, last and suffix where empty.
  No emails (Congress publishes none) and no photo URLs (no source gives one).
- **Contact forms:** the term's `contact_form`; otherwise the first `visit:` URL of
  [unitedstates/contact-congress](https://github.com/unitedstates/contact-congress)
  `members/<bioguide>.yaml` (CC0 1.0, as of 2026-08-13), kept only when it links to
  house.gov or senate.gov (House files mostly hold placeholders such as `stubforcwc` or
  google.com). The House files are no longer maintained, so those rows carry a note and the
  website is the fallback. The files are read line by line: `K000394.yaml` is invalid YAML.
  A refresh keeps known contact forms by bioguide id when the fresh data has none, merging
  the old row's `source` and `source_date`.
- **Seats:** 435 voting House districts (`NY-12`; `WY-00` at-large): per state 01..NN, NN
  being the highest district number in the ZIP table or the members' data; 6 non-voting
  seats (`DC-00`, `AS-00`, `GU-00`, `MP-00`, `VI-00` Delegates, `PR-00` Resident
  Commissioner); 2 senators per state (empty `district_id`). A seat without a member gets a
  row `vacant:us-house:<ST>-<NN>` (`vacant:us-senate:<ST>-<n>`) with `vacant` = 1.
- **Appointed senators** whose appointment ends with a special election after the data's
  date carry a note that the seat may have a new holder.
{gaps}
### postal_us.csv

One row per (ZIP, district) pair: `zip, state, district_id, share, rank, n_districts, congress,
note, source, source_date`. `n_districts` is the number of rows of that ZIP; `00` = at-large,
DC and PR. `congress` is the Congress whose district plans the mapping uses.
{postal}
- No rows for AS, GU, MP and VI (no ZCTA data exists); ZIPs not in the table (PO-box and
  single-organisation ZIPs have no ZCTA) resolve to their state or territory through the
  prefix ranges of `petition.postal.region_for_postal_code`.
- ZIPs are 2020 ZCTAs, which approximate USPS ZIPs.

### us_terms.csv and the Congress guard

`us_terms.csv` has one row per US seat of `representatives.csv`: `id, state, body, congress,
start, end`, the Congress its holder serves in (a House term's from its end date, which is
the next Congress's first day; senators and vacant seats: the Congress of the House members)
and the dates of the current term.

A ZIP map drawn for one Congress is never joined to members of another in a state whose
district plan changed in between. For the 120th Congress (elected 2026-11-03, sits from
2027-01-03) TX, CA, MO, NC, OH and UT adopted new plans (about 131 seats). Sources: CBS News,
"Maps show how Texas, California, Missouri, North Carolina and Utah redistricting could affect
congressional seats" (https://www.cbsnews.com/sacramento/news/texas-californias-redistricting-maps),
Ballotpedia News (https://news.ballotpedia.org/?p=43669) and, for Ohio's map adopted on
2025-10-31, WYSU (https://wysu.org/ohio-news/2025-10-31/ohio-redistricting-commission-cuts-deal-on-map-averts-repeal-effort).
When the build or a refresh gets members of one Congress and a ZIP map of another, each ZIP
of those states keeps one row `<ST>-*` with a note saying why: the lookup then offers every
district of the state with that note instead of naming the old district's member. For
Congresses we have no list of changes for (before the 119th, or after the 120th), every
state is treated as changed. `flask data check` prints which states wait for a map and which
file to load (the Census Bureau's next relationship file is expected as
`tab20_cd12020_zcta520_natl.txt` under https://www2.census.gov/geo/docs/maps-data/data/rel2020/cd-sld/,
following the 119th's name); `flask data refresh --country us --zip-map <URL or file>` loads it.
A table that joins across a changed plan is a hole: the check fails.
"""

_SNAPSHOT_GAPS = """\
- **Gaps in this snapshot:** vacant House seats CA-14, TX-23, FL-20 and GA-13 (the notes say
  why, from the source's history). G000607 (CA-1, sworn in 2026-06-10) has no website, phone,
  address or contact form in any source: his row has a note and `flask data check` reports
  it until a refresh brings them. Nothing after 2026-06-15 is reflected (special elections,
  the OH and FL Senate special elections of 2026-11-03).
"""

_BUILT_POSTAL = """\
- **Source:**
  [OpenSourceActivismTech/us-zipcodes-congress](https://github.com/OpenSourceActivismTech/us-zipcodes-congress)
  `zccd.csv` (U.S. Census data, public domain), 119th Congress, as of 2024-11-12
  (`source` = `zccd`).
- **No shares:** the file lists, for each ZCTA, every district touching any census tract the
  ZCTA touches, without areas or populations. `share` and `rank` are empty: every listed
  district is equally possible, so when `n_districts` > 1 the lookup must ask the user.
- **Defect worked around:** the producer's de-duplication keyed on (ZCTA, district) without
  the state, so a ZCTA crossing a state line with the same district number on both sides
  lost one state. 30 of the 32 pairs PROVENANCE lists (from the 118th-Congress file) are
  restored with `source` = `zccd+provenance-fix`: their states kept their maps. GA 36855
  (district 3) and LA 71749 (district 4) are left out: GA and LA redrew their maps for the
  119th Congress, so the old pairs cannot be verified.
"""

_FETCHED_POSTAL = """\
- **Source:** U.S. Census Bureau, 2020 ZCTA to congressional district relationship file
  (public domain; by default the 119th Congress's `tab20_cd11920_zcta520_natl.txt`, or the
  file given to `flask data refresh --zip-map`), downloaded {date} (`source` = `census-zcta-cd`).
  `congress` comes from the file's `GEOID_CD<number>_20` column.
- `share` = the pair's land area / the ZCTA's land area (whole area for a ZCTA without land),
  4 decimals; `rank` 1 = largest share. Pairs under 0.5% are dropped as boundary slivers
  unless they are the ZIP's largest, so a ZIP's shares may add up to a little under 1. The
  lookup lists districts by share and marks those under 1% "less likely".
  District code `98` (delegate) becomes `00`; `ZZ` (no district) and areas outside any ZCTA
  are skipped.
"""
