"""``flowmap import 287g``: ICE's workbooks as a layer, tested on tiny workbooks built here with openpyxl."""

from __future__ import annotations

import csv
import datetime as dt
import http.server
import json
import threading
from functools import partial
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from flowmap.cli import cli
from flowmap.errors import InputError
from flowmap.importers import ice287g
from flowmap.model import Model

EXTERNAL = Path(__file__).resolve().parents[1] / ".." / "shared" / "external" / "ice-287g"
HEADER = ["STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "COUNTY", "SUPPORT TYPE", "SIGNED", "MOA", "ADDENDUM"]
MOA = "https://www.ice.gov/doclib/287gMOA/HarrisCoTX_JEM_MOA.pdf"
WRAPPED = ("https://gcc02.safelinks.protection.outlook.com/?url=https%3A%2F%2Fwww.ice.gov%2Fdoclib%2F287gMOA%2F"
           "ClarkCoNV_TFM.pdf&data=05%7C02%7CERO287g%40ice.dhs.gov%7C0&sdata=abc%3D&reserved=0")

# (cells, MOA hyperlink or None)
JULY = [
    (["TEXAS", "Harris County Sheriff's Office", "County", "Harris County", "Jail Enforcement Model",
      dt.datetime(2025, 2, 20), "link", None], MOA),
    (["NEVADA", "Clark County Sheriff's Office", "County", "Clark County", "Task Force Model ",
      dt.datetime(2025, 6, 2), "link ", None], WRAPPED),
    (["FLORIDA", "City of Melbourne Police Department", "Municipality", "#N/A", "Task Force Model",
      "05/082025", "link pending", None], None),
    (["FLORIDA", "Okaloosa County Sheriff's Office", "County", "Okaloosa County", "Warrant Service Officer",
      dt.datetime(2025, 3, 1), "link", None], "mailto:ero287g@ice.dhs.gov"),
]


def workbook(path: Path, rows, header=HEADER, title="Sheet1", blank_after: int = 3) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(header)
    for cells, link in rows:
        sheet.append(cells)
        if link:
            sheet.cell(row=sheet.max_row, column=header.index("MOA") + 1).hyperlink = link
    for _ in range(blank_after):  # ICE's sheets end with formatted empty rows
        sheet.append([None] * len(header))
    book.save(path)
    return path


def registry(path: Path) -> Path:
    """Three agencies of a tiny FBI list: Harris County SO, Melbourne PD, Okaloosa County SO."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["ori", "agency_name", "agency_type_name", "state_abbr", "county_name"])
        writer.writerow(["TX1010000", "Harris County Sheriff's Office", "County", "TX", "HARRIS"])
        writer.writerow(["FL0050800", "Melbourne Police Department", "City", "FL", "BREVARD"])
        writer.writerow(["FL0460000", "Okaloosa County Sheriff's Office", "County", "FL", "OKALOOSA"])
        writer.writerow(["NV0020100", "Las Vegas Metropolitan Police Department", "City", "NV", "CLARK"])
    return path


def run(*args, data=("default",)):
    options = [a for d in data for a in ("--data", d)]
    return CliRunner().invoke(cli, [*options, "import", "287g", *map(str, args)], catch_exceptions=False)


def rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def july(tmp_path):
    return workbook(tmp_path / "participatingAgencies07182025pm.xlsx", JULY)


def test_one_edge_per_agreement_agency_to_ice(july, tmp_path):
    out = tmp_path / "layer"
    result = run(july, "-o", out)
    assert result.exit_code == 0, result.output
    assert "4 agreements from 4 rows" in result.output
    edges = {e["from"]: e for e in rows(out / "edges.csv")}
    assert len(edges) == 4
    harris = edges["tx-harris-county-sheriffs-office"]
    assert harris["to"] == "ice"
    assert (harris["evidence"], harris["mechanism"], harris["data"]) == ("capability", "formal_agreement",
                                                                         "unspecified")
    assert harris["date"] == "2025-02-20"
    assert harris["url"] == MOA
    assert harris["locator"] == "sheet Sheet1 row 2"
    assert harris["citation"] == "ice-287g-participating"
    assert harris["id"] == "287g-tx-harris-county-sheriffs-office-jem"
    assert "Jail Enforcement Model" in harris["notes"] and "does not show" in harris["notes"]
    # The layer loads beside the curated data, and the agreement is a route to ICE.
    model = Model.load(["default", out])
    assert "tx-harris-county-sheriffs-office" in model.node_index


def test_quote_is_the_row_rebuilt_from_the_workbook(july, tmp_path):
    """Every quote is the row's cells (dates as YYYY-MM-DD) joined by ' | ', up to the last non-empty cell."""
    out = tmp_path / "layer"
    run(july, "-o", out)
    sheet = openpyxl.load_workbook(july).active
    texts = set()
    for values in sheet.iter_rows(min_row=2, values_only=True):
        cells = ["" if v is None else v.date().isoformat() if isinstance(v, dt.datetime) else str(v) for v in values]
        while cells and not cells[-1].strip():
            cells.pop()
        if cells:
            texts.add(" | ".join(cells))
    quotes = [e["quote"] for e in rows(out / "edges.csv")]
    assert set(quotes) <= texts and len(quotes) == 4
    assert "NEVADA | Clark County Sheriff's Office | County | Clark County | Task Force Model  | 2025-06-02 | link " \
        in quotes


def test_moa_links_unwrapped_and_only_http(july, tmp_path):
    out = tmp_path / "layer"
    run(july, "-o", out)
    edges = {e["from"]: e for e in rows(out / "edges.csv")}
    clark = edges["nv-clark-county-sheriffs-office"]
    assert clark["url"] == "https://www.ice.gov/doclib/287gMOA/ClarkCoNV_TFM.pdf"
    assert "unwrapped" in clark["notes"]
    okaloosa = edges["fl-okaloosa-county-sheriffs-office"]
    assert okaloosa["url"] == "" and "not an http(s) address" in okaloosa["notes"]
    melbourne = edges["fl-melbourne-police-department"]
    assert melbourne["url"] == "" and "link pending" in melbourne["notes"]


def test_a_signed_date_to_come_is_left_out(tmp_path):
    path = workbook(tmp_path / "typo.xlsx", [
        (["TENNESSEE", "Grundy County Sheriff's Office", "County", "Grundy County", "Warrant Service Officer",
          dt.datetime(5025, 7, 7), "link pending"], None)])
    run(path, "-o", tmp_path / "layer")
    (edge,) = rows(tmp_path / "layer" / "edges.csv")
    assert edge["date"] == "" and "5025-07-07" in edge["quote"] and "still to come" in edge["notes"]


def test_text_dates_with_a_slash_missing_are_read_and_noted(july, tmp_path):
    out = tmp_path / "layer"
    run(july, "-o", out)
    melbourne = next(e for e in rows(out / "edges.csv") if e["from"] == "fl-melbourne-police-department")
    assert melbourne["date"] == "2025-05-08"
    assert "'05/082025'" in melbourne["notes"]


def test_new_agencies_carry_state_and_county(july, tmp_path):
    out = tmp_path / "layer"
    run(july, "-o", out)
    nodes = {n["id"]: n for n in rows(out / "nodes.csv")}
    assert nodes["tx-harris-county-sheriffs-office"]["state"] == "TX"
    assert nodes["tx-harris-county-sheriffs-office"]["county"] == "Harris County"
    assert nodes["fl-melbourne-police-department"]["county"] == ""  # ICE's '#N/A'
    assert nodes["ice"]["kind"] == "federal_agency"  # carried, so the layer loads on its own
    Model.load([out])


def test_an_agency_in_a_designated_state_is_designated(july, tmp_path):
    """Clark County (NV) is new to the maps; its state puts it under DOJ's designation of Nevada."""
    out = tmp_path / "layer"
    run(july, "-o", out)
    model = Model.load(["default", out])
    clark = model.sanctuary("nv-clark-county-sheriffs-office")
    assert clark.designated and not clark.covered
    assert "designated by DOJ (2025-08-05): Nevada" in clark.text
    assert not model.sanctuary("tx-harris-county-sheriffs-office").protected


def test_agencies_resolve_to_the_registry(july, tmp_path):
    out = tmp_path / "layer"
    result = run(july, "--registry", registry(tmp_path / "fbi.csv"), "-o", out)
    assert result.exit_code == 0, result.output
    edges = {e["id"]: e for e in rows(out / "edges.csv")}
    assert edges["287g-tx1010000-jem"]["from"] == "TX1010000"
    assert edges["287g-fl0050800-tfm"]["from"] == "FL0050800"  # "City of Melbourne Police Department"
    nodes = {n["id"]: n for n in rows(out / "nodes.csv")}
    assert nodes["TX1010000"]["ori"] == "TX1010000"
    matches = {m["input_name"]: m for m in rows(out / "matches.csv")}
    assert matches["Harris County Sheriff's Office"]["method"] == "name"
    assert matches["Clark County Sheriff's Office"]["method"] == "new"
    assert matches["Clark County Sheriff's Office"]["node_id"] == "nv-clark-county-sheriffs-office"


def test_links_override_resolution(july, tmp_path):
    """The Clark County sheriff heads the Las Vegas Metropolitan Police Department: a link says so."""
    links = tmp_path / "links.csv"
    links.write_text("input_name,state,node_id\nClark County Sheriff's Office,NV,NV0020100\n")
    out = tmp_path / "layer"
    result = run(july, "--registry", registry(tmp_path / "fbi.csv"), "--links", links, "-o", out)
    assert result.exit_code == 0, result.output
    edges = {e["id"]: e for e in rows(out / "edges.csv")}
    assert edges["287g-nv0020100-tfm"]["from"] == "NV0020100"
    matches = {m["input_name"]: m for m in rows(out / "matches.csv")}
    assert matches["Clark County Sheriff's Office"]["method"] == "link"
    bad = tmp_path / "bad-links.csv"
    bad.write_text("input_name,state,node_id\nClark County Sheriff's Office,NV,NV9999999\n")
    result = run(july, "--registry", registry(tmp_path / "fbi.csv"), "--links", bad, "-o", tmp_path / "other")
    assert result.exit_code == 1 and "NV9999999" in result.output
    assert not (tmp_path / "other").exists()


def test_ids_are_stable_from_one_workbook_to_the_next(tmp_path):
    """The May list spells an agency another way, in another row order: its agreement keeps its id."""
    may = workbook(tmp_path / "may.xlsx", [
        (["FLORIDA", "Melbourne Police Department", "Municipality", "#N/A", "Task Force Model",
          dt.datetime(2025, 5, 8), "link pending"], None),
        (["TEXAS", "Harris County Sheriff's Office", "County", "Harris County", "Jail Enforcement Model",
          dt.datetime(2025, 2, 20), "link"], MOA),
    ], header=HEADER[:-1])
    july = workbook(tmp_path / "july.xlsx", JULY)
    fbi = registry(tmp_path / "fbi.csv")
    run(may, "--registry", fbi, "-o", tmp_path / "may")
    run(july, "--registry", fbi, "-o", tmp_path / "july")
    before = {e["id"] for e in rows(tmp_path / "may" / "edges.csv")}
    after = {e["id"] for e in rows(tmp_path / "july" / "edges.csv")}
    assert before == {"287g-fl0050800-tfm", "287g-tx1010000-jem"}
    assert before < after
    assert after - before == {"287g-nv-clark-county-sheriffs-office-tfm", "287g-fl0460000-wso"}


def test_pending_rows_only_with_the_flag_and_marked_not_signed(tmp_path):
    pending = workbook(tmp_path / "pendingAgencies07182025pm.xlsx", [
        (["ALABAMA", "Madison County Sheriff's Office", "County", "Madison County", "Task Force Model"], None),
    ], header=HEADER[:5])
    out = tmp_path / "layer"
    refused = run(pending, "-o", out)
    assert refused.exit_code == 1
    assert "pending" in refused.output and "--pending" in refused.output
    assert not out.exists()
    result = run(pending, "--pending", "-o", out)
    assert result.exit_code == 0, result.output
    (edge,) = rows(out / "edges.csv")
    assert edge["date"] == "" and edge["url"] == ""
    assert "not signed" in edge["notes"]
    assert edge["citation"] == "ice-287g-pending"
    assert edge["quote"] == "ALABAMA | Madison County Sheriff's Office | County | Madison County | Task Force Model"


def test_the_source_row_records_the_file(july, tmp_path):
    out = tmp_path / "layer"
    run(july, "-o", out)
    (source,) = [s for s in rows(out / "sources.csv") if s["id"] == "ice-287g-participating"]
    import hashlib

    assert source["sha256"] == hashlib.sha256(july.read_bytes()).hexdigest()
    assert source["date"] == "2025-07-18"  # from ICE's file name
    assert source["retrieved"]


def test_validate_documents_finds_every_quote_in_the_workbook(july, tmp_path):
    out = tmp_path / "layer"
    run(july, "-o", out)
    checked = CliRunner().invoke(cli, ["--data", str(out), "validate", "--documents", str(july.parent)])
    assert checked.exit_code == 0, checked.output
    assert "Every quote found in its document" in checked.output
    edges = (out / "edges.csv").read_text().replace("Harris County Sheriff's Office | County", "Harris County | County")
    (out / "edges.csv").write_text(edges)
    checked = CliRunner().invoke(cli, ["--data", str(out), "validate", "--documents", str(july.parent)])
    assert checked.exit_code == 1
    assert "quote not found in participatingAgencies07182025pm.xlsx" in checked.output


# -- bad input -------------------------------------------------------------------


def test_a_missing_column_names_file_sheet_row_and_column(tmp_path):
    bad = workbook(tmp_path / "bad.xlsx", [(["TEXAS", "Harris County Sheriff's Office", "County"], None)],
                   header=["STATE", "LAW ENFORCEMENT AGENCY", "TYPE"])
    result = run(bad, "-o", tmp_path / "layer")
    assert result.exit_code == 1
    assert "bad.xlsx [sheet Sheet1]: row 1, column 'SUPPORT TYPE': required column is missing" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "layer").exists()


