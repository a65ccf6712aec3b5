"""A seeded synthetic national surveillance network, written as a flowmap dataset.

Shape (defaults): 18,000 local agencies in 50 states and DC, 80 fusion centers,
6 vendors, 2 data brokers, ICE with three units (ERO, HSI and its Data Analysis
System, each ``part_of`` ICE), and about 200,000 edges:

* agency -> agency sharing (plate-reader style), about 85% of edges; senders
  and receivers are drawn with Zipf-like weights, so a few hubs share with
  thousands and most agencies with a handful, as in the Flock lists;
* agency -> its state's fusion center (most agencies), agency -> vendor;
* fusion center -> fusion center, fusion center -> ICE units, vendor and
  broker -> ICE units, some with ``excludes`` (sanctuary states opted out).

Every column the loader checks is filled with plausible values (dates,
hedges, several data categories, excludes lists) so ``Model.load`` does its
full validation work.  Run as a script to write a dataset::

    .venv/bin/python benchmarks/synthetic.py /tmp/synthetic --agencies 18000 --edges 200000
"""

from __future__ import annotations

import argparse
import csv
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

STATES = ("AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY "
          "NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC").split()
SANCTUARY_STATES = {"CA", "CO", "CT", "DE", "IL", "MA", "NJ", "NM", "NY", "OR", "VT", "WA"}
KINDS = ("PD", "SO", "DA", "Campus PD", "Task Force", "DMV")
DATA = ("licence_plate_reads", "face_recognition_results", "driver_records", "identity_address_records",
        "social_media", "intelligence_reports", "database_queries", "tips")
MECHANISMS = ("database_access", "formal_agreement", "informal_request", "contract", "portal", "reporting")
HEDGES = ("likely", "may", "unclear")


@dataclass(frozen=True)
class Synthetic:
    directory: Path
    nodes: int
    edges: int
    ice_units: tuple[str, ...]


def _zipf_weights(n: int, exponent: float, rng: np.random.Generator) -> np.ndarray:
    """Zipf-like weights over ``n`` items in random order."""
    weights = 1.0 / np.arange(1, n + 1) ** exponent
    rng.shuffle(weights)
    return weights / weights.sum()


