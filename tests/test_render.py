"""Diagrams: the DOT is pinned by golden files, the images by their formats,
and hostile text in the data must not break out of a label, a tooltip or the SVG.

Regenerate the golden files after an intended change, then review the diff:

    FLOWMAP_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_render.py
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pydot
import pygraphviz
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from flowmap.api import FlowMap, make_filters
from flowmap.cli import cli
from flowmap.errors import QueryError, RenderError
from flowmap.load import Tables, load_tables
from flowmap.model import Model
from flowmap.query import DEFAULT_LIMIT, Query
from flowmap.views import render
from flowmap.views.render import Diagram, format_for

from conftest import EDGES, JURISDICTIONS, NODES, SOURCES, write_dataset

GOLDEN = Path(__file__).parent / "golden"
UPDATE_ENV = "FLOWMAP_UPDATE_GOLDEN"
SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"


# -- helpers ---------------------------------------------------------------------

def diagram(model: Model, source: str | None = None, *, filters: Query | None = None, limit=DEFAULT_LIMIT,
            **kwargs) -> Diagram:
    """A diagram as the API draws it: the query run, its results handed to the view."""
    return FlowMap(model).render((filters or Query()).replace(source=source, limit=limit), **kwargs)


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get(UPDATE_ENV):
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="")
    assert path.exists(), f"no golden file {path}: run {UPDATE_ENV}=1 pytest tests/test_render.py"
    expected = path.read_text(encoding="utf-8")
    assert text == expected, (f"{name} differs from the golden file; if the change is intended, run "
                              f"{UPDATE_ENV}=1 pytest tests/test_render.py and review the diff")


def parse_dot(dot: str) -> pydot.Dot:
    graphs = pydot.graph_from_dot_data(dot)
    assert graphs and len(graphs) == 1
    return graphs[0]


def subgraphs(graph) -> list:
    """Every subgraph, nested ones too (all of a diagram sits in the credit box)."""
    found = []
    for sub in graph.get_subgraphs():
        found += [sub, *subgraphs(sub)]
    return found


def all_nodes(graph) -> dict[str, pydot.Node]:
    """Nodes by unquoted name, in subgraphs too; ``node``/``edge`` defaults left out."""
    found = {n.get_name().strip('"'): n for n in graph.get_nodes() if n.get_name() not in ("node", "edge", "graph")}
    for sub in graph.get_subgraphs():
        found.update(all_nodes(sub))
    return found


def all_edges(graph) -> dict[str, pydot.Edge]:
    """Edges by their SVG id (``edge-e1``, ``edge-e1+e2`` for merged ones)."""
    found = {e.get("id").strip('"'): e for e in graph.get_edges()}
    for sub in graph.get_subgraphs():
        found.update(all_edges(sub))
    return found


def attr(item, name: str) -> str:
    value = item.get(name)
    return value.strip('"') if value else ""


def svg_tree(svg: bytes) -> ET.Element:
    return ET.fromstring(svg)


def svg_texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()).replace("\xa0", " ") for t in root.iter(f"{SVG}text")]


def svg_tooltips(root: ET.Element) -> list[str]:
    return [a.get(f"{XLINK}title").replace("\xa0", " ") for a in root.iter(f"{SVG}a")]


@pytest.fixture
def model(tiny) -> Model:
    return Model.load(tiny)


# -- golden DOT and determinism ----------------------------------------------------

@pytest.mark.parametrize("name, kwargs", [
    ("whole-map.dot", {}),
    ("sfpd.dot", {"source": "sfpd"}),
    ("sfpd-context-firewall.dot", {"source": "sfpd", "context": True, "firewall": True}),
])
def test_dot_matches_golden_file(model, name, kwargs):
    check_golden(name, diagram(model, **kwargs).dot)


def test_same_data_gives_byte_identical_dot_and_svg(tiny):
    first = diagram(Model.load(tiny), "sfpd", context=True, firewall=True)
    second = diagram(Model.load(tiny), "sfpd", context=True, firewall=True)
    assert first.dot == second.dot
    assert first.render("svg") == second.render("svg")


@pytest.mark.parametrize("seed", ["1", "2"])
def test_dot_does_not_depend_on_hash_seed(tiny, model, seed):
    # Set and dict iteration over strings changes with the hash seed; the DOT must not.
    code = ("import sys, flowmap; "
            "sys.stdout.write(flowmap.load(sys.argv[1]).render('sfpd', context=True, firewall=True).dot)")
    env = {**os.environ, "PYTHONHASHSEED": seed}
    out = subprocess.run([sys.executable, "-c", code, str(tiny)], capture_output=True, text=True, env=env,
                         check=True).stdout
    assert out == diagram(model, "sfpd", context=True, firewall=True).dot


# -- what is drawn -----------------------------------------------------------------

def test_whole_map_draws_every_edge_and_marks_policy(model):
    d = diagram(model)
    assert d.edges == ("e1", "e2", "e3", "e4", "e5", "e6")
    graph = parse_dot(d.dot)
    e4 = all_edges(graph)["edge-e4"]
    assert attr(e4, "color") == render.BLOCKED
    assert "policy: no data from" in e4.get("label") and "California" in e4.get("label")


def test_routes_only_draws_the_routes(model):
    d = diagram(model, "sfpd")
    assert set(d.nodes) == {"sfpd", "ncric", "vendor", "ice"}
    assert d.edges == ("e1", "e2", "e3", "e4")  # e5 leaves ICE, e6 starts in Denver


def test_blocked_edge_is_red_with_the_policy_named(model):
    edges = all_edges(parse_dot(diagram(model, "sfpd").dot))
    blocked = edges["edge-e4"]
    assert attr(blocked, "color") == render.BLOCKED
    assert "BLOCKED: no data from" in blocked.get("label")
    assert "blocked" in attr(blocked, "class").split()
    assert attr(edges["edge-e2"], "color") == render.INK


def test_evidence_levels_are_line_styles(model):
    edges = all_edges(parse_dot(diagram(model).dot))
    assert attr(edges["edge-e2"], "style") == "solid"  # documented
    assert attr(edges["edge-e1"], "style") == "dashed"  # reported
    assert attr(edges["edge-e3"], "style") == "dotted"  # capability


def test_edges_are_labelled_with_data_and_date(model):
    label = all_edges(parse_dot(diagram(model).dot))["edge-e2"].get("label")
    assert "licence-plate reads" in label and "2018-04-19" in label


def test_context_greys_the_rest_of_the_map(model):
    plain = all_nodes(parse_dot(diagram(model, "sfpd").dot))
    assert "denver" not in plain
    graph = parse_dot(diagram(model, "sfpd", context=True).dot)
    nodes, edges = all_nodes(graph), all_edges(graph)
    assert attr(nodes["denver"], "fillcolor") == render.GREY_FILL
    assert "context" in attr(nodes["denver"], "class").split()
    assert "context" not in attr(nodes["sfpd"], "class").split()
    assert attr(edges["edge-e6"], "color") == render.GREY_LINE
    assert edges["edge-e6"].get("label") is None  # context stays quiet
    assert attr(edges["edge-e1"], "color") == render.INK


def test_firewall_marks_the_cut_edges(model):
    graph = parse_dot(diagram(model, "sfpd", firewall=True).dot)
    cut = all_edges(graph)["edge-e1"]
    assert attr(cut, "color") == render.CUT and attr(cut, "penwidth") == "3"
    assert "CUT" in cut.get("label")
    assert "Firewall: cutting the 1 marked channel" in graph.get("label")
    assert attr(all_edges(graph)["edge-e2"], "color") == render.INK


def test_target_and_its_units_share_one_cluster(model):
    graph = parse_dot(diagram(model, "sfpd", context=True).dot)
    target = next(s for s in subgraphs(graph) if s.get_name() == "cluster_target")
    assert set(all_nodes(target)) == {"ice", "ice-das"}
    assert target.get("label") == "<>"  # ICE's own box names it: the box saying it again read as a second ICE

    # Reaching only a unit: the box names the target.
    edges = [*EDGES, {**EDGES[0], "id": "e7", "from": "denver", "to": "ice-das"}]
    unit_only = Model.load(write_dataset(model.directory.parent / "unit", edges=edges))
    graph = parse_dot(diagram(unit_only, "denver", filters=Query(without=("e6",))).dot)
    box = next(s for s in subgraphs(graph) if s.get_name() == "cluster_target")
    assert set(all_nodes(box)) == {"ice-das"} and "Immigration and Customs Enforcement" in box.get("label")


def test_sanctuary_nodes_are_marked_and_the_state_box_names_the_law(model):
    graph = parse_dot(diagram(model, "sfpd").dot)
    california = next(s for s in subgraphs(graph) if s.get_name() == "cluster_state_CA")
    assert "Covered by California’s SB54" in california.get("label")
    nodes = all_nodes(graph)
    for node_id in ("sfpd", "ncric"):
        assert nodes[node_id].get("peripheries") == "2"
        assert attr(nodes[node_id], "color") == render.SANCTUARY
        assert "Covered by" in nodes[node_id].get("label")
    label = nodes["sfpd"].get("label")  # the city's own law, which the state box does not name
    assert "Covered by San Francisco’s" in label and "Sanctuary City Ordinance" in label and "SB54" not in label
    assert "Covered by its state’s law" in nodes["ncric"].get("label")
    assert nodes["vendor"].get("peripheries") is None


def test_a_node_alone_in_its_state_names_every_law(model):
    # With NCRIC gone, SFPD is California's only node: no state box, so the node says SB54 itself.
    graph = parse_dot(diagram(model, filters=make_filters(avoid="ncric")).dot)
    assert not any(s.get_name() == "cluster_state_CA" for s in subgraphs(graph))
    label = all_nodes(graph)["sfpd"].get("label")
    assert "SB54" in label and "Sanctuary City" in label



def label_text(item) -> str:
    """An HTML-like label's text as a reader sees it, its lines joined by spaces."""
    return " ".join(re.findall(r">([^<>]+)<", item.get("label")))


