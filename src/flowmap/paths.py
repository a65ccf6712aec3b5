"""Where datasets are: the shipped one, and the layers a user names.

Kept apart from :mod:`flowmap.model` and free of heavy imports, because the
command line resolves ``--data`` before it knows whether it will load anything.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

DATA_ENV = "FLOWMAP_DATA"


def default_data_dir() -> Path:
    """The dataset shipped with flowmap.

    In a wheel it sits inside the package (``flowmap/data``); in a source
    checkout it is the top-level ``data/`` that people edit.  There is one copy
    in the repository: the wheel build copies ``data/`` into the package.
    """
    packaged = Path(__file__).with_name("data")
    if (packaged / "nodes.csv").exists():
        return packaged
    return Path(__file__).resolve().parents[2] / "data"


#: The name that stands for the shipped dataset in ``--data`` and ``FLOWMAP_DATA``.
DEFAULT_NAME = "default"


def resolve_data_dir(data: str | os.PathLike | None = None) -> Path:
    """``data`` if given, else ``$FLOWMAP_DATA`` (its first entry), else the shipped dataset."""
    return resolve_data_dirs(data)[0]


def resolve_data_dirs(data: str | os.PathLike | Iterable[str | os.PathLike] | None = None) -> tuple[Path, ...]:
    """The layer directories to load, in order.

    ``data`` may be one directory or several; without it, ``$FLOWMAP_DATA``
    (several directories separated by ``os.pathsep``, ``:`` on Unix), else the
    shipped dataset.  The name ``default`` stands for the shipped dataset, so
    ``["default", "layers/flock"]`` is the curated map with the Flock layer.
    """
    if data is None or (not isinstance(data, (str, os.PathLike)) and not list(data)):
        env = os.environ.get(DATA_ENV, "")
        entries: list = [e for e in env.split(os.pathsep) if e] or [DEFAULT_NAME]
    elif isinstance(data, (str, os.PathLike)):
        entries = [data]
    else:
        entries = list(data)
    return tuple(default_data_dir() if str(e) == DEFAULT_NAME else Path(e) for e in entries)
