"""Loading and validating datasets: every problem reported, located as a spreadsheet shows it."""

from __future__ import annotations

import pytest

from flowmap.errors import DataError
from flowmap.load import load_tables

from conftest import EDGES, JURISDICTIONS, NODES, SOURCES, write_dataset


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
        "data_broker, database, group (value: 'spaceship')",
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


def test_part_of_cycle_is_reported_with_the_loop(tmp_path):
    nodes = [dict(n) for n in NODES]
    dhs = next(n for n in nodes if n["id"] == "dhs")
    dhs["part_of"] = "ice"  # ice is part of dhs already
    found = problems_of(write_dataset(tmp_path / "d", nodes=nodes))
    assert any("makes a part_of cycle: ice -> dhs -> ice" in p for p in found)


def test_self_loop_edge_is_rejected(tmp_path):
    edges = [{**EDGES[0], "to": "sfpd"}]
    found = problems_of(write_dataset(tmp_path / "d", edges=edges))
    assert any("row 2, column 'to': is the same as 'from'" in p for p in found)


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://example.org/x", "https://ex ample.org"])
def test_only_http_urls_are_accepted(tmp_path, url):
    sources = [{**SOURCES[0], "url": url}]
    found = problems_of(write_dataset(tmp_path / "d", sources=sources))
    assert any("column 'url': is not an http:// or https:// address" in p for p in found)


def test_quote_longer_than_300_characters_is_rejected(tmp_path):
    edges = [{**EDGES[0], "quote": "x" * 301}] + EDGES[1:]
    found = problems_of(write_dataset(tmp_path / "d", edges=edges))
    assert any("row 2, column 'quote': is longer than 300 characters" in p for p in found)


def test_ids_with_spaces_or_quotes_are_rejected(tmp_path):
    nodes = NODES + [{"id": 'bad id"', "name": "Bad", "kind": "agency"}]
    found = problems_of(write_dataset(tmp_path / "d", nodes=nodes))
    assert any("row 9, column 'id': is not a valid id" in p for p in found)


def test_missing_file_and_missing_column(tmp_path):
    directory = write_dataset(tmp_path / "d")
    (directory / "sources.csv").unlink()
    (directory / "edges.csv").write_text("id,from,to\ne1,sfpd,ncric\n", encoding="utf-8")
    found = problems_of(directory)
    assert f"{directory / 'sources.csv'}: file not found" in found
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
