"""Briefs: an answer as a document that stands on its own, in HTML or Markdown.

``flowmap report SOURCE`` answers "can SOURCE's data reach TARGET?" and
``flowmap report --sanctuary`` answers "which places under sanctuary law or
designation can?", each as one file an analyst can hand to an editor:

1. the verdict in one sentence (:func:`flowmap.views.verdict.verdict`), and
   the question with every filter behind it;
2. the diagram (inline SVG in HTML; a PNG beside the Markdown file);
3. every route hop by hop, each hop with a numbered footnote (title,
   publisher, date, locator, the verbatim quote, the link), and what the
   source does not show; routes blocked by policy and why;
4. the firewall (the fewest channels or intermediaries to cut), verified;
5. what a route does and does not show;
6. the dataset (layers, sources with titles and dates, content hash), the
   flowmap version and the brief's date; then the footnotes.

**Answers in, a document out.**  A brief runs no query: :func:`reach_brief` is
handed the routes (:func:`flowmap.routes.reach`) and the firewall
(:func:`flowmap.cuts.firewall`), :func:`sanctuary_brief` the sweep
(:func:`flowmap.sanctuary.sweep`), and each states the question its answer
carries.  :meth:`flowmap.api.FlowMap.report` asks them.

**Same data, same bytes.**  Nothing reads the clock: the brief's date is the
``date`` given (``flowmap report --date``), else the newest date in the data
(a source's publication or retrieval date, an edge's date), and the brief says
which.  A brief made again from the same data and options is byte-identical.

**Escaping.**  Every value from the data goes through :func:`html.escape` (HTML)
or :func:`~flowmap.views.markdown.md_escape` (Markdown); links are written only
for plain ``http(s)`` addresses.  The HTML has no scripts and loads nothing:
styles are inline, fonts are the reader's own, the diagram is inline SVG.
"""

from __future__ import annotations

import html
import os
import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .. import cuts
from ..errors import QueryError, RenderError
from ..model import Model
from ..provenance import Dataset, dataset, flowmap_version
from ..query import Query
from ..routes import Counts, ReachResult, Route
from ..sanctuary import SweepResult
from .markdown import md_escape, md_link, safe_url
from .verdict import conditions, filter_phrases, verdict
from .words import NOT_A_LAW, clean, data_label, join_or

if TYPE_CHECKING:
    from .render import Diagram

FORMATS: tuple[str, ...] = ("html", "md")
#: Paper sizes the HTML's print stylesheet can ask for; ``auto`` leaves it to the printer (the
#: margins and the diagram's height fit A4 and Letter either way).
PAPERS: dict[str, str] = {"auto": "", "a4": "size: A4; ", "letter": "size: letter; "}
SUFFIXES: dict[str, str] = {".html": "html", ".htm": "html", ".md": "md", ".markdown": "md"}

ROUTE_SHOWS = (
    "A route shows that documented channels connect, hop by hop; it does not show that one record "
    "travelled the whole way. Each hop stands on its own evidence, cited in its footnote: "
    "documented (a primary record shows the flow), reported (a source says it happens, without the "
    "primary record) or capability (access exists, use is not shown). Where a source hedges, the "
    "hedge is quoted beside the hop, and each hop's note says what its source does and does not show.")
CANNOT_SHOWS = (
    "“Cannot reach” means that this data holds no open route within the bounds and filters stated "
    "above; it is not proof that no data moves. A route blocked by policy is closed to data from the "
    "source's jurisdiction by a restriction on one of its channels.")


def format_for(path: str | os.PathLike) -> str:
    """The brief format a file name asks for, from its suffix."""
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        raise QueryError(f"cannot tell the brief format of {os.fspath(path)!r}; name the file .html or .md, "
                         "or choose one with --format html|md")
    return SUFFIXES[suffix]


def check_options(query: Query, *, sanctuary: bool = False, fmt: str = "html", date: str | None = None,
                  paper: str = "auto", within: str | None = None, kinds: tuple[str, ...] = ()) -> None:
    """Refuse, before any query runs, what a brief cannot honour.

    Parameters
    ----------
    query : Query
        The question the brief answers: with a source for a brief about its
        routes, without one for the sanctuary sweep.
    sanctuary : bool
        Whether the brief is the sanctuary sweep's.
    fmt, date, paper : str
        As for :func:`reach_brief`.
    within, kinds
        What the sweep is narrowed to (:func:`flowmap.sanctuary.sweep`); only
        with ``sanctuary``.

    Raises
    ------
    QueryError
        For a route brief without a source (or narrowed as a sweep is), or
        an unknown format, paper size or date.

    Examples
    --------
    >>> from flowmap.query import query
    >>> check_options(query("SFPD"))
    >>> check_options(query())
    Traceback (most recent call last):
    ...
    flowmap.errors.QueryError: a brief about routes needs a source (or ask for the sanctuary sweep)
    """
    from ..dates import is_valid

    # A sweep given a source (or --via) is refused by the sweep itself, before it searches.
    if not sanctuary and query.source is None:
        raise QueryError("a brief about routes needs a source (or ask for the sanctuary sweep)")
    if not sanctuary and (within or kinds):
        raise QueryError("--in and --kind narrow the sanctuary sweep: add --sanctuary (or leave them out)")
    if fmt not in FORMATS:
        raise QueryError(f"unknown brief format {fmt!r}; choose from: {', '.join(FORMATS)}")
    if paper not in PAPERS:
        raise QueryError(f"unknown paper size {paper!r}; choose from: {', '.join(PAPERS)}")
    if date is not None and not is_valid(date):
        raise QueryError(f"{date!r} is not a date like 2025, 2025-08 or 2025-08-05")


