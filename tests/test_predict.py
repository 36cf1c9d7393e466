"""``vskd predict``: every recording format the adapters read, bad files, table / JSON Lines / CSV.

The student is randomly initialised (a small backbone keeps the export fast); what is tested is the
reading, conditioning, checking and reporting around it, and that its probabilities are the
training code's on ``gaf_image`` of the same recording.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import numpy as np
import pytest
import scipy.io
import torch
from test_export import GAF, save_student

from vskd.cli import main
from vskd.data import utd
from vskd.data.adapters import get_adapter
from vskd.data.synthetic.berkeley_mhad import BerkeleySpec, write_synthetic_berkeley
from vskd.data.synthetic.berkeley_mhad import design as berkeley_design
from vskd.data.synthetic.mmact import MMActSpec, write_synthetic_mmact
from vskd.data.synthetic.mmact import design as mmact_design
from vskd.data.synthetic.utd_mhad import SyntheticSpec, synthesize_clip
from vskd.export.exporter import export_student
from vskd.export.model import load_student
from vskd.gaf import gaf_image


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("predict")
    model = save_student(d / "model.pt", backbone="smallcnn")
    eff = {
        "name": "utd",
        "seed": 0,
        "gaf": dict(GAF),
        "dataset": {"kind": "utd_mhad", "source": "synthetic", "split": "trial"},
    }
    export_student(model, d / "student.onnx", d / "student.pt", d / "student.json", eff)
    return d


@pytest.fixture(scope="module")
def recordings(tmp_path_factory):
    """One generated file of each format, in the datasets' official layouts and names."""
    d = tmp_path_factory.mktemp("recordings")
    _, imu = synthesize_clip(SyntheticSpec(frame_width=32, frame_height=24), utd.ClipId(2, 1, 1))
    scipy.io.savemat(d / "a2_s1_t1_inertial.mat", {"d_iner": imu})
    bspec = BerkeleySpec(cameras=())
    write_synthetic_berkeley(bspec, d / "berkeley", clips=berkeley_design(bspec)[:1])
    mspec = MMActSpec(cameras=())
    write_synthetic_mmact(mspec, d / "mmact", clips=mmact_design(mspec)[:1])
    np.save(d / "walk.npy", imu[:, :3])
    return {
        "utd": d / "a2_s1_t1_inertial.mat",
        "imu": imu,
        "berkeley": next((d / "berkeley").rglob("acc_h01_*.txt")),
        "mmact": next((d / "mmact" / "acc_watch_clip").rglob("*.csv")),
        "mmact_gyro": next((d / "mmact" / "gyro_clip").rglob("*.csv")),
        "npy": d / "walk.npy",
    }


def run_cli(args, capsys):
    code = main(["predict", *[str(a) for a in args]])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("model_name", ["student.onnx", "student.pt", "model.pt"])
def test_every_format_and_model_kind(model_dir, recordings, capsys, model_name):
    files = [recordings[k] for k in ("utd", "berkeley", "mmact", "npy")]
    code, out, err = run_cli([model_dir / model_name, *files, "--json"], capsys)
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["path"] for r in rows] == [str(f) for f in files]
    for r in rows:
        assert set(r) >= {"path", "label", "class_name", "probabilities"}
        assert 0 <= r["label"] < 27 and r["class_name"] == get_adapter("utd_mhad").class_names[r["label"]]
        assert len(r["probabilities"]) == 27 and abs(sum(r["probabilities"]) - 1) < 1e-4
        assert r["label"] == int(np.argmax(r["probabilities"]))
    assert "resampled" not in rows[0].get("notes", "")  # UTD at 50 Hz: used as it is


def test_predictions_are_the_training_codes_on_gaf_image(model_dir, recordings, capsys):
    code, out, _ = run_cli([model_dir / "student.onnx", recordings["utd"], "--json"], capsys)
    probs = np.array(json.loads(out)["probabilities"])
    student = load_student(model_dir / "model.pt")
    img = gaf_image(recordings["imu"].astype(np.float32).astype(np.float64), GAF["channels"], "gasf", 64)
    with torch.no_grad():
        ref = torch.softmax(student.network(torch.tensor(img[None], dtype=torch.float32)).logits, -1)[0]
    np.testing.assert_allclose(probs, ref.numpy(), atol=1e-5)


