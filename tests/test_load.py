"""Loading and validating datasets: every problem reported, located as a spreadsheet shows it."""

from __future__ import annotations

import importlib
import os

import pytest

from flowmap import schema
from flowmap.errors import DataError
from flowmap.load import load_tables
from flowmap.model import Model

from conftest import EDGES, JURISDICTIONS, NODES, SOURCES, write_dataset, write_table


def problems_of(directory) -> list[str]:
    with pytest.raises(DataError) as caught:
        load_tables(directory)
    return [str(p) for p in caught.value.problems]


def test_valid_dataset_loads_every_table(tiny):
    tables = load_tables(tiny)
    assert list(tables.nodes["id"]) == [n["id"] for n in NODES]
    assert len(tables.edges) == len(EDGES)
    assert len(tables.sources) == len(SOURCES)
    assert len(tables.jurisdictions) == len(JURISDICTIONS)


def test_every_problem_is_reported_at_once_with_file_row_column_and_value(tmp_path):
    nodes = NODES + [
        {"id": "sfpd", "name": "Duplicate", "kind": "agency"},  # row 9
        {"id": "odd", "name": "Odd", "kind": "spaceship", "part_of": "nowhere"},  # row 10
    ]
    edges = [
        {**EDGES[0], "evidence": "rumoured"},  # row 2
        {**EDGES[1], "date": "2018-02-30"},  # row 3
        {**EDGES[2], "quote": ""},  # row 4
        {**EDGES[3], "citation": "nosuchsource"},  # row 5
        {**EDGES[4], "to": "ghost"},  # row 6
        {**EDGES[5], "data": "licence_plate_reads;telepathy"},  # row 7
    ]
    directory = write_dataset(tmp_path / "d", nodes=nodes, edges=edges)
    found = problems_of(directory)
    n, e = directory / "nodes.csv", directory / "edges.csv"
    expected = [
        f"{e}: row 2, column 'evidence': is not one of: documented, reported, capability (value: 'rumoured')",
        f"{e}: row 3, column 'date': is not a date like 2018, 2018-04 or 2018-04-19 (value: '2018-02-30')",
        f"{e}: row 4, column 'quote': is empty but required",
        f"{n}: row 9, column 'id': duplicates the id in row 2 (value: 'sfpd')",
        f"{n}: row 10, column 'kind': is not one of: agency, fusion_center, federal_agency, vendor, "
        "data_broker, database, group, account (value: 'spaceship')",
        f"{e}: row 7, column 'data': is not one of: " + ", ".join(
            __import__("flowmap.schema").schema.DATA_CATEGORIES) + " (value: 'telepathy')",
    ]
    for message in expected:
        assert message in found
    assert f"{e}: row 5, column 'citation': refers to no id in sources.csv (value: 'nosuchsource')" in found
    assert f"{n}: row 10, column 'part_of': refers to no id in nodes.csv (value: 'nowhere')" in found


def test_dangling_references_and_unknown_citations_are_named(tmp_path):
    nodes = NODES + [{"id": "odd", "name": "Odd", "kind": "agency", "part_of": "nowhere"}]
    edges = [{**EDGES[3], "citation": "nosuchsource"}, {**EDGES[4], "to": "ghost"}]
    directory = write_dataset(tmp_path / "d", nodes=nodes, edges=edges)
    found = problems_of(directory)
    assert f"{directory / 'edges.csv'}: row 2, column 'citation': refers to no id in sources.csv " \
           "(value: 'nosuchsource')" in found
    assert f"{directory / 'edges.csv'}: row 3, column 'to': refers to no id in nodes.csv (value: 'ghost')" in found
    assert f"{directory / 'nodes.csv'}: row 9, column 'part_of': refers to no id in nodes.csv (value: 'nowhere')" \
           in found


