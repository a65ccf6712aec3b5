"""Every error flowmap raises.  Callers catch :class:`FlowmapError`."""

from __future__ import annotations

from dataclasses import dataclass


class FlowmapError(Exception):
    """Base class: a problem the user can fix, with a message that says how."""


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in a data file, located as a spreadsheet would show it."""

    file: str
    row: int | None  # 1 is the header row, 2 the first data row; None for the whole file
    column: str | None
    value: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f": row {self.row}"
        if self.column is not None:
            where += f", column '{self.column}'"
        text = f"{where}: {self.message}"
        if self.value is not None:
            text += f" (value: {_shorten(self.value)!r})"
        return text


def _shorten(value: str, limit: int = 80) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _sorted(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.file, p.row or 0, p.column or "", p.message))


def _listing(problems: list[Problem], where: str, limit: int | None = None) -> str:
    """``N problems in WHERE:`` and one indented line per problem, the first ``limit`` of them."""
    count = len(problems)
    lines = [f"{count} problem{'s' if count != 1 else ''} in {where}:"]
    lines += [f"  {p}" for p in problems[:limit]]
    if limit is not None and count > limit:
        lines.append(f"  … and {count - limit} more")
    return "\n".join(lines)


class DataError(FlowmapError):
    """The dataset is invalid.  ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = _sorted(problems)
        super().__init__(_listing(self.problems, "the data"))


class NameNotFound(FlowmapError):
    """A name matches no node (or edge); ``suggestions`` holds close matches."""

    def __init__(self, what: str, name: str, suggestions: list[str], hint: str = "", note: str = ""):
        self.name = name
        self.suggestions = suggestions
        message = f"no {what} called {name!r}"
        if suggestions:
            message += "; did you mean: " + ", ".join(suggestions) + "?"
        elif note:
            message += f"; {note}"
        if hint:
            message += f" ({hint})"
        super().__init__(message)


class NotAnEntity(NameNotFound):
    """A name is a jurisdiction, not a node; the message lists the nodes in it."""

    def __init__(self, name: str, explanation: str):
        self.name = name
        self.suggestions = []
        FlowmapError.__init__(self, f"{name!r} is a jurisdiction, not an entity. {explanation}.")


class AmbiguousName(FlowmapError):
    """A name matches several nodes; ``candidates`` lists them as (id, name)."""

    def __init__(self, name: str, candidates: list[tuple[str, str]]):
        self.name = name
        self.candidates = candidates
        listed = "; ".join(f"{node_id} ({label})" for node_id, label in candidates)
        super().__init__(f"{name!r} could mean several entities: {listed}. Use the id to choose one.")


class InputError(FlowmapError):
    """An importer's input (or output directory) is unusable; ``problems`` says where and why.

    Messages name the file, row, column and value, like :class:`DataError`,
    but speak of the input being imported rather than of the dataset.
    """

    def __init__(self, problems: list[Problem], limit: int = 20):
        self.problems = _sorted(problems)
        super().__init__(_listing(self.problems, "the input", limit))


class QueryError(FlowmapError):
    """A query's options contradict each other or the data."""


class RenderError(FlowmapError):
    """A diagram could not be drawn or written."""
