"""Robustness without a DAG run (issue 11): raw-file fingerprints, SHA256SUMS, source checks at
validation, owner-named temporaries, uncaught exceptions in the log, strict integers, HTTP 5xx
retries, truncated archives, skip_clips typos. The same holes through the real `snakemake`
command are in test_robustness_workflow.py."""

from __future__ import annotations

import copy
import hashlib
import http.server
import logging
import os
import socket
import subprocess
import sys
import threading
import time
import zipfile

import numpy as np
import pytest
import scipy.io
import yaml
from repo_paths import REPO, UTD_INERTIAL

from vskd.atomic import FOREIGN_STALE_S, atomic_path, remove_dead_temporaries, temp_owner
from vskd.config import ConfigError, validate_config
from vskd.data.download import DownloadError, download
from vskd.data.manifest import RawFileChanged, build_manifest, read_manifest, verify_raw_files
from vskd.data.readers import DataFileError
from vskd.data.sources import unpack_archive


def write_mat(path, seed: int, n: int = 120) -> None:
    rng = np.random.default_rng(seed)
    scipy.io.savemat(path, {"d_iner": np.cumsum(rng.normal(size=(n, 6)), axis=0)})


@pytest.fixture
def inertial_folder(tmp_path):
    root = tmp_path / "src" / "Inertial"
    root.mkdir(parents=True)
    for i, clip in enumerate(("a1_s1_t1", "a1_s2_t1", "a2_s1_t1")):
        write_mat(root / f"{clip}_inertial.mat", i)
    return root


@pytest.fixture
def config():
    return yaml.safe_load((REPO / "config.yaml").read_text())


# --- 1. raw files changed after the manifest ------------------------------------------------


def test_manifest_records_fingerprints_and_stage_check_names_the_edited_file(inertial_folder, tmp_path):
    frame = build_manifest(inertial_folder, "utd_mhad", ["inertial"])
    target = inertial_folder / "a1_s2_t1_inertial.mat"
    row = frame.set_index("clip_id").loc["a1_s2_t1"]
    assert row.inertial_size == target.stat().st_size
    assert row.inertial_mtime_ns == target.stat().st_mtime_ns
    assert row.inertial_sha256 == hashlib.sha256(target.read_bytes()).hexdigest()
    out = tmp_path / "clips.csv"
    frame.to_csv(out, index=False)
    verify_raw_files(out, ["inertial"])  # unchanged: passes
    os.utime(target)  # touched, same bytes: still fine
    verify_raw_files(out, ["inertial"])
    write_mat(target, 99)  # edited in place
    with pytest.raises(RawFileChanged, match=r"a1_s2_t1_inertial\.mat.*sha256.*snakemake -R build_manifest"):
        verify_raw_files(read_manifest(out), ["inertial"])


def test_edit_keeping_size_and_mtime_is_still_caught(inertial_folder, tmp_path):
    frame = build_manifest(inertial_folder, "utd_mhad", ["inertial"])
    target = inertial_folder / "a1_s1_t1_inertial.mat"
    st = target.stat()
    data = bytearray(target.read_bytes())
    data[-1] ^= 0xFF  # flip bits of the last sample
    target.write_bytes(bytes(data))
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
    with pytest.raises(RawFileChanged, match="a1_s1_t1_inertial.mat"):
        verify_raw_files(frame, ["inertial"])


def test_unpacked_file_message_says_to_delete_the_raw_folder(tmp_path):
    raw = tmp_path / "results" / "d" / "raw" / "Inertial"
    raw.mkdir(parents=True)
    write_mat(raw / "a3_s1_t1_inertial.mat", 0)
    manifest = tmp_path / "results" / "d" / "clips.csv"
    build_manifest(raw.parent, "utd_mhad", ["inertial"]).to_csv(manifest, index=False)
    (raw / "a3_s1_t1_inertial.mat").unlink()
    with pytest.raises(
        RawFileChanged,
        match=r"a3_s1_t1_inertial\.mat \(the file no longer exists\).*"
        r"delete .*results/d/raw and rerun",
    ):
        verify_raw_files(manifest)


