"""Plain-text views for the terminal.  Each function returns a string; only the
CLI prints."""

from __future__ import annotations

import textwrap

from ..cuts import Firewall, edge_meaning, node_meaning
from ..entity import Entity
from ..model import Model
from ..routes import Counts, Hop, ReachResult, Route
from ..sanctuary import SweepResult
from ..subjects import NOT_SHOWN, RELATIONS, SubjectsResult
from .verdict import conditions, verdict
from .words import NOT_A_LAW, clean, join_or

WIDTH = 100


def name(model: Model, node_id: str) -> str:
    return clean(model.name(node_id))


def path_line(model: Model, route: Route) -> str:
    return " → ".join(name(model, n) for n in route.nodes)


def hop_lines(model: Model, number: int, hop: Hop) -> list[str]:
    ev = hop.evidence
    level = ev.level + (f" (source hedges: {clean(ev.hedge)})" if ev.hedge else "")
    facts = [f"data: {', '.join(hop.data)}", f"evidence: {level}", f"how: {hop.mechanism}"]
    if ev.date:
        facts.append(f"date: {ev.date}")
    if hop.requested_by:
        facts.append(f"requested by: {name(model, hop.requested_by)}")
    lines = [f"  {number}. {name(model, hop.sender)} → {name(model, hop.receiver)}  [{hop.edge}]",
             *textwrap.wrap(" · ".join(facts), WIDTH, initial_indent="     ", subsequent_indent="     "),
             *textwrap.wrap(f"source: {clean(ev.reference)}", WIDTH, initial_indent="     ",
                            subsequent_indent="       ")]
    if ev.url:  # on its own line, whole, so a terminal makes it a link to click and check the quote against
        lines.append(f"     link: {clean(ev.url)}")
    lines += textwrap.wrap(f"“{clean(ev.quote)}”", WIDTH, initial_indent="     ", subsequent_indent="      ")
    if hop.notes:  # the caveats (what the quote does not show) belong next to the claim
        lines += textwrap.wrap(f"note: {clean(hop.notes)}", WIDTH, initial_indent="     ",
                               subsequent_indent="       ")
    return lines


def route_block(model: Model, number: int, route: Route) -> list[str]:
    lines = [f"Route {number} ({_plural(len(route), 'hop')}): {path_line(model, route)}"]
    for join in route.group_joins:
        lines += textwrap.wrap(f"GROUP JOIN: joins statements about {name(model, join.group)} "
                               f"({join.hops[0]}, {join.hops[1]}): the two hops need not be about the same "
                               "members of the group.", WIDTH, initial_indent="  ", subsequent_indent="    ")
    for position, hop in enumerate(route.hops, 1):
        lines += hop_lines(model, position, hop)
    for restriction in route.blocked_by:
        lines += textwrap.wrap(f"BLOCKED: {clean(restriction.describe(model))} "
                               f"({clean(restriction.evidence.reference)})", WIDTH,
                               initial_indent="  ", subsequent_indent="    ")
    return lines


def reach_text(result: ReachResult) -> str:
    model = result.model
    lines = textwrap.wrap(verdict(result), WIDTH)
    cites = "; each hop below cites its source" if result.routes or result.blocked else ""
    lines.append(f"{_count_phrase(len(result.routes), result.more_routes, 'open route')}, "
                 f"{_count_phrase(len(result.blocked), result.more_blocked, 'route')} blocked by policy{cites}.")
    joins = sum(1 for r in result.routes if r.group_joins)
    if joins:
        lines.append(f"{_plural(joins, 'open route')} listed join statements about a group (marked GROUP JOIN); "
                     "--no-group-joins leaves them out.")
    if result.more_routes or result.more_blocked:
        lines.append(f"Listing stopped at --limit {result.limit}: more routes exist "
                     "(raise --limit, or use --count to count them all).")
    for number, route in enumerate(result.routes, 1):
        lines += ["", *route_block(model, number, route)]
    if result.blocked:
        lines += ["", "Blocked by policy", "-----------------"]
        for number, route in enumerate(result.blocked, 1):
            lines += ["", *route_block(model, number, route)]
    return "\n".join(lines) + "\n"


def _plural(count: int, noun: str, plural: str | None = None) -> str:
    return f"{count} {noun if count == 1 else plural or noun + 's'}"


def _count_phrase(count: int, more: bool, noun: str) -> str:
    plural = noun + ("s" if count != 1 else "")
    return f"first {count} {plural} (more exist)" if more else f"{count} {plural}"


def count_text(model: Model, source: str, target: str, counts: Counts, max_hops: int | None) -> str:
    within = f" of at most {max_hops} hops" if max_hops is not None else ""
    return (f"{name(model, source)} → {name(model, target)}: {counts.open} open route"
            f"{'s' if counts.open != 1 else ''} and {counts.blocked} blocked by policy{within}.\n")


