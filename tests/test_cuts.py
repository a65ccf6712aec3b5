"""Firewalls: minimum cuts, checked against networkx and by searching again."""

from __future__ import annotations

import networkx as nx
import pytest
from hypothesis import given, settings

from flowmap.cuts import firewall
from flowmap.model import Model
from flowmap.query import Query
from flowmap.routes import RouteSearch

from conftest import EDGES, write_dataset
from test_routes import model_from_pairs, multigraphs, nx_graph


def test_firewall_cuts_the_channel_nearest_the_source(tiny):
    fw = firewall(Model.load(tiny), Query("SFPD"))
    assert fw.edges == ["e1"]  # SFPD -> NCRIC: what San Francisco itself controls
    assert fw.nodes == ["ncric"]
    assert fw.verified
    record = fw.to_dict()
    assert record["edges"][0] == {
        "edge": "e1", "from": "sfpd", "to": "ncric", "citation": "report",
        "meaning": "stop San Francisco Police Department passing licence plate reads to Northern California "
                   "Regional Intelligence Center (informal request; reported; A Report, p. 2)"}
    assert record["nodes"] == [{"id": "ncric", "name": "Northern California Regional Intelligence Center",
                                "meaning": "withdraw from Northern California Regional Intelligence Center"}]


def test_blocked_routes_need_no_cut(tiny):
    # SFPD -> vendor -> ICE is closed by the vendor's California opt-out, so one cut suffices.
    fw = firewall(Model.load(tiny), Query("sfpd"))
    assert "e3" not in fw.edges and "e4" not in fw.edges


def test_direct_channel_has_no_intermediary_cut(tmp_path):
    edges = EDGES + [{**EDGES[0], "id": "direct", "to": "ice"}]
    fw = firewall(Model.load(write_dataset(tmp_path / "d", edges=edges)), Query("sfpd"))
    assert fw.nodes is None
    assert sorted(fw.edges) == ["direct", "e1"]
    assert fw.verified


def test_unreachable_source_needs_nothing(tiny):
    fw = firewall(Model.load(tiny), Query("sfpd", min_evidence="documented"))
    assert not fw.reachable and fw.edges == [] and fw.verified


@settings(max_examples=150, deadline=None)
@given(multigraphs())
def test_edge_cut_is_minimum_and_disconnects(graph_spec):
    n, pairs = graph_spec
    model = model_from_pairs(n, pairs)
    source, target = "n0", f"n{n - 1}"
    fw = firewall(model, Query(source, target))
    graph = nx_graph(model)
    if not nx.has_path(graph, source, target):
        assert not fw.reachable and fw.edges == []
        return
    simple = nx.DiGraph()
    for u, v in graph.edges():
        if u == target:
            continue  # data leaving the target opens no route
        capacity = simple[u][v]["capacity"] + 1 if simple.has_edge(u, v) else 1
        simple.add_edge(u, v, capacity=capacity)
    assert len(fw.edges) == nx.minimum_cut_value(simple, source, target)
    cut = graph.copy()
    cut.remove_edges_from([(model.edges.at[e, "from"], model.edges.at[e, "to"], e) for e in fw.edges])
    assert not nx.has_path(cut, source, target)
    assert fw.verified
    if not graph.has_edge(source, target):
        # networkx reads an edge target -> source as adjacency even in a digraph, so
        # ask it on the graph without edges leaving the target (they open no route).
        assert len(fw.nodes) == len(nx.minimum_node_cut(simple, source, target))
        without = graph.copy()
        without.remove_nodes_from(fw.nodes)
        assert not nx.has_path(without, source, target)
    else:
        assert fw.nodes is None


def test_via_is_refused(tiny):
    from flowmap.errors import QueryError

    with pytest.raises(QueryError, match="--via does not apply to a firewall"):
        firewall(Model.load(tiny), Query("sfpd", via=("ncric",)))


def test_search_after_cut_agrees(tiny):
    model = Model.load(tiny)
    fw = firewall(model, Query("sfpd"))
    assert not RouteSearch(model, Query("sfpd", without=tuple(fw.edges))).reachable


def test_firewall_from_a_parent_cuts_its_units_channels(tiny):
    # ICE's Data Analysis System sends for ICE, so ICE's firewall cuts the unit's channel.
    wall = firewall(Model.load(tiny), Query("ICE", "ncric"))
    assert wall.reachable and wall.edges == ["e5"] and wall.nodes is None and wall.verified
