"""Training loop: cosine schedule, per-epoch test curve and the oracle column, CUDA switches, fused steps."""

from __future__ import annotations

import copy
import os

import pytest
import torch
from test_torchfile import Payload
from torch import nn
from torch.utils.data import Dataset

from vskd.training.common import _oracle
from vskd.training.compute import set_deterministic
from vskd.training.loop import FitSpec, checkpoint_interval, fit, make_optimizer, tsn_param_groups


class Toy(Dataset):
    def __init__(self):
        g = torch.Generator().manual_seed(0)
        self.x = torch.randn(32, 4, generator=g)
        self.y = (self.x[:, 0] > 0).long()

    def __len__(self):
        return 32

    def __getitem__(self, key):
        _, i = key  # (epoch, index) keys from the training loop's sampler
        return {"x": self.x[i], "label": self.y[i]}


def test_cosine_schedule_and_per_epoch_evaluation(tmp_path):
    torch.manual_seed(0)
    model = nn.Linear(4, 2)
    calls = []

    def evaluate():
        calls.append(model.training)
        return {"test_accuracy": 0.1 * len(calls)}

    def batch_fn(batch):
        logits = model(batch["x"])
        loss = nn.functional.cross_entropy(logits, batch["label"])
        return loss, {"ce": loss.detach()}, logits, batch["label"]

    spec = FitSpec(
        epochs=4, batch_size=8, seed=0, optimizer={"name": "sgd", "lr": 0.1}, lr_schedule="cosine", evaluate=evaluate
    )
    history = fit(model, nn.Identity(), Toy(), spec, batch_fn, tmp_path / "ck.pt", "fp")
    lrs = [row["lr"] for row in history]
    assert lrs[0] == 0.1 and all(a > b for a, b in zip(lrs, lrs[1:]))  # decays every epoch
    assert abs(lrs[-1] - 0.1 * (1 + torch.cos(torch.tensor(3 / 4 * torch.pi)).item()) / 2) < 1e-9
    assert [row["test_accuracy"] for row in history] == [0.1, 0.2, 0.30000000000000004, 0.4]
    assert model.training  # left in training mode for the next epoch


def test_oracle_column_is_the_best_test_epoch():
    history = [{"test_accuracy": a} for a in (0.5, 0.8, 0.7)]
    assert _oracle(history) == {"oracle_best_accuracy": 0.8, "oracle_best_epoch": 2}
    assert _oracle([{"loss": 1.0}]) == {}  # no per-epoch evaluation: no column


def test_deterministic_switches():
    before = torch.are_deterministic_algorithms_enabled()
    try:
        set_deterministic()
        assert torch.are_deterministic_algorithms_enabled()
        assert torch.backends.cudnn.deterministic and not torch.backends.cudnn.benchmark
        assert os.environ["CUBLAS_WORKSPACE_CONFIG"] in (":4096:8", ":16:8")
    finally:
        torch.use_deterministic_algorithms(before)


def _train(tmp_path, epochs, every=0.0):
    torch.manual_seed(0)
    model = nn.Linear(4, 2)

    def batch_fn(batch):
        logits = model(batch["x"])
        loss = nn.functional.cross_entropy(logits, batch["label"])
        return loss, {"ce": loss.detach()}, logits, batch["label"]

    spec = FitSpec(epochs=epochs, batch_size=8, seed=0, optimizer={"name": "sgd", "lr": 0.1}, checkpoint_every_s=every)
    return fit(model, nn.Identity(), Toy(), spec, batch_fn, tmp_path / "ck.pt", "fp")


def test_checkpoints_resume_and_a_damaged_one_is_moved_aside(tmp_path, caplog):
    full = _train(tmp_path / "a", 3)
    (tmp_path / "b").mkdir()
    _train(tmp_path / "b", 2)  # leaves its checkpoint after epoch 1 (none after the last epoch)
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
    torch.save({"fingerprint": "fp", "x": Payload(marker)}, ck)  # a checkpoint that would run code
    _train(tmp_path / "b", 3)
    assert not marker.exists()


def test_checkpoints_are_written_at_most_once_per_interval(tmp_path, monkeypatch):
    """Within the interval no checkpoint is written (a short run writes none), and the environment
    variable sets the interval."""
    (tmp_path / "a").mkdir()
    _train(tmp_path / "a", 3, every=3600.0)
    assert not (tmp_path / "a" / "ck.pt").exists()
    monkeypatch.setenv("VSKD_CHECKPOINT_EVERY_S", "0")
    assert checkpoint_interval() == 0.0
    (tmp_path / "b").mkdir()
    _train(tmp_path / "b", 3, every=None)
    assert torch.load(tmp_path / "b" / "ck.pt", weights_only=True)["epoch"] == 2
    monkeypatch.setenv("VSKD_CHECKPOINT_EVERY_S", "often")
    with pytest.raises(ValueError, match="VSKD_CHECKPOINT_EVERY_S must be a number"):
        checkpoint_interval()


@pytest.mark.parametrize("name", ["adam", "adamw", "sgd"])
def test_fused_optimizer_step_matches_the_per_parameter_loop(name):
    """make_optimizer takes torch's fused step on CPU; it computes the per-parameter loop's update."""
    torch.manual_seed(0)
    # no bias before the BN: its gradient is 0 up to rounding, which Adam scales to full-size steps
    ref = nn.Sequential(nn.Linear(8, 16, bias=False), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 3))
    fused = copy.deepcopy(ref)
    cfg = {"name": name, "lr": 0.01, "weight_decay": 1e-4}
    groups = tsn_param_groups(fused, cfg["lr"], cfg["weight_decay"])
    opt_fused = make_optimizer(groups, cfg)
    assert opt_fused.defaults["fused"] is True
    kind = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "sgd": torch.optim.SGD}[name]
    extra = {"momentum": 0.9} if name == "sgd" else {}
    opt_ref = kind(tsn_param_groups(ref, cfg["lr"], cfg["weight_decay"]), lr=0.01, weight_decay=1e-4, **extra)
    x, y = torch.randn(32, 8), torch.randint(0, 3, (32,))
    for _ in range(5):
        for model, opt in ((ref, opt_ref), (fused, opt_fused)):
            opt.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
    for a, b in zip(ref.parameters(), fused.parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)
