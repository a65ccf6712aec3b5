"""The route engine: filters, restrictions, limits, and networkx as the oracle."""

from __future__ import annotations

import networkx as nx
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flowmap import schema
from flowmap.errors import AmbiguousName, NameNotFound, QueryError
from flowmap.load import Tables
from flowmap.model import Model
from flowmap.query import Query
from flowmap.routes import GroupJoin, RouteSearch, reach

from conftest import EDGES, write_dataset


@pytest.fixture
def model(tiny) -> Model:
    return Model.load(tiny)


def edge_paths(result) -> list[tuple[str, ...]]:
    return [r.edges for r in result.routes]


def test_routes_are_listed_shortest_first_with_open_and_blocked_apart(model):
    result = reach(model, Query("SFPD"))
    assert result.reachable
    assert edge_paths(result) == [("e1", "e2")]
    assert [r.edges for r in result.blocked] == [("e3", "e4")]
    restriction = result.blocked[0].blocked_by[0]
    assert restriction.edge == "e4" and restriction.matched == ("us-ca",)
    assert restriction.describe(model) == "edge e4 does not carry data from California"


def test_restriction_is_judged_against_the_routes_origin(model):
    # Denver is in Colorado, which the vendor's contract does not exclude.
    result = reach(model, Query("Denver Police"))
    assert edge_paths(result) == [("e6", "e4")]
    assert result.blocked == []


def test_only_blocked_routes_means_not_reachable(model):
    result = reach(model, Query("sfpd", without=("e1",)))
    assert not result.reachable
    assert result.routes == [] and len(result.blocked) == 1


def test_reaching_a_unit_of_the_target_counts(tmp_path):
    edges = EDGES + [{**EDGES[0], "id": "e7", "from": "denver", "to": "ice-das"}]
    model = Model.load(write_dataset(tmp_path / "d", edges=edges))
    result = reach(model, Query("denver", "ICE"))
    assert ("e7",) in edge_paths(result)
    assert result.routes[0].nodes == ("denver", "ice-das")


def test_a_unit_of_the_source_counts_as_the_source(model):
    # ICE's Data Analysis System is part of ICE: what it sends, ICE sends (issue 13).
    by_unit = reach(model, Query("ice-das", "ncric"))
    by_parent = reach(model, Query("ICE", "ncric"))
    assert by_parent.reachable and by_unit.reachable
    assert edge_paths(by_parent) == edge_paths(by_unit) == [("e5",)]
    assert by_parent.source == "ice" and by_parent.routes[0].nodes == ("ice-das", "ncric")
    assert RouteSearch(model, Query("ICE", "ncric")).count().open == 1


def test_routes_from_a_unit_never_pass_through_the_source(tmp_path):
    # ice → ice-das → ncric is not a route of ICE's: the data is still ICE's at ice-das.
    edges = EDGES + [{**EDGES[0], "id": "e7", "from": "ice", "to": "ice-das"}]
    model = Model.load(write_dataset(tmp_path / "d", edges=edges))
    assert edge_paths(reach(model, Query("ICE", "ncric"))) == [("e5",)]


def test_data_filter_keeps_only_hops_carrying_that_data(model):
    assert not reach(model, Query("sfpd", carrying=("social_media",))).reachable
    assert reach(model, Query("sfpd", carrying=("licence_plate_reads",))).reachable


def test_min_evidence_drops_weaker_hops(model):
    # e1 is only reported: requiring documented evidence closes the route.
    assert reach(model, Query("sfpd", min_evidence="reported")).reachable
    assert not reach(model, Query("sfpd", min_evidence="documented")).reachable


@pytest.mark.parametrize("since, until, dated_only, expected", [
    ("2018", None, False, True),  # e2 is 2018-04-19; undated e1 stays
    ("2018-05", None, False, False),  # e2 is before the window
    (None, "2018-04", False, True),  # a month window includes its days
    (None, "2018-04-18", False, False),
    ("2018", "2018", True, False),  # dated-only drops undated e1
])
def test_date_window(model, since, until, dated_only, expected):
    filters = Query(since=since, until=until, dated_only=dated_only)
    assert reach(model, filters.replace(source="sfpd")).reachable is expected


def test_avoid_and_without_are_what_ifs(model):
    assert not reach(model, Query("sfpd", avoid=("NCRIC",))).reachable
    assert not reach(model, Query("sfpd", without=("e2",))).reachable
    assert reach(model, Query("sfpd", without=("e5",))).reachable


