"""The sanctuary sweep: every node under a sanctuary law that can reach the target.

One breadth-first search backwards from the target tells, for every node at
once, whether it reaches the target and by which shortest route (each node
keeps the edge that starts its shortest route).  Policy restrictions depend on
where a route starts, so nodes are grouped by the jurisdictions covering them
and the search runs once per group: one group in a network without
restrictions, a handful in the curated map.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import QueryError
from .model import Model
from .routes import (
    DEFAULT_LIMIT,
    Filters,
    Query,
    Route,
    SearchGraph,
    _walk,
    hop_for,
    route_dict,
)


@dataclass
class SanctuaryReach:
    """A node under sanctuary law that can reach the target."""

    node: str
    law: str
    routes: int  # open routes within max_hops, counted up to the limit
    more_routes: bool  # the count stopped at the limit
    shortest: Route
    exit: str  # the last node of the shortest route still under the node's sanctuary law
    last: str  # the node that hands the data to the target

    def to_dict(self, model: Model) -> dict:
        return {
            "id": self.node,
            "name": model.name(self.node),
            "law": self.law,
            "routes": self.routes,
            "more_routes": self.more_routes,
            "shortest": route_dict(model, self.shortest),
            "gateways": {"exit": model.ref(self.exit), "last": model.ref(self.last)},
        }


@dataclass
class SweepResult:
    model: Model = field(repr=False)
    target: str
    reaches: list[SanctuaryReach]
    covered: int  # sanctuary nodes examined
    filters: Filters
    limit: int | None

    def to_list(self) -> list[dict]:
        return [r.to_dict(self.model) for r in self.reaches]

    def to_frame(self):
        import pandas as pd

        rows = [{"id": r.node, "name": self.model.name(r.node), "law": r.law, "routes": r.routes,
                 "more_routes": r.more_routes, "hops": len(r.shortest),
                 "shortest": " → ".join(self.model.name(n) for n in r.shortest.nodes),
                 "exit": self.model.name(r.exit), "last": self.model.name(r.last)} for r in self.reaches]
        return pd.DataFrame(rows, columns=["id", "name", "law", "routes", "more_routes", "hops",
                                           "shortest", "exit", "last"])

    def _repr_html_(self) -> str:
        import html

        target = html.escape(self.model.name(self.target))
        heading = (f"<p>{len(self.reaches)} of {self.covered} nodes under a sanctuary law can reach "
                   f"<b>{target}</b>.</p>")
        return heading + self.to_frame().to_html(index=False, escape=True)


def sweep(model: Model, target: str = "ice", filters: Filters | None = None,
          limit: int | None = DEFAULT_LIMIT) -> SweepResult:
    """Which sanctuary nodes can reach ``target``, each with its shortest route,
    gateways and open-route count (counted up to ``limit``)."""
    query = Query(model, target, filters)
    if query.via:
        raise QueryError("--via does not apply to the sanctuary sweep; use reach --via for one source")
    candidates = [n for n in model.node_ids
                  if model.sanctuary(n).protected and n not in query.target_members and n not in query.avoid]
    reaches: list[SanctuaryReach] = []
    for origin, nodes in _by_origin(model, candidates).items():
        graph = query.graph_for(origin)
        for found in shortest_routes(model, graph, nodes, query.max_hops):
            found.routes, found.more_routes = count_open(graph, model.node_index[found.node],
                                                         query.max_hops, limit)
            reaches.append(found)
    reaches.sort(key=lambda r: (len(r.shortest), model.node_index[r.node]))
    return SweepResult(model, query.target, reaches, len(candidates), query.filters, limit)


def shortest_routes(model: Model, graph: SearchGraph, nodes: list[str], max_hops: int) -> list[SanctuaryReach]:
    """The one pass: read each node's shortest open route off the backward search."""
    receiver = model.arrays.receiver
    found = []
    for node in nodes:
        current = model.node_index[node]
        if graph.dist_open[current] > max_hops:
            continue
        path = []
        while not graph.is_target[current]:
            edge = graph.next_open[current]
            path.append(edge)
            current = int(receiver[edge])
        hops = tuple(hop_for(model, model.edge_ids[e]) for e in path)
        route = Route((node, *(h.receiver for h in hops)), hops)
        found.append(SanctuaryReach(node, model.sanctuary(node).text, 0, False, route,
                                    exit_gateway(model, node, route), route.nodes[-2]))
    return found


def exit_gateway(model: Model, source: str, route: Route) -> str:
    """The node through which data leaves the source's sanctuary (or designated) jurisdictions:
    the last node on the route, before the first one that none of the source's
    sanctuary laws covers."""
    status = model.sanctuary(source)
    covering = {law["id"] for law in status.laws} | {d["jurisdiction"] for d in status.designations}
    gateway = source
    for node in route.nodes[1:]:
        if covering.isdisjoint(model.jurisdiction_chain(node)):
            return gateway
        gateway = node
    return gateway


def _by_origin(model: Model, nodes: list[str]) -> dict[tuple[str, ...], list[str]]:
    groups: dict[tuple[str, ...], list[str]] = {}
    for node in nodes:
        groups.setdefault(model.jurisdiction_chain(node), []).append(node)
    return groups


def count_open(graph: SearchGraph, start: int, max_hops: int, limit: int | None) -> tuple[int, bool]:
    """Open routes from ``start``, counted up to ``limit``; True if more exist."""
    count = 0
    for _ in _walk(graph.out_open, graph.dist_open, graph.is_target, start, 1, max_hops):
        count += 1
        if limit is not None and count > limit:
            return limit, True
    return count, False
