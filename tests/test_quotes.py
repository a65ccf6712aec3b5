"""Quotes checked against the stored text of their documents."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowmap.errors import DataError
from flowmap.load import load_tables
from flowmap.model import Model
from flowmap.quotes import check_quotes, nearest_passage, normalise

from conftest import EDGES, JURISDICTIONS, SOURCES, write_dataset

REPORT = """\
A Report

SB54 limits sharing with   immigration authorities. The SF ordinance
says more. SFPD shares data with the fusion center. NCRIC ran the plate —
“cameras feed the vendor”, and the contract excludes opted-out jurisdictions.
NCRIC searches DAS. Denver shares plates.
"""


def dataset(tmp_path: Path, edges=None, sources=None, jurisdictions=None) -> Path:
    documented = [{**SOURCES[0], "document": "report.txt"}]
    return write_dataset(tmp_path / "data", edges=edges, sources=sources or documented,
                         jurisdictions=jurisdictions)


@pytest.fixture
def documents(tmp_path: Path) -> Path:
    folder = tmp_path / "documents"
    folder.mkdir()
    (folder / "report.txt").write_text(REPORT, encoding="utf-8")
    return folder


def test_every_quote_found_means_no_problems(tmp_path, documents):
    # Line breaks, doubled spaces and typographic quotes in the document do not matter.
    edges = [*EDGES[:3], {**EDGES[3], "quote": '"cameras feed the vendor", and the contract'}]
    assert check_quotes(load_tables(dataset(tmp_path, edges=edges)), documents) == []


def test_a_quote_not_found_names_file_row_id_and_the_nearest_passage(tmp_path, documents):
    edges = [*EDGES[:4], {**EDGES[4], "quote": "NCRIC searched DAS"}, EDGES[5]]
    directory = dataset(tmp_path, edges=edges)
    problems = check_quotes(load_tables(directory), documents)
    assert len(problems) == 1
    problem = problems[0]
    assert (problem.file, problem.row, problem.column) == (str(directory / "edges.csv"), 6, "quote")
    assert problem.message.startswith("e5: quote not found in report.txt: 'NCRIC searched DAS'")
    assert "is 'NCRIC searches DAS.'" in problem.message
    assert "% alike" in str(problem)


def test_jurisdiction_quotes_are_checked_too(tmp_path, documents):
    jurisdictions = [*JURISDICTIONS[:2], {**JURISDICTIONS[2], "quote": "SF ordnance"}, JURISDICTIONS[3]]
    directory = dataset(tmp_path, jurisdictions=jurisdictions)
    problems = check_quotes(load_tables(directory), documents)
    assert [(p.file, p.row, p.message.split(":")[0]) for p in problems] == [
        (str(directory / "jurisdictions.csv"), 4, "us-ca-sf")]


def test_a_model_can_be_checked_as_well_as_tables(tmp_path, documents):
    edges = [{**EDGES[0], "quote": "SFPD sells data"}, *EDGES[1:]]
    problems = check_quotes(Model.load(dataset(tmp_path, edges=edges)), documents)
    assert [(Path(p.file).name, p.row) for p in problems] == [("edges.csv", 2)]


def test_rows_citing_a_source_without_a_stored_document_are_not_checked(tmp_path, documents):
    sources = [{**SOURCES[0], "document": ""}]
    edges = [{**EDGES[0], "quote": "words in no document"}, *EDGES[1:]]
    assert check_quotes(load_tables(dataset(tmp_path, edges=edges, sources=sources)), documents) == []


def test_a_missing_document_is_one_problem_on_its_sources_row(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    directory = dataset(tmp_path)
    problems = check_quotes(load_tables(directory), empty)
    quoted = len(EDGES) + sum(1 for j in JURISDICTIONS if j.get("quote"))
    assert [str(p) for p in problems] == [
        f"{directory / 'sources.csv'}: row 2, column 'document': is not in {empty}; {quoted} quotes citing "
        "report could not be checked (value: 'report.txt')"]


def test_a_document_outside_the_folder_is_refused(tmp_path, documents):
    (tmp_path / "secret.txt").write_text(REPORT, encoding="utf-8")
    sources = [{**SOURCES[0], "document": "../secret.txt"}]
    [problem] = check_quotes(load_tables(dataset(tmp_path, sources=sources)), documents)
    assert problem.value == "../secret.txt" and problem.message.startswith(f"names a file outside {documents}")


def test_a_document_that_is_not_utf8_is_a_problem_not_a_crash(tmp_path, documents):
    (documents / "report.txt").write_bytes(b"SFPD shares data \xff\xfe")
    [problem] = check_quotes(load_tables(dataset(tmp_path)), documents)
    assert problem.message.startswith("is not UTF-8 text (bad byte at offset 17)")


def test_a_quote_that_is_a_whole_line_of_a_large_document_is_found(tmp_path, documents):
    # An imported record's quote is its input row: one line of the file.
    lines = [f"row {i},Agency {i},CA" for i in range(50_000)]
    (documents / "report.txt").write_text("\n".join([*lines, REPORT]), encoding="utf-8")
    edges = [{**EDGES[0], "quote": "row 49999,Agency 49999,CA"}, *EDGES[1:]]
    assert check_quotes(load_tables(dataset(tmp_path, edges=edges)), documents) == []


def test_documents_dir_must_be_a_directory(tmp_path):
    with pytest.raises(DataError, match="is not a directory"):
        check_quotes(load_tables(dataset(tmp_path)), tmp_path / "nowhere")


def test_normalise_forgives_only_whitespace_and_typography():
    assert normalise("“It’s\n  here” — she said") == normalise('"It\'s here" - she said')
    assert normalise("its here") != normalise("it's here")


def test_nearest_passage_widens_to_whole_words():
    text = "Around 2019, Cody requested driver's licenses and more."
    near = nearest_passage("Cody asked for driver's licenses", text)
    assert near.passage.startswith("Cody requested driver's licenses")
    assert 0 < near.score < 100