def test_via_keeps_routes_through_the_node(model):
    assert [r.edges for r in reach(model, Query("sfpd", via=("vendor",))).blocked] == [("e3", "e4")]
    assert edge_paths(reach(model, Query("sfpd", via=("vendor",)))) == []


def test_max_hops_bounds_routes_and_reachability(model):
    result = reach(model, Query("sfpd", max_hops=1))
    assert not result.reachable and result.routes == []


def test_limit_says_more_routes_exist(tmp_path):
    edges = EDGES + [{**EDGES[1], "id": f"p{i}"} for i in range(3)]  # three more NCRIC -> ICE channels
    model = Model.load(write_dataset(tmp_path / "d", edges=edges))
    result = reach(model, Query("sfpd", limit=2))
    assert len(result.routes) == 2 and result.more_routes
    assert RouteSearch(model, Query("sfpd")).count().open == 4


@pytest.mark.parametrize("filters, message", [
    ({"carrying": ("telepathy",)}, "unknown data category 'telepathy' for --carrying"),
    ({"min_evidence": "rumour"}, "unknown evidence level 'rumour' for --min-evidence"),
    ({"since": "2018-13"}, "--since '2018-13' is not a date"),
    ({"since": "2019", "until": "2018"}, "--since 2019 is after --until 2018"),
    ({"max_hops": 0}, "--max-hops must be at least 1"),
    ({"limit": 0}, "--limit must be at least 1"),
    ({"avoid": ("ICE",)}, "--avoid 'Immigration and Customs Enforcement' would remove the target itself"),
    ({"avoid": ("sfpd",)}, "would remove the source itself"),
    ({"via": ("sfpd",)}, "is the source; name an intermediary"),
])
def test_bad_options_fail_before_any_search(model, filters, message):
    with pytest.raises(QueryError, match=message.replace("(", r"\(").replace(")", r"\)")):
        RouteSearch(model, Query("sfpd", "ice", **filters))


def test_source_inside_the_target_is_refused(model):
    with pytest.raises(QueryError, match="is part of 'Immigration and Customs Enforcement'"):
        reach(model, Query("ice-das"))


def test_names_resolve_by_id_name_or_alias_in_any_case(model):
    assert model.resolve("ncric") == model.resolve("NCRIC") == model.resolve(
        "northern california regional intelligence center") == "ncric"


def test_unknown_name_suggests_close_matches(model):
    with pytest.raises(NameNotFound) as caught:
        model.resolve("NCRC")
    assert "Northern California Regional Intelligence Center (ncric)" in caught.value.suggestions


def test_ambiguous_name_lists_candidates(tmp_path):
    from conftest import NODES

    nodes = NODES + [{"id": "twin-a", "name": "Twin Center", "kind": "fusion_center"},
                     {"id": "twin-b", "name": "Other Center", "kind": "fusion_center", "aliases": "twin center"}]
    model = Model.load(write_dataset(tmp_path / "d", nodes=nodes))
    with pytest.raises(AmbiguousName) as caught:
        model.resolve("TWIN CENTER")
    assert caught.value.candidates == [("twin-a", "Twin Center"), ("twin-b", "Other Center")]
    assert model.resolve("twin-b") == "twin-b"  # an id is never ambiguous


# -- properties, with networkx as the oracle ---------------------------------------------


def model_from_pairs(n: int, pairs: list[tuple[int, int]]) -> Model:
    """An in-memory model: nodes n0..n{n-1}, one edge per pair, no restrictions."""
    columns = {t.name: [c.name for c in t.columns] for t in schema.TABLES}
    sources = pd.DataFrame([{c: "" for c in columns["sources"]} | {"id": "s", "title": "S", "publisher": "P"}])
    nodes = pd.DataFrame([{c: "" for c in columns["nodes"]} | {"id": f"n{i}", "name": f"Node {i}", "kind": "agency"}
                          for i in range(n)], columns=columns["nodes"])
    edges = pd.DataFrame([{c: "" for c in columns["edges"]} | {
        "id": f"e{k}", "from": f"n{u}", "to": f"n{v}", "data": "database_queries", "mechanism": "unspecified",
        "evidence": "reported", "citation": "s", "locator": "1", "quote": "q"} for k, (u, v) in enumerate(pairs)],
        columns=columns["edges"])
    jurisdictions = pd.DataFrame(columns=columns["jurisdictions"])
    designations = pd.DataFrame(columns=columns["designations"])
    return Model(Tables((), sources, jurisdictions, designations, nodes, edges))


