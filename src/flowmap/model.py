"""The graph model: validated tables turned into nodes, edges and their meaning.

:class:`Model` holds the tables, resolves names, knows which jurisdiction (and
which sanctuary law) covers each node, and offers the graph two ways: as a
``networkx.MultiDiGraph`` for people, and as compact integer arrays
(:class:`EdgeArrays`) that the route engine walks, because networkx's
dict-of-dicts costs seconds to build and walk on imported sharing lists of
hundreds of thousands of edges.

The tables are held column by column (:class:`flowmap.load.Frame`) and read
through dict accessors (:meth:`Model.node_row`, :meth:`Model.edge_row`…).
The pandas DataFrames (``nodes``, ``edges``, ``sources``, ``jurisdictions``,
``designations``) and the networkx graph are built on first use, so a
question from the command line imports neither pandas nor networkx.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from . import dates, schema
from .errors import AmbiguousName, NameNotFound, NotAnEntity
from .load import FileDigest, Frame, Tables, csv_digests, load_tables, split_list
from .names import Suggester, words
from .paths import DATA_ENV, DEFAULT_NAME, default_data_dir, resolve_data_dir, resolve_data_dirs  # noqa: F401

if TYPE_CHECKING:
    import networkx as nx
    import pandas as pd


#: Kinds of node that no sanctuary law binds and no designation marks, wherever they are.
UNBOUND_KINDS: tuple[str, ...] = ("federal_agency", "vendor", "data_broker", "account")


@dataclass(frozen=True)
class Sanctuary:
    """Whether sanctuary law covers a node, which laws, and which designations.

    A designation (the DOJ list of 2025-08-05) is a government's label for a
    place, not a law: it is kept apart from ``laws`` and never makes ``status``
    "yes" on its own.
    """

    status: str  # "yes", "no" or "unknown": whether a sanctuary law covers it
    laws: tuple[dict, ...]  # one dict per covering jurisdiction: id, name, law, citation, locator, quote
    designations: tuple[dict, ...] = ()  # one dict per designation: id, jurisdiction, name, designated_by, date, ...

    @property
    def covered(self) -> bool:
        """A sanctuary law covers the node."""
        return self.status == "yes"

    @property
    def designated(self) -> bool:
        """A place containing the node is designated a sanctuary jurisdiction."""
        return bool(self.designations)

    @property
    def protected(self) -> bool:
        """Under a sanctuary law or a designation: what the sanctuary sweep examines."""
        return self.covered or self.designated

    @property
    def law_text(self) -> str:
        return "; ".join(f"{law['law']} ({law['name']})" for law in self.laws)

    @property
    def designation_text(self) -> str:
        """``designated by DOJ (2025-08-05): San Francisco, California``: one clause per designating body and date."""
        return "; ".join(f"designated by {by} ({date}): {', '.join(names)}"
                         for (by, date), names in designation_clauses(self.designations).items())

    @property
    def text(self) -> str:
        """The laws, then the designations, as one line."""
        return "; ".join(t for t in (self.law_text, self.designation_text) if t)


def designation_clauses(designations) -> dict[tuple[str, str], list[str]]:
    """The places designated, by designating body and date: one clause each wherever designations are said."""
    clauses: dict[tuple[str, str], list[str]] = {}
    for d in designations:
        clauses.setdefault((d["designated_by"], d["date"]), []).append(d["name"])
    return clauses


#: The columns a node's row gains from its sanctuary status (see :func:`_status_columns`).
STATUS_COLUMNS: tuple[str, ...] = ("sanctuary", "sanctuary_law", "designation")


def _status_columns(status: Sanctuary) -> dict[str, str]:
    return {"sanctuary": status.status, "sanctuary_law": status.law_text, "designation": status.designation_text}


@dataclass(frozen=True)
class EdgeArrays:
    """The edges as parallel arrays indexed by edge position, nodes by integer."""

    sender: np.ndarray  # int32 node index the data leaves
    receiver: np.ndarray  # int32 node index the data reaches
    evidence_rank: np.ndarray  # int8, 0 = documented (strongest)
    start: np.ndarray  # int64 ordinal of the first day the date covers; -1 undated
    end: np.ndarray  # int64 ordinal of the last day; -1 undated
    data: tuple[frozenset, ...]
    excludes: tuple[frozenset, ...]
    restricting: np.ndarray  # indices of the edges that carry a policy restriction


class Derived:
    """Values derived from one model's data by the query layer, kept with the
    model that owns them: the hop of each edge, the compiled search graph of
    each query.  A kind may be bounded (``keep``): then the least recently used
    values go first.  Nothing here changes what the model says.
    """

    def __init__(self) -> None:
        self._kinds: dict[str, dict] = {}

    def get(self, kind: str, key, build, keep: int | None = None):
        """The value of ``kind`` for ``key``, built with ``build()`` the first time."""
        values = self._kinds.setdefault(kind, {})
        if key in values:
            value = values.pop(key) if keep is not None else values[key]
            if keep is not None:
                values[key] = value  # most recently used last
            return value
        value = values[key] = build()
        if keep is not None:
            while len(values) > keep:
                del values[next(iter(values))]
        return value

    def values(self, kind: str) -> dict:
        """The unbounded store of ``kind`` itself, for callers that look values up by the
        ten thousand (a diagram asks for each edge's hop several times)."""
        return self._kinds.setdefault(kind, {})

    def clear(self) -> None:
        self._kinds.clear()


class Model:
    """A loaded, validated dataset.

    Build one with :meth:`Model.load`.  Node and edge tables are pandas
    DataFrames of strings in file order, indexed by id, built on first use;
    ``nodes`` gains the derived columns ``sanctuary``, ``sanctuary_law`` and
    ``designation``.
    """

    def __init__(self, tables: Tables, digests: tuple[FileDigest, ...] | None = None):
        self.directories = tables.directories
        self._csv_digests = digests
        self.directory = tables.directory
        self.merged_ids = tables.merged_ids
        self.frames: dict[str, Frame] = tables.frames
        nodes, edges = self.frames["nodes"], self.frames["edges"]
        self.node_ids: list[str] = nodes["id"]
        self.node_index: dict[str, int] = {n: i for i, n in enumerate(self.node_ids)}
        self.edge_ids: list[str] = edges["id"]
        jurisdictions = self.frames["jurisdictions"].rows()
        self._jurisdiction_rows: dict[str, dict] = {row["id"]: row for row in jurisdictions}
        # The one state-level jurisdiction of each state code: both the coverage of a node
        # given only a state and the diagram's state box read it, so they name the same law.
        # Validation refuses a second state-level row for a code; first-in-file-order is
        # only the rule should unvalidated tables reach here.
        self._state_jurisdiction: dict[str, str] = {}
        for row in jurisdictions:
            if row["level"] == "state" and row["state"]:
                self._state_jurisdiction.setdefault(row["state"], row["id"])
        self._county_jurisdictions = {(row["state"], county_key(row["name"])): row["id"]
                                      for row in jurisdictions if row["level"] == "county" and row["state"]}
        self._designations_of: dict[str, list[dict]] = {}
        for row in self.frames["designations"].rows():
            self._designations_of.setdefault(row["jurisdiction"], []).append({
                "id": row["id"], "jurisdiction": row["jurisdiction"],
                "name": self._jurisdiction_rows[row["jurisdiction"]]["name"], "designated_by": row["designated_by"],
                "date": row["date"], "citation": row["citation"], "locator": row["locator"], "quote": row["quote"]})
        self._county_keys: dict[str, str] = {}  # county name as written -> county_key(name)
        # Nodes share far fewer places, and places far fewer chains: work each out once.
        by_place: dict[tuple[str, str, str], tuple[tuple[str, ...], Sanctuary]] = {}
        by_chain: dict[tuple[str, ...], Sanctuary] = {}
        chains, statuses = [], []
        for place in zip(nodes["jurisdiction"], nodes["state"], nodes["county"]):
            found = by_place.get(place)
            if found is None:
                chain = self._chain(*place)
                if chain not in by_chain:
                    by_chain[chain] = self._sanctuary_of(chain)
                found = by_place[place] = (chain, by_chain[chain])
            chains.append(found[0])
            statuses.append(found[1])
        # A sanctuary law binds a government's own bodies: a company, a federal unit or an account
        # is never covered by the law (nor marked by the designation) of the place it is in.
        unbound = Sanctuary("no", ())
        statuses = [unbound if kind in UNBOUND_KINDS and status.protected else status
                    for kind, status in zip(nodes["kind"], statuses)]
        self._chains = dict(zip(self.node_ids, chains))
        self._sanctuary = dict(zip(self.node_ids, statuses))
        self._node_rows: dict[str, dict] = {}  # filled by node_row, as rows are asked for
        self.derived = Derived()  # what the query layer derives from this data (hops, search graphs)

    @classmethod
    def load(cls, data: str | os.PathLike | Iterable[str | os.PathLike] | None = None, *,
             cache: bool = True) -> Model:
        """Load, merge and validate the layers in ``data`` (see :func:`resolve_data_dirs`).

        With ``cache`` (the default), a model compiled from the same files
        before is read from the user's cache directory instead (see
        :mod:`flowmap.cache`); any change to any file makes a new one.
        """
        directories = resolve_data_dirs(data)
        if cache:
            from . import cache as model_cache

            # The cache key hashes every file: the model keeps those hashes for its answers.
            digests = csv_digests(directories)
            return cls(model_cache.load_tables(directories, digests), digests)
        return cls(load_tables(directories))

    @property
    def csv_digests(self) -> tuple[FileDigest, ...]:
        """The SHA-256 of every CSV file of every layer (:func:`flowmap.load.csv_digests`)
        as they were when the model was loaded; hashed on first use when the load did not."""
        if self._csv_digests is None:
            self._csv_digests = csv_digests(self.directories)
        return self._csv_digests

    # -- tables -------------------------------------------------------------

    def _indexed(self, name: str) -> pd.DataFrame:
        return self.frames[name].to_pandas().set_index("id", drop=False)

    @cached_property
    def nodes(self) -> pd.DataFrame:
        """One row per node, indexed by id, with ``sanctuary``, ``sanctuary_law`` and ``designation``."""
        derived = [_status_columns(self._sanctuary[n]) for n in self.node_ids]
        return self._indexed("nodes").assign(**{c: [d[c] for d in derived] for c in STATUS_COLUMNS})

    @property
    def node_columns(self) -> list[str]:
        """The columns of a node's row (:meth:`node_row`, :attr:`nodes`): nodes.csv's, then the status."""
        return [*self.frames["nodes"].columns, *STATUS_COLUMNS]

    @cached_property
    def edges(self) -> pd.DataFrame:
        """One row per edge, indexed by id."""
        return self._indexed("edges")

    @cached_property
    def sources(self) -> pd.DataFrame:
        return self._indexed("sources")

    @cached_property
    def jurisdictions(self) -> pd.DataFrame:
        return self._indexed("jurisdictions")

    @cached_property
    def designations(self) -> pd.DataFrame:
        return self._indexed("designations")

    @cached_property
    def edge_index(self) -> dict[str, int]:
        return {e: i for i, e in enumerate(self.edge_ids)}

    def count(self, table: str) -> int:
        """The number of rows of a table (``"nodes"``, ``"edges"``…), without building its DataFrame."""
        return len(self.frames[table])

    # -- names ---------------------------------------------------------------

    def name(self, node_id: str) -> str:
        return self.frames["nodes"]["name"][self.node_index[node_id]]

    def ref(self, node_id: str) -> dict:
        """``{"id", "name"}``: how JSON output names a node."""
        return {"id": node_id, "name": self.name(node_id)}

    @cached_property
    def _id_keys(self) -> dict[str, list[str]]:
        keys: dict[str, list[str]] = {}
        for node_id in self.node_ids:
            keys.setdefault(node_id.casefold(), []).append(node_id)
        return keys

    @cached_property
    def _name_keys(self) -> dict[str, list[str]]:
        keys: dict[str, list[str]] = {}
        nodes = self.frames["nodes"]
        for node_id, name, aliases, ori in zip(self.node_ids, nodes["name"], nodes["aliases"], nodes["ori"]):
            labels = {node_id, name, *split_list(aliases)}
            if ori:
                labels.add(ori)
            for label in labels:
                ids = keys.setdefault(label.casefold(), [])
                if node_id not in ids:
                    ids.append(node_id)
        return keys

    def resolve(self, name: str) -> str:
        """The id of the node whose id, name or alias is ``name`` (any case).

        Raises :class:`~flowmap.errors.AmbiguousName` when several nodes share
        the name and :class:`~flowmap.errors.NameNotFound`, with close matches,
        when none has it.
        """
        key = name.strip().casefold()
        exact = self._id_keys.get(key, ())
        if len(exact) == 1:
            return exact[0]
        ids = self._name_keys.get(key, [])
        if len(ids) == 1:
            return ids[0]
        if ids:
            raise AmbiguousName(name, [(i, self.name(i)) for i in ids])
        place = self.find_jurisdiction(name)
        if place is not None:
            hint = self._jurisdiction_hint(place)
            raise NotAnEntity(name, hint[0].upper() + hint[1:])
        # A place named inside the name ("Oakland police") narrows the
        # suggestions to the entities there, and is worth saying when there are none.
        places = self.jurisdictions_named_in(name)
        found = self._suggester.suggest(name, within={n for p in places for n in self.nodes_in(p)}) if places else []
        if not found:
            # Layers often give an agency only its state: look in the places' states, then everywhere.
            states = {n for p in places for n in self.nodes_in(self._state_of_place(p))} if places else None
            found = self._suggester.suggest(name, within=states or None)
            if places:  # only those that name the place: "police" alone does not make a suggestion
                found = [n for n in found if any(self._jurisdiction_words[p] <= set(words(" ".join(
                    self._labels_of(n)))) for p in places)]
        suggestions = [f"{self.name(n)} ({n})" for n in found]
        note = "; ".join(self._jurisdiction_hint(p) for p in places)
        raise NameNotFound("entity", name, suggestions, hint="`flowmap nodes` lists them all", note=note)

    def jurisdictions_named_in(self, name: str) -> list[str]:
        """Jurisdictions below the national level whose whole name is among the
        words of ``name`` (``Oakland`` in ``Oakland police``), most specific first."""
        typed = set(words(name))
        found = [j for j, place in self._jurisdiction_words.items() if place and place <= typed]
        # The most specific only: "San Francisco police" names San Francisco, not California too.
        return [j for j in found if not any(j in self._chain(other, "")[1:] for other in found if other != j)]

    @cached_property
    def _jurisdiction_words(self) -> dict[str, frozenset[str]]:
        return {row["id"]: frozenset(words(row["name"].split(",")[0]))
                for row in self._jurisdiction_rows.values() if row["level"] != "country"}

    def _labels_of(self, node_id: str) -> list[str]:
        # From the frames, as the name index reads them: the nodes DataFrame is not built for a hint.
        nodes, position = self.frames["nodes"], self.node_index[node_id]
        return [node_id, nodes["name"][position], *split_list(nodes["aliases"][position])]

    @cached_property
    def _suggester(self) -> Suggester:
        nodes = self.frames["nodes"]
        rows = zip(self.node_ids, nodes["name"], nodes["aliases"])
        return Suggester((node_id, label) for node_id, name, aliases in rows
                         for label in (node_id, name, *split_list(aliases)))

    # -- jurisdictions as names ---------------------------------------------------

    def find_jurisdiction(self, name: str) -> str | None:
        """The id of the jurisdiction whose id or name is ``name`` (any case), or
        whose name starts with it before a comma (``Orange County`` for
        ``Orange County, California``), or whose state code it is (``CA``)."""
        key = " ".join(name.split()).casefold()
        found = self._jurisdiction_keys.get(key, [])
        return found[0] if len(found) == 1 else None

    @cached_property
    def _jurisdiction_keys(self) -> dict[str, list[str]]:
        keys: dict[str, list[str]] = {}
        for row in self._jurisdiction_rows.values():
            labels = {row["id"], row["name"], row["name"].split(",")[0]}
            if row["level"] == "state" and row["state"]:
                labels.add(row["state"])
            for label in labels:
                ids = keys.setdefault(" ".join(label.split()).casefold(), [])
                if row["id"] not in ids:
                    ids.append(row["id"])
        return keys

    def resolve_jurisdiction(self, name: str) -> str:
        """The id of the jurisdiction ``name`` names (id, name, name before a comma,
        or a state's code); :class:`~flowmap.errors.NameNotFound` with close matches otherwise."""
        found = self.find_jurisdiction(name)
        if found is not None:
            return found
        key = " ".join(name.split()).casefold()
        close = difflib.get_close_matches(key, list(self._jurisdiction_keys), n=5, cutoff=0.6)
        suggestions = list(dict.fromkeys(f"{self._jurisdiction_rows[j]['name']} ({j})"
                                         for k in close for j in self._jurisdiction_keys[k]))
        raise NameNotFound("jurisdiction", name, suggestions, hint="jurisdictions are in jurisdictions.csv")

    def jurisdiction_ref(self, jurisdiction: str) -> dict:
        """``{"id", "name"}`` of a jurisdiction, as JSON names it."""
        return {"id": jurisdiction, "name": self._jurisdiction_rows[jurisdiction]["name"]}

    def nodes_in(self, jurisdiction: str) -> list[str]:
        """Node ids covered by ``jurisdiction`` (in it or in a place inside it), in file order."""
        return [n for n in self.node_ids if jurisdiction in self.jurisdiction_chain(n)]

    def describe_jurisdiction(self, place: str) -> str:
        """``Oakland (a city in CA, under a sanctuary law)``."""
        row = self._jurisdiction_rows[place]
        where = f"a {row['level']}" + (f" in {row['state']}" if row["state"] and row["level"] != "state" else "")
        status = ", under a sanctuary law" if row["sanctuary"] == "yes" else f"; sanctuary status {row['sanctuary']}"
        return f"{row['name']} ({where}{status})"

    def _state_of_place(self, place: str) -> str:
        """The state-level jurisdiction containing ``place`` (or ``place`` itself)."""
        for j in self._chain(place, ""):
            if self._jurisdiction_rows[j]["level"] == "state":
                return j
        return place

    def _jurisdiction_hint(self, place: str, shown: int = 10) -> str:
        inside = self.nodes_in(place)
        if not inside:
            # An imported agency may carry only its state: name those whose names mention the place.
            words_of_place = self._jurisdiction_words.get(place, frozenset())
            state = set(self.nodes_in(self._state_of_place(place)))
            named = [n for n in self._suggester.suggest(self._jurisdiction_rows[place]["name"], limit=shown,
                                                        within=state or None)
                     if words_of_place <= set(words(" ".join(self._labels_of(n))))]
            if named:
                listed = ", ".join(f"{self.name(n)} ({n})" for n in named)
                return (f"no entity in the data is placed in {self.describe_jurisdiction(place)}; "
                        f"entities whose names mention it: {listed}")
            return f"{self.describe_jurisdiction(place)} has no entity in the data yet"
        listed = ", ".join(f"{self.name(n)} ({n})" for n in inside[:shown])
        more = f" and {len(inside) - shown} more (`flowmap nodes --in {place}`)" if len(inside) > shown else ""
        return f"the entities in {self.describe_jurisdiction(place)} are {listed}{more}"

    def resolve_edge(self, edge_id: str) -> str:
        if edge_id in self.edge_index:
            return edge_id
        close = difflib.get_close_matches(edge_id, self.edge_ids, n=5, cutoff=0.6)
        raise NameNotFound("edge", edge_id, close, hint="edge ids are in the 'id' column of edges.csv")

    # -- hierarchy -------------------------------------------------------------

    def members(self, node_id: str) -> set[str]:
        """``node_id`` and every node that is (transitively) part of it."""
        found = {node_id}
        frontier = [node_id]
        children = self._children
        while frontier:
            frontier = [c for n in frontier for c in children.get(n, ()) if c not in found]
            found.update(frontier)
        return found

    @cached_property
    def _children(self) -> dict[str, list[str]]:
        children: dict[str, list[str]] = {}
        for node_id, parent in zip(self.node_ids, self.frames["nodes"]["part_of"]):
            if parent:
                children.setdefault(parent, []).append(node_id)
        return children

    def jurisdiction_chain(self, node_id: str) -> tuple[str, ...]:
        """The jurisdictions covering a node, most specific first.

        The node's own jurisdiction and its ``part_of`` ancestors; then the
        county jurisdictions of the same state named in its ``county`` column,
        with theirs; then the state-level jurisdiction named by its ``state``
        column, with everything containing the state.  So an agency added with
        state ``CA`` and no jurisdiction is covered by California's law, and by
        any region a source says contains California.
        """
        return self._chains[node_id]

    def jurisdiction_ancestors(self, jurisdiction: str) -> tuple[str, ...]:
        """The jurisdictions containing ``jurisdiction``, nearest first: its ``part_of``
        chain, then its state's jurisdiction and what contains that (as for a node)."""
        chain = self._chain(jurisdiction, self._jurisdiction_rows[jurisdiction]["state"])
        return tuple(j for j in chain if j != jurisdiction)

    @cached_property
    def edge_subjects(self) -> dict[int, tuple[str, ...]]:
        """By edge position, the jurisdictions whose residents an edge's data is about, for the
        edges whose source says so (most say nothing: an empty cell is "not said")."""
        return {e: split_list(cell) for e, cell in enumerate(self.frames["edges"]["subjects"]) if cell}

    def _chain(self, jurisdiction: str, state: str, county: str = "") -> tuple[str, ...]:
        chain: list[str] = []

        def climb(current: str) -> None:
            while current and current not in chain:
                chain.append(current)
                current = self._jurisdiction_rows[current]["part_of"]

        climb(jurisdiction)
        for name in split_list(county):
            key = self._county_keys.get(name)
            if key is None:
                key = self._county_keys[name] = county_key(name)
            climb(self._county_jurisdictions.get((state, key), ""))
        climb(self._state_jurisdiction.get(state, ""))
        return tuple(chain)

    def _sanctuary_of(self, chain: tuple[str, ...]) -> Sanctuary:
        rows = self._jurisdiction_rows
        laws = tuple(
            {key: rows[j][key] for key in ("id", "name", "law", "citation", "locator", "quote")}
            for j in chain if rows[j]["sanctuary"] == "yes"
        )
        designations = tuple(d for j in chain for d in self._designations_of.get(j, ()))
        if laws:
            return Sanctuary("yes", laws, designations)
        statuses = {rows[j]["sanctuary"] for j in chain}
        return Sanctuary("no" if statuses and statuses <= {"no"} else "unknown", (), designations)

    def sanctuary(self, node_id: str) -> Sanctuary:
        return self._sanctuary[node_id]

    # -- graph views -------------------------------------------------------------

    @cached_property
    def arrays(self) -> EdgeArrays:
        edges = self.frames["edges"]
        index = self.node_index
        rank = {level: i for i, level in enumerate(schema.EVIDENCE_LEVELS)}
        # Each distinct cell parsed once: dates, data lists and policies repeat.
        date = edges["date"]
        periods = {d: dates.period(d) for d in edges.columns["date"].distinct() if d}
        first = {d: p[0].toordinal() for d, p in periods.items()} | {"": -1}
        last = {d: p[1].toordinal() for d, p in periods.items()} | {"": -1}
        start = list(map(first.__getitem__, date))
        end = list(map(last.__getitem__, date))

        def sets(column: str) -> tuple[frozenset, ...]:
            parsed = {v: frozenset(split_list(v)) for v in edges.columns[column].distinct()}
            return tuple(map(parsed.__getitem__, edges[column]))

        excludes = edges["excludes"]
        count = len(edges)
        return EdgeArrays(
            sender=np.fromiter(map(index.__getitem__, edges["from"]), dtype=np.int32, count=count),
            receiver=np.fromiter(map(index.__getitem__, edges["to"]), dtype=np.int32, count=count),
            evidence_rank=np.fromiter(map(rank.__getitem__, edges["evidence"]), dtype=np.int8, count=count),
            start=np.array(start, dtype=np.int64),
            end=np.array(end, dtype=np.int64),
            data=sets("data"),
            excludes=sets("excludes"),
            restricting=np.array([i for i, v in enumerate(excludes) if v], dtype=np.int64),
        )

    @cached_property
    def graph(self) -> nx.MultiDiGraph:
        """Nodes keyed by id with every column as an attribute; edges keyed by edge id."""
        import networkx as nx

        graph = nx.MultiDiGraph()
        graph.add_nodes_from((node_id, self.node_row(node_id)) for node_id in self.node_ids)
        graph.add_edges_from((row["from"], row["to"], row["id"], row) for row in self.frames["edges"].rows())
        return graph

    @cached_property
    def source_rows(self) -> dict[str, dict]:
        """Every sources row by id, as dicts (views look citations up here)."""
        return {row["id"]: row for row in self.frames["sources"].rows()}

    @cached_property
    def node_kinds(self) -> dict[str, str]:
        """Each node id's kind (agency, fusion_center, ..., group)."""
        return dict(zip(self.node_ids, self.frames["nodes"]["kind"]))

    def node_row(self, node_id: str) -> dict[str, str]:
        """The nodes row for a node id (with ``sanctuary``, ``sanctuary_law`` and ``designation``), as a
        dict: views call this per node, where a DataFrame lookup costs a hundred times more."""
        row = self._node_rows.get(node_id)
        if row is None:
            status = self._sanctuary[node_id]
            row = self._node_rows[node_id] = {**self.frames["nodes"].row(self.node_index[node_id]),
                                              **_status_columns(status)}
        return row

    def source_row(self, source_id: str) -> dict[str, str]:
        """The sources row for a source id, as a dict."""
        return self.source_rows[source_id]

    def state_jurisdiction(self, state: str) -> str | None:
        """The id of the state-level jurisdiction for a two-letter state code, if any: the
        one that covers the nodes given only that state (see :meth:`jurisdiction_chain`)."""
        return self._state_jurisdiction.get(state)

    def jurisdiction_row(self, jurisdiction_id: str) -> dict[str, str]:
        """The jurisdictions row for a jurisdiction id, as a dict."""
        return self._jurisdiction_rows[jurisdiction_id]

    def edge_row(self, edge_id: str) -> dict[str, str]:
        """The edges row for an edge id, as a dict: microseconds, where
        ``edges.loc[edge_id]`` costs about a hundred."""
        return self._edge_row_at(self.edge_index[edge_id])

    @cached_property
    def _edge_row_at(self):
        return self.frames["edges"].row_getter()


_COUNTY_WORDS = re.compile(r"\b(county|parish|borough|city and county of|city and|of)\b")


def county_key(name: str) -> str:
    """A county's name reduced for matching: ``Santa Clara County`` and ``SANTA CLARA`` agree.

    >>> county_key("Santa Clara County"), county_key("SANTA CLARA"), county_key("City and County of San Francisco")
    ('santa clara', 'santa clara', 'san francisco')
    """
    words = _COUNTY_WORDS.sub(" ", name.casefold().replace(".", "").replace(",", " "))
    return " ".join(words.split())
