"""Write an imported layer: a dataset directory in flowmap's own schema.

Every importer (agencies, flock, 287g, contracts) builds a :class:`Layer` in
memory (plain dicts, one per row) and hands it to :func:`write_layer`, which
writes ``sources.csv``, ``nodes.csv``, ``edges.csv``, ``jurisdictions.csv``
(when the layer has rows for it) and ``matches.csv`` (every name-resolution
decision, see :mod:`flowmap.importers.resolve`) into a temporary directory
beside the target, validates it with flowmap's own loader, and only then
renames it into place. On any error nothing is left behind: neither a
half-written layer nor the temporary directory, and a layer already at the
target is kept.

Example
-------
>>> import tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp()) / "layer"
>>> layer = Layer()
>>> layer.sources.append({"id": "src", "title": "A list", "publisher": "Someone"})
>>> layer.nodes.append({"id": "a", "name": "A", "kind": "agency", "state": "CA"})
>>> layer.nodes.append({"id": "b", "name": "B", "kind": "agency"})
>>> layer.edges.append({"id": "a-b", "from": "a", "to": "b", "data": "licence_plate_reads",
...                     "mechanism": "database_access", "evidence": "capability", "citation": "src",
...                     "locator": "row 2", "quote": "A,B"})
>>> sorted(p.name for p in write_layer(layer, out).iterdir())
['edges.csv', 'matches.csv', 'nodes.csv', 'sources.csv']
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .. import schema
from ..errors import DataError, InputError, Problem
from ..load import load_tables

#: Node columns an imported layer may fill beyond the curated schema (the shared
#: schema decision of the multi-layer work): the FBI ORI, county names
#: (';'-separated), coordinates and the FBI's agency type.
NODE_EXTRA_COLUMNS: tuple[str, ...] = ("ori", "county", "latitude", "longitude", "agency_type")
EDGE_EXTRA_COLUMNS: tuple[str, ...] = ("url",)
SOURCE_EXTRA_COLUMNS: tuple[str, ...] = ("sha256", "retrieved")

#: ``matches.csv``: one row per name an importer resolved (or failed to).
MATCH_COLUMNS: tuple[str, ...] = ("input_name", "state", "node_id", "ori", "method", "score", "reason")

_EXTRA = {"nodes": NODE_EXTRA_COLUMNS, "edges": EDGE_EXTRA_COLUMNS, "sources": SOURCE_EXTRA_COLUMNS,
          "jurisdictions": ()}


def columns(table: str) -> list[str]:
    """The header an importer writes for ``table``: the schema's columns, then the extras.

    Columns the schema already defines (once the loader knows ``ori`` and the
    rest) are not repeated.

    >>> columns("nodes")[:3]
    ['id', 'name', 'kind']
    >>> "ori" in columns("nodes")
    True
    """
    names = [c.name for c in next(t for t in schema.TABLES if t.name == table).columns]
    return names + [c for c in _EXTRA[table] if c not in names]


@dataclass
class Layer:
    """The rows of one layer, as dicts keyed by column name (missing keys are written empty).

    ``matches`` holds one dict per resolution decision, keyed by
    :data:`MATCH_COLUMNS` (see :meth:`flowmap.importers.resolve.Match.row`).
    """

    sources: list[dict] = field(default_factory=list)
    jurisdictions: list[dict] = field(default_factory=list)
    nodes: list[dict] = field(default_factory=list)
    edges: list[dict] = field(default_factory=list)
    matches: list[dict] = field(default_factory=list)


@dataclass
class Result:
    """What an importer's ``build_layer`` made: the layer (not yet written) and the
    figures of its closing summary, which the CLI prints."""

    layer: Layer
    summary: dict


def sha256_file(path: str | os.PathLike) -> str:
    """The hex SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def source_row(path: str | os.PathLike, *, id: str, title: str, publisher: str, date: str = "",
               url: str = "", notes: str = "", retrieved: str | None = None) -> dict:
    """The ``sources.csv`` row for an input file: its metadata, sha256 and retrieval date.

    Parameters
    ----------
    path
        The input file as read; its SHA-256 is recorded so a reader can check
        that the layer was built from the same bytes.
    id, title, publisher, date, url, notes
        The sources columns (``date`` is the document's publication date).
    retrieved
        When the file was downloaded (ISO date). Default: the file's
        modification date, which for a file saved from the web is when it was
        saved; importers that download pass today's date.
    """
    path = Path(path)
    if retrieved is None:
        retrieved = dt.date.fromtimestamp(path.stat().st_mtime).isoformat()
    return {"id": id, "title": title, "publisher": publisher, "date": date, "url": url, "document": "",
            "notes": notes, "sha256": sha256_file(path), "retrieved": retrieved}