# -- the brief as data ---------------------------------------------------------------

@dataclass(frozen=True)
class Footnote:
    number: int
    title: str
    publisher: str
    date: str
    locator: str
    quote: str
    url: str


class Footnotes:
    """Numbered citations, one per distinct (source, locator, quote, link), numbered in order of first use."""

    def __init__(self, model: Model):
        self.model = model
        self.items: list[Footnote] = []
        self._index: dict[tuple[str, str, str, str], int] = {}

    def cite(self, citation: str, locator: str, quote: str, url: str = "") -> int:
        source = self.model.source_rows.get(citation, {})
        link = url or source.get("url", "")
        key = (citation, locator, quote, link)
        if key not in self._index:
            number = len(self.items) + 1
            self._index[key] = number
            self.items.append(Footnote(number, source.get("title", citation), source.get("publisher", ""),
                                       source.get("date", ""), locator, quote, link))
        return self._index[key]

    def cite_edge(self, edge_id: str) -> int:
        row = self.model.edge_row(edge_id)
        return self.cite(row["citation"], row["locator"], row["quote"], row.get("url", ""))


@dataclass
class HopLine:
    sender: str
    receiver: str
    data: str
    evidence: str
    hedge: str
    mechanism: str
    date: str
    requested_by: str
    notes: str
    edge: str
    footnote: int


@dataclass
class RouteBlock:
    number: int
    path: list[str]
    hops: list[HopLine]
    blocked_by: list[tuple[str, int]] = field(default_factory=list)  # (why, footnote)


@dataclass
class SweepEntry:
    name: str
    node: str
    law: str
    routes: str  # "3" or "1000+"; empty when not counted
    route: RouteBlock
    exit: str
    last: str
    # Where ``exit`` is the last body: a designation alone is not a law.
    inside: str = "under its sanctuary law"


@dataclass
class Brief:
    """Everything a brief says, before it is written as HTML or Markdown."""

    title: str
    verdict: str
    question: list[tuple[str, str]]
    counts: str
    routes: list[RouteBlock]
    blocked: list[RouteBlock]
    firewall: list[str] | None  # sentences; None when the brief has no firewall section
    firewall_cuts: list[tuple[str, int | None]]  # (what to cut, footnote)
    groups: list[tuple[str, list[SweepEntry]]]  # the sweep, by jurisdiction
    not_reaching: list[tuple[str, list[str]]]  # (jurisdiction group, names), for the sweep
    diagram_svg: str | None
    diagram_png: bytes | None
    diagram_note: str
    diagram_alt: str
    dataset: Dataset
    sources: list[dict]
    version: str
    date: str
    date_basis: str
    notes: Footnotes
    limit_note: str = ""
    paper: str = "auto"  # auto (the printer's), a4 or letter: the @page size of the HTML


def _hop_lines(model: Model, notes: Footnotes, route: Route) -> list[HopLine]:
    lines = []
    for hop in route.hops:
        ev = hop.evidence
        lines.append(HopLine(
            sender=clean(model.name(hop.sender)), receiver=clean(model.name(hop.receiver)),
            data=", ".join(data_label(d) for d in hop.data), evidence=ev.level, hedge=clean(ev.hedge),
            mechanism="not stated" if hop.mechanism == "unspecified" else hop.mechanism.replace("_", " "),
            date=ev.date, requested_by=clean(model.name(hop.requested_by)) if hop.requested_by else "",
            notes=clean(hop.notes), edge=hop.edge, footnote=notes.cite_edge(hop.edge)))
    return lines


def _route_block(model: Model, notes: Footnotes, number: int, route: Route) -> RouteBlock:
    block = RouteBlock(number, [clean(model.name(n)) for n in route.nodes], _hop_lines(model, notes, route))
    for restriction in route.blocked_by:
        block.blocked_by.append((clean(restriction.describe(model)), notes.cite_edge(restriction.edge)))
    return block


def _question(model: Model, filters: Query, rows: list[tuple[str, str]]) -> list[tuple[str, str]]:
    hops = f"at most {filters.max_hops}" if filters.max_hops is not None else "no bound"
    phrases = filter_phrases(model, filters)
    return [*rows, ("Route length", f"{hops} hops"),
            ("Filters", "; ".join(phrases) if phrases else
             "none: every evidence level, every kind of data, every date")]


def _date(info: Dataset, date: str | None) -> tuple[str, str]:
    if date:
        return date, "the date given when the brief was made"
    if info.newest_date:
        return info.newest_date, "the newest date in the data, a source's or a flow's"
    return "undated", "the data holds no date"


def _sources(model: Model) -> list[dict]:
    rows = []
    for row in model.sources.to_dict("records"):
        rows.append({"id": row["id"], "title": clean(row["title"]), "publisher": clean(row["publisher"]),
                     "date": row.get("date", ""), "retrieved": row.get("retrieved", ""),
                     "url": row.get("url", ""), "sha256": row.get("sha256", "")})
    return rows


def _svg_inline(svg: bytes) -> str:
    """Graphviz's SVG made fit to sit inside HTML: no XML prolog, no fixed size."""
    text = svg.decode("utf-8")
    text = re.sub(r"<\?xml[^>]*\?>", "", text)
    text = re.sub(r"<!DOCTYPE[^>]*>", "", text)
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    text = re.sub(r'<svg width="[^"]*" height="[^"]*"', '<svg class="diagram" role="img"', text, count=1)
    return text.strip()


