"""Download against a real HTTP server on 127.0.0.1: resume, checksum, bad checksum."""

from __future__ import annotations

import hashlib
import http.server
import threading

import pytest

from vskd.data.download import DownloadError, download

PAYLOAD = bytes(range(256)) * 4096 * 3  # 3 MiB


class RangeHandler(http.server.BaseHTTPRequestHandler):
    """Serves PAYLOAD with Range support; the first ``cut_after`` bytes then drops the connection."""

    cut_once: list[int] = []
    requests: list[str | None] = []

    def log_message(self, *args):  # keep test output clean
        pass

    def do_GET(self):
        if not self.path.endswith("/Inertial.zip"):
            self.send_error(404, "Not Found")
            return
        RangeHandler.requests.append(self.headers.get("Range"))
        start = 0
        rng = self.headers.get("Range")
        if rng:
            start = int(rng.split("=")[1].split("-")[0])
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(PAYLOAD) - 1}/{len(PAYLOAD)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(PAYLOAD) - start))
        self.end_headers()
        body = PAYLOAD[start:]
        if RangeHandler.cut_once:
            cut = RangeHandler.cut_once.pop()
            self.wfile.write(body[:cut])
            self.wfile.flush()
            self.connection.close()  # an interrupted transfer
            return
        self.wfile.write(body)


@pytest.fixture
def server():
    RangeHandler.cut_once = []
    RangeHandler.requests = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), RangeHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/Inertial.zip"
    httpd.shutdown()
    httpd.server_close()


def test_interrupted_transfer_resumes_with_range(server, tmp_path):
    RangeHandler.cut_once = [1_000_000]
    digest = hashlib.sha256(PAYLOAD).hexdigest()
    dest = tmp_path / "Inertial.zip"
    assert download(server, dest, sha256=digest, backoff=0.01) == digest
    assert dest.read_bytes() == PAYLOAD
    assert RangeHandler.requests == [None, "bytes=1000000-"]
    assert not (tmp_path / "Inertial.zip.part").exists()


def test_bad_checksum_keeps_file_aside(server, tmp_path):
    dest = tmp_path / "Inertial.zip"
    with pytest.raises(DownloadError, match="sha256 mismatch for Inertial.zip"):
        download(server, dest, sha256="0" * 64, backoff=0.01)
    assert not dest.exists()
    assert (tmp_path / "Inertial.zip.bad").read_bytes() == PAYLOAD


def test_without_checksum_writes_computed_digest(server, tmp_path):
    dest = tmp_path / "Inertial.zip"
    digest = download(server, dest, backoff=0.01)
    assert digest == hashlib.sha256(PAYLOAD).hexdigest()
    assert (tmp_path / "Inertial.zip.sha256").read_text().split()[0] == digest


def test_http_error_is_clear(server, tmp_path):
    with pytest.raises(DownloadError, match="HTTP 404"):
        download(server.replace("Inertial.zip", "RGB.zip"), tmp_path / "RGB.zip", backoff=0.01)
