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
import yaml

from vskd.config import validate_config
from vskd.distill.registry import get_method
from vskd.runs import RunSpec, run_config
from vskd.training.common import RunOutputs
from vskd.training.stages import train_gaf_student

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
    config = yaml.safe_load((args.workdir / "config.yaml").read_text())
    eff = validate_config(config)[args.dataset]
    res = args.workdir / "results" / args.dataset
    split = res / "splits" / f"{eff['dataset']['split']}.csv"
    gaf = res / f"gaf_{eff['gaf']['kind']}.h5"
    knowledge = res / "models" / "teacher" / "knowledge.h5"
    for f in (split, gaf, knowledge):
        if not f.exists():
            raise SystemExit(f"{f} is missing: build it first (see this script's docstring)")
    student = dict(eff["student"], epochs=args.epochs, eval_every_epoch=False)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for method in ["ce"] + [m for m in args.methods if m != "ce"]:
            spec = RunSpec(
                args.dataset,
                f"bench_{method}",
                0,
                method,
                get_method(method).resolve_params({}),
                None if method == "ce" else "trained",
                student,
            )
            cfg = run_config(eff, spec)
            out = Path(tmp) / method
            t0 = time.perf_counter()
            train_gaf_student(
                cfg,
                str(split),
                str(gaf),
                RunOutputs(
                    *(str(out / n) for n in ("model.pt", "metrics.csv", "history.csv", "pc.csv", "cm.csv", "ck.pt"))
                ),
                knowledge_h5=str(knowledge) if spec.teacher else None,
            )
            wall = time.perf_counter() - t0
            history = pd.read_csv(out / "history.csv")
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
