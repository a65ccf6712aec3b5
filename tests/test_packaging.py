"""What a newcomer does: the README's commands, and a plain (non-editable) install."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from flowmap import schema

ROOT = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```sh\n(.*?)```", readme, re.S)
    assert block, "the README starts with a ```sh block holding the two commands"
    return [line for line in block.group(1).splitlines() if line and not line.startswith("#")]


def test_readme_starts_with_exactly_two_commands_each_making_a_venv():
    commands = readme_commands()
    assert len(commands) == 2
    for command in commands:
        assert command.startswith("python3 -m venv .venv && .venv/bin/pip install")
    assert "flowmap reach" in commands[0]
    assert "pytest" in commands[1]


def test_ci_runs_the_readme_test_command_exactly():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert readme_commands()[1] in ci


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    pytest.importorskip("hatchling")
    from hatchling.builders.wheel import WheelBuilder

    out = tmp_path_factory.mktemp("wheel")
    return Path(next(WheelBuilder(str(ROOT)).build(directory=str(out), versions=["standard"])))


def test_wheel_carries_the_dataset_unchanged(wheel):
    with zipfile.ZipFile(wheel) as archive:
        for table in schema.TABLES:
            assert archive.read(f"flowmap/data/{table.filename}") == (ROOT / "data" / table.filename).read_bytes()
        assert "flowmap/data/datapackage.json" in archive.namelist()


def test_installed_wheel_answers_outside_the_checkout(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    script = ("import sys, flowmap, flowmap.cli; assert flowmap.__file__.startswith(sys.argv[1]); "
              "sys.argv = ['flowmap', 'reach', 'San Francisco Police Department', '--count']; flowmap.cli.main()")
    result = subprocess.run([sys.executable, "-c", script, str(target)], cwd=tmp_path, capture_output=True,
                            text=True, env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("San Francisco Police Department → US Immigration and Customs Enforcement: ")


def test_pytest_runs_against_a_plain_install(wheel, tmp_path):
    # A non-editable install once stopped `python -m pytest` with "import file mismatch": the
    # doctests under src/flowmap imported a second flowmap.
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    result = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--collect-only"],
                            cwd=ROOT, capture_output=True, text=True,
                            env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"})
    assert "import file mismatch" not in result.stdout + result.stderr
    assert result.returncode == 0, result.stdout[-2000:]
    assert "doctests in src/flowmap skipped: flowmap is imported from" in result.stdout
