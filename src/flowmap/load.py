"""Read a dataset directory and check it against :mod:`flowmap.schema`.

Every check collects :class:`~flowmap.errors.Problem` objects instead of
stopping at the first one, so ``flowmap validate`` can report them all at once.

Tables are held column by column (:class:`Frame`, :class:`Column`), not as
pandas DataFrames: importing pandas alone takes longer than answering a
question about the shipped map, and imported sharing lists run to hundreds of
thousands of rows, where every check must cost a pass over a column, never a
pass per problem.  Small files are read with Python's csv module; large ones
with pyarrow's multithreaded reader, whose columns stay in Arrow memory (the
checks run as pyarrow compute kernels) until a list of Python strings is
asked for.  DataFrames are built on demand (:attr:`Tables.nodes`,
:attr:`flowmap.model.Model.nodes` and the like) for people and notebooks.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from . import dates, schema
from .errors import DataError, Problem

if TYPE_CHECKING:
    import pandas as pd

ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._:-]*"
URL_PATTERN = r"https?://[^\s\"'<>\\]+"
STATE_PATTERN = r"[A-Z]{2}"
#: The FBI's Originating Agency Identifier: two letters for the state, then seven letters or digits.
ORI_PATTERN = r"[A-Z]{2}[A-Z0-9]{7}"
# Control characters other than tab and newline have no business in a CSV cell
# and break terminals and XML output.
CONTROL_CHARS = r"[\x00-\x08\x0b-\x1f\x7f]"
#: The characters ``str.strip()`` removes (``str.isspace()``), as a regular
#: expression class for pyarrow's RE2; a test keeps it equal to Python's set.
WHITESPACE_CLASS = (r"[\t\n\x0b\x0c\r\x1c-\x20\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}"
                    r"\x{205f}\x{3000}]")
#: A layer whose files add up to this many bytes is read with pyarrow (when it
#: is installed), each of its files from ARROW_MIN_FILE_BYTES: below these,
#: importing pyarrow costs more than it saves.
ARROW_MIN_BYTES = 2_000_000
ARROW_MIN_FILE_BYTES = 64_000

_CONTROL = re.compile(CONTROL_CHARS)
_ID = re.compile(ID_PATTERN)
_URL = re.compile(URL_PATTERN)
_STATE = re.compile(STATE_PATTERN)
_ORI = re.compile(ORI_PATTERN)


# -- columns and tables -----------------------------------------------------------

class Column:
    """One column of a table: its cells as strings, in file order.

    Backed by a list of ``str``, or by a pyarrow string array until
    :meth:`tolist` is first called.  The queries the checks need (distinct
    values, the rows holding some values, empty rows…) run on either.
    """

    __slots__ = ("_list", "_arrow", "_distinct")

    def __init__(self, values):
        if isinstance(values, list):
            self._list, self._arrow = values, None
        else:
            self._list, self._arrow = None, values
        self._distinct: set[str] | None = None

    def __len__(self) -> int:
        return len(self._list) if self._list is not None else len(self._arrow)

    def __repr__(self) -> str:
        return f"<Column of {len(self)} cells>"

    def tolist(self) -> list[str]:
        """The cells as a list of strings (kept: later calls are free)."""
        if self._list is None:
            self._list = self._arrow.to_pylist()
            self._arrow = None
        return self._list

    def at(self, position: int) -> str:
        return self._list[position] if self._list is not None else self._arrow[position].as_py()

    def distinct(self) -> set[str]:
        if self._distinct is None:
            if self._list is not None:
                self._distinct = set(self._list)
            else:
                import pyarrow.compute as pc

                self._distinct = set(pc.unique(self._arrow).to_pylist())
        return self._distinct

    def rows_with(self, values: set[str]) -> list[int]:
        """Positions of the cells holding one of ``values``, in order."""
        if not values:
            return []
        if self._list is not None:
            return [i for i, v in enumerate(self._list) if v in values]
        # In numpy, over the column's dictionary codes: turning a Python value
        # into an Arrow one makes pyarrow import pandas, which takes longer than all this.
        import numpy as np

        dictionary, codes = self._encoded()
        wanted = [i for i, v in enumerate(dictionary) if v in values]
        return np.flatnonzero(np.isin(codes, wanted)).tolist() if wanted else []

    def _encoded(self):
        """The pyarrow column's distinct values (a list) and each cell's position among them (numpy)."""
        import pyarrow.compute as pc

        encoded = pc.dictionary_encode(self._arrow)
        return encoded.dictionary.to_pylist(), _numpy(encoded.indices)

    def empty_rows(self) -> list[int]:
        if self._arrow is not None:
            import numpy as np

            offsets, _ = _arrow_bytes(self._arrow)
            return np.flatnonzero(offsets[1:] == offsets[:-1]).tolist()
        return self.rows_with({""}) if "" in self.distinct() else []

    def count_empty(self) -> int:
        if self._list is not None:
            return self._list.count("")
        return len(self.empty_rows())

    def rows_longer_than(self, limit: int) -> list[int]:
        if self._list is not None:
            return [i for i, v in enumerate(self._list) if len(v) > limit]
        import numpy as np
        import pyarrow.compute as pc

        return np.flatnonzero(_numpy(pc.utf8_length(self._arrow)) > limit).tolist()

    def may_hold_control_characters(self) -> bool:
        """False when no cell holds a control character; True when one may (look closer)."""
        if self._list is not None:
            return not "".join(self._list).isprintable()  # one C-speed pass; tabs and newlines say "maybe"
        # In UTF-8 these characters are single bytes that occur nowhere else: one
        # table lookup per byte of the column's text, in numpy.
        _, text = _arrow_bytes(self._arrow)
        return bool(_byte_table("control")[text].any())

    def stripped(self) -> Column:
        """The column with every cell stripped of surrounding whitespace (itself when none has any)."""
        if self._arrow is not None and not self._may_need_stripping():
            return self
        # Distinct values first: most columns repeat a handful of values.
        padded = {v for v in self.distinct() if v != v.strip()}
        if not padded:
            return self
        return Column([v.strip() if v in padded else v for v in self.tolist()])


    def _may_need_stripping(self) -> bool:
        """False when no cell of this pyarrow column starts or ends with whitespace; True when one may.

        Looks at each cell's first and last byte only: ASCII whitespace, or the
        lead byte (first) or any byte above ASCII (last) of a longer character,
        which sends the column to an exact check.
        """
        offsets, text = _arrow_bytes(self._arrow)
        if not len(text):
            return False
        starts, ends = offsets[:-1] - offsets[0], offsets[1:] - offsets[0]
        filled = ends > starts
        first = text[starts[filled]]
        last = text[ends[filled] - 1]
        if not (_byte_table("first")[first].any() or _byte_table("last")[last].any()):
            return False
        import pyarrow.compute as pc

        pattern = f"^{WHITESPACE_CLASS}|{WHITESPACE_CLASS}$"
        return bool(pc.any(pc.match_substring_regex(self._arrow, pattern)).as_py())


@functools.cache
def _byte_table(name: str):
    """A lookup table over the 256 byte values (numpy is imported only when large files are read)."""
    import numpy as np

    ascii_space = b"\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f "
    chosen = {
        "control": bytes(range(0x00, 0x09)) + bytes(range(0x0B, 0x20)) + b"\x7f",
        # Python's other whitespace is U+0085, U+00A0, U+1680, U+2000-U+3000: lead bytes C2, E1, E2, E3.
        "first": ascii_space + b"\xc2\xe1\xe2\xe3",
        "last": ascii_space + bytes(range(0x80, 0x100)),
    }[name]
    table = np.zeros(256, dtype=bool)
    table[list(chosen)] = True
    return table


def _numpy(array):
    """A pyarrow integer or boolean array without nulls as a numpy array, read from its
    buffers: ``Array.to_numpy`` makes pyarrow import pandas, which costs more than the check."""
    import numpy as np
    import pyarrow as pa

    data = array.buffers()[1]
    if pa.types.is_boolean(array.type):
        bits = np.unpackbits(np.frombuffer(data, dtype=np.uint8), bitorder="little")
        return bits[array.offset:array.offset + len(array)].astype(bool)
    values = np.frombuffer(data, dtype=np.dtype(f"int{array.type.bit_width}"))
    return values[array.offset:array.offset + len(array)]


def _arrow_bytes(array):
    """A pyarrow string array's offsets and the UTF-8 bytes of its cells, as numpy arrays (no copy)."""
    import numpy as np
    import pyarrow as pa

    width = np.int64 if pa.types.is_large_string(array.type) else np.int32
    _, offsets_buffer, data_buffer = array.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=width)[array.offset:array.offset + len(array) + 1]
    if data_buffer is None or not len(offsets):
        return offsets, np.zeros(0, dtype=np.uint8)
    return offsets, np.frombuffer(data_buffer, dtype=np.uint8)[offsets[0]:offsets[-1]]


