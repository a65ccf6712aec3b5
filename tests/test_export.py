"""flowmap export: the graph as GraphML, GEXF, FollowTheMoney and JSON, every attribute kept."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

import flowmap
from flowmap import routes
from flowmap.cli import cli
from flowmap.model import Model
from flowmap.views import export as ex

from conftest import EDGES, NODES, write_dataset

NODE_ATTRIBUTES = {"kind", "jurisdiction", "state", "sanctuary", "sanctuary_law", "citation", "citation_title",
                   "citation_url", "aliases", "notes"}
EDGE_ATTRIBUTES = {"evidence", "data", "date", "citation", "locator", "quote", "url", "source_title",
                   "source_publisher", "source_date", "mechanism", "excludes", "notes"}


def run(*args: str):
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def model(tiny: Path) -> Model:
    return Model.load(tiny)


@pytest.mark.parametrize("fmt, read", [("graphml", lambda p: nx.read_graphml(p, force_multigraph=True)),
                                       ("gexf", nx.read_gexf)])
def test_graphml_and_gexf_round_trip_through_networkx_with_every_attribute(tiny, tmp_path, model, fmt, read):
    path = tmp_path / f"map.{fmt}"
    run("--data", str(tiny), "export", "-o", str(path))
    graph = read(path)
    assert set(graph.nodes) == {n["id"] for n in NODES}
    # GEXF reads back as a DiGraph when no edges are parallel: the edge id is an attribute either way.
    assert {d["id"] for _, _, d in graph.edges(data=True)} == {e["id"] for e in EDGES}
    sfpd = graph.nodes["sfpd"]
    assert NODE_ATTRIBUTES <= set(sfpd)
    assert sfpd["sanctuary"] == "yes" and sfpd["sanctuary_law"].startswith("Sanctuary City Ordinance")
    expected = ex.edge_attributes(model, "e4")
    ((u, v, attrs),) = [(u, v, d) for u, v, d in graph.edges(data=True) if d["id"] == "e4"]
    assert (u, v) == ("vendor", "ice")
    assert EDGE_ATTRIBUTES <= set(attrs)
    for key in EDGE_ATTRIBUTES:
        assert attrs[key] == expected[key], key
    assert attrs["excludes"] == "us-ca" and attrs["url"] == "https://example.org/report"


def test_same_data_gives_the_same_bytes(tiny, tmp_path):
    for fmt in ex.FORMATS:
        first = run("--data", str(tiny), "export", "--format", fmt).stdout_bytes
        second = run("--data", str(tiny), "export", "--format", fmt).stdout_bytes
        assert first == second and first, fmt


def test_from_source_keeps_only_its_routes_open_and_blocked(tiny):
    out = json.loads(run("--data", str(tiny), "export", "--from", "SFPD", "--format", "json").output)
    assert [e["id"] for e in out["edges"]] == ["e1", "e2", "e3", "e4"]  # e4 is blocked for SFPD's data
    assert "denver" not in {n["id"] for n in out["nodes"]}
    assert out["question"]["source"] == {"id": "sfpd", "name": "San Francisco Police Department"}


def test_filters_narrow_the_whole_map(tiny):
    out = json.loads(run("--data", str(tiny), "export", "--format", "json", "--min-evidence", "reported",
                         "--avoid", "denver").output)
    assert [e["id"] for e in out["edges"]] == ["e1", "e2", "e5"]
    assert "denver" not in {n["id"] for n in out["nodes"]}
    assert out["question"]["filters"]["min_evidence"] == "reported"


def test_json_is_flowmaps_documented_shape(tiny):
    out = json.loads(run("--data", str(tiny), "export", "--format", "json").output)
    assert set(out) == {"schema_version", "question", "flowmap", "dataset", "nodes", "edges"}
    assert out["question"]["command"] == "export" and out["question"]["source"] is None
    assert out["dataset"]["sha256"] == out["question"]["dataset"]["sha256"]  # one hash, however asked
    e4 = next(e for e in out["edges"] if e["id"] == "e4")
    assert e4["data"] == ["licence_plate_reads"] and e4["excludes"] == ["us-ca"]
    assert e4["source_publisher"] == "Watchdog" and e4["quote"].startswith("the contract excludes")


def test_ftm_entities_have_stable_ids_and_say_the_direction(model):
    selection = ex.select(model)
    entities = ex.ftm_entities(model, selection)
    by_id = {e["id"]: e for e in entities}
    assert len(by_id) == len(entities)
    schemas = {e["properties"]["name"][0]: e["schema"] for e in entities if e["schema"] != "UnknownLink"}
    assert schemas["San Francisco Police Department"] == "PublicBody"
    assert schemas["Plate Vendor"] == "Company"
    assert schemas["ICE Data Analysis System"] == "Organization"
    link = next(e for e in entities if e["properties"].get("recordId") == ["e2"])
    assert link["schema"] == "UnknownLink"
    assert by_id[link["properties"]["subject"][0]]["properties"]["name"] == [
        "Northern California Regional Intelligence Center"]
    assert by_id[link["properties"]["object"][0]]["properties"]["name"] == ["Immigration and Customs Enforcement"]
    assert "from subject to object" in link["properties"]["role"][0]
    assert link["properties"]["startDate"] == ["2018-04-19"]
    assert link["properties"]["sourceUrl"] == ["https://example.org/report"]
    assert link["properties"]["publisher"] == ["Watchdog"]
    assert ex.ftm_entities(Model.load(model.directory), selection) == entities  # same data, same ids


def test_an_export_holds_the_routes_it_is_given(model):
    result = routes.reach(model, flowmap.query("SFPD", avoid="vendor"))
    content, selection = ex.export(model, "json", result=result)
    assert selection.edges == ("e1", "e2") and selection.nodes == ("sfpd", "ncric", "ice")
    out = json.loads(content)
    assert out["question"]["source"]["id"] == "sfpd" and out["question"]["filters"]["avoid"] == [
        {"id": "vendor", "name": "Plate Vendor"}]


def test_the_api_exports_what_the_cli_writes(tiny):
    fm = flowmap.load(tiny, cache=False)
    asks = (([], {}), (["--from", "SFPD", "--limit", "1"], {"source": "SFPD", "limit": 1}),
            (["--min-evidence", "reported", "--avoid", "denver"], {"min_evidence": "reported", "avoid": "denver"}))
    for args, kwargs in asks:
        for fmt in ex.FORMATS:
            content, selection = fm.export(**kwargs, fmt=fmt)
            assert content == run("--data", str(tiny), "export", *args, "--format", fmt).stdout_bytes, (args, fmt)


def test_via_without_a_source_is_refused_before_any_route_search(tiny, tmp_path, monkeypatch):
    def no_query(*args, **kwargs):
        raise AssertionError("a route search ran")

    monkeypatch.setattr(routes, "reach", no_query)
    out = tmp_path / "map.json"
    result = CliRunner().invoke(cli, ["--data", str(tiny), "export", "--via", "NCRIC", "-o", str(out)])
    assert result.exit_code == 1 and "--via needs a source: add --from SOURCE" in result.output
    assert not out.exists() and "Traceback" not in result.output


def test_ftm_entities_validate_with_followthemoney(tiny):
    ftm = pytest.importorskip("followthemoney", reason="pip install 'flowmap[ftm]' to validate FtM output")
    from followthemoney import model as ftm_model

    lines = run("--data", str(tiny), "export", "--format", "ftm").output.splitlines()
    assert len(lines) == len(NODES) + len(EDGES)
    for line in lines:
        data = json.loads(line)
        proxy = ftm_model.get_proxy(data, cleaned=False)  # cleans every value against the schema
        assert proxy.schema.name == data["schema"]
        for prop, values in data["properties"].items():
            assert sorted(proxy.get(prop)) == sorted(values), (ftm.__name__, data["schema"], prop)
        if proxy.schema.name == "UnknownLink":
            assert proxy.first("subject") and proxy.first("object")


def test_hostile_values_stay_data(tmp_path):
    nodes = [dict(n) for n in NODES]
    nodes[0] = {**nodes[0], "name": "<x/> \"quoted\" & ]]> ok", "notes": "line\nbreak"}
    data = write_dataset(tmp_path / "hostile", nodes=nodes)
    for fmt, read in (("graphml", nx.read_graphml), ("gexf", nx.read_gexf)):
        path = tmp_path / f"h.{fmt}"
        run("--data", str(data), "export", "-o", str(path))
        assert read(path).nodes["sfpd"]["name"] == "<x/> \"quoted\" & ]]> ok"


def test_unknown_suffix_and_missing_format_are_clear_errors(tiny, tmp_path):
    result = CliRunner().invoke(cli, ["--data", str(tiny), "export", "-o", str(tmp_path / "map.txt")])
    assert result.exit_code == 1 and "cannot tell the export format" in result.output
    result = CliRunner().invoke(cli, ["--data", str(tiny), "export"])
    assert result.exit_code == 2 and "--format" in result.output
    assert not (tmp_path / "map.txt").exists()


def test_the_cli_copy_of_the_formats_matches():
    from flowmap import cli as module

    assert module.EXPORT_FORMATS == ex.FORMATS
