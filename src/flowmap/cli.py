"""The ``flowmap`` command: a thin click layer over :mod:`flowmap.api`.

This is the only module that imports click or prints.  Library errors
(:class:`~flowmap.errors.FlowmapError`) become a one-paragraph message and exit
status 1; usage errors exit 2 (click's convention); a closed pipe
(``flowmap reach X | head``) is handled by click's standalone mode.
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from . import schema
from .errors import DataError, FlowmapError
from .paths import DATA_ENV, resolve_data_dirs

if TYPE_CHECKING:
    from .api import FlowMap

# Each command imports what it uses, inside the command: ``flowmap reach``
# must start in a fraction of a second, and pandas, networkx and pydot alone
# take most of a second to import.  The constants below are written out rather
# than imported for the same reason; tests keep them equal to their sources.
FORMATS = ("table", "json", "csv")
DEFAULT_LIMIT = 1000  # flowmap.routes.DEFAULT_LIMIT
DEFAULT_MAX_HOPS = 6  # flowmap.routes.DEFAULT_MAX_HOPS
RENDER_FORMATS = ("svg", "png", "pdf", "dot")  # flowmap.views.render.FORMATS
EXPORT_FORMATS = ("graphml", "gexf", "ftm", "json")  # flowmap.views.export.FORMATS


class State:
    """What the group passes to every command: where the data is, loaded once."""

    def __init__(self, data_dirs: tuple[str, ...], cache: bool = True):
        self.data_dirs = resolve_data_dirs(data_dirs)
        self.cache = cache
        self._flowmap: FlowMap | None = None

    @property
    def flowmap(self) -> FlowMap:
        if self._flowmap is None:
            from .api import FlowMap
            from .model import Model

            self._flowmap = FlowMap(Model.load(self.data_dirs, cache=self.cache))
        return self._flowmap


def reports_errors(command):
    """Turn library errors into click errors, at the edge and nowhere else."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except DataError as exc:
            raise click.ClickException(f"{exc}\nRun `flowmap validate` after fixing the data.") from exc
        except FlowmapError as exc:
            raise click.ClickException(str(exc)) from exc

    return wrapper


def format_option(command):
    return click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
                        help="table for people, json for programs, csv for spreadsheets.")(command)


class HopLimit(click.ParamType):
    """``--max-hops``: a whole number of at least 1, or ``none`` for no bound."""

    name = "N|none"

    def convert(self, value, param, ctx):
        if value is None or isinstance(value, int):
            return value
        if str(value).strip().lower() in ("none", "no", "unbounded"):
            return None
        try:
            number = int(value)
        except ValueError:
            self.fail(f"{value!r} is neither a whole number nor 'none'", param, ctx)
        if number < 1:
            self.fail(f"{number} is less than 1 (use 'none' for no bound)", param, ctx)
        return number


class DataCategory(click.ParamType):
    """A data category as people write it: ``license_plate_reads``, ``license plates``, ``ALPR``…"""

    name = "category"

    def convert(self, value, param, ctx):
        category = schema.data_category(value)
        if category is None:
            close = schema.closest_data_category(value)
            self.fail(f"{value!r} is not a data category; " + (f"did you mean {close}? " if close else "")
                      + f"choose from: {', '.join(schema.DATA_CATEGORIES)}", param, ctx)
        return category


def route_options(*, hops: bool = True, group_joins: bool = True):
    """The filters every route question shares (reach, sanctuary, firewall, render).

    ``hops``: offer ``--max-hops`` (the firewall ignores it, so it does not).
    ``group_joins``: the command's default for ``--group-joins/--no-group-joins``.
    """
    joins_help = ("Keep routes through a group node whose two hops come from different statements "
                  "(they join statements about a group, which need not be about the same members); "
                  "--no-group-joins leaves them out.")
    options = [
        click.option("--carrying", "carrying", multiple=True, metavar="CATEGORY", type=DataCategory(),
                     help="Only routes carrying CATEGORY on every hop (repeatable: routes carrying one of "
                          "them end to end; a route whose hops carry different ones does not qualify). "
                          f"Categories: {', '.join(schema.DATA_CATEGORIES)}; common spellings such as "
                          "'license plates' or 'facial recognition' work too."),
        click.option("--min-evidence", type=click.Choice(schema.EVIDENCE_LEVELS),
                     help="Only hops with at least this evidence: documented > reported > capability."),
        click.option("--since", metavar="DATE", help="Only flows dated on or after DATE (2018, 2018-04, 2018-04-19)."),
        click.option("--until", metavar="DATE", help="Only flows dated on or before DATE."),
        click.option("--dated-only", is_flag=True,
                     help="Leave out undated flows (kept by default, with or without --since/--until)."),
        *([click.option("--max-hops", type=HopLimit(), default=DEFAULT_MAX_HOPS, show_default=True,
                        help="Longest route to consider; 'none' for no bound.")] if hops else []),
        click.option("--avoid", multiple=True, metavar="NODE",
                     help="What if NODE were gone? Leave it out (repeatable)."),
        click.option("--without", multiple=True, metavar="EDGE",
                     help="What if edge EDGE were gone? Leave it out (repeatable; ids from edges.csv)."),
        click.option("--group-joins/--no-group-joins", default=group_joins, show_default=True, help=joins_help),
    ]

    def decorate(command):
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