def _diagram(fmt: str, draw: Callable[[], Diagram]) -> tuple[str | None, bytes | None, str]:
    """The diagram ``draw`` makes, as inline SVG (HTML) or PNG (Markdown), or a note saying why there is none.

    A brief without its picture still stands (Graphviz missing, or a map too
    large to lay out): the note says so, and the rest is unchanged.
    """
    try:
        diagram = draw()
        if fmt == "html":
            return _svg_inline(diagram.render("svg")), None, ""
        return None, diagram.render("png"), ""
    except RenderError as exc:
        return None, None, f"No diagram: {exc}"


def reach_brief(model: Model, result: ReachResult, firewall: cuts.Firewall | None, fmt: str = "html",
                date: str | None = None, paper: str = "auto", counts: Counts | None = None) -> Brief:
    """The brief for "can the query's source reach its target?", from the answers to it.

    The brief runs no query: the caller asks :func:`flowmap.routes.reach` and
    :func:`flowmap.cuts.firewall` of the same query (as
    :meth:`flowmap.api.FlowMap.report` does) and hands both over.

    Parameters
    ----------
    model : Model
        The loaded data.
    result : ReachResult
        The routes; its ``query`` (the source, the target, the route filters
        and ``limit``, at most this many open and blocked routes listed) is
        stated in the brief, which says when more routes exist.
    firewall : Firewall or None
        The cuts that close every open route, for the same query; None when
        the query keeps only routes through ``via`` nodes (a firewall closes
        every route, so it would answer another question): the brief says so.
    fmt : {"html", "md"}
        Which diagram to draw: inline SVG for HTML, PNG for Markdown.
    date : str or None
        The brief's date; default the newest date in the data.
    paper : {"auto", "a4", "letter"}
        The page size the HTML asks the printer for.
    counts : Counts or None
        Every open and blocked route of the same query, counted
        (:func:`flowmap.routes.count`, ``flowmap report --count``): the brief
        says how many exist in all, beside the ``limit`` it lists.  None: it
        says only how many it lists, and whether more exist.

    Returns
    -------
    Brief
        Everything the brief says; :func:`to_html`, :func:`to_markdown` and
        :func:`write` write it.

    Examples
    --------
    >>> import flowmap
    >>> from flowmap import cuts, routes
    >>> fm = flowmap.load()
    >>> q = flowmap.query("SFPD")
    >>> brief = reach_brief(fm.model, routes.reach(fm.model, q), cuts.firewall(fm.model, q), "md")
    >>> brief.title
    'Can data held by San Francisco Police Department reach US Immigration and Customs Enforcement?'
    >>> [len(block.hops) for block in brief.routes], brief.routes[0].path[1]
    ([2], 'Northern California Regional Intelligence Center')
    """
    query = result.query
    notes = Footnotes(model)
    src, tgt = clean(model.name(result.source)), clean(model.name(result.target))
    routes = [_route_block(model, notes, i, r) for i, r in enumerate(result.routes, 1)]
    blocked = [_route_block(model, notes, i, r) for i, r in enumerate(result.blocked, 1)]
    if counts is None:
        counted = (f"{len(routes)}{'+' if result.more_routes else ''} open route{'s' if len(routes) != 1 else ''} "
                   f"and {len(blocked)}{'+' if result.more_blocked else ''} blocked by policy"
                   f"{conditions(model, query)}.")
    else:
        # Counted in all, as `flowmap reach --count` counts (every route within the hop bound);
        # the brief still lists only the first `limit` of each kind, and says which.
        listed = " and ".join(f"{n:,} {kind}" for n, kind in ((len(routes), "open"), (len(blocked), "blocked")) if n)
        counted = (f"{counts.open:,} open route{'s' if counts.open != 1 else ''} and {counts.blocked:,} blocked by "
                   f"policy{conditions(model, query)}, every one counted"
                   + (f"; the brief lists the first {listed}." if result.more_routes or result.more_blocked else "."))
    limit_note = ((f"Only the first {query.limit} routes of each kind are listed" if query.limit != 1 else
                   "Only the first route of each kind is listed")
                  + " (shortest first); more exist. Make the brief again with a higher --limit to list them."
                  if result.more_routes or result.more_blocked else "")
    if firewall is None:
        through = ", ".join(clean(model.name(n)) for n in query.via)
        wall, cut_lines = [f"Not worked out for this brief: it lists only the routes through {through}, and "
                           "the fewest channels whose cutting closes those are not the ones that close every "
                           "route. The firewall command (flowmap firewall, without --via) gives the cuts that "
                           f"close every open route from {src} to {tgt}."], []
    else:
        wall, cut_lines = _firewall(model, notes, firewall, src, tgt)
    shown = firewall if firewall is not None and firewall.reachable else None
    from . import render

    svg, png, diagram_note = _diagram(fmt, lambda: render.diagram(model, query, result, shown))
    info = dataset(model)
    day, basis = _date(info, date)
    return Brief(
        title=f"Can data held by {src} reach {tgt}?", verdict=verdict(result),
        question=_question(model, query, [("Source", src), ("Source's protection", _protection(model, result.source)),
                                          ("Target", f"{tgt} (and its units)")]),
        counts=counted, routes=routes, blocked=blocked, firewall=wall, firewall_cuts=cut_lines,
        groups=[], not_reaching=[], diagram_svg=svg, diagram_png=png, diagram_note=diagram_note,
        diagram_alt=f"Diagram of the routes from {src} to {tgt}", dataset=info, sources=_sources(model),
        version=flowmap_version(), date=day, date_basis=basis, notes=notes, limit_note=limit_note, paper=paper)


