"""Fixtures: tiny datasets written as CSV files in ``tmp_path``."""

from __future__ import annotations

import csv
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings

from flowmap import schema
from flowmap.cache import CACHE_ENV

# No property test has a deadline: on a loaded machine (CI shares its cores) a slow example is
# not a failure, and hypothesis would otherwise report it as one.
settings.register_profile("flowmap", deadline=None)
settings.load_profile("flowmap")


def pytest_configure(config):
    """The tests' cache of validated datasets goes in a directory of their own, not the user's."""
    if not os.environ.get(CACHE_ENV):
        os.environ[CACHE_ENV] = tempfile.mkdtemp(prefix="flowmap-test-cache-")
        config._flowmap_cache = os.environ[CACHE_ENV]


def pytest_unconfigure(config):
    folder = getattr(config, "_flowmap_cache", None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)


SOURCES = [
    {"id": "report", "title": "A Report", "publisher": "Watchdog", "date": "2024-11",
     "url": "https://example.org/report", "document": "", "notes": ""},
]
JURISDICTIONS = [
    {"id": "us", "name": "United States", "level": "country", "sanctuary": "no"},
    {"id": "us-ca", "name": "California", "level": "state", "state": "CA", "part_of": "us",
     "sanctuary": "yes", "law": "SB54", "citation": "report", "locator": "p. 1", "quote": "SB54 limits sharing"},
    {"id": "us-ca-sf", "name": "San Francisco", "level": "city", "state": "CA", "part_of": "us-ca",
     "sanctuary": "yes", "law": "Sanctuary City Ordinance", "citation": "report", "locator": "p. 1",
     "quote": "SF ordinance"},
    {"id": "us-co", "name": "Colorado", "level": "state", "state": "CO", "part_of": "us", "sanctuary": "unknown"},
]
NODES = [
    {"id": "sfpd", "name": "San Francisco Police Department", "kind": "agency", "aliases": "SFPD",
     "jurisdiction": "us-ca-sf", "state": "CA"},
    {"id": "ncric", "name": "Northern California Regional Intelligence Center", "kind": "fusion_center",
     "aliases": "NCRIC", "jurisdiction": "us-ca", "state": "CA"},
    {"id": "vendor", "name": "Plate Vendor", "kind": "vendor", "jurisdiction": "us"},
    {"id": "ice", "name": "Immigration and Customs Enforcement", "kind": "federal_agency", "aliases": "ICE",
     "part_of": "dhs", "jurisdiction": "us"},
    {"id": "ice-das", "name": "ICE Data Analysis System", "kind": "database", "part_of": "ice", "jurisdiction": "us"},
    {"id": "dhs", "name": "Department of Homeland Security", "kind": "federal_agency", "aliases": "DHS",
     "jurisdiction": "us"},
    {"id": "denver", "name": "Denver Police", "kind": "agency", "state": "CO"},
]
EDGES = [
    {"id": "e1", "from": "sfpd", "to": "ncric", "data": "licence_plate_reads", "mechanism": "informal_request",
     "evidence": "reported", "citation": "report", "locator": "p. 2", "quote": "SFPD shares data"},
    {"id": "e2", "from": "ncric", "to": "ice", "data": "licence_plate_reads", "mechanism": "informal_request",
     "date": "2018-04-19", "evidence": "documented", "citation": "report", "locator": "p. 3",
     "quote": "NCRIC ran the plate"},
    {"id": "e3", "from": "sfpd", "to": "vendor", "data": "licence_plate_reads", "mechanism": "contract",
     "evidence": "capability", "citation": "report", "locator": "p. 4", "quote": "cameras feed the vendor"},
    {"id": "e4", "from": "vendor", "to": "ice", "data": "licence_plate_reads", "mechanism": "contract",
     "evidence": "capability", "excludes": "us-ca", "citation": "report", "locator": "p. 5",
     "quote": "the contract excludes opted-out jurisdictions"},
    {"id": "e5", "from": "ice-das", "to": "ncric", "data": "immigration_records", "mechanism": "database_access",
     "evidence": "reported", "citation": "report", "locator": "p. 6", "quote": "NCRIC searches DAS"},
    {"id": "e6", "from": "denver", "to": "vendor", "data": "licence_plate_reads", "mechanism": "contract",
     "evidence": "capability", "citation": "report", "locator": "p. 7", "quote": "Denver shares plates"},
]


def write_table(directory: Path, table: schema.Table, rows: list[dict]) -> Path:
    path = directory / table.filename
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=[c.name for c in table.columns])
        writer.writeheader()
        for row in rows:
            writer.writerow({c.name: row.get(c.name, "") for c in table.columns})
    return path


def write_dataset(directory: Path, *, sources=None, jurisdictions=None, nodes=None, edges=None) -> Path:
    """Write a dataset; each table defaults to the small fixture above."""
    directory.mkdir(parents=True, exist_ok=True)
    for table, rows in ((schema.SOURCES, sources if sources is not None else SOURCES),
                        (schema.JURISDICTIONS, jurisdictions if jurisdictions is not None else JURISDICTIONS),
                        (schema.NODES, nodes if nodes is not None else NODES),
                        (schema.EDGES, edges if edges is not None else EDGES)):
        write_table(directory, table, rows)
    return directory


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """The directory of a small valid dataset with one policy restriction."""
    return write_dataset(tmp_path / "data")