@st.composite
def multigraphs(draw):
    n = draw(st.integers(min_value=2, max_value=7))
    pair = st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda p: p[0] != p[1])
    pairs = draw(st.lists(pair, max_size=18))
    return n, pairs


def nx_graph(model: Model) -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph()
    graph.add_nodes_from(model.node_ids)
    graph.add_edges_from((row["from"], row["to"], row["id"]) for _, row in model.edges.iterrows())
    return graph


@settings(max_examples=150, deadline=None)
@given(multigraphs(), st.one_of(st.none(), st.integers(1, 6)))
def test_routes_equal_networkx_simple_edge_paths(graph_spec, cutoff):
    n, pairs = graph_spec
    model = model_from_pairs(n, pairs)
    source, target = "n0", f"n{n - 1}"
    search = RouteSearch(model, Query(source, target, max_hops=cutoff))
    routes = list(search.routes())
    graph = nx_graph(model)
    expected = {tuple(k for _, _, k in path) for path in nx.all_simple_edge_paths(graph, source, target, cutoff)}
    assert {r.edges for r in routes} == expected
    assert len(routes) == len(expected)  # no route listed twice
    assert [len(r) for r in routes] == sorted(len(r) for r in routes)  # shortest first
    for route in routes:
        assert route.nodes[0] == source and route.nodes[-1] == target
        assert len(set(route.nodes)) == len(route.nodes)  # simple
        for hop, (u, v) in zip(route.hops, zip(route.nodes, route.nodes[1:])):
            assert (hop.sender, hop.receiver) == (u, v)
            assert graph.has_edge(u, v, hop.edge)
    assert search.count().open == len(expected)
    if cutoff is None:
        assert search.reachable == nx.has_path(graph, source, target)
    else:
        assert search.reachable == bool(expected)


@settings(max_examples=100, deadline=None)
@given(multigraphs(), st.integers(1, 6), st.data())
def test_via_routes_are_the_networkx_paths_through_the_node(graph_spec, cutoff, data):
    n, pairs = graph_spec
    if n < 3:
        return
    via = f"n{data.draw(st.integers(1, n - 2))}"
    model = model_from_pairs(n, pairs)
    source, target = "n0", f"n{n - 1}"
    routes = list(RouteSearch(model, Query(source, target, max_hops=cutoff, via=(via,))).routes())
    graph = nx_graph(model)
    expected = {tuple(k for _, _, k in path) for path in nx.all_simple_edge_paths(graph, source, target, cutoff)
                if via in {v for _, v, _ in path}}
    assert {r.edges for r in routes} == expected
    assert [len(r) for r in routes] == sorted(len(r) for r in routes)


def test_source_that_is_the_target_is_refused(model):
    with pytest.raises(QueryError, match="'Immigration and Customs Enforcement' is the target itself"):
        reach(model, Query("ICE"))


def test_data_categories_accept_common_spellings_in_the_api(model):
    from flowmap.query import Query

    assert Query(carrying=["license plates", "Facial recognition"]).carrying == (
        "licence_plate_reads", "face_recognition_results")
    with pytest.raises(QueryError, match="unknown data category 'licence plats' for --carrying; did you mean "
                                         "licence_plate_reads?"):
        Query(carrying="licence plats")


# -- issue 15's defects: each failed on the code before the fix ---------------------------


def chain_model(tmp_path, edges: list[dict], nodes: list[str], kinds: dict | None = None) -> Model:
    """A small map of agencies ``nodes`` (plus ICE) and the given edges."""
    from conftest import JURISDICTIONS, NODES

    rows = [{**n, "part_of": ""} for n in NODES if n["id"] == "ice"] + [
        {"id": n, "name": n.upper(), "kind": (kinds or {}).get(n, "agency")} for n in nodes]
    base = {**EDGES[0], "mechanism": "contract", "evidence": "reported"}
    return Model.load(write_dataset(tmp_path / "m", jurisdictions=JURISDICTIONS, nodes=rows,
                                    edges=[{**base, **e} for e in edges]))


def test_several_carrying_categories_mean_one_carried_end_to_end(tmp_path):
    # Defect 1: a → b carries plate reads only, b → ICE social media only: neither is carried end to end.
    model = chain_model(tmp_path, [{"id": "ab", "from": "a", "to": "b", "data": "licence_plate_reads"},
                                   {"id": "bi", "from": "b", "to": "ice", "data": "social_media"}], ["a", "b"])
    both = Query("a", carrying=("licence_plate_reads", "social_media"))
    assert not reach(model, both).reachable
    assert RouteSearch(model, both).count().open == 0
    import flowmap

    fm = flowmap.FlowMap(model)
    assert not fm.firewall(both).reachable


