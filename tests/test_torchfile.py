"""Model files and checkpoints are loaded without running code from them (vskd.torchfile)."""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch
from torch import nn

from vskd.cli import main
from vskd.torchfile import TorchFileError, UnsafeTorchFile, load_torch_file
from vskd.training.loop import FitSpec, fit


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


class Toy(torch.utils.data.Dataset):
    def __init__(self):
        g = torch.Generator().manual_seed(0)
        self.x = torch.randn(16, 4, generator=g)
        self.y = (self.x[:, 0] > 0).long()

    def set_epoch(self, epoch):
        pass

    def __len__(self):
        return 16

    def __getitem__(self, i):
        return {"x": self.x[i], "label": self.y[i]}


def _train(tmp_path, epochs):
    torch.manual_seed(0)
    model = nn.Linear(4, 2)

    def batch_fn(batch):
        logits = model(batch["x"])
        loss = nn.functional.cross_entropy(logits, batch["label"])
        return loss, {"ce": loss.detach()}, logits, batch["label"]

    spec = FitSpec(epochs=epochs, batch_size=8, seed=0, optimizer={"name": "sgd", "lr": 0.1})
    return fit(model, nn.Identity(), Toy(), spec, batch_fn, tmp_path / "ck.pt", "fp")


def test_checkpoints_resume_and_a_damaged_one_is_moved_aside(tmp_path, caplog):
    full = _train(tmp_path / "a", 3)
    (tmp_path / "b").mkdir()
    _train(tmp_path / "b", 2)  # leaves its checkpoint after epoch 2
    resumed = _train(tmp_path / "b", 3)  # vskd's own checkpoint loads with weights_only=True
    assert [r["loss"] for r in resumed] == [r["loss"] for r in full]
    ck = tmp_path / "b" / "ck.pt"
    ck.write_bytes(ck.read_bytes()[:100])  # truncated (a full disk, a killed copy)
    with caplog.at_level("WARNING", logger="vskd.training.loop"):
        again = _train(tmp_path / "b", 3)
    assert [r["loss"] for r in again] == [r["loss"] for r in full]  # started over
    assert (tmp_path / "b" / "ck.pt.damaged").is_file()
    assert any("ck.pt: damaged" in r.getMessage() and "starts over" in r.getMessage() for r in caplog.records)
    marker = tmp_path / "pwned"
    evil_file(ck, marker)
    _train(tmp_path / "b", 3)
    assert not marker.exists()
