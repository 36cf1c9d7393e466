"""Device, precision and data loading of the training loop: the epoch-keyed sampler, workers kept
alive across epochs, bf16/fp16 autocast against fp32 on a real student, teacher and DASK loss."""

from __future__ import annotations

import pytest
import torch
import yaml
from repo_paths import REPO
from torch import nn
from torch.utils.data import DataLoader, Dataset

from vskd.distill.base import DistillContext, NetSpec
from vskd.distill.registry import build_method
from vskd.models.registry import build_network
from vskd.training.compute import Compute
from vskd.training.loop import EpochBatchSampler, FitSpec, fit


def test_the_epoch_sampler_draws_the_order_of_a_per_epoch_shuffled_loader():
    for epoch in (0, 3):
        g = torch.Generator().manual_seed(5 * 100_003 + epoch)
        loader = DataLoader(range(37), batch_size=8, shuffle=True, drop_last=True, generator=g)
        sampler = EpochBatchSampler(37, 8, seed=5)
        sampler.set_epoch(epoch)
        assert [[i for _, i in b] for b in sampler] == [b.tolist() for b in loader]
        assert {e for b in sampler for e, _ in b} == {epoch} and len(sampler) == 4


class EpochNoise(Dataset):
    """Items that depend on the epoch of their key, as ClipDataset's random crops do."""

    def __init__(self):
        g = torch.Generator().manual_seed(0)
        self.x = torch.randn(48, 4, generator=g)
        self.y = (self.x[:, 0] > 0).long()

    def __len__(self):
        return 48

    def __getitem__(self, key):
        epoch, i = key
        noise = torch.randn(4, generator=torch.Generator().manual_seed(epoch * 1000 + i))
        return {"x": self.x[i] + 0.3 * noise, "label": self.y[i]}


def _fit_linear(tmp_path, num_workers=0, precision="fp32"):
    torch.manual_seed(0)
    model = nn.Linear(4, 2)

    def batch_fn(batch):
        logits = model(batch["x"])
        loss = nn.functional.cross_entropy(logits.float(), batch["label"])
        return loss, {"ce": loss.detach()}, logits, batch["label"]

    spec = FitSpec(
        epochs=3,
        batch_size=8,
        seed=0,
        optimizer={"name": "sgd", "lr": 0.1},
        num_workers=num_workers,
        compute=Compute(torch.device("cpu"), precision),
        checkpoint_every_s=0.0,
    )
    return fit(model, nn.Identity(), EpochNoise(), spec, batch_fn, tmp_path / "ck.pt", "fp")


def test_workers_kept_alive_across_epochs_sample_every_epoch_afresh(tmp_path):
    inline = _fit_linear(tmp_path / "a")
    workers = _fit_linear(tmp_path / "b", num_workers=2)
    assert [r["loss"] for r in workers] == pytest.approx([r["loss"] for r in inline], rel=1e-6)
    assert Compute(torch.device("cpu")).loader_options(2) == {
        "num_workers": 2,
        "pin_memory": False,  # pinned memory only where there is a GPU to copy to
        "persistent_workers": True,
    }


def test_fp16_scales_the_loss_and_keeps_its_scaler_in_the_checkpoint(tmp_path):
    history = _fit_linear(tmp_path, precision="fp16")
    assert len(history) == 3 and all(torch.isfinite(torch.tensor(r["loss"])) for r in history)
    assert torch.load(tmp_path / "ck.pt", weights_only=True)["scaler"]["scale"] > 0
    with pytest.raises(ValueError, match="precision must be one of"):
        Compute(torch.device("cpu"), "fp8")


def _sections():
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    teacher = dict(config["teacher"], num_segments=3, crop_height=32, crop_width=32, img_feature_dim=32)
    student = dict(config["student"], embedding_dim=32)
    return teacher, student


class Clips(Dataset):
    """Class-coded 32 x 32 GAF-like images and 3-frame clips (a learnable toy of the real inputs)."""

    def __init__(self, n=64, classes=4):
        g = torch.Generator().manual_seed(1)
        self.y = torch.arange(n) % classes
        pattern = torch.rand(classes, 3, 32, 32, generator=g)
        self.gaf = (pattern[self.y] + 0.5 * torch.rand(n, 3, 32, 32, generator=g)).clamp(0, 1) * 255
        self.frames = (pattern[self.y, None] * 255 + 40 * torch.randn(n, 3, 3, 32, 32, generator=g)).clamp(0, 255)

    def __len__(self):
        return len(self.y)

    def __getitem__(self, key):
        _, i = key
        return {"gaf": self.gaf[i], "frames": self.frames[i], "label": self.y[i], "index": torch.tensor(i)}


def _dask(seed=0, device="cpu"):
    teacher_cfg, student_cfg = _sections()
    torch.manual_seed(seed)
    teacher = build_network("trn", teacher_cfg, 4).eval().to(device)
    student = build_network("gaf_cnn", student_cfg, 4).to(device)
    ctx = DistillContext(NetSpec.of(student, 4), NetSpec.of(teacher, 4), num_train=64)
    return teacher, student, build_method("dask", {}, ctx).to(device), student_cfg


def distil(tmp_path, precision, device="cpu"):
    """DASK with the frozen teacher run online inside the student loop, as the paper runs it;
    returns the per-epoch history (also used by the GPU tests)."""
    teacher, student, method, student_cfg = _dask(device=device)

    def batch_fn(batch):
        with torch.no_grad():
            t_out = teacher(batch["frames"])
        s_out = student(batch["gaf"])
        loss, parts = method(s_out, t_out, batch["label"], batch["index"])
        return loss, parts, s_out.logits, batch["label"]

    spec = FitSpec(
        epochs=3,
        batch_size=16,
        seed=0,
        optimizer=student_cfg["optimizer"],
        compute=Compute(torch.device(device), precision),
    )
    return fit(student, method, Clips(), spec, batch_fn, tmp_path / precision / "ck.pt", precision)


def test_bf16_autocast_gives_the_fp32_loss_terms_on_the_same_weights():
    teacher, student, method, _ = _dask()
    clips = Clips()
    batch = {k: torch.stack([clips[(0, i)][k] for i in range(16)]) for k in ("gaf", "frames", "label", "index")}
    results = {}
    for precision in ("fp32", "bf16"):
        with torch.no_grad(), Compute(torch.device("cpu"), precision).autocast():
            s_out, t_out = student(batch["gaf"]), teacher(batch["frames"])
            results[precision] = method(s_out, t_out, batch["label"], batch["index"])
    (loss32, terms32), (loss16, terms16) = results["fp32"], results["bf16"]
    assert s_out.logits.dtype == torch.bfloat16  # autocast did run the networks in bf16
    assert float(loss16) == pytest.approx(float(loss32), rel=0.02)
    for term, value in terms32.items():
        assert float(terms16[term]) == pytest.approx(float(value), rel=0.1), term


def test_bf16_training_ends_close_to_fp32(tmp_path):
    fp32, bf16 = distil(tmp_path, "fp32")[-1], distil(tmp_path, "bf16")[-1]
    assert fp32["train_accuracy"] > 0.5  # it learns: the comparison is not between two blanks
    assert abs(bf16["train_accuracy"] - fp32["train_accuracy"]) <= 0.1
    assert bf16["loss"] == pytest.approx(fp32["loss"], rel=0.1)
