"""The graph in the formats other tools read: GraphML, GEXF, FollowTheMoney, JSON.

Every node and edge keeps its attributes: the node's columns with its derived
sanctuary status and law, the edge's columns with its source's title,
publisher, date and link.  Attributes are strings (lists joined with ``;``) so
that Gephi, networkx and spreadsheets read them the same way.

- **GraphML** and **GEXF** are written by networkx and read back by
  ``networkx.read_graphml`` / ``read_gexf`` (and Gephi) with every attribute.
- **FollowTheMoney** (``ftm``): one JSON entity per line, as OCCRP Aleph and
  OpenSanctions tools read them.  Agencies, fusion centers and federal
  agencies are ``PublicBody``; vendors and data brokers ``Company``; databases
  and groups of agencies ``Organization``; each flow an ``UnknownLink`` from
  the sender (``subject``) to the receiver (``object``), its direction said in
  ``role``.  Ids are hashes of flowmap's ids, so the same data gives the same ids.
  The entities are built by hand (the ``followthemoney`` package is only needed
  to validate them; the tests do).
- **json**: flowmap's own shape (see :func:`export_dict`).

An export runs no query: the routes of one source come in as a
:class:`~flowmap.routes.ReachResult` (:meth:`flowmap.api.FlowMap.export` asks
for them).  Same data, same bytes: nothing depends on the clock or on dict order.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import numpy as np

from .. import schema
from ..errors import QueryError
from ..load import split_list
from ..model import Model
from ..provenance import Dataset, dataset, flowmap_version
from ..query import Query
from ..routes import Plan, ReachResult, edge_mask

FORMATS: tuple[str, ...] = ("graphml", "gexf", "ftm", "json")
SUFFIXES: dict[str, str] = {".graphml": "graphml", ".gexf": "gexf", ".ftm": "ftm", ".jsonl": "ftm",
                            ".ndjson": "ftm", ".json": "json"}

#: Attribute names GEXF gives a meaning of its own (networkx pops them), renamed on the way out.
_GEXF_RESERVED = {"start": "start_", "end": "end_", "label": "label_", "weight": "weight_",
                  "viz": "viz_", "pid": "pid_"}

FTM_SCHEMA: dict[str, str] = {
    "agency": "PublicBody",
    "fusion_center": "PublicBody",
    "federal_agency": "PublicBody",
    "vendor": "Company",
    "data_broker": "Company",
    "database": "Organization",
    "group": "Organization",
    "account": "LegalEntity",  # a company, a school or a person: FollowTheMoney's entity of either
}


@dataclass(frozen=True)
class Selection:
    """What an export holds: node and edge ids in file order, and why."""

    nodes: tuple[str, ...]
    edges: tuple[str, ...]
    source: str | None  # the --from node, when the export holds its routes only
    target: str


def format_for(path: str | Path) -> str:
    """The export format a file name asks for, from its suffix."""
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        raise QueryError(f"cannot tell the export format of {str(path)!r}; name the file "
                         f"{', '.join(SUFFIXES)} or choose one with --format {{{','.join(FORMATS)}}}")
    return SUFFIXES[suffix]


def check_options(model: Model, query: Query, fmt: str = "json") -> None:
    """Refuse, before any query runs, what an export cannot honour.

    Parameters
    ----------
    model : Model
        The loaded data.
    query : Query
        The export's question: its target and filters (checked against the
        data: every name must resolve) and, for the routes of one source only,
        its source.
    fmt : str
        One of :data:`FORMATS`.

    Raises
    ------
    QueryError
        For an unknown format, a filter the data cannot honour, or ``via``
        without a source.
    NameNotFound, AmbiguousName
        For a target or filter name that does not resolve.

    Examples
    --------
    >>> import flowmap
    >>> model = flowmap.load().model
    >>> check_options(model, flowmap.query("SFPD", via="NCRIC"), "graphml")
    >>> check_options(model, flowmap.query(via="NCRIC"), "graphml")
    Traceback (most recent call last):
    ...
    flowmap.errors.QueryError: --via needs a source: add --from SOURCE
    """
    _check_format(fmt)
    _map_plan(model, query)


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise QueryError(f"unknown export format {fmt!r}; choose --format from: {', '.join(FORMATS)}")


def _map_plan(model: Model, query: Query) -> Plan:
    """The query checked against the data without its source: the whole map it narrows."""
    plan = Plan(model, query.replace(source=None))
    if query.source is None and plan.via:
        raise QueryError("--via needs a source: add --from SOURCE")
    return plan


def select(model: Model, query: Query | None = None, result: ReachResult | None = None) -> Selection:
    """The nodes and edges to export.

    Parameters
    ----------
    model : Model
        The loaded data.
    query : Query or None
        Without ``result``: the filters that narrow the whole map (default:
        none).
    result : ReachResult or None
        The routes of one source (:func:`flowmap.routes.reach`); None for
        the whole map.

    Returns
    -------
    Selection
        Without ``result``: every node (but those ``avoid`` removes) and every
        edge the filters keep.  With it: the nodes and edges on its routes,
        open and blocked by policy, as ``flowmap render --from`` draws them.

    Examples
    --------
    >>> import flowmap
    >>> from flowmap import routes
    >>> model = flowmap.load().model
    >>> whole = select(model)
    >>> len(whole.edges) == len(model.edges), whole.source
    (True, None)
    >>> sfpd = select(model, result=routes.reach(model, flowmap.query("SFPD")))
    >>> sfpd.source, sfpd.edges
    ('sfpd', ('sfpd-to-ncric-shared-data', 'ncric-to-ice-das-search-requests'))
    """
    if result is None:
        plan = _map_plan(model, query or Query())
        mask = edge_mask(model, plan.query)
        edges = tuple(model.edge_ids[e] for e in np.flatnonzero(mask).tolist())
        nodes = tuple(n for n in model.node_ids if n not in plan.avoid)
        return Selection(nodes, edges, None, plan.target)
    edge_set: set[str] = set()
    node_set: set[str] = {result.source}
    for route in (*result.routes, *result.blocked):
        edge_set.update(route.edges)
        node_set.update(route.nodes)
    return Selection(tuple(sorted(node_set, key=model.node_index.__getitem__)),
                     tuple(sorted(edge_set, key=model.edge_index.__getitem__)), result.source, result.target)


# -- attributes -------------------------------------------------------------------

def node_attributes(model: Model, node_id: str) -> dict[str, str]:
    """Every column of a node, its sanctuary status and law, and its citation's title and link."""
    row = {k: _text(v) for k, v in model.nodes.loc[node_id].to_dict().items()}
    source = model.source_rows.get(row.get("citation", ""), {})
    row["citation_title"] = _text(source.get("title", ""))
    row["citation_url"] = _text(source.get("url", ""))
    return row


