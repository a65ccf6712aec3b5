"""Read a dataset directory and check it against :mod:`flowmap.schema`.

Every check collects :class:`~flowmap.errors.Problem` objects instead of
stopping at the first one, so ``flowmap validate`` can report them all at once.
Checks are vectorised with pandas because imported sharing lists run to
hundreds of thousands of rows.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import pandas as pd

from . import dates, schema
from .errors import DataError, Problem

ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._:-]*"
URL_PATTERN = r"https?://[^\s\"'<>\\]+"
STATE_PATTERN = r"[A-Z]{2}"
#: The FBI's Originating Agency Identifier: two letters for the state, then seven letters or digits.
ORI_PATTERN = r"[A-Z]{2}[A-Z0-9]{7}"
# Control characters other than tab and newline have no business in a CSV cell
# and break terminals and XML output.
CONTROL_CHARS = r"[\x00-\x08\x0b-\x1f\x7f]"


@dataclass
class Origin:
    """Where each row of a merged table came from: its file and spreadsheet row."""

    files: list[str]
    rows: list[int]  # 2 is the first data row

    def at(self, index: int) -> tuple[str, int]:
        return self.files[index], self.rows[index]


@dataclass
class Tables:
    """The validated tables of a dataset (one or several layers merged), each a DataFrame of strings."""

    directories: tuple[Path, ...]
    sources: pd.DataFrame
    jurisdictions: pd.DataFrame
    designations: pd.DataFrame
    nodes: pd.DataFrame
    edges: pd.DataFrame
    #: table name -> where each row came from, for messages that name a layer's file and row
    origins: dict[str, Origin] = field(default_factory=dict, repr=False)
    #: node ids a later layer gave to a node an earlier layer already had (same ORI) -> the kept id
    merged_ids: dict[str, str] = field(default_factory=dict)

    @property
    def directory(self) -> Path | None:
        """The first layer's directory (the whole dataset when there is one layer); None when built in memory."""
        return self.directories[0] if self.directories else None


def as_directories(directories: str | os.PathLike | Iterable[str | os.PathLike]) -> tuple[Path, ...]:
    if isinstance(directories, (str, os.PathLike)):
        return (Path(directories),)
    return tuple(Path(d) for d in directories)


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
    layers: list[tuple[Path, dict[str, pd.DataFrame]]] = []
    for position, directory in enumerate(directories):
        frames: dict[str, pd.DataFrame] = {}
        for table in schema.TABLES:
            # The first layer is a whole dataset; a later one may hold only the tables it adds to.
            frame, read_problems = read_table(directory / table.filename, table, optional=position > 0)
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
    return Tables(directories, frames["sources"], frames["jurisdictions"], frames["designations"],
                  frames["nodes"], frames["edges"], origins, merged_ids)


#: Columns whose ';'-separated items are united, not compared, when layers describe one row.
_UNITED_COLUMNS = {"aliases", "county"}


def merge_layers(layers: list[tuple[Path, dict[str, pd.DataFrame]]]):
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
    frames: dict[str, pd.DataFrame] = {}
    origins: dict[str, Origin] = {}
    problems: list[Problem] = []
    for table in schema.TABLES:
        parts = [(str(directory / table.filename), layer[table.name]) for directory, layer in layers]
        files = [name for name, frame in parts for _ in range(len(frame))]
        rows = [row for _, frame in parts for row in range(2, len(frame) + 2)]
        if len(parts) == 1:
            frame = parts[0][1]
        else:
            columns = list(dict.fromkeys(c for _, f in parts for c in f.columns))
            frame = pd.concat([f.reindex(columns=columns, fill_value="") for _, f in parts], ignore_index=True)
            frame = frame.fillna("")
            keep, found = _merge_rows(frame, "id", files, rows, strict=True)
            problems += found
            frame, files, rows = _keep(frame, keep, files, rows)
        frames[table.name] = frame
        origins[table.name] = Origin(files, rows)
    merged_ids: dict[str, str] = {}
    if len(layers) > 1:
        nodes, origin = frames["nodes"], origins["nodes"]
        keep, _ = _merge_rows(nodes, "ori", origin.files, origin.rows, strict=False, redirected=merged_ids)
        if merged_ids:
            nodes, files, rows = _keep(nodes, keep, origin.files, origin.rows)
            frames["nodes"], origins["nodes"] = nodes, Origin(files, rows)
            nodes["part_of"] = _redirect(nodes["part_of"], merged_ids)
            edges = frames["edges"]
            for column in ("from", "to", "requested_by"):
                edges[column] = _redirect(edges[column], merged_ids)
    return frames, origins, merged_ids, problems


