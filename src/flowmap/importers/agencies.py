"""``flowmap import agencies``: the FBI's agency list (ORI codes) as a registry layer.

The registry is one node per agency, its id the agency's ORI (the FBI's
nine-character Originating Agency Identifier), with the ``ori``, name,
``agency_type``, ``state``, ``county`` (``;``-separated) and coordinates where
the list gives them. It has no edges: other layers resolve their agency names
to it (:mod:`flowmap.importers.resolve`).

Inputs, as users get them:

- the CSV the FBI list is kept as (columns ``ori, agency_name, agency_type_name,
  state_abbr, county_name`` in any order, optionally ``latitude, longitude`` and
  others, which are ignored; an unnamed index column is ignored too);
- the JSON the Crime Data Explorer API returns (``agency/byStateAbbr/{ST}``: an
  object of counties, each a list of agencies; or the older ``api/agencies``: an
  object of states, each an object of ORIs): every object with ``ori`` and
  ``agency_name`` is an agency; ``counties`` is read like ``county_name``.

Documented handling of the list's quirks:

- ``NULL``, ``N/A`` and empty cells are empty; an empty ORI, name or state is an error.
- Several counties in one cell (``A; B``) are kept, ``;``-separated.
- Nebraska is ``NB`` in the 2018 pull: written ``NE`` (ORIs keep their ``NB``); Guam, ``GM``
  in both pulls, is written ``GU``.
- A doubled suffix (``… Police Department Police Department``) is written once in
  the name; the FBI's spelling is kept as an alias.
- A duplicate ORI, an ORI not of the shape two letters + seven letters or digits,
  an unknown state code, a coordinate that is not a number in range: an error
  naming the file, row, column and value. Every problem is reported at once and
  no layer is written.
"""

from __future__ import annotations

import csv
import json
import os
import re
from collections.abc import Callable
from pathlib import Path

from ..errors import InputError, Problem
from . import layer as layers
from .resolve import normalise, state_code

ORI_PATTERN = re.compile(r"[A-Z]{2}[A-Z0-9]{7}")
REQUIRED_COLUMNS = ("ori", "agency_name", "agency_type_name", "state_abbr")
COUNTY_COLUMNS = ("county_name", "counties")
MISSING = frozenset({"", "NULL", "N/A", "NA", "NONE", "NAN"})

TITLE = "FBI Uniform Crime Reporting agency list (ORI codes), Crime Data Explorer"
PUBLISHER = "Federal Bureau of Investigation"
URL = "https://cde.ucr.cjis.gov/LATEST/webapp/#/pages/docApi"

Progress = Callable[[int], None]


def _clean(value) -> str:
    if value is None:
        return ""
    text = " ".join(str(value).split())
    return "" if text.upper() in MISSING else text


def _display_name(name: str) -> str:
    """The FBI name with a doubled suffix written once (``… Police Department Police Department``)."""
    for suffix in ("Police Department", "Sheriff's Office", "Department of Public Safety"):
        doubled = f"{suffix} {suffix}"
        while name.endswith(doubled):
            name = name[: -len(suffix) - 1]
    return name


def read_records(path: str | os.PathLike) -> list[tuple[int, str, dict]]:
    """The agency records of an FBI list file: (row or record number, locator kind, fields).

    CSV rows are numbered as a spreadsheet shows them (header = 1); JSON
    records in file order from 1. Raises :class:`InputError` for a file that
    cannot be read or is not the FBI list (wrong columns).
    """
    path = Path(path)
    name = str(path)
    text = layers.read_text_input(path, name)
    if text.lstrip()[:1] in "[{":
        return _json_records(text, name)
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in reader.fieldnames or []]
    reader.fieldnames = header
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if not any(c in header for c in COUNTY_COLUMNS):
        missing.append("county_name")
    if missing:
        raise InputError([Problem(name, 1, c, None, "required column is missing: this does not look like the "
                                  "FBI agency list (columns ori, agency_name, agency_type_name, state_abbr, "
                                  "county_name)") for c in missing])
    try:
        return [(number, "row", row) for number, row in enumerate(reader, start=2)]
    except csv.Error as exc:
        raise InputError([Problem(name, reader.line_num, None, None, f"is not valid CSV: {exc}")]) from None


