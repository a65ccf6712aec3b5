"""Every command's JSON answer follows docs/result.schema.json: one protocol, versioned."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from flowmap.cli import cli
from flowmap.query import SCHEMA_VERSION

from conftest import EDGES, NODES, write_dataset

SCHEMA = json.loads((Path(__file__).parents[1] / "docs" / "result.schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def answer(data: Path, *args: str, exit_code: int = 0) -> dict:
    result = CliRunner().invoke(cli, ["--data", str(data), *args, "--format", "json"], catch_exceptions=False)
    assert result.exit_code == exit_code, result.output
    record = json.loads(result.output)
    errors = sorted(VALIDATOR.iter_errors(record), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
    return record


@pytest.fixture
def groups(tmp_path) -> Path:
    """The tiny map plus a group node that joins two statements on a route."""
    nodes = NODES + [{"id": "centers", "name": "Fusion centers (described collectively)", "kind": "group"}]
    edges = EDGES + [
        {**EDGES[0], "id": "g1", "from": "sfpd", "to": "centers", "quote": "police share with centers"},
        {**EDGES[0], "id": "g2", "from": "centers", "to": "ice", "quote": "centers pass to ICE"},
    ]
    return write_dataset(tmp_path / "groups", nodes=nodes, edges=edges)


@pytest.mark.parametrize("args", [
    ("reach", "sfpd"),
    ("reach", "sfpd", "--count"),
    ("reach", "sfpd", "--limit", "1", "--carrying", "licence_plate_reads", "--max-hops", "none"),
    ("reach", "vendor", "--to", "ncric"),
    ("sanctuary",),
    ("sanctuary", "--count", "--group-joins"),
    ("firewall", "sfpd"),
    ("firewall", "sfpd", "--min-evidence", "documented"),
    ("nodes",),
    ("nodes", "--kind", "agency"),
    ("validate",),
    ("show", "ncric"),
    ("export",),
    ("export", "--from", "sfpd", "--carrying", "licence_plate_reads"),
    ("about", "CA"),
])
def test_every_command_answers_in_the_protocol(groups, args):
    record = answer(groups, *args)
    assert record["schema_version"] == SCHEMA_VERSION
    question = record["question"]
    assert question["dataset"]["directories"] == [str(groups)]
    assert len(question["dataset"]["sha256"]) == 64


def test_the_question_states_every_filter(groups):
    record = answer(groups, "reach", "SFPD", "--avoid", "vendor", "--without", "e5", "--since", "2018",
                    "--carrying", "licence_plate_reads", "--via", "ncric")
    assert record["question"]["source"] == {"id": "sfpd", "name": "San Francisco Police Department"}
    assert record["question"]["filters"] == {
        "carrying": ["licence_plate_reads"], "min_evidence": None, "since": "2018", "until": None,
        "dated_only": False, "max_hops": 6, "via": [{"id": "ncric", "name": "Northern California Regional "
                                                                          "Intelligence Center"}],
        "avoid": [{"id": "vendor", "name": "Plate Vendor"}], "without": ["e5"], "group_joins": True}
    assert record["question"]["limit"] == 1000


def test_same_data_same_hash_and_a_changed_file_changes_it(tmp_path):
    first = answer(write_dataset(tmp_path / "a"), "nodes")["question"]["dataset"]["sha256"]
    second = answer(write_dataset(tmp_path / "b"), "nodes")["question"]["dataset"]["sha256"]
    edges = [{**EDGES[0], "notes": "changed"}, *EDGES[1:]]
    third = answer(write_dataset(tmp_path / "c", edges=edges), "nodes")["question"]["dataset"]["sha256"]
    assert first == second != third


def test_an_edge_is_named_the_same_way_everywhere(groups):
    reach = answer(groups, "reach", "sfpd")
    wall = answer(groups, "firewall", "sfpd")
    assert {h["edge"] for r in reach["routes"] for h in r["hops"]} >= {e["edge"] for e in wall["edges"]}


def test_group_joins_are_marked_and_the_sweep_leaves_them_out_by_default(groups):
    reach = answer(groups, "reach", "sfpd")
    joined = [r for r in reach["routes"] if r["group_joins"]]
    assert [r["group_joins"] for r in joined] == [
        [{"group": {"id": "centers", "name": "Fusion centers (described collectively)"}, "hops": ["g1", "g2"]}]]
    assert answer(groups, "reach", "sfpd", "--no-group-joins")["question"]["filters"]["group_joins"] is False
    sweep = answer(groups, "sanctuary", "--count")
    assert sweep["question"]["filters"]["group_joins"] is False
    assert {r["id"]: r["count"]["open"] for r in sweep["reaches"]}["sfpd"] == 1  # the group join left out
    swept = answer(groups, "sanctuary", "--count", "--group-joins")
    assert {r["id"]: r["count"]["open"] for r in swept["reaches"]}["sfpd"] == 2


def test_validate_lists_problems_in_the_protocol(tmp_path):
    bad = write_dataset(tmp_path / "bad", edges=[{**EDGES[0], "evidence": "rumour"}])
    record = answer(bad, "validate", exit_code=1)
    assert record["valid"] is False and record["counts"] is None
    assert record["problems"][0]["column"] == "evidence" and record["problems"][0]["row"] == 2


def test_every_result_object_of_the_api_follows_the_schema(groups):
    import flowmap

    fm = flowmap.load(groups)
    for record in (fm.reach("sfpd").to_dict(), fm.sanctuary().to_dict(), fm.firewall("sfpd").to_dict()):
        assert not list(VALIDATOR.iter_errors(record))


def test_show_states_its_question_beside_the_row(groups):
    record = answer(groups, "show", "NCRIC")
    assert record["question"]["command"] == "show"
    assert record["question"]["source"] == {"id": "ncric", "name": record["name"]}
    assert (record["id"], record["kind"]) == ("ncric", "fusion_center")
    assert [h["edge"] for h in record["received"]] == ["e1", "e5"]
    assert [h["edge"] for h in record["sent"]] == ["e2"]
    assert all(h["to"] == "ncric" for h in record["received"]) and all(h["from"] == "ncric" for h in record["sent"])


def test_export_lists_every_list_column(tmp_path):
    edges = [{**EDGES[0], "subjects": "us-ca"}, *EDGES[1:]]
    data = write_dataset(tmp_path / "d", edges=edges)
    record = answer(data, "export")
    first = next(e for e in record["edges"] if e["id"] == EDGES[0]["id"])
    assert first["subjects"] == ["us-ca"] and isinstance(first["data"], list)
    assert all(isinstance(n["aliases"], list) and isinstance(n["county"], list) for n in record["nodes"])


def test_diff_answers_in_the_protocol(groups, tmp_path):
    changed = write_dataset(tmp_path / "new", edges=[e for e in EDGES if e["id"] != "e2"])
    result = CliRunner().invoke(cli, ["diff", str(groups), str(changed), "--format", "json"],
                                catch_exceptions=False)
    record = json.loads(result.output)
    errors = sorted(VALIDATOR.iter_errors(record), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
    assert record["schema_version"] == SCHEMA_VERSION and record["question"]["command"] == "diff"
    assert [r["id"] for r in record["edges"]["removed"]] == ["e2", "g1", "g2"]


def test_a_diff_without_the_target_answers_with_a_note(tmp_path):
    registry = write_dataset(tmp_path / "registry", nodes=[n for n in NODES if n["id"] == "sfpd"], edges=[])
    result = CliRunner().invoke(cli, ["diff", str(registry), str(registry), "--format", "json"],
                                catch_exceptions=False)
    record = json.loads(result.output)
    assert not list(VALIDATOR.iter_errors(record))
    assert set(record["answers"]) == {"note"}


def test_the_schema_rejects_an_answer_of_another_shape(groups):
    record = answer(groups, "show", "ncric")
    del record["received"]
    assert list(VALIDATOR.iter_errors(record))
    exported = answer(groups, "export")
    exported["edges"][0]["data"] = "licence_plate_reads"
    assert list(VALIDATOR.iter_errors(exported))


@pytest.mark.parametrize(("command", "where", "column", "value"), [
    (("export",), "nodes", "county", "ALAMEDA;CONTRA COSTA"),  # a list column as text
    (("export",), "edges", "url", None),
    (("export",), "nodes", "state", 6),
    (("show", "ncric"), None, "state", 6),
    (("show", "ncric"), None, "notes", None),
])
def test_the_schema_types_every_column(groups, command, where, column, value):
    """Every column has its type in the schema (text, or a list of text), not only the first few."""
    record = answer(groups, *command)
    (record[where][0] if where else record)[column] = value
    assert list(VALIDATOR.iter_errors(record))


def test_the_sweep_holds_laws_and_designations_apart(tmp_path):
    from flowmap import schema

    from conftest import JURISDICTIONS, write_table

    # Denver (Colorado: no law in the data, DOJ-designated) can reach ICE through the vendor.
    data = write_dataset(tmp_path / "d", jurisdictions=JURISDICTIONS)
    write_table(data, schema.DESIGNATIONS, [
        {"id": "doj-co", "jurisdiction": "us-co", "designated_by": "DOJ", "date": "2025-08-05",
         "citation": "report", "locator": "States", "quote": "Colorado"}])
    record = answer(data, "sanctuary")
    everyone = {r["id"]: r for r in record["reaches"] + record["cannot"]}
    denver = everyone["denver"]
    assert denver["laws"] == []
    assert denver["designations"] == [{"jurisdiction": {"id": "us-co", "name": "Colorado"}, "designated_by": "DOJ",
                                       "date": "2025-08-05", "citation": "report", "locator": "States"}]
    assert [law["jurisdiction"]["id"] for law in everyone["sfpd"]["laws"]] == ["us-ca-sf", "us-ca"]
    assert everyone["sfpd"]["designations"] == []