def _write_csv(path: Path, header: list[str], rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, extrasaction="raise", lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if v is None else str(v) for k, v in row.items()})


def write_layer(layer: Layer, directory: str | os.PathLike, *, validate: bool = True) -> Path:
    """Write ``layer`` to ``directory`` atomically and return the directory.

    The files are written to a temporary directory beside ``directory`` (same
    file system, so the final rename is atomic), checked with
    :func:`flowmap.load.load_tables` when ``validate`` is true, and renamed
    into place. An existing layer at ``directory`` (a directory holding a
    ``nodes.csv`` or nothing at all) is replaced; any other existing path is
    refused, so ``-o`` cannot wipe a directory that is not a layer.

    Raises
    ------
    InputError
        ``directory`` exists and is not a layer, or a row has a column the
        table does not have.
    DataError
        The layer does not validate (an importer bug, or input that slipped
        through): nothing is written.
    """
    target = Path(directory)
    if target.exists():
        if not target.is_dir():
            raise InputError([Problem(str(target), None, None, None, "exists and is not a directory")])
        if any(target.iterdir()) and not (target / "nodes.csv").exists():
            raise InputError([Problem(str(target), None, None, None,
                                      "exists, is not empty and is not a flowmap layer (no nodes.csv): "
                                      "choose another -o directory")])
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    old: Path | None = None
    try:
        tables = {"sources": layer.sources, "nodes": layer.nodes, "edges": layer.edges}
        if layer.jurisdictions:
            tables["jurisdictions"] = layer.jurisdictions
        for name, rows in tables.items():
            header = columns(name)
            unknown = sorted({k for row in rows for k in row} - set(header))
            if unknown:
                raise InputError([Problem(f"{name}.csv", None, ", ".join(unknown), None,
                                          "an importer produced columns the table does not have")])
            _write_csv(temp / f"{name}.csv", header, rows)
        _write_csv(temp / "matches.csv", list(MATCH_COLUMNS), layer.matches)
        if validate:
            try:
                load_tables(temp)
            except DataError as exc:
                # Name the target, not the temporary directory the user never sees.
                raise DataError([Problem(p.file.replace(str(temp), str(target)), p.row, p.column, p.value,
                                         p.message) for p in exc.problems]) from None
        if target.exists():
            old = target.with_name(f".{target.name}.old-{os.getpid()}")
            target.rename(old)
        temp.rename(target)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        if old is not None and not target.exists():
            old.rename(target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return target


def read_text_input(path: str | os.PathLike, name: str | None = None) -> str:
    """The text of an input file, or an :class:`InputError` naming it (``name``, else the path).

    One place for what every CSV and JSON importer checks first: readable, UTF-8 (a spreadsheet's
    byte-order mark dropped), not empty.
    """
    name = name or str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError([Problem(name, None, None, None, f"is not UTF-8 text (bad byte at offset {exc.start})")]) \
            from None
    except OSError as exc:
        raise InputError([Problem(name, None, None, None, f"cannot be read: {exc.strerror or exc}")]) from None
    if not text.strip():
        raise InputError([Problem(name, None, None, None, "is empty")])
    return text