def test_local_source_is_checked_against_its_sha256sums(inertial_folder):
    root = inertial_folder.parent  # SHA256SUMS one level up, as in ../shared
    lines = [
        f"{hashlib.sha256(p.read_bytes()).hexdigest()}  Inertial/{p.name}" for p in sorted(inertial_folder.iterdir())
    ]
    (root / "SHA256SUMS").write_text("\n".join(lines) + "\n")
    assert len(build_manifest(inertial_folder, "utd_mhad", ["inertial"])) == 3
    write_mat(inertial_folder / "a2_s1_t1_inertial.mat", 7)
    with pytest.raises(
        DataFileError, match=r"a2_s1_t1_inertial\.mat: sha256 \w+ differs from \w+ pinned in .*SHA256SUMS"
    ):
        build_manifest(inertial_folder, "utd_mhad", ["inertial"])


def test_a_deleted_pinned_file_is_an_error_unless_its_clip_is_skipped(inertial_folder):
    root = inertial_folder.parent
    lines = [
        f"{hashlib.sha256(p.read_bytes()).hexdigest()}  Inertial/{p.name}" for p in sorted(inertial_folder.iterdir())
    ]
    (root / "SHA256SUMS").write_text("\n".join(lines) + "\n")
    gone = sorted(inertial_folder.iterdir())[0]
    gone.unlink()
    with pytest.raises(DataFileError, match=rf"{gone.name} is pinned in the SHA256SUMS .* but missing"):
        build_manifest(inertial_folder, "utd_mhad", ["inertial"])
    clip = gone.name.removesuffix("_inertial.mat")
    assert len(build_manifest(inertial_folder, "utd_mhad", ["inertial"], skip_clips=[clip])) == 2


def test_real_inertial_folder_matches_its_sha256sums(utd_inertial_dir, caplog):
    caplog.set_level(logging.INFO)
    build_manifest(utd_inertial_dir, "utd_mhad", ["inertial"])
    assert "861 files match" in caplog.text


# --- 2. sources checked while validating the config ------------------------------------------


def test_missing_local_source_is_a_config_error_naming_the_key(config, tmp_path):
    config["datasets"]["utd"]["source"] = str(tmp_path / "nowhere")
    with pytest.raises(ConfigError, match=r"datasets\.utd\.source: .*nowhere does not exist"):
        validate_config(config)
    (tmp_path / "empty").mkdir()
    config["datasets"]["utd"]["source"] = str(tmp_path / "empty")
    with pytest.raises(ConfigError, match=r"datasets\.utd\.source: .*holds no UTD-MHAD file"):
        validate_config(config)


def test_archive_folder_missing_an_archive(config, tmp_path):
    with zipfile.ZipFile(tmp_path / "Inertial.zip", "w"):
        pass
    config["datasets"]["utd"]["source"] = str(tmp_path)
    with pytest.raises(ConfigError, match=r"datasets\.utd\.source: .*not RGB\.zip"):
        validate_config(config)


def test_real_config_lives_apart_and_validates(config, monkeypatch):
    assert not any(str(d.get("source", "")).startswith("..") for d in config["datasets"].values())
    real = yaml.safe_load((REPO / "config" / "real.yaml").read_text())
    merged = copy.deepcopy(config)
    merged["datasets"].update(real["datasets"])
    if not UTD_INERTIAL.exists():
        with pytest.raises(ConfigError, match=r"datasets\.utd_inertial_trial\.source"):
            validate_config(merged)
        pytest.skip(f"real data not available: {UTD_INERTIAL} is absent (only the error was checked)")
    monkeypatch.chdir(REPO)  # sources are relative to the working directory
    assert {"utd_inertial_trial", "utd_inertial_xsub"} <= set(validate_config(merged))


# --- 3. temporaries of killed writers ---------------------------------------------------------


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_temporaries_name_their_owner_and_dead_ones_are_removed(tmp_path):
    host = socket.gethostname().split(".")[0]
    dead = tmp_path / f".frames.h5.tmp.{host}.{dead_pid()}.abc123.h5"
    alive = tmp_path / f".frames.h5.tmp.{host}.{os.getpid()}.def456.h5"
    foreign_new = tmp_path / ".frames.h5.tmp.othernode.12345.ghi789.h5"
    foreign_old = tmp_path / ".gaf_gasf.h5.tmp.othernode.12346.jkl012.h5"
    for p in (dead, alive, foreign_new, foreign_old):
        p.write_bytes(b"half")
    old = time.time() - FOREIGN_STALE_S - 60
    os.utime(foreign_old, (old, old))
    with atomic_path(tmp_path / "clips.csv") as tmp:
        assert temp_owner(tmp.name) == (host, os.getpid())
        tmp.write_text("x\n")
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted(["clips.csv", alive.name, foreign_new.name])
    assert remove_dead_temporaries(tmp_path) == []