def echo_result(fmt: str, as_json, as_frame, as_text, as_rows=None) -> None:
    """Print a result in the chosen format; each argument builds one format on demand.
    ``as_rows`` (rows and their columns), when given, makes the CSV instead of ``as_frame``."""
    from .views import tabular

    if fmt == "json":
        click.echo(tabular.to_json(as_json()), nl=False)
    elif fmt == "csv":
        if as_rows is not None:
            rows, columns = as_rows()
        else:
            frame = as_frame()
            rows, columns = frame.to_dict("records"), list(frame.columns)
        click.echo(tabular.to_csv(rows, columns), nl=False)
    else:
        click.echo(as_text(), nl=False)


QUERY_OPTIONS = ("carrying", "min_evidence", "since", "until", "dated_only", "max_hops", "via", "avoid", "without",
                 "group_joins")


def query_from(options: dict, **fields):
    """The one :class:`~flowmap.query.Query` a command asks, from its flags
    (taken out of ``options``) and ``fields`` (source, target, limit)."""
    from .query import Query

    flags = {k: options.pop(k) for k in QUERY_OPTIONS if k in options}
    return Query.from_options(**flags, **fields)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--data", "data_dirs", multiple=True, metavar="DIR",
              help="A dataset directory or import layer (nodes.csv, edges.csv, sources.csv, …); repeat it to "
                   "merge layers in order, `default` naming the dataset shipped with flowmap "
                   f"(--data default --data layers/flock). Default: ${DATA_ENV} (directories separated by "
                   f"'{os.pathsep}'), else the shipped dataset.")
@click.option("--no-cache", is_flag=True,
              help="Read and check every file, ignoring (and not writing) the cache of validated datasets "
                   "in the user's cache directory. `flowmap validate` never uses the cache.")
@click.version_option(package_name="flowmap")
@click.pass_context
def cli(ctx: click.Context, data_dirs: tuple[str, ...], no_cache: bool) -> None:
    """Map how surveillance data reaches ICE: every route, hop by hop, with the evidence for each."""
    ctx.obj = State(data_dirs, cache=not no_cache)


@cli.command()
@click.option("--documents", metavar="DIR", type=click.Path(exists=True, file_okay=False),
              help="Also check every quote against the stored text of its document in DIR "
                   "(sources.csv's document column names the file).")
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True,
              help="text for people, json for programs (docs/result.schema.json).")
@click.pass_obj
def validate(state: State, documents: str | None, fmt: str) -> None:
    """Check the dataset and list every problem (file, row, column, value).

    With --documents, also look every quote up in its document (ignoring only
    whitespace and typographic quotes and dashes) and list each one not found,
    with the nearest passage the document does hold.  Exits 0 when the data is
    clean, 1 when it has problems.
    """
    from .load import load_tables
    from .model import Model, resolve_data_dirs
    from .query import envelope
    from .views import tabular

    try:
        tables = load_tables(resolve_data_dirs(state.data_dirs))
        model = Model(tables)
    except DataError as exc:
        if fmt == "json":
            record = {**envelope(None, "validate", directories=state.data_dirs), "valid": False,
                      "problems": [problem_dict(p) for p in exc.problems], "counts": None}
            click.echo(tabular.to_json(record), nl=False)
        else:
            click.echo(str(exc))
        sys.exit(1)
    problems = []
    checked = ""
    if documents is not None:
        from .quotes import check_quotes

        try:
            problems = check_quotes(tables, documents)
        except DataError as exc:
            raise click.ClickException(str(exc)) from exc
        checked = f" Every quote found in its document in {documents}."
    if fmt == "json":
        counts = {name: model.count(name) for name in ("sources", "jurisdictions", "designations", "nodes", "edges")}
        click.echo(tabular.to_json({**envelope(model, "validate"), "valid": not problems,
                                    "problems": [problem_dict(p) for p in problems], "counts": counts}), nl=False)
        if problems:
            sys.exit(1)
        return
    if problems:
        click.echo(str(DataError(problems)))
        sys.exit(1)
    where = " + ".join(str(d) for d in state.data_dirs)
    merged = f" ({len(model.merged_ids)} nodes merged by ORI)" if model.merged_ids else ""
    click.echo(f"{where}: valid. {model.count('sources')} sources, {model.count('jurisdictions')} jurisdictions, "
               f"{model.count('designations')} designations, {model.count('nodes')} nodes{merged}, "
               f"{model.count('edges')} edges.{checked}")


def problem_dict(problem) -> dict:
    return {"file": problem.file, "row": problem.row, "column": problem.column, "value": problem.value,
            "message": problem.message}


@cli.command()
@click.option("--kind", type=click.Choice(tuple(schema.NODE_KINDS)), help="Only nodes of this kind.")
@click.option("--in", "within", metavar="PLACE",
              help="Only nodes in PLACE: a state (CA, California) or any jurisdiction's id or name.")
@format_option
@click.pass_obj
@reports_errors
def nodes(state: State, kind: str | None, within: str | None, fmt: str) -> None:
    """List the entities: agencies, fusion centers, vendors, databases."""
    from .views import tabular, text

    # Rows come through the model's dict accessors: the DataFrame (fm.nodes) would import pandas,
    # most of this command's time.
    model = state.flowmap.model
    ids = [n for n in model.node_ids if model.node_kinds[n] == kind] if kind else list(model.node_ids)
    if within:
        inside = set(model.nodes_in(model.resolve_jurisdiction(within)))
        ids = [n for n in ids if n in inside]
    rows = [model.node_row(n) for n in ids]
    if fmt == "json":
        from .query import envelope

        record = envelope(state.flowmap.model, "nodes")
        record["question"]["filters"] = {"kind": kind, "in": within}
        click.echo(tabular.to_json({**record, "nodes": rows}), nl=False)
    elif fmt == "csv":
        click.echo(tabular.to_csv(rows, model.node_columns), nl=False)
    else:
        click.echo(text.table(rows, ["id", "name", "kind", "state", "sanctuary"]), nl=False)


