"""The command line, as a user sees it: exact output and exit codes."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from flowmap.cli import cli

from conftest import EDGES, NODES, SOURCES, write_dataset


@pytest.fixture
def run(tiny):
    def invoke(*args: str, data=tiny):
        result = CliRunner().invoke(cli, ["--data", str(data), *args], catch_exceptions=False)
        return result

    return invoke


def test_every_command_has_help_text():
    for name, command in cli.commands.items():
        assert command.help, f"{name} has no help"
        result = CliRunner().invoke(cli, [name, "--help"])
        assert result.exit_code == 0
        assert command.help.split("\n")[0][:30] in " ".join(result.output.split())


def test_validate_clean_data(run, tiny):
    result = run("validate")
    assert result.exit_code == 0
    assert result.output == f"{tiny}: valid. 1 sources, 4 jurisdictions, 0 designations, 7 nodes, 6 edges.\n"


def test_validate_lists_every_problem_and_exits_1(run, tmp_path):
    bad = write_dataset(tmp_path / "bad", edges=[{**EDGES[0], "evidence": "rumour"}, {**EDGES[1], "to": "ghost"}])
    result = run("validate", data=bad)
    assert result.exit_code == 1
    assert result.output == (
        "2 problems in the data:\n"
        f"  {bad / 'edges.csv'}: row 2, column 'evidence': is not one of: documented, reported, capability "
        "(value: 'rumour')\n"
        f"  {bad / 'edges.csv'}: row 3, column 'to': refers to no id in nodes.csv (value: 'ghost')\n"
    )


def test_validate_documents_checks_every_quote_against_its_document(run, tmp_path):
    documents = tmp_path / "documents"
    documents.mkdir()
    text = "SB54 limits sharing. SF ordinance. SFPD shares data. NCRIC ran the plate. cameras feed the vendor."
    (documents / "report.txt").write_text(text, encoding="utf-8")
    sources = [{**SOURCES[0], "document": "report.txt"}]
    data = write_dataset(tmp_path / "data", sources=sources, edges=EDGES[:3])
    clean = run("validate", "--documents", str(documents), data=data)
    assert clean.exit_code == 0
    assert clean.output == (f"{data}: valid. 1 sources, 4 jurisdictions, 0 designations, 7 nodes, 3 edges. "
                            f"Every quote found in its document in {documents}.\n")
    (documents / "report.txt").write_text(text.replace("ran the plate", "ran a plate"), encoding="utf-8")
    result = run("validate", "--documents", str(documents), data=data)
    assert result.exit_code == 1
    assert result.output == (
        "1 problem in the data:\n"
        f"  {data / 'edges.csv'}: row 3, column 'quote': e2: quote not found in report.txt: "
        "'NCRIC ran the plate'; the nearest passage there (86.5% alike) is 'NCRIC ran a plate.'\n")


def test_validate_documents_must_name_a_directory(run, tmp_path):
    result = run("validate", "--documents", str(tmp_path / "nowhere"))
    assert result.exit_code == 2
    assert "'--documents': Directory" in result.output and "does not exist" in result.output


def test_validate_names_a_directory_where_a_table_should_be(run, tmp_path):
    bad = write_dataset(tmp_path / "bad")
    (bad / "edges.csv").unlink()
    (bad / "edges.csv").mkdir()
    result = run("validate", data=bad)
    assert result.exit_code == 1
    assert result.output == ("1 problem in the data:\n"
                             f"  {bad / 'edges.csv'}: is not a regular file (a directory?): it must be a CSV file\n")


def test_other_commands_refuse_invalid_data_without_traceback(run, tmp_path):
    bad = write_dataset(tmp_path / "bad", edges=[{**EDGES[0], "quote": ""}])
    result = run("reach", "sfpd", data=bad)
    assert result.exit_code == 1
    assert "row 2, column 'quote': is empty but required" in result.output
    assert "Traceback" not in result.output


def test_data_directory_from_environment(tiny):
    result = CliRunner().invoke(cli, ["validate"], env={"FLOWMAP_DATA": str(tiny)})
    assert result.exit_code == 0 and result.output.startswith(f"{tiny}: valid.")


def test_reach_table(run):
    result = run("reach", "SFPD")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[:4] == [
        "San Francisco Police Department CAN reach Immigration and Customs Enforcement within 6 hops: on the",
        "best route found, the weakest hop is reported (a source says it happens; no primary record shows",
        "it), and a route shows that channels connect, not that any one record travelled the whole way.",
        "1 open route, 1 route blocked by policy; each hop below cites its source.",
    ]
    assert ("Route 1 (2 hops): San Francisco Police Department → Northern California Regional Intelligence "
            "Center → Immigration and Customs Enforcement") in lines
    assert "     data: licence_plate_reads · evidence: documented · how: informal_request · date: 2018-04-19" in lines
    assert "     source: A Report, p. 3" in lines
    assert lines[lines.index("     source: A Report, p. 3") + 1] == "     link: https://example.org/report"
    assert "     “NCRIC ran the plate”" in lines
    assert "Blocked by policy" in lines
    assert "  BLOCKED: edge e4 does not carry data from California (A Report, p. 5)" in lines


def test_reach_json_contract(run):
    result = run("reach", "sfpd", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["source"] == {"id": "sfpd", "name": "San Francisco Police Department"}
    assert data["target"] == {"id": "ice", "name": "Immigration and Customs Enforcement"}
    assert data["reachable"] is True
    route = data["routes"][0]
    assert [n["id"] for n in route["nodes"]] == ["sfpd", "ncric", "ice"]
    hop = route["hops"][1]
    for key in ("edge", "from", "to", "data", "evidence", "date", "citation", "locator", "quote"):
        assert key in hop
    assert (hop["edge"], hop["from"], hop["to"], hop["data"], hop["evidence"], hop["date"], hop["citation"],
            hop["locator"], hop["quote"]) == ("e2", "ncric", "ice", ["licence_plate_reads"], "documented",
                                              "2018-04-19", "report", "p. 3", "NCRIC ran the plate")
    assert data["blocked"][0]["blocked_by"][0]["edge"] == "e4"


def test_negative_verdict_names_every_filter_and_what_cannot_means(run):
    result = run("reach", "sfpd", "--min-evidence", "documented", "--since", "2019")
    assert result.exit_code == 0
    assert result.output == (
        "San Francisco Police Department cannot reach Immigration and Customs Enforcement within 6 hops, on\n"
        "documented evidence only, with flows dated 2019 or later (undated flows kept): “cannot” means no\n"
        "route in this data, not proof that no data moves.\n"
        "0 open routes, 0 routes blocked by policy.\n")


def test_verdict_is_in_json_and_csv(run):
    positive = json.loads(run("reach", "sfpd", "--format", "json").output)
    assert positive["verdict"].startswith("San Francisco Police Department CAN reach Immigration and Customs "
                                          "Enforcement within 6 hops: on the best route found, the weakest hop "
                                          "is reported")
    rows = list(csv.DictReader(io.StringIO(run("reach", "sfpd", "--format", "csv").output)))
    assert {r["verdict"] for r in rows} == {positive["verdict"]}
    # No route: one row still carries the verdict and the filters behind it.
    rows = list(csv.DictReader(io.StringIO(run("reach", "sfpd", "--format", "csv", "--avoid", "ncric",
                                               "--max-hops", "1").output)))
    assert [(r["status"], r["edge"]) for r in rows] == [("none", "")]
    assert rows[0]["verdict"] == (
        "San Francisco Police Department cannot reach Immigration and Customs Enforcement within 1 hop, if "
        "Northern California Regional Intelligence Center were gone: “cannot” means no route in this data, "
        "not proof that no data moves.")


def test_reach_csv_is_one_row_per_hop(run):
    result = run("reach", "sfpd", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [(r["status"], r["route"], r["hop"], r["edge"]) for r in rows] == [
        ("open", "1", "1", "e1"), ("open", "1", "2", "e2"), ("blocked", "1", "1", "e3"), ("blocked", "1", "2", "e4")]


def test_reach_csv_defuses_spreadsheet_formulas(run, tmp_path):
    nodes = [dict(n) for n in NODES]
    nodes[0]["name"] = '=HYPERLINK("http://evil.example","click")'
    data = write_dataset(tmp_path / "d", nodes=nodes)
    result = run("reach", "sfpd", "--format", "csv", data=data)
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert rows[0]["from_name"] == '\'=HYPERLINK("http://evil.example","click")'


def test_reach_limit_says_so(run, tmp_path):
    data = write_dataset(tmp_path / "d", edges=EDGES + [{**EDGES[1], "id": f"p{i}"} for i in range(3)])
    result = run("reach", "sfpd", "--limit", "2", data=data)
    assert result.exit_code == 0
    assert "first 2 open routes (more exist)" in result.output
    assert "Listing stopped at --limit 2: more routes exist (raise --limit, or use --count to count them all)." \
        in result.output


def test_reach_count(run):
    result = run("reach", "sfpd", "--count")
    assert result.output == ("San Francisco Police Department → Immigration and Customs Enforcement: "
                             "1 open route and 1 blocked by policy of at most 6 hops.\n")
    data = json.loads(run("reach", "sfpd", "--count", "--format", "json").output)
    assert (data["count"]["open"], data["count"]["blocked"], data["reachable"]) == (1, 1, True)
    assert data["routes"] == [] and data["question"]["command"] == "count"


def test_reach_filters_from_the_command_line(run):
    result = run("reach", "sfpd", "--min-evidence", "documented", "--format", "json")
    assert json.loads(result.output)["reachable"] is False
    result = run("reach", "sfpd", "--avoid", "NCRIC", "--format", "json")
    assert json.loads(result.output)["routes"] == []
    result = run("reach", "sfpd", "--since", "2019", "--dated-only", "--count")
    assert "0 open routes and 0 blocked" in result.output


def test_unreachable_verdict(run):
    result = run("reach", "Plate Vendor", "--to", "NCRIC")
    assert result.exit_code == 0
    assert result.output.startswith("Plate Vendor cannot reach Northern California Regional Intelligence Center")


def test_unknown_name_suggests_and_exits_1(run):
    result = run("reach", "NCRC")
    assert result.exit_code == 1
    assert result.output == ("Error: no entity called 'NCRC'; did you mean: Northern California Regional "
                             "Intelligence Center (ncric)? (`flowmap nodes` lists them all)\n")


def test_ambiguous_name_lists_candidates_and_exits_1(run, tmp_path):
    nodes = NODES + [{"id": "a1", "name": "Twin", "kind": "agency"}, {"id": "a2", "name": "Twin", "kind": "agency"}]
    result = run("reach", "twin", data=write_dataset(tmp_path / "d", nodes=nodes))
    assert result.exit_code == 1
    assert result.output == ("Error: 'twin' could mean several entities: a1 (Twin); a2 (Twin). "
                             "Use the id to choose one.\n")


def test_unknown_edge_for_without(run):
    result = run("reach", "sfpd", "--without", "e99")
    assert result.exit_code == 1
    assert "no edge called 'e99'" in result.output


def test_bad_date_option(run):
    result = run("reach", "sfpd", "--since", "April")
    assert result.exit_code == 1
    assert result.output == "Error: --since 'April' is not a date like 2018, 2018-04 or 2018-04-19\n"


def test_bad_choice_is_a_usage_error(run):
    result = run("reach", "sfpd", "--format", "xml")
    assert result.exit_code == 2
    assert "Invalid value for '--format'" in result.output


def test_nodes_table_json_and_kind_filter(run):
    result = run("nodes", "--kind", "fusion_center")
    assert result.output.splitlines()[2].split() == ["ncric", "Northern", "California", "Regional",
                                                      "Intelligence", "Center", "fusion_center", "CA", "yes"]
    records = json.loads(run("nodes", "--format", "json").output)["nodes"]
    sfpd = next(r for r in records if r["id"] == "sfpd")
    assert sfpd["sanctuary"] == "yes"
    assert sfpd["sanctuary_law"] == "Sanctuary City Ordinance (San Francisco); SB54 (California)"
    assert set(sfpd) >= {"id", "name", "kind", "aliases", "part_of", "jurisdiction", "state", "notes"}


def test_show_lists_inbound_and_outbound_edges(run):
    result = run("show", "ncric")
    assert result.exit_code == 0
    assert "Data received (2)" in result.output and "Data sent (1)" in result.output
    assert "  sanctuary: yes — SB54 (California)" in result.output
    data = json.loads(run("show", "ncric", "--format", "json").output)
    assert [h["edge"] for h in data["received"]] == ["e1", "e5"]
    assert [h["edge"] for h in data["sent"]] == ["e2"]


def test_sanctuary_json(run):
    data = json.loads(run("sanctuary", "--format", "json").output)
    assert [r["id"] for r in data["reaches"]] == ["ncric", "sfpd"]
    assert set(data["reaches"][0]) >= {"id", "name", "law", "shortest", "gateways"}
    assert (data["covered"], data["reaching"], data["counted"]) == (2, 2, False)
    counted = json.loads(run("sanctuary", "--count", "--format", "json").output)
    assert [r["count"] for r in counted["reaches"]] == [{"open": 1, "more": False}, {"open": 1, "more": False}]


def test_firewall_json_and_table(run):
    data = json.loads(run("firewall", "sfpd", "--format", "json").output)
    assert [e["edge"] for e in data["edges"]] == ["e1"]
    assert data["nodes"] == [{"id": "ncric", "name": "Northern California Regional Intelligence Center",
                              "meaning": "withdraw from Northern California Regional Intelligence Center"}]
    assert data["verified"] is True
    text = run("firewall", "sfpd").output
    assert "Verified: searching again without them finds no open route." in text


def test_datapackage_command_prints_the_descriptor(run):
    data = json.loads(run("datapackage").output)
    assert [r["name"] for r in data["resources"]] == ["sources", "jurisdictions", "designations", "nodes", "edges"]


def test_hostile_names_stay_on_one_line_in_tables(run, tmp_path):
    nodes = [dict(n) for n in NODES]
    nodes[0]["name"] = "Evil\nRoute 99 (1 hops): fake"
    result = run("reach", "sfpd", data=write_dataset(tmp_path / "d", nodes=nodes))
    assert "\nRoute 99" not in result.output
    assert "Evil Route 99 (1 hops): fake CAN reach" in result.output


def test_reach_shows_each_hops_notes(run, tmp_path):
    edges = [dict(e) for e in EDGES]
    edges[0]["notes"] = "Request only: what was supplied is not said."
    result = run("reach", "sfpd", data=write_dataset(tmp_path / "d", edges=edges))
    assert "     note: Request only: what was supplied is not said." in result.output.splitlines()
    data = json.loads(run("reach", "sfpd", "--format", "json", data=tmp_path / "d").output)
    assert data["routes"][0]["hops"][0]["notes"] == "Request only: what was supplied is not said."


def test_constants_the_cli_writes_out_match_their_sources():
    # The CLI does not import the modules these come from (start-up time), so they are copied: keep them equal.
    from flowmap import cli as module
    from flowmap import model, routes
    from flowmap.views import render

    assert module.DATA_ENV == model.DATA_ENV
    assert (module.DEFAULT_LIMIT, module.DEFAULT_MAX_HOPS) == (routes.DEFAULT_LIMIT, routes.DEFAULT_MAX_HOPS)
    assert module.RENDER_FORMATS == render.FORMATS


def test_data_repeats_to_merge_layers_in_order(tiny, tmp_path):
    from flowmap import schema

    from conftest import write_table

    extra = tmp_path / "extra"
    extra.mkdir()
    write_table(extra, schema.NODES, [{"id": "oakpd", "name": "Oakland Police Department", "kind": "agency",
                                       "state": "CA"}])
    write_table(extra, schema.EDGES, [{"id": "oak-1", "from": "oakpd", "to": "sfpd", "data": "licence_plate_reads",
                                       "mechanism": "database_access", "evidence": "capability",
                                       "citation": "report", "locator": "row 2", "quote": "Oakland,SFPD"}])
    result = CliRunner().invoke(cli, ["--data", str(tiny), "--data", str(extra), "validate"])
    assert result.exit_code == 0
    assert result.output == (f"{tiny} + {extra}: valid. 1 sources, 4 jurisdictions, 0 designations, "
                             "8 nodes, 7 edges.\n")
    result = CliRunner().invoke(cli, ["--data", str(tiny), "--data", str(extra), "reach", "Oakland Police Department",
                                      "--count"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Oakland Police Department → Immigration and Customs Enforcement: ")
    # Alone, the layer lacks what it builds on: the message says how to load it.
    result = CliRunner().invoke(cli, ["--data", str(extra), "validate"])
    assert result.exit_code == 1
    assert result.output == (f"1 problem in the data:\n  {extra / 'sources.csv'}: file not found (a layer that "
                             "adds to another dataset loads after it: --data default --data LAYER)\n")


@pytest.mark.parametrize("spelling", ["licence_plate_reads", "license_plate_reads", "license plates",
                                      "License-Plate-Reads", "ALPR", "plates"])
def test_data_categories_accept_common_spellings(run, spelling):
    result = run("reach", "sfpd", "--carrying", spelling, "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.output)["question"]["filters"]["carrying"] == ["licence_plate_reads"]


def test_unknown_data_category_suggests_the_closest(run):
    result = run("reach", "sfpd", "--carrying", "licence plats")
    assert result.exit_code == 2
    assert ("Invalid value for '--carrying': 'licence plats' is not a data category; did you mean "
            "licence_plate_reads? choose from: licence_plate_reads, ") in result.output


def test_names_people_type(run):
    result = run("reach", "SF police")
    assert result.exit_code == 1
    assert result.output == ("Error: no entity called 'SF police'; did you mean: San Francisco Police Department "
                             "(sfpd)? (`flowmap nodes` lists them all)\n")
    result = run("reach", "San Francisco")
    assert result.output == ("Error: 'San Francisco' is a jurisdiction, not an entity. The entities in San "
                             "Francisco (a city in CA, under a sanctuary law) are San Francisco Police "
                             "Department (sfpd).\n")


def test_help_says_what_the_options_do(run):
    firewall_help = run("firewall", "--help").output
    assert "--max-hops" not in firewall_help  # the firewall cuts routes of every length
    assert "--no-group-joins" in firewall_help
    reach_help = " ".join(run("reach", "--help").output.split())
    assert "Leave out undated flows (kept by default, with or without --since/--until)" in reach_help
    assert "'none' for no bound" in reach_help


def test_max_hops_none_from_the_command_line(run):
    data = json.loads(run("reach", "sfpd", "--max-hops", "none", "--format", "json").output)
    assert data["question"]["filters"]["max_hops"] is None and data["reachable"]
    assert run("reach", "sfpd", "--max-hops", "0").exit_code == 2


def test_dated_only_alone_is_a_filter(run):
    assert "0 open routes and 0 blocked" in run("reach", "sfpd", "--dated-only", "--count").output


def test_render_via_with_firewall_names_the_command_and_the_flag(run):
    result = run("render", "--from", "sfpd", "--via", "ncric", "--firewall", "--format", "dot")
    assert result.exit_code == 1
    assert "flowmap render: --firewall" in result.output and "drop --via" in result.output


def test_firewall_that_fails_its_own_check_exits_1(run, monkeypatch):
    from flowmap import cuts

    monkeypatch.setattr(cuts, "_closes", lambda *args, **kwargs: False)
    result = run("firewall", "sfpd", "--format", "json")
    assert result.exit_code == 1
    assert '"verified": false' in result.output
    assert "NOT VERIFIED" in result.output


def test_show_names_the_ori_county_and_designation_apart_from_the_law(tmp_path):
    from flowmap import schema

    from conftest import JURISDICTIONS, write_table

    nodes = [{**n, "ori": "CA0380100", "county": "San Francisco"} if n["id"] == "sfpd" else n for n in NODES]
    directory = write_dataset(tmp_path / "d", nodes=nodes, jurisdictions=JURISDICTIONS)
    write_table(directory, schema.DESIGNATIONS, [
        {"id": "doj-ca", "jurisdiction": "us-ca", "designated_by": "DOJ", "date": "2025-08-05",
         "citation": "report", "locator": "States", "quote": "California"}])
    result = CliRunner().invoke(cli, ["--data", str(directory), "show", "CA0380100"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "  county: San Francisco" in lines and "  ORI: CA0380100" in lines
    assert "  sanctuary: yes — Sanctuary City Ordinance (San Francisco); SB54 (California)" in lines
    assert "  designation: designated by DOJ (2025-08-05): California (a designation, not a law)" in lines


def test_the_sweep_lists_a_designation_apart_from_any_law(tmp_path):
    # Denver (Colorado: no law in the data, the state designated by DOJ) reaches ICE: its entry must not
    # call the designation a law; SFPD's names its laws, then its designation on a line of its own.
    from flowmap import schema

    from conftest import JURISDICTIONS, write_table

    directory = write_dataset(tmp_path / "d", jurisdictions=JURISDICTIONS)
    write_table(directory, schema.DESIGNATIONS, [
        {"id": "doj-co", "jurisdiction": "us-co", "designated_by": "DOJ", "date": "2025-08-05",
         "citation": "report", "locator": "States", "quote": "Colorado"},
        {"id": "doj-ca", "jurisdiction": "us-ca", "designated_by": "DOJ", "date": "2025-08-05",
         "citation": "report", "locator": "States", "quote": "California"}])
    result = CliRunner().invoke(cli, ["--data", str(directory), "sanctuary"])
    assert result.exit_code == 0, result.output
    entries = {block.splitlines()[0]: block.splitlines()[1:] for block in result.output.split("\n\n")}
    denver = entries["Denver Police  [denver]"]
    assert "  designation: designated by DOJ (2025-08-05): Colorado (a designation, not a law)" in denver
    assert not any(line.startswith("  law:") for line in denver)
    sfpd = entries["San Francisco Police Department  [sfpd]"]
    assert "  law: Sanctuary City Ordinance (San Francisco); SB54 (California)" in sfpd
    assert "  designation: designated by DOJ (2025-08-05): California (a designation, not a law)" in sfpd


def test_nodes_in_a_place(run):
    result = run("nodes", "--in", "San Francisco")
    assert result.output.splitlines()[2:] == ["sfpd  San Francisco Police Department  agency  CA     yes"]
    assert run("nodes", "--in", "Atlantis").exit_code == 1


def test_sanctuary_names_those_that_cannot_and_narrows(run):
    result = run("sanctuary", "--without", "e2")
    assert result.exit_code == 0
    assert result.output == (
        "0 of 2 nodes under a sanctuary law can reach Immigration and Customs Enforcement within 6 hops,\n"
        "without edge e2.\n"
        "Routes that join statements about a group are left out (--group-joins counts them).\n"
        "\n"
        "Cannot reach it (2): no open route in this data, which is not proof that no data moves.\n"
        "  San Francisco Police Department  [sfpd]\n"
        "  Northern California Regional Intelligence Center  [ncric]\n")
    narrowed = run("sanctuary", "--in", "CA", "--kind", "agency")
    assert narrowed.output.splitlines()[:5] == [
        "1 of 1 agency under a sanctuary law in California can reach Immigration and Customs Enforcement",
        "within 6 hops.",
        "Routes that join statements about a group are left out (--group-joins counts them).",
        "",
        "Can reach it (1), shortest routes first:",
    ]
    assert "[ncric]" not in narrowed.output


@pytest.mark.parametrize("args", [("reach", "SFPD"), ("nodes", "--format", "json"), ("show", "NCRIC"),
                                  ("sanctuary",), ("sanctuary", "--in", "CA"), ("nodes", "--in", "California"),
                                  ("about", "CA")])
def test_everyday_commands_import_neither_pandas_nor_networkx(tiny, args):
    # An analyst runs these again and again: pandas alone is half a second and 70 MB.
    import subprocess
    import sys

    code = ("import sys, contextlib, io; from flowmap.cli import cli\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    cli.main({['--data', str(tiny), *args]!r}, standalone_mode=False)\n"
            "print(sorted(m for m in ('pandas', 'networkx') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stderr