class Frame:
    """A table of strings held column by column, in file order."""

    __slots__ = ("columns", "length")

    def __init__(self, columns: dict[str, Column], length: int):
        self.columns = columns
        self.length = length

    @classmethod
    def from_lists(cls, columns: dict[str, list[str]]) -> Frame:
        lengths = {len(v) for v in columns.values()}
        return cls({name: Column(values) for name, values in columns.items()}, lengths.pop() if lengths else 0)

    @classmethod
    def empty(cls, table: schema.Table) -> Frame:
        return cls({c.name: Column([]) for c in table.columns}, 0)

    @classmethod
    def from_pandas(cls, frame: pd.DataFrame) -> Frame:
        return cls.from_lists({str(c): ["" if v is None else str(v) for v in frame[c].tolist()]
                               for c in frame.columns}) if len(frame.columns) else cls({}, len(frame))

    def __len__(self) -> int:
        return self.length

    def __contains__(self, name: str) -> bool:
        return name in self.columns

    def __getitem__(self, name: str) -> list[str]:
        """The cells of one column, as a list."""
        return self.columns[name].tolist()

    @property
    def names(self) -> list[str]:
        return list(self.columns)

    def row(self, position: int) -> dict[str, str]:
        return {name: column.at(position) for name, column in self.columns.items()}

    def row_getter(self):
        """A function of a position returning that row as a dict: faster than :meth:`row`
        for many rows, as every column is a list by then."""
        names = list(self.columns)
        lists = [self[name] for name in names]
        return lambda position: dict(zip(names, [values[position] for values in lists]))

    def rows(self) -> list[dict[str, str]]:
        """Every row as a dict, in order."""
        names = list(self.columns)
        return [dict(zip(names, cells)) for cells in zip(*(self[n] for n in names))] if names else []

    def to_pandas(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame({name: pd.Series(self[name], dtype=object) for name in self.columns})


@dataclass
class Origin:
    """Where each row of a merged table came from: its file and spreadsheet row."""

    files: list[str]
    rows: list[int]  # 2 is the first data row

    def at(self, index: int) -> tuple[str, int]:
        return self.files[index], self.rows[index]


TABLE_NAMES = tuple(t.name for t in schema.TABLES)


@dataclass(init=False)
class Tables:
    """The validated tables of a dataset (one or several layers merged).

    ``frames`` holds each table column by column; the attributes ``sources``,
    ``jurisdictions``, ``designations``, ``nodes`` and ``edges`` are the same
    tables as pandas DataFrames, built when first read.
    """

    directories: tuple[Path, ...]
    frames: dict[str, Frame]
    #: table name -> where each row came from, for messages that name a layer's file and row
    origins: dict[str, Origin] = field(default_factory=dict, repr=False)
    #: node ids a later layer gave to a node an earlier layer already had (same ORI) -> the kept id
    merged_ids: dict[str, str] = field(default_factory=dict)

    def __init__(self, directories, sources, jurisdictions, designations, nodes, edges,
                 origins: dict[str, Origin] | None = None, merged_ids: dict[str, str] | None = None):
        """Tables from Frames, or from pandas DataFrames (tests and importers build them in memory)."""
        self.directories = tuple(directories)
        given = dict(zip(TABLE_NAMES, (sources, jurisdictions, designations, nodes, edges)))
        self.frames = {name: t if isinstance(t, Frame) else Frame.from_pandas(t) for name, t in given.items()}
        self.origins = origins or {}
        self.merged_ids = merged_ids or {}
        self._pandas: dict[str, pd.DataFrame] = {}

    @property
    def directory(self) -> Path | None:
        """The first layer's directory (the whole dataset when there is one layer); None when built in memory."""
        return self.directories[0] if self.directories else None

    def _frame(self, name: str) -> pd.DataFrame:
        if name not in self._pandas:
            self._pandas[name] = self.frames[name].to_pandas()
        return self._pandas[name]

    sources = property(lambda self: self._frame("sources"), doc="sources.csv as a DataFrame")
    jurisdictions = property(lambda self: self._frame("jurisdictions"), doc="jurisdictions.csv as a DataFrame")
    designations = property(lambda self: self._frame("designations"), doc="designations.csv as a DataFrame")
    nodes = property(lambda self: self._frame("nodes"), doc="nodes.csv as a DataFrame")
    edges = property(lambda self: self._frame("edges"), doc="edges.csv as a DataFrame")


def as_directories(directories: str | os.PathLike | Iterable[str | os.PathLike]) -> tuple[Path, ...]:
    if isinstance(directories, (str, os.PathLike)):
        return (Path(directories),)
    return tuple(Path(d) for d in directories)


#: One CSV file of one layer: (layer index in merge order, file name, SHA-256 hex digest).
FileDigest = tuple[int, str, str]


def csv_digests(directories: Iterable[str | os.PathLike]) -> tuple[FileDigest, ...]:
    """The SHA-256 of every CSV file of every layer, in merge order and file-name
    order; a file that cannot be read is left out.

    Computed once per load (:meth:`flowmap.model.Model.load`, whose cache key is
    built from them) and carried by the model, so that an answer states its
    dataset's hash (:func:`dataset_sha256`) without reading the files again.
    """
    found: list[FileDigest] = []
    for index, directory in enumerate(directories):
        try:
            paths = sorted(p for p in Path(directory).glob("*.csv") if p.is_file())
        except OSError:
            continue
        for path in paths:
            try:
                with path.open("rb") as handle:
                    found.append((index, path.name, hashlib.file_digest(handle, "sha256").hexdigest()))
            except OSError:
                continue
    return tuple(found)


def dataset_sha256(digests: Iterable[FileDigest]) -> str:
    """One hash over a dataset's files (:func:`csv_digests`): SHA-256 of the lines
    ``layer-index file-name file-sha256``.  Two datasets with the same files in
    the same order have the same hash, wherever they sit."""
    lines = "".join(f"{index} {name} {digest}\n" for index, name, digest in digests)
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def load_tables(directories: str | os.PathLike | Iterable[str | os.PathLike]) -> Tables:
    """Read, merge and validate every table of one or several layer directories.

    Layers merge in order (see :func:`merge_layers`); a layer may refer to ids
    of the layers before it.  Raises :class:`~flowmap.errors.DataError`
    listing every problem found.
    """
    directories = as_directories(directories)
    if not directories:
        raise DataError([Problem("--data", None, None, None, "names no dataset directory")])
    missing = [Problem(str(d), None, None, None, "is not a directory (check --data or FLOWMAP_DATA)")
               for d in directories if not d.is_dir()]
    if missing:
        raise DataError(missing)
    problems: list[Problem] = []
    layers: list[tuple[Path, dict[str, Frame]]] = []
    for position, directory in enumerate(directories):
        frames: dict[str, Frame] = {}
        arrow = _layer_bytes(directory) >= ARROW_MIN_BYTES
        for table in schema.TABLES:
            # The first layer is a whole dataset; a later one may hold only the tables it adds to.
            frame, read_problems = read_table(directory / table.filename, table, optional=position > 0, arrow=arrow)
            problems += read_problems
            frames[table.name] = frame
        layers.append((directory, frames))
    frames, origins, merged_ids, merge_problems = merge_layers(layers)
    problems += merge_problems
    # Cross-file checks need every file's columns; cell problems don't stop them,
    # so one run reports dangling references alongside bad values.
    if not any(p.row is None or p.row == 1 for p in problems):
        problems += check_tables(frames, origins)
    if problems:
        raise DataError(problems)
    return Tables(directories, *(frames[name] for name in TABLE_NAMES), origins, merged_ids)


def validate_frames(tables: dict, name: str = "<memory>") -> Tables:
    """Check tables held in memory, as :func:`load_tables` checks files, and
    return them as :class:`Tables` (``flowmap.model.Model(tables)`` builds a
    model): an importer or a notebook can build a model without writing CSVs.

    Parameters
    ----------
    tables : dict
        Table name (``sources``, ``jurisdictions``, ``designations``,
        ``nodes``, ``edges``) to its rows: a list of dicts, a :class:`Frame`
        or a pandas DataFrame.  A missing optional table or column is empty;
        cells are stripped as a CSV reader's are.
    name : str
        How problems name the tables' place (``<memory>/edges.csv``).

    Raises
    ------
    DataError
        Listing every problem, by table, row (2 is the first row, as in a
        spreadsheet), column and value.

    Examples
    --------
    >>> tables = {"sources": [{"id": "s", "title": "S", "publisher": "P"}], "jurisdictions": [],
    ...           "nodes": [{"id": "a", "name": "A", "kind": "agency"}, {"id": "ice", "name": "ICE",
    ...                      "kind": "federal_agency"}],
    ...           "edges": [{"id": "e", "from": "a", "to": "ice", "data": "tips", "mechanism": "unspecified",
    ...                      "evidence": "rumour", "citation": "s", "locator": "1", "quote": "q"}]}
    >>> validate_frames(tables)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    flowmap.errors.DataError: 1 problem in the data:
      <memory>/edges.csv: row 2, column 'evidence': is not one of: documented, reported, capability ...
    """
    unknown = sorted(set(tables) - set(TABLE_NAMES))
    if unknown:
        raise DataError([Problem(name, None, None, unknown[0],
                                 f"is not a table; tables are: {', '.join(TABLE_NAMES)}")])
    problems: list[Problem] = []
    frames: dict[str, Frame] = {}
    for table in schema.TABLES:
        filename = f"{name}/{table.filename}"
        given = tables.get(table.name)
        if given is None:
            if not table.optional:
                problems.append(Problem(filename, None, None, None, "table not given"))
            frames[table.name] = Frame.empty(table)
            continue
        if isinstance(given, Frame):
            frame = given
        elif hasattr(given, "columns") and hasattr(given, "to_dict"):  # a pandas DataFrame
            frame = Frame.from_pandas(given)
        else:
            rows = list(given)
            names = list(dict.fromkeys([c.name for c in table.columns] + [k for row in rows for k in row]))
            frame = Frame.from_lists({c: ["" if row.get(c) is None else str(row.get(c)) for row in rows]
                                      for c in names})
            frame.length = len(rows)
        columns = dict(frame.columns)
        for column in table.columns:
            if column.name not in columns:
                if column.required:
                    problems.append(Problem(filename, 1, column.name, None, "required column is missing"))
                columns[column.name] = Column([""] * len(frame))
        frame = Frame({c: column.stripped() for c, column in columns.items()}, len(frame))
        problems += check_cells(frame, table, filename)
        frames[table.name] = frame
    merged, origins, merged_ids, merge_problems = merge_layers([(Path(name), frames)])
    problems += merge_problems
    if not any(p.row is None or p.row == 1 for p in problems):
        problems += check_tables(merged, origins)
    if problems:
        raise DataError(problems)
    return Tables((), *(merged[t] for t in TABLE_NAMES), origins, merged_ids)


#: Columns whose ';'-separated items are united, not compared, when layers describe one row.
_UNITED_COLUMNS = {"aliases", "county"}


def merge_layers(layers: list[tuple[Path, dict[str, Frame]]]):
    """Merge the tables of several layers, in order.

    A row whose id an earlier layer already has describes the same thing: it
    may fill cells the earlier row left empty (and add aliases and counties),
    but a different non-empty value is a problem naming both files and rows,
    because silently preferring one layer would hide a disagreement between
    records.  Nodes with the same ORI are one agency: the later node's id
    becomes an alias of the earlier one and every reference to it is redirected,
    so an imported layer's row for the San Francisco Police Department lands on
    the curated ``sfpd``.

    Returns the merged frames, the :class:`Origin` of every row, the redirected
    ids and the problems found.
    """
    frames: dict[str, Frame] = {}
    origins: dict[str, Origin] = {}
    problems: list[Problem] = []
    for table in schema.TABLES:
        parts = [(str(directory / table.filename), layer[table.name]) for directory, layer in layers]
        # One string object per file name: a cache of the model pickles each once.
        files = [name for name, frame in parts for name in [name] * len(frame)]
        rows = [row for _, frame in parts for row in range(2, len(frame) + 2)]
        if len(parts) == 1:
            frame = parts[0][1]
        else:
            names = list(dict.fromkeys(c for _, f in parts for c in f.names))
            columns = {c: [v for _, f in parts for v in (f[c] if c in f else [""] * len(f))] for c in names}
            keep, found = _merge_rows(columns, "id", files, rows, strict=True)
            problems += found
            columns, files, rows = _keep(columns, keep, files, rows)
            frame = Frame.from_lists(columns)
        frames[table.name] = frame
        origins[table.name] = Origin(files, rows)
    merged_ids: dict[str, str] = {}
    if len(layers) > 1:
        nodes, origin = frames["nodes"], origins["nodes"]
        columns = {c: nodes[c] for c in nodes.names}
        keep, _ = _merge_rows(columns, "ori", origin.files, origin.rows, strict=False, redirected=merged_ids)
        if merged_ids:
            columns, files, rows = _keep(columns, keep, origin.files, origin.rows)
            columns["part_of"] = [merged_ids.get(v, v) for v in columns["part_of"]]
            frames["nodes"], origins["nodes"] = Frame.from_lists(columns), Origin(files, rows)
            edges = frames["edges"]
            columns = {c: edges[c] for c in edges.names}
            for column in ("from", "to", "requested_by"):
                columns[column] = [merged_ids.get(v, v) for v in columns[column]]
            frames["edges"] = Frame.from_lists(columns)
    return frames, origins, merged_ids, problems


def _merge_rows(columns: dict[str, list[str]], key: str, files: list[str], rows: list[int], *, strict: bool,
                redirected: dict[str, str] | None = None) -> tuple[list[bool], list[Problem]]:
    """Fold rows sharing ``key`` (across files) into the first; return which rows to keep.

    ``columns`` is changed in place: the first row of each key takes what the later ones add.
    """
    values = columns[key]
    keep = [True] * len(values)
    problems: list[Problem] = []
    first_of: dict[str, int] = {}
    groups: dict[str, list[int]] = {}
    for position, value in enumerate(values):
        if value:
            if value in first_of:
                groups.setdefault(value, [first_of[value]]).append(position)
            else:
                first_of[value] = position
    others = [c for c in columns if c != key]
    for first, *later_rows in groups.values():
        for later in later_rows:
            if files[later] == files[first]:
                continue  # a duplicate within one file: check_cells names it
            keep[later] = False
            if redirected is not None:
                redirected[columns["id"][later]] = columns["id"][first]
                extra = [columns["id"][later], columns["name"][later]]
                aliases = columns["aliases"][first]
                known = set(split_list(aliases)) | {columns["name"][first], columns["id"][first]}
                added = [a for a in extra if a not in known]
                if added:
                    columns["aliases"][first] = ";".join([*split_list(aliases), *added])
            for column in others:
                old, new = columns[column][first], columns[column][later]
                if not new or new == old or (redirected is not None and column in ("id", "name")):
                    continue
                if column in _UNITED_COLUMNS:
                    columns[column][first] = ";".join(dict.fromkeys([*split_list(old), *split_list(new)]))
                elif column == "name" and "aliases" in columns:
                    # Records spell one agency differently ("Jacksonville SO", "Jacksonville Sheriff's
                    # Office"): the first name stays and the later spelling becomes an alias.
                    aliases = split_list(columns["aliases"][first])
                    if new not in aliases:
                        columns["aliases"][first] = ";".join([*aliases, new])
                elif not old:
                    columns[column][first] = new
                elif strict:
                    problems.append(Problem(files[later], rows[later], column, new,
                                            f"conflicts with {files[first]} row {rows[first]} for the same "
                                            f"{key} {values[first]!r} (value there: {old!r}); a later "
                                            "layer may fill empty cells but not change them"))
    return keep, problems


def _keep(columns: dict[str, list[str]], keep: list[bool], files: list[str], rows: list[int]):
    if all(keep):
        return columns, files, rows
    kept = {c: [v for v, k in zip(values, keep) if k] for c, values in columns.items()}
    return kept, [f for f, k in zip(files, keep) if k], [r for r, k in zip(rows, keep) if k]


def empty_frame(table: schema.Table) -> Frame:
    return Frame.empty(table)


# -- reading ------------------------------------------------------------------------

class _CSVProblem(Exception):
    """A file that cannot be read as CSV; the message says why."""


def _layer_bytes(directory: Path) -> int:
    total = 0
    for table in schema.TABLES:
        try:
            total += (directory / table.filename).stat().st_size
        except OSError:
            pass
    return total


def read_table(path: Path, table: schema.Table, optional: bool = False,
               arrow: bool = False) -> tuple[Frame, list[Problem]]:
    """Read one CSV as strings; report unreadable files and missing columns.

    With ``arrow``, a file of ARROW_MIN_FILE_BYTES or more is read with pyarrow.
    """
    name = str(path)
    if not path.exists():
        if table.optional or optional:
            return empty_frame(table), []
        return empty_frame(table), [Problem(name, None, None, None,
                                            "file not found (a layer that adds to another dataset loads after "
                                            "it: --data default --data LAYER)")]
    if not path.is_file():
        return empty_frame(table), [Problem(name, None, None, None,
                                            "is not a regular file (a directory?): it must be a CSV file")]
    try:
        header, columns, length = _read_csv(path, arrow)
    except UnicodeDecodeError as exc:
        return empty_frame(table), [Problem(name, None, None, None,
                                            f"is not UTF-8 text (bad byte at offset {exc.start}); "
                                            "save it as UTF-8 CSV")]
    except _CSVProblem as exc:
        return empty_frame(table), [Problem(name, None, None, None, str(exc))]
    except OSError as exc:  # unreadable: permissions, a broken link, a device
        return empty_frame(table), [Problem(name, None, None, None, f"cannot be read: {exc.strerror or exc}")]
    problems = []
    seen: set[str] = set()
    for column in header:
        if column in seen:
            problems.append(Problem(name, 1, column, None, "column appears more than once in the header"))
        seen.add(column)
    for column in table.columns:
        if column.name not in seen:
            if column.required:
                problems.append(Problem(name, 1, column.name, None, "required column is missing from the header"))
            else:
                columns[column.name] = Column([""] * length)
    if problems:
        return empty_frame(table), problems
    frame = Frame({c: column.stripped() for c, column in columns.items()}, length)
    return frame, check_cells(frame, table, name)


def _read_csv(path: Path, arrow: bool = False) -> tuple[list[str], dict[str, Column], int]:
    """The header (names stripped, in order, repeats kept) and the columns by name.

    utf-8-sig, because spreadsheets often save a byte-order mark; blank lines
    are skipped, so row numbers count records, as before.
    """
    if arrow and path.stat().st_size >= min(ARROW_MIN_FILE_BYTES, ARROW_MIN_BYTES):
        read = _read_with_arrow(path)
        if read is not None:
            return read
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, strict=True)
        try:
            header = next(reader, None)
            if header is None:
                raise _CSVProblem("is empty: it needs a header row")
            records = [record for record in reader if record]
        except csv.Error as exc:
            raise _CSVProblem(f"is not valid CSV: {exc} (line {reader.line_num})") from exc
    header = [c.strip() for c in header]
    width = len(header)
    for number, record in enumerate(records, start=2):
        if len(record) > width:
            raise _CSVProblem(f"is not valid CSV: row {number} has {len(record)} cells, the header {width}")
    # Short rows are padded, as spreadsheets leave trailing empty cells out.
    cells = list(zip(*(r if len(r) == width else r + [""] * (width - len(r)) for r in records))) or [()] * width
    columns: dict[str, Column] = {}
    for column, values in zip(header, cells):
        columns.setdefault(column, Column(list(values)))
    return header, columns, len(records)