def designated_dataset(tmp_path) -> Model:
    """Two Colorado agencies (no law in the data; the state DOJ-designated) and SFPD (under law, its
    city designated too), each passing data to ICE."""
    from flowmap import schema

    from conftest import JURISDICTIONS, write_table

    nodes = NODES + [{"id": f"co{i}", "name": f"Colorado Agency {i}", "kind": "agency", "state": "CO"}
                     for i in (1, 2)]
    edges = EDGES + [{**EDGES[1], "id": f"co{i}-ice", "from": f"co{i}", "quote": f"Colorado {i} shares"}
                     for i in (1, 2)] + [{**EDGES[1], "id": "co1-co2", "from": "co1", "to": "co2",
                                          "quote": "Colorado agencies share"}]
    directory = write_dataset(tmp_path / "designated", nodes=nodes, edges=edges, jurisdictions=JURISDICTIONS)
    write_table(directory, schema.DESIGNATIONS, [
        {"id": "doj-co", "jurisdiction": "us-co", "designated_by": "DOJ", "date": "2025-08-05",
         "citation": "report", "locator": "States", "quote": "Colorado"},
        {"id": "doj-sf", "jurisdiction": "us-ca-sf", "designated_by": "DOJ", "date": "2025-08-05",
         "citation": "report", "locator": "Cities", "quote": "San Francisco City, CA"}])
    return Model.load(directory)


