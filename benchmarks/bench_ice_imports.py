"""Time the ICE importers on the records in ``../shared/external`` (issue 9): not a test.

Runs, each as a fresh ``flowmap`` process (so import and start-up costs count,
as a user sees them):

1. ``flowmap import 287g`` on ICE's May and July 2025 workbooks (and July with
   the pending list), with and without ``--registry`` (the FBI list of 2021);
2. ``flowmap import contracts`` on Torn Apart's award table;
3. a cold ``flowmap --data default --data <287g> --data <contracts> reach X``
   over the layers it just wrote.

Usage::

    .venv/bin/python benchmarks/bench_ice_imports.py [--repeat N] [--external DIR]

Prints each timing (best of ``--repeat``, default 3) and the figures of each
import's JSON summary. Inputs absent: says so and exits 0. Layers go to a
temporary directory.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLOWMAP = [str(Path(sys.executable).with_name("flowmap"))]  # the installed command, as users run it


def timed(args: list[str], repeat: int) -> tuple[float, str]:
    best, out = float("inf"), ""
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run([*FLOWMAP, *args], capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - start
        if done.returncode:
            raise SystemExit(f"flowmap {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        best, out = min(best, elapsed), done.stdout
    return best, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--external", type=Path, default=ROOT / ".." / "shared" / "external")
    options = parser.parse_args()
    ext = options.external
    books = ext / "ice-287g"
    registry = ext / "fbi-agencies" / "agencies-2021.csv"
    awards = ext / "ice-contracts" / "explorer.csv"
    needed = [books / "participatingAgencies05162025am.xlsx", books / "participatingAgencies07182025pm.xlsx",
              books / "pendingAgencies07182025pm.xlsx", registry, awards]
    missing = [str(p) for p in needed if not p.exists()]
    if missing:
        print("inputs not found, nothing to time:", *missing, sep="\n  ")
        return
    print(f"{platform.node()} · {platform.processor() or platform.machine()} · {os.cpu_count()} CPUs · "
          f"Python {platform.python_version()} · best of {options.repeat}")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        runs = [
            ("287g May, --registry", ["import", "287g", str(needed[0]), "--registry", str(registry)], "may"),
            ("287g July, --registry", ["import", "287g", str(needed[1]), "--registry", str(registry)], "july"),
            ("287g July + pending, --registry",
             ["import", "287g", str(needed[1]), str(needed[2]), "--pending", "--registry", str(registry)], "julyp"),
            ("287g July, no registry", ["import", "287g", str(needed[1])], "july-local"),
            ("contracts, --registry", ["import", "contracts", str(awards), "--registry", str(registry)], "contracts"),
            ("contracts, no registry", ["import", "contracts", str(awards)], "contracts-local"),
        ]
        for label, args, name in runs:
            seconds, stdout = timed([*args, "-o", str(out / name), "--format", "json"], options.repeat)
            summary = json.loads(stdout)
            keys = ("rows", "agreements", "pending", "kept", "skipped", "resolution")
            figures = {k: summary[k] for k in keys if k in summary}
            print(f"{label:<34} {seconds:6.2f} s  {json.dumps(figures)}")
        layers = ["--data", "default", "--data", str(out / "july"), "--data", str(out / "contracts")]
        for source in ("Las Vegas Metropolitan Police Department", "County of Santa Clara"):
            seconds, _ = timed([*layers, "reach", source, "--format", "json"], options.repeat)
            print(f"{'cold reach ' + source[:23]:<34} {seconds:6.2f} s")


if __name__ == "__main__":
    main()
