"""The verdict sentence: its caveats, and every filter behind a "cannot"."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

import flowmap
from flowmap.model import Model
from flowmap.query import Query
from flowmap.routes import reach
from flowmap.views.text import WIDTH
from flowmap.views.verdict import verdict

from conftest import EDGES, write_dataset

TAIL = "in this data, not proof that no data moves."


@pytest.fixture
def model(tiny) -> Model:
    return Model.load(tiny)


def test_positive_says_how_weak_the_best_route_is_and_what_a_route_does_not_show(model):
    assert verdict(reach(model, Query("sfpd"))) == (
        "San Francisco Police Department CAN reach Immigration and Customs Enforcement within 6 hops: on the best "
        "route found, the weakest hop is reported (a source says it happens; no primary record shows it), and a "
        "route shows that channels connect, not that any one record travelled the whole way.")


def test_best_route_is_the_one_with_the_strongest_weakest_hop(tmp_path):
    # A longer route of documented hops beats a shorter one with a reported hop.
    edges = EDGES + [{**EDGES[1], "id": "e7", "from": "sfpd", "to": "denver", "evidence": "documented"},
                     {**EDGES[1], "id": "e8", "from": "denver", "to": "dhs", "evidence": "documented"},
                     {**EDGES[1], "id": "e9", "from": "dhs", "to": "ice", "evidence": "documented"}]
    model = Model.load(write_dataset(tmp_path / "d", edges=edges))
    assert ": on the best route found, every hop is documented (a primary record shows each), and a route " \
        "shows" in verdict(reach(model, Query("sfpd")))


def test_direct_hop(model):
    assert verdict(reach(model, Query("ncric"))) == (
        "Northern California Regional Intelligence Center CAN reach Immigration and Customs Enforcement within 6 "
        "hops: the best route found is one direct hop, documented (a primary record shows it), and a hop shows "
        "that the channel exists or was used, not how often or how much data moves.")


@pytest.mark.parametrize("filters, words", [
    (Query(min_evidence="documented"), "within 6 hops, on documented evidence only: "),
    (Query(min_evidence="reported", max_hops=1), "within 1 hop, on documented or reported evidence only: "),
    (Query(carrying=("social_media", "tips")),
     "within 6 hops, carrying social media or tips, the same one on every hop: "),
    (Query(since="2019", until="2020", dated_only=True),
     "within 6 hops, with flows dated 2019 to 2020 (undated flows left out): "),
    (Query(until="2017"), "within 6 hops, with flows dated 2017 or earlier (undated flows kept): "),
    (Query(dated_only=True), "within 6 hops, with dated flows only: "),
    (Query(avoid=("NCRIC", "vendor")),
     "within 6 hops, if Northern California Regional Intelligence Center and Plate Vendor were gone: "),
    (Query(without=("e1", "e3"), max_hops=None), " without edges e1 and e3: "),
])
def test_negative_names_every_filter(model, filters, words):
    text = verdict(reach(model, filters.replace(source="sfpd")))
    assert text.startswith("San Francisco Police Department cannot reach Immigration and Customs Enforcement")
    assert words in text and text.endswith(TAIL)


def test_negative_with_blocked_routes_says_policy_closed_them(model):
    assert verdict(reach(model, Query("sfpd", without=("e1",)))) == (
        "San Francisco Police Department cannot reach Immigration and Customs Enforcement within 6 hops, without "
        "edge e1: its 1 route in this data is closed by a policy restriction, and “cannot” means no open route in "
        "this data, not proof that no data moves.")


def test_via_is_named(model):
    assert "within 6 hops, through Plate Vendor: its 1 route" in verdict(
        reach(model, Query("sfpd", via=("vendor",))))


def test_the_readme_quotes_the_verdict_the_shipped_data_gives():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    quoted = re.search(r"<!-- verdict -->\n```\n(.*?)```\n<!-- /verdict -->", readme, re.S).group(1)
    answer = verdict(flowmap.load().reach("San Francisco Police Department"))
    assert quoted == "\n".join(textwrap.wrap(answer, WIDTH)) + "\n", "update the README's 'Reading the answer'"