def test_a_designation_is_drawn_apart_from_any_law(tmp_path):
    model = designated_dataset(tmp_path)
    # Alone in its state, a designated agency says so on its own box, and that it is not a law.
    alone = all_nodes(parse_dot(diagram(model, "co2").dot))["co2"]
    assert "Designated by DOJ (2025-08-05): Colorado (a designation, not a law)" in label_text(alone)
    assert alone.get("peripheries") is None and attr(alone, "color") != render.SANCTUARY
    assert "designated by DOJ (2025-08-05): Colorado (a designation, not a law)" in attr(alone, "tooltip")
    # Two of them share a state box, which names the designation once.
    graph = parse_dot(diagram(model, "co1").dot)
    colorado = next(s for s in subgraphs(graph) if s.get_name() == "cluster_state_CO")
    assert "Designated by DOJ (2025-08-05) (a designation, not a law)" in label_text(colorado)
    assert "Covered by" not in colorado.get("label")
    assert all("Designated" not in all_nodes(graph)[n].get("label") for n in ("co1", "co2"))
    # Beside a law, the label keeps to the law; the tooltip lists the designation with its source.
    sfpd = all_nodes(parse_dot(diagram(model, "sfpd").dot))["sfpd"]
    assert "Designated" not in sfpd.get("label") and "Covered by" in sfpd.get("label")
    tooltip = attr(sfpd, "tooltip")
    assert "designated by DOJ (2025-08-05): San Francisco (a designation, not a law)" in tooltip
    assert "“San Francisco City, CA”" in tooltip


def test_a_designated_district_keeps_its_whole_name(tmp_path):
    # "Orange County, California" may lose its state, but "Washington, DC" cut at the comma would
    # read as Washington State (also on the DOJ list): DC police would seem designated as the state.
    from flowmap import schema

    from conftest import JURISDICTIONS, write_table

    jurisdictions = JURISDICTIONS + [{"id": "us-dc", "name": "Washington, DC", "level": "city", "state": "DC",
                                      "part_of": "us", "sanctuary": "unknown"}]
    nodes = NODES + [{"id": "dcpd", "name": "DC police", "kind": "agency", "jurisdiction": "us-dc", "state": "DC"}]
    edges = EDGES + [{**EDGES[1], "id": "dc-ice", "from": "dcpd", "quote": "DC shares"}]
    directory = write_dataset(tmp_path / "dc", nodes=nodes, edges=edges, jurisdictions=jurisdictions)
    write_table(directory, schema.DESIGNATIONS, [
        {"id": "doj-dc", "jurisdiction": "us-dc", "designated_by": "DOJ", "date": "2025-08-05",
         "citation": "report", "locator": "States", "quote": "District of Columbia"}])
    dcpd = all_nodes(parse_dot(diagram(Model.load(directory), "dcpd").dot))["dcpd"]
    assert "Designated by DOJ (2025-08-05): Washington, DC (a designation, not a law)" in label_text(dcpd)
    assert render._place_name("Orange County, California") == "Orange County"


def test_node_kinds_have_their_own_shapes(model):
    nodes = all_nodes(parse_dot(diagram(model).dot))
    assert nodes["ncric"].get("shape") == "hexagon"
    assert nodes["ice-das"].get("shape") == "cylinder"
    assert nodes["vendor"].get("shape") == "component"


def test_filters_apply(model):
    d = diagram(model, filters=make_filters(carrying="immigration_records"))
    assert d.edges == ("e5",)
    assert "Carrying immigration records on every hop." in parse_dot(d.dot).get("label")


def test_parallel_edges_drawn_alike_share_one_line(tiny):
    extra = {**EDGES[1], "id": "e2b", "data": "tips", "date": "2019"}
    model = Model.load(write_dataset(tiny.parent / "parallel", edges=[*EDGES, extra]))
    d = diagram(model)
    assert "e2b" in d.edges
    merged = all_edges(parse_dot(d.dot))["edge-e2+e2b"]
    label = merged.get("label")
    assert "• licence-plate reads" in label and "• tips" in label and "2019" in label
    assert "[e2]" in merged.get("tooltip") and "[e2b]" in merged.get("tooltip")


def test_unreachable_source_still_shows_both_ends(model):
    d = diagram(model, "denver", filters=make_filters(min_evidence="documented"))
    assert set(d.nodes) == {"denver", "ice"}
    assert d.edges == ()
    assert ("No route found in this data within 6 hops; that is not proof that no data moves."
            in parse_dot(d.dot).get("label"))


def test_limit_says_when_routes_were_left_out(tiny):
    extra = {**EDGES[0], "id": "e7", "to": "ice-das", "evidence": "documented"}
    model = Model.load(write_dataset(tiny.parent / "more", edges=[*EDGES, extra]))
    label = parse_dot(diagram(model, "sfpd", limit=1).dot).get("label")
    assert "1+ routes found within 6 hops, and 1 route blocked by a policy" in label and "more exist" in label


def test_via_keeps_only_routes_through_it(model):
    d = diagram(model, "sfpd", filters=make_filters(via="vendor"))
    assert d.edges == ("e3", "e4")


@pytest.mark.parametrize("kwargs, flag", [({"context": True}, "--context"), ({"firewall": True}, "--firewall"),
                                          ({"filters": make_filters(via="vendor")}, "--via")])
def test_route_options_need_a_source(model, kwargs, flag):
    with pytest.raises(QueryError, match=flag):
        diagram(model, **kwargs)


