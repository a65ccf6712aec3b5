"""The route engine against a brute-force oracle over small random maps (issue 15).

The oracle below shares no code with the engine: it enumerates every simple
path by plain depth-first search, with no distance pruning, and applies each
rule of the README to the whole path afterwards.  The maps hold what real
data holds and what broke before: nested units (of the target and of
sources), regions containing states, agencies given only a state, policy
restrictions, dates, parallel edges, several data categories, group nodes and
hops that share a sentence.  Every filter is drawn, alone and together.

Compared: the open and blocked route sets and their order, counts, the
verdict, the sanctuary sweep's membership and its route against reach's first
route, and firewall cut sizes against networkx's minimum cuts (exact cases) or
an exhaustive search (the cases the firewall does not claim exact).
"""

from __future__ import annotations

import calendar
import datetime
import itertools

import networkx as nx
import pandas as pd
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from flowmap import schema
from flowmap.cuts import firewall
from flowmap.load import Tables
from flowmap.model import Model
from flowmap.query import Query
from flowmap.routes import RouteSearch, reach
from flowmap.sanctuary import sweep

CATEGORIES = ("licence_plate_reads", "social_media", "tips")
LEVELS = ("documented", "reported", "capability")
DATES = ("", "", "2018", "2018-04", "2019-05-02", "2020")
QUOTES = ("one sentence", "another sentence", "a third")
PLACES = [("", ""), ("", "CA"), ("us-ca", ""), ("us-ca-sf", "CA"), ("us-co", ""), ("", "CO"), ("west", "")]
EXCLUDES = ("", "", "", "us-ca", "west", "us-ca-sf", "us-co")
SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# -- random maps -------------------------------------------------------------------------


@st.composite
def maps(draw):
    n = draw(st.integers(3, 7))
    names = [f"n{i}" for i in range(n)]
    nodes = [{"id": "ice", "name": "ICE", "kind": "federal_agency", "jurisdiction": "us"}]
    if draw(st.booleans()):
        nodes.append({"id": "ice-unit", "name": "ICE unit", "kind": "database", "part_of": "ice"})
    for name in names:
        jurisdiction, state = draw(st.sampled_from(PLACES))
        nodes.append({"id": name, "name": name.upper(), "jurisdiction": jurisdiction, "state": state,
                      "kind": draw(st.sampled_from(("agency", "agency", "fusion_center", "group")))})
    if draw(st.booleans()):  # a unit of a source: what it sends, its parent sends
        child, parent = draw(st.permutations(names))[:2]
        next(x for x in nodes if x["id"] == child)["part_of"] = parent
    ids = [x["id"] for x in nodes]
    pair = st.tuples(st.sampled_from(ids), st.sampled_from(ids)).filter(lambda p: p[0] != p[1])
    # Routes need a way in: a few edges into the target (or its unit), the rest anywhere.
    into = st.tuples(st.sampled_from(names), st.sampled_from([x for x in ids if x.startswith("ice")]))
    pairs = draw(st.lists(into, min_size=1, max_size=3)) + draw(st.lists(pair, min_size=2, max_size=16))
    edges = []
    for k, (u, v) in enumerate(draw(st.permutations(pairs))):
        edges.append({"id": f"e{k}", "from": u, "to": v,
                      "data": ";".join(draw(st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=3,
                                                     unique=True))),
                      "evidence": draw(st.sampled_from(LEVELS)), "date": draw(st.sampled_from(DATES)),
                      "excludes": draw(st.sampled_from(EXCLUDES)), "quote": draw(st.sampled_from(QUOTES))})
    statuses = {j: draw(st.sampled_from(("yes", "no", "unknown"))) for j in ("west", "us-ca", "us-ca-sf")}
    west_holds_ca = draw(st.booleans())
    return nodes, edges, statuses, west_holds_ca


def build(nodes, edges, statuses, west_holds_ca) -> Model:
    columns = {t.name: [c.name for c in t.columns] for t in schema.TABLES}

    def frame(name, rows):
        return pd.DataFrame([{c: "" for c in columns[name]} | row for row in rows], columns=columns[name])

    def law(j):
        return {"sanctuary": statuses[j], "law": f"law of {j}" if statuses[j] == "yes" else "",
                "citation": "s" if statuses[j] == "yes" else ""}

    jurisdictions = [
        {"id": "us", "name": "US", "level": "country", "sanctuary": "no"},
        {"id": "west", "name": "West", "level": "region", "part_of": "us", **law("west")},
        {"id": "us-ca", "name": "California", "level": "state", "state": "CA",
         "part_of": "west" if west_holds_ca else "us", **law("us-ca")},
        {"id": "us-ca-sf", "name": "San Francisco", "level": "city", "state": "CA", "part_of": "us-ca",
         **law("us-ca-sf")},
        {"id": "us-co", "name": "Colorado", "level": "state", "state": "CO", "part_of": "us", "sanctuary": "unknown"},
    ]
    edge_rows = [{**e, "mechanism": "unspecified", "citation": "s", "locator": "1"} for e in edges]
    return Model(Tables((), frame("sources", [{"id": "s", "title": "S", "publisher": "P"}]),
                        frame("jurisdictions", jurisdictions), frame("designations", []),
                        frame("nodes", nodes), frame("edges", edge_rows)))


