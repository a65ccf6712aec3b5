"""Results display themselves in Jupyter as HTML tables, with every name and quote escaped."""

from __future__ import annotations

import copy

import pytest

import flowmap

from conftest import EDGES, NODES, write_dataset

HOSTILE = '<b onclick="x()">SF & "PD"</b>'
QUOTE = "<script>alert(1)</script>"


@pytest.fixture
def hostile(tmp_path) -> flowmap.FlowMap:
    nodes = copy.deepcopy(NODES)
    nodes[0]["name"] = HOSTILE
    edges = copy.deepcopy(EDGES)
    edges[0]["quote"] = QUOTE
    return flowmap.load(write_dataset(tmp_path / "data", nodes=nodes, edges=edges))


def assert_escaped(html: str) -> None:
    assert "<b onclick" not in html and "<script>" not in html
    assert "&lt;b onclick=" in html


def test_reach_result(hostile):
    html = hostile.reach("sfpd")._repr_html_()
    assert_escaped(html)
    assert "CAN reach Immigration and Customs Enforcement within 6 hops: on the best route found" in html
    assert "1 open route(s), 1 blocked by policy; each hop cites its source." in html
    assert "<table" in html and "&lt;script&gt;" in html


def test_sweep_result(hostile):
    html = hostile.sanctuary()._repr_html_()
    assert_escaped(html)
    assert "<table" in html and "Northern California Regional Intelligence Center" in html


def test_firewall(hostile):
    html = hostile.firewall("sfpd")._repr_html_()
    assert_escaped(html)
    assert "verified" in html and "not verified" not in html
    assert "<table" in html and "<td>e1</td>" in html
    assert "withdraw from Northern California Regional Intelligence Center" in html


def test_firewall_of_a_direct_route_has_no_node_cut(hostile):
    html = hostile.firewall("ncric")._repr_html_()
    assert "hands data to <b>Immigration and Customs Enforcement</b> directly" in html


def test_firewall_with_nothing_to_cut(hostile):
    html = hostile.firewall("sfpd", without=["e1"])._repr_html_()
    assert_escaped(html)
    assert "nothing to cut" in html and "<table" not in html