def _read_with_arrow(path: Path) -> tuple[list[str], dict[str, Column], int] | None:
    """Read a large file with pyarrow; None when pyarrow is absent or the file is
    anything but clean CSV, so the csv module reads it again and names the problem."""
    try:
        import pyarrow as pa
        import pyarrow.csv as pacsv
    except ImportError:
        return None
    with path.open(encoding="utf-8-sig", newline="") as handle:
        try:
            reader = csv.reader(handle, strict=True)
            header = next(reader, None)
        except (csv.Error, UnicodeDecodeError):
            return None
        if header is None or reader.line_num != 1 or len(set(header)) != len(header):
            return None  # an empty file, a header across lines, a repeated column: the slow path explains
    placeholders = [f"c{i}" for i in range(len(header))]
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(column_names=placeholders, skip_rows=1, block_size=1 << 22),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(column_types={p: pa.string() for p in placeholders},
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, pa.ArrowException):
        return None
    header = [c.strip() for c in header]
    columns = {name: Column(table.column(i).combine_chunks()) for i, name in enumerate(header)}
    return header, columns, table.num_rows


# -- checks ---------------------------------------------------------------------------

def check_cells(frame: Frame, table: schema.Table, name: str) -> list[Problem]:
    """Checks that need only this table: required, vocabulary, dates, ids, URLs.

    Each check is one pass over a column (most over its distinct values), so
    the cost does not grow with the number of problems found.
    """
    problems: list[Problem] = []

    def flag(rows: Iterable[int], column: str, message: str, show_value: bool = True) -> None:
        cells = frame.columns[column]
        for position in rows:
            problems.append(Problem(name, position + 2, column, cells.at(position) if show_value else None, message))

    def failing(column: str, ok) -> list[int]:
        """Rows whose value fails ``ok``, testing each distinct value once."""
        cells = frame.columns[column]
        return cells.rows_with({v for v in cells.distinct() if not ok(v)})

    def not_matching(column: str, pattern: re.Pattern) -> list[int]:
        """Rows whose non-empty value does not match ``pattern`` in full."""
        cells = frame.columns[column]
        values = cells.distinct() - {""}
        # One regular-expression run over every distinct value at once (a
        # column of 200,000 ids) settles the common case: all of them match.
        if "\n" not in pattern.pattern and _all_match(pattern, values):
            return []
        return cells.rows_with({v for v in values if not pattern.fullmatch(v)})

    for column, cells in frame.columns.items():
        if cells.may_hold_control_characters():
            flag(failing(column, lambda v: not _CONTROL.search(v)), column, "contains a control character")
    for column in table.columns:
        cells = frame.columns[column.name]
        if column.required:
            flag(cells.empty_rows(), column.name, "is empty but required", show_value=False)
        if column.vocabulary:
            allowed = set(column.vocabulary)
            if column.is_list:
                suspect = {v for v in cells.distinct() if v and not all(i.strip() in allowed for i in v.split(";"))}
                for position in cells.rows_with(suspect):
                    for item in cells.at(position).split(";"):
                        if item.strip() not in allowed:
                            problems.append(Problem(name, position + 2, column.name, item.strip(),
                                                    f"is not one of: {', '.join(column.vocabulary)}"))
            else:
                flag(cells.rows_with(cells.distinct() - allowed - {""}), column.name,
                     f"is not one of: {', '.join(column.vocabulary)}")
        if column.is_date:
            flag(failing(column.name, lambda v: not v or dates.is_valid(v)), column.name,
                 "is not a date like 2018, 2018-04 or 2018-04-19")
        if column.unique and len(cells.distinct() - {""}) < len(cells) - cells.count_empty():
            # Only when a value repeats: one pass over the column names every repeat and its first row.
            first_row: dict[str, int] = {}
            for position, value in enumerate(cells.tolist()):
                if not value:
                    continue
                if value in first_row:
                    problems.append(Problem(name, position + 2, column.name, value,
                                            f"duplicates the {column.name} in row {first_row[value] + 2}"))
                else:
                    first_row[value] = position
        if (column.name == "id" or column.references) and not column.is_list:
            flag(not_matching(column.name, _ID), column.name,
                 "is not a valid id (letters, digits and . _ : - only, no spaces)")
    if "url" in frame:
        flag(not_matching("url", _URL), "url", "is not an http:// or https:// address")
    if "ori" in frame:
        flag(not_matching("ori", _ORI), "ori",
             "is not an ORI: two capital letters for the state, then seven capital letters or digits")
    for column in ("latitude", "longitude"):
        if column in frame:
            limit = 90 if column == "latitude" else 180
            flag(failing(column, lambda v, limit=limit: not v or _is_coordinate(v, limit)), column,
                 f"is not a number of degrees between -{limit} and {limit}")
    if "state" in frame:
        flag(not_matching("state", _STATE), "state",
             "is not a two-letter state code such as CA")
    if "quote" in frame:
        flag(frame.columns["quote"].rows_longer_than(schema.QUOTE_MAX_CHARS), "quote",
             f"is longer than {schema.QUOTE_MAX_CHARS} characters; quote the sentence that proves the claim",
             show_value=False)
    return problems


