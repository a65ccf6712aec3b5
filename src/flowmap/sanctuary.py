"""The sanctuary sweep: every node under a sanctuary law that can reach the target.

One breadth-first search backwards from the target tells, for every node at
once, whether it reaches the target and how far it is; each node's shortest
route is then read off those distances, taking at each step the first edge the
route listing of ``reach`` would take (stronger evidence first, then file
order), so the sweep shows the route ``reach`` lists first.  Policy
restrictions depend on where a route starts, so nodes are grouped by the
jurisdictions covering them and the search runs once per group: one group in a
network without restrictions, a handful in the curated map.

Routes are not counted unless asked (``count=True``, bounded by the query's
``limit``): counting enumerates routes, which on a large network costs far more
than the one pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import schema
from .errors import QueryError
from .model import Model
from .query import Answer, Query, envelope
from .routes import (
    Plan,
    Route,
    RouteSearch,
    SearchGraph,
    hop_for,
    is_simple,
    make_route,
    route_dict,
    starts_of,
)


@dataclass
class SanctuaryReach:
    """A node under sanctuary law that can reach the target."""

    node: str
    law: str
    shortest: Route
    exit: str  # the last node of the shortest route still under the node's sanctuary law
    last: str  # the node that hands the data to the target
    routes: int | None = None  # open routes within max_hops, counted up to the limit; None: not counted
    more_routes: bool = False  # the count stopped at the limit

    def to_dict(self, model: Model) -> dict:
        record = {
            "id": self.node,
            "name": model.name(self.node),
            "law": self.law,
            **protection_dict(model, self.node),
            "shortest": route_dict(model, self.shortest),
            "gateways": {"exit": model.ref(self.exit), "last": model.ref(self.last)},
        }
        if self.routes is not None:
            record["count"] = {"open": self.routes, "more": self.more_routes}
        return record


def protection_dict(model: Model, node: str) -> dict:
    """``{"laws": […], "designations": […]}``: what brought a node into the sweep, the laws and the
    designations apart (``law``, one line of both, is kept for readers of schema 1.0)."""
    status = model.sanctuary(node)
    return {
        "laws": [{"jurisdiction": model.jurisdiction_ref(law["id"]), "law": law["law"], "citation": law["citation"],
                  "locator": law["locator"]} for law in status.laws],
        "designations": [{"jurisdiction": model.jurisdiction_ref(d["jurisdiction"]), "designated_by":
                          d["designated_by"], "date": d["date"], "citation": d["citation"], "locator": d["locator"]}
                         for d in status.designations],
    }


@dataclass
class SweepResult(Answer):
    """Which sanctuary nodes can reach the target.

    ``reaches`` are shortest routes first; ``covered`` is the number of
    sanctuary nodes examined; ``counted`` says whether route counts were asked.
    """

    model: Model = field(repr=False)
    query: Query
    reaches: list[SanctuaryReach]
    covered: int  # sanctuary nodes examined
    counted: bool = False
    cannot: list[str] = field(default_factory=list)  # sanctuary nodes examined with no open route, file order
    within: str | None = None  # the jurisdiction the sweep was narrowed to (--in)
    kinds: tuple[str, ...] = ()  # the node kinds it was narrowed to (--kind)

    def to_dict(self) -> dict:
        """The JSON answer (docs/result.schema.json)."""
        return {
            **envelope(self.model, "sanctuary", self.query),
            "target": self.model.ref(self.target),
            "within": self.model.jurisdiction_ref(self.within) if self.within else None,
            "kinds": list(self.kinds),
            "covered": self.covered,
            "reaching": len(self.reaches),
            "counted": self.counted,
            "reaches": self.to_list(),
            "cannot": [{**self.model.ref(n), "law": self.model.sanctuary(n).text, **protection_dict(self.model, n)}
                       for n in self.cannot],
        }

    def to_list(self) -> list[dict]:
        return [r.to_dict(self.model) for r in self.reaches]

    def to_frame(self):
        import pandas as pd

        model = self.model
        rows = [{"id": r.node, "name": model.name(r.node), "law": r.law, "routes": r.routes,
                 "more_routes": r.more_routes, "hops": len(r.shortest),
                 "shortest": " → ".join(model.name(n) for n in r.shortest.nodes),
                 "exit": model.name(r.exit), "last": model.name(r.last),
                 "group_join": "; ".join(model.name(j.group) for j in r.shortest.group_joins)}
                for r in self.reaches]
        columns = ["id", "name", "law", "hops", "shortest", "exit", "last", "group_join"]
        if self.counted:
            columns[3:3] = ["routes", "more_routes"]
        return pd.DataFrame(rows, columns=columns)

    def _repr_html_(self) -> str:
        import html

        model = self.model
        target = html.escape(model.name(self.target))
        heading = (f"<p>{len(self.reaches)} of {self.covered} nodes under a sanctuary law can reach "
                   f"<b>{target}</b>.</p>")
        cannot = ""
        if self.cannot:
            names = ", ".join(f"<b>{html.escape(model.name(n))}</b>" for n in self.cannot)
            cannot = (f"<p>{len(self.cannot)} cannot (no open route in this data, which is not proof that no "
                      f"data moves): {names}.</p>")
        return heading + cannot + self.to_frame().to_html(index=False, escape=True)


def sweep(model: Model, query: Query | None = None, count: bool = False, within: str | None = None,
          kinds: tuple[str, ...] = ()) -> SweepResult:
    """Which sanctuary nodes can reach the query's target, each with its shortest
    route and gateways; with ``count``, its open routes counted up to the
    query's ``limit``.  The result also names the ones that cannot.

    ``within`` (a jurisdiction's id, name or state code) and ``kinds`` (node
    kinds) narrow the nodes examined."""
    query = query if query is not None else Query(group_joins=False)
    if query.via:
        raise QueryError("--via does not apply to the sanctuary sweep; use reach --via for one source")
    if query.source is not None:
        raise QueryError("the sanctuary sweep has no single source: it examines every sanctuary node")
    plan = Plan(model, query)
    place = model.resolve_jurisdiction(within) if within else None
    kinds = tuple(dict.fromkeys(kinds))
    unknown = [k for k in kinds if k not in schema.NODE_KINDS]
    if unknown:
        raise QueryError(f"unknown node kind {unknown[0]!r} for --kind; choose from: {', '.join(schema.NODE_KINDS)}")
    kind_of = model.node_kinds  # a dict: the nodes DataFrame would import pandas for one column
    candidates = [n for n in model.node_ids
                  if model.sanctuary(n).protected and n not in plan.target_members and n not in plan.avoid
                  and (place is None or place in model.jurisdiction_chain(n))
                  and (not kinds or kind_of[n] in kinds)]
    reaches: list[SanctuaryReach] = []
    for origin, nodes in _by_origin(model, candidates).items():
        graph = plan.graph_for(origin)
        for found in shortest_routes(model, graph, nodes, plan):
            if count:
                search = RouteSearch(model, plan, found.node)
                found.routes, found.more_routes = search.count_open(plan.query.limit)
            reaches.append(found)
    reaches.sort(key=lambda r: (len(r.shortest), model.node_index[r.node]))
    reaching = {r.node for r in reaches}
    cannot = [n for n in candidates if n not in reaching]
    return SweepResult(model, plan.query, reaches, len(candidates), count, cannot, place, kinds)


def shortest_routes(model: Model, graph: SearchGraph, nodes: list[str], plan: Plan) -> list[SanctuaryReach]:
    """The one pass: read each node's first shortest open route, within ``plan.max_hops``,
    off the backward search."""
    found = []
    for node in nodes:
        starts = starts_of(model, plan, node)
        path = graph.greedy_open(starts, plan.max_hops)
        if path is None:
            continue
        if graph.index.virtual and not is_simple(model, starts, path):
            # Rare: the shortest walk through group sentences passes a group twice; list instead.
            route = RouteSearch(model, plan, node).first_open()
            if route is None:
                continue
        else:
            hops = tuple(hop_for(model, model.edge_ids[e]) for e in path)
            route = make_route(model, (hops[0].sender, *(h.receiver for h in hops)), hops)
        found.append(SanctuaryReach(node, model.sanctuary(node).text, route,
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