def test_subjects_name_known_jurisdictions_item_by_item(tmp_path):
    edges = [{**EDGES[0], "subjects": "us-ca; us-co"}, {**EDGES[1], "subjects": "us-ca;us-mn"}, *EDGES[2:]]
    directory = write_dataset(tmp_path / "d", edges=edges)
    assert problems_of(directory) == [
        f"{directory / 'edges.csv'}: row 3, column 'subjects': refers to no id in jurisdictions.csv (value: 'us-mn')"]
    edges[1]["subjects"] = "us-ca"
    tables = load_tables(write_dataset(tmp_path / "ok", edges=edges))
    assert tables.edges["subjects"].tolist()[:3] == ["us-ca; us-co", "us-ca", ""]


def test_part_of_cycle_is_reported_with_the_loop(tmp_path):
    nodes = [dict(n) for n in NODES]
    dhs = next(n for n in nodes if n["id"] == "dhs")
    dhs["part_of"] = "ice"  # ice is part of dhs already
    found = problems_of(write_dataset(tmp_path / "d", nodes=nodes))
    assert any("makes a part_of cycle: ice -> dhs -> ice" in p for p in found)


STATE_OF_CALIFORNIA = {"id": "us-ca-state", "name": "State of California", "level": "state", "state": "CA",
                       "part_of": "us", "sanctuary": "unknown"}


def test_two_state_level_jurisdictions_for_one_state_are_a_problem_naming_both_rows(tmp_path):
    # A node given only `state = CA` would be covered by one of two laws, chosen silently.
    directory = write_dataset(tmp_path / "d", jurisdictions=[*JURISDICTIONS, STATE_OF_CALIFORNIA])
    assert problems_of(directory) == [
        f"{directory / 'jurisdictions.csv'}: row 6, column 'state': is already the state of state-level "
        f"jurisdiction 'us-ca' ({directory / 'jurisdictions.csv'} row 3): a state has one state-level row, "
        "which covers the nodes given only its code; use that row's id (a later layer may fill its empty cells) "
        "or give this place another level (region) (value: 'CA')"]
    # A city, county or region of the state shares its code freely.
    region = {**STATE_OF_CALIFORNIA, "level": "region"}
    load_tables(write_dataset(tmp_path / "ok", jurisdictions=[*JURISDICTIONS, region]))


def test_self_loop_edge_is_rejected(tmp_path):
    edges = [{**EDGES[0], "to": "sfpd"}]
    found = problems_of(write_dataset(tmp_path / "d", edges=edges))
    assert any("row 2, column 'to': is the same as 'from'" in p for p in found)


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://example.org/x", "https://ex ample.org"])
def test_only_http_urls_are_accepted(tmp_path, url):
    sources = [{**SOURCES[0], "url": url}]
    found = problems_of(write_dataset(tmp_path / "d", sources=sources))
    assert any("column 'url': is not an http:// or https:// address" in p for p in found)


def test_quote_longer_than_1000_characters_is_rejected(tmp_path):
    edges = [{**EDGES[0], "quote": "x" * 1001}] + EDGES[1:]
    found = problems_of(write_dataset(tmp_path / "d", edges=edges))
    assert any("row 2, column 'quote': is longer than 1000 characters" in p for p in found)


def test_ids_with_spaces_or_quotes_are_rejected(tmp_path):
    nodes = NODES + [{"id": 'bad id"', "name": "Bad", "kind": "agency"}]
    found = problems_of(write_dataset(tmp_path / "d", nodes=nodes))
    assert any("row 9, column 'id': is not a valid id" in p for p in found)


def test_missing_file_and_missing_column(tmp_path):
    directory = write_dataset(tmp_path / "d")
    (directory / "sources.csv").unlink()
    (directory / "edges.csv").write_text("id,from,to\ne1,sfpd,ncric\n", encoding="utf-8")
    found = problems_of(directory)
    assert any(p.startswith(f"{directory / 'sources.csv'}: file not found") for p in found)
    assert f"{directory / 'edges.csv'}: row 1, column 'quote': required column is missing from the header" in found


def test_a_directory_named_like_a_table_is_a_problem_not_a_crash(tmp_path):
    directory = write_dataset(tmp_path / "d")
    (directory / "nodes.csv").unlink()
    (directory / "nodes.csv").mkdir()
    found = problems_of(directory)
    assert f"{directory / 'nodes.csv'}: is not a regular file (a directory?): it must be a CSV file" in found


