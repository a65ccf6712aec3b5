"""The package's own names (``flowmap/__init__.py``): imported when first used, each the API's object."""

from __future__ import annotations

import subprocess
import sys

import pytest

import flowmap
from flowmap import api, routes


def python(code: str) -> str:
    """What ``code`` prints in a fresh interpreter (this one has imported everything already)."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_the_command_line_starts_without_the_route_engine_or_numpy():
    loaded = python("import sys, flowmap.cli; "
                    "print(sorted(m for m in ('numpy', 'pandas', 'networkx', 'flowmap.api', 'flowmap.routes') "
                    "if m in sys.modules))")
    assert loaded == "[]"


def test_every_public_name_is_the_api_s_own_object():
    assert flowmap.load is api.load and flowmap.FlowMap is api.FlowMap and flowmap.Route is routes.Route
    assert sorted(flowmap.__all__) == sorted(set(flowmap.__all__))
    for name in flowmap.__all__:
        assert getattr(flowmap, name) is not None
        assert name in dir(flowmap)


def test_load_and_query_stay_functions_whatever_is_imported_first(tiny):
    # Both also name a submodule; importing the submodule must not put it in the function's place.
    printed = python("import flowmap.load, flowmap.model, flowmap.query, flowmap; "
                     f"fm = flowmap.load({str(tiny)!r}, cache=False); "
                     "print(type(fm).__name__, fm.reach('SFPD').reachable, flowmap.query(max_hops=3).max_hops)")
    assert printed == "FlowMap True 3"


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="^module 'flowmap' has no attribute 'no_such_name'$"):
        flowmap.no_such_name  # noqa: B018