def table(rows: list[dict], columns: list[str]) -> str:
    """A plain aligned table; cells are cleaned to one line."""
    cells = [[clean(str(row.get(c, ""))) for c in columns] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    widths = [min(w, 60) for w in widths]

    def fmt(values: list[str]) -> str:
        return "  ".join(v[:w].ljust(w) if len(v) <= w else v[: w - 1] + "…" for v, w in zip(values, widths)).rstrip()

    out = [fmt(columns), fmt(["-" * w for w in widths])]
    out += [fmt(r) for r in cells]
    return "\n".join(out) + "\n"


def show_text(found: Entity) -> str:
    """``flowmap show``: the entity's facts, then each flow it receives and sends, with its citation."""
    model, node_id, row = found.model, found.node, found.row
    sanctuary = model.sanctuary(node_id)
    lines = [f"{clean(row['name'])}  [{node_id}]", f"  kind: {row['kind']}"]
    for label, column in (("aliases", "aliases"), ("part of", "part_of"), ("jurisdiction", "jurisdiction"),
                          ("county", "county"), ("state", "state"), ("ORI", "ori"),
                          ("agency type", "agency_type")):
        if row.get(column, ""):
            lines.append(f"  {label}: {clean(row[column])}")
    status = sanctuary.status + (f" — {clean(sanctuary.law_text)}" if sanctuary.laws else "")
    lines.append(f"  sanctuary: {status}")
    if sanctuary.designations:
        lines.append(f"  designation: {clean(sanctuary.designation_text)} {NOT_A_LAW}")
    if row["notes"]:
        lines += textwrap.wrap(f"notes: {clean(row['notes'])}", WIDTH, initial_indent="  ",
                               subsequent_indent="    ")
    for title, hops in (("Data received", found.received), ("Data sent", found.sent)):
        lines += ["", f"{title} ({len(hops)})"]
        for number, hop in enumerate(hops, 1):
            lines += hop_lines(model, number, hop)
    return "\n".join(lines) + "\n"


def sweep_text(result: SweepResult) -> str:
    """The sweep as a list: how many can reach the target, the ones that cannot
    by name, then each one that can with its shortest route and gateways."""
    model = result.model
    target = name(model, result.target)
    plural = result.covered != 1
    nodes = (join_or([_kind_plural(k) if plural else k.replace("_", " ") for k in result.kinds]) if result.kinds
             else "nodes" if plural else "node")
    place = f" in {clean(model.jurisdiction_row(result.within)['name'])}" if result.within else ""
    examined = [r.node for r in result.reaches] + result.cannot
    # A designation (the DOJ list) is not a law: say so when it brought a node into the sweep.
    under = ("under a sanctuary law or designation" if any(not model.sanctuary(n).covered for n in examined)
             else "under a sanctuary law")
    lines = textwrap.wrap(f"{len(result.reaches)} of {result.covered} {nodes} {under}{place} can "
                          f"reach {target}{conditions(model, result.query)}.", WIDTH)
    if not result.query.group_joins:
        lines.append("Routes that join statements about a group are left out (--group-joins counts them).")
    if result.cannot:
        lines += ["", *textwrap.wrap(f"Cannot reach it ({len(result.cannot)}): no open route in this data, "
                                     "which is not proof that no data moves.", WIDTH)]
        lines += [f"  {name(model, n)}  [{n}]" for n in result.cannot]
    if result.reaches:
        lines += ["", f"Can reach it ({len(result.reaches)}), shortest routes first:"]
    for r in result.reaches:
        # The laws, then any designation on a line of its own, as `show` lists them: "law:" before
        # "designated by DOJ" would call the designation a law.
        status = model.sanctuary(r.node)
        lines += ["", f"{name(model, r.node)}  [{r.node}]",
                  *(textwrap.wrap(f"law: {clean(status.law_text)}", WIDTH, initial_indent="  ",
                                  subsequent_indent="    ") if status.laws else []),
                  *(textwrap.wrap(f"designation: {clean(status.designation_text)} {NOT_A_LAW}",
                                  WIDTH, initial_indent="  ", subsequent_indent="    ")
                    if status.designations else [])]
        if r.routes is not None:
            lines.append(f"  routes: {r.routes}+" if r.more_routes else f"  routes: {r.routes}")
        lines += [f"  shortest ({_plural(len(r.shortest), 'hop')}): {path_line(model, r.shortest)}",
                  *[f"  joins statements about a group: {name(model, j.group)}" for j in r.shortest.group_joins],
                  f"  data leaves sanctuary through: {name(model, r.exit)}",
                  f"  hands it to {target}: {name(model, r.last)}"]
    if any(r.more_routes for r in result.reaches):
        lines += ["", f"Counts marked + stopped at --limit {result.limit}."]
    return "\n".join(lines) + "\n"


def _kind_plural(kind: str) -> str:
    words = kind.replace("_", " ")
    return words[:-1] + "ies" if words.endswith("y") else words + "s"


def firewall_text(fw: Firewall) -> str:
    model = fw.model
    source, target = name(model, fw.source), name(model, fw.target)
    if not fw.reachable:
        return f"{source} has no open route to {target}: nothing to cut.\n"
    lines = [f"Firewall between {source} and {target}.", "",
             f"Cut {_plural(len(fw.edges), 'channel')} (the fewest that close every open route):"]
    for edge in fw.edges:
        lines += textwrap.wrap(f"- [{edge}] {clean(edge_meaning(model, edge))}", WIDTH,
                               subsequent_indent="  ")
    lines.append("")
    if fw.nodes is None:
        lines.append(f"No set of intermediaries can do it: {source} passes data to {target} directly.")
    else:
        lines.append(f"Or remove {_plural(len(fw.nodes), 'intermediary', 'intermediaries')}:")
        lines += [f"- {clean(node_meaning(model, n))}  [{n}]" for n in fw.nodes]
    lines += ["", "Verified: searching again without them finds no open route." if fw.verified
              else "NOT VERIFIED: an open route remains after the cut; please report this."]
    if not (fw.minimum_edges and fw.minimum_nodes):
        lines.append("Each cut element is needed, but fewer may exist: with several --carrying categories (or "
                     "groups passed on several sentences) the smallest cut is not proven.")
    return "\n".join(lines) + "\n"


def summary_markdown(model: Model) -> str:
    """Counts of nodes by kind and edges by evidence level and data category, as
    Markdown tables (the README's "Data" section embeds this output)."""
    from .. import schema

    nodes = model.nodes["kind"].value_counts()
    edges = model.edges["evidence"].value_counts()
    data = model.edges["data"].str.split(";").explode().str.strip().value_counts()
    covered = int((model.nodes["sanctuary"] == "yes").sum())
    lines = [f"{len(model.nodes)} nodes ({covered} under a sanctuary law), {len(model.edges)} edges, "
             f"{len(model.sources)} sources.", "", "| node kind | nodes |", "|---|---:|"]
    lines += [f"| {kind} | {int(nodes.get(kind, 0))} |" for kind in schema.NODE_KINDS if nodes.get(kind, 0)]
    lines += ["", "| evidence | edges |", "|---|---:|"]
    lines += [f"| {level} | {int(edges.get(level, 0))} |" for level in schema.EVIDENCE_LEVELS]
    lines += ["", "| data category | edges carrying it |", "|---|---:|"]
    lines += [f"| {category} | {int(data[category])} |" for category in schema.DATA_CATEGORIES if category in data]
    return "\n".join(lines) + "\n"


#: Section headings of ``flowmap about``, by how a flow's subjects relate to the place.
ABOUT_HEADINGS: dict[str, str] = {
    "the place": "Sources naming {place}",
    "inside it": "Sources naming a place inside {place}",
    "containing it": "Sources naming a place containing {place} (a wider statement: the data is about people "
                     "there among others)",
}


def about_text(result: SubjectsResult) -> str:
    """``flowmap about``: each flow said to carry data about people in the place, by how
    its source names the place, with its citation and where the data can go on to."""
    model = result.model
    place = clean(model.jurisdiction_ref(result.place)["name"])
    target = name(model, result.query.target)
    flows = result.flows
    lines = textwrap.wrap(f"{_plural(len(flows), 'flow')} carrying data about people in {place}, as the sources "
                          f"say; {len(result.reaching)} of them reach {target}{conditions(model, result.query)}.",
                          WIDTH)
    lines += textwrap.wrap(NOT_SHOWN, WIDTH)
    number = 0
    for relation in RELATIONS:
        group = [flow for flow in flows if flow.relation == relation]
        if group:
            lines += ["", ABOUT_HEADINGS[relation].format(place=place) + f" ({len(group)}):"]
        for flow in group:
            number += 1
            lines += hop_lines(model, number, flow.hop)
            about = ", ".join(clean(model.jurisdiction_ref(j)["name"]) for j in flow.subjects)
            lines.append(f"     about people in: {about}")
            if flow.direct:
                lines.append(f"     → this flow reaches {target} itself")
            elif flow.onward is not None:
                lines += textwrap.wrap(f"→ can go on to {target}: {path_line(model, flow.onward)} "
                                       f"({_plural(len(flow.onward), 'hop')}: "
                                       f"{', '.join(h.edge for h in flow.onward.hops)})", WIDTH,
                                       initial_indent="     ", subsequent_indent="       ")
            else:
                lines.append(f"     → no route on from {name(model, flow.hop.receiver)} to {target} in this data")
    return "\n".join(lines) + "\n"
