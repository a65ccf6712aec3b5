"""JSON and CSV as written for programs and spreadsheets."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from flowmap.views.tabular import to_json

TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20)
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=4),
    max_leaves=20,
)


@given(VALUES)
def test_json_is_the_standard_librarys_indented_json(value):
    assert to_json(value) == json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def test_json_of_values_orjson_cannot_write_falls_back():
    assert to_json({1: (2, 3)}) == json.dumps({1: [2, 3]}, indent=2) + "\n"
    assert json.loads(to_json({"big": 10**30})) == {"big": 10**30}