def test_optional_jurisdictions_file_may_be_absent(tmp_path):
    directory = write_dataset(tmp_path / "d", nodes=[{**n, "jurisdiction": ""} for n in NODES],
                              edges=[{**e, "excludes": ""} for e in EDGES])
    (directory / "jurisdictions.csv").unlink()
    assert len(load_tables(directory).jurisdictions) == 0


def test_file_that_is_not_utf8_is_named(tmp_path):
    directory = write_dataset(tmp_path / "d")
    (directory / "nodes.csv").write_bytes("id,name,kind\nx,Caf\xe9,agency\n".encode("latin-1"))
    found = problems_of(directory)
    assert any(p.startswith(f"{directory / 'nodes.csv'}: is not UTF-8 text") for p in found)


def test_malformed_csv_is_named(tmp_path):
    directory = write_dataset(tmp_path / "d")
    (directory / "sources.csv").write_text('id,title\n"unterminated,x\n', encoding="utf-8")
    found = problems_of(directory)
    assert any(p.startswith(f"{directory / 'sources.csv'}: ") for p in found)


def test_byte_order_mark_from_spreadsheets_is_accepted(tmp_path):
    directory = write_dataset(tmp_path / "d")
    path = directory / "nodes.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert "sfpd" in set(load_tables(directory).nodes["id"])


def test_control_characters_are_rejected(tmp_path):
    nodes = NODES + [{"id": "ctl", "name": "Bell\x07", "kind": "agency"}]
    found = problems_of(write_dataset(tmp_path / "d", nodes=nodes))
    assert any("row 9, column 'name': contains a control character" in p for p in found)


def test_not_a_directory(tmp_path):
    found = problems_of(tmp_path / "missing")
    assert found == [f"{tmp_path / 'missing'}: is not a directory (check --data or FLOWMAP_DATA)"]


# -- layers -----------------------------------------------------------------------


def layer(directory, nodes=(), edges=(), sources=(), jurisdictions=(), designations=()):
    """A layer directory holding only the tables given (the others are optional or empty)."""
    directory.mkdir(parents=True)
    for table, rows in ((schema.SOURCES, sources), (schema.JURISDICTIONS, jurisdictions),
                        (schema.DESIGNATIONS, designations), (schema.NODES, nodes), (schema.EDGES, edges)):
        write_table(directory, table, list(rows))
    return directory


OAKLAND = {"id": "oakpd", "name": "Oakland Police Department", "kind": "agency", "state": "CA"}
OAK_EDGE = {"id": "oak-1", "from": "oakpd", "to": "ncric", "data": "licence_plate_reads",
            "mechanism": "database_access", "evidence": "capability", "citation": "report", "locator": "row 2",
            "quote": "Oakland CA PD,NCRIC"}


def test_a_layer_uses_the_ids_of_the_layers_before_it(tiny, tmp_path):
    extra = layer(tmp_path / "extra", nodes=[OAKLAND], edges=[OAK_EDGE])
    tables = load_tables([tiny, extra])
    assert tables.directories == (tiny, extra)
    assert "oakpd" in set(tables.nodes["id"]) and "oak-1" in set(tables.edges["id"])
    assert tables.origins["edges"].at(len(tables.edges) - 1) == (str(extra / "edges.csv"), 2)


def test_a_later_layer_fills_empty_cells_but_cannot_change_them(tiny, tmp_path):
    filled = layer(tmp_path / "filled", nodes=[{"id": "denver", "name": "Denver Police", "kind": "agency",
                                               "state": "CO", "ori": "CO0160200", "aliases": "DPD"}])
    tables = load_tables([tiny, filled])
    denver = tables.nodes.set_index("id").loc["denver"]
    assert (denver["ori"], denver["aliases"], len(tables.nodes)) == ("CO0160200", "DPD", 7)

    changed = layer(tmp_path / "changed", nodes=[{"id": "denver", "name": "Denver PD", "kind": "fusion_center"}])
    found = problems_of([tiny, changed])
    assert found == [f"{changed / 'nodes.csv'}: row 2, column 'kind': conflicts with {tiny / 'nodes.csv'} row 8 "
                     "for the same id 'denver' (value there: 'agency'); a later layer may fill empty "
                     "cells but not change them (value: 'fusion_center')"]


