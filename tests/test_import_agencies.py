"""flowmap import agencies: the FBI agency list as a registry layer (issue 16)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from flowmap.cli import cli
from flowmap.errors import InputError
from flowmap.importers.agencies import import_agencies, node_rows, read_registry
from flowmap.model import Model

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "external" / "fbi-agencies"

# Rows written for these tests (not copied from the FBI list), in the 2021 column order.
HEADER_2021 = ("ori,agency_name,agency_type_name,state_name,state_abbr,division_name,region_name,region_desc,"
               "county_name,nibrs,latitude,longitude,nibrs_start_date")
ROWS_2021 = [
    "CA0010900,Oakland Police Department,City,California,CA,Pacific,West,Region IV,ALAMEDA,TRUE,37.8,-122.27,NULL",
    "NV0020100,Las Vegas Metropolitan Police Department Police Department,City,Nevada,NV,Mountain,West,"
    "Region IV,CLARK,FALSE,36.17,-115.14,NULL",
    "WA0170000,Twin Rivers Drug Task Force,Other,Washington,WA,Pacific,West,Region IV,\"KING; PIERCE\",FALSE,"
    "NULL,NULL,NULL",
    "MO0150000,Camden County Sheriff's Office,County,Missouri,MO,West North Central,Midwest,Region II,CAMDEN,"
    "FALSE,38.02,-92.76,NULL",
]
# The 2018 order: an unnamed index column first, Nebraska written NB.
HEADER_2018 = (",agency_name,agency_type_name,county_name,division_name,latitude,longitude,nibrs,ori,"
               "region_desc,region_name,state_abbr,state_name")
ROWS_2018 = [
    "0,Lincoln Police Department,City,LANCASTER,West North Central,40.81,-96.7,1.0,NB0550100,Region II,Midwest,"
    "NB,Nebraska",
    "1,Omaha Police Department,City,DOUGLAS,West North Central,,,0.0,NB0280100,Region II,Midwest,NB,Nebraska",
]


def write(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def fbi_2021(tmp_path: Path) -> Path:
    return write(tmp_path / "agencies-2021.csv", HEADER_2021, ROWS_2021)


def test_one_node_per_agency_with_its_ori_places_and_coordinates(fbi_2021, tmp_path):
    summary = import_agencies(fbi_2021, tmp_path / "registry")
    assert summary["nodes"] == 4
    model = Model.load([tmp_path / "registry"])
    oakland = model.nodes.loc["CA0010900"]
    assert (oakland["name"], oakland["kind"], oakland["ori"], oakland["state"]) == (
        "Oakland Police Department", "agency", "CA0010900", "CA")
    assert (oakland["county"], oakland["agency_type"], oakland["latitude"]) == ("ALAMEDA", "City", "37.8")
    assert model.edges.empty


def test_the_ori_is_usable_as_a_name(fbi_2021, tmp_path):
    import_agencies(fbi_2021, tmp_path / "registry")
    model = Model.load([tmp_path / "registry"])
    assert model.resolve("ca0010900") == "CA0010900"


def test_quirks_are_handled_as_documented(fbi_2021, tmp_path):
    rows = {r["ori"]: r for r in node_rows(fbi_2021, "fbi")}
    # A doubled suffix is written once; the FBI's spelling stays an alias.
    assert rows["NV0020100"]["name"] == "Las Vegas Metropolitan Police Department"
    assert rows["NV0020100"]["aliases"] == "Las Vegas Metropolitan Police Department Police Department"
    # Several counties in one cell, NULL coordinates.
    assert rows["WA0170000"]["county"] == "KING;PIERCE"
    assert (rows["WA0170000"]["latitude"], rows["WA0170000"]["longitude"]) == ("", "")


def test_the_2018_column_order_and_nebraskas_nb(tmp_path):
    path = write(tmp_path / "agencies-2018.csv", HEADER_2018, ROWS_2018)
    rows = {r["ori"]: r for r in node_rows(path, "fbi")}
    assert rows["NB0550100"]["state"] == "NE"
    assert rows["NB0280100"]["latitude"] == ""


def test_crime_data_explorer_json_by_county_and_by_state(tmp_path):
    by_county = {"ALAMEDA": [{"ori": "CA0010900", "agency_name": "Oakland Police Department",
                              "agency_type_name": "City", "state_abbr": "CA", "counties": "ALAMEDA",
                              "latitude": 37.8, "longitude": -122.27, "is_nibrs": True}]}
    by_state = {"NV": {"NV0020100": {"ori": "NV0020100", "agency_name": "North Las Vegas Police Department",
                                     "agency_type_name": "City", "state_abbr": "NV", "county_name": "CLARK",
                                     "latitude": None, "longitude": None}}}
    for data, ori, county in ((by_county, "CA0010900", "ALAMEDA"), (by_state, "NV0020100", "CLARK")):
        path = tmp_path / "agencies.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        (row,) = node_rows(path, "fbi")
        assert (row["ori"], row["county"]) == (ori, county)


@pytest.mark.parametrize("rows, message", [
    ([ROWS_2021[0], ROWS_2021[0].replace("Oakland", "Other")], "row 3, column 'ori': duplicates the ORI in row 2"),
    ([ROWS_2021[0].replace("CA0010900", "CA00109")], "row 2, column 'ori': is not an ORI"),
    ([ROWS_2021[0].replace("CA0010900", "NULL")], "row 2, column 'ori': is empty"),
    ([ROWS_2021[0].replace(",CA,", ",XX,")], "row 2, column 'state_abbr': is not a state code (value: 'XX')"),
    ([ROWS_2021[0].replace("37.8", "north")], "row 2, column 'latitude': is not a latitude"),
])
def test_bad_rows_are_named_and_nothing_is_written(tmp_path, rows, message):
    path = write(tmp_path / "fbi.csv", HEADER_2021, rows)
    with pytest.raises(InputError, match="problem") as caught:
        import_agencies(path, tmp_path / "registry")
    assert f"{path}: {message}" in str(caught.value)
    assert not (tmp_path / "registry").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["fbi.csv"]  # no temporary directory left either


def test_a_file_that_is_not_the_fbi_list(tmp_path):
    path = write(tmp_path / "other.csv", "id,name", ["1,Oakland"])
    with pytest.raises(InputError, match=r"row 1, column 'ori': required column is missing"):
        import_agencies(path, tmp_path / "registry")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(InputError, match="is empty"):
        import_agencies(empty, tmp_path / "registry")


def test_a_failed_import_keeps_the_layer_already_there(fbi_2021, tmp_path):
    import_agencies(fbi_2021, tmp_path / "registry")
    before = (tmp_path / "registry" / "nodes.csv").read_text()
    bad = write(tmp_path / "bad.csv", HEADER_2021, [ROWS_2021[0].replace("CA0010900", "bad")])
    with pytest.raises(InputError):
        import_agencies(bad, tmp_path / "registry")
    assert (tmp_path / "registry" / "nodes.csv").read_text() == before


def test_output_that_is_not_a_layer_is_refused(fbi_2021, tmp_path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "mine.txt").write_text("keep me")
    with pytest.raises(InputError, match="not a flowmap layer"):
        import_agencies(fbi_2021, tmp_path / "notes")
    assert (tmp_path / "notes" / "mine.txt").read_text() == "keep me"


def test_the_sources_row_records_the_files_hash(fbi_2021, tmp_path):
    import hashlib

    import_agencies(fbi_2021, tmp_path / "registry", retrieved="2024-01-02")
    (source,) = read_registry(tmp_path / "registry")[1]
    assert source["sha256"] == hashlib.sha256(fbi_2021.read_bytes()).hexdigest()
    assert source["retrieved"] == "2024-01-02"


def test_cli_writes_the_layer_and_says_what_it_did(fbi_2021, tmp_path):
    result = CliRunner().invoke(cli, ["import", "agencies", str(fbi_2021), "-o", str(tmp_path / "registry")])
    assert result.exit_code == 0, result.output
    assert "4 agencies (one node per ORI)" in result.output
    bad = write(tmp_path / "bad.csv", "id,name", ["1,x"])
    result = CliRunner().invoke(cli, ["import", "agencies", str(bad), "-o", str(tmp_path / "other")])
    assert result.exit_code == 1
    assert "required column is missing" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("name, rows", [("agencies-2021.csv", 18459), ("agencies-2018.csv", 18702)])
def test_the_fbi_lists_in_shared(tmp_path, name, rows):
    if not (SHARED / name).exists():
        pytest.skip(f"{SHARED / name} is absent (the FBI lists live in ../shared, outside the repository)")
    summary = import_agencies(SHARED / name, tmp_path / "registry")
    assert summary["nodes"] == rows
    assert summary["several_counties"] == 617
    nodes = {r["ori"]: r for r in read_registry(tmp_path / "registry")[0]}
    assert nodes["NV0020100"]["name"] == "Las Vegas Metropolitan Police Department"
    assert nodes["NB0550100"]["state"] == "NE"
