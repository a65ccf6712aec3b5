"""The graph model: which jurisdictions, laws and designations cover a node."""

from __future__ import annotations

import pytest

from flowmap import schema
from flowmap.errors import NameNotFound, NotAnEntity
from flowmap.model import Model

from conftest import EDGES, JURISDICTIONS, NODES, SOURCES, write_dataset, write_table

REGION = {"id": "west", "name": "The West", "level": "region", "sanctuary": "yes", "law": "West Compact",
          "citation": "report", "locator": "p. 9", "quote": "the West protects"}


def test_a_node_given_only_a_state_is_inside_everything_that_contains_the_state(tmp_path):
    jurisdictions = [REGION] + [{**j, "part_of": "west"} if j["id"] == "us-co" else j for j in JURISDICTIONS]
    nodes = NODES + [{"id": "bystate", "name": "By State", "kind": "agency", "state": "CO"},
                     {"id": "byjur", "name": "By Jurisdiction", "kind": "agency", "jurisdiction": "us-co"}]
    model = Model.load(write_dataset(tmp_path / "d", jurisdictions=jurisdictions, nodes=nodes))
    assert model.jurisdiction_chain("bystate") == model.jurisdiction_chain("byjur") == ("us-co", "west")
    assert model.sanctuary("bystate").covered and model.sanctuary("byjur").covered
    assert model.nodes.at["bystate", "sanctuary_law"] == "West Compact (The West)"


def test_the_diagram_s_state_box_names_the_law_that_covers_the_nodes_given_only_that_state(tmp_path):
    # The state box and a node's coverage read the same state-level row (a second row for a state is a
    # validation problem, tests/test_load.py): here the city row with code CA comes first in the file.
    from flowmap.api import FlowMap
    from flowmap.query import Query

    jurisdictions = [JURISDICTIONS[0], JURISDICTIONS[2], JURISDICTIONS[1], *JURISDICTIONS[3:]]
    nodes = NODES + [{"id": "oakpd", "name": "Oakland Police", "kind": "agency", "state": "CA"}]
    edges = [{"id": "e9", "from": "oakpd", "to": "ncric", "data": "licence_plate_reads", "mechanism": "contract",
              "evidence": "capability", "citation": "report", "locator": "p. 9", "quote": "Oakland shares"}]
    model = Model.load(write_dataset(tmp_path / "d", jurisdictions=jurisdictions, nodes=nodes,
                                     edges=[*EDGES, *edges]))
    assert model.state_jurisdiction("CA") == "us-ca"
    assert model.nodes.at["oakpd", "sanctuary_law"] == "SB54 (California)"
    dot = FlowMap(model).render(Query(source="oakpd")).dot
    box = dot[dot.index("subgraph cluster_state_CA"):]
    assert "<b>California</b>" in box.splitlines()[1] and "Covered by California’s SB54" in box.splitlines()[1]


COUNTY = {"id": "us-ca-santa-clara-county", "name": "Santa Clara County", "level": "county", "state": "CA",
          "part_of": "us-ca", "sanctuary": "yes", "law": "county policy", "citation": "report", "locator": "p. 8",
          "quote": "Santa Clara limits"}
DENVER_CITY = {"id": "us-co-denver", "name": "Denver", "level": "city", "state": "CO", "part_of": "us-co",
               "sanctuary": "unknown"}
DESIGNATIONS = [
    {"id": "doj-co", "jurisdiction": "us-co", "designated_by": "DOJ", "date": "2025-08-05", "citation": "report",
     "locator": "States", "quote": "Colorado"},
    {"id": "doj-denver", "jurisdiction": "us-co-denver", "designated_by": "DOJ", "date": "2025-08-05",
     "citation": "report", "locator": "Cities", "quote": "Denver"},
]


def designated(tmp_path):
    nodes = NODES + [
        {"id": "scso", "name": "Santa Clara County Sheriff's Office", "kind": "agency", "state": "CA",
         "county": "SANTA CLARA"},
        {"id": "dpd", "name": "Denver Police Department", "kind": "agency", "state": "CO",
         "jurisdiction": "us-co-denver", "county": "Denver"},
    ]
    directory = write_dataset(tmp_path / "d", jurisdictions=[*JURISDICTIONS, COUNTY, DENVER_CITY], nodes=nodes,
                              sources=SOURCES)
    write_table(directory, schema.DESIGNATIONS, DESIGNATIONS)
    return Model.load(directory)


def test_a_county_column_puts_an_agency_under_its_county_and_state(tmp_path):
    model = designated(tmp_path)
    assert model.jurisdiction_chain("scso") == ("us-ca-santa-clara-county", "us-ca", "us")
    assert model.nodes.at["scso", "sanctuary_law"] == "county policy (Santa Clara County); SB54 (California)"


def test_a_designation_is_named_apart_from_the_law_and_does_not_make_a_law(tmp_path):
    model = designated(tmp_path)
    status = model.sanctuary("dpd")
    assert (status.status, status.covered, status.designated, status.protected) == ("unknown", False, True, True)
    assert status.designation_text == "designated by DOJ (2025-08-05): Denver, Colorado"
    assert model.nodes.at["denver", "designation"] == "designated by DOJ (2025-08-05): Colorado"
    assert model.nodes.at["sfpd", "designation"] == ""


# -- names ---------------------------------------------------------------------