def test_a_renamed_signed_column_is_not_taken_for_the_pending_list(tmp_path):
    header = [h if h != "SIGNED" else "DATE SIGNED" for h in HEADER]
    bad = workbook(tmp_path / "renamed.xlsx", JULY[:1], header=header)
    result = run(bad, "--pending", "-o", tmp_path / "layer")
    assert result.exit_code == 1
    assert "row 1, column 'SIGNED': required column is missing: the sheet has MOA but not SIGNED" in result.output


def test_the_addendum_link_is_noted(tmp_path):
    path = workbook(tmp_path / "addendum.xlsx", JULY[:1])
    book = openpyxl.load_workbook(path)
    book.active.cell(row=2, column=HEADER.index("ADDENDUM") + 1, value="link").hyperlink = \
        "https://www.ice.gov/doclib/287gMOA/HarrisCoTX_addendum.pdf"
    book.save(path)
    run(path, "-o", tmp_path / "layer")
    (edge,) = rows(tmp_path / "layer" / "edges.csv")
    assert edge["url"] == MOA
    assert edge["notes"].endswith("The ADDENDUM cell links to https://www.ice.gov/doclib/287gMOA/HarrisCoTX_addendum.pdf")
    assert edge["quote"].endswith("| link | link")


def test_a_wrong_sheet_lists_the_sheets(july, tmp_path):
    result = run(july, "--sheet", "Agencies", "-o", tmp_path / "layer")
    assert result.exit_code == 1
    assert "has no sheet 'Agencies'; its sheets are: Sheet1" in result.output


