"""Get an importer's input: a local file, or an http(s) URL downloaded into the user's cache.

Users point importers at records where they find them: ICE's 287(g) workbook
page, the raw file of a public repository.  :func:`fetch` accepts either a
local path or an ``http://`` / ``https://`` URL.  A URL is downloaded, in
blocks, into the user's cache directory (``downloads/`` in flowmap's cache
directory, ``~/.cache/flowmap/downloads`` on Linux), with its SHA-256 computed on the
way and its retrieval date noted, so the layer's ``sources.csv`` row can say
exactly which bytes it was built from and when they were fetched.

What this module does not do, on purpose: it never runs, opens or unpacks what
it downloads (the importer's reader reads only what it needs, and the 287(g)
reader checks a workbook's declared sizes before opening it); it follows
redirects only to other http(s) addresses; and it stops at a size cap with a
clear error instead of filling the disk.

Example
-------
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "list.csv"
>>> _ = path.write_text("a,b\\n1,2\\n")
>>> got = fetch(str(path))
>>> got.url, got.size, got.sha256[:12]
('', 8, '492d5ea49605')
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError, Problem
from .layer import sha256_file

#: Largest input accepted, downloaded or local (bytes).  The largest record in
#: ``../shared/external`` is a few megabytes; 200 MiB leaves room for national
#: lists while refusing a runaway download.
DEFAULT_MAX_BYTES = 200 * 1024 * 1024

#: Seconds to wait for the server to answer or send the next block.
DEFAULT_TIMEOUT = 60

_BLOCK = 1 << 16

#: Called as ``progress(bytes_so_far, total_or_None)`` while a download runs.
Progress = Callable[[int, "int | None"], None]


@dataclass(frozen=True)
class Fetched:
    """An input ready to read.

    Attributes
    ----------
    path
        The local file to read (the user's file, or the downloaded copy in the cache).
    url
        The address it was downloaded from; empty for a local file.
    retrieved
        ISO date of the download; for a local file, the file's modification date.
    sha256
        Hex SHA-256 of the bytes.
    size
        Size in bytes.
    """

    path: Path
    url: str
    retrieved: str
    sha256: str
    size: int

    @property
    def name(self) -> str:
        """What to call the input in messages: the URL, or the path as given."""
        return self.url or str(self.path)

    @property
    def file_name(self) -> str:
        """The input's file name: the last part of the URL's path, or of the local path.

        It is what ``sources.document`` records (``flowmap validate --documents DIR`` reads it).
        """
        return Path(urllib.parse.urlsplit(self.url).path).name if self.url else self.path.name


def is_url(value: str) -> bool:
    """Whether ``value`` is an http(s) address rather than a local path.

    >>> is_url("https://www.ice.gov/x.xlsx"), is_url("x.xlsx"), is_url("ftp://host/x")
    (True, False, False)
    """
    return urllib.parse.urlsplit(value).scheme.lower() in ("http", "https")


def cache_dir() -> Path:
    """Where downloads go: ``downloads/`` in flowmap's cache directory (:func:`flowmap.cache.cache_dir`:
    ``$FLOWMAP_CACHE_DIR``, else the user's cache directory, ``~/.cache/flowmap`` on Linux)."""
    from ..cache import cache_dir as flowmap_cache

    return flowmap_cache() / "downloads"


def fetch(source: str | os.PathLike, *, max_bytes: int = DEFAULT_MAX_BYTES, directory: str | os.PathLike | None = None,
          progress: Progress | None = None, timeout: float = DEFAULT_TIMEOUT) -> Fetched:
    """A local file, checked, or an http(s) URL, downloaded into the cache.

    Parameters
    ----------
    source
        A path, or an ``http://`` or ``https://`` URL.  Other schemes
        (``file:``, ``ftp:``) are refused: a path is given as a path.
    max_bytes
        Refuse inputs larger than this, before downloading when the server
        announces the size, and as soon as the count passes it otherwise.
    directory
        Where to put downloads (default :func:`cache_dir`).
    progress
        Called as ``progress(bytes_so_far, total_or_None)`` after each block of a download.
    timeout
        Seconds to wait for the server.

    Raises
    ------
    InputError
        The file is missing, empty or too large; the URL cannot be fetched (the
        message gives the HTTP status or the network error).
    """
    text = os.fspath(source)
    scheme = urllib.parse.urlsplit(text).scheme.lower()
    if is_url(text):
        return _download(text, max_bytes=max_bytes, directory=Path(directory) if directory else cache_dir(),
                         progress=progress, timeout=timeout)
    if len(scheme) > 1 and "://" in text:  # one letter is a Windows drive (C:\...)
        raise _error(text, f"is a {scheme}: address; give an http:// or https:// URL or a local path")
    return _local(Path(text), max_bytes)


def _error(name: str, message: str) -> InputError:
    return InputError([Problem(name, None, None, None, message)])


def _too_large(name: str, size: int, max_bytes: int) -> InputError:
    return _error(name, f"is larger than the {_mib(max_bytes)} limit ({_mib(size)}); "
                        "if this is the right file, raise the limit (--max-bytes)")


def _mib(size: int) -> str:
    return f"{size / (1 << 20):.1f} MiB" if size >= 1 << 20 else f"{size:,} bytes"


def _local(path: Path, max_bytes: int) -> Fetched:
    if not path.exists():
        raise _error(str(path), "does not exist")
    if not path.is_file():
        raise _error(str(path), "is not a file")
    size = path.stat().st_size
    if size == 0:
        raise _error(str(path), "is empty")
    if size > max_bytes:
        raise _too_large(str(path), size, max_bytes)
    retrieved = dt.date.fromtimestamp(path.stat().st_mtime).isoformat()
    return Fetched(path, "", retrieved, sha256_file(path), size)


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects only to http(s): urllib would also follow one to ftp://."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if not is_url(newurl):
            raise urllib.error.URLError(f"redirected to {newurl!r}, which is not an http(s) address")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _file_name(url: str) -> str:
    """A safe file name for the cache from the URL's last path segment.

    >>> _file_name("https://www.ice.gov/doclib/about/offices/ero/287g/participatingAgencies.xlsx?x=1")
    'participatingAgencies.xlsx'
    >>> _file_name("https://example.org/")
    'download'
    """
    last = urllib.parse.unquote(urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1])
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", last).strip("._")
    return safe[:100] or "download"


