"""The question, as one value: :class:`Query`.

Every route question (``reach``, ``count``, ``sanctuary``, ``firewall``,
``render``, and the report and export built on them) is asked with one
:class:`Query`: built once, from command-line flags or keyword arguments,
checked once when it is built, frozen and hashable.  The route engine keys its
compiled search graphs on the query itself (:meth:`Query.graph_key`), and
every JSON answer states it (:func:`question_dict`), so an answer can always
be read beside the exact question it answers.

>>> import flowmap
>>> q = flowmap.query(carrying="licence_plate_reads", max_hops=4)
>>> q.carrying, q.max_hops, q.group_joins
(('licence_plate_reads',), 4, True)
>>> q == Query(carrying=("licence_plate_reads",), max_hops=4)
True
>>> flowmap.query(max_hops=None).max_hops is None  # None: no bound
True
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from . import dates, schema
from .errors import QueryError

#: Version of the JSON result protocol (docs/result.schema.json).  The major
#: number changes when a field changes meaning or disappears.
SCHEMA_VERSION = "1.1"

#: Routes listed when the caller does not say; ``count`` has no such cap.
DEFAULT_LIMIT = 1000
DEFAULT_MAX_HOPS = 6

_LISTS = ("carrying", "via", "avoid", "without")


@dataclass(frozen=True)
class Query:
    """One question about routes: where from, where to, and every filter.

    Every filter narrows the graph; none widens it.  Values are checked when
    the query is built (:class:`~flowmap.errors.QueryError` for a value no
    search could use); names are resolved against a model when a search uses
    the query (:meth:`resolved`).

    Parameters
    ----------
    source : str or None
        Where routes start (id, name or alias); None for the questions that
        have no single source (the sanctuary sweep, the whole map).
    target : str
        Where routes end (default ICE); reaching a unit of it counts.
    carrying : tuple of str
        Data categories.  A route qualifies when one of them is carried on
        every hop (one category end to end: a route whose first hop carries
        only plate reads and whose second only social media carries neither
        end to end).  Empty: any data.
    min_evidence : {"documented", "reported", "capability"} or None
        Drop hops with weaker evidence (documented is strongest).
    since, until : str or None
        A date window (``2018``, ``2018-04`` or ``2018-04-19``, each a
        period); a flow counts if its period overlaps the window.
    dated_only : bool
        Drop undated flows (kept by default), with or without a window.
    max_hops : int or None
        Longest route searched (default 6); None for no bound.
    via : tuple of str
        Nodes every route must pass (reach and render only).
    avoid : tuple of str
        Nodes to pretend are gone (what-if).
    without : tuple of str
        Edge ids to pretend are gone (what-if).
    group_joins : bool
        Keep routes that pass through a ``group`` node (default True).  Such
        a route joins statements a source makes about a group (say, "fusion
        centers") that need not be about the same members; False leaves them
        out.  A route that starts or ends at a group, or whose two hops at
        the group come from one sentence (same citation, same quote), is not
        a join.
    limit : int or None
        List at most this many open (and this many blocked) routes; the
        sweep counts at most this many per node.  None for no cap.

    Examples
    --------
    >>> Query(min_evidence="documented", since="2018").max_hops
    6
    >>> Query(min_evidence="strong")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    flowmap.errors.QueryError: unknown evidence level 'strong' for --min-evidence; choose from: ...
    >>> Query(carrying="photos").carrying  # one string is one category
    ('photos',)
    """

    source: str | None = None
    target: str = "ice"
    carrying: tuple[str, ...] = ()
    min_evidence: str | None = None
    since: str | None = None
    until: str | None = None
    dated_only: bool = False
    max_hops: int | None = DEFAULT_MAX_HOPS
    via: tuple[str, ...] = ()
    avoid: tuple[str, ...] = ()
    without: tuple[str, ...] = ()
    group_joins: bool = True
    limit: int | None = DEFAULT_LIMIT

    def __post_init__(self) -> None:
        for name in _LISTS:
            value = getattr(self, name)
            if isinstance(value, str):
                value = (value,)
            # Order kept (it is how the analyst wrote it), repeats dropped.
            if name == "carrying":  # "license plates" is licence_plate_reads (issue 13)
                value = [schema.data_category(v) or v for v in value or ()]
            object.__setattr__(self, name, tuple(dict.fromkeys(value or ())))
        object.__setattr__(self, "dated_only", bool(self.dated_only))
        object.__setattr__(self, "group_joins", bool(self.group_joins))
        self._check()

    def _check(self) -> None:
        unknown = [d for d in self.carrying if d not in schema.DATA_CATEGORIES]
        if unknown:
            close = schema.closest_data_category(unknown[0])
            raise QueryError(f"unknown data category {unknown[0]!r} for --carrying; "
                             + (f"did you mean {close}? " if close else "")
                             + f"choose from: {', '.join(schema.DATA_CATEGORIES)}")
        if self.min_evidence is not None and self.min_evidence not in schema.EVIDENCE_LEVELS:
            raise QueryError(f"unknown evidence level {self.min_evidence!r} for --min-evidence; "
                             f"choose from: {', '.join(schema.EVIDENCE_LEVELS)}")
        for flag, value in (("--since", self.since), ("--until", self.until)):
            if value is not None and not dates.is_valid(value):
                raise QueryError(f"{flag} {value!r} is not a date like 2018, 2018-04 or 2018-04-19")
        if self.since and self.until and dates.period(self.since)[0] > dates.period(self.until)[1]:
            raise QueryError(f"--since {self.since} is after --until {self.until}")
        for flag, value in (("--max-hops", self.max_hops), ("--limit", self.limit)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise QueryError(f"{flag} must be a whole number or None, not {value!r}")
            if value is not None and value < 1:
                raise QueryError(f"{flag} must be at least 1")

    # -- building ------------------------------------------------------------------

    @classmethod
    def from_options(cls, **options) -> Query:
        """A query from keyword options, as the API and the CLI receive them.

        A single string is accepted where a list is expected
        (``carrying="social_media"``).  ``None`` keeps the default, except for
        ``max_hops`` and ``limit``, where None means no bound.

        Raises
        ------
        QueryError
            For an option that is not a field of :class:`Query`, or a bad value.

        Examples
        --------
        >>> q = Query.from_options(carrying="social_media", max_hops=3, since=None)
        >>> q.carrying, q.max_hops, q.since
        (('social_media',), 3, None)
        >>> Query.from_options(avoid=["NCRIC", "OCIAC"]).avoid
        ('NCRIC', 'OCIAC')
        >>> Query.from_options(hops=3)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        flowmap.errors.QueryError: unknown option 'hops'; options are: source, target, carrying, ...
        """
        names = [f.name for f in dataclasses.fields(cls)]
        if "data" in options and "carrying" not in options:
            raise QueryError("the data-category filter is now called carrying (carrying=..., --carrying)")
        unknown = sorted(set(options) - set(names))
        if unknown:
            raise QueryError(f"unknown option {unknown[0]!r}; options are: {', '.join(names)}")
        kept = {k: v for k, v in options.items() if v is not None or k in ("max_hops", "limit")}
        return cls(**kept)

    def replace(self, **changes) -> Query:
        """A copy with some fields changed (checked again)."""
        return dataclasses.replace(self, **changes)

    # -- reading -------------------------------------------------------------------

    @property
    def graph_key(self) -> Query:
        """The part of the question that decides which edges a search may use:
        the query without its source, hop limit, via nodes and listing limit.
        Searches whose queries share it share one compiled search graph."""
        return dataclasses.replace(self, source=None, max_hops=None, via=(), limit=None)

    def filters_dict(self) -> dict:
        """Every filter, as JSON states it (names as given, or ids once resolved)."""
        return {
            "carrying": list(self.carrying),
            "min_evidence": self.min_evidence,
            "since": self.since,
            "until": self.until,
            "dated_only": self.dated_only,
            "max_hops": self.max_hops,
            "via": list(self.via),
            "avoid": list(self.avoid),
            "without": list(self.without),
            "group_joins": self.group_joins,
        }

    def resolved(self, model) -> Query:
        """The same question with every name replaced by its node (or edge) id.

        Raises :class:`~flowmap.errors.NameNotFound` or
        :class:`~flowmap.errors.AmbiguousName` for a name that does not resolve.
        """
        return dataclasses.replace(
            self,
            source=None if self.source is None else model.resolve(self.source),
            target=model.resolve(self.target),
            via=tuple(model.resolve(n) for n in self.via),
            avoid=tuple(sorted({model.resolve(n) for n in self.avoid}, key=model.node_index.__getitem__)),
            without=tuple(sorted({model.resolve_edge(e) for e in self.without},
                                 key=model.edge_index.__getitem__)),
        )


def query(source: str | None = None, target: str = "ice", **options) -> Query:
    """Build a :class:`Query` from a source, a target and keyword options (see
    :meth:`Query.from_options`).

    >>> query(carrying=["photos", "dmv_photos"], min_evidence="reported").carrying
    ('photos', 'dmv_photos')
    >>> query("SFPD", max_hops=None).source, query("SFPD", max_hops=None).max_hops
    ('SFPD', None)
    """
    return Query.from_options(source=source, target=target, **options)


# -- the question as JSON states it -------------------------------------------------------


def dataset_dict(model=None, directories=None) -> dict:
    """The dataset an answer comes from: its layer directories, in merge order
    (``default`` for the shipped dataset), and one SHA-256 over the content of
    every CSV file in them, computed as :func:`flowmap.provenance.dataset` does
    (briefs, exports and diffs state the same hash for the same data)."""
    from .load import csv_digests, dataset_sha256
    from .provenance import layer_label

    if directories is None:
        directories = getattr(model, "directories", None) or [model.directory]
        digests = getattr(model, "csv_digests", None)
    else:
        digests = None
    directories = [Path(d) for d in directories if d is not None]
    if digests is None:
        digests = csv_digests(directories)
    return {"directories": [layer_label(d) for d in directories], "sha256": dataset_sha256(digests)}


def question_dict(model, command: str, query: Query | None = None, directories=None) -> dict:
    """What JSON answers start with: the command, its question and the dataset.

    ``query`` should be resolved (:meth:`Query.resolved`): then nodes are
    stated as ``{"id", "name"}`` and edges by id.
    """
    def ref(node_id: str | None):
        return None if node_id is None else model.ref(node_id)

    question: dict = {"command": command}
    if query is not None:
        question.update(
            source=ref(query.source),
            target=ref(query.target),
            filters={**query.filters_dict(), "via": [ref(n) for n in query.via],
                     "avoid": [ref(n) for n in query.avoid]},
            limit=query.limit,
        )
    question["dataset"] = dataset_dict(model, directories)
    return question


class Answer:
    """What every answer (reach, sweep, firewall) tells of the question it answers.

    A mixin for the result dataclasses, which each hold the :class:`Query` as ``query``.
    """

    query: Query

    @property
    def source(self) -> str | None:
        return self.query.source

    @property
    def target(self) -> str:
        return self.query.target

    @property
    def limit(self) -> int | None:
        return self.query.limit

    @property
    def filters(self) -> Query:
        """The query (kept under its old name)."""
        return self.query


def envelope(model, command: str, query: Query | None = None, directories=None) -> dict:
    """The first keys of every JSON answer: ``schema_version`` and ``question``."""
    return {"schema_version": SCHEMA_VERSION, "question": question_dict(model, command, query, directories)}
