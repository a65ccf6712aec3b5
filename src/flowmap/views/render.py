"""Diagrams: the map, or the routes from one source, drawn with Graphviz.

The DOT is written here (in the format pydot writes, which the golden files
pinned first) and laid out by the Graphviz engine bundled in the pygraphviz
wheel, so no system ``dot`` is needed.  The DOT text is the stable product:
the same data gives byte-identical DOT, which the golden tests pin.  Its cost
is linear in the edges drawn: rows are read through the model's dict
accessors, never by DataFrame lookups.

Escaping is done here.  A DOT writer such as pydot leaves a value alone when it
already looks quoted (``"..."``) or HTML-like (``<...>``), so a name such as
``<script>…</script>`` would pass into the DOT raw; and Graphviz expands
``\\N``, ``\\G``, ``\\L``… in labels and tooltips.  Every value therefore goes
in pre-quoted or pre-escaped by :func:`_html`, :func:`_esc_string`,
:func:`_tooltip` or :func:`_node_name`, whose rules were found by
round-tripping hostile text through Graphviz (``tests/test_render.py`` keeps
them honest).
"""

from __future__ import annotations

import contextlib
import html
import os
import re
import secrets
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import schema
from ..cuts import Firewall
from ..errors import QueryError, RenderError
from ..load import split_list
from ..model import Model, designation_clauses
from ..query import Query
from ..routes import Hop, Plan, ReachResult, Route, edge_mask, hop_for
from .words import NOT_A_LAW, data_label

FORMATS: tuple[str, ...] = ("svg", "png", "pdf", "dot")
LAYOUTS: tuple[str, ...] = ("auto", "wide", "tall")
SUFFIXES: dict[str, str] = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".gv": "dot"}

#: Beyond this many edges ``dot`` takes minutes to hours and the picture is
#: unreadable anyway; the DOT can still be written and laid out elsewhere.
MAX_EDGES_TO_DRAW = 2000

#: Image resolution for PNG: crisp on a slide and in print at report width.
PNG_DPI = 144

FONT = "Helvetica,Arial,sans-serif"
# Point sizes.  Diagrams are usually shrunk to fit a page or a README column,
# so the small print (edge labels, sanctuary laws) is kept large.
SIZE_TITLE = 18
SIZE_SUBTITLE = 14
SIZE_BOX = 14
SIZE_NAME = 14
SIZE_NOTE = 12
SIZE_EDGE = 12

# (shape, extra style, fill colour, legend text).  Pale fills keep black text
# readable; shape carries the kind too, so the diagram survives greyscale print.
KIND_STYLE: dict[str, tuple[str, str, str, str]] = {
    "agency": ("box", "rounded", "#dbe9f6", "local or state agency"),
    "fusion_center": ("hexagon", "", "#fde3c8", "fusion center"),
    "federal_agency": ("box", "", "#f4cccc", "federal agency or unit"),
    "vendor": ("component", "", "#e4dbf0", "surveillance vendor"),
    "data_broker": ("folder", "", "#fff2b3", "data broker"),
    "database": ("cylinder", "", "#d9ead3", "database"),
    "group": ("box", "rounded,dashed", "#eeeeee", "group of agencies"),
    "account": ("note", "", "#ffffff", "account not shown to be an agency"),
}
# Companies and federal bodies are not local to a state even when based in one.
NOT_LOCAL_KINDS = ("federal_agency", "vendor", "data_broker")
EVIDENCE_STYLE: dict[str, str] = {"documented": "solid", "reported": "dashed", "capability": "dotted"}
EVIDENCE_KEY: dict[str, str] = {
    "documented": "documented: a primary record shows it",
    "reported": "reported: a source says it happens",
    "capability": "capability: access exists, use not shown",
}

INK = "#333333"
SANCTUARY = "#1a7f37"
BLOCKED = "#c0392b"
CUT = "#7b3294"
GREY_LINE = "#c4c4c4"
GREY_TEXT = "#9a9a9a"
GREY_FILL = "#f4f4f4"
MUTED = "#555555"

# Wrap widths in characters, so names and labels make compact boxes.
NAME_WIDTH = 26
NOTE_WIDTH = 32
# A hexagon grows sideways with its height, so its text is wrapped wider and shorter.
HEXAGON_NAME_WIDTH = 34
HEXAGON_NOTE_WIDTH = 40
EDGE_WIDTH = 28
CLUSTER_NOTE_WIDTH = 40


@dataclass(frozen=True)
class _Heading:
    """How the title block wraps: a tall diagram is narrow, so its heading is too."""

    title_width: int  # characters
    note_width: int
    swatches_per_row: int
    lines_per_row: int


HEADINGS: dict[str, _Heading] = {"tall": _Heading(42, 64, 4, 2), "wide": _Heading(70, 110, 9, 4)}


# -- escaping -------------------------------------------------------------------

def _clean(text: str) -> str:
    """One line: newlines and tabs in the data must not break a label's layout.

    ``str.split()`` splits on what ``\\s`` matches (``str.isspace``), in C.
    """
    return " ".join(text.split())


def _html(text: str) -> str:
    """Text for an HTML-like label.  Graphviz expands ``\\N`` and friends even
    inside HTML labels, after decoding entities, so backslashes are doubled."""
    return html.escape(text, quote=True).replace("\\", "\\\\")


def _label_html(lines: list[str]) -> str:
    """An HTML-like label from lines that are already marked up and escaped."""
    return "<" + "<br/>".join(lines) + ">"


def _beside_label(lines: list[str]) -> str:
    """An edge label for a top-to-bottom layout, where Graphviz sets it just
    right of the edge: left-aligned, after a gap, so no text touches the line."""
    return ('<<table border="0" cellborder="0" cellspacing="0" cellpadding="0"><tr><td width="6"></td>'
            f'<td balign="left">{"<br/>".join(lines)}</td></tr></table>>')


def _esc_string(text: str) -> str:
    """A quoted DOT escString (URL, id, class).  ``&`` becomes an entity because
    Graphviz passes ``&amp;``-like text through to SVG unescaped."""
    return '"' + text.replace("&", "&amp;").replace("\\", "\\\\").replace('"', '\\"') + '"'


def _tooltip(lines: list[str]) -> str:
    """A quoted tooltip.  Graphviz unescapes tooltips twice (``\\\\\\\\N`` shows as
    ``\\N``), so each backslash becomes four; lines join with real newlines."""
    return _tooltip_text("\n".join(lines))


def _tooltip_text(text: str) -> str:
    """:func:`_tooltip` of text whose lines are already joined."""
    return '"' + text.replace("&", "&amp;").replace("\\", "\\\\\\\\").replace('"', '\\"') + '"'


def _node_name(node_id: str) -> str:
    """Node names are always quoted: an unquoted ``a:b`` would be node ``a``, port ``b``."""
    return '"' + node_id.replace("\\", "\\\\").replace('"', '\\"') + '"'


_SAFE_URL = re.compile(r"https?://[^\s\"'<>\\]+")


def _safe_url(url: str) -> str | None:
    """The URL if it is plain http(s); the loader checks this too, but a link
    in a published diagram is worth checking twice."""
    return url if url and _SAFE_URL.fullmatch(url) else None


def _wrap(text: str, width: int) -> list[str]:
    # Long words stay whole: breaking inside a name or a URL misleads more than an overlong line.
    text = _clean(text)
    if len(text) <= width:  # what textwrap would return, without its cost (most labels are short)
        return [text]
    # What textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False) returns,
    # by hand: on text _clean has left with single spaces, its greedy fill is this loop, and
    # textwrap's general machinery cost 15 µs a call, a third of a large diagram's boxes
    # (tests/test_render.py checks the two agree on any text).
    lines = []
    line = ""
    for word in text.split(" "):
        if not line:
            line = word
        elif len(line) + 1 + len(word) <= width:
            line += " " + word
        else:
            lines.append(line)
            line = word
    lines.append(line)
    return lines


