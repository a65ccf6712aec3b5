"""Routes: every simple path along which data can move from a source to a target.

The search is written by hand rather than taken from networkx because
``networkx.all_simple_edge_paths`` explores every dead end (networkx issues
#2975 and #6757): on a 37,000-edge sharing network it spends minutes on paths
that can never reach the target.  Here a breadth-first search backwards from
the target first gives every node's distance to it; the depth-first walk then
only steps onto a node from which the target is still reachable within the hops
left.  Each partial path it extends therefore ends in at least one route (up to
the simple-path condition), so the work tracks the size of the answer.

Routes stream shortest first (iterative deepening), so ``limit`` keeps the
shortest routes and stops early.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from . import dates, schema
from .errors import QueryError
from .load import split_list
from .model import Model

UNREACHABLE = 1 << 30
#: Compiled search graphs kept per model, for queries that differ only in source or hop limit.
COMPILED_QUERIES_KEPT = 8

#: Routes listed when the caller does not say; ``count`` has no such cap.
DEFAULT_LIMIT = 1000
DEFAULT_MAX_HOPS = 6


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


@dataclass(frozen=True)
class Restriction:
    """A policy on an edge that keeps data from some jurisdictions off it."""

    edge: str
    excludes: tuple[str, ...]  # every jurisdiction the edge excludes
    matched: tuple[str, ...]  # those that cover the route's origin
    evidence: Evidence

    def describe(self, model: Model) -> str:
        names = ", ".join(model.jurisdictions.at[j, "name"] for j in self.matched)
        return f"edge {self.edge} does not carry data from {names}"


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
    >>> len(route), route.blocked
    (2, False)
    >>> [hop.evidence.level for hop in route.hops]
    ['reported', 'reported']
    >>> route.hops[0].data
    ('unspecified',)
    """

    nodes: tuple[str, ...]
    hops: tuple[Hop, ...]
    blocked_by: tuple[Restriction, ...] = ()

    @property
    def blocked(self) -> bool:
        return bool(self.blocked_by)

    def __len__(self) -> int:
        return len(self.hops)

    @property
    def edges(self) -> tuple[str, ...]:
        return tuple(h.edge for h in self.hops)


@dataclass(frozen=True)
class Filters:
    """What a search may use.  Every field narrows the graph; none widens it.

    Build one with :func:`flowmap.make_filters`, or pass the fields as
    keyword options to :meth:`flowmap.FlowMap.reach` and the other questions.

    Parameters
    ----------
    carrying : tuple of str
        Data categories; a hop qualifies if it carries any of them, so a route
        carries one of them end to end.  Empty: any data.
    min_evidence : {"documented", "reported", "capability"} or None
        Drop hops with weaker evidence (documented is strongest).
    since, until : str or None
        A date window (``2018``, ``2018-04`` or ``2018-04-19``, each a
        period); a flow counts if its period overlaps the window.
    dated_only : bool
        With ``since``/``until``, drop undated flows (kept by default).
    max_hops : int or None
        Longest route searched (default 6); None for no bound.
    via : tuple of str
        Nodes every route must pass (reach only).
    avoid : tuple of str
        Nodes to pretend are gone (what-if).
    without : tuple of str
        Edge ids to pretend are gone (what-if).

    Examples
    --------
    >>> import flowmap
    >>> filters = Filters(min_evidence="documented", since="2018")
    >>> filters.max_hops
    6
    >>> filters.check()  # raises QueryError for values no search could use
    >>> Filters(min_evidence="strong").check()  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    flowmap.errors.QueryError: unknown evidence level 'strong' for --min-evidence; choose from: ...

    Only documented hops from April 2018 on: one of OCIAC's two emails to ICE.

    >>> result = flowmap.load().reach("OCIAC", min_evidence="documented", since="2018-04")
    >>> [hop.evidence.date for route in result.routes for hop in route.hops]
    ['2018-04-19']
    """

    carrying: tuple[str, ...] = ()  # a hop qualifies if it carries any of these
    min_evidence: str | None = None
    since: str | None = None
    until: str | None = None
    dated_only: bool = False
    max_hops: int | None = DEFAULT_MAX_HOPS
    via: tuple[str, ...] = ()
    avoid: tuple[str, ...] = ()
    without: tuple[str, ...] = ()

    def check(self) -> None:
        """Raise :class:`QueryError` for values no search could use."""
        unknown = [d for d in self.carrying if d not in schema.DATA_CATEGORIES]
        if unknown:
            raise QueryError(f"unknown data category {unknown[0]!r} for --carrying; "
                             f"choose from: {', '.join(schema.DATA_CATEGORIES)}")
        if self.min_evidence is not None and self.min_evidence not in schema.EVIDENCE_LEVELS:
            raise QueryError(f"unknown evidence level {self.min_evidence!r} for --min-evidence; "
                             f"choose from: {', '.join(schema.EVIDENCE_LEVELS)}")
        for flag, value in (("--since", self.since), ("--until", self.until)):
            if value is not None and not dates.is_valid(value):
                raise QueryError(f"{flag} {value!r} is not a date like 2018, 2018-04 or 2018-04-19")
        if self.since and self.until and dates.period(self.since)[0] > dates.period(self.until)[1]:
            raise QueryError(f"--since {self.since} is after --until {self.until}")
        if self.max_hops is not None and self.max_hops < 1:
            raise QueryError("--max-hops must be at least 1")