@st.composite
def questions(draw, ids, edge_ids, source=True):
    options = {}
    if source:
        options["source"] = draw(st.sampled_from(ids))
    if draw(st.integers(0, 2)) == 0:
        options["carrying"] = tuple(draw(st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=3, unique=True)))
    if draw(st.integers(0, 2)) == 0:
        options["min_evidence"] = draw(st.sampled_from(LEVELS))
    if draw(st.integers(0, 3)) == 0:
        options["since"] = draw(st.sampled_from(("2018", "2018-05", "2019")))
    if draw(st.integers(0, 3)) == 0:
        options["until"] = draw(st.sampled_from(("2019", "2020")))
    options["dated_only"] = draw(st.integers(0, 4)) == 0
    options["max_hops"] = draw(st.sampled_from((1, 2, 3, 3, 4, 5, None, None)))
    if source and draw(st.integers(0, 3)) == 0:
        options["via"] = (draw(st.sampled_from(ids)),)
    if draw(st.integers(0, 3)) == 0:
        options["avoid"] = (draw(st.sampled_from(ids)),)
    if edge_ids and draw(st.integers(0, 3)) == 0:
        options["without"] = (draw(st.sampled_from(edge_ids)),)
    options["group_joins"] = draw(st.booleans())
    return Query(limit=None, **options)


# -- the oracle --------------------------------------------------------------------------


def period(text: str) -> tuple[datetime.date, datetime.date]:
    """The first and last day a date like 2018, 2018-04 or 2018-04-19 covers."""
    parts = [int(p) for p in text.split("-")]
    if len(parts) == 3:
        day = datetime.date(*parts)
        return day, day
    if len(parts) == 2:
        return datetime.date(parts[0], parts[1], 1), datetime.date(parts[0], parts[1],
                                                                   calendar.monthrange(*parts)[1])
    return datetime.date(parts[0], 1, 1), datetime.date(parts[0], 12, 31)


class Oracle:
    """The README's rules, applied by brute force to the raw rows."""

    def __init__(self, nodes, edges, statuses, west_holds_ca):
        self.nodes = {x["id"]: x for x in nodes}
        self.order = [x["id"] for x in nodes]
        self.edges = edges
        self.parent = {"us-ca": "west" if west_holds_ca else "us", "us-ca-sf": "us-ca", "west": "us", "us-co": "us"}
        self.state = {"CA": "us-ca", "CO": "us-co"}
        self.sanctuary = {**statuses, "us": "no", "us-co": "unknown"}

    def up(self, jurisdiction):
        found = []
        while jurisdiction and jurisdiction not in found:
            found.append(jurisdiction)
            jurisdiction = self.parent.get(jurisdiction, "")
        return found

    def chain(self, node):
        row = self.nodes[node]
        return set(self.up(row.get("jurisdiction", ""))) | set(self.up(self.state.get(row.get("state", ""), "")))

    def covered(self, node):
        return any(self.sanctuary[j] == "yes" for j in self.chain(node))

    def members(self, node):
        found = {node}
        while True:
            more = {x for x, row in self.nodes.items() if row.get("part_of") in found} - found
            if not more:
                return found
            found |= more

    def allowed(self, edge, q: Query):
        rank = LEVELS.index
        if q.min_evidence and rank(edge["evidence"]) > rank(q.min_evidence):
            return False
        if edge["id"] in q.without or edge["from"] in q.avoid or edge["to"] in q.avoid:
            return False
        date = edge["date"]
        if not date:
            return not q.dated_only
        start, end = period(date)
        if q.since and end < period(q.since)[0]:
            return False
        if q.until and start > period(q.until)[1]:
            return False
        return True

    def starts(self, q: Query):
        return [q.source] + [x for x in self.order if x in self.members(q.source) - {q.source}
                             - self.members(q.target) - set(q.avoid)]

    def routes(self, q: Query):
        """Every route as (edges, blocked), in the order the README promises."""
        targets = self.members(q.target)
        starts = self.starts(q)
        limit = q.max_hops if q.max_hops is not None else len(self.nodes)
        usable = [e for e in self.edges if self.allowed(e, q)]
        origin = self.chain(q.source)
        found = []

        def walk(path, seen):
            here = path[-1]["to"] if path else current
            if path and here in targets:
                found.append((starts.index(current), tuple(path)))
                return
            if len(path) == limit:
                return
            for e in usable:
                if e["from"] == here and e["to"] not in seen and e["to"] not in starts:
                    walk(path + [e], seen | {e["to"]})

        for current in starts:
            walk([], {current})
        result = []
        for start_index, path in found:
            if q.carrying and not any(all(c in e["data"].split(";") for e in path) for c in q.carrying):
                continue
            receivers = [e["to"] for e in path]
            if not set(q.via) <= set(receivers):
                continue
            joins = [i for i in range(1, len(path)) if self.nodes[path[i]["from"]]["kind"] == "group"
                     and path[i - 1]["quote"] != path[i]["quote"]]
            if joins and not q.group_joins:
                continue
            blocked = any(set(filter(None, e["excludes"].split(";"))) & origin for e in path)
            key = (len(path), start_index, [(LEVELS.index(e["evidence"]), int(e["id"][1:])) for e in path])
            result.append((key, tuple(e["id"] for e in path), blocked))
        result.sort(key=lambda r: r[0])
        return [(edges, blocked) for _, edges, blocked in result]