@cli.command()
@click.argument("name")
@format_option
@click.pass_obj
@reports_errors
def show(state: State, name: str, fmt: str) -> None:
    """Show one entity with the data it receives and sends, and the citations."""
    from .entity import entity
    from .views import text

    found = entity(state.flowmap.model, name)

    def rows():
        record = found.to_dict()
        hops = [{"direction": "received", **h} for h in record["received"]]
        return hops + [{"direction": "sent", **h} for h in record["sent"]], ["direction", *HOP_COLUMNS]

    echo_result(fmt, found.to_dict, None, lambda: text.show_text(found), rows)


HOP_COLUMNS = ["edge", "from", "to", "from_name", "to_name", "data", "mechanism", "requested_by", "evidence",
               "hedge", "date", "citation", "title", "locator", "quote", "url", "notes"]


@cli.command()
@click.argument("source")
@click.option("--to", "target", default="ice", show_default=True, metavar="TARGET",
              help="Where the data should end up (id, name or alias).")
@route_options()
@click.option("--via", multiple=True, metavar="NODE", help="Only routes through NODE (repeatable: through all).")
@click.option("--limit", type=click.IntRange(min=1), default=DEFAULT_LIMIT, show_default=True,
              help="List at most this many open routes (and this many blocked ones).")
@click.option("--count", "count_only", is_flag=True, help="Only count the routes; list none.")
@format_option
@click.pass_obj
@reports_errors
def reach(state: State, source: str, target: str, limit: int, count_only: bool, fmt: str, **options) -> None:
    """Can SOURCE's data reach TARGET (default ICE)? Every route, shortest first, with evidence per hop."""
    from . import routes
    from .views import tabular, text

    flowmap = state.flowmap
    query = query_from(options, source=source, target=target, limit=limit)
    if count_only:
        result = routes.count(flowmap.model, query)
        if fmt == "table":
            click.echo(text.count_text(flowmap.model, result.source, result.target, result.counts,
                                       result.query.max_hops), nl=False)
        elif fmt == "json":
            click.echo(tabular.to_json(result.to_dict()), nl=False)
        else:
            row = {"source": result.source, "target": result.target, "reachable": result.reachable,
                   "open": result.counts.open, "blocked": result.counts.blocked, "max_hops": result.query.max_hops}
            click.echo(tabular.to_csv([row], list(row)), nl=False)
        return
    result = routes.reach(flowmap.model, query)
    from .views.verdict import verdict_frame

    echo_result(fmt, result.to_dict, lambda: verdict_frame(result), lambda: text.reach_text(result))


@cli.command()
@click.option("--to", "target", default="ice", show_default=True, metavar="TARGET",
              help="Where the data should end up.")
@route_options(group_joins=False)
@click.option("--count", "count_routes", is_flag=True,
              help="Also count each node's open routes, up to --limit (enumerates routes: slower on large data).")
@click.option("--limit", type=click.IntRange(min=1), default=DEFAULT_LIMIT, show_default=True,
              help="With --count: count at most this many routes per node.")
@click.option("--in", "within", metavar="PLACE",
              help="Only nodes in PLACE: a state (CA, California) or any jurisdiction's id or name.")
@click.option("--kind", "kinds", multiple=True, type=click.Choice(tuple(schema.NODE_KINDS)),
              help="Only nodes of this kind (repeatable).")
@format_option
@click.pass_obj
@reports_errors
def sanctuary(state: State, target: str, count_routes: bool, limit: int, within: str | None,
              kinds: tuple[str, ...], fmt: str, **options) -> None:
    """Every node under a sanctuary law that can reach TARGET, with the law, shortest route
    and gateways (and, with --count, its number of routes).

    Routes through a group node that join statements about the group are left out unless
    --group-joins is given: a node is said to reach TARGET only on statements about the
    bodies on its route.
    """
    from .sanctuary import sweep
    from .views import text

    result = sweep(state.flowmap.model, query_from(options, target=target, limit=limit), count=count_routes,
                   within=within, kinds=kinds)
    echo_result(fmt, result.to_dict, result.to_frame, lambda: text.sweep_text(result))


@cli.command()
@click.argument("place")
@click.option("--to", "target", default="ice", show_default=True, metavar="TARGET",
              help="Where the data should not end up.")
@route_options()
@format_option
@click.pass_obj
@reports_errors
def about(state: State, place: str, target: str, fmt: str, **options) -> None:
    """Whose data: the flows whose sources say they carry data about people in PLACE (a state
    such as CA or California, or any jurisdiction), and whether each can go on to TARGET.

    A flow counts when its source names PLACE, a place inside it, or a place containing it
    (a wider statement, listed last). Flows whose source does not say whose data they
    carry are not listed: that is "not said", never "nobody".
    """
    from .subjects import flows_about
    from .views import text

    result = flows_about(state.flowmap.model, place, query_from(options, target=target))

    def rows():
        flows = result.to_dict()["flows"]
        return ([{"relation": flow["relation"], "subjects": ";".join(j["id"] for j in flow["subjects"]),
                  "reaches": flow["reaches"], "direct": flow["direct"],
                  "onward": ";".join(h["edge"] for h in flow["onward"]["hops"]) if flow["onward"] else "",
                  **flow["hop"]} for flow in flows],
                ["relation", "subjects", "reaches", "direct", "onward", *HOP_COLUMNS])

    echo_result(fmt, result.to_dict, None, lambda: text.about_text(result), rows)


