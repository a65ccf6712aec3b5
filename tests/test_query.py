"""The question as one value: built once, checked once, hashable, stated in every answer."""

from __future__ import annotations

import pytest

import flowmap
from flowmap.errors import NameNotFound, QueryError
from flowmap.model import Model
from flowmap.query import Query, dataset_dict
from flowmap.routes import Plan, reach


@pytest.fixture
def model(tiny) -> Model:
    return Model.load(tiny)


def test_a_query_is_a_frozen_hashable_value():
    q = Query("sfpd", carrying=["licence_plate_reads", "licence_plate_reads"], avoid="ncric")
    assert q.carrying == ("licence_plate_reads",) and q.avoid == ("ncric",)  # lists made tuples, repeats dropped
    assert q == Query("sfpd", carrying=("licence_plate_reads",), avoid=("ncric",))
    assert len({q, Query("sfpd", carrying=("licence_plate_reads",), avoid=("ncric",))}) == 1
    with pytest.raises(AttributeError):
        q.max_hops = 3


def test_from_options_keeps_none_for_the_bounds_only():
    q = Query.from_options(source="sfpd", since=None, max_hops=None, limit=None)
    assert (q.since, q.max_hops, q.limit) == (None, None, None)
    assert Query.from_options(source="sfpd").max_hops == 6


def test_values_are_checked_when_the_query_is_built():
    with pytest.raises(QueryError, match="--max-hops must be at least 1"):
        Query(max_hops=0)
    with pytest.raises(QueryError, match="must be a whole number"):
        Query(limit=2.5)
    with pytest.raises(QueryError, match="now called carrying"):
        Query.from_options(data="photos")
    with pytest.raises(QueryError, match="unknown option 'hops'"):
        flowmap.query("sfpd", hops=2)


def test_names_resolve_against_a_model(model):
    q = Query("SFPD", "ICE", avoid=("Plate Vendor",), via=("NCRIC",), without=("e5",)).resolved(model)
    assert (q.source, q.target, q.avoid, q.via, q.without) == ("sfpd", "ice", ("vendor",), ("ncric",), ("e5",))
    with pytest.raises(NameNotFound):
        Query("nobody").resolved(model)


def test_the_compiled_graph_is_keyed_on_the_query_itself(model):
    first = Plan(model, Query("sfpd", min_evidence="reported"))
    again = Plan(model, Query("ncric", min_evidence="reported", max_hops=2, limit=5))
    other = Plan(model, Query("sfpd", min_evidence="documented"))
    assert first.index is again.index  # only source, hops and limit differ: one compiled graph
    assert other.index is not first.index
    assert Query("sfpd", max_hops=2).graph_key == Query("denver", max_hops=None).graph_key


def test_every_answer_states_its_resolved_question(model, tiny):
    record = reach(model, Query("SFPD", avoid=("vendor",))).to_dict()
    assert record["question"]["source"] == {"id": "sfpd", "name": "San Francisco Police Department"}
    assert record["question"]["filters"]["avoid"] == [{"id": "vendor", "name": "Plate Vendor"}]
    assert record["question"]["dataset"] == dataset_dict(model) == {"directories": [str(tiny)],
                                                                     "sha256": dataset_dict(model)["sha256"]}


def test_the_api_takes_a_query_or_keyword_options(tiny):
    fm = flowmap.load(tiny)
    q = flowmap.query("sfpd", max_hops=2)
    assert fm.reach(q).to_dict() == fm.reach("sfpd", max_hops=2).to_dict()
    assert fm.reach(q, avoid="ncric").query.avoid == ("ncric",)
    assert fm.query("SFPD").source == "sfpd"
    assert flowmap.make_filters(carrying="tips") == Query(carrying=("tips",))