def test_the_list_is_found_on_another_sheet(tmp_path):
    path = workbook(tmp_path / "two.xlsx", JULY[:1])
    book = openpyxl.load_workbook(path)
    book.create_sheet("Notes", 0).append(["Updated weekly"])
    book.save(path)
    result = run(path, "-o", tmp_path / "layer")
    assert result.exit_code == 0, result.output
    assert rows(tmp_path / "layer" / "edges.csv")[0]["locator"] == "sheet Sheet1 row 2"


def test_a_workbook_without_the_xlsx_suffix(july, tmp_path):
    """A download may be named after a URL with no suffix; the workbook is read all the same."""
    plain = tmp_path / "download"
    plain.write_bytes(july.read_bytes())
    result = run(plain, "-o", tmp_path / "layer")
    assert result.exit_code == 0, result.output
    assert len(rows(tmp_path / "layer" / "edges.csv")) == 4


def test_a_header_under_a_title_row(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["287(g) Participating Agencies"])
    sheet.append([])
    sheet.append(HEADER)
    sheet.append(JULY[0][0])
    sheet.cell(row=4, column=HEADER.index("MOA") + 1).hyperlink = MOA
    book.save(tmp_path / "titled.xlsx")
    result = run(tmp_path / "titled.xlsx", "-o", tmp_path / "layer")
    assert result.exit_code == 0, result.output
    (edge,) = rows(tmp_path / "layer" / "edges.csv")
    assert edge["locator"] == "sheet Sheet row 4" and edge["url"] == MOA  # openpyxl names a new sheet "Sheet"


