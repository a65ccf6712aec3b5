"""Firewalls: the fewest channels, or intermediaries, whose removal closes every
open route from a source to the target.

Both are minimum cuts computed by networkx on the open part of the search graph
(filters applied, policy-blocked edges already gone: a route a restriction
closes needs no cut).  Parallel edges collapse into one edge whose capacity is
their number, so cutting a pair of channels costs two.  The target and its units
collapse into one sink.  Each answer is checked by searching again without it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from dataclasses import replace as replace_filters
from typing import TYPE_CHECKING

import numpy as np

from .errors import QueryError
from .model import Model
from .routes import Filters, Query, RouteSearch, hop_for

if TYPE_CHECKING:
    import networkx as nx

SINK = ("__sink__",)  # a tuple cannot collide with a node id, which is a string


@dataclass
class Firewall:
    """The smallest cuts that leave no open route from ``source`` to ``target``.

    ``edges`` are edge ids (parallel channels listed one by one); ``nodes`` are
    intermediary node ids, or None when no set of intermediaries can do it
    because the source hands data to the target directly.
    """

    model: Model = field(repr=False)
    source: str
    target: str
    reachable: bool
    edges: list[str]
    nodes: list[str] | None
    verified: bool

    def to_dict(self) -> dict:
        model = self.model
        return {
            "source": model.ref(self.source),
            "target": model.ref(self.target),
            "reachable": self.reachable,
            "edges": [
                {"id": e, "from": model.edges.at[e, "from"], "to": model.edges.at[e, "to"],
                 "citation": model.edges.at[e, "citation"], "meaning": edge_meaning(model, e)}
                for e in self.edges
            ],
            "nodes": None if self.nodes is None else [
                {**model.ref(n), "meaning": node_meaning(model, n)} for n in self.nodes
            ],
            "verified": self.verified,
        }

    def _repr_html_(self) -> str:
        """How Jupyter shows a firewall: the verdict, then each cut as a table (every value escaped)."""
        from html import escape

        model = self.model
        source, target = escape(model.name(self.source)), escape(model.name(self.target))
        if not self.reachable:
            return f"<p>No open route from <b>{source}</b> to <b>{target}</b>: there is nothing to cut.</p>"

        def table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
            head = "".join(f"<th>{escape(h)}</th>" for h in header)
            body = "".join("<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in rows)
            return f'<table class="dataframe"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'

        check = ("verified: searching again without it finds no open route" if self.verified
                 else "<b>not verified</b>: searching again without it still finds an open route")
        parts = [f"<p>Firewall from <b>{source}</b> to <b>{target}</b> ({check}).</p>",
                 f"<p>Cut these {len(self.edges)} channel(s):</p>",
                 table(("edge", "what it means"), [(e, edge_meaning(model, e)) for e in self.edges])]
        if self.nodes is None:
            parts.append(f"<p>No set of intermediaries can do it: <b>{source}</b> hands data to "
                         f"<b>{target}</b> directly.</p>")
        else:
            parts.append(f"<p>Or remove these {len(self.nodes)} intermediary node(s):</p>")
            parts.append(table(("node", "what it means"), [(n, node_meaning(model, n)) for n in self.nodes]))
        return "".join(parts)


def edge_meaning(model: Model, edge_id: str) -> str:
    """What cutting an edge means, in words, with its citation."""
    hop = hop_for(model, edge_id)
    what = ", ".join("data of an unstated kind" if d == "unspecified" else d.replace("_", " ") for d in hop.data)
    how = "channel not stated" if hop.mechanism == "unspecified" else hop.mechanism.replace("_", " ")
    return (f"stop {model.name(hop.sender)} passing {what} to {model.name(hop.receiver)} "
            f"({how}; {hop.evidence.level}; {hop.evidence.reference})")


def node_meaning(model: Model, node_id: str) -> str:
    kind = model.nodes.at[node_id, "kind"]
    verbs = {
        "fusion_center": "withdraw from",
        "vendor": "end the contract with",
        "data_broker": "cancel subscriptions to",
        "database": "stop contributing to",
    }
    return f"{verbs.get(kind, 'stop sharing data through')} {model.name(node_id)}"


def firewall(model: Model, source: str, target: str = "ice", filters: Filters | None = None) -> Firewall:
    """The minimum edge cut and minimum intermediary-node cut from ``source``
    to ``target``, each verified by searching again without it.

    Hop limits do not apply: a firewall must close routes of every length.
    """
    import networkx as nx  # here, not at the top: `flowmap reach` imports this module but needs no networkx

    filters = replace_filters(filters or Filters(), max_hops=None)
    search = RouteSearch(model, source, target, filters)
    if search.via:
        raise QueryError("--via does not apply to a firewall: it cuts every route")
    graph = search.graph
    src = search.source
    if not search.reachable:
        return Firewall(model, src, search.target, False, [], [], True)
    open_edges = np.flatnonzero(graph.allowed & ~graph.restricted).tolist()
    units = frozenset(model.node_ids[i] for i in search.starts)
    flow = collapsed(model, open_edges, search.query, src, units)
    # Of several equally small cuts, take the one nearest the source: the
    # channels the source's own jurisdiction controls.  networkx returns the cut
    # nearest the far end of a flow, so run it from the sink on the reversed graph.
    _, (sink_side, _) = nx.minimum_cut(flow.reverse(copy=False), SINK, src, capacity="capacity")
    edges = [model.edge_ids[e] for e in open_edges
             if _end(model, search.query, model.arrays.sender[e], src, units) not in sink_side
             and _end(model, search.query, model.arrays.receiver[e], src, units) in sink_side]
    nodes: list[str] | None
    if flow.has_edge(src, SINK):
        nodes = None
    else:
        nodes = sorted(nx.minimum_node_cut(flow, src, SINK), key=model.node_index.get)
    verified = _closes(model, source, target, filters, without=edges) and (
        nodes is None or _closes(model, source, target, filters, avoid=nodes))
    return Firewall(model, src, search.target, True, edges, nodes, verified)


def _end(model: Model, query: Query, index, source: str | None = None,
         source_units: frozenset = frozenset()) -> object:
    node = model.node_ids[int(index)]
    if node in query.target_members:
        return SINK
    return source if node in source_units else node  # the source's units send as the source


def collapsed(model: Model, open_edges: list[int], query: Query, source: str | None = None,
              source_units: frozenset = frozenset()) -> nx.DiGraph:
    """The open edges as a simple digraph: capacity = number of parallel edges,
    the target's members merged into :data:`SINK`, the source's units into the source."""
    import networkx as nx

    flow = nx.DiGraph()
    for e in open_edges:
        u = _end(model, query, model.arrays.sender[e], source, source_units)
        v = _end(model, query, model.arrays.receiver[e], source, source_units)
        if u == SINK or u == v:
            continue  # data leaving the target, or moving inside it, opens no route
        if flow.has_edge(u, v):
            flow[u][v]["capacity"] += 1
        else:
            flow.add_edge(u, v, capacity=1)
    return flow


def _closes(model: Model, source: str, target: str, filters: Filters, **removed) -> bool:
    extra = replace_filters(filters, avoid=filters.avoid + tuple(removed.get("avoid", ())),
                            without=filters.without + tuple(removed.get("without", ())))
    return not RouteSearch(model, source, target, extra).reachable

