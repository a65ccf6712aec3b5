"""What changed between two versions of the data, and what that does to the answers.

``OLD`` and ``NEW`` are each a dataset: one directory or several layers merged
in order.  Rows are matched by id, so the diff is only as good as the ids are
stable: flowmap's importers give an agreement or an agency the same id from one
download to the next (a 287(g) agreement is ``287g-<agency>-<support type>``,
an FBI agency its ORI).

Two parts:

- **Rows**: for each table (nodes, edges, sources, jurisdictions), the ids
  added, removed and changed; for a changed row, which columns, old and new
  value.  A column only one side has counts as empty on the other, so adding an
  empty column changes nothing.
- **Answers**: which nodes newly reach the target (or no longer do), which
  nodes under a sanctuary law are newly exposed (reach the target now and did
  not, or were not covered), and whose shortest route changed.  Each side is
  asked with the same filters; the shortest route of a node is the one the
  sanctuary sweep shows.

Added and removed edges are also counted by group (``by``): the sending
node's state by default; ``month`` (of the edge's date); any edge column;
``from.COLUMN`` / ``to.COLUMN`` for a column of the sending or receiving node;
and ``support_type``, the support type of a 287(g) agreement (the fifth cell
of the workbook row its quote reproduces).  ``state,support_type`` counts by
both at once.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from .errors import QueryError
from .model import Model
from .provenance import Dataset, dataset, flowmap_version
from .routes import Filters, Plan, route_dict
from .sanctuary import _by_origin, shortest_routes

TABLES: tuple[str, ...] = ("nodes", "edges", "sources", "jurisdictions")

#: Columns the model derives (not read from a file): never reported as changed.
DERIVED = {"nodes": ("sanctuary", "sanctuary_law")}

#: Cells of a 287(g) workbook row in the order ICE's sheets give them; the
#: 287(g) importer quotes the row as its cells joined by " | ".
ICE_287G_CELLS = ("STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "COUNTY", "SUPPORT TYPE")

DEFAULT_BY: tuple[str, ...] = ("state",)


def load_model(layers: Sequence[str | os.PathLike]) -> Model:
    """A model from one directory or several layers merged in order."""
    layers = list(layers)
    if not layers:
        raise QueryError("no dataset given: name a directory (or several layers)")
    return Model.load(layers)  # the layers merge in order, as with --data DIR --data DIR


@dataclass
class TableDiff:
    """Rows added, removed and changed in one table, matched by id."""

    added: list[dict] = field(default_factory=list)  # whole rows of NEW
    removed: list[dict] = field(default_factory=list)  # whole rows of OLD
    changed: list[dict] = field(default_factory=list)  # {"id", "name"?, "columns": {col: {"old", "new"}}}

    def to_dict(self) -> dict:
        out = {"added": self.added, "removed": self.removed, "changed": self.changed,
               "columns_changed": self.columns_changed}
        if self.changed and "name" in self.columns_changed:
            out["renamed"] = self.renamed
        return out

    @property
    def columns_changed(self) -> dict[str, int]:
        """How many changed rows changed each column, most first."""
        counts = Counter(c for change in self.changed for c in change["columns"])
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    @property
    def renamed(self) -> list[dict]:
        """The changed rows whose ``name`` changed: ``{"id", "old", "new"}``."""
        return [{"id": c["id"], "old": c["columns"]["name"]["old"], "new": c["columns"]["name"]["new"]}
                for c in self.changed if "name" in c["columns"]]

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def diff_table(old: pd.DataFrame, new: pd.DataFrame, ignore: Sequence[str] = ()) -> TableDiff:
    """Compare two tables of strings by their ``id`` column.

    Rows come out in the order of the file they are in (NEW for added and
    changed, OLD for removed).

    Examples
    --------
    >>> old = pd.DataFrame({"id": ["a", "b"], "name": ["A", "B"]})
    >>> new = pd.DataFrame({"id": ["b", "c"], "name": ["Bee", "C"], "ori": ["", "X"]})
    >>> d = diff_table(old, new)
    >>> [r["id"] for r in d.added], [r["id"] for r in d.removed], d.changed
    (['c'], ['a'], [{'id': 'b', 'columns': {'name': {'old': 'B', 'new': 'Bee'}}}])
    """
    columns = [c for c in dict.fromkeys([*new.columns, *old.columns]) if c not in ignore]
    old = old.reset_index(drop=True).reindex(columns=columns, fill_value="")
    new = new.reset_index(drop=True).reindex(columns=columns, fill_value="")
    old_ids, new_ids = old["id"].tolist(), new["id"].tolist()
    old_set, new_set = set(old_ids), set(new_ids)
    result = TableDiff(
        added=[_row(r) for r in new[~new["id"].isin(old_set)].to_dict("records")],
        removed=[_row(r) for r in old[~old["id"].isin(new_set)].to_dict("records")],
    )
    both = [i for i in new_ids if i in old_set]
    if both:
        a = old.set_index("id").loc[both].astype(str)
        b = new.set_index("id").loc[both].astype(str)
        differs = a.ne(b)
        for row_id in differs.index[differs.any(axis=1)]:
            changed = [c for c in differs.columns if differs.at[row_id, c]]
            result.changed.append({"id": row_id, "columns": {
                c: {"old": a.at[row_id, c], "new": b.at[row_id, c]} for c in changed}})
    return result


def _row(record: dict) -> dict:
    return {k: "" if v is None else str(v) for k, v in record.items()}


@dataclass
class Diff:
    """The difference between two datasets; ``to_dict()`` is the JSON contract."""

    old: Dataset
    new: Dataset
    target: dict
    filters: Filters
    tables: dict[str, TableDiff]
    answers: dict
    groups: dict

    def to_dict(self) -> dict:
        from .query import SCHEMA_VERSION

        return {
            "schema_version": SCHEMA_VERSION,
            "question": {"command": "diff", "target": self.target, "filters": self.filters.filters_dict(),
                         "old": {"directories": list(self.old.layers), "sha256": self.old.sha256},
                         "new": {"directories": list(self.new.layers), "sha256": self.new.sha256}},
            "flowmap": {"version": flowmap_version()},
            "old": self.old.to_dict(),
            "new": self.new.to_dict(),
            **{name: table.to_dict() for name, table in self.tables.items()},
            "groups": self.groups,
            "answers": self.answers,
        }


def diff(old: Sequence[str | os.PathLike] | Model, new: Sequence[str | os.PathLike] | Model,
         target: str = "ice", filters: Filters | None = None, by: Sequence[str] = DEFAULT_BY,
         ignore: Sequence[str] = ()) -> Diff:
    """Compare two datasets row by row and answer by answer.

    Parameters
    ----------
    old, new : list of paths, or Model
        Each a dataset: its layer directories in merge order (or a loaded model).
    target : str
        Whose reachability the answers are about (default ICE); it must
        resolve in both.
    filters : Filters
        Route filters applied to both sides (``via`` does not apply).
    by : sequence of str
        How to count added and removed edges: ``state`` (of the sending node,
        else the receiving one), ``month``, an edge column, ``from.COLUMN``,
        ``to.COLUMN``, or ``support_type`` (a 287(g) agreement's support type);
        ``a,b`` counts by both.
    ignore : sequence of str
        Columns left out of the comparison in every table (``locator``, when
        a re-published list moved its rows).

    Returns
    -------
    Diff
        ``tables`` (a :class:`TableDiff` per table), ``groups`` (counts of
        added and removed edges per ``by`` key) and ``answers`` (see
        :func:`answers`).

    Examples
    --------
    >>> import flowmap
    >>> same = diff(flowmap.load().model, flowmap.load().model)
    >>> same.tables["edges"].empty, same.answers["newly_reach"]
    (True, [])
    """
    old_info = dataset(old) if isinstance(old, Model) else None
    new_info = dataset(new) if isinstance(new, Model) else None
    old_model = old if isinstance(old, Model) else load_model(old)
    new_model = new if isinstance(new, Model) else load_model(new)
    old_info = old_info or dataset(old_model, list(old))
    new_info = new_info or dataset(new_model, list(new))
    filters = filters or Filters()
    if filters.via:
        raise QueryError("--via does not apply to diff: it compares every source")
    tables = {"sources": diff_table(old_model.sources, new_model.sources, tuple(ignore))}
    same_source = matched_sources(tables["sources"])
    for name in TABLES:
        if name == "sources":
            continue
        left_out = (*DERIVED.get(name, ()), *ignore)
        old_frame = getattr(old_model, name)
        if same_source and "citation" in old_frame.columns:
            old_frame = old_frame.assign(citation=old_frame["citation"].map(lambda c: same_source.get(c, c)))
        tables[name] = diff_table(old_frame, getattr(new_model, name), left_out)
    tables = {name: tables[name] for name in TABLES}
    extra = [name for name in ("designations",) if getattr(new_model, name, None) is not None
             or getattr(old_model, name, None) is not None]
    for name in extra:
        empty = pd.DataFrame({"id": pd.Series(dtype=object)})
        old_frame = getattr(old_model, name, None)
        new_frame = getattr(new_model, name, None)
        tables[name] = diff_table(old_frame if old_frame is not None else empty,
                                  new_frame if new_frame is not None else empty, tuple(ignore))
    _name_rows(tables, old_model, new_model)
    groups = {key: {"added": _count_by(new_model, tables["edges"].added, key),
                    "removed": _count_by(old_model, tables["edges"].removed, key)} for key in by}
    missing = [side for side, model in (("OLD", old_model), ("NEW", new_model)) if not _has(model, target)]
    if missing:
        # A registry layer alone has agencies and no ICE: the rows still compare, the answers cannot.
        note = (f"no answers: {' and '.join(missing)} {'has' if len(missing) == 1 else 'have'} no node called "
                f"{target!r}; add the layer that holds it (e.g. default:LAYER) to ask who reaches it")
        return Diff(old_info, new_info, {"id": target, "name": target}, filters, tables, {"note": note}, groups)
    return Diff(old_info, new_info, new_model.ref(new_model.resolve(target)), filters, tables,
                answers(old_model, new_model, target, filters), groups)


def _has(model: Model, name: str) -> bool:
    from .errors import FlowmapError

    try:
        model.resolve(name)
    except FlowmapError:
        return False
    return True


def matched_sources(sources: TableDiff) -> dict[str, str]:
    """Sources removed and added under a new id but with the same title and
    publisher: the same document pulled again (an importer's source id may
    carry the file's hash).  Rows citing the old id are compared as if they
    cited the new one, so a re-pull does not mark every row changed.

    Returns old id → new id, for the pairs that match one to one.
    """
    def key(row: dict) -> tuple[str, str]:
        return row.get("title", ""), row.get("publisher", "")

    added: dict[tuple[str, str], list[str]] = {}
    for row in sources.added:
        added.setdefault(key(row), []).append(row["id"])
    removed: dict[tuple[str, str], list[str]] = {}
    for row in sources.removed:
        removed.setdefault(key(row), []).append(row["id"])
    return {old[0]: added[k][0] for k, old in removed.items() if len(old) == 1 and len(added.get(k, [])) == 1}


def _name_rows(tables: dict[str, TableDiff], old: Model, new: Model) -> None:
    """Give changed nodes and edges the name a reader knows them by."""
    for change in tables["nodes"].changed:
        change["name"] = new.name(change["id"])
    for change in tables["edges"].changed:
        row = new.edge_row(change["id"])
        change["from"], change["to"] = row["from"], row["to"]
        change["from_name"], change["to_name"] = new.name(row["from"]), new.name(row["to"])
    for model, rows in ((new, tables["edges"].added), (old, tables["edges"].removed)):
        for row in rows:
            row["from_name"], row["to_name"] = model.name(row["from"]), model.name(row["to"])


def group_key(model: Model, edge: dict, key: str) -> str:
    """The value an added or removed edge is counted under for ``key``;
    ``a,b`` counts by both (``FL / Task Force Model``).

    Examples
    --------
    >>> group_key(None, {"date": "2025-06-30", "quote": "FLORIDA | X | County | Y | Task Force Model"},
    ...           "month,support_type")
    '2025-06 / Task Force Model'
    """
    return " / ".join(_group_part(model, edge, part.strip()) for part in key.split(","))


def _group_part(model: Model, edge: dict, key: str) -> str:
    """The value an added or removed edge is counted under for ``key``.

    Examples
    --------
    >>> group_key(None, {"quote": "TEXAS | Harris County Sheriff's Office | County | HARRIS | "
    ...                  "Jail Enforcement Model | 2025-02-20 | link"}, "support_type")
    'Jail Enforcement Model'
    """
    if key == "support_type":
        cells = [c.strip() for c in edge.get("quote", "").split(" | ")]
        index = ICE_287G_CELLS.index("SUPPORT TYPE")
        return cells[index] if len(cells) > index and cells[index] else "(not a 287(g) row)"
    if key == "month":
        return edge.get("date", "")[:7] or "(undated)"
    if key == "state":
        for end in ("from", "to"):
            state = _node_value(model, edge[end], "state")
            if state:
                return state
        return "(no state)"
    if key.startswith(("from.", "to.")):
        end, column = key.split(".", 1)
        return _node_value(model, edge[end], column) or "(empty)"
    return edge.get(key, "") or "(empty)"


def _node_value(model: Model, node: str, column: str) -> str:
    if column not in model.nodes.columns:
        raise QueryError(f"--by {column!r}: nodes have no such column; "
                         f"choose from: {', '.join(model.nodes.columns)}")
    return str(model.nodes.at[node, column])


def _count_by(model: Model, edges: list[dict], key: str) -> dict[str, int]:
    for part in key.split(","):
        part = part.strip()
        if part not in ("state", "support_type", "month") and not part.startswith(("from.", "to.")) \
                and part not in model.edges.columns:
            raise QueryError(f"--by {part!r} is not state, support_type, month, an edge column, from.COLUMN "
                             "or to.COLUMN (join several with a comma)")
    counts = Counter(group_key(model, e, key) for e in edges)
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


# -- answers -------------------------------------------------------------------------

def reaching(model: Model, target: str, filters: Filters) -> dict[str, tuple[str, ...]]:
    """Every node that can reach ``target`` by an open route within
    ``max_hops``, with the edge ids of its shortest route (the sweep's choice)."""
    query = Plan(model, filters.replace(source=None, target=target))
    candidates = [n for n in model.node_ids if n not in query.target_members and n not in query.avoid]
    found: dict[str, tuple[str, ...]] = {}
    for origin, nodes in _by_origin(model, candidates).items():
        graph = query.graph_for(origin)
        for reach in shortest_routes(model, graph, nodes, query):
            found[reach.node] = reach.shortest.edges
    return found


def answers(old: Model, new: Model, target: str, filters: Filters) -> dict:
    """What the change does to the answers.

    Returns
    -------
    dict
        ``newly_reach`` and ``no_longer_reach``: nodes (``{"id", "name"}``)
        whose data can now (no longer) reach the target; ``newly_exposed`` and
        ``no_longer_exposed``: the same for nodes under a sanctuary law (with
        ``law``); ``shortest_changed``: nodes that reach it in both whose
        shortest route changed (``{"id", "name", "old", "new"}``, each a route
        as ``reach`` gives it).  Node lists are in NEW's file order (OLD's for
        what NEW lacks).
    """
    before = reaching(old, target, filters)
    after = reaching(new, target, filters)
    # Under a sanctuary law or a designation: the nodes the sanctuary sweep examines.
    covered_before = {n for n in old.node_ids if old.sanctuary(n).protected}
    covered_after = {n for n in new.node_ids if new.sanctuary(n).protected}

    def ref(node: str, law: bool = False) -> dict:
        model = new if node in new.node_index else old
        out = model.ref(node)
        if law:
            out["law"] = model.sanctuary(node).text
        return out

    def ordered(ids) -> list[str]:
        return sorted(ids, key=lambda n: (n not in new.node_index,
                                          new.node_index.get(n, old.node_index.get(n, 0))))

    exposed_before = {n for n in before if n in covered_before}
    exposed_after = {n for n in after if n in covered_after}
    changed = []
    for node in ordered(set(before) & set(after)):
        # Compared as a reader sees a route, by the bodies it passes: another
        # agreement between the same two bodies is an edge change, listed there.
        if _path(old, before[node]) != _path(new, after[node]):
            changed.append({**ref(node), "old": _route(old, node, before[node]),
                            "new": _route(new, node, after[node])})
    return {
        "target": new.ref(new.resolve(target)),
        "reach_before": len(before),
        "reach_after": len(after),
        "newly_reach": [ref(n) for n in ordered(set(after) - set(before))],
        "no_longer_reach": [ref(n) for n in ordered(set(before) - set(after))],
        "newly_exposed": [ref(n, True) for n in ordered(exposed_after - exposed_before)],
        "no_longer_exposed": [ref(n, True) for n in ordered(exposed_before - exposed_after)],
        "shortest_changed": changed,
    }


def _path(model: Model, edges: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(model.edge_row(e)["to"] for e in edges)


def _route(model: Model, node: str, edges: tuple[str, ...]) -> dict:
    from .routes import Route, hop_for

    hops = tuple(hop_for(model, e) for e in edges)
    return route_dict(model, Route((node, *(h.receiver for h in hops)), hops))