def _all_match(pattern: re.Pattern, values: set[str]) -> bool:
    """Whether every value matches ``pattern`` in full, tested in one run over
    the values joined by newlines (a value holding a newline fails, and is then
    looked at alone)."""
    if any("\n" in v for v in values) if len(values) < 64 else "\n" in "".join(values):
        return False
    if not values:
        return True
    joined = re.compile(f"(?:{pattern.pattern})(?:\n(?:{pattern.pattern}))*")
    return joined.fullmatch("\n".join(values)) is not None


def _is_coordinate(value: str, limit: float) -> bool:
    try:
        return -limit <= float(value) <= limit
    except ValueError:
        return False


def check_tables(frames: dict[str, Frame], origins: dict[str, Origin]) -> list[Problem]:
    """Checks across tables: references, self-loops, part_of cycles."""
    problems: list[Problem] = []
    for table in schema.TABLES:
        frame = frames[table.name]
        origin = origins[table.name]
        for column in table.columns:
            if not column.references:
                continue
            target_table, target_column = column.references.split(".")
            known = frames[target_table].columns[target_column].distinct()
            cells = frame.columns[column.name]
            if column.is_list:
                dangling = {v for v in cells.distinct() if v and any(i.strip() not in known for i in v.split(";"))}
            else:
                dangling = cells.distinct() - known - {""}
            for position in cells.rows_with(dangling):
                value = cells.at(position)
                items = [i.strip() for i in value.split(";")] if column.is_list else [value]
                file, row = origin.at(position)
                for item in items:
                    if item not in known:
                        problems.append(Problem(file, row, column.name, item,
                                                f"refers to no {target_column} in {target_table}.csv"
                                                + (" of this layer or the layers before it"
                                                   if len(set(origin.files)) > 1 else "")))
    edges = frames["edges"]
    senders, receivers = edges.columns["from"], edges.columns["to"]
    for position in _self_loops(senders, receivers):
        file, row = origins["edges"].at(position)
        problems.append(Problem(file, row, "to", receivers.at(position),
                                "is the same as 'from': an edge must move data between two nodes"))
    for table_name in ("nodes", "jurisdictions"):
        problems += _part_of_cycles(frames[table_name], origins[table_name])
    problems += _states_held_twice(frames["jurisdictions"], origins["jurisdictions"])
    return problems