def _protection(model: Model, node: str) -> str:
    """The sanctuary laws and designations covering a node, in words."""
    status = model.sanctuary(node)
    text = clean(status.text)
    if text:
        return text
    return "no sanctuary law or designation covers it in this data" if status.status != "unknown" else \
        "unknown: the data holds no sanctuary status for its places"


def _firewall(model: Model, notes: Footnotes, fw: cuts.Firewall, src: str, tgt: str):
    if not fw.reachable:
        return [f"{src} has no open route to {tgt} in this data: there is nothing to cut."], []
    lines = [(f"Cutting these {len(fw.edges)} channels closes" if len(fw.edges) != 1 else
              "Cutting this one channel closes") + " every open "
             f"route from {src} to {tgt}, of any length (the fewest that do; of equally few, those "
             "nearest the source):"]
    cut_lines = [(clean(cuts.edge_meaning(model, e)), notes.cite_edge(e)) for e in fw.edges]
    after = []
    if fw.nodes is None:
        after.append(f"No set of intermediaries can do it: {src} hands data to {tgt} directly.")
    else:
        names = "; ".join(clean(cuts.node_meaning(model, n)) for n in fw.nodes)
        after.append(f"Or remove {len(fw.nodes)} intermediar{'y' if len(fw.nodes) == 1 else 'ies'}: {names}.")
    after.append("Verified: searching again without the cut channels (and again without the intermediaries) "
                 "finds no open route." if fw.verified else
                 "NOT VERIFIED: an open route remains after the cut; please report this.")
    return lines + after, cut_lines


def _group_of(model: Model, node: str) -> str:
    """The place a sanctuary node is grouped under: the most specific jurisdiction
    whose law (or designation) covers it."""
    status = model.sanctuary(node)
    if status.laws:
        law = status.laws[0]
        return f"{clean(law['name'])}: {clean(law['law'])}"
    if status.designations:
        d = status.designations[0]
        return f"{clean(d['name'])}: designated by {clean(d['designated_by'])} ({d['date']})"
    return "Other"


def sanctuary_brief(model: Model, result: SweepResult, fmt: str = "html", date: str | None = None,
                    paper: str = "auto") -> Brief:
    """The brief for "which nodes under a sanctuary law or designation can reach the query's target?",
    from the sweep's answer.

    Nodes are grouped by the most specific jurisdiction whose law (or
    designation) covers them, each with its shortest route hop by hop, its
    gateways and, when the sweep counted them, its open-route count (up to
    the query's ``limit``).  Its diagram draws those shortest routes together
    and nothing else of the map (:func:`flowmap.views.render.routes_diagram`),
    so it shows what the brief lists, narrowed as the sweep was.  The brief
    runs no query: the caller asks :func:`flowmap.sanctuary.sweep` (as
    :meth:`flowmap.api.FlowMap.report` does).

    Parameters
    ----------
    model : Model
        The loaded data.
    result : SweepResult
        The sweep; its ``query`` (target and filters) is stated in the brief.
    fmt, date, paper : str
        As for :func:`reach_brief`.

    Returns
    -------
    Brief
        Grouped by jurisdiction in ``groups``; ``not_reaching`` names the rest.

    Examples
    --------
    >>> import flowmap
    >>> from flowmap import sanctuary
    >>> fm = flowmap.load()
    >>> brief = sanctuary_brief(fm.model, sanctuary.sweep(fm.model, flowmap.query(group_joins=False)), "md")
    >>> "sfpd" in {entry.node for _, entries in brief.groups for entry in entries}
    True
    """
    query = result.query
    notes = Footnotes(model)
    tgt = clean(model.name(result.target))
    by_group: dict[str, list] = {}
    for r in result.reaches:
        by_group.setdefault(_group_of(model, r.node), []).append(r)
    # Footnotes are numbered in reading order: by jurisdiction, then shortest routes first.
    groups: dict[str, list[SweepEntry]] = {}
    number = 0
    for title in sorted(by_group, key=str.casefold):
        for r in by_group[title]:
            number += 1
            routes = "" if r.routes is None else f"{r.routes}+" if r.more_routes else str(r.routes)
            groups.setdefault(title, []).append(SweepEntry(
                clean(model.name(r.node)), r.node, clean(r.law), routes,
                _route_block(model, notes, number, r.shortest), clean(model.name(r.exit)), clean(model.name(r.last)),
                "under its sanctuary law" if model.sanctuary(r.node).covered else
                f"in its designated jurisdiction {NOT_A_LAW}"))
    missing: dict[str, list[str]] = {}
    for n in result.cannot:
        missing.setdefault(_group_of(model, n), []).append(clean(model.name(n)))
    not_reaching = sorted(missing.items(), key=lambda kv: kv[0].casefold())
    # A sweep narrowed to a place or to kinds of node says so wherever it counts what it examined.
    examined = (("node" if result.covered == 1 else "nodes") + " under a sanctuary law or designation"
                + (f" in {clean(model.jurisdiction_row(result.within)['name'])}" if result.within else "")
                + (f", of kind {join_or([k.replace('_', ' ') for k in result.kinds])}" if result.kinds else ""))
    counts = f"{len(result.reaches)} of {result.covered} {examined} can reach {tgt}{conditions(model, query)}."
    verdict_text = (f"{counts[:-1]}: each has at least one open route in this data; "
                    "a route shows that channels connect, not that any one record travelled the whole way.")
    svg, png, note = _sweep_diagram(model, result, fmt, examined, tgt)
    info = dataset(model)
    day, basis = _date(info, date)
    ordered = list(groups.items())
    return Brief(
        title=f"Which bodies under a sanctuary law or designation can reach {tgt}?", verdict=verdict_text,
        question=_question(model, query, [("Target", f"{tgt} (and its units)"),
                                          ("Examined", f"{result.covered} {examined}")]),
        counts="", routes=[], blocked=[], firewall=None, firewall_cuts=[], groups=ordered,
        not_reaching=not_reaching, diagram_svg=svg, diagram_png=png, diagram_note=note,
        diagram_alt=f"Diagram of the shortest route to {tgt} of each node listed", dataset=info,
        sources=_sources(model), version=flowmap_version(), date=day, date_basis=basis, notes=notes, paper=paper)


