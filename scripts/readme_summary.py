"""Write the output of `flowmap summary` into the README's Data section.

Run after changing data/: python scripts/readme_summary.py
"""

from pathlib import Path

from click.testing import CliRunner

from flowmap.cli import cli

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- summary -->", "<!-- /summary -->"

readme_path = ROOT / "README.md"
readme = readme_path.read_text(encoding="utf-8")
summary = CliRunner().invoke(cli, ["--data", str(ROOT / "data"), "summary"]).output
before, rest = readme.split(START, 1)
after = rest.split(END, 1)[1] if END in rest else rest
readme_path.write_text(f"{before}{START}\n{summary}{END}{after}", encoding="utf-8")
