"""flowmap: how local surveillance data reaches ICE, route by route, with evidence.

>>> import flowmap
>>> fm = flowmap.load()
>>> fm.reach("SFPD").reachable
True

The names below are imported when first used (PEP 562): the route engine needs
numpy, and ``flowmap --help`` or ``flowmap validate`` should not wait for it.
"""

import importlib as _importlib

# ``load`` and ``query`` each name a submodule and a function of the API. Python binds a
# submodule's name on the package the first time the submodule is imported, so both are
# imported here, before their names are given to the functions; afterwards no import
# can turn ``flowmap.load`` back into the module. Neither imports numpy.
from . import load as _load_module  # noqa: F401
from .errors import AmbiguousName, DataError, FlowmapError, NameNotFound, Problem, QueryError, RenderError
from .query import SCHEMA_VERSION, Query, query

del globals()["load"]  # the submodule, bound by the import above: ``flowmap.load`` is the function below

#: name -> the module that defines it, imported on first use.
_LAZY = {
    "FlowMap": "api", "load": "api", "make_filters": "api",
    "Evidence": "routes", "Filters": "routes", "GroupJoin": "routes", "Hop": "routes", "ReachResult": "routes",
    "Restriction": "routes", "Route": "routes",
    "Diagram": "views.render",
}

__all__ = [
    "AmbiguousName", "DataError", "Diagram", "Evidence", "Filters", "FlowMap", "FlowmapError", "GroupJoin", "Hop",
    "NameNotFound", "Problem", "Query", "QueryError", "ReachResult", "RenderError", "Restriction", "Route",
    "SCHEMA_VERSION", "load", "make_filters", "query",
]
__version__ = "0.1.0"


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'flowmap' has no attribute {name!r}")
    value = getattr(_importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # the next use is an ordinary attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
