"""One entity and the flows it takes part in: what ``flowmap show`` answers.

A query like the others (:mod:`flowmap.routes`, :mod:`flowmap.sanctuary`):
it returns a value that the views print and that states its question in JSON.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .model import Model
from .query import envelope
from .routes import Hop, hop_dict, hop_for


@dataclass(frozen=True)
class Entity:
    """A node with the flows it receives and sends, each in file order.

    Examples
    --------
    >>> from flowmap import load
    >>> ncric = entity(load().model, "NCRIC")
    >>> ncric.node, len(ncric.received) > 0, len(ncric.sent) > 0
    ('ncric', True, True)
    """

    model: Model
    node: str
    received: tuple[Hop, ...]
    sent: tuple[Hop, ...]

    @property
    def row(self) -> dict[str, str]:
        """The node's row, with ``sanctuary``, ``sanctuary_law`` and ``designation``."""
        return self.model.node_row(self.node)

    def to_dict(self) -> dict:
        """``{"schema_version", "question", <every node column>, "received": [hop…], "sent": [hop…]}``."""
        record = envelope(self.model, "show")
        record["question"]["source"] = self.model.ref(self.node)
        return {**record, **self.row,
                "received": [hop_dict(self.model, h) for h in self.received],
                "sent": [hop_dict(self.model, h) for h in self.sent]}


def entity(model: Model, name: str) -> Entity:
    """The node ``name`` (an id, name, alias or ORI) and its flows.

    Raises :class:`~flowmap.errors.NameNotFound` or
    :class:`~flowmap.errors.AmbiguousName` as :meth:`Model.resolve` does.
    """
    node = model.resolve(name)
    index = model.node_index[node]
    arrays = model.arrays

    def hops(ends: np.ndarray) -> tuple[Hop, ...]:
        return tuple(hop_for(model, model.edge_ids[e]) for e in np.flatnonzero(ends == index).tolist())

    return Entity(model, node, received=hops(arrays.receiver), sent=hops(arrays.sender))
