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
from typing import TYPE_CHECKING

from .errors import QueryError
from .model import Model
from .query import Answer, Query, envelope
from .routes import RouteSearch, hop_for

if TYPE_CHECKING:
    import networkx as nx

SINK = ("__sink__",)  # a tuple cannot collide with a node id, which is a string


@dataclass
class Firewall(Answer):
    """The smallest cuts that leave no open route from ``source`` to ``target``.

    ``edges`` are edge ids (parallel channels listed one by one); ``nodes`` are
    intermediary node ids, or None when no set of intermediaries can do it
    because the source hands data to the target directly.
    """

    model: Model = field(repr=False)
    query: Query  # resolved; max_hops None: every route length counts
    reachable: bool
    edges: list[str]
    nodes: list[str] | None
    verified: bool
    minimum_edges: bool = True  # proven the fewest (False: the fewest found, each one needed)
    minimum_nodes: bool = True

    def to_dict(self) -> dict:
        """The JSON answer (docs/result.schema.json); a cut edge is ``{"edge", "from", "to", ...}``
        as a hop of ``reach`` names it."""
        model = self.model
        return {
            **envelope(model, "firewall", self.query),
            "source": model.ref(self.source),
            "target": model.ref(self.target),
            "reachable": self.reachable,
            "edges": [
                {"edge": e, "from": hop_for(model, e).sender, "to": hop_for(model, e).receiver,
                 "citation": hop_for(model, e).evidence.citation, "meaning": edge_meaning(model, e)}
                for e in self.edges
            ],
            "nodes": None if self.nodes is None else [
                {**model.ref(n), "meaning": node_meaning(model, n)} for n in self.nodes
            ],
            "verified": self.verified,
            "minimum": {"edges": self.minimum_edges, "nodes": self.minimum_nodes},
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
    kind = model.node_row(node_id)["kind"]
    verbs = {
        "fusion_center": "withdraw from",
        "vendor": "end the contract with",
        "data_broker": "cancel subscriptions to",
        "database": "stop contributing to",
    }
    return f"{verbs.get(kind, 'stop sharing data through')} {model.name(node_id)}"


def firewall(model: Model, query: Query) -> Firewall:
    """The minimum edge cut and minimum intermediary-node cut from the query's
    source to its target, each verified by searching again without it.

    Hop limits do not apply: a firewall must close routes of every length.  The
    cuts are exact minimum cuts (networkx) on the open search graph, where each
    route the query admits is a path.  Two cases need more than one path per
    route's channel, and there the answer is the smallest cut found, trimmed
    until every element is needed, and ``minimum_*`` says whether it meets a
    lower bound (each category's own minimum cut): several ``carrying`` categories (one copy of the graph per
    category, so a channel carrying two counts twice) and, for the node cut,
    a group passed through on several sentences with group joins left out.
    """
    import networkx as nx  # here, not at the top: `flowmap reach` imports this module but needs no networkx

    if query.via:
        raise QueryError("--via does not apply to a firewall: it cuts every route")
    search = RouteSearch(model, query.replace(max_hops=None))
    query = search.query
    if not search.reachable:
        return Firewall(model, query, False, [], [], True)
    flow, arcs, exact_nodes = _flow_graph(model, search)
    src = search.source
    # Of several equally small cuts, take the one nearest the source: the
    # channels the source's own jurisdiction controls.  networkx returns the cut
    # nearest the far end of a flow, so run it from the sink on the reversed graph.
    _, (sink_side, _) = nx.minimum_cut(flow.reverse(copy=False), SINK, src, capacity="capacity")
    chosen = {model.edge_ids[e] for (u, v), arcs_edges in arcs.items()
              if u not in sink_side and v in sink_side for e in arcs_edges}
    edges = sorted(chosen, key=model.edge_index.__getitem__)
    layers = search.graph.index.layers
    exact_edges = layers == 1
    if not exact_edges:
        edges = _trim(edges, lambda kept: _closes(model, query, without=kept))
        # Any cut closes each category's routes, so it is at least each category's own minimum
        # cut (exact on one copy): when the cut found meets that bound, it is the fewest.
        exact_edges = len(edges) <= max(1, max(nx.minimum_cut_value(_layer(flow, layer, src), src, SINK,
                                                                    capacity="capacity")
                                               for layer in range(layers)))
    nodes: list[str] | None
    if flow.has_edge(src, SINK):
        nodes = None
    else:
        cut = nx.minimum_node_cut(flow, src, SINK)
        nodes = sorted({_node_of(k) for k in cut}, key=model.node_index.__getitem__)
        bound_holds = exact_nodes  # one sentence per group: each copy's node cut is exact
        exact_nodes = exact_nodes and layers == 1 and len(nodes) == len(cut)
        if not exact_nodes:
            nodes = _trim(nodes, lambda kept: _closes(model, query, avoid=kept))
            bound = 1
            if bound_holds:
                for layer in range(layers):
                    part = _layer(flow, layer, src)
                    if part.has_node(src) and part.has_node(SINK) and not part.has_edge(src, SINK) \
                            and nx.has_path(part, src, SINK):
                        bound = max(bound, len(nx.minimum_node_cut(part, src, SINK)))
            exact_nodes = len(nodes) <= bound
    verified = _closes(model, query, without=edges) and (nodes is None or _closes(model, query, avoid=nodes))
    return Firewall(model, query, True, edges, nodes, verified, exact_edges, nodes is None or exact_nodes)


def _flow_graph(model: Model, search: RouteSearch) -> tuple[nx.DiGraph, dict, bool]:
    """The open search graph as a simple digraph for networkx: capacity = number
    of parallel channels; the target's members merged into :data:`SINK`; one
    copy per carrying category when there are several.  Returns the graph, the
    edges behind each arc, and whether a node cut on it is exact."""
    import networkx as nx

    graph, index = search.graph, search.graph.index
    starts = set(search.starts)  # the source and its units: they send as the source
    layers = index.layers
    virtual_count: dict[int, int] = {}

    def key(state: int, layer: int):
        if index.is_target[state]:
            return SINK
        if state in starts:
            return search.source
        node = model.node_ids[index.real[state]]
        base = node if state < index.n_nodes else ("group", node, state)
        return base if layers == 1 else ("layer", layer, base)

    arcs: dict[tuple, list[int]] = {}
    for u in range(len(index.real)):
        if index.is_target[u] or (index.real[u] in starts and u not in starts):
            continue  # data leaving the target, or coming back to the source, opens no route
        if u >= index.n_nodes:
            virtual_count[index.real[u]] = virtual_count.get(index.real[u], 0) + 1
        for e, v in graph.out_open[u]:
            if index.real[v] in starts:
                continue
            for layer in range(layers):
                if index.bits[e] & (1 << layer):
                    arcs.setdefault((key(u, layer), key(v, layer)), []).append(e)
    flow = nx.DiGraph()
    for (u, v), edges in arcs.items():
        if u != v:
            flow.add_edge(u, v, capacity=len(edges))
    flow.add_node(search.source)
    flow.add_node(SINK)
    exact_nodes = all(count == 1 for count in virtual_count.values())
    return flow, arcs, exact_nodes


def _layer(flow: nx.DiGraph, layer: int, source: str) -> nx.DiGraph:
    """The copy of the flow graph for one carrying category (with the source and the sink)."""
    keep = [k for k in flow if k in (source, SINK) or (isinstance(k, tuple) and k[0] == "layer" and k[1] == layer)]
    return flow.subgraph(keep)


def _node_of(key) -> str:
    while isinstance(key, tuple):
        key = key[-1] if key[0] == "layer" else key[1]
    return key


def _trim(items: list[str], closes) -> list[str]:
    """Drop each element the cut does not need (it still closes every route without it)."""
    kept = list(items)
    for item in list(items):
        trial = [x for x in kept if x != item]
        if closes(trial):
            kept = trial
    return kept


def _closes(model: Model, query: Query, avoid=(), without=()) -> bool:
    extra = query.replace(avoid=query.avoid + tuple(avoid), without=query.without + tuple(without))
    return not RouteSearch(model, extra).reachable