def test_layout_keeps_the_picture_narrow(model):
    # Routes from one source are deeper than broad: drawn top to bottom.  The
    # whole map is broader than deep: left to right.
    assert parse_dot(diagram(model, "sfpd").dot).get("rankdir") == "TB"
    assert parse_dot(diagram(model).dot).get("rankdir") == "LR"
    assert parse_dot(diagram(model, "sfpd", layout="wide").dot).get("rankdir") == "LR"
    assert parse_dot(diagram(model, layout="tall").dot).get("rankdir") == "TB"
    with pytest.raises(QueryError, match="--layout"):
        diagram(model, layout="diagonal")


def test_tall_layout_keeps_labels_off_the_lines(model):
    graph = parse_dot(diagram(model, "sfpd", layout="tall").dot)
    target = next(s for s in subgraphs(graph) if s.get_name() == "cluster_target")
    assert target.get("labelloc") == "b"  # routes enter the box from above
    assert all_edges(graph)["edge-e1"].get("label").startswith("<<table")


def test_every_data_category_reads_as_words():
    from flowmap import schema

    for category in schema.DATA_CATEGORIES:
        assert "_" not in render.data_label(category)


def test_credit_line_at_the_foot_names_the_sources(model):
    graph = parse_dot(diagram(model, "sfpd").dot)
    credit = next(s for s in graph.get_subgraphs() if s.get_name() == "cluster_credit")
    assert credit.get("labelloc") == "b"
    text = credit.get("label")
    assert "Source: Watchdog, “A Report” (2024)." in text and "Made with flowmap." in text
    assert 'point-size="10"' in text


def test_a_long_title_puts_the_arrow_before_the_target(tiny):
    nodes = [{**n, "name": "Orange County Intelligence Assessment Center"} if n["id"] == "ncric" else n
             for n in NODES]
    model = Model.load(write_dataset(tiny.parent / "long", nodes=nodes))
    label = parse_dot(diagram(model, "ncric", layout="tall").dot).get("label")
    assert ('<b>Orange County Intelligence Assessment Center</b></font></td></tr><tr><td align="left">'
            '<font point-size="18"><b>→ Immigration and Customs Enforcement</b>') in label


def test_render_refuses_two_sources_rather_than_drawing_one(tiny):
    result = CliRunner().invoke(cli, ["--data", str(tiny), "render", "--from", "sfpd", "--from", "ncric",
                                      "--format", "dot"])
    assert result.exit_code == 2
    assert ("Error: a diagram shows the routes from one source; got --from 'sfpd' and --from 'ncric'. Run "
            "flowmap render once per source (each with its own -o FILE).") in result.output
    assert "digraph" not in result.output


def test_stale_fontconfig_warning_is_dropped_and_real_errors_pass(capfd):
    with render._without_stale_fontconfig_warnings():
        os.write(2, b'Fontconfig warning: "/usr/share/fontconfig/conf.avail/05-reset-dirs-sample.conf", '
                    b'line 6: unknown element "reset-dirs"\n')
        os.write(2, b"Error: syntax error in line 3\n")
    assert capfd.readouterr().err == "Error: syntax error in line 3\n"


