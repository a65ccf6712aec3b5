"""The shipped dataset: valid, described for other tools, and quoting its sources verbatim."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from flowmap import schema
from flowmap.cli import cli
from flowmap.model import Model, default_data_dir
from flowmap.quotes import check_quotes

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
SHARED_SOURCES = ROOT.parent / "shared" / "sources"


@pytest.fixture(scope="module")
def model() -> Model:
    return Model.load(DATA)


def test_default_dataset_is_the_repository_data():
    # From a checkout it is data/ itself; from a wheel, the copy made at build time.
    for table in schema.TABLES:
        assert (default_data_dir() / table.filename).read_bytes() == (DATA / table.filename).read_bytes()


def test_datapackage_json_is_generated_from_the_schema():
    committed = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))
    assert committed == schema.datapackage(), "run: flowmap datapackage > data/datapackage.json"


def test_curated_quotes_are_one_sentence_of_at_most_300_characters(model):
    long = [f"{table} {row.id}: {len(row.quote)} characters"
            for table, frame in (("edges", model.edges), ("jurisdictions", model.jurisdictions),
                                 ("designations", model.designations))
            for row in frame.itertuples() if len(row.quote) > schema.CURATED_QUOTE_MAX_CHARS]
    assert not long, "quote the sentence that proves the claim:\n" + "\n".join(long)


def test_frictionless_validates_the_package():
    frictionless = pytest.importorskip("frictionless")
    report = frictionless.validate(str(DATA / "datapackage.json"))
    errors = [f"{task.name}: {error.message}" for task in report.tasks for error in task.errors]
    assert report.valid, "\n".join(errors[:20])


def test_every_quote_appears_verbatim_in_its_source(model):
    # The same check as `flowmap validate --documents ../shared/sources`.
    if not SHARED_SOURCES.is_dir():
        pytest.skip(f"{SHARED_SOURCES} is absent: source documents are not shipped with flowmap")
    cited = {row.citation for table in (model.edges, model.jurisdictions) for row in table.itertuples() if row.quote}
    assert cited & set(model.sources.loc[model.sources["document"] != "", "id"]), "no row cites a stored document"
    problems = check_quotes(model, SHARED_SOURCES)
    assert not problems, "\n".join(str(p) for p in problems)


def test_every_edge_cites_a_source_with_a_locator(model):
    assert (model.edges["locator"] != "").all()
    assert model.edges["citation"].isin(model.sources.index).all()


def test_sanctuary_status_is_always_sourced(model):
    covered = model.jurisdictions[model.jurisdictions["sanctuary"] == "yes"]
    for row in covered.itertuples():
        assert row.law and row.citation and row.quote, f"{row.id} is marked sanctuary without law, citation, quote"


def test_hops_through_a_group_from_one_statement_share_citation_and_quote(model):
    # A route through a group joins statements about different members, unless both hops come
    # from one sentence; those pairs are told apart by an identical (citation, quote), so this
    # pins them (docs/data-review.md lists them).
    groups = set(model.nodes.index[model.nodes["kind"] == "group"])
    edges = model.edges
    same = sorted((into.id, out.id) for into in edges[edges["to"].isin(groups)].itertuples()
                  for out in edges[edges["from"] == into.to].itertuples()
                  if (into.citation, into.quote) == (out.citation, out.quote))
    assert same == [
        ("clear-to-fusion-centers-subscription", "fusion-centers-to-ice-data-broker-records"),
        ("local-police-to-fusion-centers-suspect-referrals", "fusion-centers-to-ice-suspect-referrals"),
        ("sanctuary-city-law-enforcement-to-fusion-centers", "fusion-centers-to-ice-photos-and-plate-data"),
        ("tlo-to-fusion-centers-subscription", "fusion-centers-to-ice-data-broker-records"),
    ]


def test_readme_counts_match_the_data():
    summary = CliRunner().invoke(cli, ["--data", str(DATA), "summary"]).output
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert summary in readme, "update the README's Data section with the output of `flowmap summary`"
