"""Cost of a distillation run reading cached teacher knowledge vs the CE run of the same student.

Budget (issue "experiments as rows"): a distillation run reading cached knowledge costs at most
1.2x a CE run. Every method of the registry trains the same student on the same clips for the
same number of epochs, one after the other in this process (same threads, same load), and the
training seconds per epoch (from each run's history, evaluation excluded) are printed side by
side with the ratio to CE. Needs the data stages and the teacher's knowledge cache of a dataset:

    snakemake --cores 2 results/utd/models/teacher/knowledge.h5 results/utd/gaf_gasf.h5
    python benchmarks/bench_runs.py [--dataset utd] [--epochs 2] [--threads 2] [methods ...]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pandas as pd
import torch
from gaf_run import run_inputs, train_run

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "methods",
        nargs="*",
        default=["ce", "kd", "fitnet", "at", "sp", "cc", "vid", "rkd", "pkt", "nst", "crd", "dask"],
    )
    parser.add_argument("--dataset", default="utd")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--workdir", type=Path, default=ROOT, help="the folder holding config.yaml and results/ (snakemake --directory)"
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    inputs = run_inputs(args.workdir, args.dataset)
    eff = inputs.eff
    student = dict(eff["student"], epochs=args.epochs, eval_every_epoch=False)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for method in ["ce"] + [m for m in args.methods if m != "ce"]:
            t0 = time.perf_counter()
            history = train_run(inputs, method, 0, student, Path(tmp) / method)
            wall = time.perf_counter() - t0
            rows.append({"method": method, "s_per_epoch": history.seconds.mean(), "wall_s": wall})
    table = pd.DataFrame(rows)
    ce = table.loc[table.method == "ce", "s_per_epoch"].iloc[0]
    table["ratio_vs_ce"] = table.s_per_epoch / ce
    table["within_1.2x"] = table.ratio_vs_ce <= 1.2
    print(
        f"{args.dataset}: student {student['backbone']} at {eff['gaf']['image_size']} px, batch "
        f"{student['batch_size']}, {args.epochs} epochs, {args.threads} threads, cached knowledge"
    )
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    main()
