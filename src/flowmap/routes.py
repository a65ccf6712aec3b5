"""Routes: every simple path along which data can move from a source to a target.

The search is written by hand rather than taken from networkx because
``networkx.all_simple_edge_paths`` explores every dead end (networkx issues
#2975 and #6757): on a 37,000-edge sharing network it spends minutes on paths
that can never reach the target.  Here breadth-first searches backwards from
the target first give every node's distance to it; the depth-first walk then
only steps onto a node from which the target is still reachable, on the terms
the route must still meet, within the hops left.  Each partial path it extends
therefore ends in at least one route (up to the simple-path condition), so the
work tracks the size of the answer, not the size of the graph.

What "the terms the route must still meet" covers:

- **Several carrying categories** (``carrying``): a route qualifies when one
  category is carried on every hop.  The walk keeps, for the partial path, the
  set of wanted categories carried on every hop so far (a bit mask) and steps
  only where one of them still reaches the target in time (one distance per
  category).  Each route is walked once, whichever categories it carries.
- **Blocked routes**: a route that a policy restriction closes to the source's
  data must use a restricted edge; the walk for them keeps whether it has used
  one and, until it has, steps only where a restricted edge and then the
  target lie within the hops left.  Where no restriction can apply to the
  source within the hop limit, it ends at once.
- **Via nodes**: a partial path that can no longer pass every via node still
  missing and then reach the target in time is dropped.
- **Group joins** (``group_joins=False``): a group node may then only be passed
  through on two hops from one sentence.  The search graph gives each group one
  state per sentence (citation and quote) that enters it, so a route can leave
  a group only by a hop from the sentence it came in by.

Routes stream shortest first (iterative deepening) and, within a length, in the
order the walk meets them: hop by hop from the source, the stronger evidence
first (documented, then reported, then capability), then file order.  So
``limit`` keeps the shortest and strongest routes and stops early, and the first
route listed is the one the sanctuary sweep shows.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from . import dates, schema
from .errors import QueryError
from .load import split_list
from .model import Model
from .query import DEFAULT_LIMIT, DEFAULT_MAX_HOPS, Answer, Query, envelope

UNREACHABLE = 1 << 30
#: Compiled search graphs kept per model, for queries that differ only in source or hop limit.
COMPILED_QUERIES_KEPT = 8

#: Kept for code written against the old name: a Query is the filters and more.
Filters = Query

__all__ = [
    "DEFAULT_LIMIT", "DEFAULT_MAX_HOPS", "Counts", "Evidence", "Filters", "GroupJoin", "Hop", "Query", "ReachResult",
    "Restriction", "Route", "RouteSearch", "reach",
]


@dataclass(frozen=True)
class Evidence:
    """Why a hop is believed: the evidence level and the source that says so."""

    level: str
    citation: str  # id in sources.csv
    title: str
    url: str
    locator: str
    quote: str
    date: str = ""
    hedge: str = ""

    @property
    def reference(self) -> str:
        """``Title, locator``: how a footnote names it."""
        return f"{self.title}, {self.locator}" if self.locator else self.title


@dataclass(frozen=True)
class Hop:
    """One documented movement of data: ``sender`` → ``receiver``."""

    edge: str
    sender: str
    receiver: str
    data: tuple[str, ...]
    mechanism: str
    requested_by: str
    evidence: Evidence
    notes: str = ""  # what the quote does and does not show, in the data builder's words

    @property
    def sentence(self) -> tuple[str, str]:
        """(citation, quote): two hops with the same come from one sentence of one source."""
        return (self.evidence.citation, self.evidence.quote)


@dataclass(frozen=True)
class Restriction:
    """A policy on an edge that keeps data from some jurisdictions off it."""

    edge: str
    excludes: tuple[str, ...]  # every jurisdiction the edge excludes
    matched: tuple[str, ...]  # those that cover the route's origin
    evidence: Evidence

    def describe(self, model: Model) -> str:
        names = ", ".join(model.jurisdiction_row(j)["name"] for j in self.matched)
        return f"edge {self.edge} does not carry data from {names}"


@dataclass(frozen=True)
class GroupJoin:
    """Where a route passes through a ``group`` node on hops from different
    statements: the route joins what a source says about a group (say, "fusion
    centers") that need not be about the same members."""

    group: str  # the group node's id
    hops: tuple[str, str]  # the edge into the group and the edge out of it


@dataclass(frozen=True)
class Route:
    """A simple path from source to target as a sequence of hops.

    A route shows that documented channels connect, hop by hop; it does not
    show that one record travelled the whole way.  Each hop carries its own
    evidence.

    Attributes
    ----------
    nodes : tuple of str
        Node ids from the source (or the unit of it the data leaves) to the
        target (or the unit of it reached).
    hops : tuple of Hop
        One per edge, in order; ``hop.evidence`` says why it is believed.
    blocked_by : tuple of Restriction
        The policy restrictions that close the route to data from the
        source's jurisdiction; empty for an open route.
    group_joins : tuple of GroupJoin
        Each group node the route passes through on hops from different
        statements; empty when the route joins no statements about a group.
    blocked : bool
        True when ``blocked_by`` is not empty.
    edges : tuple of str
        The edge ids, in order.  ``len(route)`` is the number of hops.

    Examples
    --------
    >>> import flowmap
    >>> route = flowmap.load().reach("SFPD").routes[0]
    >>> route.nodes
    ('sfpd', 'ncric', 'ice-das')
    >>> len(route), route.blocked, route.group_joins
    (2, False, ())
    >>> [hop.evidence.level for hop in route.hops]
    ['reported', 'reported']
    >>> route.hops[0].data
    ('unspecified',)
    """

    nodes: tuple[str, ...]
    hops: tuple[Hop, ...]
    blocked_by: tuple[Restriction, ...] = ()
    group_joins: tuple[GroupJoin, ...] = ()

    @property
    def blocked(self) -> bool:
        return bool(self.blocked_by)

    def __len__(self) -> int:
        return len(self.hops)

    @property
    def edges(self) -> tuple[str, ...]:
        return tuple(h.edge for h in self.hops)


@dataclass
class Counts:
    """How many routes a search finds, without listing them."""

    open: int = 0
    blocked: int = 0


def group_joins_of(model: Model, nodes: tuple[str, ...], hops: tuple[Hop, ...]) -> tuple[GroupJoin, ...]:
    """The group joins on a route: interior group nodes whose two hops come from different sentences."""
    kinds = model.node_kinds
    return tuple(GroupJoin(nodes[i], (hops[i - 1].edge, hops[i].edge)) for i in range(1, len(nodes) - 1)
                 if kinds[nodes[i]] == "group" and hops[i - 1].sentence != hops[i].sentence)


def make_route(model: Model, nodes: tuple[str, ...], hops: tuple[Hop, ...],
               blocked_by: tuple[Restriction, ...] = ()) -> Route:
    return Route(nodes, hops, blocked_by, group_joins_of(model, nodes, hops))


# -- the prepared question ----------------------------------------------------------------


class Plan:
    """A query checked against a model: names resolved, options that contradict
    each other or the data refused, the search graph compiled (once per
    :attr:`Query.graph_key`, kept by the model).

    Checking happens here, before anything is enumerated, so a bad name or
    option fails at once rather than when a generator is first advanced.
    """

    def __init__(self, model: Model, query: Query):
        self.model = model
        self.query = query = query.resolved(model)
        self.target = query.target
        self.target_members = model.members(self.target)
        self.avoid = set(query.avoid)
        self.via = query.via
        self.without = set(query.without)
        for node in self.avoid & self.target_members:
            raise QueryError(f"--avoid {model.name(node)!r} would remove the target itself")
        for node in self.via:
            if node in self.target_members or node in self.avoid:
                raise QueryError(f"--via {model.name(node)!r} must be an intermediary: "
                                 "not the target or an avoided node")
        # The longest simple route has fewer hops than there are nodes.
        self.max_hops = query.max_hops if query.max_hops is not None else max(len(model.node_ids), 1)
        self.index: FilteredGraph = model.derived.get(
            "search-graph", query.graph_key, lambda: filtered_graph(model, self), keep=COMPILED_QUERIES_KEPT)

    def check_source(self, source: str) -> str:
        """Resolve a source and make sure a route from it makes sense."""
        model = self.model
        node = model.resolve(source)
        if node == self.target:
            raise QueryError(f"{model.name(node)!r} is the target itself: pick another source, or another --to")
        if node in self.target_members:
            raise QueryError(f"{model.name(node)!r} is part of {model.name(self.target)!r}: "
                             "pick a source outside the target")
        if node in self.avoid:
            raise QueryError(f"--avoid {model.name(node)!r} would remove the source itself")
        if node in self.via:
            raise QueryError(f"--via {model.name(node)!r} is the source; name an intermediary")
        return node

    def graph_for(self, origin: tuple[str, ...]) -> SearchGraph:
        """The search graph for routes starting in ``origin``: built once for
        every origin that the same policy restrictions close."""
        index = self.index
        restricted = restricted_mask(self.model, origin) & index.allowed
        key = tuple(np.flatnonzero(restricted).tolist())
        found = index.by_origin.get(key)
        if found is None:
            found = index.by_origin[key] = SearchGraph(index, restricted)
        return found


class RouteSearch:
    """A prepared search from the query's source to its target.

    Parameters
    ----------
    model : Model
    query : Query
        The question; its ``source`` may be overridden by ``source`` (the
        sweep asks one query of many sources).
    """

    def __init__(self, model: Model, query: Query | Plan, source: str | None = None):
        self.model = model
        self.plan = query if isinstance(query, Plan) else Plan(model, query)
        self.query = self.plan.query
        source = source if source is not None else self.query.source
        if source is None:
            raise QueryError("a route search needs a source")
        self.source = self.plan.check_source(source)
        self.query = self.query.replace(source=self.source)
        self.target = self.plan.target
        self.via = self.plan.via
        self.max_hops = self.plan.max_hops
        self.origin = model.jurisdiction_chain(self.source)
        self.graph = self.plan.graph_for(self.origin)
        self.starts = starts_of(model, self.plan, self.source)

    # -- answers -------------------------------------------------------------

    @property
    def reachable(self) -> bool:
        """True when an open (unrestricted) route exists within ``max_hops``."""
        graph = self.graph
        if min(graph.min_dist(graph.dist_open, s, graph.full_mask) for s in self.starts) > self.max_hops:
            return False
        if not self.via and not self.graph.index.virtual:
            return True  # a shortest walk on real nodes is a simple route
        return next(self._paths("open"), None) is not None

    def routes(self) -> Iterator[Route]:
        """Every route, open and blocked, shortest first."""
        for path in self._paths("all"):
            yield self._route(path)

    def open_routes(self) -> Iterator[Route]:
        """Open routes, shortest first."""
        for path in self._paths("open"):
            yield self._route(path)

    def blocked_routes(self) -> Iterator[Route]:
        """Routes a policy restriction closes to the source's data, shortest first.

        Walks only where a restricted edge and then the target are still
        within reach: nothing at all where no restriction applies.
        """
        if not self.graph.restricted.any():
            return
        for path in self._paths("blocked"):
            yield self._route(path)

    def count(self) -> Counts:
        """Count open and blocked routes without building them."""
        counts = Counts()
        # A set of the closed edges: testing a route against it costs far less than reading a
        # numpy array element by element, which was a fifth of counting the Flock network's routes.
        closed = set(np.flatnonzero(self.graph.restricted).tolist())
        total = 0
        walker = Walker(self.graph, "all", self._via_states())
        for start in self.starts:  # as _paths walks them, without its generator in between
            if walker.need(start, walker.initial_aux) > self.max_hops:
                continue
            for path in walker.walk(start, 1, self.max_hops, starts=self.starts):
                total += 1
                if closed and not closed.isdisjoint(path):
                    counts.blocked += 1
        counts.open = total - counts.blocked
        return counts

    def count_open(self, limit: int | None = None) -> tuple[int, bool]:
        """Open routes, counted up to ``limit``; True when more exist."""
        count = 0
        for _ in self._paths("open", shortest_first=False):
            count += 1
            if limit is not None and count > limit:
                return limit, True
        return count, False

    def first_open(self) -> Route | None:
        """The first open route :meth:`open_routes` lists, read off the backward
        searches without a walk where it can be."""
        path = None if self.via else self.graph.greedy_open(self.starts, self.max_hops)
        if path is None or not is_simple(self.model, self.starts, path):
            path = next(self._paths("open"), None)
        return None if path is None else self._route(path)

    # -- internals -----------------------------------------------------------

    def _paths(self, mode: str, shortest_first: bool = True) -> Iterator[tuple[int, ...]]:
        # A node's units count as the node at the start of a route as at its end:
        # what ICE's Data Analysis System sends, ICE sends.  Routes start at the
        # source or at one of its units and never pass through another of them.
        walker = Walker(self.graph, mode, self._via_states())
        needs = [walker.need(s, walker.initial_aux) for s in self.starts]
        shortest = min(needs)
        if shortest > self.max_hops:
            return
        if not shortest_first:
            for start, need in zip(self.starts, needs):
                if need <= self.max_hops:
                    yield from walker.walk(start, 1, self.max_hops, starts=self.starts)
            return
        for length in range(max(shortest, 1), self.max_hops + 1):
            cut = [False]
            for start, need in zip(self.starts, needs):
                if need <= length:
                    yield from walker.walk(start, length, length, cut, starts=self.starts)
            if not cut[0] and all(need <= length or need > self.max_hops for need in needs):
                return  # nothing longer exists: no partial path was stopped for length, no start waits

    def _via_states(self) -> list[int]:
        return [self.model.node_index[v] for v in self.via]

    def _route(self, path: tuple[int, ...]) -> Route:
        model = self.model
        hops = tuple(hop_for(model, model.edge_ids[e]) for e in path)
        nodes = (hops[0].sender, *(h.receiver for h in hops))  # the source, or the unit of it the route leaves
        blocked = tuple(self._restriction(e) for e in path if self.graph.restricted[e])
        return make_route(model, nodes, hops, blocked)

    def _restriction(self, e: int) -> Restriction:
        edge_id = self.model.edge_ids[e]
        excludes = split_list(self.model.edge_row(edge_id)["excludes"])
        matched = tuple(j for j in excludes if j in self.origin)
        return Restriction(edge_id, excludes, matched, hop_for(self.model, edge_id).evidence)


def is_simple(model: Model, starts: tuple[int, ...], path: tuple[int, ...]) -> bool:
    """True when an edge path enters no node twice and never comes back to one of
    ``starts`` (the source and its units)."""
    receivers = [int(model.arrays.receiver[e]) for e in path]
    return len(set(receivers)) == len(receivers) and not set(starts) & set(receivers)


def starts_of(model: Model, plan: Plan, source: str) -> tuple[int, ...]:
    """Where routes from ``source`` start: the source, then its units (not a unit
    of the target, nor an avoided one), by file order."""
    members = model.members(source) - plan.target_members - plan.avoid - {source}
    return (model.node_index[source], *sorted(model.node_index[n] for n in members))


def hop_for(model: Model, edge_id: str) -> Hop:
    """The hop an edge makes, with its evidence; built once per model (hops are immutable)."""
    hops = model.derived.values("hop")
    hop = hops.get(edge_id)
    if hop is None:
        hop = hops[edge_id] = _make_hop(model, edge_id)
    return hop


def _make_hop(model: Model, edge_id: str) -> Hop:
    row = model.edge_row(edge_id)
    source = model.source_row(row["citation"])
    evidence = Evidence(row["evidence"], row["citation"], source["title"], source["url"],
                        row["locator"], row["quote"], row["date"], row["hedge"])
    return Hop(edge_id, row["from"], row["to"], split_list(row["data"]), row["mechanism"],
               row["requested_by"], evidence, row["notes"])


# -- the compiled search graph ------------------------------------------------------------


def edge_mask(model: Model, query: Query) -> np.ndarray:
    """Which edges a search under ``query`` may use (``query`` resolved), whatever
    they carry: the carrying categories are judged along a route, not per edge
    (an edge must carry at least one of them to be on any route at all)."""
    arrays = model.arrays
    mask = np.ones(len(model.edge_ids), dtype=bool)
    if query.min_evidence:
        mask &= arrays.evidence_rank <= schema.EVIDENCE_LEVELS.index(query.min_evidence)
    undated = arrays.start < 0
    if query.since or query.until or query.dated_only:
        in_window = ~undated
        if query.since:
            in_window &= arrays.end >= dates.period(query.since)[0].toordinal()
        if query.until:
            in_window &= arrays.start <= dates.period(query.until)[1].toordinal()
        mask &= in_window | (undated & (not query.dated_only))
    if query.carrying:
        wanted = set(query.carrying)
        mask &= np.fromiter((not wanted.isdisjoint(d) for d in arrays.data), dtype=bool, count=len(mask))
    if query.without:
        mask[[model.edge_index[e] for e in query.without]] = False
    if query.avoid:
        gone = np.zeros(len(model.node_ids), dtype=bool)
        gone[[model.node_index[n] for n in query.avoid]] = True
        mask &= ~gone[arrays.sender] & ~gone[arrays.receiver]
    return mask


def restricted_mask(model: Model, origin: tuple[str, ...]) -> np.ndarray:
    """Edges whose policy keeps out data from a route starting in ``origin``."""
    arrays = model.arrays
    mask = np.zeros(len(model.edge_ids), dtype=bool)
    origin_set = set(origin)
    for e in arrays.restricting.tolist():
        mask[e] = not arrays.excludes[e].isdisjoint(origin_set)
    return mask


@dataclass
class FilteredGraph:
    """The part of a search graph that does not depend on where routes start.

    States are the nodes (state ``i`` is node ``i``) and, when group joins are
    left out, one extra state per (group, sentence) that enters the group.
    ``out[s]`` lists ``(edge, state)`` pairs, strongest evidence first, then
    file order.  ``bits[e]`` says which carrying categories (layers) edge ``e``
    carries: one layer, bit 1, when the query names at most one category.
    """

    allowed: np.ndarray
    n_nodes: int
    real: list[int]  # state -> node index
    virtual: dict[int, list[int]]  # group node index -> its sentence states (empty with group joins)
    out: list[list[tuple[int, int]]]
    into: list[list[tuple[int, int]]]
    bits: list[int]
    layers: int
    is_target: bytearray
    targets: list[int]
    dist_all: list[list[int]]  # per layer
    arrays: object = field(repr=False)  # the model's EdgeArrays
    arcs: Arcs = field(repr=False)  # the same arcs as arrays, for whole-graph searches
    by_origin: dict = field(default_factory=dict, repr=False)


@dataclass
class Arcs:
    """Every arc of a filtered graph as numpy arrays: ``edge[i]`` goes from state
    ``tail[i]`` to state ``head[i]``; ``layer_mask[k]`` says which arcs carry layer k."""

    tail: np.ndarray
    head: np.ndarray
    edge: np.ndarray
    layer_mask: list[np.ndarray]
    states: int

    def distances(self, targets: list[int], keep: np.ndarray | None = None) -> list[list[int]]:
        """Per layer, each state's fewest hops to a target over the kept arcs
        (level by level in numpy: one pass per hop, not one Python step per edge)."""
        found = []
        for mask in self.layer_mask:
            use = mask if keep is None else mask & keep
            found.append(bfs_to(self.tail[use], self.head[use], self.states, targets))
        return found


def bfs_to(tail: np.ndarray, head: np.ndarray, n: int, targets: list[int]) -> list[int]:
    """Fewest hops from every state to any of ``targets`` along arcs ``tail → head``
    (``UNREACHABLE`` if none); a route ends at the first target it meets."""
    dist = np.full(n, UNREACHABLE, dtype=np.int64)
    if not targets:
        return dist.tolist()
    is_target = np.zeros(n, dtype=bool)
    is_target[targets] = True
    keep = ~is_target[tail]  # arcs leaving a target open no route
    tail, head = tail[keep], head[keep]
    order = np.argsort(head, kind="stable")
    tails = tail[order]
    starts = np.searchsorted(head[order], np.arange(n + 1))
    dist[targets] = 0
    frontier = np.asarray(sorted(set(targets)), dtype=np.int64)
    level = 0
    while frontier.size:
        level += 1
        lo, hi = starts[frontier], starts[frontier + 1]
        counts = hi - lo
        total = int(counts.sum())
        if not total:
            break
        offsets = np.repeat(lo - np.cumsum(counts) + counts, counts) + np.arange(total)
        reached = tails[offsets]
        reached = np.unique(reached[dist[reached] == UNREACHABLE])
        dist[reached] = level
        frontier = reached
    return dist.tolist()


def filtered_graph(model: Model, plan: Plan) -> FilteredGraph:
    query = plan.query
    n = len(model.node_ids)
    arrays = model.arrays
    allowed = edge_mask(model, query)
    chosen = np.flatnonzero(allowed)
    chosen = chosen[np.argsort(arrays.evidence_rank[chosen], kind="stable")]
    edges = chosen.tolist()
    senders = arrays.sender[chosen].tolist()
    receivers = arrays.receiver[chosen].tolist()

    layers = max(len(query.carrying), 1)
    if len(query.carrying) > 1:
        bits = [0] * len(model.edge_ids)
        for e in edges:
            carried = arrays.data[e]
            bits[e] = sum(1 << i for i, c in enumerate(query.carrying) if c in carried)
    else:
        bits = [1] * len(model.edge_ids)  # one layer: every edge the search may use is in it

    target_nodes = sorted(model.node_index[t] for t in plan.target_members)
    real = list(range(n))
    virtual: dict[int, list[int]] = {}
    # Where each edge enters, and the states it may leave from.
    to_state = receivers
    extra_from: dict[int, int] = {}  # edge position -> the group sentence state it may also leave from
    if not query.group_joins:
        kinds = model.node_kinds
        groups = {model.node_index[g] for g in model.node_ids if kinds[g] == "group"} - set(target_nodes)
        if groups:
            sentence_state: dict[tuple[int, tuple[str, str]], int] = {}
            to_state = []
            for e, v in zip(edges, receivers):
                if v in groups:
                    key = (v, hop_for(model, model.edge_ids[e]).sentence)
                    if key not in sentence_state:
                        sentence_state[key] = len(real)
                        real.append(v)
                        virtual.setdefault(v, []).append(sentence_state[key])
                    to_state.append(sentence_state[key])
                else:
                    to_state.append(v)
            for position, (e, u) in enumerate(zip(edges, senders)):
                if u in groups:
                    state = sentence_state.get((u, hop_for(model, model.edge_ids[e]).sentence))
                    if state is not None:
                        extra_from[position] = state
    states = len(real)
    out: list[list[tuple[int, int]]] = [[] for _ in range(states)]
    into: list[list[tuple[int, int]]] = [[] for _ in range(states)]
    for e, u, v in zip(edges, senders, to_state):
        out[u].append((e, v))
        into[v].append((e, u))
    for position, u in extra_from.items():
        e, v = edges[position], to_state[position]
        out[u].append((e, v))
        into[v].append((e, u))
    if extra_from:  # keep each list strongest first, then file order
        rank = arrays.evidence_rank
        for lists in (out, into):
            for arcs in lists:
                arcs.sort(key=lambda arc: (rank[arc[0]], arc[0]))
    is_target = bytearray(states)
    for t in target_nodes:
        is_target[t] = 1
    arc_tail = senders + list(extra_from.values())
    arc_head = list(to_state) + [to_state[p] for p in extra_from]
    arc_edge = np.asarray(edges + [edges[p] for p in extra_from], dtype=np.int64)
    if layers > 1:
        carried = np.asarray([bits[e] for e in arc_edge.tolist()], dtype=np.int64)
        layer_mask = [(carried & (1 << layer)) != 0 for layer in range(layers)]
    else:
        layer_mask = [np.ones(len(arc_edge), dtype=bool)]
    arcs = Arcs(np.asarray(arc_tail, dtype=np.int64), np.asarray(arc_head, dtype=np.int64), arc_edge, layer_mask,
                states)
    dist_all = arcs.distances(target_nodes)
    return FilteredGraph(allowed, n, real, virtual, out, into, bits, layers, is_target,
                         target_nodes, dist_all, arrays, arcs)


class SearchGraph:
    """A filtered graph with the edges a policy closes to one origin's data:
    open out-lists, and per layer the distances to the target over open edges
    (``dist_open``), over all edges (``dist_all``) and over routes that use a
    closed edge (``dist_need``, computed on first use)."""

    def __init__(self, index: FilteredGraph, restricted: np.ndarray):
        self.index = index
        self.restricted = restricted
        self.full_mask = (1 << index.layers) - 1
        self.out_all = index.out
        self.dist_all = index.dist_all
        if not restricted.any():
            self.out_open = index.out
            self.dist_open = index.dist_all
        else:
            # Copy the lists, then filter only those of the states a closed edge
            # touches: restrictions are few, the graph may hold hundreds of thousands of edges.
            closed = restricted
            arrays = index.arrays
            edges = np.flatnonzero(restricted).tolist()
            senders = set(arrays.sender[edges].tolist())
            self.out_open = list(index.out)
            for node in senders:
                for state in (node, *index.virtual.get(node, ())):
                    self.out_open[state] = [(e, v) for e, v in index.out[state] if not closed[e]]
            self.dist_open = index.arcs.distances(index.targets, keep=~restricted[index.arcs.edge])
        self._dist_need: list[list[int]] | None = None

    @property
    def dist_need(self) -> list[list[int]]:
        """Per layer, each state's fewest hops to the target on a route that uses a closed edge."""
        if self._dist_need is None:
            self._dist_need = [self._need(layer) for layer in range(self.index.layers)]
        return self._dist_need

    def _need(self, layer: int) -> list[int]:
        index, closed, bit = self.index, self.restricted, 1 << layer
        dist_all = self.dist_all[layer]
        states = len(index.real)
        need = [UNREACHABLE] * states
        heap: list[tuple[int, int]] = []
        for v in range(states):
            if dist_all[v] >= UNREACHABLE:
                continue
            for e, u in index.into[v]:
                if closed[e] and index.bits[e] & bit and not index.is_target[u] and 1 + dist_all[v] < need[u]:
                    need[u] = 1 + dist_all[v]
                    heapq.heappush(heap, (need[u], u))
        while heap:
            d, x = heapq.heappop(heap)
            if d > need[x]:
                continue
            for e, u in index.into[x]:
                if index.bits[e] & bit and not index.is_target[u] and d + 1 < need[u]:
                    need[u] = d + 1
                    heapq.heappush(heap, (d + 1, u))
        return need

    @staticmethod
    def min_dist(dists: list[list[int]], state: int, mask: int) -> int:
        best = UNREACHABLE
        layer = 0
        while mask:
            if mask & 1 and dists[layer][state] < best:
                best = dists[layer][state]
            mask >>= 1
            layer += 1
        return best

    def greedy_open(self, starts: tuple[int, ...], max_hops: int) -> tuple[int, ...] | None:
        """The first shortest open route in walk order, read off the distances:
        from the first start nearest the target, at each state the first open
        edge (strongest evidence, then file order) that keeps a wanted category
        within the hops left."""
        index, dist = self.index, self.dist_open
        mask = self.full_mask
        needs = [self.min_dist(dist, s, mask) for s in starts]
        left = min(needs)
        if left > max_hops:
            return None
        state, path = starts[needs.index(left)], []
        while not index.is_target[state]:
            for e, v in self.out_open[state]:
                carried = mask & index.bits[e]
                if carried and self.min_dist(dist, v, carried) == left - 1:
                    path.append(e)
                    state, mask, left = v, carried, left - 1
                    break
            else:  # pragma: no cover - the distances promise a step
                return None
        return tuple(path)


def distances_to(into: list[list[tuple[int, int]]], targets: list[int], n: int, bits: list[int] | None = None,
                 bit: int = 1) -> tuple[list[int], list[int]]:
    """Breadth-first search backwards from ``targets`` over the edges whose
    ``bits`` include ``bit`` (every edge when ``bits`` is None).

    Returns each state's hop distance to the nearest target (``UNREACHABLE`` if
    none) and the edge that starts one shortest route from it (-1 if none).
    Targets are not expanded through: a route ends at the first target it meets.
    """
    dist = [UNREACHABLE] * n
    nxt = [-1] * n
    queue = deque()
    for t in targets:
        dist[t] = 0
        queue.append(t)
    target_set = set(targets)
    while queue:
        x = queue.popleft()
        d = dist[x] + 1
        for e, u in into[x]:
            if dist[u] == UNREACHABLE and u not in target_set and (bits is None or bits[e] & bit):
                dist[u] = d
                nxt[u] = e
                queue.append(u)
    return dist, nxt


class Walker:
    """The depth-first walk of one kind of route over a search graph.

    ``mode`` is ``open`` (no closed edge), ``all`` (any), or ``blocked`` (at
    least one closed edge).  A partial path's terms are one integer, ``aux``:
    the wanted categories carried on every hop so far (low bits), whether a
    closed edge was used, and which via nodes were passed.
    """

    def __init__(self, graph: SearchGraph, mode: str, vias: list[int]):
        index = graph.index
        self.graph = graph
        self.index = index
        self.mode = mode
        self.layers = index.layers
        self.out = graph.out_open if mode == "open" else graph.out_all
        self.dist = graph.dist_open if mode == "open" else graph.dist_all
        self.need_dist = graph.dist_need if mode == "blocked" else None
        self.used_bit = 1 << self.layers
        self.via_shift = self.layers + 1
        self.vias = vias
        self.via_full = ((1 << len(vias)) - 1) << self.via_shift
        self.initial_aux = graph.full_mask
        self.restricted = graph.restricted
        self.via_bound: list[list[int]] = []
        if vias:
            # Fewest hops from each state to each via node, over every edge the
            # search may use, plus the via node's own distance to the target:
            # no route through it can be shorter.
            reverse = index.into
            for v in vias:
                states = [v, *index.virtual.get(v, ())]
                to_via, _ = distances_to(reverse, states, len(index.real))
                onward = min(self.graph.min_dist(graph.dist_all, s, graph.full_mask) for s in states)
                self.via_bound.append([d + onward if d < UNREACHABLE and onward < UNREACHABLE else UNREACHABLE
                                       for d in to_via])
        self.via_bits = {}
        for j, v in enumerate(vias):
            for s in (v, *index.virtual.get(v, ())):
                self.via_bits[s] = self.via_bits.get(s, 0) | (1 << (j + self.via_shift))

    def need(self, state: int, aux: int) -> int:
        """Fewest hops from ``state`` to a route's end on the terms ``aux`` leaves."""
        mask = aux & self.graph.full_mask
        if self.mode == "blocked" and not aux & self.used_bit:
            best = self.graph.min_dist(self.need_dist, state, mask)
        else:
            best = self.graph.min_dist(self.dist, state, mask)
        if best >= UNREACHABLE:
            return UNREACHABLE
        if self.vias:
            for j in range(len(self.vias)):
                if not aux & (1 << (j + self.via_shift)):
                    bound = self.via_bound[j][state]
                    if bound > best:
                        best = bound
        return best

    def step(self, aux: int, e: int, v: int) -> int:
        """The terms after taking edge ``e`` to state ``v`` (0: the edge breaks them)."""
        carried = aux & self.index.bits[e] & self.graph.full_mask
        if not carried:
            return 0
        aux = (aux & ~self.graph.full_mask) | carried
        if self.mode == "blocked" and self.restricted[e]:
            aux |= self.used_bit
        if self.vias:
            aux |= self.via_bits.get(v, 0)
        return aux

    def complete(self, aux: int) -> bool:
        if self.mode == "blocked" and not aux & self.used_bit:
            return False
        return (aux & self.via_full) == self.via_full

    def walk(self, src: int, min_len: int, max_len: int, cut_by_length: list[bool] | None = None,
             starts: tuple[int, ...] = ()) -> Iterator[tuple[int, ...]]:
        """Edge paths from state ``src`` to a target of ``min_len``..``max_len`` hops,
        never stepping where the route's end is out of reach, nor through ``starts``
        (the source's units, each a start of its own).

        Iterative with an explicit stack: Python generators nested per level cost
        more than the walk itself on deep, dense graphs.
        """
        # Each state's steps that can still end a route within the hops left, in
        # their original order, built once per (state, hops left, terms): a hub
        # at depth 3 of a 4-hop search is entered by thousands of partial paths,
        # and scanning its thousands of out-edges each time to keep the one into
        # the target is what the walk used to spend its time on.
        index = self.index
        is_target, real, out = index.is_target, index.real, self.out
        steps_cache: dict[tuple[int, int, int], tuple[list[tuple[int, int, int]], bool]] = {}

        plain = self.layers == 1 and not self.vias and self.mode != "blocked"
        dist0 = self.dist[0]

        def steps(u: int, left: int, aux: int) -> list[tuple[int, int, int]]:
            key = (u, left, aux)
            found = steps_cache.get(key)
            if found is None and plain:
                # One category (or none), no via node, no closed edge to use: the terms never
                # change, so a step is kept when the target is still within the hops left.
                arcs = out[u]
                kept = [(e, v, aux) for e, v in arcs if dist0[v] <= left]
                cut = len(kept) < len(arcs) and any(left < dist0[v] < UNREACHABLE for _, v in arcs)
                found = steps_cache[key] = (kept, cut)
            elif found is None:
                kept, cut = [], False
                for e, v in out[u]:
                    after = self.step(aux, e, v)
                    if not after:
                        continue
                    if is_target[v]:
                        if self.complete(after):
                            kept.append((e, v, after))
                        continue
                    need = self.need(v, after)
                    if need <= left:
                        kept.append((e, v, after))
                    elif need < UNREACHABLE:
                        cut = True
                found = steps_cache[key] = (kept, cut)
            if found[1] and cut_by_length is not None:
                cut_by_length[0] = True  # (may also count an edge back onto the path: only costs a longer try)
            return found[0]

        on_path = bytearray(index.n_nodes)
        on_path[real[src]] = 1
        for start in starts:
            on_path[start] = 1
        edges: list[int] = []
        nodes = [src]
        stack = [iter(steps(src, max_len - 1, self.initial_aux))]
        while stack:
            depth = len(edges) + 1  # hops of a path that takes the next edge
            for e, v, after in stack[-1]:
                if on_path[real[v]]:
                    continue
                if is_target[v]:
                    if depth >= min_len:
                        yield (*edges, e)
                    continue
                if depth >= max_len:
                    continue
                on_path[real[v]] = 1
                edges.append(e)
                nodes.append(v)
                stack.append(iter(steps(v, max_len - depth - 1, after)))
                break
            else:
                stack.pop()
                if edges:
                    edges.pop()
                    on_path[real[nodes.pop()]] = 0


# -- the answer to reach -------------------------------------------------------------------


@dataclass
class ReachResult(Answer):
    """The answer to "can SOURCE reach TARGET?": the verdict and every route.

    ``routes`` are open routes, shortest first; ``blocked`` are routes a policy
    restriction closes to data from the source's jurisdiction.  When the
    query's ``limit`` cut a list short, ``more_routes`` / ``more_blocked`` say
    more exist.  ``counts`` is set when the routes were counted rather than
    listed (:func:`count`).
    """

    model: Model = field(repr=False)
    query: Query  # resolved: ids, not names
    reachable: bool
    routes: list[Route]
    blocked: list[Route]
    more_routes: bool = False
    more_blocked: bool = False
    counts: Counts | None = None

    def to_dict(self) -> dict:
        """The JSON answer (docs/result.schema.json): the question, the verdict,
        ``routes`` and ``blocked`` (lists, possibly empty), ``more_routes``,
        ``more_blocked`` and, for a count, ``count``."""
        model = self.model
        result = {
            **envelope(model, "count" if self.counts is not None else "reach", self.query),
            "source": model.ref(self.source),
            "target": model.ref(self.target),
            "reachable": self.reachable,
            "verdict": self.verdict,
            "routes": [route_dict(model, r) for r in self.routes],
            "blocked": [route_dict(model, r) for r in self.blocked],
            "limit": self.limit,
            "more_routes": self.more_routes,
            "more_blocked": self.more_blocked,
        }
        if self.counts is not None:
            result["count"] = {"open": self.counts.open, "blocked": self.counts.blocked,
                               "max_hops": self.query.max_hops}
        return result

    def to_frame(self):
        """The routes as a table, one row per hop.

        Returns
        -------
        pandas.DataFrame
            Columns ``status`` (``open`` or ``blocked``), ``route`` (numbered
            from 1 within its status, shortest first), ``hop`` (from 1),
            ``edge``, ``from``, ``to`` (ids), ``from_name``, ``to_name``,
            ``data`` (categories joined by ``;``), ``mechanism``, ``evidence``,
            ``hedge``, ``date``, ``citation`` (source id), ``title``,
            ``locator``, ``quote``, ``url``, ``notes``, ``blocked_by`` and
            ``group_join`` (on every row of a route that joins statements
            about a group: the group's name).  No rows when there is no route.

        Examples
        --------
        >>> import flowmap
        >>> frame = flowmap.load().reach("SFPD").to_frame()
        >>> frame[["route", "hop", "from", "to", "data", "evidence"]]
           route  hop   from       to              data  evidence
        0      1    1   sfpd    ncric       unspecified  reported
        1      1    2  ncric  ice-das  database_queries  reported
        >>> frame.loc[0, "locator"]
        'para. 6 (no formal agreement: para. 7)'
        """
        import pandas as pd

        rows = []
        for status, routes in (("open", self.routes), ("blocked", self.blocked)):
            for number, route in enumerate(routes, 1):
                closed = {r.edge: r.describe(self.model) for r in route.blocked_by}
                joins = "; ".join(self.model.name(j.group) for j in route.group_joins)
                for position, hop in enumerate(route.hops, 1):
                    rows.append({"status": status, "route": number, "hop": position,
                                 **hop_dict(self.model, hop), "blocked_by": closed.get(hop.edge, ""),
                                 "group_join": joins})
        columns = ["status", "route", "hop", *HOP_COLUMNS, "blocked_by", "group_join"]
        frame = pd.DataFrame(rows, columns=columns)
        frame["data"] = frame["data"].map(lambda d: ";".join(d) if isinstance(d, list) else d)
        return frame

    @property
    def verdict(self) -> str:
        """The answer in one sentence that can be quoted alone: how strong the
        best route's weakest hop is and what a route does not show, or every
        filter behind a "cannot" (see :func:`flowmap.views.verdict.verdict`)."""
        # The sentence is a view; the result carries it so that every format
        # built from the result (JSON, notebook display) says the same.
        from .views.verdict import verdict

        return verdict(self)

    def _repr_html_(self) -> str:
        joins = sum(1 for r in self.routes if r.group_joins)
        title = (f"<p><b>{_esc(self.verdict)}</b></p><p>{len(self.routes)} open route(s)"
                 f"{' (more exist)' if self.more_routes else ''}, {len(self.blocked)} blocked by policy; "
                 "each hop cites its source"
                 + (f"; {joins} of the open routes join statements about a group (column group_join)"
                    if joins else "") + ".</p>")
        return title + self.to_frame().to_html(index=False, escape=True)


def _esc(text: str) -> str:
    import html

    return html.escape(text, quote=True)


HOP_COLUMNS = ["edge", "from", "to", "from_name", "to_name", "data", "mechanism", "requested_by", "evidence",
               "hedge", "date", "citation", "title", "locator", "quote", "url", "notes"]


def hop_dict(model: Model, hop: Hop) -> dict:
    ev = hop.evidence
    return {
        "edge": hop.edge, "from": hop.sender, "to": hop.receiver,
        "from_name": model.name(hop.sender), "to_name": model.name(hop.receiver),
        "data": list(hop.data), "mechanism": hop.mechanism, "requested_by": hop.requested_by,
        "evidence": ev.level, "hedge": ev.hedge, "date": ev.date, "citation": ev.citation,
        "title": ev.title, "locator": ev.locator, "quote": ev.quote, "url": ev.url, "notes": hop.notes,
    }


def route_dict(model: Model, route: Route) -> dict:
    """A route as JSON states it: ``nodes``, ``hops``, ``group_joins`` and, when
    blocked, ``blocked_by``."""
    result = {
        "nodes": [model.ref(n) for n in route.nodes],
        "hops": [hop_dict(model, h) for h in route.hops],
        "group_joins": [{"group": model.ref(j.group), "hops": list(j.hops)} for j in route.group_joins],
    }
    if route.blocked:
        result["blocked_by"] = [
            {"edge": r.edge, "excludes": list(r.excludes), "matched": list(r.matched),
             "restriction": r.describe(model), "citation": r.evidence.citation,
             "title": r.evidence.title, "locator": r.evidence.locator, "quote": r.evidence.quote}
            for r in route.blocked_by
        ]
    return result


def _take(routes: Iterator[Route], limit: int | None) -> tuple[list[Route], bool]:
    taken: list[Route] = []
    for route in routes:
        if limit is not None and len(taken) >= limit:
            return taken, True
        taken.append(route)
    return taken, False


def reach(model: Model, query: Query) -> ReachResult:
    """Every route from the query's source to its target, open and blocked by policy.

    Lists at most ``query.limit`` open and ``query.limit`` blocked routes,
    shortest first: one bounded search for open routes, and one for blocked
    routes that walks only where a restriction can close a route from this
    source within the hop limit.
    """
    search = RouteSearch(model, query)
    limit = search.query.limit
    open_routes, more_routes = _take(search.open_routes(), limit)
    blocked, more_blocked = _take(search.blocked_routes(), limit)
    return ReachResult(model, search.query, bool(open_routes), open_routes, blocked, more_routes, more_blocked)


def count(model: Model, query: Query) -> ReachResult:
    """Count every open and blocked route (no limit), listing none."""
    search = RouteSearch(model, query)
    counts = search.count()
    return ReachResult(model, search.query.replace(limit=None), counts.open > 0, [], [], counts=counts)