def _sweep_diagram(model: Model, result: SweepResult, fmt: str, examined: str,
                   tgt: str) -> tuple[str | None, bytes | None, str]:
    """The sweep's diagram: the shortest route of each node it lists, drawn together
    (:func:`flowmap.views.render.routes_diagram`), so the picture shows what the
    brief lists, narrowed as the sweep is; or a note saying why there is none."""
    from . import render

    if not result.reaches:
        return None, None, ""
    shortest = [r.shortest for r in result.reaches]
    edges = {e for route in shortest for e in route.edges}
    reaching = len(result.reaches)
    each = "the 1 node" if reaching == 1 else f"each of the {reaching:,} nodes"
    if len(edges) > render.MAX_EDGES_TO_DRAW:
        return None, None, (f"No diagram: the shortest routes of the {reaching:,} nodes listed take "
                            f"{len(edges):,} flows, too many to draw on a page (the limit is "
                            f"{render.MAX_EDGES_TO_DRAW:,}). Narrow the sweep with --in PLACE or --kind KIND, or "
                            "draw one node's routes with `flowmap render --from NODE`.")
    hops = result.query.max_hops
    within = f", within {hops} hop{'s' if hops != 1 else ''}" if hops is not None else ""
    title = f"{reaching:,} of {result.covered:,} {examined} → {tgt}"
    caption = f"The shortest route of {each} listed{within}; each hop cites its source."
    svg, png, failed = _diagram(fmt, lambda: render.routes_diagram(model, result.query, shortest, title, caption,
                                                                 layout="auto"))
    return svg, png, failed or (
        f"The shortest route of {each} listed below, and nothing else of the map: nodes that play the same "
        "part on them share a box that counts them; double green borders mark bodies under a sanctuary law.")


#: Names listed per jurisdiction for the nodes with no open route; the rest are counted.
NAMES_LISTED = 25


def _some(names: list[str]) -> str:
    """The first names of a list, and how many more (``flowmap sanctuary --format json`` has them all)."""
    shown = "; ".join(names[:NAMES_LISTED])
    rest = len(names) - NAMES_LISTED
    return f"{shown}; and {rest} more" if rest > 0 else shown


# -- HTML ----------------------------------------------------------------------------

CSS = """
:root { --ink: #1f2328; --muted: #57606a; --rule: #d0d7de; --accent: #0b5394; --blocked: #b42318; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff;
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 46rem; margin: 0 auto; padding: 2rem 1.25rem 4rem; }
h1 { font-size: 1.7rem; line-height: 1.25; margin: 0 0 .75rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .5rem; padding-bottom: .2rem; border-bottom: 1px solid var(--rule); }
h3 { font-size: 1rem; margin: 1.25rem 0 .4rem; }
.verdict { font-size: 1.15rem; font-weight: 600; border-left: 4px solid var(--accent); padding: .4rem .9rem;
  background: #f3f7fb; margin: 0 0 1rem; }
.meta { color: var(--muted); font-size: .9rem; }
dl.question { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: .5rem 0 1rem; }
dl.question dt { font-weight: 600; } dl.question dd { margin: 0; }
figure { margin: 1rem 0; } figcaption { color: var(--muted); font-size: .85rem; }
svg.diagram { width: 100%; height: auto; max-height: 80vh; }
ol.hops { padding-left: 1.4rem; margin: .3rem 0 .8rem; }
ol.hops li { margin: .35rem 0; }
.facts { color: var(--muted); font-size: .9rem; }
.note { font-size: .9rem; }
.blocked { color: var(--blocked); font-weight: 600; }
sup a { text-decoration: none; }
section.route, div.entry { break-inside: avoid; page-break-inside: avoid; }
ol.footnotes { font-size: .9rem; padding-left: 1.6rem; }
ol.footnotes li { margin: .4rem 0; break-inside: avoid; page-break-inside: avoid; }
blockquote { margin: .2rem 0; padding-left: .7rem; border-left: 3px solid var(--rule); }
table { border-collapse: collapse; font-size: .85rem; width: 100%; }
td.date { white-space: nowrap; }
th, td { text-align: left; border-bottom: 1px solid var(--rule); padding: .25rem .4rem; vertical-align: top; }
code { font-size: .85em; overflow-wrap: anywhere; }
a { color: var(--accent); overflow-wrap: anywhere; }
@page { margin: 16mm 15mm; }
@media print {
  html { font-size: 10pt; }
  body { font-size: 1rem; }
  main { max-width: none; padding: 0; }
  h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; break-after: avoid; page-break-after: avoid; }
  h3 { break-after: avoid; page-break-after: avoid; }
  .verdict { background: none; }
  figure { break-inside: avoid; page-break-inside: avoid; }
  /* Small enough to share the first page with the verdict on A4 and on Letter. */
  svg.diagram { max-height: 135mm; }
  a { color: inherit; text-decoration: none; }
  ol.footnotes a.link::after { content: " <" attr(href) ">"; }
}
""".strip()