@pytest.fixture
def named(tmp_path) -> Model:
    jurisdictions = JURISDICTIONS + [
        {"id": "us-ca-oakland", "name": "Oakland", "level": "city", "state": "CA", "part_of": "us-ca",
         "sanctuary": "yes", "law": "ordinance", "citation": "report", "locator": "p. 1",
         "quote": "SB54 limits sharing"},
        {"id": "us-ma", "name": "Massachusetts", "level": "state", "state": "MA", "part_of": "us",
         "sanctuary": "unknown"},
        {"id": "us-ma-boston", "name": "Boston", "level": "city", "state": "MA", "part_of": "us-ma",
         "sanctuary": "unknown"},
    ]
    nodes = NODES + [
        {"id": "boston-police", "name": "Boston police", "kind": "agency", "jurisdiction": "us-ma-boston",
         "state": "MA"},
        {"id": "dc-police", "name": "Washington, DC police", "kind": "agency"},
    ]
    return Model.load(write_dataset(tmp_path / "d", jurisdictions=jurisdictions, nodes=nodes))


def message(model: Model, name: str) -> str:
    with pytest.raises(NameNotFound) as caught:
        model.resolve(name)
    return str(caught.value)


def test_suggestions_rank_shared_words_and_abbreviations(named):
    assert message(named, "SF police") == (
        "no entity called 'SF police'; did you mean: San Francisco Police Department (sfpd)? "
        "(`flowmap nodes` lists them all)")
    assert message(named, "bay area fusion center").startswith(
        "no entity called 'bay area fusion center'; did you mean: Northern California Regional Intelligence "
        "Center (ncric)")


def test_a_jurisdiction_is_not_an_entity_and_says_what_is_in_it(named):
    with pytest.raises(NotAnEntity):
        named.resolve("Oakland")
    assert message(named, "Oakland") == (
        "'Oakland' is a jurisdiction, not an entity. Oakland (a city in CA, under a sanctuary law) has no "
        "entity in the data yet.")
    assert message(named, "san francisco") == (
        "'san francisco' is a jurisdiction, not an entity. The entities in San Francisco (a city in CA, "
        "under a sanctuary law) are San Francisco Police Department (sfpd).")
    assert message(named, "CA").startswith(
        "'CA' is a jurisdiction, not an entity. The entities in California (a state, under a sanctuary law) "
        "are San Francisco Police Department (sfpd), Northern California Regional Intelligence Center (ncric)")


def test_a_place_inside_a_name_narrows_the_suggestions(named):
    assert message(named, "Oakland police") == (
        "no entity called 'Oakland police'; Oakland (a city in CA, under a sanctuary law) has no entity in "
        "the data yet (`flowmap nodes` lists them all)")
    assert message(named, "Boston PD") == (
        "no entity called 'Boston PD'; did you mean: Boston police (boston-police)? (`flowmap nodes` lists "
        "them all)")


def test_nodes_in_a_jurisdiction(named):
    assert named.nodes_in("us-ca") == ["sfpd", "ncric"]
    assert named.find_jurisdiction("california") == named.find_jurisdiction("CA") == "us-ca"
    assert named.find_jurisdiction("Atlantis") is None


def test_an_agency_given_only_its_state_is_found_by_the_place_it_names(tmp_path):
    # Imported layers give agencies their state, not their city: Oakland's police are still found.
    from conftest import JURISDICTIONS as BASE

    jurisdictions = [*BASE, {"id": "us-ca-oakland", "name": "Oakland", "level": "city", "state": "CA",
                             "part_of": "us-ca", "sanctuary": "unknown"}]
    nodes = NODES + [{"id": "CA0010900", "name": "Oakland Police Department", "kind": "agency", "state": "CA"}]
    model = Model.load(write_dataset(tmp_path / "layer", jurisdictions=jurisdictions, nodes=nodes))
    assert message(model, "Oakland") == (
        "'Oakland' is a jurisdiction, not an entity. No entity in the data is placed in Oakland (a city in CA; "
        "sanctuary status unknown); entities whose names mention it: Oakland Police Department (CA0010900).")
    assert message(model, "Oakland PD") == (
        "no entity called 'Oakland PD'; did you mean: Oakland Police Department (CA0010900)? (`flowmap nodes` "
        "lists them all)")


def test_no_sanctuary_law_binds_a_company_a_federal_unit_or_an_account(tmp_path):
    others = [{"id": kind, "name": f"A {kind}", "kind": kind, "state": "CA"}
              for kind in ("vendor", "data_broker", "federal_agency", "account")]
    nodes = [n for n in NODES if n["id"] != "vendor"] + [{**others[0], "id": "ca-vendor"}, *others[1:],
                                                        {"id": "ca-dmv", "name": "A DMV", "kind": "agency",
                                                         "state": "CA"}]
    data = write_dataset(tmp_path / "d", nodes=nodes, edges=[], jurisdictions=JURISDICTIONS)
    write_table(data, schema.DESIGNATIONS, [
        {"id": "doj-ca", "jurisdiction": "us-ca", "designated_by": "DOJ", "date": "2025-08-05",
         "citation": "report", "locator": "States", "quote": "California"}])
    model = Model.load(data)
    for node in ("ca-vendor", "data_broker", "federal_agency", "account"):
        status = model.sanctuary(node)
        assert (status.status, status.laws, status.designations) == ("no", (), ()), node
    dmv = model.sanctuary("ca-dmv")
    assert dmv.covered and dmv.designated and [law["id"] for law in dmv.laws] == ["us-ca"]