@dataclass
class Counts:
    """How many routes a search finds, without listing them."""

    open: int = 0
    blocked: int = 0


class Query:
    """The checked, resolved options of a question about routes to ``target``.

    Checking happens here, before anything is enumerated, so a bad name or
    option fails at once rather than when a generator is first advanced.  The
    filtered graph depends on where routes start (policy restrictions are
    judged against the origin), so :meth:`graph_for` builds it once per origin.
    """

    def __init__(self, model: Model, target: str = "ice", filters: Filters | None = None):
        self.model = model
        self.filters = filters = filters or Filters()
        filters.check()
        self.target = model.resolve(target)
        self.target_members = model.members(self.target)
        self.avoid = {model.resolve(n) for n in filters.avoid}
        self.via = tuple(dict.fromkeys(model.resolve(n) for n in filters.via))
        for node in self.avoid & self.target_members:
            raise QueryError(f"--avoid {model.name(node)!r} would remove the target itself")
        for node in self.via:
            if node in self.target_members or node in self.avoid:
                raise QueryError(f"--via {model.name(node)!r} must be an intermediary: "
                                 "not the target or an avoided node")
        self.without = {model.resolve_edge(e) for e in filters.without}
        self.max_hops = filters.max_hops if filters.max_hops is not None else len(model.node_ids)
        # The compiled graphs depend on the filters, not on the source: queries
        # asking the same of the same model share them (a few kept, most recent last).
        key = (filters.carrying, filters.min_evidence, filters.since, filters.until, filters.dated_only,
               frozenset(self.avoid), frozenset(self.without), frozenset(self.target_members))
        cache = model._compiled_queries
        shared = cache.pop(key, None) or [None, {}]
        cache[key] = shared
        while len(cache) > COMPILED_QUERIES_KEPT:
            del cache[next(iter(cache))]
        self._shared = shared
        self._graphs: dict[tuple[int, ...], SearchGraph] = shared[1]

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
        if self._shared[0] is None:
            self._shared[0] = filtered_graph(self.model, self.filters, self.avoid, self.without,
                                             sorted(self.model.node_index[n] for n in self.target_members))
        base = self._shared[0]
        restricted = restricted_mask(self.model, origin) & base.allowed
        key = tuple(np.flatnonzero(restricted).tolist())
        if key not in self._graphs:
            self._graphs[key] = search_graph(self.model, base, restricted)
        return self._graphs[key]


