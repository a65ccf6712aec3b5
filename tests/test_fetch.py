"""Inputs from where users get them: local files, and http(s) downloads from a server on 127.0.0.1."""

from __future__ import annotations

import hashlib
import http.server
import threading
from functools import partial
from pathlib import Path

import pytest

from flowmap.errors import FlowmapError, InputError
from flowmap.importers.fetch import fetch, is_url

BODY = b"award_id,recipient_name\n" + b"HSCEMD17F00008,West Publishing\n" * 2000


class Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the test directory; a few paths misbehave on purpose."""

    def log_message(self, *args):  # keep pytest output clean
        pass

    def do_GET(self):
        if self.path == "/to-ftp":
            self.send_response(302)
            self.send_header("Location", "ftp://127.0.0.1/list.csv")
            self.end_headers()
            return
        if self.path == "/to-list":
            self.send_response(301)
            self.send_header("Location", "/list.csv")
            self.end_headers()
            return
        if self.path == "/no-length":
            self.send_response(200)
            self.end_headers()  # no Content-Length: the size is known only by counting
            self.wfile.write(BODY)
            return
        if self.path == "/short":
            self.send_response(200)
            self.send_header("Content-Length", str(len(BODY) + 100))
            self.end_headers()
            self.wfile.write(BODY)
            return
        super().do_GET()


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    (root / "list.csv").write_bytes(BODY)
    (root / "empty.csv").write_bytes(b"")
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(root)))
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_a_url_is_downloaded_into_the_cache_with_its_hash_and_date(server, tmp_path):
    calls = []
    got = fetch(f"{server}/list.csv", directory=tmp_path / "cache", progress=lambda n, total: calls.append((n, total)))
    assert got.url == f"{server}/list.csv"
    assert got.path.parent == tmp_path / "cache"
    assert got.path.read_bytes() == BODY
    assert got.sha256 == hashlib.sha256(BODY).hexdigest()
    assert got.size == len(BODY)
    assert len(got.retrieved) == 10 and got.retrieved[4] == "-"
    assert got.path.name.endswith("-list.csv")
    # Progress: rising counts ending at the full size, with the size the server announced.
    assert calls[-1] == (len(BODY), len(BODY))
    assert [n for n, _ in calls] == sorted(n for n, _ in calls)
    # Nothing but the finished file is left in the cache.
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [got.path.name]


def test_the_cache_defaults_to_the_user_cache_directory(server, tmp_path, monkeypatch):
    monkeypatch.setenv("FLOWMAP_CACHE_DIR", str(tmp_path / "user-cache"))
    got = fetch(f"{server}/list.csv")
    assert got.path.parent == tmp_path / "user-cache" / "downloads"


def test_a_download_without_a_length_is_counted(server, tmp_path):
    calls = []
    got = fetch(f"{server}/no-length", directory=tmp_path, progress=lambda n, total: calls.append(total))
    assert got.size == len(BODY)
    assert set(calls) == {None}


def test_redirects_are_followed_within_http(server, tmp_path):
    assert fetch(f"{server}/to-list", directory=tmp_path).path.read_bytes() == BODY


def test_a_redirect_to_another_scheme_is_refused(server, tmp_path):
    with pytest.raises(InputError, match="not an http"):
        fetch(f"{server}/to-ftp", directory=tmp_path)


def test_size_cap_announced_and_counted(server, tmp_path):
    cache = tmp_path / "cache"
    with pytest.raises(InputError, match="larger than the"):
        fetch(f"{server}/list.csv", directory=cache, max_bytes=1000)
    with pytest.raises(InputError, match="larger than the") as caught:
        fetch(f"{server}/no-length", directory=cache, max_bytes=1000)
    assert f"{server}/no-length" in str(caught.value)
    assert list(cache.iterdir()) == []  # the partial download is gone


def test_http_errors_name_the_url_and_status(server, tmp_path):
    with pytest.raises(InputError) as caught:
        fetch(f"{server}/missing.xlsx", directory=tmp_path)
    assert f"{server}/missing.xlsx" in str(caught.value) and "404" in str(caught.value)


def test_a_cut_short_or_empty_download_is_an_error(server, tmp_path):
    cache = tmp_path / "cache"
    with pytest.raises(InputError, match="cut short|failed"):
        fetch(f"{server}/short", directory=cache, timeout=5)
    with pytest.raises(InputError, match="empty"):
        fetch(f"{server}/empty.csv", directory=cache)
    assert list(cache.iterdir()) == []


def test_an_unreachable_server_is_a_clear_error(tmp_path):
    with pytest.raises(FlowmapError, match="could not be downloaded"):
        fetch("http://127.0.0.1:9/x.csv", directory=tmp_path, timeout=5)


def test_local_files(tmp_path):
    path = tmp_path / "explorer.csv"
    path.write_bytes(BODY)
    got = fetch(str(path))
    assert (got.path, got.url, got.size) == (path, "", len(BODY))
    assert got.sha256 == hashlib.sha256(BODY).hexdigest()
    with pytest.raises(InputError, match="does not exist"):
        fetch(str(tmp_path / "nope.csv"))
    with pytest.raises(InputError, match="is not a file"):
        fetch(str(tmp_path))
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(InputError, match="is empty"):
        fetch(str(tmp_path / "empty.csv"))
    with pytest.raises(InputError, match="larger than"):
        fetch(str(path), max_bytes=10)


def test_other_schemes_are_refused(tmp_path):
    assert not is_url("file:///etc/passwd")
    with pytest.raises(InputError, match="file: address"):
        fetch("file:///etc/passwd")
    with pytest.raises(InputError, match="ftp: address"):
        fetch("ftp://example.org/list.csv")


def test_paths_work_as_path_objects(tmp_path):
    path = Path(tmp_path / "a.csv")
    path.write_text("a\n")
    assert fetch(path).size == 2