def _merge_rows(frame: pd.DataFrame, key: str, files: list[str], rows: list[int], *, strict: bool,
                redirected: dict[str, str] | None = None) -> tuple[list[bool], list[Problem]]:
    """Fold rows sharing ``key`` (across files) into the first; return which rows to keep."""
    values = frame[key]
    keep = [True] * len(frame)
    problems: list[Problem] = []
    duplicated = (values != "") & values.duplicated(keep=False)
    if not duplicated.any():
        return keep, problems
    columns = [c for c in frame.columns if c != key]
    for _, group in frame[duplicated].groupby(key, sort=False):
        first, *later_rows = group.index.tolist()
        for later in later_rows:
            if files[later] == files[first]:
                continue  # a duplicate within one file: check_cells names it
            keep[later] = False
            if redirected is not None:
                redirected[frame.at[later, "id"]] = frame.at[first, "id"]
                extra = [frame.at[later, "id"], frame.at[later, "name"]]
                known = set(split_list(frame.at[first, "aliases"])) | {frame.at[first, "name"], frame.at[first, "id"]}
                added = [a for a in extra if a not in known]
                if added:
                    frame.at[first, "aliases"] = ";".join([*split_list(frame.at[first, "aliases"]), *added])
            for column in columns:
                old, new = frame.at[first, column], frame.at[later, column]
                if not new or new == old or (redirected is not None and column in ("id", "name")):
                    continue
                if column in _UNITED_COLUMNS:
                    items = list(dict.fromkeys([*split_list(old), *split_list(new)]))
                    frame.at[first, column] = ";".join(items)
                elif column == "name" and "aliases" in frame.columns:
                    # Records spell one agency differently ("Jacksonville SO", "Jacksonville Sheriff's
                    # Office"): the first name stays and the later spelling becomes an alias.
                    aliases = split_list(frame.at[first, "aliases"])
                    if new not in aliases:
                        frame.at[first, "aliases"] = ";".join([*aliases, new])
                elif not old:
                    frame.at[first, column] = new
                elif strict:
                    problems.append(Problem(files[later], rows[later], column, new,
                                            f"conflicts with {files[first]} row {rows[first]} for the same "
                                            f"{key} {frame.at[first, key]!r} (value there: {old!r}); a later "
                                            "layer may fill empty cells but not change them"))
    return keep, problems


def _keep(frame: pd.DataFrame, keep: list[bool], files: list[str], rows: list[int]):
    if all(keep):
        return frame, files, rows
    kept = frame[keep].reset_index(drop=True)
    return kept, [f for f, k in zip(files, keep) if k], [r for r, k in zip(rows, keep) if k]


def _redirect(values: pd.Series, redirected: dict[str, str]) -> pd.Series:
    return pd.Series([redirected.get(v, v) for v in values.tolist()], index=values.index, dtype=object)


def empty_frame(table: schema.Table) -> pd.DataFrame:
    return pd.DataFrame({c.name: pd.Series(dtype=object) for c in table.columns})