def edge_attributes(model: Model, edge_id: str) -> dict[str, str]:
    """Every column of an edge, with its source's title, publisher, date and link.

    ``url`` is the edge's own link when it has one (a 287(g) MOA), else its
    source's; ``source_url`` is always the source's.
    """
    row = {k: _text(v) for k, v in model.edge_row(edge_id).items()}
    source = model.source_rows.get(row["citation"], {})
    row["source_title"] = _text(source.get("title", ""))
    row["source_publisher"] = _text(source.get("publisher", ""))
    row["source_date"] = _text(source.get("date", ""))
    row["source_url"] = _text(source.get("url", ""))
    row["url"] = row.get("url") or row["source_url"]
    return row


def _text(value) -> str:
    return "" if value is None else str(value)


def graph(model: Model, selection: Selection) -> nx.MultiDiGraph:
    """The selection as a networkx MultiDiGraph keyed by edge id, every attribute a string."""
    out = nx.MultiDiGraph()
    for node in selection.nodes:
        out.add_node(node, **node_attributes(model, node))
    for edge in selection.edges:
        attrs = edge_attributes(model, edge)
        out.add_edge(attrs["from"], attrs["to"], key=edge, **attrs)
    return out


# -- formats ----------------------------------------------------------------------

def to_graphml(model: Model, selection: Selection) -> bytes:
    """GraphML; ``networkx.read_graphml`` gives back every node, edge (keyed by id) and attribute."""
    buffer = io.BytesIO()
    nx.write_graphml_xml(graph(model, selection), buffer, encoding="utf-8", prettyprint=True,
                         named_key_ids=True, edge_id_from_attribute="id")
    return buffer.getvalue()