def test_another_spelling_of_a_name_becomes_an_alias(tiny, tmp_path):
    spelled = layer(tmp_path / "spelled", nodes=[{"id": "denver", "name": "Denver PD", "kind": "agency"}])
    model = Model.load([tiny, spelled])
    assert model.nodes.at["denver", "name"] == "Denver Police"
    assert model.resolve("denver pd") == "denver"


def test_nodes_with_one_ori_are_one_node_and_references_follow(tmp_path):
    curated = write_dataset(tmp_path / "curated",
                            nodes=[{**n, "ori": "CA0380100"} if n["id"] == "sfpd" else n for n in NODES])
    imported = layer(tmp_path / "flock",
                     nodes=[{"id": "CA0380100", "name": "San Francisco CA PD", "kind": "agency", "state": "CA",
                             "ori": "CA0380100", "county": "San Francisco"}],
                     edges=[{**OAK_EDGE, "id": "sf-1", "from": "CA0380100"}])
    model = Model.load([curated, imported])
    assert model.merged_ids == {"CA0380100": "sfpd"}
    assert "CA0380100" not in model.node_index
    assert model.edges.at["sf-1", "from"] == "sfpd"
    assert model.nodes.at["sfpd", "county"] == "San Francisco"
    assert model.resolve("CA0380100") == model.resolve("San Francisco CA PD") == "sfpd"


def test_a_later_layer_may_not_add_a_second_row_for_a_state(tiny, tmp_path):
    extra = layer(tmp_path / "extra", jurisdictions=[STATE_OF_CALIFORNIA])
    found = problems_of([tiny, extra])
    assert len(found) == 1
    assert found[0].startswith(f"{extra / 'jurisdictions.csv'}: row 2, column 'state': is already the state of "
                               f"state-level jurisdiction 'us-ca' ({tiny / 'jurisdictions.csv'} row 3)")


def test_a_dangling_reference_names_the_layer_and_row(tiny, tmp_path):
    extra = layer(tmp_path / "extra", edges=[{**OAK_EDGE, "from": "nobody"}])
    assert problems_of([tiny, extra]) == [
        f"{extra / 'edges.csv'}: row 2, column 'from': refers to no id in nodes.csv of this layer or the "
        "layers before it (value: 'nobody')"]


def test_duplicate_and_malformed_oris_within_a_file_are_problems(tmp_path):
    nodes = [{**n, "ori": "CA0380100"} if n["id"] in ("sfpd", "ncric") else n for n in NODES]
    nodes = [{**n, "ori": "ca-1"} if n["id"] == "denver" else n for n in nodes]
    found = problems_of(write_dataset(tmp_path / "d", nodes=nodes))
    assert any("row 3, column 'ori': duplicates the ori in row 2" in p for p in found)
    assert any("column 'ori': is not an ORI" in p and "'ca-1'" in p for p in found)


def test_default_names_the_shipped_dataset_and_the_environment_takes_a_path_list(tiny, tmp_path, monkeypatch):
    from flowmap.model import default_data_dir, resolve_data_dirs

    assert resolve_data_dirs(["default", tiny]) == (default_data_dir(), tiny)
    monkeypatch.setenv("FLOWMAP_DATA", f"default{os.pathsep}{tiny}")
    assert resolve_data_dirs() == (default_data_dir(), tiny)
    monkeypatch.delenv("FLOWMAP_DATA")
    assert resolve_data_dirs() == (default_data_dir(),)


def test_every_duplicate_id_is_named_with_its_first_row(tmp_path):
    nodes = NODES + [{**NODES[0], "name": f"Copy {i}"} for i in range(3)]  # rows 9-11 repeat row 2
    found = problems_of(write_dataset(tmp_path / "d", nodes=nodes))
    n = tmp_path / "d" / "nodes.csv"
    assert [p for p in found if "duplicates" in p] == [
        f"{n}: row {row}, column 'id': duplicates the id in row 2 (value: 'sfpd')" for row in (9, 10, 11)]


