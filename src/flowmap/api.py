"""The Python API for notebooks and scripts; the CLI calls the same functions.

>>> import flowmap
>>> fm = flowmap.load()
>>> fm.reach("San Francisco Police Department").reachable
True
"""

from __future__ import annotations

import dataclasses
import os
from typing import TYPE_CHECKING

from . import routes, sanctuary
from .errors import QueryError
from .model import Model
from .routes import DEFAULT_LIMIT, Filters

if TYPE_CHECKING:  # imported when used: `flowmap reach` needs neither
    import networkx as nx
    import pandas as pd

    from . import cuts

FILTER_NAMES = tuple(f.name for f in dataclasses.fields(Filters))


def make_filters(**options) -> Filters:
    """Build :class:`~flowmap.routes.Filters` from keyword options.

    The keyword options of :meth:`FlowMap.reach`, :meth:`FlowMap.sanctuary`
    and the other questions pass through here.

    Parameters
    ----------
    **options
        Any field of :class:`~flowmap.routes.Filters`: ``data``,
        ``min_evidence``, ``since``, ``until``, ``dated_only``, ``max_hops``,
        ``via``, ``avoid``, ``without``.  A single string is accepted where a
        list is expected (``carrying="social_media"``); ``None`` keeps the default.

    Returns
    -------
    Filters
        The options with lists made tuples.  Values are checked when a search
        uses them (:meth:`Filters.check`), not here.

    Raises
    ------
    QueryError
        For an option that is not a filter.

    Examples
    --------
    >>> filters = make_filters(carrying="social_media", max_hops=3)
    >>> filters.carrying, filters.max_hops, filters.min_evidence
    (('social_media',), 3, None)
    >>> make_filters(avoid=["NCRIC", "OCIAC"]).avoid
    ('NCRIC', 'OCIAC')
    >>> make_filters(hops=3)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    flowmap.errors.QueryError: unknown filter 'hops'; filters are: carrying, min_evidence, since, ...
    """
    unknown = sorted(set(options) - set(FILTER_NAMES))
    if unknown:
        raise QueryError(f"unknown filter {unknown[0]!r}; filters are: {', '.join(FILTER_NAMES)}")
    for name in ("carrying", "via", "avoid", "without"):
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
            ``max_hops`` (default 6), ``via``, ``avoid``, ``without``; see
            :class:`~flowmap.routes.Filters`.

        Returns
        -------
        ReachResult
            ``reachable`` (an open route exists within ``max_hops``),
            ``routes`` (open :class:`~flowmap.routes.Route` objects, shortest
            first), ``blocked`` (routes a policy restriction closes to data
            from the source's jurisdiction), ``to_frame()`` and ``to_dict()``.

        Raises
        ------
        NameNotFound
            When no node has the name (close matches are suggested).
        AmbiguousName
            When several nodes share it.
        QueryError
            For a bad filter value, or a source that is part of ``to``.

        Examples
        --------
        >>> fm = load()
        >>> result = fm.reach("SFPD", max_hops=2)
        >>> result.reachable
        True
        >>> [n["name"] for n in result.to_dict()["routes"][0]["nodes"]][:2]
        ['San Francisco Police Department', 'Northern California Regional Intelligence Center']
        >>> frame = result.to_frame()
        >>> list(frame.columns[:5])
        ['status', 'route', 'hop', 'edge', 'from']

        What-ifs: without the fusion center, or on documented hops only, no
        route from SFPD is left.

        >>> fm.reach("SFPD", avoid="NCRIC").reachable
        False
        >>> fm.reach("SFPD", min_evidence="documented").reachable
        False

        ICE's Motorola contract excludes California, so this route is blocked:

        >>> motorola = fm.reach("ca-jurisdictions-in-motorola-lpr-network")
        >>> motorola.reachable, len(motorola.blocked)
        (False, 1)
        >>> motorola.blocked[0].blocked_by[0].edge
        'motorola-lpr-to-ice-contract'
        >>> fm.reach("SFDP")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        flowmap.errors.NameNotFound: no entity called 'SFDP'; did you mean: San Francisco Police Department (sfpd)? ...
        """
        return routes.reach(self.model, source, to, make_filters(**filters), limit)

    def count(self, source: str, to: str = "ice", **filters) -> routes.Counts:
        """How many open and blocked routes exist, without listing them.

        Unlike :meth:`reach` there is no ``limit``: every route within
        ``max_hops`` is counted.

        Parameters
        ----------
        source, to : str
            As for :meth:`reach`.
        **filters
            As for :meth:`reach`.

        Returns
        -------
        Counts
            ``open`` and ``blocked`` route counts.

        Raises
        ------
        NameNotFound, AmbiguousName, QueryError
            As for :meth:`reach`.

        Examples
        --------
        >>> fm = load()
        >>> fm.count("SFPD", max_hops=2).open >= 1
        True
        >>> counts = fm.count("ca-jurisdictions-in-motorola-lpr-network")
        >>> counts.open, counts.blocked
        (0, 1)
        """
        return routes.RouteSearch(self.model, source, to, make_filters(**filters)).count()

    def sanctuary(self, to: str = "ice", *, limit: int | None = DEFAULT_LIMIT, **filters) -> sanctuary.SweepResult:
        """Every node under a sanctuary law that can reach ``to``.

        Parameters
        ----------
        to : str
            An id, name or alias; reaching one of its units counts.
        limit : int or None
            Count each node's open routes up to this many.
        **filters
            As for :meth:`reach`, except ``via``.

        Returns
        -------
        SweepResult
            ``reaches`` holds, for each node that can reach ``to`` by an open
            route within ``max_hops``, its law, route count, shortest route and
            gateways (``exit``: the last node still under its sanctuary law;
            ``last``: the node that hands the data to ``to``), shortest routes
            first.  ``covered`` is the number of sanctuary nodes examined;
            ``to_frame()`` gives one row per node.

        Raises
        ------
        QueryError
            For a bad filter value, or ``via``.

        Examples
        --------
        >>> sweep = load().sanctuary()
        >>> "sfpd" in set(sweep.to_frame()["id"])
        True
        >>> sf = next(r for r in sweep.reaches if r.node == "sfpd")
        >>> len(sf.shortest), sf.exit, sf.last
        (2, 'ncric', 'ncric')
        >>> len(sweep.reaches) < sweep.covered  # the Motorola group's only route is blocked
        True
        """
        return sanctuary.sweep(self.model, to, make_filters(**filters), limit)

    def firewall(self, source: str, to: str = "ice", **filters) -> cuts.Firewall:
        """The fewest channels (and intermediaries) whose removal closes every
        open route, verified by searching again.

        Routes of every length count, so ``max_hops`` does not apply; routes
        already blocked by policy need no cut.  Of several equally small edge
        cuts, the one nearest the source is chosen.

        Parameters
        ----------
        source, to : str
            As for :meth:`reach`.
        **filters
            As for :meth:`reach`, except ``via`` and ``max_hops``.

        Returns
        -------
        Firewall
            ``edges``: edge ids to cut; ``nodes``: intermediary node ids to
            remove, or None when ``source`` hands data to ``to`` directly;
            ``verified``: a search without the cut finds no open route;
            ``to_dict()`` explains each cut in words with its citation.

        Raises
        ------
        NameNotFound, AmbiguousName, QueryError
            As for :meth:`reach`; QueryError also for ``via``.

        Examples
        --------
        >>> fm = load()
        >>> wall = fm.firewall("SFPD")
        >>> wall.edges, wall.nodes, wall.verified
        (['sfpd-to-ncric-shared-data'], ['ncric'], True)
        >>> wall.to_dict()["nodes"][0]["meaning"]
        'withdraw from Northern California Regional Intelligence Center'

        OCIAC hands data to ICE directly, so only its two channels can be cut:

        >>> oc = fm.firewall("OCIAC")
        >>> len(oc.edges), oc.nodes
        (2, None)
        """
        from . import cuts

        return cuts.firewall(self.model, source, to, make_filters(**filters))

    def render(self, source: str | None = None, to: str = "ice", *, context: bool = False, firewall: bool = False,
               limit: int | None = DEFAULT_LIMIT, layout: str = "auto", collapse: bool = True, **filters):
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
                              limit=limit, layout=layout, collapse=collapse)

    def __repr__(self) -> str:
        return f"<FlowMap {self.model.directory}: {len(self.nodes)} nodes, {len(self.edges)} edges>"


def load(data: str | os.PathLike | None = None) -> FlowMap:
    """Load and validate a dataset directory.

    Parameters
    ----------
    data : str, path or None
        A directory holding ``sources.csv``, ``jurisdictions.csv``,
        ``nodes.csv`` and ``edges.csv``.  Default: ``$FLOWMAP_DATA``, else the
        dataset shipped with flowmap.

    Returns
    -------
    FlowMap
        The dataset, with ``nodes``, ``edges``, ``sources`` and
        ``jurisdictions`` as pandas DataFrames, ``graph`` as a networkx
        MultiDiGraph, and the questions :meth:`~FlowMap.reach`,
        :meth:`~FlowMap.count`, :meth:`~FlowMap.sanctuary`,
        :meth:`~FlowMap.firewall` and :meth:`~FlowMap.render`.

    Raises
    ------
    DataError
        Listing every problem in the files (``.problems``), by file, row,
        column and value.

    Examples
    --------
    >>> fm = load()
    >>> set(fm.nodes["kind"]) >= {"agency", "fusion_center", "federal_agency"}
    True
    >>> fm.nodes.loc["sfpd", ["name", "sanctuary"]].tolist()
    ['San Francisco Police Department', 'yes']
    >>> load("/no/such/directory")
    Traceback (most recent call last):
    ...
    flowmap.errors.DataError: 1 problem in the data:
      /no/such/directory: is not a directory (check --data or FLOWMAP_DATA)
    """
    return FlowMap(Model.load(data))
