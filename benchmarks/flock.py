"""Turn the Flock sharing list published by The News & Observer into a flowmap
dataset, for benchmarks.

The list (``agency_access20240426.csv``, 37,099 rows) comes from the "Private
Eyes" investigation by The News & Observer (MIT licence; credit: The News &
Observer), https://github.com/mcclatchy-southeast/private_eyes.  Each row says
that ``external_agency`` can search ``src_agency``'s licence-plate reads, so the
data moves ``src_agency -> external_agency``.

The files are read from ``../shared/external/private-eyes/`` (relative to the
repository) and never copied into the repository: the dataset is written to a
temporary directory.

The join to ICE
---------------
The Flock list has its own entry for NCRIC (agency id 1800, name "NCRIC"): 55
agencies let NCRIC search their plate reads (53 Californian, plus Pittsboro IN
PD and Henderson County NC SO), and NCRIC shares with no one.  That Flock
agency *is* the Northern California Regional Intelligence Center, so it becomes
the node ``ncric`` (kind fusion_center, state CA) instead of ``flock-1800``, and
one benchmark edge ``ncric -> ice`` joins the network to ICE.  With California
meaning "the name carries the standalone token CA" (see :func:`parse_state`),
this join gives exactly the issue's figures: 72 California agencies reach ICE,
with 2,590 routes of at most 3 hops and 120,622 of at most 4.

This is a benchmark dataset, not curated data: every Flock edge has evidence
``capability`` and a generated description as its quote, jurisdictions mark
only California as a sanctuary, and the ``ncric -> ice`` edge stands in for the
curated map's sourced NCRIC edges.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
#: Where the N&O files live: ``$FLOWMAP_PRIVATE_EYES`` or ``../shared/external/private-eyes``.
DEFAULT_SOURCE = REPO.parent / "shared" / "external" / "private-eyes"
ACCESS_FILE = "agency_access20240426.csv"
AGENCY_FILE = "agency20240426.csv"
NCRIC_FLOCK_ID = "1800"  # "NCRIC" in agency20240426.csv
SOURCE_ID = "private-eyes"
SOURCE_URL = "https://github.com/mcclatchy-southeast/private_eyes"

STATE_CODES = frozenset(
    "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY "
    "NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR GU VI AS MP".split())
STATE_NAMES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "FL": "Florida", "GA": "Georgia",
    "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa", "KS": "Kansas",
    "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts",
    "MI": "Michigan", "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri", "MT": "Montana",
    "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico",
    "NY": "New York", "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma",
    "OR": "Oregon", "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina",
    "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont",
    "VA": "Virginia", "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
    "DC": "District of Columbia", "PR": "Puerto Rico", "GU": "Guam", "VI": "U.S. Virgin Islands",
    "AS": "American Samoa", "MP": "Northern Mariana Islands",
}

_TOKEN = re.compile(r"\b[A-Z]{2}\b")


def parse_state(name: str) -> str:
    """The two-letter state in a Flock agency name, or "" if none.

    Most names read "Sylvania OH PD" (a `` XX `` token), but many put the state
    last or in brackets ("Chino PD (CA)", "Downey PD CA"), so any standalone
    state code counts.  When a name has several: "CO" is dropped when another
    code is present (it usually means "county": "Reeves CO TX SO"), then a code
    with spaces on both sides wins, then the last one.

    >>> parse_state("Sylvania OH PD"), parse_state("Chino PD (CA)"), parse_state("Reeves CO TX SO")
    ('OH', 'CA', 'TX')
    >>> parse_state("LA County CA Sheriff"), parse_state("UT Health - Tyler (TX)"), parse_state("NCRIC")
    ('CA', 'TX', '')
    """
    found = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(name) if m.group() in STATE_CODES]
    if len(found) > 1 and any(code != "CO" for code, _, _ in found):
        found = [f for f in found if f[0] != "CO"]
    if not found:
        return ""
    spaced = [code for code, start, end in found
              if start > 0 and name[start - 1] == " " and end < len(name) and name[end] == " "]
    return spaced[-1] if spaced else found[-1][0]


def source_dir(path: str | os.PathLike | None = None) -> Path | None:
    """The directory holding the N&O files, or None when they are absent."""
    directory = Path(path or os.environ.get("FLOWMAP_PRIVATE_EYES") or DEFAULT_SOURCE)
    if (directory / ACCESS_FILE).is_file() and (directory / AGENCY_FILE).is_file():
        return directory
    return None


def node_id(flock_id: str) -> str:
    return "ncric" if flock_id == NCRIC_FLOCK_ID else f"flock-{flock_id}"


@dataclass(frozen=True)
class FlockDataset:
    directory: Path
    agencies: int  # Flock agencies written as nodes
    sharing_rows: int  # rows of the access list written as edges


def _write(path: Path, header: list[str], rows) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        for row in rows:
            writer.writerow({key: row.get(key, "") for key in header})


def write_dataset(directory: str | os.PathLike, source: str | os.PathLike | None = None) -> FlockDataset:
    """Write the Flock network, joined to ICE through NCRIC, as a flowmap dataset
    in ``directory``.  Raises FileNotFoundError when the N&O files are absent."""
    from flowmap import schema

    found = source_dir(source)
    if found is None:
        raise FileNotFoundError(f"{ACCESS_FILE} and {AGENCY_FILE} not found in {source or DEFAULT_SOURCE}")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    with (found / AGENCY_FILE).open(encoding="utf-8-sig", newline="") as handle:
        agencies = list(csv.DictReader(handle))
    with (found / ACCESS_FILE).open(encoding="utf-8-sig", newline="") as handle:
        access = list(csv.DictReader(handle))

    columns = {table.name: [c.name for c in table.columns] for table in schema.TABLES}
    _write(directory / "sources.csv", columns["sources"], [
        {"id": SOURCE_ID, "title": "Private Eyes: Flock Safety transparency-portal sharing lists",
         "publisher": "The News & Observer", "date": "2024-05-02", "url": SOURCE_URL,
         "notes": "agency_access20240426.csv, MIT licence; credit: The News & Observer"},
        {"id": "benchmark-join", "title": "flowmap benchmark join (not a finding)", "publisher": "flowmap",
         "notes": "stand-in edge joining the Flock network to ICE; see benchmarks/flock.py"},
    ])

    nodes = []
    states = set()
    for row in agencies:
        flock_id, name = row["id"].strip(), row["name"].strip()
        if flock_id == NCRIC_FLOCK_ID:
            nodes.append({"id": "ncric", "name": "Northern California Regional Intelligence Center",
                          "kind": "fusion_center", "aliases": f"NCRIC;flock-{flock_id}", "state": "CA",
                          "citation": SOURCE_ID, "notes": f"Flock agency {flock_id} ({name})"})
            states.add("CA")
            continue
        state = parse_state(name)
        states.add(state)
        nodes.append({"id": node_id(flock_id), "name": name, "kind": "agency", "state": state,
                      "citation": SOURCE_ID, "notes": f"Flock agency {flock_id}"})
    nodes.append({"id": "ice", "name": "Immigration and Customs Enforcement", "kind": "federal_agency",
                  "aliases": "ICE"})
    _write(directory / "nodes.csv", columns["nodes"], nodes)

    jurisdictions = []
    for state in sorted(states - {""}):
        row = {"id": f"us-{state.lower()}", "name": STATE_NAMES[state], "level": "state", "state": state,
               "sanctuary": "unknown", "notes": "benchmark only"}
        if state == "CA":
            row.update(sanctuary="yes", law="SB54")
        jurisdictions.append(row)
    _write(directory / "jurisdictions.csv", columns["jurisdictions"], jurisdictions)

    def edges() -> Iterator[dict]:
        for line, row in enumerate(access, start=2):  # spreadsheet rows: the header is row 1
            yield {"id": f"pe-{line}", "from": node_id(row["src_agency_id"].strip()),
                   "to": node_id(row["external_agency_id"].strip()), "data": "licence_plate_reads",
                   "mechanism": "database_access", "evidence": "capability", "citation": SOURCE_ID,
                   "locator": f"{ACCESS_FILE} row {line}",
                   "quote": f"{row['external_agency'].strip()} can search {row['src_agency'].strip()}"[:300]}
        yield {"id": "ncric-ice", "from": "ncric", "to": "ice", "data": "licence_plate_reads",
               "mechanism": "informal_request", "evidence": "capability", "citation": "benchmark-join",
               "locator": "benchmarks/flock.py", "quote": "Benchmark stand-in: NCRIC passes plate reads to ICE.",
               "notes": "not evidence; the curated map holds the sourced NCRIC edges"}

    _write(directory / "edges.csv", columns["edges"], edges())
    return FlockDataset(directory, len(agencies), len(access))


@contextmanager
def flock_dataset(source: str | os.PathLike | None = None) -> Iterator[FlockDataset]:
    """The dataset written to a temporary directory, removed afterwards."""
    directory = Path(tempfile.mkdtemp(prefix="flowmap-flock-"))
    try:
        yield write_dataset(directory, source)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def load_model(source: str | os.PathLike | None = None):
    """Build the dataset in a temporary directory and load it as a :class:`flowmap.model.Model`."""
    from flowmap.model import Model

    with flock_dataset(source) as dataset:
        return Model.load(dataset.directory)


def california_sources(model) -> list[str]:
    """Every Flock agency in California (the ``ncric`` node itself excluded), in file order."""
    nodes = model.nodes
    chosen = nodes[(nodes["state"] == "CA") & (nodes["kind"] == "agency")]
    return list(chosen["id"])