def read_table(path: Path, table: schema.Table, optional: bool = False) -> tuple[pd.DataFrame, list[Problem]]:
    """Read one CSV as strings; report unreadable files and missing columns."""
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
        # utf-8-sig: spreadsheets often save a byte-order mark.
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False,
                            encoding="utf-8-sig", quoting=csv.QUOTE_MINIMAL)
    except UnicodeDecodeError as exc:
        return empty_frame(table), [Problem(name, None, None, None,
                                            f"is not UTF-8 text (bad byte at offset {exc.start}); "
                                            "save it as UTF-8 CSV")]
    except pd.errors.EmptyDataError:
        return empty_frame(table), [Problem(name, None, None, None, "is empty: it needs a header row")]
    except (pd.errors.ParserError, csv.Error) as exc:
        return empty_frame(table), [Problem(name, None, None, None, f"is not valid CSV: {exc}")]
    except OSError as exc:  # unreadable: permissions, a broken link, a device
        return empty_frame(table), [Problem(name, None, None, None, f"cannot be read: {exc.strerror or exc}")]
    frame.columns = [str(c).strip() for c in frame.columns]
    problems = []
    duplicated = frame.columns[frame.columns.duplicated()].unique()
    for column in duplicated:
        problems.append(Problem(name, 1, column, None, "column appears more than once in the header"))
    missing = [c for c in table.columns if c.name not in frame.columns]
    for column in missing:
        if column.required:
            problems.append(Problem(name, 1, column.name, None, "required column is missing from the header"))
        else:
            frame[column.name] = ""
    if problems:
        return empty_frame(table), problems
    frame = frame.apply(_strip)
    return frame, check_cells(frame, table, name)


def _strip(column: pd.Series) -> pd.Series:
    """``column.str.strip()`` in plain Python (pandas' string methods cost far
    more per cell), returning the column itself when nothing needed stripping."""
    values = column.tolist()
    stripped = [v.strip() for v in values]
    if stripped == values:
        return column
    return pd.Series(stripped, index=column.index, dtype=column.dtype, name=column.name)


_CONTROL = re.compile(CONTROL_CHARS)
_ID = re.compile(ID_PATTERN)


def _failing(values: pd.Series, ok) -> pd.Series:
    """Mask of the cells whose value fails ``ok``, testing each distinct value once."""
    bad = {v for v in set(values.tolist()) if not ok(v)}
    return values.isin(bad) if bad else pd.Series(False, index=values.index)


def _present(values: pd.Series) -> pd.Series:
    """``values != ""``, compared in numpy (pandas' string comparison checks for missing values first)."""
    return pd.Series(values.to_numpy() != "", index=values.index)


def _rows(mask: pd.Series) -> list[int]:
    """Spreadsheet row numbers (header = 1) of the True entries."""
    return [int(i) + 2 for i in mask[mask].index]


def check_cells(frame: pd.DataFrame, table: schema.Table, name: str) -> list[Problem]:
    """Checks that need only this table: required, vocabulary, dates, ids, URLs."""
    problems: list[Problem] = []

    def flag(mask: pd.Series, column: str, message: str, show_value: bool = True) -> None:
        for row in _rows(mask):
            value = frame.at[row - 2, column] if show_value else None
            problems.append(Problem(name, row, column, value, message))

    for column in frame.columns:
        # Fast path: a column whose joined text is printable has no control character.
        if not "".join(frame[column].tolist()).isprintable():
            flag(_failing(frame[column], lambda v: not _CONTROL.search(v)), column,
                 "contains a control character")
    for column in table.columns:
        values = frame[column.name]
        present = _present(values)
        if column.required:
            flag(~present, column.name, "is empty but required", show_value=False)
        if column.vocabulary:
            if column.is_list:
                allowed = set(column.vocabulary)
                suspect = _failing(values[present],
                                   lambda v, allowed=allowed: all(i.strip() in allowed for i in v.split(";")))
                items = values[present][suspect].str.split(";").explode().str.strip()
            else:
                items = values[present]
            bad = items[~items.isin(column.vocabulary)]
            for index, value in bad.items():
                problems.append(Problem(name, int(index) + 2, column.name, value,
                                        f"is not one of: {', '.join(column.vocabulary)}"))
        if column.is_date:
            distinct = values[present].unique()
            invalid = {v for v in distinct if not dates.is_valid(v)}
            flag(values.isin(invalid), column.name, "is not a date like 2018, 2018-04 or 2018-04-19")
        if column.unique:
            duplicate = present & values.duplicated(keep=False)
            first_row = {v: int(values[values == v].index[0]) + 2 for v in values[duplicate].unique()}
            for row in _rows(duplicate):
                value = frame.at[row - 2, column.name]
                if first_row[value] != row:
                    problems.append(Problem(name, row, column.name, value,
                                            f"duplicates the {column.name} in row {first_row[value]}"))
        if column.name == "id" or column.references:
            if column.is_list:
                continue  # list references are checked item by item in check_tables
            malformed = present & _failing(values, _ID.fullmatch)
            flag(malformed, column.name,
                 "is not a valid id (letters, digits and . _ : - only, no spaces)")
    if "url" in frame.columns:
        url = frame["url"]
        flag((url != "") & ~url.str.fullmatch(URL_PATTERN), "url",
             "is not an http:// or https:// address")
    if "ori" in frame.columns:
        ori = frame["ori"]
        flag((ori != "") & ~ori.str.fullmatch(ORI_PATTERN), "ori",
             "is not an ORI: two capital letters for the state, then seven capital letters or digits")
    for column in ("latitude", "longitude"):
        if column in frame.columns:
            limit = 90 if column == "latitude" else 180
            flag(_failing(frame[column], lambda v, limit=limit: not v or _is_coordinate(v, limit)), column,
                 f"is not a number of degrees between -{limit} and {limit}")
    if "state" in frame.columns:
        state = frame["state"]
        flag((state != "") & ~state.str.fullmatch(STATE_PATTERN), "state",
             "is not a two-letter state code such as CA")
    if "quote" in frame.columns:
        flag(frame["quote"].str.len() > schema.QUOTE_MAX_CHARS, "quote",
             f"is longer than {schema.QUOTE_MAX_CHARS} characters; quote the sentence that proves the claim",
             show_value=False)
    return problems