# --- 4. uncaught exceptions reach the log file ----------------------------------------------


def test_uncaught_exception_is_written_to_the_log_file(tmp_path):
    log = tmp_path / "logs" / "stage.log"
    code = (
        "from vskd.progress import setup_logging\n"
        f"setup_logging({str(log)!r})\n"
        "def stage():\n    raise ValueError('a1_s1_t1_inertial.mat: broken')\n"
        "stage()\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 1
    text = log.read_text()
    assert "Traceback" in text and "in stage" in text and "ValueError: a1_s1_t1_inertial.mat: broken" in text
    assert proc.stderr.count("Traceback") == 1  # not printed twice


# --- 5. smaller holes --------------------------------------------------------------------------


def test_integers_must_be_integers(config):
    config["student"]["epochs"] = 2.0
    with pytest.raises(ConfigError, match=r"student\.epochs: 2\.0 is not of type 'integer'"):
        validate_config(config)
    config["student"]["epochs"] = 2
    config["datasets"]["utd"]["student"] = {"batch_size": 8.0}
    with pytest.raises(ConfigError, match=r"datasets\.utd\.student.*8\.0 is not of type 'integer'"):
        validate_config(config)


def test_download_source_needs_a_download_block(config):
    entry = config["datasets"]["utd"]
    entry["source"] = "download"
    del entry["download"]
    with pytest.raises(ConfigError, match=r"datasets\.utd: 'download' is a required property"):
        validate_config(config)
    entry["download"] = {"inertial_url": "https://example.org/Inertial.zip"}
    with pytest.raises(ConfigError, match=r"datasets\.utd\.download\.rgb_url"):
        validate_config(config)


def test_skip_clip_matching_no_file_warns(inertial_folder, caplog):
    frame = build_manifest(inertial_folder, "utd_mhad", ["inertial"], skip_clips=["a1_s1_t1", "a9_s9_t1"])
    assert (frame.status == "skipped").sum() == 1
    assert "skip_clips lists a9_s9_t1" in caplog.text and "a1_s1_t1, but" not in caplog.text


class FlakyHandler(http.server.BaseHTTPRequestHandler):
    """503 for the first ``failures`` requests, then the payload."""

    failures = 0
    seen: list[float] = []
    payload = b"x" * 10_000

    def log_message(self, *args):
        pass

    def do_GET(self):
        FlakyHandler.seen.append(time.monotonic())
        if len(FlakyHandler.seen) <= FlakyHandler.failures:
            self.send_error(503, "Service Unavailable")
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.payload)))
        self.end_headers()
        self.wfile.write(self.payload)


@pytest.fixture
def flaky_server():
    FlakyHandler.seen = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FlakyHandler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/Inertial.zip"
    httpd.shutdown()
    httpd.server_close()


def test_http_5xx_is_retried_with_backoff(flaky_server, tmp_path):
    FlakyHandler.failures = 2
    digest = hashlib.sha256(FlakyHandler.payload).hexdigest()
    assert download(flaky_server, tmp_path / "Inertial.zip", sha256=digest, backoff=0.2) == digest
    gaps = np.diff(FlakyHandler.seen)
    assert len(FlakyHandler.seen) == 3 and gaps[0] >= 0.2 and gaps[1] >= 0.4  # 0.2 s, then 0.4 s


def test_http_5xx_that_persists_fails_with_the_status(flaky_server, tmp_path):
    FlakyHandler.failures = 99
    with pytest.raises(DownloadError, match=r"incomplete after 3 attempts.*HTTP 503"):
        download(flaky_server, tmp_path / "Inertial.zip", retries=3, backoff=0.01)