def to_gexf(model: Model, selection: Selection) -> bytes:
    """GEXF 1.2 for Gephi; node labels are names.  Attributes GEXF reserves
    (``start``, ``end``, ``label``, ``weight``) would be renamed with a trailing
    ``_``; flowmap's columns use none of them."""
    source = graph(model, selection)
    out = nx.MultiDiGraph()
    for node, attrs in source.nodes(data=True):
        out.add_node(node, label=attrs["name"], **{_GEXF_RESERVED.get(k, k): v for k, v in attrs.items()})
    for u, v, key, attrs in source.edges(keys=True, data=True):
        out.add_edge(u, v, key=key, **{_GEXF_RESERVED.get(k, k): v for k, v in attrs.items()})
    buffer = io.BytesIO()
    # networkx stamps GEXF with today's date; the data's newest date keeps the bytes stable.
    writer = nx.readwrite.gexf.GEXFWriter(encoding="utf-8", prettyprint=True, version="1.2draft")
    writer.add_graph(out)
    meta = writer.xml.find("meta")
    if meta is not None:
        meta.set("lastmodifieddate", dataset(model).newest_date or "1970-01-01")
    writer.write(buffer)
    return buffer.getvalue()


def ftm_id(kind: str, flowmap_id: str) -> str:
    """A stable FollowTheMoney id: ``flowmap-`` and the SHA-1 of the kind and id."""
    return "flowmap-" + hashlib.sha1(f"{kind}\x1f{flowmap_id}".encode()).hexdigest()


def ftm_entities(model: Model, selection: Selection) -> list[dict]:
    """FollowTheMoney entities: nodes first, then one ``UnknownLink`` per edge."""
    entities = []
    for node in selection.nodes:
        a = node_attributes(model, node)
        props: dict[str, list[str]] = {"name": [a["name"]]}
        aliases = list(split_list(a.get("aliases", "")))
        if aliases:
            props["alias"] = aliases
        props["country"] = ["us"]
        props["jurisdiction"] = ["us"]
        if a.get("ori"):
            props["registrationNumber"] = [a["ori"]]
        law = f"under a sanctuary law: {a['sanctuary_law']}" if a.get("sanctuary") == "yes" else \
            f"sanctuary status: {a.get('sanctuary', 'unknown')}"
        description = [f"flowmap node {node} ({a['kind'].replace('_', ' ')})", law]
        if a.get("designation"):
            description.append(a["designation"])
        if a.get("state"):
            description.append(f"state: {a['state']}")
        if a.get("jurisdiction"):
            description.append(f"jurisdiction: {a['jurisdiction']}")
        props["description"] = ["; ".join(description)]
        if a.get("notes"):
            props["notes"] = [a["notes"]]
        if a.get("citation_url"):
            props["sourceUrl"] = [a["citation_url"]]
        if a.get("part_of") and a["part_of"] in selection.nodes:
            props["parent"] = [ftm_id("node", a["part_of"])]
        entities.append({"id": ftm_id("node", node), "schema": FTM_SCHEMA[a["kind"]], "properties": props})
    for edge in selection.edges:
        a = edge_attributes(model, edge)
        data = ", ".join(d.replace("_", " ") for d in a["data"].split(";") if d)
        role = (f"sends {data} to (data flows from subject to object; "
                f"{a['mechanism'].replace('_', ' ')}; evidence: {a['evidence']})")
        props = {
            "subject": [ftm_id("node", a["from"])],
            "object": [ftm_id("node", a["to"])],
            "role": [role],
            "recordId": [edge],
            "status": [a["evidence"]],
            "publisher": [a["source_publisher"]],
            "description": [f"“{a['quote']}” ({a['source_title']}, {a['locator']})"],
        }
        if a["date"]:
            props["startDate"] = [a["date"]]
        if a["url"]:
            props["sourceUrl"] = [a["url"]]
        if a["notes"]:
            props["summary"] = [a["notes"]]
        entities.append({"id": ftm_id("edge", edge), "schema": "UnknownLink", "properties": props})
    return entities