def test_image_render_writes_nothing_to_stderr_but_the_summary(tiny, tmp_path):
    # In a fresh process, as a user runs it: the bundled fontconfig initialises here.
    out = tmp_path / "sfpd.png"
    run = subprocess.run([sys.executable, "-c", "from flowmap.cli import main; main()", "--data", str(tiny),
                          "render", "--from", "sfpd", "-o", str(out)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stderr == f"wrote {out} (png, 4 nodes, 4 edges)\n"


# -- SVG, PNG, PDF ---------------------------------------------------------------------

def test_svg_carries_citation_tooltips_and_https_links(model):
    root = svg_tree(diagram(model, "sfpd").render("svg"))
    anchors = list(root.iter(f"{SVG}a"))
    edge_e1 = next(a for a in anchors if "[e1]" in a.get(f"{XLINK}title"))
    tooltip = edge_e1.get(f"{XLINK}title")
    assert "A Report" in tooltip and "p. 2" in tooltip and "SFPD shares data" in tooltip
    assert edge_e1.get(f"{XLINK}href") == "https://example.org/report"
    node_sfpd = next(a for a in anchors if a.get(f"{XLINK}title").startswith("San Francisco Police Department"))
    assert "SB54 limits sharing" in node_sfpd.get(f"{XLINK}title")  # the sanctuary law's citation
    hrefs = {a.get(f"{XLINK}href") for a in anchors if a.get(f"{XLINK}href")}
    assert hrefs == {"https://example.org/report"}


def test_links_are_only_http(tiny):
    # The loader rejects other schemes; the diagram checks again in case a
    # Model is built some other way.
    tables = load_tables(tiny)
    sources = tables.sources.copy()
    sources.loc[sources["id"] == "report", "url"] = "javascript:alert(1)"
    model = Model(Tables((), sources, tables.jurisdictions, tables.designations, tables.nodes, tables.edges))
    svg = diagram(model, "sfpd").render("svg")
    assert b"javascript:" not in svg
    assert not [a for a in svg_tree(svg).iter(f"{SVG}a") if a.get(f"{XLINK}href")]


@pytest.mark.parametrize("fmt, magic", [("png", b"\x89PNG\r\n\x1a\n"), ("pdf", b"%PDF")])
def test_images_have_the_right_format(model, fmt, magic):
    content = diagram(model, "sfpd", context=True).render(fmt)
    assert content.startswith(magic)
    assert len(content) > 1024


def test_save_takes_the_format_from_the_suffix(model, tmp_path):
    d = diagram(model, "sfpd")
    for name, magic in (("a.svg", b"<?xml"), ("a.PNG", b"\x89PNG"), ("a.pdf", b"%PDF"), ("a.dot", b"digraph"),
                        ("a.gv", b"digraph")):
        assert d.save(tmp_path / name) in render.FORMATS
        assert (tmp_path / name).read_bytes().startswith(magic)
    assert d.save(tmp_path / "noext", format="png") == "png"
    assert (tmp_path / "noext").read_bytes().startswith(b"\x89PNG")


def test_unknown_suffix_names_the_format_flag(tmp_path):
    with pytest.raises(RenderError, match="--format"):
        format_for(tmp_path / "map.jpg")
    with pytest.raises(RenderError, match="--format"):
        format_for(tmp_path / "map")


def test_failed_drawing_leaves_the_old_file_alone(model, tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    target = out / "map.png"
    target.write_bytes(b"old")

    def broken(*args, **kwargs):
        raise ValueError("Graphviz raised a layout error.")

    monkeypatch.setattr(pygraphviz.AGraph, "draw", broken)
    with pytest.raises(RenderError, match="layout error"):
        diagram(model, "sfpd").save(target)
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in out.iterdir()) == ["map.png"]


def test_failed_write_leaves_no_half_written_file(model, tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    target = out / "map.svg"
    target.write_bytes(b"old")

    def no_space(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", no_space)
    with pytest.raises(RenderError, match="No space left"):
        diagram(model, "sfpd").save(target)
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in out.iterdir()) == ["map.svg"]


def test_saved_file_gets_ordinary_permissions(model, tmp_path):
    path = tmp_path / "map.dot"
    diagram(model).save(path)
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


def test_without_pygraphviz_images_fail_helpfully_and_dot_still_works(model, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pygraphviz", None)
    d = diagram(model, "sfpd")
    with pytest.raises(RenderError) as excinfo:
        d.render("png")
    message = str(excinfo.value)
    assert "--format dot" in message and "pip install pygraphviz" in message and "dot -Tpng" in message
    assert d._repr_svg_() is None
    assert d.save(tmp_path / "map.dot") == "dot"


def test_too_many_edges_to_draw_is_refused_before_graphviz_runs(model, monkeypatch):
    monkeypatch.setattr(render, "MAX_EDGES_TO_DRAW", 2)
    d = diagram(model)
    with pytest.raises(RenderError, match="--format dot"):
        d.render("svg")
    assert d.render("dot").startswith(b"digraph")


def test_too_many_edges_to_draw_is_refused_before_any_dot_is_built(model, monkeypatch, tmp_path):
    monkeypatch.setattr(render, "MAX_EDGES_TO_DRAW", 2)

    def no_dot(*args, **kwargs):
        raise AssertionError("the DOT was built for a diagram too large to draw")

    monkeypatch.setattr(render, "_build_dot", no_dot)
    with pytest.raises(RenderError, match="too many to lay out"):
        diagram(model).save(tmp_path / "map.svg")
    assert not (tmp_path / "map.svg").exists()


# -- nodes that play the same part collapse into one box ----------------------------

def fan_dataset(directory, count: int = 5):
    """SFPD shares with ``count`` agencies that each pass the data to NCRIC: one part, played ``count`` times."""
    nodes = NODES + [{"id": f"pd{i}", "name": f"Police Department {i}", "kind": "agency", "state": "CO"}
                     for i in range(count)]
    edges = [{**EDGES[0], "id": f"in{i}", "to": f"pd{i}"} for i in range(count)]
    edges += [{**EDGES[0], "id": f"out{i}", "from": f"pd{i}"} for i in range(count)]
    edges += [EDGES[1]]
    return Model.load(write_dataset(directory, nodes=nodes, edges=edges))


def test_nodes_playing_the_same_part_collapse_into_one_box(tmp_path):
    model = fan_dataset(tmp_path / "fan")
    d = diagram(model, "sfpd")
    assert {f"pd{i}" for i in range(5)} <= set(d.nodes)  # drawn, in one box
    nodes = all_nodes(parse_dot(d.dot))
    assert not {f"pd{i}" for i in range(5)} & set(nodes)
    box = nodes["pd0+4"]
    label = box.get("label")
    assert "5 agencies" in label and "Police Department 0" in label and "Police Department 3" in label
    assert "Police Department 4" not in label and "and 1 more" in label
    tooltip = box.get("tooltip")
    assert all(f"Police Department {i} [pd{i}]" in tooltip for i in range(5))  # every member, in full
    assert "collapsed" in attr(box, "class")
    edges = all_edges(parse_dot(d.dot))
    into = edges["edge-" + "+".join(f"in{i}" for i in range(5))]
    assert into.get_destination().strip('"') == "pd0+4"
    assert "(×5)" in into.get("label")  # five records alike, listed once with their number
    assert all(f"[in{i}]" in into.get("tooltip") for i in range(5))
    assert "sfpd" in nodes and "ncric" in nodes  # the source and the hand-off stay themselves


@pytest.mark.parametrize("seed", ["0", "1"])
def test_collapsed_dot_matches_golden_file_whatever_the_hash_seed(tmp_path, seed):
    model = fan_dataset(tmp_path / "fan")
    dot = diagram(model, "sfpd").dot
    check_golden("collapsed.dot", dot)
    code = "import sys, flowmap; sys.stdout.write(flowmap.load(sys.argv[1]).render('sfpd').dot)"
    env = {**os.environ, "PYTHONHASHSEED": seed}
    out = subprocess.run([sys.executable, "-c", code, str(model.directory)], capture_output=True, text=True,
                         env=env, check=True).stdout
    assert out == dot


def test_expand_draws_every_node_apart(tmp_path):
    model = fan_dataset(tmp_path / "fan")
    nodes = all_nodes(parse_dot(diagram(model, "sfpd", collapse=False).dot))
    assert {f"pd{i}" for i in range(5)} <= set(nodes)


def test_nodes_are_collapsed_only_from_three_alike(tmp_path):
    nodes = all_nodes(parse_dot(diagram(fan_dataset(tmp_path / "fan", count=2), "sfpd").dot))
    assert {"pd0", "pd1"} <= set(nodes)


def test_nodes_with_different_receivers_stay_apart(tmp_path):
    model = fan_dataset(tmp_path / "fan", count=3)
    extra = {**EDGES[2], "id": "odd", "from": "pd2", "to": "vendor"}
    edges = [*model.edges.to_dict("records"), extra, EDGES[3]]  # and the vendor passes it to ICE
    model = Model.load(write_dataset(tmp_path / "fan2", nodes=model.nodes.to_dict("records"), edges=edges))
    nodes = all_nodes(parse_dot(diagram(model, "sfpd", collapse=True).dot))
    assert "pd2" in nodes and "pd0" in nodes  # pd2 also sends to the vendor: another part; two alike stay apart


def test_unknown_render_format(model):
    with pytest.raises(RenderError, match="--format"):
        diagram(model).render("jpg")


def test_jupyter_displays_svg(model):
    assert diagram(model)._repr_svg_().startswith("<?xml")
    assert "2 nodes, 1 edges" in repr(FlowMap(model).render("ncric"))


# -- hostile text --------------------------------------------------------------------

HOSTILE_NAMES = {
    "sfpd": 'A"];evil[label="x',
    "ncric": "<script>alert(1)</script>",
    "vendor": "back\\slash\\N",
    "ice-das": "new\nline",
    "denver": "&amp;",
    "ice": "lit\\nline \\G\\E\\T\\H\\L\\l",
}
HOSTILE_QUOTE = ']]></title><script>alert("q")</script> \\N'


@pytest.fixture
def hostile(tiny) -> Model:
    nodes = [{**n, "name": HOSTILE_NAMES.get(n["id"], n["name"])} for n in NODES]
    edges = [{**e, "quote": HOSTILE_QUOTE, "hedge": 'may "\\L"', "notes": "<b>&lt;</b>"} if e["id"] == "e1" else e
             for e in EDGES]
    sources = [{**SOURCES[0], "title": 'Title "q" & <i>x</i> \\G', "url": "https://example.org/r?a=1&b=2"}]
    jurisdictions = [{**j, "law": "SB54 <b>&</b> \\N"} if j["id"] == "us-ca" else j for j in JURISDICTIONS]
    return Model.load(write_dataset(tiny.parent / "hostile", sources=sources, jurisdictions=jurisdictions,
                                    nodes=nodes, edges=edges))


@pytest.mark.parametrize("kwargs", [{}, {"source": "sfpd", "context": True, "firewall": True},
                                    {"source": "sfpd", "target": "dhs", "layout": "tall"},
                                    {"source": "sfpd", "firewall": True, "layout": "wide"}])
def test_hostile_text_cannot_break_out(hostile, kwargs):
    d = diagram(hostile, **kwargs)
    graph = parse_dot(d.dot)
    assert set(all_nodes(graph)) == set(d.nodes)  # no node smuggled in, none lost
    assert "evil" not in all_nodes(graph)
    drawn = [e for edge_id in all_edges(graph) for e in edge_id.removeprefix("edge-").split("+")]
    assert sorted(drawn) == sorted(d.edges)

    svg = d.render("svg")
    root = svg_tree(svg)  # well-formed XML
    assert not [e for e in root.iter() if e.tag.lower().endswith("script")]
    assert b"<script" not in svg.lower()
    texts, tooltips = svg_texts(root), svg_tooltips(root)
    for node_id in d.nodes:
        name = " ".join(hostile.name(node_id).split())  # labels are one line per name: newlines become spaces
        if node_id in HOSTILE_NAMES:
            assert name in texts, f"{name!r} not drawn literally"
            assert any(t.startswith(f"{name} [{node_id}]") for t in tooltips), f"{name!r} not in a tooltip"
    if "e1" in d.edges:
        assert any(HOSTILE_QUOTE in t for t in tooltips)
        assert any('source hedges: “may "\\L"”' in t for t in texts)


@pytest.mark.parametrize("node_id", sorted(HOSTILE_NAMES))
def test_hostile_names_survive_the_png_and_pdf_engines(hostile, node_id):
    # Graphviz must accept the escaped DOT for every output, not just SVG.
    d = diagram(hostile)
    assert d.render("png").startswith(b"\x89PNG")


TRICKY = st.text(alphabet=st.sampled_from(list('ab \\"\'<>&;[]{}=NGETHLlnr#%é→“”\t\n')), min_size=1, max_size=30)


@settings(max_examples=60, deadline=None)
@given(TRICKY)
def test_escaping_round_trips_through_graphviz(text):
    """Whatever the text, Graphviz shows exactly it: in an HTML label, a tooltip and an edge tooltip."""
    shown = render._clean(text)
    if not shown:
        return
    dot = (f'digraph G {{ a [label={render._label_html([render._html(shown)])}, '
           f'tooltip={render._tooltip([shown])}]; b [label="b", tooltip="b"]; '
           f'a -> b [tooltip={render._tooltip([shown, shown])}]; }}')
    assert parse_dot(dot)
    root = svg_tree(pygraphviz.AGraph(string=dot).draw(format="svg", prog="dot"))
    assert svg_texts(root)[0] == shown
    tooltips = svg_tooltips(root)
    assert tooltips[0] == shown
    assert tooltips[-1] == f"{shown}\n{shown}"


# -- the command ------------------------------------------------------------------------

@pytest.fixture
def run(tiny):
    def invoke(*args: str):
        return CliRunner().invoke(cli, ["--data", str(tiny), "render", *args], catch_exceptions=False)

    return invoke


def test_cli_writes_a_file_and_says_so(run, tmp_path):
    out = tmp_path / "sfpd.svg"
    result = run("--from", "SFPD", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr == f"wrote {out} (svg, 4 nodes, 4 edges)\n"
    assert svg_tree(out.read_bytes()).tag == f"{SVG}svg"


def test_cli_format_flag_overrides_the_suffix(run, tmp_path):
    out = tmp_path / "diagram"
    result = run("--format", "png", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"\x89PNG")
    assert "(png, 6 nodes, 6 edges)" in result.stderr


def test_cli_unknown_suffix_fails_naming_the_format_flag(run, tmp_path):
    out = tmp_path / "map.jpg"
    result = run("-o", str(out))
    assert result.exit_code == 1
    assert "--format" in result.stderr and ".jpg" in result.stderr
    assert not out.exists()


def test_cli_unknown_format_is_a_usage_error(run):
    result = run("--format", "jpg")
    assert result.exit_code == 2
    assert "--format" in result.stderr


def test_cli_writes_svg_and_dot_to_stdout(run, model):
    svg = run("--from", "sfpd")
    assert svg.exit_code == 0
    assert svg.stdout.startswith("<?xml")
    dot = run("--from", "sfpd", "--format", "dot")
    assert dot.stdout == diagram(model, "sfpd").dot


def test_cli_writes_png_to_a_pipe(run):
    result = run("--from", "sfpd", "--format", "png")
    assert result.exit_code == 0
    assert result.stdout_bytes.startswith(b"\x89PNG")


def test_cli_will_not_write_png_to_a_terminal(tiny):
    main, terminal = os.openpty()
    try:
        result = subprocess.run(
            [sys.executable, "-c", "from flowmap.cli import main; main()", "--data", str(tiny), "render",
             "--format", "png"], stdout=terminal, stderr=subprocess.PIPE, text=True, timeout=60)
    finally:
        os.close(terminal)
        os.close(main)
    assert result.returncode == 2
    assert "-o FILE" in result.stderr


def test_cli_options_reach_the_diagram(run, tmp_path):
    out = tmp_path / "fw.dot"
    result = run("--from", "sfpd", "--context", "--firewall", "--min-evidence", "capability", "-o", str(out))
    assert result.exit_code == 0, result.output
    edges = all_edges(parse_dot(out.read_text()))
    assert attr(edges["edge-e1"], "color") == render.CUT
    assert attr(edges["edge-e6"], "color") == render.GREY_LINE


def test_cli_expand_draws_every_node_apart(tmp_path):
    model = fan_dataset(tmp_path / "fan")
    args = ["--data", str(model.directory), "render", "--from", "SFPD", "--format", "dot"]
    collapsed = CliRunner().invoke(cli, args, catch_exceptions=False).stdout
    expanded = CliRunner().invoke(cli, [*args, "--expand"], catch_exceptions=False).stdout
    assert '"pd0+4"' in collapsed and '"pd3"' not in collapsed
    assert '"pd0+4"' not in expanded and '"pd3"' in expanded


def test_cli_layout(run):
    assert "rankdir=LR" in run("--from", "sfpd", "--layout", "wide", "--format", "dot").stdout
    assert "rankdir=TB" in run("--from", "sfpd", "--format", "dot").stdout
    assert run("--layout", "diagonal").exit_code == 2


def test_cli_context_without_source_fails(run):
    result = run("--context")
    assert result.exit_code == 1
    assert "--from" in result.stderr


def test_cli_unknown_source_suggests(run):
    result = run("--from", "SFPDX")
    assert result.exit_code == 1
    assert "did you mean" in result.stderr


def test_cli_without_pygraphviz_explains(run, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pygraphviz", None)
    out = tmp_path / "map.png"
    result = run("-o", str(out))
    assert result.exit_code == 1
    assert "--format dot" in result.stderr and "pip install pygraphviz" in result.stderr
    assert not out.exists()
    assert run("-o", str(tmp_path / "map.dot")).exit_code == 0


def test_cli_format_choices_match_the_library():
    option = next(p for p in cli.commands["render"].params if p.name == "fmt")
    assert tuple(option.type.choices) == render.FORMATS


def test_api_render(model):
    fm = FlowMap(model)
    d = fm.render("SFPD", context=True, firewall=True, min_evidence="capability")
    assert isinstance(d, Diagram)
    assert "denver" in d.nodes
    assert d.dot == diagram(model, "sfpd", context=True, firewall=True,
                            filters=make_filters(min_evidence="capability")).dot


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 9).flatmap(lambda n: st.tuples(
    st.just(n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=20))))
def test_layout_generations_agree_with_networkx(graph):
    import networkx as nx

    n, pairs = graph
    names = [f"n{i}" for i in range(n)]
    successors = {name: set() for name in names}
    for u, v in pairs:
        if u != v:
            successors[names[u]].add(names[v])
    reference = nx.DiGraph()
    reference.add_nodes_from(names)
    reference.add_edges_from((u, v) for u, targets in successors.items() for v in targets)
    condensed = nx.condensation(reference)
    generations = list(nx.topological_generations(condensed))
    expected = (len(generations),
                max(sum(len(condensed.nodes[c]["members"]) for c in generation) for generation in generations))
    assert render._generations(names, successors) == expected



@settings(max_examples=500, deadline=None)
@given(st.text(st.sampled_from("ab cdé-\t\n\u00a0\u2003·")), st.integers(1, 30))
def test_labels_wrap_as_textwrap_does(text, width):
    """Labels wrap by hand for speed; the lines must be textwrap's, long words and hyphens kept whole."""
    import textwrap

    expected = textwrap.wrap(render._clean(text), width, break_long_words=False, break_on_hyphens=False) or [""]
    assert render._wrap(text, width) == expected

def test_routes_that_join_statements_about_a_group_are_named_in_the_title(tmp_path):
    nodes = NODES + [{"id": "centers", "name": "Fusion centers", "kind": "group"}]
    edges = EDGES + [{**EDGES[0], "id": "g1", "to": "centers", "quote": "police share with centers"},
                     {**EDGES[0], "id": "g2", "from": "centers", "to": "ice", "quote": "centers pass to ICE"}]
    model = Model.load(write_dataset(tmp_path / "d", nodes=nodes, edges=edges))
    label = parse_dot(diagram(model, "sfpd").dot).get("label")
    assert "Routes through Fusion centers join statements about a group" in label
    left_out = parse_dot(diagram(model, "sfpd", filters=Query(group_joins=False)).dot).get("label")
    assert "Routes through Fusion centers" not in left_out


# -- a set of routes from many sources (the sweep brief's diagram) -------------------

def shortest_routes(model: Model, **kwargs) -> tuple[Query, list]:
    """The sweep's question and the shortest route of each node it lists, as the sweep brief draws them."""
    swept = FlowMap(model).sanctuary(**kwargs)
    return swept.query, [r.shortest for r in swept.reaches]


def routes_diagram(model: Model, **kwargs) -> Diagram:
    query, routes = shortest_routes(model)
    return render.routes_diagram(model, query, routes, "Nodes under a sanctuary law → ICE",
                                 "The shortest route of each of the 2 nodes listed", **kwargs)


def test_routes_diagram_draws_the_routes_given_and_nothing_else(model):
    d = routes_diagram(model)
    # SFPD → NCRIC → ICE and NCRIC → ICE: not the vendor, Denver or ICE's database the whole map has.
    assert d.nodes == ("sfpd", "ncric", "ice") and d.edges == ("e1", "e2")
    graph = parse_dot(d.dot)
    assert set(all_nodes(graph)) == {"sfpd", "ncric", "ice"} and set(all_edges(graph)) == {"edge-e1", "edge-e2"}
    label = graph.get("label")
    for line in ("Nodes under a sanctuary law", "→ ICE", "The shortest route of each of the 2 nodes listed",
                 "Leaving out routes that join statements about a group."):
        assert line in label
    target = next(s for s in subgraphs(graph) if s.get_name() == "cluster_target")
    assert [n.get_name().strip('"') for n in target.get_nodes()] == ["ice"]
    assert d.title == "Nodes under a sanctuary law → ICE"


def test_routes_diagram_dot_matches_golden_file_whatever_the_hash_seed(model, tiny):
    dot = routes_diagram(model).dot
    check_golden("sweep.dot", dot)
    code = ("import sys, flowmap; from flowmap.views import render; fm = flowmap.load(sys.argv[1]); "
            "s = fm.sanctuary(); sys.stdout.write(render.routes_diagram(fm.model, s.query, "
            "[r.shortest for r in s.reaches], 'Nodes under a sanctuary law → ICE', "
            "'The shortest route of each of the 2 nodes listed').dot)")
    out = subprocess.run([sys.executable, "-c", code, str(tiny)], capture_output=True, text=True,
                         env={**os.environ, "PYTHONHASHSEED": "1"}, check=True).stdout
    assert out == dot


def test_routes_diagram_collapses_nodes_that_play_the_same_part(tmp_path):
    # Five San Francisco agencies each pass plate reads to NCRIC: with SFPD, six listed nodes playing one part.
    nodes = NODES + [{"id": f"pd{i}", "name": f"Police Department {i}", "kind": "agency",
                      "jurisdiction": "us-ca-sf", "state": "CA"} for i in range(5)]
    edges = EDGES + [{**EDGES[0], "id": f"out{i}", "from": f"pd{i}"} for i in range(5)]
    model = Model.load(write_dataset(tmp_path / "fan", nodes=nodes, edges=edges))
    query, routes = shortest_routes(model)
    assert len(routes) == 7
    d = render.routes_diagram(model, query, routes, "Sweep", "The shortest route of each of the 7 nodes listed")
    drawn = all_nodes(parse_dot(d.dot))
    box = drawn["sfpd+5"]
    assert "6 agencies" in box.get("label") and "and 2 more" in box.get("label")
    assert all(f"Police Department {i} [pd{i}]" in box.get("tooltip") for i in range(5))
    assert {"ncric", "ice"} <= set(drawn)
    apart = all_nodes(parse_dot(render.routes_diagram(model, query, routes, "Sweep", "x", collapse=False).dot))
    assert {"sfpd", *(f"pd{i}" for i in range(5))} <= set(apart)


def test_routes_diagram_marks_a_policy_as_the_whole_map_does(model):
    # Denver's route passes the vendor's contract, which keeps California's data off it: the policy is
    # named, not drawn as closing this route (open to Denver's data).
    route = FlowMap(model).reach("denver").routes
    d = render.routes_diagram(model, Query(), route, "Denver → ICE", "One route")
    label = " ".join(re.sub(r"<[^>]*>", " ", all_edges(parse_dot(d.dot))["edge-e4"].get("label")).split())
    assert "policy: no data from California" in label and "BLOCKED" not in label
    assert "a policy keeps the named places" in parse_dot(d.dot).get("label")


def test_routes_diagram_keeps_hostile_text_as_text(hostile):
    query, routes = shortest_routes(hostile)
    d = render.routes_diagram(hostile, query, routes, '<script>x</script> → "q" \\N', 'cap & <b>tion</b> \\G')
    graph = parse_dot(d.dot)
    assert set(all_nodes(graph)) == set(d.nodes) and "evil" not in all_nodes(graph)
    svg = d.render("svg")
    root = svg_tree(svg)
    assert b"<script" not in svg.lower()
    texts = svg_texts(root)
    assert '<script>x</script> → "q" \\N' in texts and "cap & <b>tion</b> \\G" in texts  # drawn literally
