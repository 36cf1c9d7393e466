"""frames.h5: both layouts round-trip real decoded video; reads of sampled frames."""

from __future__ import annotations

import pickle

import h5py
import numpy as np
import pytest

from vskd.data.manifest import build_manifest
from vskd.data.synthetic.utd_mhad import SyntheticSpec, encode_avi, encode_mat, synthesize_clip
from vskd.data.utd import ClipId
from vskd.frames import FrameStore, write_frames_h5


@pytest.fixture(scope="module")
def clip_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clips")
    for clip in (ClipId(1, 1, 1), ClipId(24, 2, 3)):
        frames, imu = synthesize_clip(SyntheticSpec(), clip)
        (folder / f"{clip}_color.avi").write_bytes(encode_avi(frames, 15))
        (folder / f"{clip}_inertial.mat").write_bytes(encode_mat(imu))
    return folder


@pytest.mark.parametrize("storage,compression", [("raw", "lzf"), ("raw", "none"), ("jpeg", "none")])
def test_roundtrip_and_sampled_reads(clip_folder, tmp_path, storage, compression):
    manifest = build_manifest(clip_folder, "utd_mhad", ["video", "inertial"])
    out = tmp_path / "frames.h5"
    params = {"height": 48, "width": 64, "storage": storage, "compression": compression, "jpeg_quality": 95}
    total = write_frames_h5(manifest, out, params, "utd_mhad")
    assert total == manifest.n_frames.sum()
    store = FrameStore(out)
    # uncompressed raw clips are read through the memory map, one index per clip
    assert bool(store.mapped) == (storage == "raw" and compression == "none")
    n = store.num_frames("a24_s2_t3")
    picked = store.read("a24_s2_t3", [n - 1, 0, 0, 5])
    assert picked.shape == (4, 48, 64, 3) and picked.dtype == np.uint8
    np.testing.assert_array_equal(picked[1], picked[2])
    if storage == "raw":
        with h5py.File(out, "r") as h5:  # what h5py reads, frame by frame
            stored = h5["clips/a24_s2_t3"][()]
        np.testing.assert_array_equal(stored[[n - 1, 0, 0, 5]], picked)
        np.testing.assert_array_equal(store.read("a24_s2_t3", range(n)), stored)
        clone = pickle.loads(pickle.dumps(store))  # as a DataLoader worker receives it
        assert clone._h5 is None and getattr(clone, "_map", None) is None
        np.testing.assert_array_equal(clone.read("a24_s2_t3", [3, 1]), stored[[3, 1]])
    if compression == "none" and storage == "raw":
        with pytest.raises(IndexError, match="out of range"):
            store.read("a24_s2_t3", [n])
    # the stored frames are the video's frames: compare with a jpeg/raw twin within codec noise
    assert picked.mean() > 50


def test_a_truncated_intermediate_names_the_file_and_the_rebuild(tmp_path):
    """A damaged frames / GAF / knowledge file stays 'up to date' for Snakemake: the reader must
    say which file it is and that deleting it makes the same command rebuild it."""
    import h5py
    import numpy as np

    from vskd.gaf_store import GafStore
    from vskd.h5store import DamagedFileError

    path = tmp_path / "gaf_gasf.h5"
    with h5py.File(path, "w") as h5:
        h5.create_dataset("images", data=np.zeros((40, 3, 32, 32), np.uint8))
        h5.create_dataset("clip_ids", data=np.array([f"a1_s1_t{i}" for i in range(40)], dtype="S"))
    path.write_bytes(path.read_bytes()[:2000])
    with pytest.raises(DamagedFileError, match=r"gaf_gasf\.h5: damaged or truncated GAF image file .*delete it"):
        GafStore(path)


