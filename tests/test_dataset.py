"""The shipped dataset: valid, described for other tools, and quoting its sources verbatim."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from flowmap import schema
from flowmap.cli import cli
from flowmap.model import Model, default_data_dir

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
SHARED_SOURCES = ROOT.parent / "shared" / "sources"

# Typographic quotes and dashes vary between copies of the same text; whitespace
# varies with line wrapping.  Nothing else is forgiven.
TYPOGRAPHY = str.maketrans({"‘": "'", "’": "'", "‚": "'", "′": "'", "“": '"', "”": '"', "„": '"', "″": '"',
                            "–": "-", "—": "-", "‒": "-", "―": "-", "−": "-", "\u00a0": " "})


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.translate(TYPOGRAPHY)).strip()


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


def quoted_rows(model: Model):
    documents = {row.id: row.document for row in model.sources.itertuples() if row.document}
    for table, frame in (("edges", model.edges), ("jurisdictions", model.jurisdictions)):
        for row in frame.itertuples():
            if row.citation in documents and row.quote:
                yield table, row.id, documents[row.citation], row.quote


def test_every_quote_appears_verbatim_in_its_source(model):
    if not SHARED_SOURCES.is_dir():
        pytest.skip(f"{SHARED_SOURCES} is absent: source documents are not shipped with flowmap")
    texts = {}
    missing = []
    rows = list(quoted_rows(model))
    assert rows, "no edge cites a stored document"
    for table, row_id, document, quote in rows:
        if document not in texts:
            path = SHARED_SOURCES / document
            assert path.exists(), f"sources.csv names {document}, which is not in {SHARED_SOURCES}"
            texts[document] = normalise(path.read_text(encoding="utf-8"))
        if normalise(quote) not in texts[document]:
            missing.append(f"{table} {row_id}: not found in {document}: {quote!r}")
    assert not missing, "\n".join(missing)


def test_every_edge_cites_a_source_with_a_locator(model):
    assert (model.edges["locator"] != "").all()
    assert model.edges["citation"].isin(model.sources.index).all()


def test_sanctuary_status_is_always_sourced(model):
    covered = model.jurisdictions[model.jurisdictions["sanctuary"] == "yes"]
    for row in covered.itertuples():
        assert row.law and row.citation and row.quote, f"{row.id} is marked sanctuary without law, citation, quote"


def test_readme_counts_match_the_data():
    summary = CliRunner().invoke(cli, ["--data", str(DATA), "summary"]).output
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert summary in readme, "update the README's Data section with the output of `flowmap summary`"