def _is_coordinate(value: str, limit: float) -> bool:
    try:
        return -limit <= float(value) <= limit
    except ValueError:
        return False


def check_tables(frames: dict[str, pd.DataFrame], origins: dict[str, Origin]) -> list[Problem]:
    """Checks across tables: references, self-loops, part_of cycles."""
    problems: list[Problem] = []
    for table in schema.TABLES:
        frame = frames[table.name]
        origin = origins[table.name]
        for column in table.columns:
            if not column.references:
                continue
            target_table, target_column = column.references.split(".")
            known = set(frames[target_table][target_column].tolist())
            values = frame[column.name]
            present = values != ""
            items = values[present].str.split(";").explode().str.strip() if column.is_list else values[present]
            dangling = items[~items.isin(known)]
            for index, value in dangling.items():
                file, row = origin.at(int(index))
                problems.append(Problem(file, row, column.name, value,
                                        f"refers to no {target_column} in {target_table}.csv"
                                        + (" of this layer or the layers before it"
                                           if len(set(origin.files)) > 1 else "")))
    edges = frames["edges"]
    loops = (edges["from"] == edges["to"]) & (edges["from"] != "")
    for index in loops[loops].index:
        file, row = origins["edges"].at(int(index))
        problems.append(Problem(file, row, "to", edges.at[index, "to"],
                                "is the same as 'from': an edge must move data between two nodes"))
    for table_name in ("nodes", "jurisdictions"):
        problems += _part_of_cycles(frames[table_name], origins[table_name])
    return problems


def _part_of_cycles(frame: pd.DataFrame, origin: Origin) -> list[Problem]:
    linked = frame[frame["part_of"] != ""]
    graph = nx.DiGraph(zip(linked["id"], linked["part_of"]))
    index_of = {v: int(i) for i, v in frame["id"].items()}
    problems = []
    for cycle in nx.simple_cycles(graph):
        start = min(range(len(cycle)), key=lambda i: index_of.get(cycle[i], 0))
        ordered = cycle[start:] + cycle[:start]  # rotate, keeping the direction
        first = ordered[0]
        loop = " -> ".join(ordered + [first])
        file, row = origin.at(index_of[first])
        problems.append(Problem(file, row, "part_of", frame.at[index_of[first], "part_of"],
                                f"makes a part_of cycle: {loop}"))
    return problems


def split_list(value: str) -> tuple[str, ...]:
    """Split a ';'-separated cell into its non-empty, stripped items."""
    return tuple(item for item in (part.strip() for part in value.split(";")) if item)

