"""The sanctuary sweep: who under sanctuary law reaches the target, in one pass."""

from __future__ import annotations

import pytest

from flowmap.errors import QueryError
from flowmap.model import Model
from flowmap.query import Query
from flowmap.routes import RouteSearch
from flowmap.sanctuary import sweep

from conftest import EDGES, NODES, write_dataset


def test_sweep_lists_sanctuary_nodes_with_law_count_shortest_route_and_gateways(tiny):
    model = Model.load(tiny)
    result = sweep(model)
    assert [r["id"] for r in result.to_list()] == ["ncric", "sfpd"]  # shortest route first
    sfpd = result.to_list()[1]
    assert sfpd["law"] == "Sanctuary City Ordinance (San Francisco); SB54 (California)"
    assert "count" not in sfpd  # not counted unless asked
    assert [n["id"] for n in sfpd["shortest"]["nodes"]] == ["sfpd", "ncric", "ice"]
    assert sfpd["gateways"] == {
        "exit": {"id": "ncric", "name": "Northern California Regional Intelligence Center"},
        "last": {"id": "ncric", "name": "Northern California Regional Intelligence Center"},
    }
    assert result.covered == 2  # Denver is not under a sanctuary law in the fixture


def test_state_law_covers_agencies_added_with_only_a_state(tmp_path):
    nodes = NODES + [{"id": "oakpd", "name": "Oakland Police", "kind": "agency", "state": "CA"}]
    edges = EDGES + [{**EDGES[0], "id": "e9", "from": "oakpd"}]
    model = Model.load(write_dataset(tmp_path / "d", nodes=nodes, edges=edges))
    assert model.sanctuary("oakpd").law_text == "SB54 (California)"
    assert "oakpd" in {r["id"] for r in sweep(model).to_list()}


def test_sweep_agrees_with_one_search_per_node(tiny):
    model = Model.load(tiny)
    swept = {r.node: r for r in sweep(model).reaches}
    for node in model.node_ids:
        if not model.sanctuary(node).covered:
            continue
        search = RouteSearch(model, Query(node, group_joins=False))
        assert (node in swept) == search.reachable
        if node in swept:
            first = next(r for r in search.routes() if not r.blocked)
            assert swept[node].shortest == first


def test_sweep_counts_routes_only_when_asked(tiny):
    model = Model.load(tiny)
    assert all(r.routes is None for r in sweep(model).reaches)
    sfpd = next(r for r in sweep(model, count=True).reaches if r.node == "sfpd")
    assert (sfpd.routes, sfpd.more_routes) == (1, False)  # the vendor route is blocked by the California opt-out


def test_sweep_counts_stop_at_the_limit(tmp_path):
    edges = EDGES + [{**EDGES[1], "id": f"p{i}"} for i in range(3)]
    result = sweep(Model.load(write_dataset(tmp_path / "d", edges=edges)), Query(limit=2), count=True)
    sfpd = next(r for r in result.reaches if r.node == "sfpd")
    assert (sfpd.routes, sfpd.more_routes) == (2, True)


def test_sweep_refuses_via(tiny):
    with pytest.raises(QueryError, match="--via does not apply to the sanctuary sweep"):
        sweep(Model.load(tiny), Query(via=("ncric",)))


def test_the_sweeps_route_is_the_first_route_reach_lists(tmp_path):
    # Defect 4: the backward search kept whichever edge it met first (here the capability one).
    nodes = NODES + [{"id": "x1", "name": "X1", "kind": "agency"}, {"id": "x2", "name": "X2", "kind": "agency"}]
    edges = EDGES + [{**EDGES[0], "id": "s1", "to": "x1", "evidence": "capability"},
                     {**EDGES[0], "id": "s2", "to": "x2", "evidence": "documented"},
                     {**EDGES[0], "id": "x1i", "from": "x1", "to": "ice"},
                     {**EDGES[0], "id": "x2i", "from": "x2", "to": "ice"}]
    edges = [e for e in edges if e["id"] != "e1"]
    model = Model.load(write_dataset(tmp_path / "d", nodes=nodes, edges=edges))
    sfpd = next(r for r in sweep(model).reaches if r.node == "sfpd")
    assert sfpd.shortest.edges == ("s2", "x2i")
    assert sfpd.shortest == next(RouteSearch(model, Query("sfpd")).open_routes())


def test_several_categories_sweep_only_routes_carrying_one_end_to_end(tmp_path):
    edges = [{**EDGES[0], "data": "social_media"}, *EDGES[1:]]  # sfpd -> ncric social, ncric -> ice plates
    model = Model.load(write_dataset(tmp_path / "d", edges=edges))
    swept = sweep(model, Query(carrying=("social_media", "licence_plate_reads")))
    assert "sfpd" not in {r.node for r in swept.reaches} and "ncric" in {r.node for r in swept.reaches}


def test_sweep_names_the_nodes_that_cannot_reach(tiny):
    # Without NCRIC's channel to ICE, NCRIC has no route and SFPD's only other route is blocked by policy.
    result = sweep(Model.load(tiny), Query(without=("e2",), group_joins=False))
    assert result.reaches == [] and result.cannot == ["sfpd", "ncric"]
    assert result.to_dict()["cannot"][1] == {
        "id": "ncric", "name": "Northern California Regional Intelligence Center", "law": "SB54 (California)",
        "laws": [{"jurisdiction": {"id": "us-ca", "name": "California"}, "law": "SB54", "citation": "report",
                  "locator": "p. 1"}],
        "designations": []}


@pytest.mark.parametrize("within, kinds, expected", [
    ("CA", (), ["ncric", "sfpd"]),
    ("California", ("agency",), ["sfpd"]),
    ("San Francisco", (), ["sfpd"]),
    ("us-ca-sf", ("fusion_center",), []),
    ("Colorado", (), []),
])
def test_sweep_narrows_to_a_place_and_kinds(tiny, within, kinds, expected):
    result = sweep(Model.load(tiny), within=within, kinds=kinds)
    assert [r.node for r in result.reaches] == expected and result.covered == len(expected)


def test_sweep_refuses_an_unknown_place_or_kind(tiny):
    from flowmap.errors import NameNotFound

    with pytest.raises(NameNotFound, match="no jurisdiction called 'Califronia'; did you mean: California"):
        sweep(Model.load(tiny), within="Califronia")
    with pytest.raises(QueryError, match="unknown node kind 'police'"):
        sweep(Model.load(tiny), kinds=("police",))
