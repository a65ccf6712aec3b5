"""Whose data: the flows whose sources say they carry data about people in a place.

Where data is held and whom it is about differ: a South Dakota portal was used
to track people in California, and a route that starts outside any sanctuary
jurisdiction can still carry a sanctuary state's residents' data to ICE. The
edge column ``subjects`` records, where the source says so, the jurisdictions
whose residents the data is about (``docs/data-review.md``). This module asks
it: which flows carry data about people in PLACE, and can each flow's receiver
pass it on to the target?

A flow counts for a place when one of its subjects is the place, lies inside
it (data about San Francisco's residents is about people in California), or
contains it (data about "nearly every American" is about Californians too, a
weaker statement that the answer marks). An empty ``subjects`` cell means the
source does not say whose data it is, never "nobody": those flows are not
listed, and every answer says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .model import Model
from .query import Query, envelope
from .routes import Hop, Plan, Route, edge_mask, hop_dict, hop_for, reach, route_dict

#: How a flow's subjects relate to the place asked about, strongest first.
RELATIONS: tuple[str, ...] = ("the place", "inside it", "containing it")


@dataclass(frozen=True)
class SubjectFlow:
    """One flow carrying data about people in the place, and where it leads."""

    hop: Hop
    subjects: tuple[str, ...]  # the flow's subjects that concern the place (jurisdiction ids)
    relation: str  # the strongest of RELATIONS among them
    direct: bool  # the flow's receiver is the target or one of its units
    onward: Route | None  # the first route reach lists from the receiver to the target, if not direct

    @property
    def reaches(self) -> bool:
        """Whether data arriving at the receiver can move on to (or is already at) the target."""
        return self.direct or self.onward is not None


@dataclass(frozen=True)
class SubjectsResult:
    """The flows whose sources say they carry data about people in ``place``.

    Examples
    --------
    >>> import flowmap
    >>> answer = flowmap.load().about("California")
    >>> answer.place, [flow.hop.edge for flow in answer.flows if flow.relation == "the place"][:2]
    ('us-ca', ['ociac-to-ice-lpr-2018-04-19', 'sd-fusion-center-to-ice-portal-2019'])
    """

    model: Model
    place: str  # a jurisdiction id
    query: Query  # the target and the filters every flow and onward route meet
    flows: tuple[SubjectFlow, ...]  # strongest relation first, then file order

    @property
    def reaching(self) -> tuple[SubjectFlow, ...]:
        return tuple(flow for flow in self.flows if flow.reaches)

    def to_dict(self) -> dict:
        """``{"schema_version", "question", "place", "flows": [{"hop", "subjects", "relation", "direct",
        "reaches", "onward"}], "not_shown"}``."""
        model = self.model
        place = model.jurisdiction_ref(self.place)
        record = envelope(model, "about", self.query)
        record["question"]["place"] = place
        return {
            **record,
            "place": place,
            "flows": [{"hop": hop_dict(model, flow.hop),
                       "subjects": [model.jurisdiction_ref(j) for j in flow.subjects],
                       "relation": flow.relation, "direct": flow.direct, "reaches": flow.reaches,
                       "onward": route_dict(model, flow.onward) if flow.onward is not None else None}
                      for flow in self.flows],
            "not_shown": NOT_SHOWN,
        }


NOT_SHOWN = ("Only flows whose source says whose data they carry are listed; an empty subjects cell means the "
             "source does not say, never that the flow carries nobody's data. A flow about people in a place "
             "shows that such data moved on that channel, not that any one person's record went further.")


def relation(model: Model, place: str, subject: str) -> str | None:
    """How ``subject`` relates to ``place`` (one of :data:`RELATIONS`), or None when it does not."""
    if subject == place:
        return RELATIONS[0]
    if place in model.jurisdiction_ancestors(subject):
        return RELATIONS[1]
    if subject in model.jurisdiction_ancestors(place):
        return RELATIONS[2]
    return None


def flows_about(model: Model, place: str, query: Query | None = None) -> SubjectsResult:
    """The flows whose sources say they carry data about people in ``place``.

    Parameters
    ----------
    model : Model
        The loaded data.
    place : str
        A jurisdiction: id, name, or a state's code (``CA``).
    query : Query or None
        The target (default ICE) and the route filters; a flow the filters
        drop is not listed, and the onward route from its receiver meets them
        too.  ``source`` is not used.

    Returns
    -------
    SubjectsResult
        Strongest relation first (subjects naming the place, then places inside
        it, then places containing it), file order within each.
    """
    place = model.resolve_jurisdiction(place)
    plan = Plan(model, (query or Query()).replace(source=None, limit=1))
    allowed = edge_mask(model, plan.query)
    flows = []
    onward_from: dict[str, Route | None] = {}  # several flows may reach one receiver: search from it once
    for e in np.flatnonzero(allowed).tolist():
        subjects = model.edge_subjects.get(e)
        if not subjects:
            continue
        edge_id = model.edge_ids[e]
        related = [(j, relation(model, place, j)) for j in subjects]
        related = [(j, r) for j, r in related if r is not None]
        if not related:
            continue
        hop = hop_for(model, edge_id)
        strongest = min((r for _, r in related), key=RELATIONS.index)
        direct = hop.receiver in plan.target_members
        onward = None
        if not direct and hop.receiver not in plan.avoid:
            if hop.receiver not in onward_from:
                found = reach(model, plan.query.replace(source=hop.receiver))
                onward_from[hop.receiver] = found.routes[0] if found.routes else None
            onward = onward_from[hop.receiver]
        flows.append(SubjectFlow(hop, tuple(j for j, _ in related), strongest, direct, onward))
    flows.sort(key=lambda flow: RELATIONS.index(flow.relation))  # stable: file order within a relation
    return SubjectsResult(model, place, plan.query.replace(limit=None), tuple(flows))