def _states_held_twice(frame: Frame, origin: Origin) -> list[Problem]:
    """Each state-level jurisdiction whose state code an earlier state-level row already has.

    A node given only a state code is covered by that state's row, and the
    diagram's state box names that row's law: two rows for one state would make
    flowmap choose one of two laws silently, so the second is a problem, as a
    conflicting cell between layers is.
    """
    first: dict[str, int] = {}
    problems = []
    for position, (level, state) in enumerate(zip(frame["level"], frame["state"])):
        if level != "state" or not state:
            continue
        if state not in first:
            first[state] = position
            continue
        earlier = first[state]
        file, row = origin.at(position)
        earlier_file, earlier_row = origin.at(earlier)
        problems.append(Problem(
            file, row, "state", state,
            f"is already the state of state-level jurisdiction {frame['id'][earlier]!r} ({earlier_file} row "
            f"{earlier_row}): a state has one state-level row, which covers the nodes given only its code; use "
            "that row's id (a later layer may fill its empty cells) or give this place another level (region)"))
    return problems


def _self_loops(senders: Column, receivers: Column) -> list[int]:
    if senders._arrow is not None and receivers._arrow is not None:
        import numpy as np
        import pyarrow.compute as pc

        same = _numpy(pc.equal(senders._arrow, receivers._arrow))
        offsets, _ = _arrow_bytes(senders._arrow)
        return np.flatnonzero(same & (offsets[1:] > offsets[:-1])).tolist()
    return [i for i, (u, v) in enumerate(zip(senders.tolist(), receivers.tolist())) if u and u == v]