def engine_routes(model, q):
    result = reach(model, q)
    return result, [(r.edges, False) for r in result.routes], [(r.edges, True) for r in result.blocked]


def fine(model, q) -> bool:
    """Whether the engine accepts the question (the oracle has no opinion on refused ones)."""
    try:
        RouteSearch(model, q)
    except Exception as exc:  # QueryError: the source is the target, avoided, a via node...
        assert type(exc).__name__ == "QueryError", exc
        return False
    return True


# -- routes ------------------------------------------------------------------------------


@settings(max_examples=250, **SETTINGS)
@given(st.data())
def test_routes_equal_the_oracles(data):
    spec = data.draw(maps())
    model, oracle = build(*spec), Oracle(*spec)
    ids = [x for x in model.node_ids if x not in ("ice", "ice-unit")]
    q = data.draw(questions(ids, model.edge_ids))
    if not fine(model, q):
        return
    expected = oracle.routes(q)
    event(f"routes: {'open' if any(not b for _, b in expected) else 'none open'}, "
          f"{'some blocked' if any(b for _, b in expected) else 'none blocked'}")
    result, open_routes, blocked = engine_routes(model, q)
    assert open_routes == [r for r in expected if not r[1]]
    assert blocked == [r for r in expected if r[1]]
    assert result.reachable == bool(open_routes)
    assert RouteSearch(model, q).reachable == bool(open_routes)
    counts = RouteSearch(model, q).count()
    assert (counts.open, counts.blocked) == (len(open_routes), len(blocked))
    for route in result.routes:
        joins = [(j.group, j.hops) for j in route.group_joins]
        assert joins == [(route.nodes[i], (route.edges[i - 1], route.edges[i])) for i in range(1, len(route.nodes) - 1)
                         if oracle.nodes[route.nodes[i]]["kind"] == "group"
                         and route.hops[i - 1].evidence.quote != route.hops[i].evidence.quote]


@settings(max_examples=80, **SETTINGS)
@given(st.data())
def test_the_limit_keeps_the_first_routes(data):
    spec = data.draw(maps())
    model, oracle = build(*spec), Oracle(*spec)
    ids = [x for x in model.node_ids if x not in ("ice", "ice-unit")]
    q = data.draw(questions(ids, model.edge_ids))
    if not fine(model, q):
        return
    expected = oracle.routes(q)
    limit = data.draw(st.integers(1, 3))
    result = reach(model, q.replace(limit=limit))
    opened = [e for e, blocked in expected if not blocked]
    closed = [e for e, blocked in expected if blocked]
    assert [r.edges for r in result.routes] == opened[:limit] and result.more_routes == (len(opened) > limit)
    assert [r.edges for r in result.blocked] == closed[:limit] and result.more_blocked == (len(closed) > limit)


# -- the sanctuary sweep -----------------------------------------------------------------