def test_table_output(model_dir, recordings, capsys):
    code, out, _ = run_cli([model_dir / "student.onnx", recordings["utd"]], capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["path", "label", "class"] and str(recordings["utd"]) in lines[1]


def bad_files(folder, imu):
    folder.mkdir()
    scipy.io.savemat(folder / "a1_s1_t1_inertial.mat", {"d_iner": imu})  # good
    scipy.io.savemat(folder / "a1_s2_t1_inertial.mat", {"d_iner": imu[:5]})  # too short
    (folder / "a1_s3_t1_inertial.mat").write_bytes(b"not a MATLAB file at all")  # unreadable
    nan = imu[:, :3].copy()
    nan[10, 1] = np.nan
    np.save(folder / "nan.npy", nan)  # NaN
    np.save(folder / "five.npy", imu[:, :5])  # 5 channels
    (folder / "notes.txt").write_text("hello world\n")  # not a table
    return {
        "good": folder / "a1_s1_t1_inertial.mat",
        "short": folder / "a1_s2_t1_inertial.mat",
        "unreadable": folder / "a1_s3_t1_inertial.mat",
        "nan": folder / "nan.npy",
        "channels": folder / "five.npy",
        "text": folder / "notes.txt",
    }


def test_a_folder_gives_a_csv_and_bad_files_do_not_lose_the_others(model_dir, recordings, tmp_path, capsys):
    files = bad_files(tmp_path / "mixed", recordings["imu"])
    out_csv = tmp_path / "pred.csv"
    code, out, err = run_cli([model_dir / "student.onnx", tmp_path / "mixed", "-o", out_csv], capsys)
    assert code == 1  # some failed, the rest predicted
    rows = {r["path"]: r for r in csv.DictReader(io.StringIO(out_csv.read_text()))}
    assert set(rows) == {str(p) for p in files.values()}
    good = rows[str(files["good"])]
    assert good["error"] == "" and good["class_name"] in get_adapter("utd_mhad").class_names
    assert abs(sum(float(good[f"p_{c}"]) for c in get_adapter("utd_mhad").class_names) - 1) < 1e-3
    expect = {
        "short": "too short: 5 samples",
        "unreadable": "not a readable MATLAB file",
        "nan": "NaN",
        "channels": "5 channels, the model needs 3",
        "text": "expected 4 columns",
    }
    for key, words in expect.items():
        msg = rows[str(files[key])]["error"]
        assert str(files[key]) in msg and words in msg, (key, msg)
        assert str(files[key]) in err  # and on stderr
    assert "1 of 6 recordings predicted" in err


def test_output_folder_threads_and_a_previous_output_in_the_folder(model_dir, recordings, tmp_path, capsys):
    code, _, err = run_cli([model_dir / "student.onnx", recordings["utd"], "-o", tmp_path / "nope" / "p.csv"], capsys)
    assert code == 2 and "nope does not exist" in err  # refused before any work, not after
    with pytest.raises(SystemExit):
        run_cli([model_dir / "student.onnx", recordings["utd"], "--threads", "0"], capsys)
    assert "must be at least 1" in capsys.readouterr().err
    folder = tmp_path / "recs"
    folder.mkdir()
    np.save(folder / "walk.npy", np.load(recordings["npy"]))
    out_csv = folder / "pred.csv"
    for _ in range(2):  # the second run must not read its own earlier output as a recording
        code, _, err = run_cli([model_dir / "student.onnx", folder, "-o", out_csv], capsys)
        assert code == 0, err
        assert len(list(csv.DictReader(io.StringIO(out_csv.read_text())))) == 1


def test_wrong_channels_are_named(model_dir, recordings, capsys):
    code, out, err = run_cli([model_dir / "student.onnx", recordings["mmact_gyro"], "--json"], capsys)
    assert code == 1
    row = json.loads(out)
    assert "wrong channels" in row["error"] and "acc_x" in row["error"] and "gyro_x" in row["error"]
    assert str(recordings["mmact_gyro"]) in row["error"]


def test_model_errors(tmp_path, recordings, capsys):
    code, _, err = run_cli([tmp_path / "missing.onnx", recordings["utd"]], capsys)
    assert code == 2 and "does not exist" in err
    (tmp_path / "lonely.onnx").write_bytes(b"x")
    code, _, err = run_cli([tmp_path / "lonely.onnx", recordings["utd"]], capsys)
    assert code == 2 and "sidecar" in err


def test_console_script_module(model_dir, recordings):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "vskd.cli",
            "predict",
            str(model_dir / "student.onnx"),
            str(recordings["utd"]),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["path"] == str(recordings["utd"])


def test_real_utd_files(model_dir, utd_inertial_dir, capsys):
    from vskd.data.readers import read_inertial

    files = sorted(utd_inertial_dir.glob("*_inertial.mat"))[::100]
    code, out, _ = run_cli([model_dir / "student.onnx", *files, "--json"], capsys)
    assert code == 0
    student = load_student(model_dir / "model.pt")
    for f, line in zip(files, out.splitlines()):
        row = json.loads(line)
        img = gaf_image(read_inertial(f).astype(np.float32).astype(np.float64), GAF["channels"], "gasf", 64)
        with torch.no_grad():
            ref = torch.softmax(student.network(torch.tensor(img[None], dtype=torch.float32)).logits, -1)[0]
        np.testing.assert_allclose(row["probabilities"], ref.numpy(), atol=1e-4)


def test_damaged_onnx_or_sidecar_is_a_model_error(model_dir, recordings, tmp_path, capsys):
    import shutil

    onnx = tmp_path / "student.onnx"
    shutil.copy(model_dir / "student.json", tmp_path / "student.json")
    onnx.write_bytes((model_dir / "student.onnx").read_bytes()[:500])  # a cut download
    code, _, err = run_cli([onnx, recordings["utd"]], capsys)
    assert code == 2 and "student.onnx: not a readable ONNX model" in err
    shutil.copy(model_dir / "student.onnx", onnx)
    (tmp_path / "student.json").write_text("{not json")
    code, _, err = run_cli([onnx, recordings["utd"]], capsys)
    assert code == 2 and "student.json: not a readable sidecar" in err
    (tmp_path / "student.json").write_text('{"class_names": ["a"]}')
    code, _, err = run_cli([onnx, recordings["utd"]], capsys)
    assert code == 2 and "student.json: sidecar without input" in err
    cplx = tmp_path / "c.npy"
    np.save(cplx, np.ones((100, 3), np.complex64))
    shutil.copy(model_dir / "student.json", tmp_path / "student.json")
    code, out, _ = run_cli([onnx, cplx, "--json"], capsys)
    assert code == 1 and "expected real numbers" in json.loads(out)["error"]


def test_a_second_process_writing_the_same_output_is_refused(model_dir, recordings, tmp_path, capsys):
    """While one vskd predict holds -o (its lock), another process writing it exits 2 before any
    work instead of silently replacing the first one's predictions."""
    import fcntl

    out_csv = tmp_path / "pred.csv"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, sys, time; f = open(sys.argv[1], 'a'); fcntl.flock(f, fcntl.LOCK_EX); "
            "print('locked', flush=True); time.sleep(30)",
            str(tmp_path / ".pred.csv.lock"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        code, _, err = run_cli([model_dir / "student.onnx", recordings["utd"], "-o", out_csv], capsys)
        assert code == 2 and "another vskd predict is writing it" in err and not out_csv.exists()
    finally:
        holder.kill()
        holder.wait()
    code, _, err = run_cli([model_dir / "student.onnx", recordings["utd"], "-o", out_csv], capsys)
    assert code == 0 and out_csv.is_file(), err
    with open(tmp_path / ".pred.csv.lock", "a") as f:  # released after the prediction
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