# -- the diagram ----------------------------------------------------------------

class Diagram:
    """A diagram of the map: its DOT text and the ways to turn it into an image.

    ``nodes`` and ``edges`` are the ids drawn (the legend aside).  The DOT is
    built when first asked for, so a diagram too large to draw is refused
    before any work goes into its DOT.
    """

    def __init__(self, dot: str | Callable[[], str], nodes: tuple[str, ...], edges: tuple[str, ...],
                 title: str = ""):
        self._dot = dot
        self.nodes = nodes
        self.edges = edges
        self.title = title

    @property
    def dot(self) -> str:
        """The Graphviz DOT text."""
        if callable(self._dot):
            self._dot = self._dot()
        return self._dot

    def render(self, format: str = "svg") -> bytes:
        """The diagram as ``svg``, ``png``, ``pdf`` or ``dot`` bytes.

        Raises :class:`~flowmap.errors.RenderError` when Graphviz is missing or fails.
        """
        if format not in FORMATS:
            raise RenderError(f"unknown format {format!r}; choose --format from: {', '.join(FORMATS)}")
        if format == "dot":
            return self.dot.encode("utf-8")
        check_drawable(len(self.edges))
        return _draw(self.dot, format)

    def save(self, path: str | os.PathLike, format: str | None = None) -> str:
        """Write the diagram to ``path`` and return the format written.

        The format comes from the suffix (.svg .png .pdf .dot .gv) unless
        ``format`` says otherwise.  The file is written whole or not at all:
        the image is drawn first, then written to a temporary file beside
        ``path`` and renamed over it.
        """
        path = Path(path)
        fmt = format or format_for(path)
        write_atomic(path, self.render(fmt))
        return fmt

    def _repr_svg_(self) -> str | None:
        # Jupyter shows __repr__ instead when this returns None (no Graphviz).
        try:
            return self.render("svg").decode("utf-8")
        except RenderError:
            return None

    def __repr__(self) -> str:
        return (f"<Diagram {self.title!r}: {len(self.nodes)} nodes, {len(self.edges)} edges; "
                ".save('map.svg') to write it, .dot for the DOT text>")


def check_drawable(edges: int) -> None:
    """Raise :class:`RenderError` when a diagram of ``edges`` edges is too large to draw."""
    if edges > MAX_EDGES_TO_DRAW:
        raise RenderError(
            f"the diagram has {edges} edges, too many to lay out legibly "
            f"(limit {MAX_EDGES_TO_DRAW}); narrow it with --from, --carrying or --min-evidence, "
            "or write the DOT with --format dot and lay it out yourself (e.g. `sfdp -Tsvg`)")


def format_for(path: str | os.PathLike) -> str:
    """The output format a file name asks for, from its suffix."""
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        shown = f"suffix {suffix!r}" if suffix else "no suffix"
        raise RenderError(f"cannot tell the image format of {os.fspath(path)!r} ({shown}); name the file "
                          f"{', '.join(SUFFIXES)} or choose one with --format {{{','.join(FORMATS)}}}")
    return SUFFIXES[suffix]


