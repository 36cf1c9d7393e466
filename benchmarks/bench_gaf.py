"""GAF speed: vskd (vectorised numpy) vs pyts GramianAngularField vs a naive per-element loop.

All 861 real UTD-MHAD recordings (acc x, y, z at native length, 2583 images), measured side by side
in one run. The naive loop (the MATLAB formulas element by element in Python) runs on a subset and
is reported per image. Usage: python benchmarks/bench_gaf.py [../shared/data/utd-mhad/Inertial]
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

import numpy as np

from vskd.data.readers import read_inertial
from vskd.gaf import gramian_angular_field, mat2gray


def naive(x: np.ndarray) -> np.ndarray:
    mx, mn = float(x.max()), float(x.min())
    phi = [math.acos(min(1.0, max(-1.0, (2 * v - mx - mn) / (mx - mn)))) for v in x]
    n = len(phi)
    return np.array([[math.cos(phi[i] + phi[j]) for j in range(n)] for i in range(n)])


def main() -> None:
    folder = Path(
        sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "shared/data/utd-mhad/Inertial"
    )
    series = [read_inertial(p)[:, :3].T for p in sorted(folder.glob("*_inertial.mat"))]
    n_img = 3 * len(series)
    lengths = [s.shape[1] for s in series]
    print(
        f"{len(series)} recordings, {n_img} images, length {min(lengths)}-{max(lengths)} "
        f"(median {int(np.median(lengths))})"
    )

    t0 = time.perf_counter()
    ours = [mat2gray(gramian_angular_field(s, "gasf")) for s in series]
    t_ours = time.perf_counter() - t0

    t0 = time.perf_counter()
    from pyts.image import GramianAngularField  # numba compiles on import / first call

    t_import = time.perf_counter() - t0
    gaf = GramianAngularField(method="summation", sample_range=(-1, 1))
    gaf.transform(series[0])  # JIT warm-up, not counted
    t0 = time.perf_counter()
    theirs = [gaf.transform(s) for s in series]
    t_pyts = time.perf_counter() - t0
    diff = max(float(np.abs(mat2gray(t) - o).max()) for t, o in zip(theirs, ours))

    subset = series[:10]
    t0 = time.perf_counter()
    for s in subset:
        for axis in s:
            naive(axis)
    t_naive_per_img = (time.perf_counter() - t0) / (3 * len(subset))

    per = lambda t: 1e3 * t / n_img
    print(f"vskd   : {t_ours:7.3f} s for all ({per(t_ours):.4f} ms/image)")
    print(
        f"pyts   : {t_pyts:7.3f} s for all ({per(t_pyts):.4f} ms/image), import+JIT {t_import:.1f} s; "
        f"max |diff| after mat2gray {diff:.1e}"
    )
    print(
        f"naive  : {t_naive_per_img * n_img:7.3f} s extrapolated ({1e3 * t_naive_per_img:.3f} ms/image, "
        f"measured on {3 * len(subset)} images)"
    )
    print(f"ratios : pyts/vskd {t_pyts / t_ours:.1f}x, naive/vskd {t_naive_per_img * n_img / t_ours:.0f}x")


if __name__ == "__main__":
    main()
