"""Files come from strangers: whatever bytes a data file holds, loading either
succeeds or raises DataError naming the file.  Never another exception."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flowmap.errors import DataError
from flowmap.model import Model

from conftest import EDGES, NODES, write_dataset

CELLS = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
TABLE_NAMES = ("nodes.csv", "edges.csv", "sources.csv", "jurisdictions.csv")


def load_or_data_error(directory) -> None:
    try:
        Model.load(directory)
    except DataError as exc:
        assert exc.problems
        assert all(str(p.file).startswith(str(directory)) for p in exc.problems)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(TABLE_NAMES), content=st.binary(max_size=300))
def test_arbitrary_bytes_in_any_file(tmp_path_factory, name, content):
    directory = write_dataset(tmp_path_factory.mktemp("d"))
    (directory / name).write_bytes(content)
    load_or_data_error(directory)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(column=st.sampled_from(["id", "from", "to", "data", "date", "evidence", "excludes", "citation", "quote"]),
       value=CELLS)
def test_arbitrary_text_in_any_edge_cell(tmp_path_factory, column, value):
    edges = [dict(e) for e in EDGES]
    edges[0][column] = value
    load_or_data_error(write_dataset(tmp_path_factory.mktemp("d"), edges=edges))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(column=st.sampled_from(["id", "name", "aliases", "part_of", "jurisdiction", "state", "kind"]), value=CELLS)
def test_arbitrary_text_in_any_node_cell(tmp_path_factory, column, value):
    nodes = [dict(n) for n in NODES]
    nodes[0][column] = value
    load_or_data_error(write_dataset(tmp_path_factory.mktemp("d"), nodes=nodes))