def test_an_empty_first_cell_in_a_pending_list_is_named(tmp_path):
    """The pending list is read in openpyxl's read-only mode, whose empty cells carry no row number."""
    pending = workbook(tmp_path / "pending.xlsx", [
        ([None, "Madison County Sheriff's Office", "County", "Madison County", "Task Force Model"], None),
    ], header=HEADER[:5])
    result = run(pending, "--pending", "-o", tmp_path / "layer")
    assert result.exit_code == 1
    assert "pending.xlsx [sheet Sheet1]: row 2, column 'STATE': is empty" in result.output


def test_empty_workbooks_and_sheets(tmp_path):
    book = openpyxl.Workbook()
    book.save(tmp_path / "empty.xlsx")
    result = run(tmp_path / "empty.xlsx", "-o", tmp_path / "layer")
    assert result.exit_code == 1 and "is empty" in result.output
    header_only = workbook(tmp_path / "header.xlsx", [])
    result = run(header_only, "-o", tmp_path / "layer")
    assert result.exit_code == 1 and "has a header but no agreements" in result.output
    (tmp_path / "zero.xlsx").write_bytes(b"")
    result = run(tmp_path / "zero.xlsx", "-o", tmp_path / "layer")
    assert result.exit_code == 1 and "is empty" in result.output


