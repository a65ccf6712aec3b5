"""Where an answer came from: the dataset's layers, their content hash, its
newest date, and the flowmap version.

Briefs (:mod:`flowmap.views.report`), exports (:mod:`flowmap.views.export`)
and diffs (:mod:`flowmap.diff`) state this so that a reader can tell which data
an answer was computed from, and so that the same data gives the same bytes:
nothing here reads the clock.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from . import dates
from .load import csv_digests, dataset_sha256
from .model import Model, default_data_dir


def flowmap_version() -> str:
    """The installed flowmap's version (``0.1.0``)."""
    try:
        return metadata.version("flowmap")
    except metadata.PackageNotFoundError:  # running from a source tree that was never installed
        from . import __version__

        return __version__


def layer_dirs(model: Model) -> list[Path]:
    """The directories a model was loaded from, in merge order."""
    many = getattr(model, "directories", None)
    if many:
        return [Path(d) for d in many]
    return [Path(model.directory)]


def layer_label(directory: Path) -> str:
    """How a brief names a layer: ``default`` for the shipped dataset (so a brief
    does not depend on where flowmap is installed), else the path as given."""
    try:
        if directory.resolve() == default_data_dir().resolve():
            return "default"
    except OSError:
        pass
    return os.fspath(directory)


@dataclass(frozen=True)
class LayerFile:
    layer: str  # the layer's label
    name: str  # file name inside the layer
    sha256: str


@dataclass(frozen=True)
class Dataset:
    """The identity of the data an answer was computed from.

    Attributes
    ----------
    layers : tuple of str
        The layer directories in merge order (``default`` for the shipped dataset).
    files : tuple of LayerFile
        Every CSV file of every layer with its SHA-256.
    sha256 : str
        One hash over all of them: SHA-256 of the lines ``layer-index file-name
        file-sha256``, in merge order and file-name order.  Two datasets with the
        same files in the same order have the same hash, wherever they sit.
    newest_date : str
        The newest date in the data (sources' publication and retrieval dates,
        edge dates, designation dates), as written (``2025-08-05``); empty when
        the data has none.  Briefs use it as their date, so the same data gives
        the same bytes.
    """

    layers: tuple[str, ...]
    files: tuple[LayerFile, ...]
    sha256: str
    newest_date: str

    def to_dict(self) -> dict:
        return {"layers": list(self.layers), "sha256": self.sha256, "newest_date": self.newest_date,
                "files": [{"layer": f.layer, "name": f.name, "sha256": f.sha256} for f in self.files]}


def dataset(model: Model, directories: Sequence[str | os.PathLike] | None = None) -> Dataset:
    """Describe the data ``model`` was loaded from.

    Parameters
    ----------
    model : Model
        The loaded data (its dates are read from the tables).
    directories : sequence of paths, optional
        The layer directories, when the caller knows them better than the model.

    Examples
    --------
    >>> import flowmap
    >>> info = dataset(flowmap.load().model)
    >>> info.layers, len(info.sha256)
    (('default',), 64)
    """
    if directories:
        dirs = [Path(d) for d in directories]
        digests = csv_digests(dirs)
    else:
        dirs = layer_dirs(model)
        digests = model.csv_digests
    labels = tuple(layer_label(d) for d in dirs)
    files = tuple(LayerFile(labels[index], name, digest) for index, name, digest in digests)
    return Dataset(labels, files, dataset_sha256(digests), newest_date(model))


def newest_date(model: Model) -> str:
    """The newest date written anywhere in the data, as written; ties go to the more precise."""
    found = []
    for frame, columns in ((model.sources, ("date", "retrieved")), (model.edges, ("date",)),
                           (getattr(model, "designations", None), ("date",))):
        if frame is None:
            continue
        for column in columns:
            if column in frame.columns:
                found += [v for v in frame[column].tolist() if v and dates.is_valid(v)]
    if not found:
        return ""
    return max(found, key=lambda d: (dates.period(d)[0], len(d)))