class RouteSearch:
    """A prepared search from one source to the query's target."""

    def __init__(self, model: Model, source: str, target: str = "ice", filters: Filters | None = None,
                 query: Query | None = None):
        self.model = model
        self.query = query or Query(model, target, filters)
        self.filters = self.query.filters
        self.target = self.query.target
        self.via = self.query.via
        self.max_hops = self.query.max_hops
        self.source = self.query.check_source(source)
        # A node's units count as the node at the start of a route as at its end:
        # what ICE's Data Analysis System sends, ICE sends.  Routes start at the
        # source or at one of its units (not a unit of the target, nor an avoided
        # one) and never pass through another of them.
        members = model.members(self.source) - self.query.target_members - self.query.avoid - {self.source}
        self.starts = (model.node_index[self.source], *sorted(model.node_index[n] for n in members))
        self.origin = model.jurisdiction_chain(self.source)
        self.graph = self.query.graph_for(self.origin)

    # -- answers -------------------------------------------------------------

    @property
    def reachable(self) -> bool:
        """True when an open (unrestricted) route exists within ``max_hops``."""
        if self.via:
            return next(self._edge_paths(open_only=True), None) is not None
        return min(self.graph.dist_open[s] for s in self.starts) <= self.max_hops

    def routes(self) -> Iterator[Route]:
        """Every route, open and blocked, shortest first."""
        for path in self._edge_paths(open_only=False):
            yield self._route(path)

    def count(self) -> Counts:
        """Count open and blocked routes without building them."""
        counts = Counts()
        restricted = self.graph.restricted
        for path in self._edge_paths(open_only=False, shortest_first=False):
            if any(restricted[e] for e in path):
                counts.blocked += 1
            else:
                counts.open += 1
        return counts

    # -- internals -----------------------------------------------------------

    def _edge_paths(self, open_only: bool, shortest_first: bool = True) -> Iterator[tuple[int, ...]]:
        graph = self.graph
        out = graph.out_open if open_only else graph.out_all
        dist = graph.dist_open if open_only else graph.dist_all
        if min(dist[s] for s in self.starts) > self.max_hops:
            return
        if not shortest_first:
            paths = (p for src in self.starts
                     for p in _walk(out, dist, graph.is_target, src, 1, self.max_hops, starts=self.starts))
        else:
            paths = self._shortest_first(out, dist)
        if self.via:
            # Filtering keeps the order and the streaming; the distance pruning
            # still holds, it is only not sharpened by the via nodes.
            vias = {self.model.node_index[v] for v in self.via}
            receiver = self.model.arrays.receiver
            paths = (p for p in paths if vias <= {int(receiver[e]) for e in p})
        yield from paths

    def _shortest_first(self, out, dist) -> Iterator[tuple[int, ...]]:
        for length in range(min(dist[s] for s in self.starts), self.max_hops + 1):
            cut_by_length = [False]
            for src in self.starts:
                if dist[src] <= length:
                    yield from _walk(out, dist, self.graph.is_target, src, length, length, cut_by_length,
                                     starts=self.starts)
            if not cut_by_length[0]:
                return  # nothing longer exists: no partial path was stopped for length

    def _route(self, path: tuple[int, ...]) -> Route:
        hops = tuple(hop_for(self.model, self.model.edge_ids[e]) for e in path)
        nodes = (hops[0].sender, *(h.receiver for h in hops))  # the source, or the unit of it the route leaves
        blocked = tuple(self._restriction(e) for e in path if self.graph.restricted[e])
        return Route(nodes, hops, blocked)

    def _restriction(self, e: int) -> Restriction:
        edge_id = self.model.edge_ids[e]
        excludes = split_list(self.model.edges.at[edge_id, "excludes"])
        matched = tuple(j for j in excludes if j in self.origin)
        return Restriction(edge_id, excludes, matched, hop_for(self.model, self.model.edge_ids[e]).evidence)


def hop_for(model: Model, edge_id: str) -> Hop:
    """The hop an edge makes, with its evidence; built once per model (hops are immutable)."""
    hop = model._hops.get(edge_id)
    if hop is None:
        hop = model._hops[edge_id] = _make_hop(model, edge_id)
    return hop


def _make_hop(model: Model, edge_id: str) -> Hop:
    row = model.edge_row(edge_id)
    source = model._source_rows[row["citation"]]
    evidence = Evidence(row["evidence"], row["citation"], source["title"], source["url"],
                        row["locator"], row["quote"], row["date"], row["hedge"])
    return Hop(edge_id, row["from"], row["to"], split_list(row["data"]), row["mechanism"],
               row["requested_by"], evidence, row["notes"])


@dataclass
class SearchGraph:
    """The graph one search may use, on integer node indices: edges that pass
    the filters, which of them a policy closes to the route's origin, and every
    node's distance to the target with and without the closed edges."""

    out_all: list[list[tuple[int, int]]]
    out_open: list[list[tuple[int, int]]]
    dist_all: list[int]
    dist_open: list[int]
    next_open: list[int]  # for each node, the edge starting its shortest open route (-1: none)
    is_target: bytearray
    restricted: np.ndarray  # bool per edge: its policy blocks data from this origin
    allowed: np.ndarray = field(repr=False)  # bool per edge: passes the filters


