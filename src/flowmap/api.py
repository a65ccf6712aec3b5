"""The Python API for notebooks and scripts; the CLI calls the same functions.

>>> import flowmap
>>> fm = flowmap.load()
>>> fm.reach("San Francisco Police Department").reachable
True
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from . import routes, sanctuary
from .entity import Entity, entity
from .model import Model
from .query import DEFAULT_LIMIT, Query
from .subjects import SubjectsResult, flows_about

if TYPE_CHECKING:  # imported when used: `flowmap reach` needs none of them
    import networkx as nx
    import pandas as pd

    from . import cuts
    from .views.export import Selection
    from .views.report import Brief


def make_filters(**options) -> Query:
    """Build a :class:`~flowmap.query.Query` from keyword options (the older
    name of :func:`flowmap.query`; see :meth:`Query.from_options`).

    Examples
    --------
    >>> q = make_filters(carrying="social_media", max_hops=3)
    >>> q.carrying, q.max_hops, q.min_evidence
    (('social_media',), 3, None)
    >>> make_filters(avoid=["NCRIC", "OCIAC"]).avoid
    ('NCRIC', 'OCIAC')
    """
    return Query.from_options(**options)


def _query(source, to: str, defaults: dict, options: dict) -> Query:
    """The query an API call asks: a :class:`Query` given as the first argument,
    with any keyword options applied to it, or one built from the arguments."""
    if isinstance(source, Query):
        return source.replace(**options) if options else source
    return Query.from_options(**{**defaults, "source": source, "target": to, **options})


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

    def query(self, source: str | None = None, to: str = "ice", **options) -> Query:
        """A :class:`~flowmap.query.Query` checked against this dataset: every
        name resolved to its id (raises for a name no node has).

        >>> load().query("sfpd", avoid="ncric").avoid
        ('ncric',)
        """
        return Query.from_options(source=source, target=to, **options).resolved(self.model)

    def reach(self, source: str | Query, to: str = "ice", *, limit: int | None = DEFAULT_LIMIT,
              **filters) -> routes.ReachResult:
        """Every route by which data moves from ``source`` to ``to``.

        Parameters
        ----------
        source : str or Query
            An id, name or alias (any case); or a whole :class:`~flowmap.query.Query`.
        to : str
            An id, name or alias.  Reaching a unit of ``to`` (ICE's Data
            Analysis System is part of ICE) counts as reaching it.
        limit : int or None
            List at most this many open (and this many blocked) routes.
        **filters
            ``carrying``, ``min_evidence``, ``since``, ``until``,
            ``dated_only``, ``max_hops`` (default 6; None for no bound),
            ``via``, ``avoid``, ``without``, ``group_joins`` (default True);
            see :class:`~flowmap.query.Query`.

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
        return routes.reach(self.model, _query(source, to, {"limit": limit}, filters))

    def count(self, source: str | Query, to: str = "ice", **filters) -> routes.Counts:
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
        return routes.count(self.model, _query(source, to, {}, filters)).counts

    def show(self, name: str) -> Entity:
        """One entity with the flows it receives and sends, as ``flowmap show`` prints it.

        Parameters
        ----------
        name : str
            An id, name, alias or ORI (any case).

        Returns
        -------
        flowmap.entity.Entity
            ``node`` (its id), ``row`` (every column, with its sanctuary status),
            ``received`` and ``sent`` (:class:`~flowmap.routes.Hop` objects in file
            order) and ``to_dict()``, the JSON answer.

        Raises
        ------
        NameNotFound, AmbiguousName
            As for :meth:`reach`.

        Examples
        --------
        >>> ncric = load().show("NCRIC")
        >>> ncric.row["kind"], [hop.receiver for hop in ncric.sent]
        ('fusion_center', ['ice-das', 'norcal-local-police', 'dhs'])
        """
        return entity(self.model, name)

    def about(self, place: str, to: str = "ice", **filters) -> SubjectsResult:
        """The flows whose sources say they carry data about people in ``place``, and
        whether each can reach ``to``.

        Parameters
        ----------
        place : str
            A jurisdiction: id, name or a state's code (``"CA"``).
        to : str
            Where the data should not end up.
        **filters
            As for :meth:`reach`: a flow the filters drop is not listed, and the
            onward route meets them too (with ``via``, it passes those nodes).

        Returns
        -------
        flowmap.subjects.SubjectsResult
            ``flows`` (each with its ``hop``, the ``subjects`` that concern the
            place, its ``relation`` to it, and ``direct``/``onward``/``reaches``),
            strongest relation first; ``to_dict()``.

        Examples
        --------
        >>> answer = load().about("South Carolina")
        >>> [(flow.hop.edge, flow.reaches) for flow in answer.flows if flow.relation == "the place"]
        [('sc-fusion-center-to-ice-face-recognition', True), ('sc-dmv-to-sc-fusion-center-licence-photos', True)]
        """
        return flows_about(self.model, place, _query(None, to, {}, filters))

    def sanctuary(self, to: str | Query = "ice", *, limit: int | None = DEFAULT_LIMIT, count: bool = False,
                  within: str | None = None, kinds: str | list[str] | tuple[str, ...] = (),
                  **filters) -> sanctuary.SweepResult:
        """Every node under a sanctuary law that can reach ``to``.

        Parameters
        ----------
        to : str
            An id, name or alias; reaching one of its units counts.
        limit : int or None
            With ``count``: count each node's open routes up to this many.
        count : bool
            Count each node's open routes (enumerates them: slower on a large
            network).  Without it, only the one pass runs.
        within : str or None
            Only nodes in this place: a state's code or name (``"CA"``), or
            any jurisdiction's id or name.
        kinds : str or list of str
            Only nodes of these kinds (``"agency"``, ``"fusion_center"``…).
        **filters
            As for :meth:`reach`, except ``via``; ``group_joins`` defaults to
            False here: a node is said to reach ``to`` only on a route that
            joins no statements about a group (pass ``group_joins=True`` to
            count those routes too).

        Returns
        -------
        SweepResult
            ``reaches`` holds, for each node that can reach ``to`` by an open
            route within ``max_hops``, its law, shortest route (the first route
            :meth:`reach` lists), route count (with ``count``) and
            gateways (``exit``: the last node still under its sanctuary law;
            ``last``: the node that hands the data to ``to``), shortest routes
            first.  ``covered`` is the number of sanctuary nodes examined;
            ``cannot`` names (by id) those with no open route;
            ``to_frame()`` gives one row per node that can reach ``to``.

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
        >>> sweep.cannot[0]  # the Motorola group's only route is blocked
        'ca-jurisdictions-in-motorola-lpr-network'
        >>> [r.node for r in load().sanctuary(within="CA", kinds="agency").reaches]
        ['sfpd']
        """
        if isinstance(to, Query):
            query = to.replace(**filters) if filters else to
        else:
            query = Query.from_options(**{"group_joins": False, "target": to, "limit": limit, **filters})
        kinds = (kinds,) if isinstance(kinds, str) else tuple(kinds)
        return sanctuary.sweep(self.model, query, count=count, within=within, kinds=kinds)

    def firewall(self, source: str | Query, to: str = "ice", **filters) -> cuts.Firewall:
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

        return cuts.firewall(self.model, _query(source, to, {}, filters))

    def render(self, source: str | Query | None = None, to: str = "ice", *, context: bool = False,
               firewall: bool = False, limit: int | None = DEFAULT_LIMIT, layout: str = "auto", collapse: bool = True,
               **filters):
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
        from . import cuts
        from .views import render

        query = _query(source, to, {"limit": limit}, filters)
        render.check_options(query, context=context, firewall=firewall, layout=layout)
        result = routes.reach(self.model, query) if query.source is not None else None
        wall = cuts.firewall(self.model, query) if firewall else None
        return render.diagram(self.model, query, result, wall, context=context, layout=layout,
                              collapse=collapse)

    def report(self, source: str | Query | None = None, to: str = "ice", *, sanctuary: bool = False,
               fmt: str = "html", date: str | None = None, paper: str = "auto", count: bool = False,
               limit: int | None = 100, within: str | None = None, kinds: str | list[str] | tuple[str, ...] = (),
               **filters) -> Brief:
        """A brief that stands on its own, as ``flowmap report`` writes it: about
        the routes from ``source`` to ``to``, or (``sanctuary``) about every node
        under a sanctuary law or designation that reaches ``to``.

        Parameters
        ----------
        source : str, Query or None
            An id, name or alias; or a whole :class:`~flowmap.query.Query`.
            None with ``sanctuary``.
        to : str
            An id, name or alias; reaching one of its units counts.
        sanctuary : bool
            The sweep's brief instead of one source's.
        fmt : {"html", "md"}
            The format the brief will be written in: it decides the diagram
            (inline SVG for HTML, a PNG for Markdown).
        date : str or None
            The brief's date (2025, 2025-08 or 2025-08-05); default the newest
            date in the data, so the same data gives the same bytes.
        paper : {"auto", "a4", "letter"}
            The page size the HTML asks the printer for.
        count : bool
            Count the routes as well as list them: for one source, every open
            and blocked route within ``max_hops`` (as :meth:`count` does; the
            brief says how many exist in all, beyond the ``limit`` it lists);
            with ``sanctuary``, each node's open routes, up to ``limit``.
        limit : int or None
            List at most this many open (and this many blocked) routes.
        within, kinds
            With ``sanctuary``: only nodes in this place, or of these kinds,
            as for :meth:`sanctuary`; the brief says so.
        **filters
            As for :meth:`reach`; with ``sanctuary``, as for :meth:`sanctuary`
            (``group_joins`` defaults to False there).

        Returns
        -------
        flowmap.views.report.Brief
            Everything the brief says; ``flowmap.views.report.write(brief,
            path, fmt)`` writes it (HTML, or Markdown with its PNG beside it),
            ``to_html(brief)`` and ``to_markdown(brief)`` give the text.

        Raises
        ------
        NameNotFound, AmbiguousName, QueryError
            As for :meth:`reach` and :meth:`firewall`, or :meth:`sanctuary`; with
            ``via`` the brief lists the routes through those nodes and says why
            it has no firewall.

        Examples
        --------
        >>> from flowmap.views import report
        >>> fm = load()
        >>> brief = fm.report("SFPD", fmt="md")
        >>> brief.title
        'Can data held by San Francisco Police Department reach US Immigration and Customs Enforcement?'
        >>> report.to_markdown(brief).startswith("# Can data held by San Francisco Police Department")
        True
        >>> sweep = fm.report(sanctuary=True, fmt="md")
        >>> "sfpd" in {entry.node for _, entries in sweep.groups for entry in entries}
        True
        >>> dict(fm.report(sanctuary=True, within="CA", kinds="agency").question)["Examined"]
        '1 node under a sanctuary law or designation in California, of kind agency'
        >>> fm.report()
        Traceback (most recent call last):
        ...
        flowmap.errors.QueryError: a brief about routes needs a source (or ask for the sanctuary sweep)
        """
        from .views import report

        defaults = {"limit": limit, **({"group_joins": False} if sanctuary else {})}
        query = _query(source, to, defaults, filters)
        kinds = (kinds,) if isinstance(kinds, str) else tuple(kinds)
        report.check_options(query, sanctuary=sanctuary, fmt=fmt, date=date, paper=paper, within=within,
                             kinds=kinds)
        if sanctuary:
            swept = self.sanctuary(query, count=count, within=within, kinds=kinds)
            return report.sanctuary_brief(self.model, swept, fmt, date, paper)
        result = routes.reach(self.model, query)
        # A firewall closes every route, not only those through --via: the brief says so instead.
        wall = None if query.via else self.firewall(query)
        counted = routes.count(self.model, query).counts if count else None
        return report.reach_brief(self.model, result, wall, fmt, date, paper, counts=counted)

    def export(self, source: str | Query | None = None, to: str = "ice", *, fmt: str,
               limit: int | None = DEFAULT_LIMIT, **filters) -> tuple[bytes, Selection]:
        """The map, or the routes from ``source`` to ``to``, in a format other
        tools read, as ``flowmap export`` writes it.

        Parameters
        ----------
        source : str, Query or None
            An id, name or alias: only the nodes and edges on its routes
            (open and blocked by policy) to ``to``.  None: the whole map.
        to : str
            Where routes end.
        fmt : {"graphml", "gexf", "ftm", "json"}
            GraphML or GEXF (Gephi, networkx), FollowTheMoney entities (one
            per line) or flowmap's own JSON.
        limit : int or None
            With ``source``: the edges of at most this many open (and
            blocked) routes.
        **filters
            As for :meth:`reach`; ``max_hops`` and ``via`` apply only with ``source``.

        Returns
        -------
        bytes, flowmap.views.export.Selection
            The file's bytes, and the node and edge ids it holds.

        Raises
        ------
        NameNotFound, AmbiguousName, QueryError
            As for :meth:`reach`; QueryError also for an unknown format, or
            ``via`` without ``source``.

        Examples
        --------
        >>> fm = load()
        >>> content, selection = fm.export("SFPD", fmt="graphml")
        >>> selection.edges
        ('sfpd-to-ncric-shared-data', 'ncric-to-ice-das-search-requests')
        >>> content.startswith(b"<?xml")
        True
        >>> content, selection = fm.export(fmt="json", min_evidence="reported")
        >>> selection.source is None and len(selection.nodes) == len(fm.nodes)
        True
        >>> fm.export(fmt="gml")
        Traceback (most recent call last):
        ...
        flowmap.errors.QueryError: unknown export format 'gml'; choose --format from: graphml, gexf, ftm, json
        """
        from .views import export

        query = _query(source, to, {"limit": limit}, filters)
        export.check_options(self.model, query, fmt)
        result = routes.reach(self.model, query) if query.source is not None else None
        return export.export(self.model, fmt, query, result)

    def __repr__(self) -> str:
        return f"<FlowMap {self.model.directory}: {len(self.nodes)} nodes, {len(self.edges)} edges>"


def load(data: str | os.PathLike | None = None, *, cache: bool = True) -> FlowMap:
    """Load and validate a dataset directory.

    Parameters
    ----------
    data : str, path or None
        A directory holding ``sources.csv``, ``jurisdictions.csv``,
        ``nodes.csv`` and ``edges.csv``.  Default: ``$FLOWMAP_DATA``, else the
        dataset shipped with flowmap.
    cache : bool
        Reuse the validated tables of the same files from the user's cache
        directory (:mod:`flowmap.cache`); False reads and checks every file.

    Returns
    -------
    FlowMap
        The dataset, with ``nodes``, ``edges``, ``sources`` and
        ``jurisdictions`` as pandas DataFrames, ``graph`` as a networkx
        MultiDiGraph, and the questions :meth:`~FlowMap.reach`,
        :meth:`~FlowMap.count`, :meth:`~FlowMap.sanctuary`,
        :meth:`~FlowMap.firewall`, :meth:`~FlowMap.render`,
        :meth:`~FlowMap.report` and :meth:`~FlowMap.export`.

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
    return FlowMap(Model.load(data, cache=cache))
