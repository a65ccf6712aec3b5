"""flowmap diff: rows added, removed and changed between two datasets, and what that does to the answers."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from flowmap.cli import cli
from flowmap.diff import diff, diff_table

from conftest import EDGES, JURISDICTIONS, NODES, SOURCES, write_dataset

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "external"


def changed_dataset(directory: Path) -> Path:
    """The tiny dataset a month later: Denver's sharing gone, an Oakland agency
    feeding NCRIC, SFPD handing data to ICE directly, the vendor renamed, a quote corrected."""
    nodes = [dict(n) for n in NODES] + [{"id": "oak", "name": "Oakland Police", "kind": "agency", "state": "CA"}]
    for node in nodes:
        if node["id"] == "vendor":
            node["name"] = "Plate Vendor Inc."
    edges = [dict(e) for e in EDGES if e["id"] != "e6"]
    for edge in edges:
        if edge["id"] == "e2":
            edge["quote"] = "NCRIC ran the plate for ICE"
    edges += [
        {"id": "e7", "from": "oak", "to": "ncric", "data": "licence_plate_reads", "mechanism": "database_access",
         "evidence": "reported", "citation": "report", "locator": "p. 8", "quote": "Oakland feeds NCRIC"},
        {"id": "e8", "from": "sfpd", "to": "ice", "data": "tips", "mechanism": "informal_request",
         "evidence": "documented", "citation": "report", "locator": "p. 9", "quote": "SFPD called ICE"},
    ]
    return write_dataset(directory, nodes=nodes, edges=edges)


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    return write_dataset(tmp_path / "old"), changed_dataset(tmp_path / "new")


def ids(rows: list[dict]) -> list[str]:
    return [r["id"] for r in rows]


def test_rows_added_removed_and_changed_with_their_columns(pair):
    result = diff([pair[0]], [pair[1]])
    nodes, edges = result.tables["nodes"], result.tables["edges"]
    assert ids(nodes.added) == ["oak"] and nodes.removed == []
    assert nodes.changed == [{"id": "vendor", "name": "Plate Vendor Inc.",
                              "columns": {"name": {"old": "Plate Vendor", "new": "Plate Vendor Inc."}}}]
    assert ids(edges.added) == ["e7", "e8"] and ids(edges.removed) == ["e6"]
    assert edges.removed[0]["from_name"] == "Denver Police"
    assert [(c["id"], list(c["columns"])) for c in edges.changed] == [("e2", ["quote"])]
    assert result.tables["sources"].empty and result.tables["jurisdictions"].empty


def test_answers_say_who_newly_reaches_who_no_longer_does_and_which_routes_changed(pair):
    answers = diff([pair[0]], [pair[1]]).answers
    assert ids(answers["newly_reach"]) == ["oak"]
    assert ids(answers["no_longer_reach"]) == ["denver"]
    assert ids(answers["newly_exposed"]) == ["oak"]  # California's SB54 covers it and it now reaches ICE
    assert answers["newly_exposed"][0]["law"].startswith("SB54")
    assert answers["no_longer_exposed"] == []
    (sfpd,) = answers["shortest_changed"]
    assert sfpd["id"] == "sfpd"
    assert [n["id"] for n in sfpd["old"]["nodes"]] == ["sfpd", "ncric", "ice"]
    assert [h["edge"] for h in sfpd["new"]["hops"]] == ["e8"]


def test_edges_are_counted_by_state_and_by_column(pair):
    result = diff([pair[0]], [pair[1]], by=("state", "evidence", "to.kind"))
    assert result.groups["state"] == {"added": {"CA": 2}, "removed": {"CO": 1}}
    assert result.groups["evidence"]["added"] == {"documented": 1, "reported": 1}
    assert result.groups["to.kind"]["added"] == {"federal_agency": 1, "fusion_center": 1}


def test_a_column_only_one_side_has_is_no_change_when_empty():
    import pandas as pd

    old = pd.DataFrame({"id": ["a"], "name": ["A"]})
    new = pd.DataFrame({"id": ["a"], "name": ["A"], "ori": [""]})
    assert diff_table(old, new).empty


def test_cli_json_is_one_object_of_the_documented_shape(pair):
    result = CliRunner().invoke(cli, ["diff", str(pair[0]), str(pair[1]), "--format", "json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert {"nodes", "edges", "answers"} <= set(out)
    for table in ("nodes", "edges"):
        assert {"added", "removed", "changed", "columns_changed"} <= set(out[table])
    assert out["nodes"]["renamed"] == [{"id": "vendor", "old": "Plate Vendor", "new": "Plate Vendor Inc."}]
    assert out["old"]["sha256"] != out["new"]["sha256"]
    assert [n["id"] for n in out["answers"]["newly_reach"]] == ["oak"]


def test_cli_table_and_markdown_name_what_changed(pair):
    runner = CliRunner()
    table = runner.invoke(cli, ["diff", str(pair[0]), str(pair[1])])
    assert table.exit_code == 0, table.output
    assert "Newly reach Immigration and Customs Enforcement (1)" in table.output
    assert ("e2  Northern California Regional Intelligence Center → Immigration and Customs Enforcement: "
            "quote") in table.output
    assert "quote: NCRIC ran the plate → NCRIC ran the plate for ICE" in table.output
    markdown = runner.invoke(cli, ["diff", str(pair[0]), str(pair[1]), "--format", "markdown"])
    assert "### Edges removed (1)" in markdown.output
    assert "| e6 | Denver Police → Plate Vendor |" in markdown.output


def test_several_layers_join_with_the_path_separator(pair, tmp_path):
    import os

    result = CliRunner().invoke(cli, ["diff", f"{pair[0]}{os.pathsep}", str(pair[0])])
    assert result.exit_code == 0, result.output
    assert "No rows differ." in result.output


def test_a_bad_dataset_is_a_clear_error(tmp_path, pair):
    result = CliRunner().invoke(cli, ["diff", str(tmp_path / "missing"), str(pair[1])])
    assert result.exit_code == 1
    assert "is not a directory" in result.output
    assert "Traceback" not in result.output


def test_hostile_values_cannot_break_the_markdown(tmp_path, pair):
    nodes = [dict(n) for n in NODES] + [{"id": "evil", "name": "<img src=x onerror=alert(1)> | [x](javascript:y)",
                                         "kind": "agency", "state": "CO"}]
    new = write_dataset(tmp_path / "hostile", nodes=nodes)
    out = CliRunner().invoke(cli, ["diff", str(pair[0]), str(new), "--format", "markdown"]).output
    assert "<img" not in out
    assert not re.search(r"(?<!\\)\]\(javascript", out)  # no unescaped link
    assert "&lt;img src=x onerror=alert(1)&gt; \\| \\[x\\](javascript:y)" in out


def test_by_two_keys_at_once_and_by_month(pair):
    result = diff([pair[0]], [pair[1]], by=("state,evidence", "month"))
    assert result.groups["state,evidence"]["added"] == {"CA / documented": 1, "CA / reported": 1}
    assert result.groups["month"]["added"] == {"(undated)": 2}


def test_a_source_pulled_again_under_a_new_id_does_not_mark_its_rows_changed(tmp_path):
    old = write_dataset(tmp_path / "old", sources=[{**SOURCES[0], "id": "list-aaaa"}],
                        jurisdictions=[{**j, "citation": "list-aaaa" if j.get("citation") else ""}
                                       for j in JURISDICTIONS],
                        edges=[{**e, "citation": "list-aaaa"} for e in EDGES])
    new = write_dataset(tmp_path / "new", sources=[{**SOURCES[0], "id": "list-bbbb"}],
                        jurisdictions=[{**j, "citation": "list-bbbb" if j.get("citation") else ""}
                                       for j in JURISDICTIONS],
                        edges=[{**e, "citation": "list-bbbb"} for e in EDGES])
    result = diff([old], [new])
    assert result.tables["edges"].empty and result.tables["jurisdictions"].empty
    assert [r["id"] for r in result.tables["sources"].added] == ["list-bbbb"]


def test_without_the_target_the_rows_still_compare(tmp_path, pair):
    nodes = [n for n in NODES if n["id"] not in ("ice", "ice-das", "dhs")]
    edges = [e for e in EDGES if e["from"] in {n["id"] for n in nodes} and e["to"] in {n["id"] for n in nodes}]
    registry = write_dataset(tmp_path / "registry", nodes=nodes, edges=edges)
    result = CliRunner().invoke(cli, ["diff", str(registry), str(registry)])
    assert result.exit_code == 0, result.output
    assert "No answers: OLD and NEW have no node called 'ice'" in result.output


def _import(runner: CliRunner, *args: str) -> None:
    result = runner.invoke(cli, list(args))
    assert result.exit_code == 0, result.output


def test_287g_may_to_july_reports_the_agreements_signed_in_between_by_state_and_support_type(tmp_path):
    folder = SHARED / "ice-287g"
    may, july = folder / "participatingAgencies05162025am.xlsx", folder / "participatingAgencies07182025pm.xlsx"
    if not (may.exists() and july.exists()):
        pytest.skip(f"ICE's 287(g) workbooks are not in {folder}")
    runner = CliRunner()
    _import(runner, "import", "287g", str(may), "-o", str(tmp_path / "may"))
    _import(runner, "import", "287g", str(july), "-o", str(tmp_path / "july"))
    args = ["diff", f"default{os.pathsep}{tmp_path / 'may'}", f"default{os.pathsep}{tmp_path / 'july'}",
            "--by", "support_type", "--by", "state,support_type"]
    out = json.loads(runner.invoke(cli, [*args, "--format", "json"]).output)
    added = out["edges"]["added"]
    # ICE's list grew from 571 to 832 rows; ids are stable, so most rows match and only the new ones are added.
    assert 250 <= len(added) <= 300 and len(out["edges"]["removed"]) <= 15
    by_support = out["groups"]["support_type"]["added"]
    assert set(by_support) == {"Task Force Model", "Warrant Service Officer", "Jail Enforcement Model"}
    assert sum(by_support.values()) == len(added)
    by_both = out["groups"]["state,support_type"]["added"]
    assert sum(by_both.values()) == len(added)
    assert all(re.fullmatch(r"[A-Z]{2} / (Task Force Model|Warrant Service Officer|Jail Enforcement Model)", k)
               for k in by_both)
    assert next(iter(by_both)) == "FL / Task Force Model"  # Florida's task-force agreements lead the wave
    signed_after = [e for e in added if e["date"] > "2025-05-16"]
    assert len(signed_after) > 200  # most were signed between the two lists
    assert out["answers"]["reach_after"] > out["answers"]["reach_before"]
    table = runner.invoke(cli, args).output
    assert "Edges added by state,support_type" in table and "FL / Task Force Model" in table


def test_fbi_lists_2018_to_2021_agencies_added_removed_and_renamed_by_ori(tmp_path):
    folder = SHARED / "fbi-agencies"
    if not (folder / "agencies-2018.csv").exists():
        pytest.skip(f"the FBI agency lists are not in {folder}")
    runner = CliRunner()
    for year in ("2018", "2021"):
        _import(runner, "import", "agencies", str(folder / f"agencies-{year}.csv"), "-o", str(tmp_path / year))
    out = json.loads(runner.invoke(cli, ["diff", str(tmp_path / "2018"), str(tmp_path / "2021"),
                                         "--format", "json"]).output)
    nodes = out["nodes"]
    # The lists' README: 18,384 ORIs in both, 318 only in 2018, 75 only in 2021.
    assert (len(nodes["added"]), len(nodes["removed"])) == (75, 318)
    assert all(re.fullmatch(r"[A-Z]{2}[0-9A-Z]{7}", r["id"]) for r in nodes["added"] + nodes["removed"])
    # The source id changes with the file; matched by title, it does not mark every agency changed.
    assert len(nodes["changed"]) < 1000 and "citation" not in nodes["columns_changed"]
    renamed = {r["id"]: (r["old"], r["new"]) for r in nodes["renamed"]}
    assert renamed["LA0010000"] == ("Acadia County Sheriff's Office", "Acadia Parish Sheriff's Office")
    assert out["answers"]["note"].startswith("no answers")