def write_atomic(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` so that a reader never sees half a file.

    The temporary file is created with ``os.open`` rather than ``tempfile`` so
    the umask, not a private 0600 mode, decides the final file's permissions.
    """
    directory = path.parent
    if not directory.is_dir():
        raise RenderError(f"cannot write {os.fspath(path)!r}: directory {os.fspath(directory)!r} does not exist")
    temporary = directory / f".{path.name}.{secrets.token_hex(6)}.tmp"
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise RenderError(f"cannot write {os.fspath(path)!r}: {exc.strerror or exc}") from exc


def _draw(dot: str, format: str) -> bytes:
    advice = ("The DOT can still be written with `--format dot` (format='dot' in Python); to get an "
              "image, `pip install pygraphviz` (its wheels bundle Graphviz) or install Graphviz and run "
              f"`dot -T{format} diagram.dot -o diagram.{format}`.")
    try:
        import pygraphviz
    except (ImportError, OSError) as exc:  # OSError: the wheel's bundled libraries failed to load
        raise RenderError(f"cannot draw a {format} image: pygraphviz is not available ({exc}). {advice}") from exc
    args = f"-Gdpi={PNG_DPI}" if format == "png" else ""
    try:
        with _without_stale_fontconfig_warnings():
            return pygraphviz.AGraph(string=dot).draw(format=format, prog="dot", args=args)
    except Exception as exc:  # pygraphviz reports Graphviz failures as ValueError, DotError or others
        raise RenderError(f"Graphviz could not draw the {format} image: {exc}. {advice}") from exc


#: What the fontconfig bundled in the pygraphviz wheel says of a newer system's
#: configuration it cannot parse (``<reset-dirs>``, fontconfig 2.14+).  It is
#: harmless (the element is skipped, fonts still load) but reads as an error.
#: FONTCONFIG_FILE cannot avoid it: that build scans /usr/share/fontconfig/conf.avail
#: whatever file it is given.
STALE_FONTCONFIG = re.compile(rb'^Fontconfig warning: .*unknown element "reset-dirs"\r?$')


@contextlib.contextmanager
def _without_stale_fontconfig_warnings():
    """Pass everything the C libraries write to stderr during a draw, except
    :data:`STALE_FONTCONFIG` lines.  Graphviz writes to file descriptor 2
    directly, so the descriptor is redirected to a temporary file and its
    lines are copied back afterwards; a real error still reaches the user."""
    try:
        saved = os.dup(2)
    except OSError:  # no stderr to filter (a detached process)
        yield
        return
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            kept = [line for line in captured.read().splitlines(keepends=True)
                    if not STALE_FONTCONFIG.match(line.rstrip(b"\n"))]
            if kept:
                os.write(2, b"".join(kept))


# -- what to draw ---------------------------------------------------------------

@dataclass
class _Selection:
    """Which nodes and edges to draw, and how each edge is marked."""

    nodes: list[str]  # in file order
    edges: list[str]  # in file order
    focus_nodes: set[str]
    focus_edges: set[str]
    blocked: dict[str, tuple[str, ...]] = field(default_factory=dict)  # edge -> jurisdiction ids it shuts out
    blocked_relative: bool = True  # blocked for this route's origin, or a policy on the whole map
    cut: set[str] = field(default_factory=set)
    title: list[str] = field(default_factory=list)
    anchors: set[str] = field(default_factory=set)  # drawn on their own, never collapsed: the source, the target

    memo: dict[tuple, object] = field(default_factory=dict, repr=False)  # text worked out once per diagram
    names: dict[str, str] = field(default_factory=dict, repr=False)  # node id -> its name on one line

    def drawn(self, model: Model) -> dict[str, tuple[Hop, tuple]]:
        """Each edge's hop and :func:`_edge_look`, looked up once per diagram: every
        pass over the edges (boxes, layout, groups, key, lines) reads them."""
        if "drawn" not in self.memo:
            drawn = {}
            for edge_id in self.edges:
                hop = hop_for(model, edge_id)
                drawn[edge_id] = (hop, _edge_look(self, edge_id, hop.evidence.level))
            self.memo["drawn"] = drawn
        return self.memo["drawn"]  # type: ignore[return-value]

    def name(self, model: Model, node_id: str) -> str:
        """A node's name on one line, worked out once per diagram."""
        name = self.names.get(node_id)
        if name is None:
            name = self.names[node_id] = _clean(model.name(node_id))
        return name

    @property
    def has_context(self) -> bool:
        """Whether greyed context is drawn beside the routes."""
        return len(self.focus_edges) != len(self.edges)


def check_options(query: Query, *, context: bool = False, firewall: bool = False, layout: str = "auto") -> None:
    """Refuse, before any query runs, the options a diagram cannot honour."""
    if layout not in LAYOUTS:
        raise QueryError(f"unknown layout {layout!r}; choose --layout from: {', '.join(LAYOUTS)}")
    if query.source is None:
        for flag, wanted in (("--context", context), ("--firewall", firewall), ("--via", bool(query.via))):
            if wanted:
                raise QueryError(f"{flag} needs a source: add --from SOURCE")
    if firewall and query.via:
        raise QueryError("flowmap render: --firewall marks the cuts that close every route, not only those "
                         "--via keeps: drop --via to draw the firewall (or drop --firewall)")


def diagram(model: Model, query: Query, result: ReachResult | None = None, firewall: Firewall | None = None,
            context: bool = False, layout: str = "auto", collapse: bool = True) -> Diagram:
    """A diagram of the whole map, or of the routes of a reach result.

    Parameters
    ----------
    query : Query
        What to draw: the filters narrow the map as for ``reach``.
    result : ReachResult or None
        The routes to draw (``flowmap.routes.reach`` of ``query``); None for
        the whole map.
    firewall : Firewall or None
        With ``result``: the cuts to mark (``flowmap.cuts.firewall`` of ``query``).
    context : bool
        With ``result``: draw the rest of the map too, greyed.
    layout : {"auto", "wide", "tall"}
        ``wide``: data flows left to right (slides); ``tall``: top to bottom
        (pages); ``auto``: whichever keeps the picture narrower.
    collapse : bool
        Draw nodes that play the same part (the same kind and sanctuary status,
        the same senders and the same receivers, by lines drawn alike) as one
        box that counts and names them; False draws every node apart.
    """
    check_options(query if result is not None else query.replace(source=None), context=context,
                  firewall=firewall is not None, layout=layout)
    plan = Plan(model, query.replace(source=None) if result is None else result.query)
    if result is None:
        selection = _whole_map(model, plan)
    else:
        selection = _routes_from(model, plan, result, context, firewall)
    return _diagram_of(model, plan, selection, layout, collapse)


def routes_diagram(model: Model, query: Query, routes: Iterable[Route], title: str, caption: str,
                   layout: str = "auto", collapse: bool = True) -> Diagram:
    """A diagram of the given routes alone, from however many sources they start at.

    The sanctuary sweep's brief draws with it the shortest route of each node
    it lists (:attr:`flowmap.sanctuary.SweepResult.reaches`), rather than the
    whole map: the picture shows what the brief lists, and stays small enough
    to draw on a national map.  The rules are :func:`diagram`'s: only the
    routes' nodes and edges, the target (and its units) in its box and drawn
    on its own, nodes that play the same part collapsed into one box, every
    value escaped, the same routes giving the same DOT.  A channel under a
    policy restriction is marked as on the whole map ("policy: no data from
    …"): the routes start at different places, and each drawn is open to
    data from its own start.

    Parameters
    ----------
    query : Query
        The question the routes answer: its target, and its filters (stated
        under the title).  A source, if any, is ignored.
    routes : iterable of Route
        The routes to draw, open ones (as :func:`flowmap.routes.reach` or
        :func:`flowmap.sanctuary.sweep` found them for ``query``).
    title : str
        The diagram's title; ``A → B`` wraps with each name on its own line.
    caption : str
        What the diagram shows, the line under the title ("The shortest route
        of each of the 15 nodes listed").
    layout, collapse
        As for :func:`diagram`.

    Examples
    --------
    >>> import flowmap
    >>> fm = flowmap.load()
    >>> swept = fm.sanctuary(within="San Francisco")
    >>> drawn = routes_diagram(fm.model, swept.query, [r.shortest for r in swept.reaches],
    ...                        "San Francisco → ICE", "The shortest route of each node listed")
    >>> drawn.nodes, drawn.edges
    (('ice-das', 'sfpd', 'ncric'), ('sfpd-to-ncric-shared-data', 'ncric-to-ice-das-search-requests'))
    """
    check_options(query.replace(source=None), layout=layout)
    plan = Plan(model, query.replace(source=None, via=()))
    return _diagram_of(model, plan, _routes_together(model, plan, list(routes), title, caption), layout, collapse)


def _diagram_of(model: Model, plan: Plan, selection: _Selection, layout: str, collapse: bool) -> Diagram:
    # The target is drawn on its own, never collapsed with others that play its part.
    selection.anchors |= {plan.target} | (plan.target_members & set(selection.nodes))
    return Diagram(lambda: _build_dot(model, plan, selection, layout, collapse), tuple(selection.nodes),
                   tuple(selection.edges), selection.title[0] if selection.title else "")


def _map_edges(model: Model, query: Plan) -> list[str]:
    """The edges the filters keep, in file order."""
    mask = edge_mask(model, query.query)
    return [model.edge_ids[e] for e in np.flatnonzero(mask).tolist()]


def _ordered_nodes(model: Model, nodes: set[str]) -> list[str]:
    return sorted(nodes, key=model.node_index.__getitem__)


def _ordered_edges(model: Model, edges: set[str]) -> list[str]:
    return sorted(edges, key=model.edge_index.__getitem__)


def _endpoints(model: Model, edges: list[str]) -> set[str]:
    arrays, index, ids = model.arrays, model.edge_index, model.node_ids
    positions = [index[e] for e in edges]
    return {ids[i] for i in arrays.sender[positions].tolist()} | {ids[i] for i in arrays.receiver[positions].tolist()}


def _whole_map(model: Model, query: Plan) -> _Selection:
    edges = _map_edges(model, query)
    nodes = _endpoints(model, edges) | {query.target}
    blocked = {e: split_list(excludes) for e in edges if (excludes := model.edge_row(e)["excludes"])}
    title = [f"Data flows toward {_clean(model.name(query.target))}",
             f"{len(nodes)} entities, {len(edges)} flows; each flow cites its source.",
             _conditions_line(model, query, routes=False)]
    return _Selection(_ordered_nodes(model, nodes), edges, set(nodes), set(edges), blocked, False, title=title)


def _routes_from(model: Model, query: Plan, result: ReachResult, context: bool,
                 fw: Firewall | None) -> _Selection:
    source = result.source
    limit = result.limit
    edges: set[str] = set()
    nodes: set[str] = {source}
    blocked: dict[str, tuple[str, ...]] = {}
    for route in (*result.routes, *result.blocked):
        edges.update(route.edges)
        nodes.update(route.nodes)
        for restriction in route.blocked_by:
            blocked[restriction.edge] = restriction.matched
    if nodes.isdisjoint(query.target_members):
        nodes.add(query.target)  # a diagram of "cannot reach" still shows what it cannot reach

    open_count, blocked_count = len(result.routes), len(result.blocked)
    # Plain words for the reader of a published diagram; the details are in the key and the tooltips.
    def count(n: int, more: bool) -> str:
        return f"{n}{'+' if more else ''} route{'s' if n != 1 or more else ''}"

    hops = query.query.max_hops
    within = f" within {hops} hop{'s' if hops != 1 else ''}" if hops is not None else ""
    if open_count:
        found = f"{count(open_count, result.more_routes)} found{within}"
        if blocked_count:
            found += f", and {count(blocked_count, result.more_blocked)} blocked by a policy"
        found += "; each hop cites its source."
    elif blocked_count:
        found = (f"No open route in this data{within}: {count(blocked_count, result.more_blocked)} blocked by a "
                 "policy; each hop cites its source.")
    else:
        found = f"No route found in this data{within}; that is not proof that no data moves."
    title = [f"{_clean(model.name(source))} → {_clean(model.name(query.target))}", found,
             _conditions_line(model, query)]
    if result.more_routes or result.more_blocked:
        title.append((f"Showing the first {limit} routes of each kind" if limit != 1 else
                      "Showing the first route of each kind") + "; more exist (raise --limit).")
    title += _joins_line(model, (*result.routes, *result.blocked))

    cut: set[str] = set()
    if fw is not None:
        # The firewall closes routes of every length, so a cut edge may lie
        # beyond max_hops; it is drawn anyway, since the cut is the point.
        cut = set(fw.edges)
        edges |= cut
        nodes |= _endpoints(model, sorted(cut))
        if not fw.reachable:
            title.append("Firewall: no open route, nothing to cut.")
        else:
            line = (f"Firewall: cutting the {len(cut)} marked channel{'s' if len(cut) != 1 else ''} "
                    "closes every open route")
            if fw.nodes:
                line += "; or remove " + ", ".join(_clean(model.name(n)) for n in fw.nodes)
            title.append(line + ("." if fw.verified else " (NOT VERIFIED: please report this)."))

    focus_nodes, focus_edges = set(nodes), set(edges)
    if context:
        rest = _map_edges(model, _map_query(query))
        edges |= set(rest)
        nodes |= _endpoints(model, rest)
    return _Selection(_ordered_nodes(model, nodes), _ordered_edges(model, edges), focus_nodes, focus_edges,
                      blocked, True, cut, title, anchors={source})


def _joins_line(model: Model, routes: Iterable[Route]) -> list[str]:
    """The title's line naming the groups whose statements the routes join (none: no line)."""
    joins = sorted({j.group for r in routes for j in r.group_joins}, key=model.node_index.__getitem__)
    if not joins:
        return []
    # A route through a group joins statements about the group that need not be
    # about the same members: the reader must know which routes rest on that.
    return ["Routes through " + ", ".join(_clean(model.name(g)) for g in joins)
            + " join statements about a group (dashed grey box), not about one body."]


def _routes_together(model: Model, query: Plan, routes: list[Route], title: str, caption: str) -> _Selection:
    """The union of some routes' nodes and edges, each a route (none greyed as context)."""
    edges: set[str] = set()
    nodes: set[str] = set()
    for route in routes:
        edges.update(route.edges)
        nodes.update(route.nodes)
    if nodes.isdisjoint(query.target_members):
        nodes.add(query.target)  # no route: the diagram still shows what none reaches
    ordered = _ordered_edges(model, edges)
    blocked = {e: split_list(excludes) for e in ordered if (excludes := model.edge_row(e)["excludes"])}
    lines = [title, caption, _conditions_line(model, query), *_joins_line(model, routes)]
    return _Selection(_ordered_nodes(model, nodes), ordered, set(nodes), set(edges), blocked, False, title=lines)


def _map_query(query: Plan) -> Plan:
    """The query's map for context: the same filters, minus what only shapes routes."""
    if not query.query.via:
        return query
    return Plan(query.model, query.query.replace(via=()))


def _conditions_line(model: Model, query: Plan, routes: bool = True) -> str:
    """``On documented evidence only, carrying …``: the filters in plain words (empty: none)."""
    from .verdict import filter_phrases

    q = query.query
    phrases = filter_phrases(model, q if routes else q.replace(via=()))
    if not q.group_joins:
        phrases.append("leaving out routes that join statements about a group")
    text = ", ".join(phrases)
    return (text[:1].upper() + text[1:] + ".") if text else ""


# -- DOT --------------------------------------------------------------------------

def _build_dot(model: Model, query: Plan, selection: _Selection, layout: str, collapse: bool = True) -> str:
    """The DOT text, written here rather than by pydot: every value is already
    quoted or escaped (see the module docstring), and pydot's per-attribute
    quoting checks cost more than the rest of the diagram on large maps.  The
    format is pydot's, byte for byte, so diagrams diff cleanly across versions."""
    boxes = _boxes(model, selection, collapse)
    if layout == "auto":
        layout = _narrower_layout(model, selection, boxes)
    graph_attrs = {
        "rankdir": "LR" if layout == "wide" else "TB",
        "newrank": "true",  # rank across clusters, so a state's box does not stretch the routes
        "nodesep": "0.25", "ranksep": "0.45", "pad": "0.3", "bgcolor": "white",
        "fontname": f'"{FONT}"', "labelloc": "t", "labeljust": "l",
        "label": _heading(model, selection, HEADINGS[layout]),
    }
    out = ["digraph flowmap {\n"]
    out += [f"{key}={value};\n" for key, value in graph_attrs.items()]
    out.append("node" + _attr_list({"fontname": f'"{FONT}"', "fontsize": str(SIZE_NAME),
                                    "margin": '"0.12,0.06"', "penwidth": "1.2"}) + ";\n")
    out.append("edge" + _attr_list({"fontname": f'"{FONT}"', "fontsize": str(SIZE_EDGE),
                                    "arrowsize": "0.7", "penwidth": "1.3"}) + ";\n")

    # Everything sits in a borderless box whose label, at its foot, is the credit
    # line: a graph has one label (the heading), a cluster's can go below.
    out.append("subgraph cluster_credit {\n")
    out += [f"{key}={value};\n" for key, value in
            {"label": _credit(model, selection, HEADINGS[layout]), "labelloc": "b", "labeljust": "l",
             "color": "white"}.items()]
    shown_law: dict[str, str] = {}  # box -> jurisdiction whose law its cluster's label already names
    placed: set[str] = set()
    for cluster in _clusters(model, query, selection, layout, boxes.drawn):
        label = "<" + "".join(f'{line}<br align="left"/>' for line in cluster.label) + ">"
        out.append(f"subgraph cluster_{cluster.name} {{\n")
        # labelloc is set on every box: unset, it would inherit the credit box's "b".
        out += [f"{key}={value};\n" for key, value in {"label": label, "labelloc": "t", **cluster.style}.items()]
        for box in cluster.members:
            if cluster.law:
                shown_law[box.name] = cluster.law
            out.append(_node(model, selection, box, shown_law.get(box.name)) + "\n")
        placed.update(box.name for box in cluster.members)
        out.append("}\n")
    for box in boxes.drawn:
        if box.name not in placed:
            out.append(_node(model, selection, box, None) + "\n")
    beside = layout == "tall"
    for group in _edge_groups(model, selection, boxes):
        _edge(model, selection, boxes, group, beside, out)
    out.append("}\n}\n")
    return "".join(out)


#: Sources named in the credit line; the rest are counted (every one is in the tooltips).
CREDIT_SOURCES = 4
SIZE_CREDIT = 10


def _credit(model: Model, selection: _Selection, heading: _Heading) -> str:
    """The foot of the diagram, in small type: the sources its flows and laws
    cite, then "Made with flowmap"."""
    cited: dict[str, None] = {}
    for edge_id in selection.edges:
        if edge_id in selection.focus_edges:
            cited.setdefault(hop_for(model, edge_id).evidence.citation)
    for node_id in selection.nodes:
        if node_id in selection.focus_nodes:
            sanctuary = model.sanctuary(node_id)
            for law in sanctuary.laws:
                if law["citation"]:
                    cited.setdefault(law["citation"])
            if not sanctuary.covered:  # a designation is drawn only where no law covers the node
                for designation in sanctuary.designations:
                    if designation["citation"]:
                        cited.setdefault(designation["citation"])
    names = []
    for citation in list(cited)[:CREDIT_SOURCES]:
        row = model.source_row(citation)
        year = (row["date"] or "")[:4]
        who = _clean(row["publisher"])
        names.append((f"{who}, " if who else "") + f"“{_clean(row['title'])}”" + (f" ({year})" if year else ""))
    if len(cited) > CREDIT_SOURCES:
        names.append(f"and {len(cited) - CREDIT_SOURCES} more")
    text = (f"Source{'s' if len(cited) != 1 else ''}: {'; '.join(names)}. " if names else "") + \
        "Each flow’s citation is in its tooltip (SVG). Made with flowmap."
    lines = _wrap(text, heading.note_width + 20)
    return "<" + "".join(f'<font point-size="{SIZE_CREDIT}" color="{MUTED}">{_html(line)}</font><br align="left"/>'
                         for line in lines) + ">"


def _attr_list(attrs: dict[str, str]) -> str:
    """`` [key=value, ...]`` as pydot writes it; the values arrive quoted or escaped."""
    return " [" + ", ".join(f"{key}={value}" for key, value in attrs.items()) + "]" if attrs else ""


# -- nodes that play the same part --------------------------------------------------

#: Collapse nodes into one box only when at least this many play the same part.
COLLAPSE_MIN = 3
#: Names listed in a collapsed box's label (all of them are in its tooltip).
COLLAPSE_NAMES_SHOWN = 4

KIND_PLURAL: dict[str, str] = {
    "agency": "agencies", "fusion_center": "fusion centers", "federal_agency": "federal agencies",
    "vendor": "vendors", "data_broker": "data brokers", "database": "databases", "group": "groups of agencies",
    "account": "accounts not shown to be agencies",
}


@dataclass(frozen=True)
class _Box:
    """One box in the drawing: a node, or several nodes playing the same part."""

    name: str  # the DOT node name: the node id, or for a collapsed box "<first id>+<others>"
    members: tuple[str, ...]  # node ids, in file order

    @property
    def first(self) -> str:
        return self.members[0]


@dataclass
class _Boxes:
    drawn: list[_Box]  # in the file order of their first member
    of: dict[str, _Box]  # node id -> its box
    quoted: dict[str, str] = field(default_factory=dict)  # node id -> its box's DOT name, quoted once


def _edge_look(selection: _Selection, edge_id: str, evidence: str) -> tuple:
    """What decides how an edge is drawn (line style, colour, marking)."""
    return (evidence, edge_id in selection.focus_edges, selection.blocked.get(edge_id), edge_id in selection.cut)


def _boxes(model: Model, selection: _Selection, collapse: bool) -> _Boxes:
    """The boxes to draw.  With ``collapse``, nodes that play the same part on
    the drawn routes share one: the same kind, sanctuary status and state box,
    the same senders and the same receivers, by edges drawn alike.  The 48
    agencies that each pass San Jose's plate reads on to NCRIC are one box
    saying "48 agencies", not 48 parallel paths.  The source and the target
    are always drawn on their own."""
    groups: dict[tuple, list[str]] = {}
    if collapse:
        senders: dict[str, set] = {}
        receivers: dict[str, set] = {}
        for hop, look in selection.drawn(model).values():
            receivers.setdefault(hop.sender, set()).add((hop.receiver, look))
            senders.setdefault(hop.receiver, set()).add((hop.sender, look))
        by_links: dict[tuple, list[str]] = {}
        for node_id in selection.nodes:
            if node_id in selection.anchors or (node_id not in senders and node_id not in receivers):
                continue
            links = (frozenset(senders.get(node_id, ())), frozenset(receivers.get(node_id, ())))
            by_links.setdefault(links, []).append(node_id)
        # Only nodes with the same links can share a part: look up the rest of it for those alone.
        for links, alike in by_links.items():
            if len(alike) < COLLAPSE_MIN:
                continue
            for node_id in alike:
                kind = model.node_kinds[node_id]
                part = (links, kind, node_id in selection.focus_nodes,
                        tuple(law["id"] for law in model.sanctuary(node_id).laws),
                        tuple(d["id"] for d in model.sanctuary(node_id).designations),
                        "" if kind in NOT_LOCAL_KINDS else _state_of(model, node_id))
                groups.setdefault(part, []).append(node_id)
    together = {node_id: members for members in groups.values() if len(members) >= COLLAPSE_MIN
                for node_id in members}
    drawn: list[_Box] = []
    of: dict[str, _Box] = {}
    for node_id in selection.nodes:
        if node_id in of:
            continue
        members = together.get(node_id, [node_id])
        box = _Box(node_id if len(members) == 1 else f"{node_id}+{len(members) - 1}", tuple(members))
        drawn.append(box)
        of.update((m, box) for m in members)
    quoted = {box.name: _node_name(box.name) for box in drawn}
    return _Boxes(drawn, of, {node_id: quoted[box.name] for node_id, box in of.items()})


def _narrower_layout(model: Model, selection: _Selection, boxes: _Boxes) -> str:
    """``tall`` when the drawing is deeper (hops) than it is broad (boxes side
    by side), ``wide`` otherwise: either way the picture's narrow side is the
    one a page or a README column squeezes.

    Graphviz ranks nodes by longest path; the generations of the graph with
    its cycles collapsed estimate those ranks well enough to choose.
    """
    names = [box.name for box in boxes.drawn]
    successors: dict[str, set[str]] = {name: set() for name in names}
    of = boxes.of
    for hop, _ in selection.drawn(model).values():
        successors[of[hop.sender].name].add(of[hop.receiver].name)
    ranks, broadest = _generations(names, successors)
    return "tall" if ranks > broadest else "wide"


def _generations(names: list[str], successors: dict[str, set[str]]) -> tuple[int, int]:
    """The number of generations of the graph with each cycle collapsed into one
    node, and the most nodes (counting a cycle's members) in one generation."""
    component = _strongly_connected(names, successors)
    size: dict[int, int] = {}
    for name in names:
        size[component[name]] = size.get(component[name], 0) + 1
    after: dict[int, set[int]] = {c: set() for c in size}
    for name, targets in successors.items():
        after[component[name]].update(component[t] for t in targets if component[t] != component[name])
    waiting = dict.fromkeys(size, 0)
    for targets in after.values():
        for c in targets:
            waiting[c] += 1
    generation = [c for c, n in waiting.items() if n == 0]
    ranks = broadest = 0
    while generation:  # Kahn's algorithm, a generation at a time
        ranks += 1
        broadest = max(broadest, sum(size[c] for c in generation))
        following = []
        for c in generation:
            for d in after[c]:
                waiting[d] -= 1
                if not waiting[d]:
                    following.append(d)
        generation = following
    return ranks, broadest


def _strongly_connected(names: list[str], successors: dict[str, set[str]]) -> dict[str, int]:
    """Each name's strongly connected component, numbered (Tarjan's algorithm,
    iterative: a diagram's routes can be longer than Python's recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    component: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    count = 0
    for root in names:
        if root in index:
            continue
        work = [(root, iter(sorted(successors[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(successors[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component[member] = count
                    if member == node:
                        break
                count += 1
    return component


@dataclass(frozen=True)
class _Cluster:
    name: str  # written with the prefix "cluster_"
    label: list[str]  # HTML lines
    style: dict[str, str]
    members: list[_Box]
    law: str | None = None  # the jurisdiction whose sanctuary law or designation the label names


def _clusters(model: Model, query: Plan, selection: _Selection, layout: str, drawn: list[_Box]) -> list[_Cluster]:
    """The target and its units in one box; then a box per state for the
    local and state bodies of states with at least two of them drawn (a box
    round a single node says no more than a label line would)."""
    clusters = []
    target_members = [box for box in drawn if box.first in query.target_members]
    if target_members:
        style = {"style": '"rounded,filled"', "fillcolor": '"#fbeeee"', "color": '"#a05050"',
                 "fontsize": str(SIZE_BOX), "penwidth": "1.5",
                 # Routes come down into the target's box when tall: a label on top would be crossed.
                 "labelloc": "b" if layout == "tall" else "t"}
        # The target's own box names it; a label saying it again reads as a second ICE.
        named = any(query.target in box.members for box in target_members)
        label = [] if named else [f"<b>{_html(_clean(model.name(query.target)))}</b>"]
        clusters.append(_Cluster("target", label, style, target_members))
    by_state: dict[str, list[_Box]] = {}
    for box in drawn:
        if box.first in query.target_members or model.node_row(box.first)["kind"] in NOT_LOCAL_KINDS:
            continue
        if state := _state_of(model, box.first):
            by_state.setdefault(state, []).append(box)
    for state in sorted(by_state):
        members = by_state[state]
        if len(members) < 2:
            continue
        law = model.state_jurisdiction(state)
        row = model.jurisdiction_row(law) if law else None
        name = _clean(row["name"]) if row else state
        label = [f"<b>{_html(name)}</b>"]
        grey = all(box.first not in selection.focus_nodes for box in members)
        named = False
        if row and row["sanctuary"] == "yes":
            colour = GREY_TEXT if grey else SANCTUARY
            text = covered_by([{"law": row["law"], "name": row["name"]}])
            label += [f'<font point-size="{SIZE_NOTE}" color="{colour}">{_html(line)}</font>'
                      for line in _wrap(text, CLUSTER_NOTE_WIDTH)]
            named = True
        # A designation is said where it is the only claim: beside a law it would read as one more law.
        designations = [d for d in model.sanctuary(members[0].first).designations if law and d["jurisdiction"] == law]
        if designations and not named:
            label += [f'<font point-size="{SIZE_NOTE}" color="{GREY_TEXT if grey else MUTED}">{_html(line)}</font>'
                      for line in [*_wrap(designated_by(designations, places=False), CLUSTER_NOTE_WIDTH), NOT_A_LAW]]
            named = True
        if not named:
            law = None
        style = {"style": "rounded", "color": '"#9aa7b5"', "fontcolor": '"#4a5a6a"', "fontsize": str(SIZE_BOX)}
        clusters.append(_Cluster(f"state_{state}", label, style, members, law))
    return clusters


def _place_name(name: str) -> str:
    """``Northern California (NCRIC's area)`` → ``Northern California``;
    ``Orange County, California`` → ``Orange County``; but ``Washington, DC``
    stays whole: "DC" is part of the city's name, and "Washington" alone
    reads as the state (which DOJ's list designates too)."""
    text = re.sub(r"\s*\(.*?\)", "", name)
    place, _, rest = text.partition(",")
    if re.fullmatch(r"\s*(?:D\.\s?C\.|DC|District of Columbia)\s*", rest):
        place = text
    return _clean(place) or _clean(name)


def _law_words(law: dict) -> str:
    """A covering law in plain words: ``California's SB54`` when the source names
    a law plainly, else ``San Francisco's sanctuary protections``; the law as the
    source words it stays in the tooltip."""
    text = _clean(law["law"])
    place = _place_name(law["name"])
    # A name as a law has one (SB54, Sanctuary City Ordinance): every word capitalised.
    named = len(text) <= 30 and re.fullmatch(r"[A-Z0-9][\w.'’-]*( [A-Z0-9][\w.'’-]*)*", text)
    return f"{place}’s {text}" if named else f"{place}’s sanctuary protections"


def covered_by(laws: list[dict]) -> str:
    """``Covered by California's SB54``, ``Covered by San Francisco's sanctuary protections and …``."""
    phrases = list(dict.fromkeys(_law_words(law) for law in laws))
    if len(phrases) > 1:
        return f"Covered by {', '.join(phrases[:-1])} and {phrases[-1]}"
    return f"Covered by {phrases[0]}" if phrases else "Covered by a sanctuary law"


def designated_by(designations: list[dict], places: bool = True) -> str:
    """``Designated by DOJ (2025-08-05): Colorado``: a designation is a government's
    label for a place, not a law, so it is never worded as coverage (labels add
    :data:`NOT_A_LAW` on a line of its own).  Without ``places`` (a state's box
    names its own designation) the places are left out."""
    text = "; ".join(f"designated by {_clean(by)} ({date})"
                     + (f": {', '.join(_place_name(n) for n in names)}" if places else "")
                     for (by, date), names in designation_clauses(designations).items())
    return text[:1].upper() + text[1:]


def _state_of(model: Model, node_id: str) -> str:
    row = model.node_row(node_id)
    state, jurisdiction = row["state"], row["jurisdiction"]
    if not state and jurisdiction:
        state = model.jurisdiction_row(jurisdiction)["state"]
    return state


def _node(model: Model, selection: _Selection, box: _Box, shown_law: str | None) -> str:
    """The DOT statement drawing a box: one node, or the nodes playing one part."""
    node_id = box.first
    row = model.node_row(node_id)
    shape, extra_style, fill, _ = KIND_STYLE[row["kind"]]
    sanctuary = model.sanctuary(node_id)  # the same for every member of a box
    grey = node_id not in selection.focus_nodes
    hexagon = shape == "hexagon"
    name_width = HEXAGON_NAME_WIDTH if hexagon else NAME_WIDTH
    if len(box.members) == 1:
        lines = [f"<b>{_html(line)}</b>" for line in _wrap(row["name"], name_width)]
    else:
        count = len(box.members)
        lines = [f"<b>{count} {_html(KIND_PLURAL[row['kind']])}</b>"]
        for member in box.members[:COLLAPSE_NAMES_SHOWN]:
            lines += [_html(line) for line in _wrap(model.name(member), name_width)]
        if count > COLLAPSE_NAMES_SHOWN:
            lines.append(f"<i>and {count - COLLAPSE_NAMES_SHOWN} more</i>")
    if sanctuary.covered:
        # The law its state box already names is not repeated, but the word
        # "sanctuary" stays so the node says it on its own.
        laws = [law for law in sanctuary.laws if law["id"] != shown_law]
        colour = GREY_TEXT if grey else SANCTUARY
        text = covered_by(laws) if laws else "Covered by its state’s law"
        lines += [f'<font point-size="{SIZE_NOTE}" color="{colour}">{_html(line)}</font>'
                  for line in _wrap(text, HEXAGON_NOTE_WIDTH if hexagon else NOTE_WIDTH)]
    # Where no law covers the node, a designation its state box does not already name is said on
    # it, apart from any law (the tooltip lists every designation).
    designations = [d for d in sanctuary.designations if d["jurisdiction"] != shown_law]
    if designations and not sanctuary.covered:
        lines += [f'<font point-size="{SIZE_NOTE}" color="{GREY_TEXT if grey else MUTED}">{_html(line)}</font>'
                  for line in [*_wrap(designated_by(designations), HEXAGON_NOTE_WIDTH if hexagon else NOTE_WIDTH),
                               NOT_A_LAW]]
    key = ("node style", row["kind"], sanctuary.covered, grey, len(box.members) > 1)
    look = selection.memo.get(key)
    if look is None:  # boxes drawn alike share their attributes: written once per diagram
        style = ",".join(s for s in (extra_style, "filled") if s)
        classes = (row["kind"], "sanctuary" if sanctuary.covered else "", "context" if grey else "",
                   "collapsed" if len(box.members) > 1 else "")
        look = selection.memo[key] = {
            "class": _esc_string(" ".join(c for c in classes if c)),
            "shape": shape,
            "style": f'"{style}"',
            "fillcolor": f'"{GREY_FILL if grey else fill}"',
            "color": f'"{GREY_LINE if grey else (SANCTUARY if sanctuary.covered else INK)}"',
            "fontcolor": f'"{GREY_TEXT if grey else "black"}"',
        }
        if hexagon:
            look["margin"] = '"0.02,0.02"'  # Graphviz pads a hexagon round its text box; the default doubles it
        if sanctuary.covered:
            look["peripheries"] = "2"
            look["penwidth"] = "1.6"
    attrs = {"id": _esc_string(f"node-{box.name}"), "class": "", "label": _label_html(lines)}
    attrs.update(look)  # type: ignore[call-overload]  # "class" keeps its place before "label"
    if len(box.members) == 1:
        attrs["tooltip"] = _tooltip(_node_tooltip(model, selection, node_id))
        source_url = _safe_url(model.source_row(row["citation"])["url"]) if row["citation"] else None
    else:
        # Every member, named in full: the tooltip (and the DOT) is where the box's list is complete.
        head = (f"{len(box.members)} {KIND_PLURAL[row['kind']]} playing the same part on these routes "
                "(the same senders and receivers):")
        laws = [f"  {_law_heading(law)}" for law in sanctuary.laws]
        laws += [f"  {_designation_heading(d)}" for d in sanctuary.designations]
        attrs["tooltip"] = _tooltip([head, *(f"  {_clean(model.name(m))} [{m}]" for m in box.members),
                                     f"sanctuary: {sanctuary.status}", *laws])
        source_url = None
    if source_url is None:
        for law in sanctuary.laws:
            if law["citation"] and (source_url := _safe_url(model.source_row(law["citation"])["url"])):
                break
    if source_url:
        attrs["URL"] = _esc_string(source_url)
        attrs["target"] = '"_blank"'
    return _node_name(box.name) + _attr_list(attrs) + ";"


def _source_line(model: Model, citation: str, locator: str = "") -> str:
    source = model.source_row(citation)
    where = ", ".join(_clean(p) for p in (source["publisher"], source["date"]) if p)
    line = f"source: {_clean(source['title'])}" + (f" ({where})" if where else "")
    if locator:
        line += f", {_clean(locator)}"
    if _safe_url(source["url"]):
        line += f" — {source['url']}"
    return line


def _cited(model: Model, selection: _Selection, citation: str, locator: str = "") -> str:
    """:func:`_source_line`, once per diagram: many flows and laws cite one source."""
    key = ("source", citation, locator)
    line = selection.memo.get(key)
    if line is None:
        line = selection.memo[key] = _source_line(model, citation, locator)
    return line  # type: ignore[return-value]


def _claim_lines(model: Model, selection: _Selection, claim: dict, heading: str) -> list[str]:
    """A covering law or a designation in a node's tooltip: ``heading``, then its source and
    quote; once per diagram, since one claim covers many nodes."""
    key = ("claim", claim["id"], heading)
    lines = selection.memo.get(key)
    if lines is None:
        lines = [f"  {heading}"]
        if claim["citation"]:
            lines.append("    " + _cited(model, selection, claim["citation"], claim["locator"]))
        if claim["quote"]:
            lines.append(f"    “{_clean(claim['quote'])}”")
        selection.memo[key] = lines
    return lines  # type: ignore[return-value]


def _law_heading(law: dict) -> str:
    return f"{_clean(law['law']) or 'law'} ({_clean(law['name'])})"


def _designation_heading(designation: dict) -> str:
    return (f"designated by {_clean(designation['designated_by'])} ({designation['date']}): "
            f"{_clean(designation['name'])} {NOT_A_LAW}")


def _node_tooltip(model: Model, selection: _Selection, node_id: str) -> list[str]:
    row = model.node_row(node_id)
    lines = [f"{selection.name(model, node_id)} [{node_id}]"]
    facts = [row["kind"].replace("_", " ")]
    if row["state"]:
        facts.append(row["state"])
    if row["aliases"]:
        facts.append("also: " + ", ".join(_clean(a) for a in split_list(row["aliases"])))
    if row["part_of"]:
        facts.append(f"part of {_clean(model.name(row['part_of']))}")
    lines.append(" · ".join(facts))
    sanctuary = model.sanctuary(node_id)
    lines.append(f"sanctuary: {sanctuary.status}")
    for law in sanctuary.laws:
        lines += _claim_lines(model, selection, law, _law_heading(law))
    for designation in sanctuary.designations:
        lines += _claim_lines(model, selection, designation, _designation_heading(designation))
    if row["citation"]:
        lines.append(_cited(model, selection, row["citation"]))
    if row["notes"]:
        lines.append(f"notes: {_clean(row['notes'])}")
    return lines


def _edge_groups(model: Model, selection: _Selection, boxes: _Boxes) -> list[list[str]]:
    """Parallel edges that would be drawn alike (same ends, evidence and
    marking) become one line with one label listing each record: seven lines
    from one group to ICE are unreadable, one line with seven entries is not.
    Edges to or from a collapsed box are parallel in the same way."""
    groups: dict[tuple, list[str]] = {}
    of = boxes.of
    for edge_id, (hop, look) in selection.drawn(model).items():
        groups.setdefault((of[hop.sender].name, of[hop.receiver].name, look), []).append(edge_id)
    return list(groups.values())  # dicts keep insertion order: first edge's file order


def _edge(model: Model, selection: _Selection, boxes: _Boxes, edge_ids: list[str], beside: bool,
          out: list[str]) -> None:
    """Add to ``out`` the DOT statement drawing one line: an edge, or parallel edges drawn alike.

    This runs once per line drawn, and a route diagram has thousands
    (``benchmarks/bench_cli.py`` holds it to five times the query that selects
    it): what lines share (their style, a label read alike, a link) is written
    once per diagram, and the statement's pieces go straight into the DOT's
    list, so its text is copied once, by the final join."""
    drawn = selection.drawn(model)
    memo = selection.memo
    first_id = edge_ids[0]
    first, look = drawn[first_id]
    hops = [first] if len(edge_ids) == 1 else [drawn[e][0] for e in edge_ids]
    grey = not look[1]
    # A context edge between two route nodes (ICE's database answering the
    # fusion center that queried it) must not bend the route backwards.
    pinned = grey and first.sender in selection.focus_nodes and first.receiver in selection.focus_nodes
    key = ("edge style", look, pinned)
    style = memo.get(key)
    if style is None:
        style = memo[key] = _edge_style(selection, look, pinned)
    out += [boxes.quoted[first.sender], " -> ", boxes.quoted[first.receiver],
            " [id=", _esc_string("edge-" + "+".join(edge_ids)), style]
    if not grey:  # context edges stay unlabelled: they are there for orientation, and labels crowd
        ev = first.evidence
        records = ((first.data, ev.date, ev.hedge),) if len(hops) == 1 else \
            tuple((h.data, h.evidence.date, h.evidence.hedge) for h in hops)
        key = ("edge label", look, records, beside)
        label = memo.get(key)
        if label is None:
            label = memo[key] = _edge_label(model, selection, first_id, hops, beside)
        out += [", label=", label]  # type: ignore[list-item]
    if len(hops) == 1:
        tooltip = _tooltip_text(_edge_tooltip(model, selection, first))
    else:  # parallel records, set apart by an empty line
        tooltip = _tooltip_text("\n\n".join(_edge_tooltip(model, selection, hop) for hop in hops))
    out += [", tooltip=", tooltip, ", labeltooltip=", tooltip]
    urls = {hop.evidence.url for hop in hops}
    if len(urls) == 1:  # a merged line links only where every record agrees
        url = urls.pop()
        key = ("edge link", url)
        link = memo.get(key)
        if link is None:
            link = memo[key] = f', URL={_esc_string(url)}, target="_blank"' if _safe_url(url) else ""
        out.append(link)  # type: ignore[arg-type]
    out.append("];\n")


def _edge_style(selection: _Selection, look: tuple, pinned: bool) -> str:
    """The attributes a line's look decides (see :func:`_edge_look`), from ``class`` on."""
    level, focus, blocked_by, cut = look
    grey = not focus
    blocked = not grey and blocked_by is not None
    colour = GREY_LINE if grey else CUT if cut else BLOCKED if blocked else INK
    classes = "flow " + level + (" blocked" if blocked else "") + (" cut" if cut else "") + (" context" if grey else "")
    style = (f", class={_esc_string(classes)}, style={EVIDENCE_STYLE[level]}, color=\"{colour}\", "
             f'fontcolor="{GREY_TEXT if grey else (BLOCKED if blocked and not cut else INK)}"')
    if cut:
        style += ", penwidth=3"
    if pinned:
        style += ", constraint=false"
    elif not grey and selection.has_context:
        style += ", weight=5"  # keep the routes short and straight among the greyed context
    return style


def _edge_label(model: Model, selection: _Selection, first_id: str, hops: list[Hop], beside: bool) -> str:
    """A drawn line's label: its marks (cut, blocked), then its records."""
    _, _, blocked_by, cut = selection.drawn(model)[first_id][1]
    lines = []
    if cut:
        lines.append(f'<font color="{CUT}"><b>✂ CUT</b></font>')
    if blocked_by is not None:
        lines += [f'<font color="{BLOCKED}"><b>{_html(line)}</b></font>'
                  for line in _wrap(_blocked_text(model, selection, first_id), EDGE_WIDTH)]
    # Records that read alike are listed once, with their number: the 48
    # edges from a collapsed box of agencies make one entry, not 48.
    alike: dict[tuple, list[Hop]] = {}
    for hop in hops:
        alike.setdefault((hop.data, hop.evidence.date, hop.evidence.hedge), []).append(hop)
    for same in alike.values():
        lines += _record_lines(selection, same[0], bullet=len(alike) > 1, count=len(same))
    return _beside_label(lines) if beside else _label_html(lines)


def _record_lines(selection: _Selection, hop: Hop, bullet: bool, count: int = 1) -> list[str]:
    """One edge record in a label: the data, then the date and any hedge;
    ``count`` records alike are listed once, with their number.  Each half is
    wrapped once per diagram: many records carry the same data, or share a date."""
    ev = hop.evidence
    memo = selection.memo
    key = ("record", hop.data, bullet, count)
    what = memo.get(key)
    if what is None:
        text = ("• " if bullet else "") + ", ".join(data_label(d) for d in hop.data)
        if count > 1:
            text += f" (×{count})"
        what = memo[key] = [_html(line) for line in _wrap(text, EDGE_WIDTH)]
    if not (ev.date or ev.hedge):
        return what  # type: ignore[return-value]
    key = ("record when", ev.date, ev.hedge)
    when = memo.get(key)
    if when is None:
        extra = [ev.date] if ev.date else []
        if ev.hedge:
            extra.append(f"source hedges: “{_clean(ev.hedge)}”")
        when = memo[key] = [f'<font color="{MUTED}"><i>{_html(line)}</i></font>'
                            for line in _wrap(" · ".join(extra), EDGE_WIDTH)]
    return what + when  # type: ignore[operator]


def _blocked_text(model: Model, selection: _Selection, edge_id: str) -> str:
    names = ", ".join(_clean(model.jurisdiction_row(j)["name"]) for j in selection.blocked[edge_id])
    return f"BLOCKED: no data from {names}" if selection.blocked_relative else f"policy: no data from {names}"


def _edge_tooltip(model: Model, selection: _Selection, hop: Hop) -> str:
    """An edge's tooltip text, unescaped: one string, since it runs once per line drawn."""
    ev = hop.evidence
    edge_id = hop.edge
    memo = selection.memo
    sender, receiver = selection.name(model, hop.sender), selection.name(model, hop.receiver)
    key = ("data", hop.data)
    data = memo.get(key)
    if data is None:
        data = memo[key] = ", ".join(data_label(d) for d in hop.data)
    text = (f"{sender} → {receiver} [{edge_id}]\ndata: {data}\n"
            f"how: {hop.mechanism.replace('_', ' ')} · evidence: {ev.level}")
    if ev.hedge:
        text += f" · source hedges: “{_clean(ev.hedge)}”"
    if ev.date:
        text += f" · date: {ev.date}"
    if hop.requested_by:
        text += f"\nrequested by: {selection.name(model, hop.requested_by)}"
    if model.arrays.excludes[model.edge_index[edge_id]]:
        excludes = split_list(model.edge_row(edge_id)["excludes"])
        places = ", ".join(_clean(model.jurisdiction_row(j)["name"]) for j in excludes)
        blocked_here = edge_id in selection.blocked and selection.blocked_relative
        text += ("\nBLOCKED for this route: " if blocked_here else "\npolicy: ") + f"carries no data from {places}"
    if edge_id in selection.cut:
        text += "\nFIREWALL: cutting this channel helps close every open route"
    text += f"\n{_cited(model, selection, ev.citation, ev.locator)}\n“{_clean(ev.quote)}”"
    if hop.notes:
        text += f"\nnotes: {_clean(hop.notes)}"
    return text


def _key(model: Model, selection: _Selection, heading: _Heading) -> str:
    """The key, as an HTML table under the title.  In the graph label it takes
    no part in the layout, so it cannot push the map apart the way key nodes
    would; it lists only what the diagram uses."""
    swatches = []
    kinds = {model.node_row(n)["kind"] for n in selection.nodes}
    for kind, (_, extra_style, fill, text) in KIND_STYLE.items():
        if kind in kinds:
            style = f' style="{extra_style}"' if extra_style else ""
            swatches.append(f'<td border="1" color="{INK}" bgcolor="{fill}"{style}>{_html(text)}</td>')
    if any(model.sanctuary(n).covered for n in selection.nodes):
        swatches.append(f'<td border="2" color="{SANCTUARY}" style="rounded">'
                        f'<font color="{SANCTUARY}">under a sanctuary law</font></td>')
    if set(selection.nodes) - selection.focus_nodes:
        swatches.append(f'<td border="1" color="{GREY_LINE}" bgcolor="{GREY_FILL}" style="rounded">'
                        f'<font color="{GREY_TEXT}">not on a route</font></td>')

    def line(text: str, colour: str, style: str = "solid", width: int = 1) -> str:
        # A line drawn as the top border of the lower half of a small table sits mid-height, beside the text.
        sample = (f'<td><table border="0" cellborder="0" cellspacing="0" cellpadding="0"><tr><td height="8"></td></tr>'
                  f'<tr><td border="{width}" sides="t" color="{colour}" style="{style}" width="34" height="8"></td>'
                  '</tr></table></td>')
        return f'{sample}<td align="left"><font color="{colour}"> {_html(text)}</font></td>'

    lines = []
    levels = {hop.evidence.level for hop, _ in selection.drawn(model).values()}
    lines += [line(EVIDENCE_KEY[level], INK, EVIDENCE_STYLE[level])
              for level in schema.EVIDENCE_LEVELS if level in levels]
    if set(selection.blocked) & selection.focus_edges:
        lines.append(line("blocked by policy for this source" if selection.blocked_relative
                          else "a policy keeps the named places' data off it", BLOCKED))
    if selection.cut:
        lines.append(line("firewall: cut here", CUT, width=3))
    per_row = heading.swatches_per_row
    rows = [_key_row(swatches[i:i + per_row], 4) for i in range(0, len(swatches), per_row)]
    per_row = heading.lines_per_row
    rows += [_key_row(lines[i:i + per_row], 3) for i in range(0, len(lines), per_row)]
    return "".join(rows)


def _key_row(cells: list[str], padding: int) -> str:
    """One row of the key, its cells kept at their natural width.

    Graphviz shares a table's spare width evenly among its columns, so under a
    title wider than the key the cells would stretch.  A trailing empty cell
    spanning many columns takes nearly all of it instead; cellspacing is 0
    because spacing is added per spanned column, and spacer cells stand in.
    """
    spacer = '<td width="10"></td>'
    return (f'<tr><td align="left"><table border="0" cellborder="0" cellspacing="0" cellpadding="{padding}"><tr>'
            + spacer.join(cells) + '<td colspan="400"></td></tr></table></td></tr>')


def _heading(model: Model, selection: _Selection, heading: _Heading) -> str:
    """The graph label: title, summary lines, then the key."""
    title, *notes = [line for line in selection.title if line]
    # Wrapped, so that long names or many filters cannot make the picture
    # wider than the map; a long "source → target" puts each name on its own
    # line, the arrow starting the second, and lets a name run a little past
    # the width rather than leave a word or an arrow alone on a line.
    if len(title) > heading.title_width and " → " in title:
        source, target = title.split(" → ", 1)
        lines = [*_wrap(source, max(heading.title_width, min(len(source), heading.title_width + 12))),
                 *_wrap("→ " + target, max(heading.title_width, min(len(target) + 2, heading.title_width + 12)))]
    else:
        lines = _wrap(title, heading.title_width)
    rows = [f'<tr><td align="left"><font point-size="{SIZE_TITLE}"><b>{_html(line)}</b></font></td></tr>'
            for line in lines]
    rows += [f'<tr><td align="left"><font point-size="{SIZE_SUBTITLE}">{_html(line)}</font></td></tr>'
             for note in notes for line in _wrap(note, heading.note_width)]
    table = ('<table border="0" cellborder="0" cellspacing="0" cellpadding="2">'
             + "".join(rows) + '<tr><td height="6"></td></tr>' + _key(model, selection, heading) + "</table>")
    return f"<{table}>"
