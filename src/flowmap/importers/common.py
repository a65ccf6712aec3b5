"""What every agency importer shares: the agencies to resolve against, and the rows a layer carries.

:func:`load_agencies` gathers the curated maps (a :class:`~flowmap.model.Model`
of the ``--data`` layers) and the FBI registry (``--registry DIR|FILE``) into
one :class:`Agencies`, whose :attr:`~Agencies.resolver` resolves names
(:mod:`flowmap.importers.resolve`). A layer built against it carries the rows
it uses (:meth:`Agencies.carry`), so it loads on its own: the registry row of
each agency it names (with the registry's sources row), a minimal row for each
curated node (id, name, kind, state, ori: equal to the curated row wherever
both are filled, so the two merge), and the jurisdiction rows (with their
sources) that place an agency in its city.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError, Problem
from .layer import Layer, columns
from .resolve import Candidate, Match, Resolver, candidates_from_rows, normalise, read_links

Progress = Callable[[int], None]


def slug(text: str) -> str:
    """Lower-case words joined by hyphens, for ids: ``Melbourne Police Department`` → melbourne-police-department."""
    return re.sub(r"[^a-z0-9]+", "-", normalise(text)).strip("-") or "unnamed"


def local_id(name: str, state: str | None) -> str:
    """The layer-local id of an agency no map knows: ``<state>-<normalised name>``.

    The same spelling in the same state gets the same id in every layer (the
    May and July 287(g) lists, the Flock list), so unresolved agencies still
    meet across layers. The ``ice`` and ``registry`` streams share this rule.

    >>> local_id("Melbourne PD", "FL")
    'fl-melbourne-police-department'
    """
    return f"{state.lower()}-{slug(name)}" if state else slug(name)


@dataclass
class Agencies:
    """The agencies an importer resolves names against, and the rows behind them.

    Attributes
    ----------
    resolver
        Resolves names to agencies (curated nodes win over registry rows with their ORI).
    registry
        Registry node rows by ORI (as :func:`flowmap.importers.agencies.read_registry` gives them).
    registry_sources
        The registry's sources rows by id.
    model
        The curated maps, or None.
    """

    resolver: Resolver
    registry: dict[str, dict] = field(default_factory=dict)
    registry_sources: dict[str, dict] = field(default_factory=dict)
    model: object | None = None

    def carry(self, node_id: str, extra: dict | None = None) -> tuple[dict, list[dict], list[dict]]:
        """The rows a layer needs to use ``node_id`` on its own: (node row, sources rows, jurisdictions rows).

        ``extra`` fills empty cells of the node row (``{"jurisdiction": "us-ca-oakland"}``);
        it never overwrites a filled one. Jurisdiction rows (and the sources
        they cite) are copied for the node's jurisdiction and every one that
        contains it.
        """
        row: dict = {}
        sources: list[dict] = []
        model = self.model
        curated = model is not None and node_id in getattr(model, "node_index", {})
        ori = ""
        if curated:
            record = model.nodes.loc[node_id]
            ori = str(record.get("ori", "") or "")
            row = {"id": node_id, "name": record["name"], "kind": record["kind"], "state": record["state"],
                   "ori": ori}
        if not curated or ori in self.registry:
            registry_row = self.registry.get(ori or node_id)
            if registry_row is not None:
                keep = set(columns("nodes"))
                filled = {k: v for k, v in registry_row.items() if k in keep and v not in ("", None)}
                if curated:
                    # The curated row is the node; registry fields only fill what it leaves empty,
                    # and its citation is the curated one (left empty here: the curated layer has it).
                    filled.pop("citation", None)
                    filled.pop("aliases", None)
                    filled = {k: v for k, v in filled.items() if not row.get(k)}
                    filled["id"] = node_id
                    filled["name"] = row["name"]
                row = {**filled, **row} if curated else filled
                citation = registry_row.get("citation", "")
                if citation in self.registry_sources and not curated:
                    sources.append(self.registry_sources[citation])
        if not row:
            raise KeyError(node_id)
        for key, value in (extra or {}).items():
            if value and not row.get(key):
                row[key] = value
        jurisdictions: list[dict] = []
        if row.get("jurisdiction") and model is not None:
            jurisdictions, cited = self.jurisdiction_rows(row["jurisdiction"])
            sources += cited
        return row, sources, jurisdictions

    def jurisdiction_rows(self, jurisdiction: str) -> tuple[list[dict], list[dict]]:
        """Copies of a curated jurisdiction and those containing it, and the sources rows they cite."""
        model = self.model
        keep_j, keep_s = set(columns("jurisdictions")), set(columns("sources"))
        rows, sources, seen = [], [], set()
        current = jurisdiction
        while current and current not in seen and current in model.jurisdictions.index:
            seen.add(current)
            record = model.jurisdictions.loc[current].to_dict()
            rows.append({k: v for k, v in record.items() if k in keep_j})
            citation = record.get("citation", "")
            if citation and citation in model.sources.index:
                source = model.sources.loc[citation].to_dict()
                sources.append({k: v for k, v in source.items() if k in keep_s})
            current = record.get("part_of", "")
        return rows, sources

    def city_jurisdiction(self, match: Match) -> tuple[str, str]:
        """The curated city jurisdiction an agency is the agency of, and why: ("", reason) when none.

        Only a city's own police department counts (FBI agency type ``City``,
        name ``<city> Police Department`` and the jurisdiction's name ``<city>``
        in the same state): Oakland Police Department is under ``us-ca-oakland``;
        the Oakland Unified School District police, a sheriff, or Oakland in
        another state are not.
        """
        model = self.model
        if model is None or not match.ori or match.ori not in self.registry:
            return "", ""
        record = self.registry[match.ori]
        if record.get("agency_type") not in ("City", "Municipality", "City and Borough", ""):
            return "", ""
        place = re.sub(r"\s+Police Department$", "", record.get("name", ""))
        if place == record.get("name"):
            return "", ""
        frame = model.jurisdictions
        hits = frame[(frame["level"] == "city") & (frame["state"] == record.get("state", ""))
                     & (frame["name"].str.casefold() == place.casefold())]
        if len(hits) != 1:
            return "", ""
        jurisdiction = hits.index[0]
        return jurisdiction, f"city police of {place} ({record.get('state')}): jurisdiction {jurisdiction}"


class Carried:
    """The rows a layer carries so it loads on its own, each table deduplicated by id.

    Used by the 287(g) and contracts importers around :meth:`Agencies.carry`.
    """

    def __init__(self, agencies: Agencies):
        self.agencies = agencies
        self.nodes: dict[str, dict] = {}
        self.sources: dict[str, dict] = {}
        self.jurisdictions: dict[str, dict] = {}

    def carry(self, node_id: str, extra: dict | None = None) -> None:
        """Carry a node the maps already have (curated or registry), with its sources and places."""
        if node_id in self.nodes:
            return
        try:
            row, sources, jurisdictions = self.agencies.carry(node_id, extra)
        except KeyError:
            raise InputError([Problem("--data", None, None, node_id,
                                      "is not a node of the loaded maps: load the curated data "
                                      "(--data default) before importing")]) from None
        self.nodes[node_id] = row
        for source in sources:
            self.sources.setdefault(source["id"], source)
        for jurisdiction in jurisdictions:
            self.jurisdictions.setdefault(jurisdiction["id"], jurisdiction)

    def add(self, row: dict) -> None:
        """Add a layer-local node (a later spelling of the same agency becomes an alias)."""
        current = self.nodes.get(row["id"])
        self.nodes[row["id"]] = row if current is None else also_known_as(current, row["name"])

    def into(self, layer: Layer) -> None:
        own = {s["id"] for s in layer.sources}
        layer.nodes.extend(self.nodes.values())
        layer.sources.extend(s for i, s in self.sources.items() if i not in own)
        layer.jurisdictions.extend(self.jurisdictions.values())


def also_known_as(row: dict, name: str) -> dict:
    """Keep another spelling of the same layer-local agency as an alias."""
    if name == row["name"]:
        return row
    aliases = [a for a in (row.get("aliases") or "").split(";") if a]
    if name not in aliases:
        aliases.append(name)
    return {**row, "aliases": ";".join(aliases)}


def load_agencies(model=None, registry: str | os.PathLike | None = None, links: str | os.PathLike | None = None,
                  progress: Progress | None = None) -> Agencies:
    """The agencies to resolve against: curated ``model`` nodes, ``registry`` rows and ``links``.

    Parameters
    ----------
    model
        A :class:`~flowmap.model.Model` of the ``--data`` layers (curated data, and
        possibly a registry layer already), or None.
    registry
        ``--registry``: a registry layer directory or an FBI list file (CSV or JSON).
    links
        ``--links``: a CSV of input name, state, node id (see :func:`~flowmap.importers.resolve.read_links`).
    """
    from .agencies import read_registry

    candidates: list[Candidate] = []
    registry_rows: dict[str, dict] = {}
    registry_sources: dict[str, dict] = {}
    keep, keep_sources = set(columns("nodes")), set(columns("sources"))
    if model is not None:
        rows = model.nodes.to_dict("records")
        # Nodes of a registry layer loaded with --data are registry rows, not curated ones.
        curated_rows = [r for r in rows if not (r.get("ori") and r["id"] == r.get("ori"))]
        registry_in_model = [r for r in rows if r.get("ori") and r["id"] == r.get("ori")]
        candidates += candidates_from_rows(curated_rows, curated=True)
        candidates += candidates_from_rows(registry_in_model, curated=False)
        for r in registry_in_model:
            registry_rows[r["ori"]] = {k: v for k, v in r.items() if k in keep}
            citation = r.get("citation", "")
            if citation not in registry_sources and citation in model.sources.index:
                source = model.sources.loc[citation].to_dict()
                registry_sources[citation] = {k: v for k, v in source.items() if k in keep_sources}
    if registry is not None:
        rows, sources = read_registry(Path(registry), progress)
        for r in rows:
            registry_rows.setdefault(r["ori"], {k: v for k, v in r.items() if k in keep})
        for s in sources:
            registry_sources.setdefault(s["id"], {k: v for k, v in s.items() if k in keep_sources})
        candidates += candidates_from_rows(rows, curated=False)
    resolver = Resolver(candidates, links=read_links(links) if links else None,
                        links_file=str(links) if links else "--links")
    return Agencies(resolver, registry_rows, registry_sources, model)
