"""The verdict: one sentence that can be quoted on its own.

A verdict is what gets copied into a story or a briefing, away from the routes
and citations under it, so it carries its own caveats.  A positive verdict says
how strong the weakest hop of the best route is and what a route does not show;
a negative one names every filter that produced it and says what "cannot"
means: no route in this data, not proof that no data moves.

Every output format carries the same sentence: the terminal's first lines, the
``verdict`` field of the JSON, the CSV's ``verdict`` column, the notebook's
display and the report.
"""

from __future__ import annotations

from ..model import Model
from ..routes import Filters, ReachResult, Route
from .words import EVIDENCE_FILTER, EVIDENCE_MEANING, clean, data_label, evidence_rank, join_or

#: What a route does not show; the README's "What a route claims" says it at length.
ROUTE_CAVEAT = "a route shows that channels connect, not that any one record travelled the whole way"
DIRECT_CAVEAT = "a hop shows that the channel exists or was used, not how often or how much data moves"
CANNOT_MEANS = "“cannot” means no route in this data, not proof that no data moves"


def verdict(result: ReachResult) -> str:
    """The one-sentence answer to "can SOURCE reach TARGET?", with its caveats.

    Parameters
    ----------
    result : ReachResult
        The answer of :func:`flowmap.routes.reach` (``FlowMap.reach``).

    Returns
    -------
    str
        One sentence, no line breaks.

    Examples
    --------
    >>> import flowmap
    >>> fm = flowmap.load()
    >>> print(verdict(fm.reach("SFPD")))  # doctest: +NORMALIZE_WHITESPACE
    San Francisco Police Department CAN reach US Immigration and Customs Enforcement within 6 hops: on the
    best route found, the weakest hop is reported (a source says it happens; no primary record shows it),
    and a route shows that channels connect, not that any one record travelled the whole way.
    >>> print(verdict(fm.reach("SFPD", min_evidence="documented")))  # doctest: +NORMALIZE_WHITESPACE
    San Francisco Police Department cannot reach US Immigration and Customs Enforcement within 6 hops, on
    documented evidence only: “cannot” means no route in this data, not proof that no data moves.
    """
    model = result.model
    head = (f"{clean(model.name(result.source))} {'CAN' if result.reachable else 'cannot'} reach "
            f"{clean(model.name(result.target))}{conditions(model, result.filters)}")
    if result.reachable and result.routes:
        best = best_route(result.routes)
        return f"{head}: {weakest_hop(best)}, and {ROUTE_CAVEAT if len(best) > 1 else DIRECT_CAVEAT}."
    if result.blocked:
        count = f"{len(result.blocked)}{'+' if result.more_blocked else ''}"
        routes = "its 1 route" if count == "1" else f"all {count} of its routes"
        return (f"{head}: {routes} in this data {'is' if count == '1' else 'are'} closed by a policy "
                f"restriction, and “cannot” means no open route in this data, not proof that no data moves.")
    return f"{head}: {CANNOT_MEANS}."


def best_route(routes: list[Route]) -> Route:
    """The route whose weakest hop is strongest; of those, the shortest (then the first listed)."""
    return min(routes, key=lambda r: (max(evidence_rank(h.evidence.level) for h in r.hops), len(r)))


def weakest_hop(route: Route) -> str:
    """How strong the route's weakest hop is, as a clause.

    ``on the best route found, the weakest hop is reported (…)``; ``every hop
    is documented``; or, for a direct channel, ``the best route found is one
    direct hop, …``.
    """
    level = max((h.evidence.level for h in route.hops), key=evidence_rank)
    if len(route) == 1:
        return f"the best route found is one direct hop, {EVIDENCE_MEANING[level]}"
    if level == "documented":
        return "on the best route found, every hop is documented (a primary record shows each)"
    return f"on the best route found, the weakest hop is {EVIDENCE_MEANING[level]}"


def verdict_frame(result: ReachResult):
    """The routes table with the verdict in a first column, for CSV.

    Every row repeats the verdict, so a row copied alone keeps it; a result
    with no route gets one row (status ``none``) so that the verdict, with the
    filters behind it, is never an empty file.
    """
    import pandas as pd

    frame = result.to_frame()
    if frame.empty:
        frame = pd.DataFrame([{column: "none" if column == "status" else "" for column in frame.columns}])
    frame.insert(0, "verdict", verdict(result))
    return frame


def conditions(model: Model, filters: Filters) -> str:
    """`` within 6 hops, on documented evidence only, …``: every bound and filter, in words."""
    parts = [f" within {filters.max_hops} hop{'s' if filters.max_hops != 1 else ''}"
             if filters.max_hops is not None else ""]
    parts += [f", {phrase}" for phrase in filter_phrases(model, filters)]
    return "".join(parts)


def filter_phrases(model: Model, filters: Filters) -> list[str]:
    """Each filter of a question as a phrase a reader understands.

    The hop bound is left to the caller (it reads differently in a title).
    """
    phrases = []
    if filters.min_evidence:
        phrases.append(EVIDENCE_FILTER[filters.min_evidence])
    if filters.carrying:
        labels = [data_label(d) for d in filters.carrying]
        # "one of X or Y on every hop" would read as a choice made hop by hop; the rule is one category
        # carried end to end, so the phrase says so.
        phrases.append(f"carrying {labels[0]} on every hop" if len(labels) == 1
                       else f"carrying {join_or(labels)}, the same one on every hop")
    undated = "undated flows left out" if filters.dated_only else "undated flows kept"
    if filters.since and filters.until:
        phrases.append(f"with flows dated {filters.since} to {filters.until} ({undated})")
    elif filters.since:
        phrases.append(f"with flows dated {filters.since} or later ({undated})")
    elif filters.until:
        phrases.append(f"with flows dated {filters.until} or earlier ({undated})")
    elif filters.dated_only:
        phrases.append("with dated flows only")
    if filters.via:
        phrases.append("through " + join_or([_node(model, n) for n in filters.via], "and"))
    if filters.avoid:
        phrases.append("if " + join_or([_node(model, n) for n in filters.avoid], "and")
                       + " were gone")
    if filters.without:
        edges = list(filters.without)
        phrases.append(f"without edge{'s' if len(edges) > 1 else ''} {join_or(edges, 'and')}")
    return phrases


def _node(model: Model, name: str) -> str:
    return clean(model.name(model.resolve(name)))