def _e(text: str) -> str:
    return html.escape(clean(text), quote=True)


def _a(text: str, url: str, cls: str = "") -> str:
    link = safe_url(url)
    if not link:
        return _e(text)
    attr = f' class="{cls}"' if cls else ""
    return f'<a{attr} href="{html.escape(link, quote=True)}">{_e(text)}</a>'


class _Refs:
    """Footnote references with unique ids, so each footnote can link back to its first use."""

    def __init__(self):
        self.count = 0
        self.first: dict[int, str] = {}

    def __call__(self, number: int | None) -> str:
        if number is None:
            return ""
        self.count += 1
        anchor = f"ref-{self.count}"
        self.first.setdefault(number, anchor)
        return f'<sup class="ref"><a id="{anchor}" href="#fn-{number}">[{number}]</a></sup>'


def _html_hops(hops: list[HopLine], ref: _Refs) -> list[str]:
    out = ['<ol class="hops">']
    for hop in hops:
        facts = [f"data: {_e(hop.data)}", f"evidence: {_e(hop.evidence)}"
                 + (f" (the source hedges: “{_e(hop.hedge)}”)" if hop.hedge else ""), f"how: {_e(hop.mechanism)}"]
        if hop.date:
            facts.append(f"date: {_e(hop.date)}")
        if hop.requested_by:
            facts.append(f"requested by {_e(hop.requested_by)}")
        out.append(f'<li class="hop" data-edge="{_e(hop.edge)}"><b>{_e(hop.sender)} → {_e(hop.receiver)}</b>'
                   f'{ref(hop.footnote)}<br><span class="facts">{" · ".join(facts)}</span>'
                   + (f'<br><span class="note">Note on the evidence: {_e(hop.notes)}</span>'
                      if hop.notes else "") + "</li>")
    out.append("</ol>")
    return out


def _html_route(block: RouteBlock, ref: _Refs, heading: str) -> list[str]:
    hops = len(block.hops)
    out = ['<section class="route">',
           f"<h3>{heading} {block.number} ({hops} hop{'s' if hops != 1 else ''}): "
           f"{' → '.join(_e(p) for p in block.path)}</h3>"]
    out += _html_hops(block.hops, ref)
    for why, number in block.blocked_by:
        out.append(f'<p class="blocked">Blocked by policy: {_e(why)}{ref(number)}</p>')
    out.append("</section>")
    return out