def test_several_carrying_categories_keep_a_route_carrying_one_of_them(tmp_path):
    model = chain_model(tmp_path, [
        {"id": "ab", "from": "a", "to": "b", "data": "licence_plate_reads;social_media"},
        {"id": "bi", "from": "b", "to": "ice", "data": "social_media"},
        {"id": "ac", "from": "a", "to": "c", "data": "licence_plate_reads"},
        {"id": "ci", "from": "c", "to": "ice", "data": "licence_plate_reads;tips"}], ["a", "b", "c"])
    result = reach(model, Query("a", carrying=("licence_plate_reads", "social_media")))
    assert sorted(edge_paths(result)) == [("ab", "bi"), ("ac", "ci")]  # each listed once
    assert edge_paths(reach(model, Query("a", carrying=("tips", "social_media")))) == [("ab", "bi")]


def test_max_hops_none_means_no_bound(tmp_path):
    # Defect 3: max_hops=None silently meant 6.
    import flowmap

    names = [f"n{i}" for i in range(8)]
    edges = [{"id": f"e{i}", "from": names[i], "to": names[i + 1]} for i in range(7)]
    edges.append({"id": "last", "from": "n7", "to": "ice"})
    fm = flowmap.FlowMap(chain_model(tmp_path, edges, names))
    assert fm.reach("n0", max_hops=None).reachable
    assert len(fm.reach("n0", max_hops=None).routes[0]) == 8
    assert not fm.reach("n0").reachable  # the default stays 6


def test_routes_of_one_length_are_listed_strongest_first(tmp_path):
    model = chain_model(tmp_path, [
        {"id": "s1", "from": "s", "to": "x1", "evidence": "capability"},
        {"id": "s2", "from": "s", "to": "x2", "evidence": "documented"},
        {"id": "x1i", "from": "x1", "to": "ice"}, {"id": "x2i", "from": "x2", "to": "ice"}], ["s", "x1", "x2"])
    assert edge_paths(reach(model, Query("s"))) == [("s2", "x2i"), ("s1", "x1i")]


def test_listing_stops_at_the_limit_when_a_restriction_exists_elsewhere(tmp_path, monkeypatch):
    # Issue 11: the listing built every route whenever any edge carried a restriction.
    edges = [{"id": f"p{i}", "from": "a", "to": "ice"} for i in range(50)]
    edges.append({"id": "r", "from": "b", "to": "ice", "excludes": "us-co"})
    model = chain_model(tmp_path, edges, ["a", "b"])
    built = []
    original = RouteSearch._route
    monkeypatch.setattr(RouteSearch, "_route", lambda self, path: built.append(path) or original(self, path))
    result = reach(model, Query("a", limit=2))
    assert len(result.routes) == 2 and result.more_routes and result.blocked == []
    assert len(built) == 3  # the two listed and the one that shows more exist


def test_via_prunes_but_keeps_every_route_through_the_node(model):
    assert edge_paths(reach(model, Query("sfpd", via=("ncric",)))) == [("e1", "e2")]
    assert edge_paths(reach(model, Query("denver", via=("ncric",)))) == []
    assert not RouteSearch(model, Query("denver", via=("ncric",))).reachable


def test_group_joins_are_marked_and_can_be_left_out(tmp_path):
    model = chain_model(tmp_path, [
        {"id": "in", "from": "a", "to": "g", "quote": "a tells the group"},
        {"id": "out", "from": "g", "to": "ice", "quote": "the group tells ICE"},
        {"id": "same-in", "from": "b", "to": "g", "quote": "b, the group and ICE in one sentence"},
        {"id": "same-out", "from": "g", "to": "ice", "quote": "b, the group and ICE in one sentence"}],
        ["a", "b", "g"], kinds={"g": "group"})
    joined = reach(model, Query("a")).routes
    assert [r.edges for r in joined] == [("in", "out"), ("in", "same-out")]
    assert [(j.group, j.hops) for j in joined[0].group_joins] == [("g", ("in", "out"))]
    assert not reach(model, Query("a", group_joins=False)).reachable
    one_sentence = reach(model, Query("b", group_joins=False))
    assert edge_paths(one_sentence) == [("same-in", "same-out")]  # one sentence: not a join
    assert one_sentence.routes[0].group_joins == ()
    assert reach(model, Query("g", group_joins=False)).reachable  # starting at a group is not a join
    assert [r.group_joins for r in reach(model, Query("b")).routes] == [(GroupJoin("g", ("same-in", "out")),), ()]