def write(directory: str | os.PathLike, *, agencies: int = 18_000, fusion_centers: int = 80,
          edges: int = 200_000, seed: int = 2024, out_exponent: float = 0.8,
          in_exponent: float = 0.5) -> Synthetic:
    """Write the synthetic dataset to ``directory`` and describe it."""
    from flowmap import schema

    rng = np.random.default_rng(seed)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    columns = {table.name: [c.name for c in table.columns] for table in schema.TABLES}

    def dump(name: str, rows) -> None:
        with (directory / f"{name}.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns[name])
            writer.writeheader()
            for row in rows:
                writer.writerow({key: row.get(key, "") for key in columns[name]})

    sources = [{"id": f"src-{i}", "title": f"Synthetic source {i}", "publisher": "flowmap benchmarks",
                "date": f"20{10 + i % 15}-0{1 + i % 9}", "url": f"https://example.org/source/{i}"}
               for i in range(200)]
    dump("sources", sources)

    jurisdictions = [{"id": "us", "name": "United States", "level": "country", "sanctuary": "no"}]
    for state in STATES:
        row = {"id": f"us-{state.lower()}", "name": f"State {state}", "level": "state", "state": state,
               "part_of": "us", "sanctuary": "unknown"}
        if state in SANCTUARY_STATES:
            row.update(sanctuary="yes", law=f"{state} sanctuary act", citation="src-0", locator="p. 1",
                       quote=f"{state} limits sharing with immigration authorities")
        jurisdictions.append(row)
    dump("jurisdictions", jurisdictions)

    agency_state = rng.choice(STATES, size=agencies, p=_zipf_weights(len(STATES), 0.8, rng))
    agency_ids = [f"ag-{i}" for i in range(agencies)]
    fusion_state = [STATES[i % len(STATES)] for i in range(fusion_centers)]
    fusion_ids = [f"fc-{i}" for i in range(fusion_centers)]
    vendor_ids = [f"vendor-{i}" for i in range(6)]
    broker_ids = ["broker-0", "broker-1"]
    ice_units = ("ice", "ice-ero", "ice-hsi", "ice-das")
    nodes = [{"id": a, "name": f"Agency {i} {agency_state[i]} {KINDS[i % len(KINDS)]}", "kind": "agency",
              "aliases": f"A{i}" if i % 7 == 0 else "", "state": agency_state[i],
              "jurisdiction": f"us-{agency_state[i].lower()}" if i % 3 == 0 else "",
              "citation": f"src-{i % 200}" if i % 5 == 0 else ""}
             for i, a in enumerate(agency_ids)]
    nodes += [{"id": f, "name": f"Fusion Center {i} ({fusion_state[i]})", "kind": "fusion_center",
               "state": fusion_state[i], "jurisdiction": f"us-{fusion_state[i].lower()}"}
              for i, f in enumerate(fusion_ids)]
    nodes += [{"id": v, "name": f"Vendor {i}", "kind": "vendor", "jurisdiction": "us"}
              for i, v in enumerate(vendor_ids)]
    nodes += [{"id": b, "name": f"Broker {i}", "kind": "data_broker", "jurisdiction": "us"}
              for i, b in enumerate(broker_ids)]
    nodes += [{"id": "dhs", "name": "Department of Homeland Security", "kind": "federal_agency", "aliases": "DHS"},
              {"id": "ice", "name": "Immigration and Customs Enforcement", "kind": "federal_agency",
               "aliases": "ICE", "part_of": "dhs"},
              {"id": "ice-ero", "name": "Enforcement and Removal Operations", "kind": "federal_agency",
               "aliases": "ERO", "part_of": "ice"},
              {"id": "ice-hsi", "name": "Homeland Security Investigations", "kind": "federal_agency",
               "aliases": "HSI", "part_of": "ice"},
              {"id": "ice-das", "name": "ICE Data Analysis System", "kind": "database", "part_of": "ice"}]
    dump("nodes", nodes)

    # Edge endpoints as (from, to) pairs, built kind by kind.
    fusion_of_state: dict[str, list[str]] = {}
    for f, s in zip(fusion_ids, fusion_state):
        fusion_of_state.setdefault(s, []).append(f)
    pairs: list[tuple[str, str]] = []
    to_fusion = [(a, fusion_of_state[s][i % len(fusion_of_state[s])])
                 for i, (a, s) in enumerate(zip(agency_ids, agency_state)) if s in fusion_of_state and i % 10 < 6]
    to_vendor = [(agency_ids[i], vendor_ids[i % len(vendor_ids)]) for i in range(0, agencies, 2)]
    upstream = [(fusion_ids[i], fusion_ids[(i * 7 + 3) % fusion_centers]) for i in range(fusion_centers)]
    upstream += [(f, ice_units[1 + i % 3]) for i, f in enumerate(fusion_ids) if i % 2 == 0]
    upstream += [(v, ice_units[i % 4]) for i, v in enumerate(vendor_ids)]
    upstream += [(b, "ice-ero") for b in broker_ids] + [(a, b) for a in agency_ids[:400:3] for b in broker_ids]
    sharing = max(edges - len(to_fusion) - len(to_vendor) - len(upstream), 0)
    senders = rng.choice(agencies, size=sharing, p=_zipf_weights(agencies, out_exponent, rng))
    receivers = rng.choice(agencies, size=sharing, p=_zipf_weights(agencies, in_exponent, rng))
    loops = senders == receivers
    receivers[loops] = (receivers[loops] + 1) % agencies
    pairs += [(agency_ids[s], agency_ids[r]) for s, r in zip(senders.tolist(), receivers.tolist())]
    pairs += to_fusion + to_vendor + upstream

    n = len(pairs)
    evidence = rng.choice(schema.EVIDENCE_LEVELS, size=n, p=(0.1, 0.2, 0.7))
    data_pick = rng.integers(0, len(DATA), size=(n, 2))
    two_kinds = rng.random(n) < 0.2
    dated = rng.random(n) < 0.4
    years = rng.integers(2012, 2025, size=n)
    months = rng.integers(1, 13, size=n)
    hedged = rng.random(n) < 0.05
    sanctuary_ids = [f"us-{s.lower()}" for s in sorted(SANCTUARY_STATES)]

    def edge_rows():
        for i, (u, v) in enumerate(pairs):
            data = DATA[data_pick[i, 0]]
            if two_kinds[i] and data_pick[i, 1] != data_pick[i, 0]:
                data += ";" + DATA[data_pick[i, 1]]
            row = {"id": f"e{i}", "from": u, "to": v, "data": data, "mechanism": MECHANISMS[i % len(MECHANISMS)],
                   "evidence": evidence[i], "citation": f"src-{i % 200}", "locator": f"p. {1 + i % 40}",
                   "quote": f"{u} shares {data.split(';')[0].replace('_', ' ')} with {v} (synthetic row {i})"}
            if dated[i]:
                row["date"] = f"{years[i]}-{months[i]:02d}" if i % 3 else str(years[i])
            if hedged[i]:
                row["hedge"] = HEDGES[i % 3]
            if v.startswith("ice") and (u.startswith("vendor") or u.startswith("broker")):
                row["excludes"] = ";".join(sanctuary_ids[: 3 + i % 5])
            if i % 50 == 0:
                row["requested_by"] = v
            yield row

    dump("edges", edge_rows())
    return Synthetic(directory, len(nodes), n, ice_units)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("directory")
    parser.add_argument("--agencies", type=int, default=18_000)
    parser.add_argument("--fusion-centers", type=int, default=80)
    parser.add_argument("--edges", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    made = write(args.directory, agencies=args.agencies, fusion_centers=args.fusion_centers,
                 edges=args.edges, seed=args.seed)
    print(f"wrote {made.nodes:,} nodes and {made.edges:,} edges to {made.directory}")


if __name__ == "__main__":
    main()
