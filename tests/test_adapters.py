"""Dataset adapters: registry, ids, file names, class names and protocols against the published
lists (clip for clip), and the readers on the real files in ../shared (skipped where absent)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from repo_paths import SHARED_DATA, _need

from vskd.data.adapters import available_kinds, get_adapter, register_adapter
from vskd.data.adapters import berkeley_mhad as bk
from vskd.data.readers import DataFileError

BERKELEY = SHARED_DATA / "berkeley-mhad"


def published(adapter, path: Path):
    return [adapter.parse_published_line(ln) for ln in path.read_text().splitlines() if ln.strip()]


def shared_class_file(name: str) -> list[str]:
    text = _need(SHARED_DATA / "reference" / name).read_bytes().decode()
    return [ln.strip() for ln in text.split("\r\n")]


# ---- registry and ids -----------------------------------------------------------------------
def test_registry():
    assert available_kinds() == ["berkeley_mhad", "mmact", "utd_mhad"]
    with pytest.raises(ValueError, match="unknown dataset kind 'nope'"):
        get_adapter("nope")
    a = get_adapter("mmact")
    assert register_adapter(a) is a  # re-registering the same adapter is harmless
    clash = type("Other", (type(get_adapter("utd_mhad")),), {})()
    with pytest.raises(ValueError, match="already registered"):
        register_adapter(clash)


@pytest.mark.parametrize(
    "kind,text,clip",
    [
        ("utd_mhad", r"E:\UTD-MHAD\Frames2\a10_s3_t2_color", "a10_s3_t2"),
        ("berkeley_mhad", "acc_h03_s05_a11_r02.txt", "s05_a11_r02"),
        ("berkeley_mhad", r"D:\Berkeley-MHAD\Camera\Cluster03\Cam02\S12\A01\R05", "s12_a01_r05"),
        ("berkeley_mhad", "img_l01_c02_s01_a02_r03_00012.pgm", "s01_a02_r03"),
        (
            "mmact",
            r"E:\MMAct_resize_frames\subject14\cam1\scene1\session2\Carrying_light",
            "subject14_scene1_session2_carrying_light",
        ),
        (
            "mmact",
            "acc_watch_clip/subject3/scene4/session5/talking_on_phone.csv",
            "subject03_scene4_session5_talking_on_phone",
        ),
    ],
)
def test_clip_ids_parse_and_format(kind, text, clip):
    a = get_adapter(kind)
    assert a.canonical_id(text) == clip
    assert a.format_clip_id(a.parse_clip_id(clip)) == clip


@pytest.mark.parametrize(
    "kind,bad",
    [
        ("berkeley_mhad", "s13_a01_r01"),
        ("berkeley_mhad", "video.avi"),
        ("mmact", "subject21_scene1_session1_carrying"),
        ("mmact", "subject1/scene1/session1/dancing.csv"),
    ],
)
def test_bad_ids(kind, bad):
    with pytest.raises(ValueError):
        get_adapter(kind).parse_clip_id(bad)


def test_natural_order():
    b = get_adapter("berkeley_mhad")
    ids = ["s10_a01_r01", "s02_a01_r01", "s01_a02_r01"]
    assert sorted(ids, key=b.sort_key) == ["s02_a01_r01", "s10_a01_r01", "s01_a02_r01"]


@pytest.mark.parametrize("kind", ["utd_mhad", "berkeley_mhad", "mmact"])
def test_official_file_names_round_trip(kind, tmp_path):
    a = get_adapter(kind)
    clip = {"utd_mhad": "a8_s2_t3", "berkeley_mhad": "s07_a09_r04", "mmact": "subject20_scene2_session5_waving_hand"}[
        kind
    ]
    for sensor in a.sensors:
        ref = a.parse_file(tmp_path / a.sensor_file(clip, sensor))
        assert (ref.clip_id, ref.modality, ref.name) == (clip, "sensor", sensor)
    for camera in a.cameras:
        ref = a.parse_file(tmp_path / a.video_file(clip, camera))
        assert (ref.clip_id, ref.modality, ref.name) == (clip, "video", camera)
    assert a.parse_file(tmp_path / "README.txt") is None


# ---- class names ----------------------------------------------------------------------------
def test_class_names_match_published_files():
    # SAKDN's UTD.txt drops the page's parentheses and writes "front box" for "front boxing"
    utd = [n.replace("(", "").replace(")", "") for n in get_adapter("utd_mhad").class_names]
    assert utd[12] == "front boxing"
    assert utd[:12] + ["front box"] + utd[13:] == shared_class_file("classes_UTD.txt")
    assert list(get_adapter("berkeley_mhad").class_names) == shared_class_file("classes_Berkeley.txt")
    m = get_adapter("mmact")
    sakdn = shared_class_file("classes_MMAct.txt")
    assert list(m.sakdn36_names) == sakdn and len(sakdn) == 36
    assert list(m.class_names) == sakdn[:14] + sakdn[15:] and m.num_classes == 35
    assert len(m.folders) == 35


# ---- protocols against the published lists --------------------------------------------------
def test_utd_protocols_via_adapter(reference_dir):
    u = get_adapter("utd_mhad")
    for protocol, tr, te in (
        ("trial", "UTD_rgb_train_list_subject_specific.txt", "UTD_rgb_val_list_subject_specific.txt"),
        ("cross_subject", "UTD_rgb_train_list.txt", "UTD_rgb_val_list.txt"),
    ):
        for subset, name in (("train", tr), ("test", te)):
            for row in published(u, reference_dir / "splits" / name):
                assert u.subset_of(row.clip_id, protocol) == subset
                assert u.label_of(row.clip_id) == row.label


def test_berkeley_protocol_agrees_with_published_lists(reference_dir):
    b = get_adapter("berkeley_mhad")
    rows = {}
    for subset, name, n in (
        ("train", "BerkeleyMHAD_train_list.txt", 4604),
        ("test", "BerkeleyMHAD_val_list.txt", 3296),
    ):
        lst = published(b, reference_dir / "splits" / name)
        assert len(lst) == n
        for row in lst:
            assert b.subset_of(row.clip_id, "cross_subject", row.camera) == subset
            assert b.label_of(row.clip_id) == row.label
            rows[(row.clip_id, row.camera)] = row
    design = {(c, cam) for c in b.design_clips() for cam in b.cameras if b.has_camera(c, cam)}
    assert set(rows) == design and len(design) == 7900


def test_berkeley_frame_counts_equal_real_timestamp_files(reference_dir):
    b = get_adapter("berkeley_mhad")
    ts_dir = _need(BERKELEY / "Time_stamps")
    lst = published(b, reference_dir / "splits" / "BerkeleyMHAD_train_list.txt")
    for row in lst[::97]:
        times = b.read_frame_times(ts_dir / Path(b.timestamps_file(row.clip_id)).name)
        assert len(times) == row.n_frames
        assert np.all(np.diff(times) > 0) and 15 < 1 / np.median(np.diff(times)) < 30


@pytest.mark.parametrize(
    "protocol,counts",
    [
        ("cross_subject", (27754, 7408)),
        ("cross_view", (26458, 8704)),
        ("cross_scene", (25078, 10084)),
        ("cross_session", (28232, 6930)),
    ],
)
def test_mmact_protocols_agree_with_published_lists(reference_dir, protocol, counts):
    m = get_adapter("mmact")
    seen = set()
    mislabelled = Counter()
    for subset, n in zip(("train", "test"), counts):
        lst = published(m, reference_dir / "splits" / f"MMAct_{protocol}_{subset.replace('test', 'val')}_list.txt")
        assert len(lst) == n
        for row in lst:
            assert m.subset_of(row.clip_id, protocol, row.camera) == subset
            if m.label_of(row.clip_id, "sakdn36") != row.label:
                mislabelled[(row.raw_action, row.label)] += 1
            seen.add((row.clip_id, row.camera))
    # the one known error of SAKDN's lists: the capitalised folder Carrying_light labelled 35
    assert mislabelled == Counter({("Carrying_light", 35): 4})
    assert len(seen) == sum(counts)  # no sample twice
    assert m.label_of("subject14_scene1_session2_carrying_light") == 2


def test_mmact_cross_view_needs_a_camera():
    with pytest.raises(ValueError, match="cross_view splits the cameras"):
        get_adapter("mmact").subset_of("subject01_scene1_session1_carrying", "cross_view")
    assert get_adapter("mmact").camera_dependent("cross_view")
    with pytest.raises(ValueError, match="no protocol 'trial'"):
        get_adapter("mmact").subset_of("subject01_scene1_session1_carrying", "trial")


# ---- readers on real files ------------------------------------------------------------------
def test_berkeley_scan_of_the_real_accelerometers():
    b = get_adapter("berkeley_mhad")
    found = b.scan(_need(BERKELEY / "Accelerometer"))
    assert len(found) == 658
    assert all(set(files) == {("sensor", s) for s in b.sensors} for files in found.values())
    missing = set(b.design_clips()) - set(found)
    assert missing == set(bk.MISSING_ACCELEROMETER)
    rec = b.read_sensor_file(BERKELEY / b.sensor_file("s01_a01_r01", "shimmer01"), "shimmer01")
    assert rec.channels == ("acc_x", "acc_y", "acc_z") and rec.values.shape[1] == 3
    assert rec.times[0] > 1.3e9 and np.all(np.diff(rec.times) > 0)
    np.testing.assert_allclose(rec.values[0], [0.873047, -0.516602, 0.144531])


def test_mmact_reader_on_the_real_csv(reference_dir):
    m = get_adapter("mmact")
    rec = m.read_sensor_file(reference_dir / "carrying.csv", "acc_phone")
    assert rec.values.shape == (890, 3)
    assert abs(np.median(np.linalg.norm(rec.values, axis=1)) - 9.9) < 0.6  # m/s^2 with gravity
    steps = np.diff(rec.times)
    assert (steps < 0).sum() == 6  # as in the file
    assert abs(np.median(steps) - 0.01) < 1e-6
    assert abs(rec.times[0] - (13 * 3600 + 37 * 60 + 28.612)) < 1e-9


@pytest.mark.parametrize(
    "content,match",
    [
        ("", "is empty"),
        ("20181016_13:37:28.612000,1,2\n", "expected 'timestamp,x,y,z'"),
        ("2018-10-16 13:37:28,1,2,3\n20181016_13:37:28.62,1,2,3\n", "not an MMAct timestamp"),
        ("20181016_13:37:28.612000,1,2,x\n20181016_13:37:28.62,1,2,3\n", "could not convert"),
        ("20181016_13:37:28.612000,1,2,3\n", "only 1 sample"),
    ],
)
def test_mmact_broken_files_name_the_file(tmp_path, content, match):
    path = tmp_path / "acc_phone_clip" / "subject1" / "scene1" / "session1" / "carrying.csv"
    path.parent.mkdir(parents=True)
    path.write_text(content)
    with pytest.raises(DataFileError, match=match) as err:
        get_adapter("mmact").read_sensor_file(path, "acc_phone")
    assert str(path) in str(err.value)


def test_mmact_timestamps_without_fraction_and_over_midnight(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("20181016_23:59:59.990000,1,2,3\n20181016_23:59:59,1,2,3\n20181017_00:00:00.010000,4,5,6\n")
    rec = get_adapter("mmact").read_sensor_file(path, "gyro")
    np.testing.assert_allclose(np.diff(rec.times), [-0.99, 1.01])
    assert rec.channels == ("gyro_x", "gyro_y", "gyro_z")


@pytest.mark.parametrize(
    "content,match",
    [
        ("", "is empty"),
        ("0.1 0.2 0.3\n", "expected 4 columns"),
        ("0.1 0.2 0.3 nan\n0.1 0.2 0.3 1\n", "NaN"),
        ("0.1 0.2 0.3 a\n", "non-numeric"),
        ("0.1 0.2 0.3 1\n", "only 1 accelerometer"),
    ],
)
def test_berkeley_broken_files_name_the_file(tmp_path, content, match):
    path = tmp_path / "acc_h01_s01_a01_r01.txt"
    path.write_text(content)
    with pytest.raises(DataFileError, match=match) as err:
        get_adapter("berkeley_mhad").read_sensor_file(path, "shimmer01")
    assert str(path) in str(err.value)


def test_berkeley_demosaic_is_matlab_grbg():
    """A flat colour mosaiced as MATLAB's 'grbg' (rows G R / B G) comes back as that colour."""
    rgb = np.zeros((8, 8, 3), np.uint8)
    rgb[:] = (200, 100, 30)
    raw = bk.mosaic_grbg(rgb)
    assert raw[0, 0] == 100 and raw[0, 1] == 200 and raw[1, 0] == 30
    np.testing.assert_array_equal(bk.demosaic(raw)[2:6, 2:6], rgb[2:6, 2:6])