def edge_mask(model: Model, filters: Filters, avoid: set[str], without: set[str]) -> np.ndarray:
    """Which edges a search under ``filters`` may use."""
    arrays = model.arrays
    mask = np.ones(len(model.edge_ids), dtype=bool)
    if filters.min_evidence:
        mask &= arrays.evidence_rank <= schema.EVIDENCE_LEVELS.index(filters.min_evidence)
    undated = arrays.start < 0
    if filters.since or filters.until or filters.dated_only:
        in_window = ~undated
        if filters.since:
            in_window &= arrays.end >= dates.period(filters.since)[0].toordinal()
        if filters.until:
            in_window &= arrays.start <= dates.period(filters.until)[1].toordinal()
        mask &= in_window | (undated & (not filters.dated_only))
    if filters.carrying:
        wanted = set(filters.carrying)
        mask &= np.fromiter((not wanted.isdisjoint(d) for d in arrays.data), dtype=bool, count=len(mask))
    if without:
        mask[[model.edge_index[e] for e in without]] = False
    if avoid:
        gone = np.zeros(len(model.node_ids), dtype=bool)
        gone[[model.node_index[n] for n in avoid]] = True
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
    """The part of a search graph that does not depend on where routes start."""

    allowed: np.ndarray
    out_all: list[list[tuple[int, int]]]
    in_all: list[list[tuple[int, int]]]
    dist_all: list[int]
    next_all: list[int]
    is_target: bytearray
    targets: list[int]


def filtered_graph(model: Model, filters: Filters, avoid: set[str], without: set[str],
                   targets: list[int]) -> FilteredGraph:
    n = len(model.node_ids)
    allowed = edge_mask(model, filters, avoid, without)
    is_target = bytearray(n)
    for t in targets:
        is_target[t] = 1
    out_all, in_all = _adjacency(model.arrays, allowed, n)
    dist_all, next_all = distances_to(in_all, targets, n)
    return FilteredGraph(allowed, out_all, in_all, dist_all, next_all, is_target, targets)


def search_graph(model: Model, base: FilteredGraph, restricted: np.ndarray) -> SearchGraph:
    """Close the ``restricted`` edges of ``base`` for one origin's routes."""
    if not restricted.any():
        return SearchGraph(base.out_all, base.out_all, base.dist_all, base.dist_all, base.next_all,
                           base.is_target, restricted, base.allowed)
    n = len(model.node_ids)
    out_open, in_open = _adjacency(model.arrays, base.allowed & ~restricted, n)
    dist_open, next_open = distances_to(in_open, base.targets, n)
    return SearchGraph(base.out_all, out_open, base.dist_all, dist_open, next_open, base.is_target,
                       restricted, base.allowed)


def _adjacency(arrays, mask: np.ndarray, n: int) -> tuple[list, list]:
    """Out- and in-lists of ``(edge, neighbour)``, strongest evidence first, then file order."""
    chosen = np.flatnonzero(mask)
    chosen = chosen[np.argsort(arrays.evidence_rank[chosen], kind="stable")]
    out: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    into: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    senders = arrays.sender[chosen].tolist()
    receivers = arrays.receiver[chosen].tolist()
    for e, u, v in zip(chosen.tolist(), senders, receivers):
        out[u].append((e, v))
        into[v].append((e, u))
    return out, into


