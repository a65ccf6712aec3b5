"""Names as people type them: abbreviations, shared words, spelling."""

from __future__ import annotations

import pytest

from flowmap.names import Suggester, words

LABELS = [
    ("sfpd", "San Francisco Police Department"), ("sfpd", "SFPD"),
    ("ncric", "Northern California Regional Intelligence Center"), ("ncric", "NCRIC"),
    ("boston-police", "Boston police"), ("dc-police", "Washington, DC police"),
    ("delaware-fusion-center", "Delaware fusion center"), ("maine-fusion-center", "Maine fusion center"),
    ("sd-fusion-center", "South Dakota fusion center"), ("lasd", "Los Angeles County Sheriff's Department"),
]


@pytest.mark.parametrize("typed, expected", [
    ("SF police", ["san", "francisco", "police"]),
    ("SFPD", ["san", "francisco", "police", "department"]),
    ("LA SO", ["los", "angeles", "sheriff", "office"]),
    ("Alameda County DA", ["alameda", "county", "district", "attorney"]),
    ("Bay Area", ["bay", "area", "northern", "california"]),
    ("SD fusion centers", ["sd", "fusion", "center", "intelligence"]),  # SD first: not a sheriff
    ("Sheriff’s Office", ["sheriff", "office"]),
    ("license plates", ["licence", "plate"]),
])
def test_words_expand_abbreviations(typed, expected):
    assert words(typed) == expected


@pytest.mark.parametrize("typed, first", [
    ("SF police", "sfpd"),
    ("San Fransisco cops", "sfpd"),
    ("bay area fusion center", "ncric"),
    ("SFDP", "sfpd"),
    ("LA sheriff", "lasd"),
    ("Boston PD", "boston-police"),
])
def test_suggestions_rank_shared_words_and_abbreviations_first(typed, first):
    assert Suggester(LABELS).suggest(typed)[0] == first


def test_a_common_word_alone_is_no_suggestion_when_a_rare_one_matched():
    assert Suggester(LABELS).suggest("SF police") == ["sfpd"]
    assert Suggester(LABELS).suggest("bay area fusion center")[:1] == ["ncric"]


def test_within_narrows_to_some_nodes():
    assert Suggester(LABELS).suggest("police", within={"dc-police"}) == ["dc-police"]