@cli.command()
@click.argument("source")
@click.option("--to", "target", default="ice", show_default=True, metavar="TARGET",
              help="Where the data should not end up.")
@route_options(hops=False)
@format_option
@click.pass_obj
@reports_errors
def firewall(state: State, source: str, target: str, fmt: str, **options) -> None:
    """The fewest channels, or intermediaries, whose removal leaves SOURCE no open route to TARGET.

    Every route length counts. Exits 1 (after printing the answer) when searching again
    without the cut still finds an open route.
    """
    from . import cuts
    from .views import tabular, text

    result = cuts.firewall(state.flowmap.model, query_from(options, source=source, target=target))
    record = result.to_dict()
    if fmt == "json":
        click.echo(tabular.to_json(record), nl=False)
    elif fmt == "csv":
        rows = [{"cut": "edge", **e} for e in record["edges"]]
        rows += [{"cut": "node", **n} for n in record["nodes"] or []]
        click.echo(tabular.to_csv(rows, ["cut", "edge", "id", "name", "from", "to", "citation", "meaning"]),
                   nl=False)
    else:
        click.echo(text.firewall_text(result), nl=False)
    if not result.verified:
        raise click.ClickException("the firewall is NOT VERIFIED: searching again without the cut still finds "
                                   "an open route. Please report this with the command you ran.")


@cli.command()
@click.option("--from", "sources", metavar="SOURCE", multiple=True,
              help="Draw only the routes from SOURCE (id, name or alias). Without it: the whole map. "
                   "One source per diagram.")
@click.option("--to", "target", default="ice", show_default=True, metavar="TARGET",
              help="Where the routes end; it and its units are drawn in one box.")
@click.option("-o", "--output", metavar="FILE", type=click.Path(dir_okay=False),
              help="Write the diagram to FILE; its suffix (.svg .png .pdf .dot) picks the format.")
@click.option("--format", "fmt", type=click.Choice(RENDER_FORMATS),
              help="Output format. Default: from the -o suffix; svg on standard output.")
@click.option("--layout", type=click.Choice(("auto", "wide", "tall")), default="auto", show_default=True,
              help="wide: data flows left to right (slides); tall: top to bottom (pages); "
                   "auto: whichever keeps the picture narrower.")
@click.option("--context", is_flag=True, help="With --from: draw the rest of the map too, greyed.")
@click.option("--firewall", "firewall_", is_flag=True,
              help="With --from: mark the channels whose cutting closes every open route.")
@click.option("--expand", is_flag=True,
              help="Draw every node apart. By default nodes playing the same part (the same senders and "
                   "receivers) share one box that counts and names them.")
@route_options()
@click.option("--via", multiple=True, metavar="NODE", help="With --from: only routes through NODE (repeatable).")
@click.option("--limit", type=click.IntRange(min=1), default=DEFAULT_LIMIT, show_default=True,
              help="Draw at most this many open routes (and this many blocked ones).")
@click.pass_obj
@reports_errors
def render(state: State, sources: tuple[str, ...], target: str, output: str | None, fmt: str | None, layout: str,
           context: bool, firewall_: bool, expand: bool, limit: int, **options) -> None:
    """Draw the map, or the routes from SOURCE to TARGET, as SVG, PNG, PDF or Graphviz DOT.

    Shapes and colours show what each body is, double green borders mark
    sanctuary jurisdictions, line styles the evidence (solid documented, dashed
    reported, dotted capability) and red the routes a policy blocks. In SVG,
    every node and edge links to its source and shows the citation on hover.

    \b
    flowmap render -o map.svg
    flowmap render --from SFPD --context -o sfpd.png
    flowmap render --from SFPD --firewall --layout wide --format pdf > sfpd.pdf
    """
    if len(sources) > 1:
        # Drawing only the last one, as click would, is a silent answer to another question.
        named = " and ".join(f"--from {s!r}" for s in sources)
        raise click.UsageError(f"a diagram shows the routes from one source; got {named}. "
                               "Run flowmap render once per source (each with its own -o FILE).")
    source = sources[0] if sources else None
    if output is None and fmt in ("png", "pdf") and sys.stdout.isatty():
        raise click.UsageError(f"{fmt.upper()} is binary and would garble the terminal: "
                               "write it with -o FILE or redirect the output to a file.")
    from .views import render as render_views

    if output is not None and fmt is None:
        fmt = render_views.format_for(output)  # fails before any drawing if the suffix says nothing
    query = query_from(options, source=source, target=target, limit=limit)
    diagram = state.flowmap.render(query, context=context, firewall=firewall_, layout=layout,
                                   collapse=not expand)
    if output is None:
        # Bytes go to the binary stream as they are: SVG and DOT are UTF-8 whatever the terminal's encoding.
        click.echo(diagram.render(fmt or "svg"), nl=False)
        return
    diagram.save(output, fmt)
    click.echo(f"wrote {output} ({fmt}, {len(diagram.nodes)} nodes, {len(diagram.edges)} edges)", err=True)


