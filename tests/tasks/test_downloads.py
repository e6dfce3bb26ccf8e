"""The downloader against a local HTTP server serving small fixture files (no network): the
checksums, the resume of a partial file, a server that ignores ranges, wrong files, no network,
and the data directory as a dataset spec (issue 14)."""

from __future__ import annotations

import hashlib
import http.server
import json
import socket
import threading

import numpy as np
import pytest

from ibcomplexity import InputError
from ibcomplexity.tasks import downloads
from ibcomplexity.tasks.downloads import Source, data_dir, download, source_status


class _Handler(http.server.BaseHTTPRequestHandler):
    files: dict[str, bytes] = {}
    ranges: list[str] = []
    honour_range = True

    def do_GET(self):  # noqa: N802 - the http.server API
        body = self.files.get(self.path.lstrip("/"))
        if body is None:
            self.send_error(404)
            return
        rng = self.headers.get("Range")
        type(self).ranges.append(rng or "")
        start = int(rng.split("=")[1].rstrip("-")) if rng and self.honour_range else 0
        self.send_response(206 if start else 200)
        self.send_header("Content-Length", str(len(body) - start))
        self.end_headers()
        self.wfile.write(body[start:])

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    _Handler.files, _Handler.ranges, _Handler.honour_range = {}, [], True
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield _Handler, f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


def _md5(b: bytes) -> str:
    return hashlib.md5(b, usedforsecurity=False).hexdigest()


def _source(url, files, spec=""):
    return Source(
        "fake", "a fake data set", (url,), tuple((n, _md5(b)) for n, b in files.items()), spec, ""
    )


def test_download_verifies_and_skips_what_is_there(server, tmp_path):
    handler, url = server
    handler.files = {"a.bin": b"a" * 3000, "b.bin": bytes(range(256)) * 10}
    src = _source(url, handler.files)
    folder = download(src, tmp_path)
    assert folder == tmp_path / "fake"
    assert (folder / "a.bin").read_bytes() == handler.files["a.bin"]
    assert not list(folder.glob("*.part"))
    assert source_status(src, tmp_path)["complete"]
    handler.ranges.clear()
    download(src, tmp_path)  # already there and verified: nothing is fetched
    assert handler.ranges == []


@pytest.mark.parametrize("honour", [True, False])
def test_an_interrupted_download_resumes_from_its_part(server, tmp_path, honour):
    handler, url = server
    body = bytes(range(256)) * 4000
    handler.files, handler.honour_range = {"big.bin": body}, honour
    src = _source(url, handler.files)
    (tmp_path / "fake").mkdir()
    (tmp_path / "fake" / "big.bin.part").write_bytes(body[:300_000])
    assert source_status(src, tmp_path)["files"]["big.bin"] == "partial"
    download(src, tmp_path)
    assert handler.ranges == ["bytes=300000-"]  # asked for the rest only
    assert (tmp_path / "fake" / "big.bin").read_bytes() == body  # whole either way


def test_a_wrong_file_is_refused_and_never_kept(server, tmp_path):
    handler, url = server
    handler.files = {"a.bin": b"the real bytes"}
    src = Source("fake", "", (url,), (("a.bin", "0" * 32),), "", "")
    with pytest.raises(InputError, match=r"a.bin from fake has MD5 \w+, not the published 0+"):
        download(src, tmp_path)
    assert not list((tmp_path / "fake").iterdir())
    (tmp_path / "fake" / "a.bin").write_bytes(b"tampered")
    with pytest.raises(InputError, match="not the published .*delete it and download again"):
        download(src, tmp_path)


def test_no_network_is_one_line_naming_the_folder(tmp_path):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    src = Source("fake", "", (f"http://127.0.0.1:{port}/",), (("a.bin", "0" * 32),), "", "")
    with pytest.raises(InputError) as e:
        download(src, tmp_path)
    msg = str(e.value)
    assert "cannot download a.bin" in msg and str(tmp_path / "fake") in msg and "\n" not in msg


def test_the_data_directory_setting(monkeypatch, tmp_path):
    monkeypatch.delenv("IBC_DATA", raising=False)
    assert data_dir() == data_dir(None) and str(data_dir()).endswith("ibcomplexity/data")
    monkeypatch.setenv("IBC_DATA", str(tmp_path))
    assert data_dir() == tmp_path and data_dir("/x") == data_dir("/x")
    with pytest.raises(InputError, match="unknown data set 'nope'; downloadable: mnist"):
        download("nope")


def test_the_cli_downloads_lists_and_reads_a_data_set(server, tmp_path, monkeypatch, capsys):
    """``ibc --data-dir D data download NAME``, ``ibc data list`` and ``--dataset NAME``."""
    from ibcomplexity.cli import main

    handler, url = server
    rng = np.random.default_rng(0)
    npz = tmp_path / "src.npz"
    np.savez(npz, x=rng.random((60, 4)).astype(np.float32), y=np.arange(60) % 3)
    handler.files = {"data.npz": npz.read_bytes()}
    fake = _source(url, handler.files, spec="npz:{dir}/data.npz")
    monkeypatch.setattr(downloads, "SOURCES", {"fake": fake})
    # --data-dir sets $IBC_DATA for the command; this makes the test restore it afterwards
    monkeypatch.setenv("IBC_DATA", str(tmp_path / "unused"))
    root = tmp_path / "data"
    assert main(["--data-dir", str(root), "data", "download", "fake", "--json", "--quiet"]) == 0
    assert json.loads(capsys.readouterr().out) == {"downloaded": {"fake": str(root / "fake")}}
    assert main(["--data-dir", str(root), "data", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["data_dir"] == str(root) and listed["datasets"][0]["status"] == "downloaded"
    assert main(["--data-dir", str(root), "stats", "--dataset", "fake", "--json", "--quiet"]) == 0
    assert json.loads(capsys.readouterr().out)["n"] == 60
    assert main(["--data-dir", str(tmp_path / "empty"), "stats", "--dataset", "fake"]) == 2
    assert "run 'ibc data download fake'" in capsys.readouterr().err