@pytest.mark.parametrize("storage,compression", [("raw", "none"), ("jpeg", "none")])
def test_a_clip_overwritten_in_place_is_refused_on_its_first_read(clip_folder, tmp_path, storage, compression):
    """Same file, same size, other pixels (Snakemake sees nothing): the clip's checksum catches it."""
    from vskd.h5store import DamagedFileError

    manifest = build_manifest(clip_folder, "utd_mhad", ["video", "inertial"])
    out = tmp_path / "frames.h5"
    params = {"height": 48, "width": 64, "storage": storage, "compression": compression, "jpeg_quality": 95}
    write_frames_h5(manifest, out, params, "utd_mhad")
    size = out.stat().st_size
    with h5py.File(out, "r+") as h5:
        ds = h5["clips/a1_s1_t1"]
        if storage == "raw":
            ds[0] = 255 - ds[0]
        else:
            ds[0] = ds[1]  # another frame's JPEG bytes in its place
    assert out.stat().st_size == size or storage == "jpeg"
    store = FrameStore(out)
    assert store.read("a24_s2_t3", [0]).shape == (1, 48, 64, 3)  # the untouched clip reads
    with pytest.raises(DamagedFileError, match=r"frames\.h5: /clips/a1_s1_t1 of this frames file changed after"):
        store.read("a1_s1_t1", [3])


def test_gaf_images_overwritten_in_place_are_refused(tmp_path):
    from vskd.gaf_store import GafStore
    from vskd.h5store import DamagedFileError, seal

    path = tmp_path / "gaf_gasf.h5"
    with h5py.File(path, "w") as h5:
        h5.create_dataset("images", data=np.arange(40 * 3 * 8 * 8, dtype=np.uint8).reshape(40, 3, 8, 8))
        h5.create_dataset("clip_ids", data=np.array([f"a1_s1_t{i}" for i in range(40)], dtype="S"))
        h5.create_dataset("labels", data=np.zeros(40, np.int64))
        seal(h5, ["images", "clip_ids", "labels"])
    assert GafStore(path).shape == (3, 8, 8)
    with h5py.File(path, "r+") as h5:
        h5["images"][7] = 0  # 22 of 215 clips silently different, before: now named
    with pytest.raises(DamagedFileError, match=r"gaf_gasf\.h5: this GAF image file changed after it was written"):
        GafStore(path)


def test_knowledge_maps_overwritten_in_place_are_refused_on_the_clip_first_read(tmp_path):
    import torch

    from vskd.distill.base import NetSpec
    from vskd.h5store import DamagedFileError
    from vskd.models.outputs import NetOutput
    from vskd.training.knowledge import KnowledgeStore, KnowledgeWriter

    path, ids = tmp_path / "knowledge.h5", ["a1_s1_t1", "a2_s1_t1"]
    gen = torch.Generator().manual_seed(0)
    with h5py.File(path, "w") as h5:
        writer = KnowledgeWriter(h5, len(ids), views=2, map_views=1)
        for i in range(len(ids)):
            maps = [torch.randn(2, c, 4, 4, generator=gen) for c in (8, 16, 32, 64)]
            writer.add(i, NetOutput(torch.randn(2, 5), torch.randn(2, 6), torch.randn(2, 7), None, maps))
        writer.finish(ids, np.array([0, 1]), NetSpec(5, 6, 7, None, (8, 16, 32, 64)))
    store = KnowledgeStore(path)
    assert store.read("a2_s1_t1", 0, ["maps"])["map3"].shape == (64, 4, 4)
    store.h5.close()
    with h5py.File(path, "r+") as h5:
        h5["map2"][0, 0, 3] = 0  # one channel of one clip's map, same size
    store = KnowledgeStore(path)  # the vectors are intact: the file opens
    assert store.read("a2_s1_t1", 0, ["maps"])["map0"].shape == (8, 4, 4)
    with pytest.raises(DamagedFileError, match=r"knowledge\.h5: the teacher's stage maps of clip a1_s1_t1 changed"):
        store.read("a1_s1_t1", 0, ["maps"])