def test_corrupt_files(july, tmp_path):
    (tmp_path / "list.xlsx").write_text("STATE,LAW ENFORCEMENT AGENCY\n")
    result = run(tmp_path / "list.xlsx", "-o", tmp_path / "layer")
    assert result.exit_code == 1 and "is not an Excel .xlsx workbook" in result.output
    truncated = tmp_path / "truncated.xlsx"
    truncated.write_bytes(july.read_bytes()[:2000])
    result = run(truncated, "-o", tmp_path / "layer")
    assert result.exit_code == 1
    assert "truncated.xlsx" in result.output and ("corrupt" in result.output or "not an Excel" in result.output)
    assert "Traceback" not in result.output


def test_an_oversized_workbook_is_refused_before_it_is_opened(july):
    with pytest.raises(InputError, match="oversized workbook"):
        ice287g.read_workbook(july, max_unpacked=1000)


def test_an_oversized_file_is_refused(july, tmp_path):
    result = run(july, "--max-bytes", "100", "-o", tmp_path / "layer")
    assert result.exit_code == 1 and "larger than the 100 bytes limit" in result.output


def test_bad_cells_are_all_reported_with_row_and_column(tmp_path):
    bad = workbook(tmp_path / "bad.xlsx", [
        (["ATLANTIS", "Harris County Sheriff's Office", "County", "Harris County", "Jail Enforcement Model",
          dt.datetime(2025, 2, 20), "link"], None),
        (["TEXAS", "", "County", "Harris County", "Task Force Model", "soon", "link"], None),
    ])
    result = run(bad, "-o", tmp_path / "layer")
    assert result.exit_code == 1
    assert "3 problems in the input" in result.output
    assert "bad.xlsx [sheet Sheet1]: row 2, column 'STATE': is not a US state or territory (value: 'ATLANTIS')" \
        in result.output
    assert "row 3, column 'LAW ENFORCEMENT AGENCY': is empty" in result.output
    assert "row 3, column 'SIGNED': is not a date" in result.output
    assert not (tmp_path / "layer").exists()


def test_a_failed_import_keeps_the_previous_layer(july, tmp_path):
    out = tmp_path / "layer"
    run(july, "-o", out)
    before = (out / "edges.csv").read_text()
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not really")
    assert run(tmp_path / "broken.xlsx", "-o", out).exit_code == 1
    assert (out / "edges.csv").read_text() == before


def test_json_summary(july, tmp_path):
    result = run(july, "--format", "json", "-o", tmp_path / "layer")
    summary = json.loads(result.stdout)
    assert summary["agreements"] == 4
    assert summary["with_moa_link"] == 2 and summary["moa_unwrapped"] == 1
    assert summary["resolution"] == {"new": 4}
    assert (summary["signed_from_text"], summary["signed_left_out"]) == (1, 0)


