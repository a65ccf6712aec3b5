"""Read a dataset directory and check it against :mod:`flowmap.schema`.

Every check collects :class:`~flowmap.errors.Problem` objects instead of
stopping at the first one, so ``flowmap validate`` can report them all at once.
Checks are vectorised with pandas because imported sharing lists run to
hundreds of thousands of rows.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import pandas as pd

from . import dates, schema
from .errors import DataError, Problem

ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._:-]*"
URL_PATTERN = r"https?://[^\s\"'<>\\]+"
STATE_PATTERN = r"[A-Z]{2}"
# Control characters other than tab and newline have no business in a CSV cell
# and break terminals and XML output.
CONTROL_CHARS = r"[\x00-\x08\x0b-\x1f\x7f]"


@dataclass
class Tables:
    """The validated tables of one dataset, each a DataFrame of strings."""

    directory: Path
    sources: pd.DataFrame
    jurisdictions: pd.DataFrame
    nodes: pd.DataFrame
    edges: pd.DataFrame


def load_tables(directory: str | Path) -> Tables:
    """Read and validate every table in ``directory``.

    Raises :class:`~flowmap.errors.DataError` listing every problem found.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise DataError([Problem(str(directory), None, None, None,
                                 "is not a directory (check --data or FLOWMAP_DATA)")])
    problems: list[Problem] = []
    frames: dict[str, pd.DataFrame] = {}
    for table in schema.TABLES:
        frame, read_problems = read_table(directory / table.filename, table)
        problems += read_problems
        frames[table.name] = frame
    # Cross-file checks need every file's columns; cell problems don't stop them,
    # so one run reports dangling references alongside bad values.
    if not any(p.row is None or p.row == 1 for p in problems):
        problems += check_tables(frames, directory)
    if problems:
        raise DataError(problems)
    return Tables(directory, frames["sources"], frames["jurisdictions"], frames["nodes"], frames["edges"])


def empty_frame(table: schema.Table) -> pd.DataFrame:
    return pd.DataFrame({c.name: pd.Series(dtype=object) for c in table.columns})


def read_table(path: Path, table: schema.Table) -> tuple[pd.DataFrame, list[Problem]]:
    """Read one CSV as strings; report unreadable files and missing columns."""
    name = str(path)
    if not path.exists():
        if table.optional:
            return empty_frame(table), []
        return empty_frame(table), [Problem(name, None, None, None, "file not found")]
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
                                            f"duplicates the id in row {first_row[value]}"))
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
    if "state" in frame.columns:
        state = frame["state"]
        flag((state != "") & ~state.str.fullmatch(STATE_PATTERN), "state",
             "is not a two-letter state code such as CA")
    if "quote" in frame.columns:
        flag(frame["quote"].str.len() > schema.QUOTE_MAX_CHARS, "quote",
             f"is longer than {schema.QUOTE_MAX_CHARS} characters; quote the sentence that proves the claim",
             show_value=False)
    return problems


def check_tables(frames: dict[str, pd.DataFrame], directory: Path) -> list[Problem]:
    """Checks across tables: references, self-loops, part_of cycles."""
    problems: list[Problem] = []
    for table in schema.TABLES:
        frame = frames[table.name]
        name = str(directory / table.filename)
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
                problems.append(Problem(name, int(index) + 2, column.name, value,
                                        f"refers to no {target_column} in {target_table}.csv"))
    edges = frames["edges"]
    loops = (edges["from"] == edges["to"]) & (edges["from"] != "")
    for row in _rows(loops):
        problems.append(Problem(str(directory / "edges.csv"), row, "to", edges.at[row - 2, "to"],
                                "is the same as 'from': an edge must move data between two nodes"))
    for table_name in ("nodes", "jurisdictions"):
        problems += _part_of_cycles(frames[table_name], str(directory / f"{table_name}.csv"))
    return problems


def _part_of_cycles(frame: pd.DataFrame, name: str) -> list[Problem]:
    linked = frame[frame["part_of"] != ""]
    graph = nx.DiGraph(zip(linked["id"], linked["part_of"]))
    row_of = {v: int(i) + 2 for i, v in frame["id"].items()}
    problems = []
    for cycle in nx.simple_cycles(graph):
        start = min(range(len(cycle)), key=lambda i: row_of.get(cycle[i], 0))
        ordered = cycle[start:] + cycle[:start]  # rotate, keeping the direction
        first = ordered[0]
        loop = " -> ".join(ordered + [first])
        problems.append(Problem(name, row_of.get(first), "part_of", frame.at[row_of[first] - 2, "part_of"],
                                f"makes a part_of cycle: {loop}"))
    return problems


def split_list(value: str) -> tuple[str, ...]:
    """Split a ';'-separated cell into its non-empty, stripped items."""
    return tuple(item for item in (part.strip() for part in value.split(";")) if item)

