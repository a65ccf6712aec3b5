"""Benchmark: import times for the FBI registry and the Flock list, and a cold reach over the layers.

Not a test (no timed assertions): it prints what it measured.

    .venv/bin/python benchmarks/bench_imports.py [--repeat N] [--shared DIR]

Reads ``../shared/external/`` (or ``--shared``); never copies the inputs into the repository.
Each import runs through the library (as ``flowmap import`` does, without the progress bar);
the cold reach runs ``flowmap`` in a fresh process, as a user would.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "external")
    args = parser.parse_args()
    fbi = args.shared / "fbi-agencies" / "agencies-2021.csv"
    access = args.shared / "private-eyes" / "agency_access20240426.csv"
    agency = args.shared / "private-eyes" / "agency20240426.csv"
    missing = [p for p in (fbi, access, agency) if not p.exists()]
    if missing:
        print(f"skipped: {', '.join(map(str, missing))} absent")
        return

    from flowmap.importers.agencies import import_agencies
    from flowmap.importers.common import load_agencies
    from flowmap.importers.flock import import_flock
    from flowmap.model import Model

    with tempfile.TemporaryDirectory() as tmp:
        registry, flock = Path(tmp) / "registry", Path(tmp) / "flock"
        t_registry = best(lambda: import_agencies(fbi, registry), args.repeat)
        print(f"import agencies (18,459 rows):          {t_registry:6.2f} s")

        def run_flock():
            agencies = load_agencies(Model.load(), registry)
            import_flock(access, agency, flock, agencies)

        t_flock = best(run_flock, args.repeat)
        print(f"import flock (37,099 rows, 4,620 names): {t_flock:6.2f} s (with loading the registry layer)")
        command = [sys.executable, "-m", "flowmap.cli", "--data", "default", "--data", str(registry),
                   "--data", str(flock), "reach", "Oakland CA PD", "--max-hops", "3"]
        code = "import sys; from flowmap.cli import main; sys.argv[0] = 'flowmap'; main()"
        command = [sys.executable, "-c", code, *command[3:]]

        def cold_reach():
            subprocess.run(command, check=True, capture_output=True)

        t_reach = best(cold_reach, args.repeat)
        print(f"cold reach 'Oakland CA PD' over default + registry + flock: {t_reach:6.2f} s "
              "(a fresh process each time; the loader's cache, if any, is warm after the first)")


if __name__ == "__main__":
    main()
