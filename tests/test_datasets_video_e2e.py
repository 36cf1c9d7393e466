"""The video teacher and a distillation run on the synthetic Berkeley-MHAD (one camera: keyed by
clip) and MMAct cross_view (four cameras: one sample per (clip, camera)) through the real
`snakemake` command. Tiny data and one epoch each; marked e2e."""

from __future__ import annotations

import h5py
import pandas as pd
import pytest
import yaml
from repo_paths import REPO
from workflow_runner import snakemake

pytestmark = pytest.mark.e2e


def tiny_config() -> dict:
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    frame = {"frame_width": 40, "frame_height": 32}
    config["datasets"] = {
        "berkeley": {
            **config["datasets"]["berkeley"],
            "cameras": ["cluster01_cam01"],
            "synthetic": {"seed": 0, "subjects": 9, "repetitions": 1, "cameras": ["cluster01_cam01"], **frame},
        },
        "mmact": {
            **config["datasets"]["mmact"],
            "split": "cross_view",
            "cameras": ["cam1", "cam2", "cam3", "cam4"],
            "synthetic": {
                "seed": 0,
                "subjects": 2,
                "actions": 3,
                "fps": 8,
                "cameras": ["cam1", "cam2", "cam3", "cam4"],
                **frame,
            },
        },
    }
    config["frames"].update(height=32, width=40, storage="raw", compression="none")
    config["teacher"].update(
        backbone="smallcnn", num_segments=3, crop_height=32, crop_width=32, epochs=1, eval_every_epoch=False
    )
    config["student"].update(epochs=1, eval_every_epoch=False)
    config["gaf"]["image_size"] = 32
    config["knowledge"].update(views=2, map_views=0)
    config["seeds"] = [0]
    config["runs"] = [{"name": "ce", "method": "ce"}, {"name": "kd", "method": "kd"}]
    config["design_card"] = {"student": "kd", "baseline": "ce"}
    return config


def test_teacher_and_distillation_on_berkeley_and_mmact_cross_view(tmp_path):
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(tiny_config()))
    targets = [f"results/{d}/{card}_metrics.csv" for d in ("berkeley", "mmact") for card in ("student", "teacher")]
    snakemake(tmp_path, *targets)
    res = tmp_path / "results"
    # Berkeley, one camera: everything keyed by clip id
    bk_split = pd.read_csv(res / "berkeley" / "splits" / "cross_subject.csv")
    with h5py.File(res / "berkeley" / "frames.h5") as h5:
        assert set(h5["clips"]) == set(bk_split.clip_id) and h5.attrs["keying"] == "clip"
    teacher = pd.read_csv(res / "berkeley" / "teacher_metrics.csv").iloc[0]
    assert teacher.n_test == (bk_split.subset == "test").sum() == 22
    # MMAct cross_view: (clip, camera) samples, cam4 tested
    mm_split = pd.read_csv(res / "mmact" / "splits" / "cross_view.csv")
    clips = pd.read_csv(res / "mmact" / "clips.csv")
    assert len(mm_split) == 4 * len(clips) == 24
    assert set(mm_split[mm_split.subset == "test"].clip_id.str.split("@").str[1]) == {"cam4"}
    with h5py.File(res / "mmact" / "frames.h5") as h5:
        assert set(h5["clips"]) == set(mm_split.clip_id) and h5.attrs["keying"] == "clip@camera"
    with h5py.File(res / "mmact" / "models" / "teacher" / "knowledge.h5") as h5:
        ids = [c.decode() for c in h5["clip_ids"]]
        assert len(ids) == 18 and all("@cam4" not in c for c in ids)
    for d, n_test in (("berkeley", 22), ("mmact", 6)):
        student = pd.read_csv(res / d / "student_metrics.csv").iloc[0]
        assert student.n_test == n_test and student.method == "kd"
        assert pd.read_csv(res / d / "teacher_metrics.csv").iloc[0].n_test == n_test
