"""Resolving agency names to one node per real agency (issue 16)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from flowmap.errors import InputError
from flowmap.importers.flock import clean_name
from flowmap.importers.resolve import (
    Candidate,
    Resolver,
    category,
    normalise,
    read_links,
    split_hints,
    split_state,
    state_code,
)

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "external"
SAMPLE = Path(__file__).with_name("resolution_sample.csv")


def agency(ori: str, name: str, state: str, county: str = "", agency_type: str = "City") -> Candidate:
    return Candidate(ori, name, state=state, ori=ori, county=county, agency_type=agency_type)


# A registry written for these tests (names and ORIs of the kind the FBI list has).
REGISTRY = [
    agency("MO0150000", "Camden County Sheriff's Office", "MO", "CAMDEN", "County"),
    agency("MO0150100", "Camdenton Police Department", "MO", "CAMDEN"),
    agency("NJ0040000", "Camden County Sheriff's Office", "NJ", "CAMDEN", "County"),
    agency("NJ0040800", "Camden County Police Department", "NJ", "CAMDEN"),
    agency("NY0130200", "Poughkeepsie Police Department", "NY", "DUTCHESS"),
    agency("NY0136300", "Poughkeepsie Town Police Department", "NY", "DUTCHESS"),
    agency("NY0435000", "Clarkstown Town Police Department", "NY", "ROCKLAND"),
    agency("NY0146700", "Lancaster Town Police Department", "NY", "ERIE"),
    agency("NY0146800", "Lancaster Village Police Department", "NY", "ERIE"),
    agency("NV0020100", "Las Vegas Metropolitan Police Department Police Department", "NV", "CLARK"),
    agency("NV0020200", "North Las Vegas Police Department", "NV", "CLARK"),
    agency("CA0010900", "Oakland Police Department", "CA", "ALAMEDA"),
    agency("MD0120200", "Oakland Police Department", "MD", "GARRETT"),
    agency("CA0380100", "San Francisco Police Department", "CA", "SAN FRANCISCO"),
    agency("CA0380000", "San Francisco County Sheriff's Office", "CA", "SAN FRANCISCO", "County"),
    agency("WI0720200", "Nekoosa Police Department", "WI", "WOOD"),
    agency("IN0510000", "Martin County Sheriff's Office", "IN", "MARTIN", "County"),
    agency("OH0691700", "Belmore Police Department", "OH", "PUTNAM"),
    agency("IL0165800", "La Grange Park Police Department", "IL", "COOK"),
    agency("NJ0080100", "Washington Township Police Department, Gloucester County", "NJ", "GLOUCESTER"),
    agency("NJ0140100", "Washington Township Police Department, Morris County", "NJ", "MORRIS"),
    agency("LA0170000", "East Baton Rouge Parish Sheriff's Office", "LA", "EAST BATON ROUGE", "Parish"),
    agency("TX0203200", "Independent School District: Alvin", "TX", "BRAZORIA", "Other"),
    agency("GA0441400", "Emory University", "GA", "DEKALB", "University or College"),
    agency("MI5030300", "Center Line Police Department", "MI", "MACOMB"),
    agency("TX1010000", "Harris County District Attorney", "TX", "HARRIS", "Other"),
]
CURATED = [
    Candidate("sfpd", "San Francisco Police Department", state="CA", ori="CA0380100", aliases=("SFPD",),
              curated=True),
    Candidate("ncric", "Northern California Regional Intelligence Center", state="CA", kind="fusion_center",
              aliases=("NCRIC",), curated=True),
    Candidate("doj", "US Department of Justice", kind="federal_agency", aliases=("DOJ", "Department of Justice"),
              curated=True),
]


@pytest.fixture(scope="module")
def resolver() -> Resolver:
    return Resolver(CURATED + REGISTRY)


def resolve(resolver: Resolver, raw: str):
    name, state = split_state(raw)
    name, hints = split_hints(name)
    return resolver.resolve(name, state, county=hints[0] if hints else None, full_name=raw)


@pytest.mark.parametrize("raw, expected", [
    ("Camden Co MO SO", "MO0150000"),
    ("Camden County MO SO", "MO0150000"),
    ("Las Vegas Metro NV PD", "NV0020100"),
    ("Oakland CA PD", "CA0010900"),
    ("Town of Poughkeepsie NY PD", "NY0136300"),
    ("Poughkeepsie City NY PD", "NY0130200"),
    ("Clarkstown NY PD", "NY0435000"),
    ("Village of LaGrange Park IL PD", "IL0165800"),
    ("Washington Township (Gloucester) NJ PD", "NJ0080100"),
    ("Washington Township (Glouster Co) NJ PD", "NJ0080100"),  # a county note spelled nearly right
    ("East Baton Rouge LA SO", "LA0170000"),
    ("Alvin ISD TX PD", "TX0203200"),
    ("Emory University Campus PD GA", "GA0441400"),
    ("Center Line MI DPS", "MI5030300"),
    ("Neekoosa WI PD", "WI0720200"),
])
def test_spellings_of_one_agency_resolve_to_its_ori(resolver, raw, expected):
    match = resolve(resolver, raw)
    assert match.resolved, match
    assert match.ori == expected


def test_curated_nodes_win_over_the_registry_row_with_their_ori(resolver):
    match = resolve(resolver, "San Francisco CA PD")
    assert (match.node_id, match.ori, match.method) == ("sfpd", "CA0380100", "normalised")
    assert resolve(resolver, "NCRIC").node_id == "ncric"


def test_a_state_code_taken_out_of_a_name_does_not_reach_a_stateless_federal_node(resolver):
    assert not resolve(resolver, "WI Department of Justice").resolved
    assert resolve(resolver, "Department of Justice").node_id == "doj"


@pytest.mark.parametrize("raw", [
    "Marion County IN SO",  # Martin County is one letter away, and another county
    "Elmore OH PD",  # Belmore: a first letter is never a typo
    "Camden County MO PD",  # a police department is not the sheriff's office
    "Harris County TX PD",  # nor the district attorney
    "North Las Vegas NV SO",
    "Lancaster NY PD",  # the town and the village both have police: ambiguous
    "Washington Township NJ PD",  # two townships of that name, no county note
    "Oakland PD",  # no state: exact names only, and eight states have one
])
def test_no_guessing(resolver, raw):
    match = resolve(resolver, raw)
    assert not match.resolved, match
    assert match.node_id == "" and match.ori == ""


def test_ambiguous_names_list_their_candidates(resolver):
    match = resolve(resolver, "Lancaster NY PD")
    assert match.method == "ambiguous"
    assert set(match.candidates) == {"NY0146700", "NY0146800"}
    assert "NY0146700" in match.row()["reason"]


def test_never_across_states(resolver):
    assert resolve(resolver, "Oakland MD PD").ori == "MD0120200"
    assert not resolve(resolver, "Oakland TX PD").resolved


def test_links_decide_by_hand_and_must_name_a_node(tmp_path):
    links = tmp_path / "links.csv"
    links.write_text("input_name,state,node_id\nLancaster NY PD,NY,NY0146800\nOakland PD,,CA0010900\n")
    resolver = Resolver(CURATED + REGISTRY, links=read_links(links))
    assert resolve(resolver, "Lancaster NY PD").ori == "NY0146800"
    assert resolve(resolver, "Lancaster NY PD").method == "link"
    assert resolver.resolve("Oakland PD").ori == "CA0010900"
    links.write_text("input_name,state,node_id\nLancaster NY PD,NY,NOWHERE\n")
    with pytest.raises(InputError, match="NOWHERE"):
        Resolver(CURATED + REGISTRY, links=read_links(links))
    links.write_text("name,place\nx,y\n")
    with pytest.raises(InputError, match="column 'node_id': required column is missing"):
        read_links(links)


def test_every_decision_is_a_matches_row(resolver):
    row = resolve(resolver, "Camden Co MO SO").row()
    assert row == {"input_name": "Camden Co MO SO", "state": "MO", "node_id": "MO0150000", "ori": "MO0150000",
                   "method": "normalised", "score": "100.0",
                   "reason": "normalised name 'camden county sheriffs office' in MO"}


@pytest.mark.parametrize("raw, expected", [
    ("Crestview Fl PD", ("Crestview PD", "FL")),
    ("Mendocino County SO-CA", ("Mendocino County SO", "CA")),
    ("Tombstone Marshals Office (AZ)", ("Tombstone Marshals Office", "AZ")),
    ("Wagoner CO SO OK", ("Wagoner CO SO", "OK")),
    ("Eastern Kentucky University PD", ("Eastern Kentucky University PD", "KY")),
    ("Washington Township PD", ("Washington Township PD", None)),
    ("George Washington University PD", ("George Washington University PD", None)),
])
def test_states_in_names(raw, expected):
    assert split_state(raw) == expected


def test_state_columns_in_any_spelling():
    assert [state_code(s) for s in ("FLORIDA", "new york", "ne", "NB", "GM", "XX")] == [
        "FL", "NY", "NE", "NE", "GU", None]


@pytest.mark.parametrize("a, b", [
    ("Hawaii Police Department", "Hawaii PD"),
    ("Boone Co. Sheriff's Dept.", "Boone County SO"),
    ("Raritan Twp PD", "Raritan Township Police Department"),
    ("Orleans Parish DA", "Orleans Parish District Attorney's Office"),
    ("Texas DPS", "Texas Department of Public Safety"),
    ("St. Joseph PD", "Saint Joseph Police Dept"),
    ("Pittsburgh Bureau of Police", "Pittsburgh PD"),
])
def test_normalised_spellings_agree(a, b):
    assert normalise(a) == normalise(b)


def test_categories_keep_kinds_apart():
    assert {category(normalise(n)) for n in ("Boone County SO", "Boone County Sheriff")} == {"sheriff"}
    assert category(normalise("Boone County PD")) == "police"
    assert category(normalise("Boone County DA")) == "prosecutor"


# -- the hand-checked sample (tests/resolution_sample.csv) against the real lists --------------

@pytest.fixture(scope="session")
def real_resolver():
    registry = SHARED / "fbi-agencies" / "agencies-2021.csv"
    if not registry.exists():
        pytest.skip(f"{registry} is absent (the FBI list lives in ../shared, outside the repository)")
    from flowmap.importers.common import load_agencies
    from flowmap.model import Model

    return load_agencies(Model.load(), registry).resolver


def test_the_hand_checked_sample_has_no_false_merge(real_resolver):
    """200 Flock names, each resolution read by hand: a resolved name must land on the ORI the
    reader found right; a name marked 'none' (no agency in the list, or several) must not resolve."""
    with SAMPLE.open(encoding="utf-8") as handle:
        sample = list(csv.DictReader(handle))
    assert len(sample) == 200
    false_merges, found = [], 0
    for row in sample:
        match = resolve(real_resolver, clean_name(row["input_name"])[0])
        got = match.ori or (match.node_id if match.resolved else "")
        if got and got != row["expected"]:
            false_merges.append((row["input_name"], row["expected"], got, match.method))
        found += bool(got)
    assert false_merges == []
    assert found >= 180  # 186 of the 200 when the sample was checked
