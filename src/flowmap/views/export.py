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

Same data, same bytes: nothing depends on the clock or on dict order.
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
from ..routes import DEFAULT_LIMIT, Filters, Plan, edge_mask, reach

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


def select(model: Model, source: str | None = None, target: str = "ice", filters: Filters | None = None,
           limit: int | None = DEFAULT_LIMIT) -> Selection:
    """The nodes and edges to export.

    Without ``source``: every node (but those ``avoid`` removes) and every edge
    the filters keep.  With ``source``: the nodes and edges on its routes to
    ``target``, open and blocked by policy (at most ``limit`` of each), as
    ``flowmap render --from`` draws them.
    """
    filters = filters or Filters()
    query = Plan(model, filters.replace(source=None, target=target))
    if source is None:
        if query.via:
            raise QueryError("--via needs a source: add --from SOURCE")
        mask = edge_mask(model, query.query)
        edges = tuple(model.edge_ids[e] for e in np.flatnonzero(mask).tolist())
        nodes = tuple(n for n in model.node_ids if n not in query.avoid)
        return Selection(nodes, edges, None, query.target)
    result = reach(model, filters.replace(source=source, target=target, limit=limit))
    edge_set: set[str] = set()
    node_set: set[str] = {result.source}
    for route in (*result.routes, *result.blocked):
        edge_set.update(route.edges)
        node_set.update(route.nodes)
    return Selection(tuple(sorted(node_set, key=model.node_index.__getitem__)),
                     tuple(sorted(edge_set, key=model.edge_index.__getitem__)), result.source, query.target)


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


def export_dict(model: Model, selection: Selection, filters: Filters | None = None,
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

    filters = filters or Filters()
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


def to_json(model: Model, selection: Selection, filters: Filters | None = None) -> bytes:
    return (json.dumps(export_dict(model, selection, filters), indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def export(model: Model, fmt: str, source: str | None = None, target: str = "ice",
           filters: Filters | None = None, limit: int | None = DEFAULT_LIMIT) -> tuple[bytes, Selection]:
    """The export in ``fmt`` and what it holds."""
    if fmt not in FORMATS:
        raise QueryError(f"unknown export format {fmt!r}; choose --format from: {', '.join(FORMATS)}")
    selection = select(model, source, target, filters, limit)
    if fmt == "graphml":
        return to_graphml(model, selection), selection
    if fmt == "gexf":
        return to_gexf(model, selection), selection
    if fmt == "ftm":
        return to_ftm(model, selection), selection
    return to_json(model, selection, filters), selection


__all__: Sequence[str] = ("FORMATS", "Selection", "export", "export_dict", "ftm_entities", "graph", "select")
