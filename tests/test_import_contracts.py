"""``flowmap import contracts``: which ICE awards buy data, and the layer they become."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from flowmap.cli import cli
from flowmap.importers import contracts
from flowmap.importers.contracts import classify, fiscal_year
from flowmap.model import Model

EXTERNAL = Path(__file__).resolve().parents[1] / ".." / "shared" / "external" / "ice-contracts" / "explorer.csv"

HEADER = ("award_id,recipient_name,parent_name,recipient_city,recipient_state,current_total_value,"
          "potential_total_value,awarding_office_name,awarding_office_cat,naics_description,naics_cat,"
          "award_description,product_combo,company_combo")
LINES = [
    "HSCEMD17F00008,West Publishing,West Publishing,Eagan,MN,9673485.72,19413258.24,Mission Support Dallas,"
    "Mission Support,Databases,IT,Consolidated Lead Evaluation and Reporting (CLEAR) System Access/Subscription,"
    "Databases||IT,West Publishing||West Publishing",
    "HSCEDM16P00081,County of Kern,County of Kern,Bakersfield,CA,18360,18360,Detention Compliance And Removals,"
    "Detention Compliance And Removals,Databases,IT,Access to Clets Law Enforcement Data Base,Databases||IT,"
    "County of Kern||County of Kern",
    "HSCEDM16P00046,County of San Diego,County of San Diego,San Diego,CA,1000,1000,Detention Compliance And Removals,"
    "Detention Compliance And Removals,Cable & Wifi,Telecom,Network Access,Cable & Wifi||Telecom,"
    "County of San Diego||County of San Diego",
    '70CDCR18FR0000003,Ahtna Support & Training Services,Ahtna,Anchorage,AK,35319616.42,35319616.42,'
    'Detention Compliance And Removals,Detention Compliance And Removals,Security,Carceral Services,'
    '"Guard Services for PIDC, Batavia",Security||Carceral Services,Ahtna Support & Training Services||Ahtna',
    "HSCEMD17D00001,Giant Oak,Giant Oak,Arlington,VA,,37008960.64,Mission Support Dallas,Mission Support,"
    "Social Media,IT,Open Source/ Social Media Data Analytics,Social Media||IT,Giant Oak||Giant Oak",
]


def table(path: Path, lines=LINES, header=HEADER) -> Path:
    path.write_text("\n".join([header, *lines]) + "\n")
    return path


def run(*args):
    return CliRunner().invoke(cli, ["--data", "default", "import", "contracts", *map(str, args)],
                              catch_exceptions=False)


def rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


# -- the classification ------------------------------------------------------------

KEPT = [
    ("Consolidated Lead Evaluation and Reporting (CLEAR) System Access/Subscription", "West Publishing", "clear"),
    ("Access to License Plate Reader Database", "West Publishing", "lpr-database"),
    ("Access to Clets Law Enforcement Data Base", "County of Kern", "cjis-county"),
    ("Slets Database Access", "County of Santa Clara", "cjis-county"),
    ("Online Access to Criminal Justice Information", "County of Santa Clara", "cjis-county"),
    ("Access to State of Connecticut Collect Database", "Department of Emergency Services and Public Protection",
     "cjis-county"),
    ("State of Maryland's Cjis Database Access", "Maryland Dept. of Public Safety & Correctional Services",
     "cjis-county"),
    ("Automated Regional Justice Information System (Arjis)", "San Diego Association of Governments", "cjis-county"),
    ("Oregon and Washington Criminal Justice Information System Database Access Licenses", "KRP Data Systems",
     "cjis-county"),
    ("Access to Database", "Crime Information Center Arkansas", "crime-information-center"),
    ("Nc Traffic Database Access", "Executive Office of the State of North Carolina", "traffic-database"),
    ("Access to Twc Database", "Texas Workforce Commission", "workforce-database"),
    ("Open Source/ Social Media Data Analytics", "Giant Oak", "social-media"),
    ("Subscription Data Services", "Thomson Reuters Special Services", "subscription-data"),
]

FALSE_FRIENDS = [
    ("Network Access", "County of San Diego", "connectivity"),
    ("Edwosb Socioeconomic Category-Wireless Access Points", "Blue Tech", "connectivity"),
    ("Supply of License Plates, Registrations and Other Motorvehicle Requirements",
     "New York State Department of Motor Vehicles", "dmv-plates"),
    ("Radio Equipment and Accessories.", "Motorola", "accessories"),
    ("Web of Science Subscription Services", "Thomson Reuters Special Services", "reference"),
    ("Eight (8) Cyberfeds Subscriptions", "LRP Publications", "reference"),
    ("Access Database Bootcamp Training for Hero Participants", "Accessdata", "training"),
    ("Guard Services for PIDC", "Ahtna Support & Training Services", "default"),
    ("Student and Exchange Visitor Information System (SEVIS) Level Ii Application Services", "Tsymmetry",
     "default"),
]


@pytest.mark.parametrize(("description", "recipient", "rule"), KEPT)
def test_data_purchases_are_kept(description, recipient, rule):
    found = classify(description, recipient)
    assert (found.action, found.rule) == ("keep", rule)


@pytest.mark.parametrize(("description", "recipient", "rule"), FALSE_FRIENDS)
def test_false_friends_are_skipped_with_a_reason(description, recipient, rule):
    found = classify(description, recipient)
    assert (found.action, found.rule) == ("skip", rule)
    assert found.reason


def test_unclear_awards_are_skipped_and_listed():
    assert classify("Renewal On User Fees for Esun Access", "San Diego Association of Governments").action == "unclear"
    assert classify("Computer Licenses", "Reed Elsevier").action == "unclear"


def test_fiscal_year_from_the_award_id():
    assert fiscal_year("HSCEMD17F00008") == "2017"
    assert fiscal_year("70CDCR18P00000017") == "2018"
    assert fiscal_year("HSCETC09J00035") == "2009"
    assert fiscal_year("HSCOW3D0603") == ""


# -- the layer ---------------------------------------------------------------------


def test_kept_awards_become_edges_to_ice(tmp_path):
    out = tmp_path / "layer"
    result = run(table(tmp_path / "explorer.csv"), "-o", out)
    assert result.exit_code == 0, result.output
    assert "3 awards that buy data or database access, of 5 rows" in result.output
    edges = {e["id"]: e for e in rows(out / "edges.csv")}
    assert set(edges) == {"contract-hscemd17f00008", "contract-hscedm16p00081", "contract-hscemd17d00001"}
    kern = edges["contract-hscedm16p00081"]
    assert (kern["from"], kern["to"]) == ("ca-county-of-kern", "ice")
    assert (kern["evidence"], kern["mechanism"], kern["date"]) == ("capability", "contract", "2016")
    assert kern["locator"] == "row 3"
    assert kern["data"] == "database_queries"
    # The quote is the line verbatim, through award_description.
    assert kern["quote"] == LINES[1].split(",Databases||IT")[0]
    assert LINES[1].startswith(kern["quote"])
    clear = edges["contract-hscemd17f00008"]
    assert clear["from"] == "thomson-reuters-clear"  # the curated CLEAR node
    assert (clear["mechanism"], clear["data"]) == ("subscription", "identity_address_records")
    assert edges["contract-hscemd17d00001"]["data"] == "social_media"


def test_validate_documents_finds_every_quote_in_the_table(tmp_path):
    out = tmp_path / "layer"
    source = table(tmp_path / "explorer.csv")
    run(source, "-o", out)
    (source_row,) = [s for s in rows(out / "sources.csv") if s["id"] == "torn-apart-ice-awards"]
    assert source_row["document"] == "explorer.csv"
    checked = CliRunner().invoke(cli, ["--data", str(out), "validate", "--documents", str(tmp_path)])
    assert checked.exit_code == 0 and "Every quote found in its document" in checked.output


def test_governments_that_sold_access_are_placed_and_covered(tmp_path):
    out = tmp_path / "layer"
    run(table(tmp_path / "explorer.csv"), "-o", out)
    kern = next(n for n in rows(out / "nodes.csv") if n["id"] == "ca-county-of-kern")
    assert (kern["kind"], kern["state"], kern["county"]) == ("agency", "CA", "Kern")
    model = Model.load(["default", out])
    assert model.sanctuary("ca-county-of-kern").covered  # California's law covers a California county
    assert "designated by DOJ (2025-08-05): California" in model.sanctuary("ca-county-of-kern").text
    giant_oak = next(n for n in rows(out / "nodes.csv") if n["id"] == "giant-oak")
    assert giant_oak["state"] == ""  # a company sells nationally: no state's law is its own


def test_a_regional_body_is_placed_in_its_county(tmp_path):
    sandag = ("HSCECR17P00008,San Diego Association of Governments,San Diego Association of Governments,San Diego,"
              "CA,39869,104271,Detention Compliance And Removals,Detention Compliance And Removals,Databases,IT,"
              "Automated Regional Justice Information System (Arjis),Databases||IT,"
              "San Diego Association of Governments||San Diego Association of Governments")
    out = tmp_path / "layer"
    run(table(tmp_path / "explorer.csv", lines=[sandag]), "-o", out)
    model = Model.load(["default", out])
    status = model.sanctuary("ca-san-diego-association-of-governments")
    assert status.covered and "designated by DOJ (2025-08-05): San Diego County" in status.text


def test_skipped_awards_are_counted_by_reason(tmp_path):
    result = CliRunner().invoke(cli, ["import", "contracts", str(table(tmp_path / "explorer.csv")),
                                      "-o", str(tmp_path / "layer"), "--format", "json"])
    summary = json.loads(result.stdout)
    assert summary["rows"] == 5 and summary["kept"] == 3 and summary["skipped"] == 2
    assert summary["skipped_by_reason"] == {"connectivity or building access, not records": 1,
                                            contracts.DEFAULT_SKIP: 1}


def test_bad_tables(tmp_path):
    missing = table(tmp_path / "missing.csv", header=HEADER.replace("award_description", "description"))
    result = run(missing, "-o", tmp_path / "layer")
    assert result.exit_code == 1
    assert "missing.csv: row 1, column 'award_description': required column is missing" in result.output
    (tmp_path / "empty.csv").write_text("")
    assert "is empty" in run(tmp_path / "empty.csv", "-o", tmp_path / "layer").output
    ragged = table(tmp_path / "ragged.csv", lines=[LINES[0], "HSCEMD17F00009,Short Row"])
    result = run(ragged, "-o", tmp_path / "layer")
    assert result.exit_code == 1 and "ragged.csv: row 3: has 2 cells; the header has 14" in result.output
    assert not (tmp_path / "layer").exists()


# -- the real table ------------------------------------------------------------------


def test_torn_aparts_table():
    if not EXTERNAL.exists():
        pytest.skip("explorer.csv is not in ../shared/external/ice-contracts")
    awards = contracts.read_awards(EXTERNAL)
    assert len(awards) == 2203
    kept = [a for a in awards if classify(a.fields["award_description"], a.fields["recipient_name"]).kept]
    assert len(kept) == 27
    sellers = {a.fields["recipient_name"] for a in kept
               if contracts.is_government(a.fields["recipient_name"], a.fields["parent_name"])}
    assert sellers == {"County of Kern", "County of Orange", "County of Santa Clara",
                       "San Diego Association of Governments", "Crime Information Center Arkansas",
                       "Department of Emergency Services and Public Protection",
                       "Maryland Dept. of Public Safety & Correctional Services",
                       "Executive Office of the State of North Carolina", "Texas Workforce Commission"}
    lines = EXTERNAL.read_text().splitlines()
    assert all(lines[a.row - 1].startswith(a.quote) and len(a.quote) <= 300 for a in kept)


def test_the_readme_answer_is_current(tmp_path, monkeypatch, capsys):
    """The documented query, run as written on Torn Apart's table, prints the answer the README quotes."""
    from test_import_287g import readme_query

    if not EXTERNAL.exists():
        pytest.skip("explorer.csv is not in ../shared/external/ice-contracts")
    contracts.import_contracts(EXTERNAL, tmp_path / "layers" / "contracts", model=Model.load())
    code, answer = readme_query("**Which state and county agencies sold ICE access to their databases")
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "README.md", "exec"), {})
    assert capsys.readouterr().out.strip().splitlines() == answer