def _part_of_cycles(frame: Frame, origin: Origin) -> list[Problem]:
    """Each cycle of ``part_of`` links, named once, from its earliest row.

    Every node has at most one parent, so each cycle is found by walking up
    from each row, colouring the walk: plain Python, linear in the rows.
    """
    ids, parents = frame["id"], frame["part_of"]
    index_of = {v: i for i, v in enumerate(ids)}
    parent_of = {i: p for i, p in zip(ids, parents) if p}
    problems = []
    state: dict[str, int] = {}  # 1: on the current walk, 2: done
    for start in ids:
        walk = []
        current = start
        while current in parent_of and state.get(current) is None:
            state[current] = 1
            walk.append(current)
            current = parent_of[current]
        if state.get(current) == 1:  # the walk came back to itself: a cycle
            cycle = walk[walk.index(current):]
            first_at = min(range(len(cycle)), key=lambda i: index_of.get(cycle[i], 0))
            ordered = cycle[first_at:] + cycle[:first_at]  # rotate, keeping the direction
            first = ordered[0]
            file, row = origin.at(index_of[first])
            problems.append(Problem(file, row, "part_of", parents[index_of[first]],
                                    f"makes a part_of cycle: {' -> '.join(ordered + [first])}"))
        for node in walk:
            state[node] = 2
    return problems


def split_list(value: str) -> tuple[str, ...]:
    """Split a ';'-separated cell into its non-empty, stripped items.

    >>> split_list(" SFPD ; SF police;"), split_list(""), split_list("NCRIC")
    (('SFPD', 'SF police'), (), ('NCRIC',))
    """
    # Most cells are empty or hold one item: answering those without a generator halves
    # the name index of a 19,000-agency registry, which every cold `reach` builds.
    if not value:
        return ()
    if ";" not in value:
        item = value.strip()
        return (item,) if item else ()
    return tuple(item for item in (part.strip() for part in value.split(";")) if item)