@settings(max_examples=120, **SETTINGS)
@given(st.data())
def test_sweep_members_and_routes_equal_reachs(data):
    spec = data.draw(maps())
    model, oracle = build(*spec), Oracle(*spec)
    ids = [x for x in model.node_ids if x not in ("ice", "ice-unit")]
    q = data.draw(questions(ids, model.edge_ids, source=False))
    targets = oracle.members("ice")
    swept = {r.node: r for r in sweep(model, q, count=True).reaches}
    for node in model.node_ids:
        if node in targets or node in q.avoid or not oracle.covered(node):
            assert node not in swept
            continue
        asked = q.replace(source=node)
        opened = [e for e, blocked in oracle.routes(asked) if not blocked]
        assert (node in swept) == bool(opened), node
        if opened:
            assert swept[node].shortest.edges == opened[0]
            assert swept[node].shortest == next(RouteSearch(model, asked).open_routes())
            assert swept[node].routes == min(len(opened), 1000)


# -- firewalls ---------------------------------------------------------------------------


def closes(oracle, q, without=(), avoid=()):
    asked = q.replace(without=q.without + tuple(without), avoid=q.avoid + tuple(avoid), max_hops=None)
    return not any(not blocked for _, blocked in oracle.routes(asked))


def smallest(oracle, q, candidates, at_most, **kind):
    """The size of the smallest set of ``candidates`` that closes every open route (exhaustive)."""
    for size in range(0, at_most + 1):
        for chosen in itertools.combinations(candidates, size):
            if closes(oracle, q, **{next(iter(kind)): chosen}):
                return size
    return None


def networkx_cuts(oracle, q):
    """Minimum edge and node cuts by networkx on the open graph of the question."""
    asked = q.replace(max_hops=None)
    targets, starts = oracle.members(asked.target), set(oracle.starts(asked))
    origin = oracle.chain(asked.source)
    graph = nx.DiGraph()
    for e in oracle.edges:
        if not oracle.allowed(e, asked) or set(filter(None, e["excludes"].split(";"))) & origin:
            continue
        if asked.carrying and not set(asked.carrying) & set(e["data"].split(";")):
            continue
        u = "S" if e["from"] in starts else "T" if e["from"] in targets else e["from"]
        v = "S" if e["to"] in starts else "T" if e["to"] in targets else e["to"]
        if u in ("T", v) or v == "S":
            continue
        capacity = graph[u][v]["capacity"] + 1 if graph.has_edge(u, v) else 1
        graph.add_edge(u, v, capacity=capacity)
    if not (graph.has_node("S") and graph.has_node("T")) or not nx.has_path(graph, "S", "T"):
        return 0, 0
    nodes = None if graph.has_edge("S", "T") else len(nx.minimum_node_cut(graph, "S", "T"))
    return nx.minimum_cut_value(graph, "S", "T"), nodes


@settings(max_examples=120, **SETTINGS)
@given(st.data())
def test_firewall_cuts_are_minimum_and_close_every_route(data):
    spec = data.draw(maps())
    model, oracle = build(*spec), Oracle(*spec)
    ids = [x for x in model.node_ids if x not in ("ice", "ice-unit")]
    q = data.draw(questions(ids, model.edge_ids)).replace(via=())
    if not fine(model, q):
        return
    wall = firewall(model, q)
    asked = q.replace(max_hops=None)
    open_routes = [e for e, blocked in oracle.routes(asked) if not blocked]
    assert wall.reachable == bool(open_routes)
    if not open_routes:
        assert wall.edges == [] and wall.verified
        return
    assert wall.verified
    assert closes(oracle, q, without=wall.edges)
    if wall.nodes is not None:
        assert closes(oracle, q, avoid=wall.nodes)
    exact = len(q.carrying) <= 1 and q.group_joins
    event(f"firewall: {'exact' if exact else 'searched'}")
    if exact:
        edge_cut, node_cut = networkx_cuts(oracle, q)
        assert wall.minimum_edges and len(wall.edges) == edge_cut
        assert wall.minimum_nodes and (wall.nodes is None) == (node_cut is None)
        if node_cut is not None:
            assert len(wall.nodes) == node_cut
    else:
        on_routes = sorted({e for route in open_routes for e in route})
        if len(on_routes) <= 10:
            best = smallest(oracle, q, on_routes, len(wall.edges), without=None)
            assert best <= len(wall.edges)
            if wall.minimum_edges:
                assert best == len(wall.edges)
        starts = set(oracle.starts(asked)) | oracle.members(asked.target)
        inside = sorted({e["to"] for e in oracle.edges if e["id"] in on_routes} - starts)
        if wall.nodes is not None and len(inside) <= 8:
            best = smallest(oracle, q, inside, len(wall.nodes), avoid=None)
            assert best is not None and best <= len(wall.nodes)
            if wall.minimum_nodes:
                assert best == len(wall.nodes)