@cli.command()
def datapackage() -> None:
    """Print the Frictionless Data Package descriptor of the dataset schema."""
    from .views import tabular

    click.echo(tabular.to_json(schema.datapackage()), nl=False)


@cli.command()
@click.pass_obj
@reports_errors
def summary(state: State) -> None:
    """Count nodes by kind and edges by evidence level and data category (Markdown)."""
    from .views import text

    click.echo(text.summary_markdown(state.flowmap.model), nl=False)


# -- briefs, exports and diffs (issue 10) ------------------------------------------

def _layers(value: str) -> list[str]:
    """A dataset named on the command line: one directory, or several layers
    joined with the path separator (``:``), ``default`` for the shipped data."""
    from .model import default_data_dir

    parts = [p for p in value.split(os.pathsep) if p]
    return [str(default_data_dir()) if p == "default" else p for p in parts]


@cli.command()
@click.option("--from", "source", metavar="SOURCE",
              help="Only the nodes and edges on the routes from SOURCE to TARGET. Without it: the whole map.")
@click.option("--to", "target", default="ice", show_default=True, metavar="TARGET", help="Where the routes end.")
@click.option("-o", "--output", metavar="FILE", type=click.Path(dir_okay=False),
              help="Write to FILE (.graphml .gexf .ftm/.jsonl .json); without it, standard output.")
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS),
              help="graphml or gexf (Gephi, networkx), ftm (FollowTheMoney entities, one per line), "
                   "json (flowmap's own). Default: from the -o suffix.")
@route_options()
@click.option("--via", multiple=True, metavar="NODE", help="With --from: only routes through NODE (repeatable).")
@click.option("--limit", type=click.IntRange(min=1), default=DEFAULT_LIMIT, show_default=True,
              help="With --from: the edges of at most this many open (and blocked) routes.")
@click.pass_obj
@reports_errors
def export(state: State, source: str | None, target: str, output: str | None, fmt: str | None,
           limit: int, **options) -> None:
    """Write the graph (or the routes from SOURCE) for other tools: GraphML, GEXF, FollowTheMoney, JSON.

    Every node and edge keeps its attributes: kind, jurisdiction, sanctuary
    status and law, evidence, data, date, citation, locator, quote and link.

    \b
    flowmap export -o map.graphml
    flowmap export --from SFPD --format ftm -o sfpd.ftm
    """
    from .views import export as export_views
    from .views import render as render_views

    if fmt is None:
        if output is None:
            raise click.UsageError("say which format: --format graphml|gexf|ftm|json, or -o FILE with its suffix")
        fmt = export_views.format_for(output)
    query = query_from(options, source=source, target=target, limit=limit)
    content, selection = state.flowmap.export(query, fmt=fmt)
    if output is None:
        click.echo(content, nl=False)
        return
    render_views.write_atomic(Path(output), content)
    click.echo(f"wrote {output} ({fmt}, {len(selection.nodes)} nodes, {len(selection.edges)} edges)", err=True)


@cli.command()
@click.argument("old", metavar="OLD")
@click.argument("new", metavar="NEW")
@click.option("--to", "target", default="ice", show_default=True, metavar="TARGET",
              help="Whose reachability the answers are about.")
@click.option("--by", "by", multiple=True, metavar="KEY",
              help="Count added and removed edges by KEY: state (default), support_type (287(g)), month, "
                   "an edge column, from.COLUMN or to.COLUMN; state,support_type counts by both (repeatable).")
@click.option("--ignore", "ignore", multiple=True, metavar="COLUMN",
              help="Leave COLUMN out of the comparison (repeatable), e.g. locator when a list's rows moved.")
@click.option("--format", "fmt", type=click.Choice(("table", "json", "markdown")), default="table",
              show_default=True, help="table for people, json for programs, markdown for reports.")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True,
              help="List at most this many rows per section (table and markdown; json lists all).")
@click.option("-o", "--output", metavar="FILE", type=click.Path(dir_okay=False),
              help="Write to FILE instead of standard output.")
@route_options()
@click.pass_obj
@reports_errors
def diff(state: State, old: str, new: str, target: str, by: tuple[str, ...], ignore: tuple[str, ...], fmt: str,
         limit: int,
         output: str | None, **options) -> None:
    """What changed from OLD to NEW: rows added, removed and changed, and what that does to the answers.

    OLD and NEW are dataset directories; join several layers with ':'
    (default:layers/287g-may). Rows match by id.

    \b
    flowmap diff layers/287g-may layers/287g-july --by state --by support_type
    flowmap diff default default:layers/flock --format json
    """
    from .diff import diff as compute_diff
    from .views import changes, tabular
    from .views import render as render_views

    result = compute_diff(_layers(old), _layers(new), target, query_from(options), by or ("state",),
                          ignore)
    if fmt == "json":
        content = tabular.to_json(result.to_dict())
    elif fmt == "markdown":
        content = changes.diff_markdown(result, limit)
    else:
        content = changes.diff_text(result, limit)
    if output is None:
        click.echo(content, nl=False)
        return
    render_views.write_atomic(Path(output), content.encode("utf-8"))
    click.echo(f"wrote {output} ({fmt})", err=True)


# -- flowmap import ----------------------------------------------------------------


@cli.group("import")
def import_group() -> None:
    """Import a public record as a layer (a dataset directory) to load with --data.

    Agency names resolve to the --data layers (the curated data by default) and
    the --registry, one node per ORI; every decision goes to the layer's matches.csv.

    \b
    flowmap import agencies agencies-2021.csv -o layers/agencies
    flowmap import flock agency_access.csv --agencies agency.csv --registry layers/agencies -o layers/flock
    flowmap import 287g participatingAgencies.xlsx -o layers/287g
    flowmap import contracts explorer.csv -o layers/contracts
    flowmap --data default --data layers/287g sanctuary
    """


