"""The cache of validated datasets: used only for the very same files, never
trusted when one changed, safe to delete, and unable to run code."""

from __future__ import annotations

import pickle

import pytest
from click.testing import CliRunner

from flowmap import cache
from flowmap.cli import cli
from flowmap.errors import DataError
from flowmap.model import Model

from conftest import EDGES, write_dataset


@pytest.fixture
def folder(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv(cache.CACHE_ENV, str(folder))
    return folder


def entries(folder):
    return sorted(folder.glob("*.tables")) if folder.is_dir() else []


def no_reading(monkeypatch):
    def refuse(directories):
        raise AssertionError("the files were read again")

    monkeypatch.setattr(cache, "load_tables_uncached", refuse)


def test_the_second_load_comes_from_the_cache_and_answers_alike(tiny, folder, monkeypatch):
    first = Model.load(tiny)
    assert len(entries(folder)) == 1
    no_reading(monkeypatch)
    second = Model.load(tiny)
    assert second.node_ids == first.node_ids and second.edge_ids == first.edge_ids
    assert second.sanctuary("sfpd") == first.sanctuary("sfpd")
    assert second.edge_row("e4") == first.edge_row("e4")
    assert second.directories == first.directories


def test_a_changed_file_is_read_again(tiny, folder, monkeypatch):
    Model.load(tiny)
    write_dataset(tiny, edges=EDGES[:3])
    assert Model.load(tiny).count("edges") == 3
    assert len(entries(folder)) == 2


def test_without_the_cache_nothing_is_read_from_it_or_written(tiny, folder, monkeypatch):
    Model.load(tiny, cache=False)
    assert entries(folder) == []


def test_invalid_data_is_never_cached_and_reported_every_time(tiny, folder):
    write_dataset(tiny, edges=[{**EDGES[0], "evidence": "rumour"}, {**EDGES[1], "to": "ghost"}])
    for _ in range(2):
        with pytest.raises(DataError) as caught:
            Model.load(tiny)
        assert len(caught.value.problems) == 2
    assert entries(folder) == []


def test_deleting_the_cache_is_safe(tiny, folder):
    Model.load(tiny)
    assert cache.clear() == 1
    assert Model.load(tiny).count("nodes") == 7


def test_a_damaged_entry_is_rebuilt(tiny, folder):
    Model.load(tiny)
    (entry,) = entries(folder)
    entry.write_bytes(entry.read_bytes()[:40])
    assert Model.load(tiny).count("nodes") == 7
    assert entry.read_bytes().startswith(cache.MAGIC) and len(entry.read_bytes()) > 40


class Planted:
    def __reduce__(self):
        return (print, ("code ran from the cache",))


def test_an_entry_that_would_run_code_is_refused(tiny, folder, capsys):
    Model.load(tiny)
    (entry,) = entries(folder)
    entry.write_bytes(cache.MAGIC + pickle.dumps({"format": cache.FORMAT, "frames": Planted()}))
    assert Model.load(tiny).count("nodes") == 7
    assert "code ran" not in capsys.readouterr().out


def test_entries_are_written_whole_and_old_ones_pruned(tiny, folder, monkeypatch):
    monkeypatch.setattr(cache, "KEEP", 2)
    for count in (1, 2, 3, 4):
        write_dataset(tiny, edges=EDGES[:count])
        Model.load(tiny)
    assert len(entries(folder)) == 2
    assert not list(folder.glob("*.tmp"))


def test_an_unwritable_cache_is_no_cache_not_an_error(tiny, tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv(cache.CACHE_ENV, str(blocker / "cache"))
    assert Model.load(tiny).count("nodes") == 7


def test_cli_no_cache_reads_the_files(tiny, folder, monkeypatch):
    runner = CliRunner()
    assert runner.invoke(cli, ["--data", str(tiny), "reach", "SFPD"]).exit_code == 0
    assert len(entries(folder)) == 1
    cache.clear()
    assert runner.invoke(cli, ["--data", str(tiny), "--no-cache", "reach", "SFPD"]).exit_code == 0
    assert entries(folder) == []


def test_validate_never_uses_the_cache(tiny, folder, monkeypatch):
    Model.load(tiny)
    no_reading(monkeypatch)  # validate reads through flowmap.load directly, whatever the cache holds
    result = CliRunner().invoke(cli, ["--data", str(tiny), "validate"])
    assert result.exit_code == 0, result.output


def test_a_dataset_named_another_way_keeps_the_name_it_was_given(tiny, folder, monkeypatch):
    Model.load(tiny)
    monkeypatch.chdir(tiny.parent)
    relative = Model.load(tiny.name)
    assert [str(d) for d in relative.directories] == [tiny.name]