def test_truncated_archive_says_what_to_delete(tmp_path, inertial_folder):
    archive = tmp_path / "results" / "d" / "archives" / "Inertial.zip"
    archive.parent.mkdir(parents=True)
    with zipfile.ZipFile(archive, "w") as zf:
        for p in inertial_folder.iterdir():
            zf.write(p, f"Inertial/{p.name}")
    archive.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    with pytest.raises(
        DataFileError,
        match=r"Inertial\.zip: truncated or corrupt zip archive .*"
        r"rule download_archive: delete .*Inertial\.zip and rerun",
    ):
        unpack_archive(archive, tmp_path / "raw", "inertial", "utd_mhad", origin="download")
    with pytest.raises(DataFileError, match=r"rule synthesize: delete .*Inertial\.zip and rerun"):
        unpack_archive(archive, tmp_path / "raw", "inertial", "utd_mhad", origin="synthetic")


def test_a_very_long_recording_is_named_by_the_manifest_before_any_gaf(inertial_folder):
    """200,000 samples would need an N x N field (~2.9 TB) per channel: the manifest names the file."""
    import resource

    write_mat(inertial_folder / "a3_s1_t1_inertial.mat", 9, n=200_000)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(DataFileError, match=r"a3_s1_t1_inertial\.mat: 200000 samples .* exceed gaf\.max_samples"):
        build_manifest(inertial_folder, "utd_mhad", ["inertial"])
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 500_000  # KiB: bounded memory
    frame = build_manifest(inertial_folder, "utd_mhad", ["inertial"], skip_clips=["a3_s1_t1"])
    assert (frame.status == "skipped").sum() == 1


def test_one_wrong_timestamp_is_an_error_not_a_huge_resampling():
    from vskd.data.adapters import Recording
    from vskd.data.conditioning import Conditioning, condition

    times = np.arange(100) / 50.0
    times[50] = 1e7  # one corrupt timestamp: a 116-day span at 50 Hz
    rec = Recording("acc", ("x", "y", "z"), np.zeros((100, 3)), times, 50.0, "rec.csv")
    with pytest.raises(DataFileError, match=r"rec\.csv: \d+ samples at 50 Hz .* exceed gaf\.max_samples"):
        condition(rec, Conditioning(rate_hz=50.0))


def test_duplicate_members_and_archive_bombs_are_refused_before_writing(tmp_path, inertial_folder, monkeypatch):
    import zipfile

    from vskd.data import sources

    dup = tmp_path / "dup.zip"
    with zipfile.ZipFile(dup, "w") as zf:
        for p in inertial_folder.iterdir():
            zf.write(p, f"Inertial/{p.name}")
        zf.write(next(inertial_folder.iterdir()), f"copy/{next(inertial_folder.iterdir()).name}")
    with pytest.raises(DataFileError, match=r"dup\.zip: members .* are the same dataset file"):
        unpack_archive(dup, tmp_path / "raw", "inertial", "utd_mhad")
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("Inertial/a1_s1_t1_inertial.mat", b"\0" * (3 << 20))  # 3 MiB of zeros: a few KB zipped
    monkeypatch.setattr(sources, "MAX_MEMBER_BYTES", 1 << 20)
    with pytest.raises(DataFileError, match=r"bomb\.zip: member .* unpacks to"):
        unpack_archive(bomb, tmp_path / "raw2", "inertial", "utd_mhad")
    assert not any((tmp_path / "raw2").rglob("*.mat"))  # nothing written


def test_a_file_added_to_the_unpacked_folder_is_noticed_at_start_up(tmp_path):
    from vskd.data.manifest import check_unpacked_files

    raw = tmp_path / "results" / "d" / "raw" / "Inertial"
    raw.mkdir(parents=True)
    write_mat(raw / "a3_s1_t1_inertial.mat", 0)
    manifest = tmp_path / "results" / "d" / "clips.csv"
    write_mat(raw / "a5_s1_t1_inertial.mat", 2)  # a skipped clip's file is known, not added
    build_manifest(raw.parent, "utd_mhad", ["inertial"], skip_clips=["a5_s1_t1"]).to_csv(manifest, index=False)
    check_unpacked_files(manifest, raw.parent, "utd_mhad")  # nothing changed
    write_mat(raw / "a4_s1_t1_inertial.mat", 1)
    with pytest.raises(RawFileChanged, match=r"a4_s1_t1_inertial\.mat \(added after the manifest was built\)"):
        check_unpacked_files(manifest, raw.parent, "utd_mhad")
