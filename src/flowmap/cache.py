"""A cache of validated datasets on disk, so a command after the first does not
read and check the same files again.

What is cached is the merged, validated tables (:class:`flowmap.load.Tables`),
column by column, as plain Python lists, dicts, strings and numbers.  An entry
is keyed by the SHA-256 of the bytes of every table file of every layer, the
layers' paths and order, the flowmap version and the source of the modules that
decide what a validated table is (:mod:`flowmap.load`, :mod:`flowmap.schema`,
this one), so it is never used once any of those changed.  Invalid data is
never cached: every run over it validates again and reports every problem.

The cache lives in the user's cache directory (``platformdirs``:
``~/.cache/flowmap`` on Linux), or in ``$FLOWMAP_CACHE_DIR``; deleting it is
always safe.  Entries are written to a temporary file and renamed, so a reader
never sees half of one.  They are read with an unpickler that refuses every
class and function: an entry can only ever hold the builtin types above, so a
file planted in the cache directory cannot run code.  Only the most recently
written entries are kept.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import secrets
from collections.abc import Sequence
from pathlib import Path

from . import schema
from .load import Column, FileDigest, Frame, Origin, Tables, csv_digests
from .load import load_tables as load_tables_uncached

CACHE_ENV = "FLOWMAP_CACHE_DIR"
#: Bump when the layout of an entry changes.
FORMAT = 1
MAGIC = b"flowmap-tables-cache\n"
#: Entries kept: one per dataset (combination of layers) a user works with, and then some.
KEEP = 16
_CODE = ("load.py", "schema.py", "cache.py")


def cache_dir() -> Path:
    """Where entries are kept: ``$FLOWMAP_CACHE_DIR``, else the user's cache directory for flowmap."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    import platformdirs

    return Path(platformdirs.user_cache_dir("flowmap", appauthor=False))


def key(directories: Sequence[Path], digests: Sequence[FileDigest] | None = None) -> str:
    """The hex digest naming the entry for these layers as they are now on disk.

    ``digests`` are the layers' file hashes (:func:`flowmap.load.csv_digests`)
    when the caller has them already; else they are computed here.
    """
    from . import __version__

    if digests is None:
        digests = csv_digests(directories)
    hashed = {(index, name): digest for index, name, digest in digests}
    digest = hashlib.sha256()
    digest.update(f"{FORMAT}\0{__version__}\0".encode())
    here = Path(__file__).parent
    for name in _CODE:
        digest.update(hashlib.sha256((here / name).read_bytes()).digest())
    for index, directory in enumerate(directories):
        # The path as given too: the entry's tables name their files as the first load named them.
        digest.update(b"\0layer\0" + os.fsencode(os.path.abspath(directory)) + b"\0" + os.fsencode(directory))
        for table in schema.TABLES:
            digest.update(b"\0" + table.filename.encode() + b"\0")
            found = hashed.get((index, table.filename))
            digest.update(bytes.fromhex(found) if found else _unhashed(Path(directory) / table.filename))
    return digest.hexdigest()


def _unhashed(path: Path) -> bytes:
    try:
        path.stat()
    except FileNotFoundError:
        return b"absent"
    except OSError:
        pass
    # A directory, no permission: validation will say so, never from the cache.
    return f"unreadable {secrets.token_hex(8)}".encode()


def load_tables(directories: Sequence[Path], digests: Sequence[FileDigest] | None = None) -> Tables:
    """The validated tables of ``directories``: from the cache when an entry
    matches the files, else read, validated (raising
    :class:`~flowmap.errors.DataError` for invalid data) and then cached.
    ``digests`` as for :func:`key`."""
    try:
        name = key(directories, digests)
    except OSError:
        return load_tables_uncached(directories)
    folder = cache_dir()
    entry = folder / f"{name}.tables"
    cached = _read(entry)
    if cached is not None:
        return cached
    tables = load_tables_uncached(directories)
    _write(folder, entry, tables)
    return tables


class _BuiltinsOnly(pickle.Unpickler):
    """Unpickles lists, dicts, tuples, strings, numbers, booleans and None; refuses anything else."""

    def find_class(self, module: str, name: str):
        raise pickle.UnpicklingError(f"a flowmap cache entry holds only builtin values, not {module}.{name}")


def _read(entry: Path) -> Tables | None:
    try:
        data = entry.read_bytes()
        os.utime(entry)  # recently used: kept when old entries are pruned
    except OSError:
        return None
    if not data.startswith(MAGIC):
        return None
    try:
        payload = _BuiltinsOnly(io.BytesIO(data[len(MAGIC):])).load()
        return _tables(payload)
    except Exception:  # a damaged or foreign entry is a miss, never an error: it is rebuilt
        return None


def _payload(tables: Tables) -> dict:
    # Equal strings (a column of "capability", one file name per row) become one
    # object, so pickle writes each once and the entry loads fast.
    shared: dict[str, str] = {}

    def interned(values: list[str]) -> list[str]:
        return [shared.setdefault(v, v) for v in values]

    return {
        "format": FORMAT,
        "directories": [os.fspath(d) for d in tables.directories],
        "frames": {name: {column: interned(frame[column]) for column in frame.names}
                   for name, frame in tables.frames.items()},
        "lengths": {name: len(frame) for name, frame in tables.frames.items()},
        "origins": {name: [interned(origin.files), origin.rows] for name, origin in tables.origins.items()},
        "merged_ids": dict(tables.merged_ids),
    }


def _tables(payload: dict) -> Tables:
    if payload.get("format") != FORMAT:
        raise ValueError("another format")
    frames = {name: Frame({column: Column(values) for column, values in columns.items()},
                          payload["lengths"][name])
              for name, columns in payload["frames"].items()}
    origins = {name: Origin(files, rows) for name, (files, rows) in payload["origins"].items()}
    return Tables(tuple(Path(d) for d in payload["directories"]),
                  *(frames[t.name] for t in schema.TABLES), origins, payload["merged_ids"])


def _write(folder: Path, entry: Path, tables: Tables) -> None:
    """Write an entry whole or not at all; a cache that cannot be written is no cache, not an error."""
    temporary = folder / f".{entry.name}.{secrets.token_hex(6)}.tmp"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with temporary.open("xb") as handle:
            handle.write(MAGIC)
            pickle.dump(_payload(tables), handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, entry)
        _prune(folder)
    except OSError:
        try:
            temporary.unlink(missing_ok=True)
        except OSError:
            pass


def _prune(folder: Path) -> None:
    entries = sorted(folder.glob("*.tables"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[KEEP:]:
        old.unlink(missing_ok=True)


def clear() -> int:
    """Delete every entry; return how many there were."""
    folder = cache_dir()
    entries = list(folder.glob("*.tables")) if folder.is_dir() else []
    for entry in entries:
        entry.unlink(missing_ok=True)
    return len(entries)
