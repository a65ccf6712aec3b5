"""The Python API for notebooks and scripts; the CLI calls the same functions.

>>> import flowmap
>>> fm = flowmap.load()
>>> fm.reach("San Francisco Police Department").reachable
True
"""

from __future__ import annotations

import dataclasses
import os

import networkx as nx
import pandas as pd

from . import cuts, routes, sanctuary
from .errors import QueryError
from .model import Model
from .routes import DEFAULT_LIMIT, Filters

FILTER_NAMES = tuple(f.name for f in dataclasses.fields(Filters))


def make_filters(**options) -> Filters:
    """Build :class:`~flowmap.routes.Filters` from keyword options.

    Single strings are accepted where a list is expected (``data="social_media"``).

    >>> filters = make_filters(data="social_media", max_hops=3)
    >>> filters.data, filters.max_hops, filters.min_evidence
    (('social_media',), 3, None)
    """
    unknown = sorted(set(options) - set(FILTER_NAMES))
    if unknown:
        raise QueryError(f"unknown filter {unknown[0]!r}; filters are: {', '.join(FILTER_NAMES)}")
    for name in ("data", "via", "avoid", "without"):
        value = options.get(name)
        if isinstance(value, str):
            options[name] = (value,)
        elif value is not None:
            options[name] = tuple(value)
    return Filters(**{k: v for k, v in options.items() if v is not None})


class FlowMap:
    """A loaded dataset with the questions an analyst asks of it.

    Attributes
    ----------
    model : Model
        The validated tables and graph.
    """

    def __init__(self, model: Model):
        self.model = model

    @property
    def graph(self) -> nx.MultiDiGraph:
        """Nodes keyed by id, edges keyed by edge id, every column an attribute."""
        return self.model.graph

    @property
    def nodes(self) -> pd.DataFrame:
        """One row per node, with derived ``sanctuary`` and ``sanctuary_law``."""
        return self.model.nodes

    @property
    def edges(self) -> pd.DataFrame:
        return self.model.edges

    @property
    def sources(self) -> pd.DataFrame:
        return self.model.sources

    @property
    def jurisdictions(self) -> pd.DataFrame:
        return self.model.jurisdictions

    def reach(self, source: str, to: str = "ice", *, limit: int | None = DEFAULT_LIMIT,
              **filters) -> routes.ReachResult:
        """Every route by which data moves from ``source`` to ``to``.

        Parameters
        ----------
        source, to : str
            An id, name or alias (any case).  Reaching a unit of ``to``
            (ICE's Data Analysis System is part of ICE) counts as reaching it.
        limit : int or None
            List at most this many open (and this many blocked) routes.
        **filters
            ``data``, ``min_evidence``, ``since``, ``until``, ``dated_only``,
            ``max_hops`` (default 6), ``via``, ``avoid``, ``without``.

        Examples
        --------
        >>> fm = load()
        >>> result = fm.reach("SFPD", max_hops=2)
        >>> [n["name"] for n in result.to_dict()["routes"][0]["nodes"]][:2]
        ['San Francisco Police Department', 'Northern California Regional Intelligence Center']
        >>> frame = result.to_frame()
        >>> list(frame.columns[:5])
        ['status', 'route', 'hop', 'edge', 'from']
        """
        return routes.reach(self.model, source, to, make_filters(**filters), limit)

    def count(self, source: str, to: str = "ice", **filters) -> routes.Counts:
        """How many open and blocked routes exist, without listing them.

        >>> load().count("SFPD", max_hops=2).open >= 1
        True
        """
        return routes.RouteSearch(self.model, source, to, make_filters(**filters)).count()

    def sanctuary(self, to: str = "ice", *, limit: int | None = DEFAULT_LIMIT, **filters) -> sanctuary.SweepResult:
        """Every node under a sanctuary law that can reach ``to``.

        >>> sweep = load().sanctuary()
        >>> "sfpd" in set(sweep.to_frame()["id"])
        True
        """
        return sanctuary.sweep(self.model, to, make_filters(**filters), limit)

    def firewall(self, source: str, to: str = "ice", **filters) -> cuts.Firewall:
        """The fewest channels (and intermediaries) whose removal closes every
        open route, verified by searching again.

        >>> load().firewall("SFPD").verified
        True
        """
        return cuts.firewall(self.model, source, to, make_filters(**filters))

    def render(self, source: str | None = None, to: str = "ice", *, context: bool = False, firewall: bool = False,
               limit: int | None = DEFAULT_LIMIT, layout: str = "auto", **filters):
        """A diagram of the whole map, or of the routes from ``source`` to ``to``.

        Parameters
        ----------
        source : str or None
            An id, name or alias.  Without it, the whole map; with it, only the
            nodes and edges on routes (open and blocked by policy) to ``to``.
        to : str
            Where routes end; it and its units are drawn in one box.
        context : bool
            With ``source``: draw the rest of the map too, greyed.
        firewall : bool
            With ``source``: mark the channels whose cutting closes every open route.
        limit : int or None
            Draw the edges of at most this many open (and blocked) routes.
        layout : {"auto", "wide", "tall"}
            ``wide``: data flows left to right (slides); ``tall``: top to
            bottom (pages); ``auto``: whichever keeps the picture narrower.
        **filters
            As for :meth:`reach`; ``max_hops`` and ``via`` apply only with ``source``.

        Returns
        -------
        flowmap.views.render.Diagram
            ``.dot`` is the Graphviz DOT text, ``.render("png")`` the image
            bytes and ``.save("map.svg")`` writes a file (format from the
            suffix).  In Jupyter a diagram displays itself as SVG.

        Raises
        ------
        RenderError
            When an image cannot be drawn (no pygraphviz) or written.

        Examples
        --------
        >>> fm = load()
        >>> diagram = fm.render("SFPD", max_hops=2)
        >>> "sfpd" in diagram.nodes
        True
        >>> diagram.dot.startswith("digraph flowmap {")
        True
        >>> diagram.render("svg").startswith(b"<?xml")
        True
        """
        from .views import render

        return render.diagram(self.model, source, to, make_filters(**filters), context=context, firewall=firewall,
                              limit=limit, layout=layout)

    def __repr__(self) -> str:
        return f"<FlowMap {self.model.directory}: {len(self.nodes)} nodes, {len(self.edges)} edges>"


def load(data: str | os.PathLike | None = None) -> FlowMap:
    """Load and validate a dataset directory (default: ``$FLOWMAP_DATA``, else
    the dataset shipped with flowmap).

    Raises :class:`~flowmap.errors.DataError` listing every problem.

    >>> fm = load()
    >>> set(fm.nodes["kind"]) >= {"agency", "fusion_center", "federal_agency"}
    True
    """
    return FlowMap(Model.load(data))