def to_ftm(model: Model, selection: Selection) -> bytes:
    """FollowTheMoney entities, one JSON object per line."""
    lines = [json.dumps(e, ensure_ascii=False, sort_keys=True) for e in ftm_entities(model, selection)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def export_dict(model: Model, selection: Selection, filters: Query | None = None,
                info: Dataset | None = None) -> dict:
    """flowmap's own JSON: ``{"schema_version", "question", "flowmap", "dataset", "nodes", "edges"}``.

    ``question`` states the command, source (or null), target, filters and
    dataset as every JSON answer of flowmap does (:func:`flowmap.query.envelope`);
    ``dataset`` adds every file's SHA-256 and the newest date.  ``nodes`` are
    objects with every node column plus ``sanctuary``, ``sanctuary_law``,
    ``citation_title`` and ``citation_url``; ``edges`` every edge column
    (``from``, ``to`` are node ids) plus
    ``source_title``, ``source_publisher``, ``source_date`` and ``source_url``.
    Every list column (``aliases``, ``county``; ``data``, ``excludes``, ``subjects``) is a list.
    """
    from ..query import envelope

    filters = filters or Query()
    info = info or dataset(model)
    def with_lists(attributes: dict, table: schema.Table) -> dict:
        for column in table.columns:
            if column.is_list and column.name in attributes:
                attributes[column.name] = list(split_list(attributes[column.name]))
        return attributes

    nodes = [with_lists(node_attributes(model, node), schema.NODES) for node in selection.nodes]
    edges = [with_lists(edge_attributes(model, edge), schema.EDGES) for edge in selection.edges]
    question = filters.replace(source=selection.source, target=selection.target).resolved(model)
    return {
        **envelope(model, "export", question),
        "flowmap": {"version": flowmap_version(), "format": "flowmap-export", "format_version": 1},
        "dataset": info.to_dict(),
        "nodes": nodes,
        "edges": edges,
    }


def to_json(model: Model, selection: Selection, filters: Query | None = None) -> bytes:
    return (json.dumps(export_dict(model, selection, filters), indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def export(model: Model, fmt: str, query: Query | None = None,
           result: ReachResult | None = None) -> tuple[bytes, Selection]:
    """The export in ``fmt`` and what it holds.

    The export runs no query: for the routes of one source the caller asks
    :func:`flowmap.routes.reach` and hands over its result (as
    :meth:`flowmap.api.FlowMap.export` does).

    Parameters
    ----------
    model : Model
        The loaded data.
    fmt : {"graphml", "gexf", "ftm", "json"}
        The format.
    query : Query or None
        Without ``result``: the filters that narrow the whole map (default:
        none).  The JSON states it as its question.
    result : ReachResult or None
        The routes of one source, whose nodes and edges are exported; its
        ``query`` is the question.

    Returns
    -------
    bytes, Selection
        The file's bytes, and the node and edge ids it holds.

    Examples
    --------
    >>> import flowmap
    >>> model = flowmap.load().model
    >>> content, selection = export(model, "graphml")
    >>> content.startswith(b"<?xml"), len(selection.nodes) == len(model.node_ids)
    (True, True)
    """
    _check_format(fmt)
    query = result.query if result is not None else query or Query()
    selection = select(model, query, result)
    if fmt == "graphml":
        return to_graphml(model, selection), selection
    if fmt == "gexf":
        return to_gexf(model, selection), selection
    if fmt == "ftm":
        return to_ftm(model, selection), selection
    return to_json(model, selection, query), selection


__all__: Sequence[str] = ("FORMATS", "Selection", "check_options", "export", "export_dict", "ftm_entities", "graph",
                          "select")