def test_the_whitespace_pyarrow_strips_is_the_whitespace_python_strips():
    import re

    from flowmap.load import WHITESPACE_CLASS

    python = {chr(c) for c in range(0x110000) if chr(c).isspace()}
    # RE2's \x{..} escapes, read as Python's: the same set of characters.
    pattern = re.compile(re.sub(r"\\x\{([0-9a-f]+)\}", lambda m: f"\\u{int(m[1], 16):04x}", WHITESPACE_CLASS))
    assert {chr(c) for c in range(0x110000) if pattern.fullmatch(chr(c))} == python


@pytest.mark.parametrize("arrow", [False, True])
def test_large_files_read_with_pyarrow_give_the_same_tables_and_problems(tmp_path, monkeypatch, arrow):
    pytest.importorskip("pyarrow")
    load = importlib.import_module("flowmap.load")  # flowmap.load is also the function load()

    monkeypatch.setattr(load, "ARROW_MIN_BYTES", 0 if arrow else 1 << 40)
    nodes = NODES + [{"id": "ws", "name": "  Padded\u00a0", "kind": "agency", "aliases": " A ;B"},
                     {"id": "ctl", "name": "Bell\x07", "kind": "agency"},
                     {"id": "sfpd", "name": "Again", "kind": "agency"},
                     {"id": "multi", "name": "Line\nbreak", "kind": "agency"}]
    edges = [{**EDGES[0], "evidence": "rumoured"}, {**EDGES[1], "data": "tips; telepathy"},
             {**EDGES[2], "excludes": "us-ca;nowhere"}, {**EDGES[3], "quote": "x" * 1001}, EDGES[4], EDGES[5]]
    directory = write_dataset(tmp_path / "d", nodes=nodes, edges=edges)
    found = problems_of(directory)
    n, e = directory / "nodes.csv", directory / "edges.csv"
    expected = {
        f"{n}: row 10, column 'name': contains a control character (value: 'Bell\\x07')",
        f"{n}: row 11, column 'id': duplicates the id in row 2 (value: 'sfpd')",
        f"{e}: row 2, column 'evidence': is not one of: documented, reported, capability (value: 'rumoured')",
        f"{e}: row 4, column 'excludes': refers to no id in jurisdictions.csv (value: 'nowhere')",
        f"{e}: row 5, column 'quote': is longer than 1000 characters; quote the sentence that proves the claim",
    }
    assert expected <= set(found)
    assert any("row 3, column 'data'" in p and "'telepathy'" in p for p in found)
    clean = write_dataset(tmp_path / "clean", nodes=NODES + [nodes[-4], nodes[-1]])
    tables = load_tables(clean)
    row = dict(zip(tables.frames["nodes"].names, (tables.frames["nodes"].columns[c].at(7)
                                                   for c in tables.frames["nodes"].names)))
    assert (row["name"], row["aliases"]) == ("Padded", "A ;B")
    assert tables.frames["nodes"]["name"][-1] == "Line\nbreak"


def test_tables_in_memory_are_checked_as_files_are():
    from flowmap.load import validate_frames
    from flowmap.model import Model
    from flowmap.query import Query
    from flowmap.routes import reach

    from conftest import EDGES, JURISDICTIONS, NODES, SOURCES

    tables = {"sources": SOURCES, "jurisdictions": JURISDICTIONS, "nodes": NODES, "edges": EDGES}
    model = Model(validate_frames(tables))
    assert [r.edges for r in reach(model, Query("sfpd")).routes] == [("e1", "e2")]
    assert reach(model, Query("sfpd")).to_dict()["question"]["dataset"]["directories"] == []
    bad = {**tables, "edges": [{**EDGES[0], "evidence": "rumour"}, {**EDGES[1], "to": " ghost "}]}
    with pytest.raises(DataError) as caught:
        validate_frames(bad, name="import")
    assert [str(p) for p in caught.value.problems] == [
        "import/edges.csv: row 2, column 'evidence': is not one of: documented, reported, capability "
        "(value: 'rumour')",
        "import/edges.csv: row 3, column 'to': refers to no id in nodes.csv (value: 'ghost')"]
