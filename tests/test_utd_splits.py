"""Clip ids and protocol splits, checked against the published VSKD lists."""

from __future__ import annotations

import pandas as pd
import pytest

from vskd.data import utd
from vskd.data.adapters import get_adapter
from vskd.data.manifest import build_manifest, make_split, read_published_list


def test_clip_id_parsing_and_natural_order():
    assert str(utd.ClipId.parse(r"E:\UTD-MHAD\Frames2\a10_s3_t2_color")) == "a10_s3_t2"
    assert utd.ClipId.parse("a1_s1_t1_inertial.mat").label == 0
    ids = sorted(["a10_s1_t1", "a1_s1_t1", "a2_s1_t1"], key=utd.ClipId.parse)
    assert ids == ["a1_s1_t1", "a2_s1_t1", "a10_s1_t1"]
    with pytest.raises(ValueError, match="no UTD-MHAD clip id"):
        utd.ClipId.parse("video.avi")
    with pytest.raises(ValueError, match="out of range"):
        utd.ClipId.parse("a28_s1_t1")


def test_design_has_861_clips():
    assert len(utd.all_clip_ids()) == 861
    assert len(get_adapter("utd_mhad").class_names) == 27


def manifest_from_published_names(reference_dir) -> pd.DataFrame:
    """A manifest of the clips named in the published lists (the real RGB cannot be had here)."""
    names = []
    for f in ("UTD_rgb_train_list_subject_specific.txt", "UTD_rgb_val_list_subject_specific.txt"):
        names += read_published_list(reference_dir / "splits" / f).clip_id.tolist()
    rows = []
    for n in names:
        c = utd.ClipId.parse(n)
        rows.append(
            {"clip_id": n, "action": c.action, "label": c.label, "subject": c.subject, "trial": c.trial, "status": "ok"}
        )
    return pd.DataFrame(rows)


@pytest.mark.parametrize(
    "protocol,train_list,test_list,counts",
    [
        ("trial", "UTD_rgb_train_list_subject_specific.txt", "UTD_rgb_val_list_subject_specific.txt", (432, 429)),
        ("cross_subject", "UTD_rgb_train_list.txt", "UTD_rgb_val_list.txt", (431, 430)),
    ],
)
def test_splits_agree_with_published_lists(reference_dir, protocol, train_list, test_list, counts):
    manifest = manifest_from_published_names(reference_dir)
    assert len(manifest) == 861
    split = make_split(manifest, "utd_mhad", protocol)
    for subset, fname, n in (("train", train_list, counts[0]), ("test", test_list, counts[1])):
        published = read_published_list(reference_dir / "splits" / fname)
        ours = split[split.subset == subset]
        assert len(ours) == n == len(published)
        assert set(ours.clip_id) == set(published.clip_id)
        merged = ours.merge(published, on="clip_id", suffixes=("", "_pub"))
        assert (merged.label == merged.label_pub).all()
    assert not set(split.clip_id) & utd.MISSING_CLIPS


def test_manifest_of_real_inertial_folder(utd_inertial_dir):
    manifest = build_manifest(utd_inertial_dir, "utd_mhad", ["inertial"], skip_clips=["a1_s1_t1"])
    assert len(manifest) == 861
    assert (manifest.status == "skipped").sum() == 1
    ok = manifest[manifest.status == "ok"]
    assert ok.n_samples.between(107, 326).all()
    assert (ok.video_path == "").all()
    split = make_split(manifest, "utd_mhad", "cross_subject")
    assert len(split) == 860