def to_html(brief: Brief) -> str:
    """The brief as one self-contained HTML file (no scripts, nothing loaded from elsewhere)."""
    ref = _Refs()
    body: list[str] = [f"<h1>{_e(brief.title)}</h1>", f'<p class="verdict">{_e(brief.verdict)}</p>',
                       '<dl class="question">']
    for label, value in brief.question:
        body.append(f"<dt>{_e(label)}</dt><dd>{_e(value)}</dd>")
    body.append("</dl>")
    if brief.counts:
        body.append(f"<p>{_e(brief.counts)}</p>")
    if brief.limit_note:
        body.append(f"<p class=\"meta\">{_e(brief.limit_note)}</p>")
    if brief.diagram_svg:
        body.append(f'<figure aria-label="{_e(brief.diagram_alt)}">{brief.diagram_svg}'
                    f"<figcaption>{_e(brief.diagram_note or _diagram_key(brief))}</figcaption></figure>")
    elif brief.diagram_note:
        body.append(f'<p class="meta">{_e(brief.diagram_note)}</p>')
    if brief.routes:
        body.append("<h2>Routes, hop by hop</h2>")
        for block in brief.routes:
            body += _html_route(block, ref, "Route")
    if brief.blocked:
        body.append("<h2>Routes blocked by policy</h2>")
        for block in brief.blocked:
            body += _html_route(block, ref, "Blocked route")
    if brief.groups:
        body.append("<h2>Reaching nodes, by jurisdiction</h2>")
        for title, entries in brief.groups:
            body.append(f"<h3>{_e(title)}</h3>")
            for entry in entries:
                body.append('<div class="entry">')
                count = f" Open routes: {_e(entry.routes)}." if entry.routes else ""
                body.append(f"<p><b>{_e(entry.name)}</b> — {_e(entry.law)}.{count} "
                            f"Last body {_e(entry.inside)} on the route: <b>{_e(entry.exit)}</b>; "
                            f"hands the data to the target: <b>{_e(entry.last)}</b>. Shortest route "
                            f"({len(entry.route.hops)} hop{'s' if len(entry.route.hops) != 1 else ''}):</p>")
                body += _html_hops(entry.route.hops, ref)
                body.append("</div>")
    if brief.groups or brief.not_reaching:
        total = sum(len(names) for _, names in brief.not_reaching)
        body.append(f"<h2>Under a sanctuary law or designation, no open route ({total})</h2>")
        if not brief.not_reaching:
            body.append("<p>None.</p>")
        for title, names in brief.not_reaching:
            body.append(f"<p><b>{_e(title)}</b> ({len(names)}): {_e(_some(names))}</p>")
    if brief.firewall is not None:
        body.append("<h2>Firewall</h2>")
        body.append(f"<p>{_e(brief.firewall[0])}</p>")
        if brief.firewall_cuts:
            body.append("<ul>" + "".join(f"<li>{_e(text)}{ref(n)}</li>" for text, n in brief.firewall_cuts)
                        + "</ul>")
        body += [f"<p>{_e(line)}</p>" for line in brief.firewall[1:]]
    body.append("<h2>What a route shows, and what it does not</h2>")
    body += [f"<p>{_e(ROUTE_SHOWS)}</p>", f"<p>{_e(CANNOT_SHOWS)}</p>"]
    body += _html_provenance(brief)
    body.append("<h2>Sources cited</h2>")
    body.append('<ol class="footnotes">')
    for fn in brief.notes.items:
        parts = [f"<b>{_e(fn.title)}</b>"]
        parts += [_e(x) for x in (fn.publisher, fn.date) if x]
        if fn.locator:
            parts.append(_e(fn.locator))
        text = ", ".join(parts) + "."
        back = ref.first.get(fn.number)
        back_link = f' <a class="back" href="#{back}" aria-label="back to text">↩</a>' if back else ""
        link = f' {_a(fn.url, fn.url, "link")}' if safe_url(fn.url) else " (no web address in the data)"
        body.append(f'<li id="fn-{fn.number}" value="{fn.number}">{text}<blockquote>“{_e(fn.quote)}”'
                    f"</blockquote>{link}{back_link}</li>")
    body.append("</ol>")
    head = ('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<meta name="generator" content="flowmap {_e(brief.version)}">\n'
            f"<title>{_e(brief.title)}</title>\n<style>\n"
            f"{CSS.replace('@page { ', '@page { ' + PAPERS[brief.paper])}\n</style>\n</head>\n<body>\n<main>\n")
    return head + "\n".join(body) + "\n</main>\n</body>\n</html>\n"


def _diagram_key(brief: Brief) -> str:
    """The caption under the diagram: how to read it, naming only the marks it can hold (a brief
    without a firewall, the sweep's or one of routes through --via, draws no cut)."""
    cuts = "Purple ✂: the channels the firewall cuts. " if brief.firewall_cuts else ""
    return ("Arrows point the way data moves. Solid lines: documented; dashed: reported; dotted: capability. "
            f"Red: closed to the source's data by a policy. {cuts}Double green borders: under a sanctuary law.")


def _html_provenance(brief: Brief) -> list[str]:
    info = brief.dataset
    out = ["<h2>The data behind this brief</h2>",
           f"<p>Made with flowmap {_e(brief.version)}. Dated {_e(brief.date)} ({_e(brief.date_basis)}).</p>",
           f"<p>Layers, in merge order: {_e(', '.join(info.layers))}. Content hash (SHA-256 over every file): "
           f"<code>{_e(info.sha256)}</code>.</p>",
           "<table><thead><tr><th>source</th><th>publisher</th><th>date</th><th>link</th></tr></thead><tbody>"]
    for s in brief.sources:
        date = s["date"] + (f" (retrieved {s['retrieved']})" if s.get("retrieved") else "")
        out.append(f"<tr><td>{_e(s['title'])}</td><td>{_e(s['publisher'])}</td><td class='date'>{_e(date)}</td>"
                   f"<td>{_a('link', s['url']) if safe_url(s['url']) else '—'}</td></tr>")
    out.append("</tbody></table>")
    out.append('<p class="meta">Files: ' + "; ".join(
        f"{_e(f.layer)}/{_e(f.name)} <code>{_e(f.sha256[:12])}</code>" for f in info.files) + ".</p>")
    return out


# -- Markdown -------------------------------------------------------------------------

def _md_hops(hops: list[HopLine]) -> list[str]:
    out = []
    for number, hop in enumerate(hops, 1):
        facts = [f"data: {md_escape(hop.data)}", f"evidence: {md_escape(hop.evidence)}"
                 + (f" (the source hedges: “{md_escape(hop.hedge)}”)" if hop.hedge else ""),
                 f"how: {md_escape(hop.mechanism)}"]
        if hop.date:
            facts.append(f"date: {md_escape(hop.date)}")
        if hop.requested_by:
            facts.append(f"requested by {md_escape(hop.requested_by)}")
        out.append(f"{number}. **{md_escape(hop.sender)} → {md_escape(hop.receiver)}**[^{hop.footnote}]  ")
        out.append(f"   {' · '.join(facts)}" + ("  " if hop.notes else ""))
        if hop.notes:
            out.append(f"   *Note on the evidence:* {md_escape(hop.notes)}")
    return out


def _md_route(block: RouteBlock, heading: str) -> list[str]:
    hops = len(block.hops)
    out = ["", f"### {heading} {block.number} ({hops} hop{'s' if hops != 1 else ''}): "
               f"{' → '.join(md_escape(p) for p in block.path)}", ""]
    out += _md_hops(block.hops)
    for why, number in block.blocked_by:
        out += ["", f"**Blocked by policy:** {md_escape(why)}[^{number}]"]
    return out


