"""flowmap: how local surveillance data reaches ICE, route by route, with evidence.

>>> import flowmap
>>> fm = flowmap.load()
>>> fm.reach("SFPD").reachable
True
"""

from .api import FlowMap, load, make_filters
from .errors import AmbiguousName, DataError, FlowmapError, NameNotFound, Problem, QueryError, RenderError
from .routes import Evidence, Filters, Hop, ReachResult, Restriction, Route
from .views.render import Diagram

__all__ = [
    "AmbiguousName", "DataError", "Diagram", "Evidence", "Filters", "FlowMap", "FlowmapError", "Hop", "NameNotFound",
    "Problem", "QueryError", "ReachResult", "RenderError", "Restriction", "Route", "load", "make_filters",
]
__version__ = "0.1.0"