def distances_to(into: list[list[tuple[int, int]]], targets: list[int], n: int) -> tuple[list[int], list[int]]:
    """Breadth-first search backwards from ``targets``.

    Returns each node's hop distance to the nearest target (``UNREACHABLE`` if
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
            if dist[u] == UNREACHABLE and u not in target_set:
                dist[u] = d
                nxt[u] = e
                queue.append(u)
    return dist, nxt


def _walk(out, dist, is_target, src: int, min_len: int, max_len: int,
          cut_by_length: list[bool] | None = None, starts: tuple[int, ...] = ()) -> Iterator[tuple[int, ...]]:
    """Depth-first walk yielding edge paths from ``src`` to a target of
    ``min_len``..``max_len`` hops, never stepping where the target is out of reach.
    Routes never pass through ``starts`` (the source's units, each a start of its own).

    Iterative with an explicit stack: Python generators nested per level cost
    more than the walk itself on deep, dense graphs.
    """
    # Each node's out-edges that can still reach a target within the hops left,
    # in their original order, built once per (node, hops left): a hub at depth
    # 3 of a 4-hop search is entered by thousands of partial paths, and scanning
    # its thousands of out-edges each time to keep the one into the target is
    # what the walk used to spend its time on.
    stride = max_len + 1
    steps_cache: dict[int, tuple[list[tuple[int, int]], bool]] = {}

    def steps(u: int, left: int) -> list[tuple[int, int]]:
        key = u * stride + left
        found = steps_cache.get(key)
        if found is None:
            kept = [(e, v) for e, v in out[u] if dist[v] <= left]
            cut = len(kept) < len(out[u]) and any(left < dist[v] < UNREACHABLE for _, v in out[u])
            found = steps_cache[key] = (kept, cut)
        if found[1] and cut_by_length is not None:
            cut_by_length[0] = True  # (may also count an edge back onto the path: only costs a longer try)
        return found[0]

    on_path = bytearray(len(out))
    on_path[src] = 1
    for start in starts:
        on_path[start] = 1
    edges: list[int] = []
    nodes = [src]
    stack = [iter(steps(src, max_len - 1))]
    while stack:
        depth = len(edges) + 1  # hops of a path that takes the next edge
        for e, v in stack[-1]:
            if on_path[v]:
                continue
            if is_target[v]:
                if depth >= min_len:
                    yield (*edges, e)
                continue
            on_path[v] = 1
            edges.append(e)
            nodes.append(v)
            stack.append(iter(steps(v, max_len - depth - 1)))
            break
        else:
            stack.pop()
            if edges:
                edges.pop()
                on_path[nodes.pop()] = 0


@dataclass
class ReachResult:
    """The answer to "can SOURCE reach TARGET?": the verdict and every route.

    ``routes`` are open routes, shortest first; ``blocked`` are routes a policy
    restriction closes to data from the source's jurisdiction.  When ``limit``
    cut a list short, ``more_routes`` / ``more_blocked`` say more exist.
    """

    model: Model = field(repr=False)
    source: str
    target: str
    reachable: bool
    routes: list[Route]
    blocked: list[Route]
    filters: Filters
    limit: int | None
    more_routes: bool = False
    more_blocked: bool = False

    def to_dict(self) -> dict:
        """The JSON contract: ``source``, ``target``, ``reachable``, ``routes``, ``blocked``..."""
        model = self.model
        return {
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

    @property
    def verdict(self) -> str:
        """The answer in one sentence that can be quoted alone: how strong the
        best route's weakest hop is and what a route does not show, or every
        filter behind a "cannot" (see :func:`flowmap.views.verdict.verdict`)."""
        # The sentence is a view; the result carries it so that every format
        # built from the result (JSON, notebook display) says the same.
        from .views.verdict import verdict

        return verdict(self)

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
            ``locator``, ``quote`` and ``url``.  No rows when there is no route.

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
                for position, hop in enumerate(route.hops, 1):
                    rows.append({"status": status, "route": number, "hop": position,
                                 **hop_dict(self.model, hop), "blocked_by": closed.get(hop.edge, "")})
        columns = ["status", "route", "hop", "edge", "from", "to", "from_name", "to_name", "data",
                   "mechanism", "requested_by", "evidence", "hedge", "date", "citation", "title", "locator",
                   "quote", "url", "notes", "blocked_by"]
        frame = pd.DataFrame(rows, columns=columns)
        frame["data"] = frame["data"].map(lambda d: ";".join(d) if isinstance(d, list) else d)
        return frame

    def _repr_html_(self) -> str:
        title = (f"<p><b>{_esc(self.verdict)}</b></p><p>{len(self.routes)} open route(s)"
                 f"{' (more exist)' if self.more_routes else ''}, {len(self.blocked)} blocked by policy; "
                 "each hop cites its source.</p>")
        return title + self.to_frame().to_html(index=False, escape=True)


def _esc(text: str) -> str:
    import html

    return html.escape(text, quote=True)


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
    result = {
        "nodes": [model.ref(n) for n in route.nodes],
        "hops": [hop_dict(model, h) for h in route.hops],
    }
    if route.blocked:
        result["blocked_by"] = [
            {"edge": r.edge, "excludes": list(r.excludes), "matched": list(r.matched),
             "restriction": r.describe(model), "citation": r.evidence.citation,
             "title": r.evidence.title, "locator": r.evidence.locator, "quote": r.evidence.quote}
            for r in route.blocked_by
        ]
    return result


def reach(model: Model, source: str, target: str = "ice", filters: Filters | None = None,
          limit: int | None = DEFAULT_LIMIT) -> ReachResult:
    """Every route from ``source`` to ``target``, open and blocked by policy.

    Lists at most ``limit`` open and ``limit`` blocked routes, shortest first.
    """
    if limit is not None and limit < 1:
        raise QueryError("--limit must be at least 1")
    search = RouteSearch(model, source, target, filters)
    open_routes: list[Route] = []
    blocked: list[Route] = []
    can_block = bool(search.graph.restricted.any())
    cap = float("inf") if limit is None else limit
    for route in search.routes():
        (blocked if route.blocked else open_routes).append(route)
        if len(open_routes) > cap and (not can_block or len(blocked) > cap):
            break
    more_routes = len(open_routes) > cap
    more_blocked = len(blocked) > cap
    return ReachResult(model, search.source, search.target, search.reachable,
                       open_routes[:limit] if limit else open_routes,
                       blocked[:limit] if limit else blocked,
                       search.filters, limit, more_routes, more_blocked)