def to_markdown(brief: Brief, image_name: str | None = None) -> str:
    """The brief as GitHub-flavoured Markdown; the diagram is the PNG ``image_name`` beside it."""
    out = [f"# {md_escape(brief.title)}", "", f"> **{md_escape(brief.verdict)}**", ""]
    out += [f"- **{md_escape(label)}:** {md_escape(value)}" for label, value in brief.question]
    if brief.counts:
        out += ["", md_escape(brief.counts)]
    if brief.limit_note:
        out += ["", f"*{md_escape(brief.limit_note)}*"]
    if image_name and brief.diagram_png:
        out += ["", f"![{md_escape(brief.diagram_alt)}]({urllib.parse.quote(image_name)})", "",
                f"*{md_escape(brief.diagram_note or _diagram_key(brief))}*"]
    elif brief.diagram_note:
        out += ["", f"*{md_escape(brief.diagram_note)}*"]
    if brief.routes:
        out += ["", "## Routes, hop by hop"]
        for block in brief.routes:
            out += _md_route(block, "Route")
    if brief.blocked:
        out += ["", "## Routes blocked by policy"]
        for block in brief.blocked:
            out += _md_route(block, "Blocked route")
    if brief.groups:
        out += ["", "## Reaching nodes, by jurisdiction"]
        for title, entries in brief.groups:
            out += ["", f"### {md_escape(title)}"]
            for entry in entries:
                hops = len(entry.route.hops)
                count = f" Open routes: {md_escape(entry.routes)}." if entry.routes else ""
                out += ["", f"**{md_escape(entry.name)}** — {md_escape(entry.law)}.{count} "
                            f"Last body {md_escape(entry.inside)} on the route: **{md_escape(entry.exit)}**; "
                            f"hands the data to the target: **{md_escape(entry.last)}**. "
                            f"Shortest route ({hops} hop{'s' if hops != 1 else ''}):", ""]
                out += _md_hops(entry.route.hops)
    if brief.groups or brief.not_reaching:
        total = sum(len(names) for _, names in brief.not_reaching)
        out += ["", f"## Under a sanctuary law or designation, no open route ({total})"]
        if not brief.not_reaching:
            out += ["", "None."]
        for title, names in brief.not_reaching:
            out += ["", f"**{md_escape(title)}** ({len(names)}): {md_escape(_some(names))}"]
    if brief.firewall is not None:
        out += ["", "## Firewall", "", md_escape(brief.firewall[0])]
        if brief.firewall_cuts:
            out.append("")
            out += [f"- {md_escape(text)}[^{n}]" for text, n in brief.firewall_cuts]
        out += [x for line in brief.firewall[1:] for x in ("", md_escape(line))]
    out += ["", "## What a route shows, and what it does not", "", md_escape(ROUTE_SHOWS), "",
            md_escape(CANNOT_SHOWS)]
    info = brief.dataset
    out += ["", "## The data behind this brief", "",
            f"Made with flowmap {md_escape(brief.version)}. Dated {md_escape(brief.date)} "
            f"({md_escape(brief.date_basis)}).", "",
            f"Layers, in merge order: {md_escape(', '.join(info.layers))}. "
            f"Content hash (SHA-256 over every file): `{info.sha256}`.", "",
            "| source | publisher | date | link |", "|---|---|---|---|"]
    for s in brief.sources:
        date = s["date"] + (f" (retrieved {s['retrieved']})" if s.get("retrieved") else "")
        out.append(f"| {md_escape(s['title'])} | {md_escape(s['publisher'])} | {md_escape(date)} | "
                   f"{md_link('link', s['url']) if safe_url(s['url']) else '—'} |")
    out += ["", "Files: " + "; ".join(f"{md_escape(f.layer)}/{md_escape(f.name)} `{f.sha256[:12]}`"
                                      for f in info.files) + "."]
    out += ["", "## Sources cited", ""]
    for fn in brief.notes.items:
        parts = [f"**{md_escape(fn.title)}**"] + [md_escape(x) for x in (fn.publisher, fn.date, fn.locator) if x]
        link = f" <{fn.url}>" if safe_url(fn.url) else " (no web address in the data)"
        out.append(f"[^{fn.number}]: {', '.join(parts)}. “{md_escape(fn.quote)}”{link}")
    return "\n".join(out) + "\n"


# -- writing ----------------------------------------------------------------------------

def image_path(path: Path) -> Path:
    """Where a Markdown brief's diagram goes: beside it, same name, ``.png``."""
    return path.with_suffix(".png")


def write(brief: Brief, path: str | os.PathLike, fmt: str) -> list[Path]:
    """Write the brief (and, for Markdown, its PNG) whole or not at all; return the paths written.

    Everything is rendered before anything is written; each file goes to a
    temporary file beside its target and is renamed over it.
    """
    from .render import write_atomic

    path = Path(path)
    if fmt == "html":
        write_atomic(path, to_html(brief).encode("utf-8"))
        return [path]
    image = image_path(path) if brief.diagram_png else None
    text = to_markdown(brief, image.name if image else None).encode("utf-8")
    written = []
    if image is not None:
        write_atomic(image, brief.diagram_png)
        written.append(image)
    write_atomic(path, text)
    return [*written, path][::-1]


__all__ = ["Brief", "FORMATS", "check_options", "format_for", "reach_brief", "sanctuary_brief", "to_html",
           "to_markdown", "write"]
