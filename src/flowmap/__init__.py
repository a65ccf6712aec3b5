"""flowmap: how local surveillance data reaches ICE, route by route, with evidence.

>>> import flowmap
>>> fm = flowmap.load()
>>> fm.reach("SFPD").reachable
True
"""

from .api import FlowMap, load, make_filters
from .errors import AmbiguousName, DataError, FlowmapError, NameNotFound, Problem, QueryError, RenderError
from .query import SCHEMA_VERSION, Query, query
from .routes import Evidence, Filters, GroupJoin, Hop, ReachResult, Restriction, Route

__all__ = [
    "AmbiguousName", "DataError", "Diagram", "Evidence", "Filters", "FlowMap", "FlowmapError", "GroupJoin", "Hop",
    "NameNotFound", "Problem", "Query", "QueryError", "ReachResult", "RenderError", "Restriction", "Route",
    "SCHEMA_VERSION", "load", "make_filters", "query",
]
__version__ = "0.1.0"


def __getattr__(name: str):
    # The diagram module is imported when first asked for: commands that draw nothing start faster.
    if name == "Diagram":
        from .views.render import Diagram

        return Diagram
    raise AttributeError(f"module 'flowmap' has no attribute {name!r}")
