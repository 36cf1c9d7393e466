"""Model files and checkpoints are loaded without running code from them (vskd.torchfile)."""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch

from vskd.cli import main
from vskd.torchfile import TorchFileError, UnsafeTorchFile, load_torch_file


class Payload:
    """Unpickling this runs code: it creates ``marker`` (what an attacker's file would do)."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.makedirs, (self.marker,))


def evil_file(path, marker):
    torch.save({"state_dict": {}, "num_classes": 2, "x": Payload(marker)}, path)
    return path


def test_a_file_that_needs_code_is_refused_and_runs_nothing(tmp_path):
    marker = tmp_path / "pwned"
    path = evil_file(tmp_path / "model.pt", marker)
    with pytest.raises(UnsafeTorchFile, match=r"model\.pt: refused: .* needs code"):
        load_torch_file(path, what="model file")
    assert not marker.exists()
    load_torch_file(path, trust=True)  # the user insists: then (and only then) it runs
    assert marker.exists()


def test_missing_and_damaged_files_name_the_file(tmp_path):
    with pytest.raises(TorchFileError, match="does not exist"):
        load_torch_file(tmp_path / "none.pt")
    good = tmp_path / "good.pt"
    torch.save({"a": torch.ones(3), "cfg": {"lr": 0.1, "steps": [1, 2]}}, good)
    assert load_torch_file(good)["cfg"] == {"lr": 0.1, "steps": [1, 2]}
    bad = tmp_path / "bad.pt"
    bad.write_bytes(good.read_bytes()[:40])
    with pytest.raises(TorchFileError, match=r"bad\.pt: damaged"):
        load_torch_file(bad)


def test_vskd_predict_refuses_a_model_file_that_runs_code(tmp_path, capsys):
    marker = tmp_path / "pwned"
    path = evil_file(tmp_path / "model.pt", marker)
    rec = tmp_path / "walk.npy"
    np.save(rec, np.random.default_rng(0).normal(size=(120, 6)))
    code = main(["predict", str(path), str(rec)])
    err = capsys.readouterr().err
    assert code == 2 and "refused" in err and "--trust-model-file" in err
    assert not marker.exists()