class ProgressBar:
    """A progress callback (``bar(done, total)``) drawn with click's progress bar on standard error."""

    def __init__(self, label: str):
        self.label = label
        self.bar = None
        self.done = 0

    def __call__(self, done: int, total: int | None) -> None:
        if self.bar is None:
            if not total:
                return
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.done)
        self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None
        elif self.done:
            click.echo(f"{self.label}: {self.done:,} bytes", err=True)


def import_options(command):
    """Options every public-record importer shares."""
    options = [
        click.option("-o", "--output", required=True, metavar="DIR", type=click.Path(file_okay=False),
                     help="Write the layer here (replaced if it is a layer already; written whole or not at all)."),
        click.option("--registry", metavar="DIR|FILE", type=click.Path(exists=True),
                     help="The FBI agency registry (a layer from `flowmap import agencies`, or the FBI list "
                          "itself) to resolve agency names to ORIs."),
        click.option("--links", metavar="FILE", type=click.Path(exists=True, dir_okay=False),
                     help="A CSV of input_name, state, node_id that overrides name resolution."),
        click.option("--max-bytes", type=click.IntRange(min=1), metavar="N",
                     help="Refuse inputs larger than N bytes (default 200 MiB)."),
        click.option("--format", "fmt", type=click.Choice(("table", "json")), default="table", show_default=True,
                     help="The closing summary as text or as JSON."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _run_import(state: State, fmt: str, run) -> None:
    """Run an importer with progress bars on standard error, then print its summary."""
    download = ProgressBar("downloading")
    rows = ProgressBar("importing")
    try:
        summary = run(state.flowmap.model, download, rows)
    finally:
        download.close()
        rows.close()
    if fmt == "json":
        from .views import tabular

        click.echo(tabular.to_json(summary), nl=False)
    else:
        click.echo(import_summary_text(summary), nl=False)


def _counts(counts: dict) -> str:
    return ", ".join(f"{k} {v:,}" for k, v in counts.items()) or "none"


def import_summary_text(s: dict) -> str:
    """The closing summary of ``flowmap import 287g`` or ``contracts``, for people."""
    lines = []
    if "agreements" in s:
        lines.append(f"{s['agreements']:,} agreements" + (f" and {s['pending']:,} pending" if s["pending"] else "")
                     + f" from {s['rows']:,} rows, written to {s['output']}")
        for book in s["workbooks"]:
            lines.append(f"  {book['file']} (sheet {book['sheet']}, {book['list']}): {book['rows']:,} rows")
        lines.append(f"  support types: {_counts(s['by_support_type'])}")
        lines.append(f"  MOA links: {s['with_moa_link']:,} ({s['moa_unwrapped']:,} unwrapped from a mail-filter "
                     f"redirect), {s['without_moa_link']:,} without")
        if s.get("signed_from_text") or s.get("signed_left_out"):
            lines.append(f"  SIGNED: {s['signed_from_text']:,} read from text (a slash missing), "
                         f"{s['signed_left_out']:,} left out (a date still to come); see the edges' notes")
        if s["duplicate_agreements"]:
            lines.append(f"  listed twice (same agency and support type): {s['duplicate_agreements']:,}; "
                         "the later row's id ends with its date")
        who = "agencies"
    else:
        lines.append(f"{s['kept']:,} awards that buy data or database access, of {s['rows']:,} rows, "
                     f"written to {s['output']}")
        lines.append(f"  kept by rule: {_counts(s['kept_by_rule'])}")
        lines.append(f"  skipped: {s['skipped']:,}")
        for reason, count in s["skipped_by_reason"].items():
            lines.append(f"    {count:>5,}  {reason}")
        for item in s["unclear"]:
            lines.append(f"  unclear, skipped: row {item['row']} {item['award_id']} {item['recipient']}: "
                         f"{item['description']!r}")
        if s["governments"]:
            lines.append("  state and local governments that sold access:")
            for g in s["governments"]:
                place = ", ".join(p for p in (g["county"] and f"{g['county']} County", g["state"]) if p)
                lines.append(f"    {g['name']} ({place}): {', '.join(g['awards'])}")
        who = "recipients"
    resolved = {k: v for k, v in s["resolution"].items() if k not in ("new", "ambiguous")}
    lines.append(f"  {who}: {sum(s['resolution'].values()):,}; resolved {sum(resolved.values()):,} "
                 f"({_counts(resolved)}); new {s['resolution'].get('new', 0):,}; "
                 f"ambiguous {s['resolution'].get('ambiguous', 0):,}")
    for name in s.get("ambiguous", []):
        lines.append(f"    ambiguous, kept as a layer-local node: {name}")
    lines.append(f"  every decision: {s['output']}/matches.csv")
    return "\n".join(lines) + "\n"


@import_group.command("287g")
@click.argument("workbooks", nargs=-1, required=True, metavar="WORKBOOK...")
@click.option("--pending", is_flag=True,
              help="Also import ICE's pending list (rows without SIGNED/MOA), marked as not signed.")
@click.option("--sheet", metavar="NAME", help="The sheet holding the list (default: the first with its columns).")
@import_options
@click.pass_obj
@reports_errors
def import_287g(state: State, workbooks: tuple[str, ...], pending: bool, sheet: str | None, output: str,
                registry: str | None, links: str | None, max_bytes: int | None, fmt: str) -> None:
    """ICE's 287(g) workbooks (.xlsx, a path or an http(s) URL): one edge per agreement, agency -> ICE.

    Evidence is capability (an agreement is a channel, not a transfer), the date
    is SIGNED, the edge's url the MOA, the quote the row itself. Agreement ids
    are stable from one of ICE's workbooks to the next, so `flowmap diff` shows
    what changed.

    \b
    flowmap import 287g participatingAgencies07182025pm.xlsx --registry layers/agencies -o layers/287g
    flowmap import 287g participating.xlsx pending.xlsx --pending -o layers/287g
    """
    from .importers import ice287g

    _run_import(state, fmt, lambda model, download, rows: ice287g.import_287g(
        workbooks, output, model=model, registry=registry, links=links, pending=pending, sheet=sheet,
        max_bytes=max_bytes, download_progress=download, progress=rows))


@import_group.command("contracts")
@click.argument("table", metavar="EXPLORER_CSV")
@import_options
@click.pass_obj
@reports_errors
def import_contracts(state: State, table: str, output: str, registry: str | None, links: str | None,
                     max_bytes: int | None, fmt: str) -> None:
    """ICE contract awards (Torn Apart's explorer.csv, a path or an http(s) URL): recipient -> ICE for
    awards that buy data or database access; every other award is skipped and counted by reason.

    \b
    flowmap import contracts explorer.csv -o layers/contracts
    """
    from .importers import contracts

    _run_import(state, fmt, lambda model, download, rows: contracts.import_contracts(
        table, output, model=model, registry=registry, links=links, max_bytes=max_bytes,
        download_progress=download, progress=rows))


class ImportProgress:
    """A click progress bar on standard error, fed by a library callback (``progress(n)``)."""

    def __init__(self, label: str, length: int | None):
        self.bar = click.progressbar(length=length or 0, label=label, file=sys.stderr,
                                     show_pos=True, show_eta=False)

    def __enter__(self):
        self.bar.__enter__()
        return self.update

    def update(self, n: int) -> None:
        self.bar.update(n)

    def __exit__(self, *exc) -> None:
        self.bar.__exit__(*exc)


def fetched_input(source: str):
    """A local path or an http(s) URL as a local file (a download shows a progress bar)."""
    from .importers.fetch import fetch

    bar = ProgressBar(f"downloading {source}")
    try:
        return fetch(source, progress=bar)
    finally:
        bar.close()


def count_lines(path) -> int:
    with open(path, "rb") as handle:
        return max(sum(1 for _ in handle) - 1, 0)


def echo_counts(title: str, counts, indent: str = "  ") -> None:
    if not counts:
        return
    click.echo(f"{title}:")
    for key, value in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        click.echo(f"{indent}{value:>6}  {key}")


@import_group.command("agencies")
@click.argument("source", metavar="FILE")
@click.option("-o", "--output", required=True, metavar="DIR", type=click.Path(file_okay=False),
              help="Layer directory to write (replaced if it is a layer; refused if it holds anything else).")
@reports_errors
def import_agencies_command(source: str, output: str) -> None:
    """The FBI's agency list (ORI codes) as a registry layer: one node per agency, no edges.

    FILE is the list as CSV (ori, agency_name, agency_type_name, state_abbr,
    county_name, latitude, longitude, in any order) or the JSON of the Crime
    Data Explorer's agency endpoint, as a path or an http(s) URL.
    """
    from .importers.agencies import import_agencies

    got = fetched_input(source)
    with ImportProgress("reading agencies", count_lines(got.path)) as progress:
        summary = import_agencies(got.path, output, retrieved=got.retrieved, url=got.url or None,
                                  progress=progress)
    click.echo(f"wrote {output}: {summary['nodes']} agencies (one node per ORI) in {summary['states']} states "
               f"and territories; {summary['with_coordinates']} with coordinates, {summary['several_counties']} "
               f"in several counties, {summary['renamed']} with a doubled suffix written once (the FBI's "
               "spelling kept as an alias).")


@import_group.command("flock")
@click.argument("access", metavar="AGENCY_ACCESS_CSV")
@click.option("--agencies", "agencies_file", required=True, metavar="AGENCY_CSV",
              help="The N&O's agency list (id, name, notes) that goes with the sharing list.")
@click.option("--registry", metavar="DIR|FILE",
              help="The FBI registry to resolve names to: a layer from `flowmap import agencies`, or the FBI "
                   "list itself. Without it names resolve only against the --data layers.")
@click.option("--links", metavar="FILE", type=click.Path(dir_okay=False),
              help="CSV of input_name, state, node_id that decides names by hand (an edited matches.csv works).")
@click.option("-o", "--output", required=True, metavar="DIR", type=click.Path(file_okay=False),
              help="Layer directory to write.")
@click.pass_obj
@reports_errors
def import_flock_command(state: State, access: str, agencies_file: str, registry: str | None, links: str | None,
                         output: str) -> None:
    """The N&O's Flock sharing list as a layer: one capability edge per grant of access to plate reads.

    Each row says the external agency can search the source agency's
    licence-plate reads. Agency names resolve to the curated nodes and the FBI
    registry (one node per ORI); the rest become layer-local nodes of the kind
    their names show (an agency, a federal unit, a vendor, or an account not
    shown to be an agency), listed in matches.csv with the reason.
    """
    from .importers.common import load_agencies
    from .importers.flock import import_flock

    got_access = fetched_input(access)
    got_agencies = fetched_input(agencies_file)
    registry_path = fetched_input(registry).path if registry and not os.path.isdir(registry) else registry
    agencies = load_agencies(state.flowmap.model, registry_path, links)
    with ImportProgress("importing sharing grants", count_lines(got_access.path)) as progress:
        kwargs = {"url": got_access.url} if got_access.url else {}
        summary = import_flock(got_access.path, got_agencies.path, output, agencies,
                               retrieved=got_access.retrieved, progress=progress, **kwargs)
    echo_import_summary(summary)


def echo_import_summary(summary) -> None:
    """The closing lines of an agency import: rows, names by method, new, ambiguous, skipped."""
    click.echo(f"wrote {summary.output}: {summary.rows} rows, {summary.edges} edges; "
               f"{summary.names} distinct names, {summary.resolved} resolved to a known node "
               f"({100 * summary.resolved / max(summary.names, 1):.1f}%).")
    resolved = {m: n for m, n in summary.methods.items() if m not in ("new", "ambiguous", "skipped")}
    echo_counts("names resolved, by method", resolved)
    echo_counts("names kept as layer-local nodes, by reason", summary.unmatched)
    echo_counts("layer-local nodes, by what the name shows (their kind: see matches.csv)", summary.natures)
    echo_counts("names skipped", summary.skipped_names)
    echo_counts("rows skipped", summary.skipped_rows)
    click.echo(f"nodes: {', '.join(f'{n} {k}' for k, n in summary.nodes.items())}; "
               f"{summary.city_jurisdictions} placed in a city jurisdiction. Every decision: "
               f"{summary.output}/matches.csv")


@cli.command()
@click.argument("source", required=False)
@click.option("--sanctuary", "sweep_", is_flag=True,
              help="Instead of one SOURCE: every node under a sanctuary law or designation that reaches TARGET.")
@click.option("--to", "target", default="ice", show_default=True, metavar="TARGET",
              help="Where the data should end up (id, name or alias).")
@click.option("-o", "--output", metavar="FILE", type=click.Path(dir_okay=False), required=True,
              help="Write the brief to FILE: .html (one self-contained file) or .md (with a .png beside it).")
@click.option("--format", "fmt", type=click.Choice(("html", "md")), help="Default: from the -o suffix.")
@click.option("--date", "date", metavar="DATE",
              help="The brief's date (default: the newest date in the data, so the same data gives the same bytes).")
@click.option("--paper", type=click.Choice(("auto", "a4", "letter")), default="auto", show_default=True,
              help="HTML: the page size to print on (auto: the printer's; the layout fits A4 and Letter).")
@route_options()
@click.option("--via", multiple=True, metavar="NODE",
              help="Only routes through NODE (repeatable; not with --sanctuary).")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True,
              help="List at most this many open routes (and this many blocked ones); with --sanctuary and "
                   "--count, count at most this many routes per node.")
@click.option("--count", "count_routes", is_flag=True,
              help="Also count the routes (slower on large data): for SOURCE, every open and blocked route within "
                   "--max-hops, beyond the --limit listed; with --sanctuary, each node's open routes, up to --limit.")
@click.option("--in", "within", metavar="PLACE",
              help="With --sanctuary: only nodes in PLACE, a state (CA, California) or any jurisdiction's id or name.")
@click.option("--kind", "kinds", multiple=True, type=click.Choice(tuple(schema.NODE_KINDS)),
              help="With --sanctuary: only nodes of this kind (repeatable).")
@click.pass_context
@reports_errors
def report(ctx: click.Context, source: str | None, sweep_: bool, target: str, output: str, fmt: str | None,
           date: str | None, paper: str, limit: int, count_routes: bool, within: str | None,
           kinds: tuple[str, ...], **options) -> None:
    """A brief that stands on its own: the verdict, the diagram, every route hop by hop with footnotes,
    the firewall and the data behind it, as HTML or Markdown.

    \b
    flowmap report SFPD -o sfpd-brief.html
    flowmap report "Orange County Intelligence Assessment Center" -o oc.md
    flowmap report --sanctuary -o sanctuary-brief.html
    flowmap report --sanctuary --in CA --kind agency -o ca-agencies.md
    """
    from click.core import ParameterSource

    from .views import report as briefs

    if sweep_ == (source is not None):
        raise click.UsageError("name one SOURCE, or give --sanctuary for the sweep (not both)")
    if date is not None:
        from .dates import is_valid

        if not is_valid(date):
            raise click.BadParameter(f"{date!r} is not a date like 2025, 2025-08 or 2025-08-05", param_hint="--date")
    fmt = fmt or briefs.format_for(output)
    if sweep_ and ctx.get_parameter_source("group_joins") == ParameterSource.DEFAULT:
        options["group_joins"] = False  # the sweep's default, as in `flowmap sanctuary`
    query = query_from(options, source=source, target=target, limit=limit)
    brief = ctx.obj.flowmap.report(query, sanctuary=sweep_, fmt=fmt, date=date, paper=paper, count=count_routes,
                                   within=within, kinds=kinds)
    written = briefs.write(brief, output, fmt)
    click.echo(f"wrote {', '.join(str(p) for p in written)} ({fmt}, {len(brief.notes.items)} footnotes)", err=True)


def main() -> None:
    cli(prog_name="flowmap")
