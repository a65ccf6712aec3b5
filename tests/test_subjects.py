"""Whose data (``subjects.py``, ``flowmap about``): flows said to carry data about people in a place."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from flowmap.api import FlowMap
from flowmap.cli import cli
from flowmap.errors import NameNotFound
from flowmap.model import Model
from flowmap.subjects import NOT_SHOWN
from test_result_schema import VALIDATOR

from conftest import EDGES, NODES, write_dataset


@pytest.fixture
def whose(tmp_path):
    """The tiny map with subjects: e5 and e7 about California, e1 about San Francisco (inside it),
    e2 about everyone in the US (containing it), e3 about Colorado; e4 and e6 say nothing."""
    subjects = {"e1": "us-ca-sf", "e2": "us", "e3": "us-co", "e5": "us-ca"}
    nodes = NODES + [{"id": "island", "name": "Island Archive", "kind": "database", "state": "CA"}]
    edges = [{**e, "subjects": subjects.get(e["id"], "")} for e in EDGES]
    edges.append({**EDGES[0], "id": "e7", "to": "island", "subjects": "us-ca", "quote": "SFPD archives plates"})
    return write_dataset(tmp_path / "whose", nodes=nodes, edges=edges)


def test_flows_come_strongest_first_and_say_where_the_data_can_go(whose):
    answer = FlowMap(Model.load(whose)).about("California")
    assert answer.place == "us-ca"
    assert [(f.hop.edge, f.relation) for f in answer.flows] == [
        ("e5", "the place"), ("e7", "the place"), ("e1", "inside it"), ("e2", "containing it")]
    by_edge = {f.hop.edge: f for f in answer.flows}
    assert [h.edge for h in by_edge["e5"].onward.hops] == ["e2"] and not by_edge["e5"].direct
    assert by_edge["e2"].direct and by_edge["e2"].onward is None and by_edge["e2"].reaches
    assert by_edge["e7"].onward is None and not by_edge["e7"].reaches  # the archive passes nothing on
    assert by_edge["e1"].subjects == ("us-ca-sf",)
    assert [f.hop.edge for f in answer.reaching] == ["e5", "e1", "e2"]


def test_flows_that_say_nothing_or_name_another_place_are_left_out(whose):
    fm = FlowMap(Model.load(whose))
    assert [(f.hop.edge, f.relation) for f in fm.about("CO").flows] == [("e3", "the place"), ("e2", "containing it")]
    sf = fm.about("San Francisco").flows
    assert [(f.hop.edge, f.relation) for f in sf] == [("e1", "the place"), ("e2", "containing it"),
                                                      ("e5", "containing it"), ("e7", "containing it")]


def test_filters_apply_to_the_flows_and_to_the_onward_routes(whose):
    fm = FlowMap(Model.load(whose))
    documented = fm.about("CA", min_evidence="documented")
    assert [f.hop.edge for f in documented.flows] == ["e2"]
    short = fm.about("CA", avoid="ncric")  # NCRIC and its flows are out: nothing about CA reaches ICE
    assert [(f.hop.edge, f.reaches) for f in short.flows] == [("e7", False)]


def test_an_unknown_place_is_named_with_its_closest_matches(whose):
    with pytest.raises(NameNotFound, match="no jurisdiction called 'Californa'.*California"):
        FlowMap(Model.load(whose)).about("Californa")


def run(whose, *args):
    return CliRunner().invoke(cli, ["--data", str(whose), "about", *args])


def test_the_command_lists_each_flow_with_its_citation_and_what_it_does_not_show(whose):
    result = run(whose, "California")
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert text.startswith("4 flows carrying data about people in California, as the sources say; 3 of them "
                           "reach Immigration and Customs Enforcement within 6 hops.")
    assert " ".join(NOT_SHOWN.split()) in text
    assert "Sources naming California (2):" in result.output
    assert "Sources naming a place inside California (1):" in result.output
    assert "Sources naming a place containing California (a wider statement" in result.output
    assert "“SFPD archives plates”" in result.output
    assert "→ no route on from Island Archive to Immigration and Customs Enforcement in this data" in text
    assert "→ can go on to Immigration and Customs Enforcement: Northern California Regional Intelligence " \
           "Center → Immigration and Customs Enforcement (1 hop: e2)" in text


def test_json_follows_the_protocol_and_csv_has_a_row_per_flow(whose):
    record = json.loads(run(whose, "CA", "--format", "json").output)
    assert not list(VALIDATOR.iter_errors(record))
    assert record["question"]["command"] == "about" and record["question"]["place"] == {"id": "us-ca",
                                                                                       "name": "California"}
    assert [f["hop"]["edge"] for f in record["flows"]] == ["e5", "e7", "e1", "e2"]
    broken = {**record, "flows": [{**record["flows"][0], "relation": "nearby"}]}
    assert list(VALIDATOR.iter_errors(broken))
    rows = run(whose, "CA", "--format", "csv").output.splitlines()
    assert rows[0].startswith("relation,subjects,reaches,direct,onward,edge,from,to,")
    assert rows[1].startswith("the place,us-ca,True,False,e2,e5,ice-das,ncric,")
    assert len(rows) == 5


def test_an_unknown_place_exits_1_with_the_message(whose):
    result = run(whose, "Nowhere")
    assert result.exit_code == 1
    assert "no jurisdiction called 'Nowhere'" in result.output and "Traceback" not in result.output