def _json_records(text: str, name: str) -> list[tuple[int, str, dict]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError([Problem(name, exc.lineno, None, None, f"is not valid JSON: {exc.msg}")]) from None
    found: list[dict] = []

    def walk(value) -> None:
        if isinstance(value, dict):
            if "ori" in value and "agency_name" in value:
                found.append(value)
                return
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(data)
    if not found:
        raise InputError([Problem(name, None, None, None, "holds no agency records (objects with 'ori' and "
                                  "'agency_name'): this does not look like the Crime Data Explorer's agency list")])
    return [(number, "record", record) for number, record in enumerate(found, start=1)]


def node_rows(path: str | os.PathLike, source_id: str, progress: Progress | None = None) -> list[dict]:
    """Parse an FBI list file into registry node rows (see the module docstring).

    ``progress`` is called with the number of records handled since the last call.
    Raises :class:`InputError` listing every problem.
    """
    name = str(path)
    records = read_records(path)
    problems: list[Problem] = []
    rows: list[dict] = []
    first_row: dict[str, int] = {}

    def problem(number: int, kind: str, column: str, value, message: str) -> None:
        # JSON records are not rows: say "record N" in the message, keep the row slot for CSV.
        if kind == "row":
            problems.append(Problem(name, number, column, value, message))
        else:
            problems.append(Problem(name, None, column, value, f"record {number}: {message}"))

    for i, (number, kind, record) in enumerate(records):
        if progress and i % 1000 == 999:
            progress(1000)
        ori = _clean(record.get("ori"))
        agency = _clean(record.get("agency_name"))
        state_text = _clean(record.get("state_abbr"))
        if not ori:
            problem(number, kind, "ori", None, "is empty: every agency needs its ORI")
            continue
        if not ORI_PATTERN.fullmatch(ori):
            problem(number, kind, "ori", ori, "is not an ORI (two capital letters, then seven capital letters "
                    "or digits, e.g. CA0010900)")
            continue
        if ori in first_row:
            problem(number, kind, "ori", ori, f"duplicates the ORI in {kind} {first_row[ori]}")
            continue
        first_row[ori] = number
        if not agency:
            problem(number, kind, "agency_name", None, "is empty")
        state = state_code(state_text) if state_text else None
        if state is None:
            problem(number, kind, "state_abbr", state_text or None,
                    "is not a state code" if state_text else "is empty")
        coordinates = {}
        for column in ("latitude", "longitude"):
            value = _clean(record.get(column))
            if value:
                limit = 90 if column == "latitude" else 180
                try:
                    number_value = float(value)
                except ValueError:
                    number_value = None
                if number_value is None or not -limit <= number_value <= limit:
                    problem(number, kind, column, value, f"is not a {column} (a number from -{limit} to {limit})")
                    value = ""
            coordinates[column] = value
        county_raw = next((record[c] for c in COUNTY_COLUMNS if record.get(c) is not None), "")
        if isinstance(county_raw, list):
            county_raw = ";".join(str(c) for c in county_raw)
        counties = [c for c in (_clean(part) for part in str(county_raw).split(";")) if c]
        display = _display_name(agency)
        rows.append({
            "id": ori, "name": display, "kind": "agency",
            "aliases": agency if display != agency else "",
            "state": state or "", "citation": source_id,
            "ori": ori, "county": ";".join(counties),
            "latitude": coordinates.get("latitude", ""), "longitude": coordinates.get("longitude", ""),
            "agency_type": _clean(record.get("agency_type_name")),
        })
    if progress:
        progress(len(records) % 1000)
    if problems:
        raise InputError(problems)
    if not rows:
        raise InputError([Problem(name, None, None, None, "has a header but no agencies")])
    return rows


def source_for(path: str | os.PathLike, retrieved: str | None = None, url: str = URL) -> dict:
    """The sources row for an FBI list file; its id carries the file's hash, so two pulls never clash."""
    row = layers.source_row(path, id="fbi-agencies", title=TITLE, publisher=PUBLISHER, url=url,
                            retrieved=retrieved,
                            notes=f"Agency list as read from {Path(path).name}. One node per ORI; no edges.")
    row["id"] = f"fbi-agencies-{row['sha256'][:10]}"
    return row


def build_layer(path: str | os.PathLike, *, retrieved: str | None = None, url: str | None = None,
                progress: Progress | None = None) -> layers.Layer:
    """The registry layer for an FBI list file (not yet written: see :func:`import_agencies`)."""
    source = source_for(path, retrieved, url or URL)
    nodes = node_rows(path, source["id"], progress)
    return layers.Layer(sources=[source], nodes=nodes)


def import_agencies(path: str | os.PathLike, output: str | os.PathLike, *, retrieved: str | None = None,
                    url: str | None = None, progress: Progress | None = None) -> dict:
    """Import an FBI list into a registry layer at ``output``; return the summary.

    The summary: ``{"rows", "nodes", "states", "with_coordinates", "several_counties", "renamed",
    "output"}``.
    """
    layer = build_layer(path, retrieved=retrieved, url=url, progress=progress)
    layers.write_layer(layer, output)
    nodes = layer.nodes
    return {
        "rows": len(nodes), "nodes": len(nodes), "states": len({n["state"] for n in nodes}),
        "with_coordinates": sum(1 for n in nodes if n["latitude"] and n["longitude"]),
        "several_counties": sum(1 for n in nodes if ";" in n["county"]),
        "renamed": sum(1 for n in nodes if n["aliases"]),
        "output": str(output),
    }


def read_registry(path: str | os.PathLike, progress: Progress | None = None) -> tuple[list[dict], list[dict]]:
    """The registry's node rows and sources rows, from a registry layer directory or an FBI list file.

    Other importers call this for ``--registry DIR|FILE``.
    """
    path = Path(path)
    if path.is_dir():
        from ..load import load_tables

        tables = load_tables(path)
        nodes = tables.nodes
        if "ori" not in nodes.columns:
            raise InputError([Problem(str(path / "nodes.csv"), 1, "ori", None,
                                      "column is missing: this is not a registry layer "
                                      "(make one with `flowmap import agencies`)")])
        registry = nodes[nodes["ori"] != ""]
        used = set(registry["citation"])
        sources = tables.sources[tables.sources["id"].isin(used)]
        return registry.to_dict("records"), sources.to_dict("records")
    source = source_for(path)
    return node_rows(path, source["id"], progress), [source]


__all__ = ["build_layer", "import_agencies", "node_rows", "read_records", "read_registry", "source_for",
           "normalise"]