# -- from a URL ------------------------------------------------------------------


def test_a_workbook_from_a_url(july, tmp_path, monkeypatch):
    monkeypatch.setenv("FLOWMAP_CACHE_DIR", str(tmp_path / "cache"))
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(july.parent))
    handler.log_message = lambda *a: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/{july.name}"
        result = run(url, "-o", tmp_path / "layer")
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert result.exit_code == 0, result.output
    source = next(s for s in rows(tmp_path / "layer" / "sources.csv") if s["id"] == "ice-287g-participating")
    assert source["url"] == url
    assert source["retrieved"] == dt.datetime.now(dt.UTC).date().isoformat()
    assert source["date"] == "2025-07-18"
    assert list((tmp_path / "cache" / "downloads").iterdir())


# -- ICE's own workbooks ---------------------------------------------------------


def _real(name: str) -> Path:
    path = EXTERNAL / name
    if not path.exists():
        pytest.skip(f"ICE's workbook {name} is not in ../shared/external/ice-287g")
    return path


def test_ices_july_workbook():
    sheet = ice287g.read_workbook(_real("participatingAgencies07182025pm.xlsx"))
    assert (sheet.title, len(sheet.rows), sheet.pending) == ("Sheet1", 832, False)
    found, problems = ice287g.agreements(sheet, pending_ok=False)
    assert problems == [] and len(found) == 832
    urls = [a.url for a in found if a.url]
    assert len(urls) == 603
    # Every safelinks redirect unwrapped: each link leads to ice.gov itself.
    assert {u.split("/")[2] for u in urls} == {"www.ice.gov"}
    assert sum(1 for a in found if any("unwrapped" in n for n in a.notes)) == 168
    assert {a.signed[:4] for a in found} == {"2019", "2020", "2025", ""}
    # Grundy County's SIGNED cell reads 5025-07-07: kept in the quote, left out of the date.
    (grundy,) = [a for a in found if not a.signed]
    assert "5025-07-07" in grundy.row.text and "a date still to come" in " ".join(grundy.notes)


def test_ices_pending_workbook_is_recognised():
    sheet = ice287g.read_workbook(_real("pendingAgencies07182025pm.xlsx"))
    assert sheet.pending and len(sheet.rows) == 26


def readme_query(heading: str) -> tuple[str, list[str]]:
    """The README's documented query after ``heading``, and the answer it quotes (the next plain block)."""
    import re

    text = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    rest = text[text.index(heading):]
    code = re.search(r"```python\n(.*?)```", rest, re.S)
    answer = re.search(r"```\n(.*?)```", rest[code.end():], re.S)
    return code.group(1), answer.group(1).strip().splitlines()


def test_the_readme_answer_is_current(tmp_path, monkeypatch, capsys):
    """The documented query, run as written on ICE's July list, prints the answer the README quotes."""
    registry_file = EXTERNAL.parent / "fbi-agencies" / "agencies-2021.csv"
    if not registry_file.exists():
        pytest.skip("the FBI list is not in ../shared/external/fbi-agencies")
    s = ice287g.import_287g([_real("participatingAgencies07182025pm.xlsx")], tmp_path / "layers" / "287g",
                            model=Model.load(), registry=registry_file)
    methods = ", ".join(f"{m} {s['resolution'][m]}" for m in ("name", "normalised", "variant", "fuzzy")
                        if s["resolution"].get(m))
    row = (f"| July 18, 2025 | {s['rows']} | {s['agreements']} (117 / 415 / 300) | {s['with_moa_link']} "
           f"({s['moa_unwrapped']}) | {s['without_moa_link']} | {s['agencies']} | {s['resolved']} "
           f"({round(100 * s['resolved'] / s['agencies'])}%): {methods} | {s['resolution'].get('new', 0)} | "
           f"{s['resolution'].get('ambiguous', 0)} |")
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert row in readme, f"update the July row of the README's 287(g) table to:\n{row}"
    code, answer = readme_query("**Which agencies in DOJ-designated states or counties have signed 287(g)")
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "README.md", "exec"), {})
    assert capsys.readouterr().out.strip().splitlines() == answer