def _download(url: str, *, max_bytes: int, directory: Path, progress: Progress | None, timeout: float) -> Fetched:
    opener = urllib.request.build_opener(_HttpOnlyRedirects)
    request = urllib.request.Request(url, headers={"User-Agent": "flowmap (+https://pypi.org/project/flowmap)"})
    try:
        response = opener.open(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        raise _error(url, f"could not be downloaded: the server answered {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise _error(url, f"could not be downloaded: {reason}") from None
    with response:
        declared = response.headers.get("Content-Length")
        total = int(declared) if declared and declared.isdigit() else None
        if total is not None and total > max_bytes:
            raise _too_large(url, total, max_bytes)
        directory.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        handle = tempfile.NamedTemporaryFile(dir=directory, prefix=".download-", delete=False)
        try:
            with handle:
                while True:
                    try:
                        block = response.read(_BLOCK)
                    except (OSError, ValueError) as exc:
                        raise _error(url, f"download failed after {size:,} bytes: {exc}") from None
                    if not block:
                        break
                    size += len(block)
                    if size > max_bytes:
                        raise _too_large(url, size, max_bytes)
                    digest.update(block)
                    handle.write(block)
                    if progress is not None:
                        progress(size, total)
            if total is not None and size != total:
                raise _error(url, f"download was cut short: {size:,} of {total:,} bytes")
            if size == 0:
                raise _error(url, "is empty (the server sent no bytes)")
            sha256 = digest.hexdigest()
            # Name by content, so two different files from one URL never overwrite each other.
            target = directory / f"{sha256[:16]}-{_file_name(response.geturl())}"
            os.replace(handle.name, target)
        except BaseException:
            Path(handle.name).unlink(missing_ok=True)
            raise
    return Fetched(target, url, dt.datetime.now(dt.UTC).date().isoformat(), sha256, size)
