"""The demo budget, measured side by side: the optimiser step and the precision.

Part 1 (no data needed): one training step of the student (ResNet-18 on random GAF-sized images at
the config's image size and batch size, 1 thread), Adam as torch's per-parameter loop vs its fused
step, in fp32 and under bf16 autocast; milliseconds per step and per optimiser step, alternating
blocks so background load hits every variant alike.

Part 2 (needs the data stages and the teacher's knowledge of ``--dataset``): the config's student
budget trained for real, fp32 and bf16 back to back for each method and seed, in this process:
test accuracy (final epoch) and training seconds per epoch, with the bf16 / fp32 ratio:

    snakemake --cores 2 results/utd/models/teacher/knowledge.h5 results/utd/gaf_gasf.h5
    python benchmarks/bench_budget.py [--workdir .] [--dataset utd] [--seeds 0 1 2] [--methods ce dask]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd
import torch
from gaf_run import RunInputs, run_inputs, train_run

from vskd.models.registry import build_network

ROOT = Path(__file__).resolve().parents[1]


def optimiser_steps(student: dict, image_size: int, num_classes: int, rounds: int, block: int) -> pd.DataFrame:
    """ms per training step and per optimiser step: per-parameter loop vs fused, fp32 vs bf16."""
    torch.manual_seed(0)
    x = torch.rand(student["batch_size"], 3, image_size, image_size)
    y = torch.randint(0, num_classes, (student["batch_size"],))
    variants = {}
    for fused in (False, True):
        net = build_network("gaf_cnn", student, num_classes)
        opt = torch.optim.Adam(net.parameters(), lr=1e-3, weight_decay=1e-5, foreach=False, fused=fused or None)
        for precision in ("fp32", "bf16"):
            variants[(fused, precision)] = (net, opt)
    times: dict[tuple, list[tuple[float, float]]] = {k: [] for k in variants}
    for _ in range(rounds):
        for (fused, precision), (net, opt) in variants.items():
            for i in range(block + 1):
                t0 = time.perf_counter()
                opt.zero_grad(set_to_none=True)
                with torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"):
                    logits = net(x).logits
                torch.nn.functional.cross_entropy(logits.float(), y).backward()
                t1 = time.perf_counter()
                opt.step()
                t2 = time.perf_counter()
                if i:  # the first call of a block warms the variant's caches
                    times[(fused, precision)].append((t2 - t0, t2 - t1))
    rows = []
    for (fused, precision), values in times.items():
        rows.append(
            {
                "optimiser": "Adam, fused" if fused else "Adam, per-parameter loop",
                "precision": precision,
                "ms_per_step": 1000 * statistics.median(v[0] for v in values),
                "ms_optimiser_step": 1000 * statistics.median(v[1] for v in values),
            }
        )
    table = pd.DataFrame(rows)
    table["step_vs_loop_fp32"] = table.ms_per_step / table.ms_per_step.iloc[0]
    return table


def budget_runs(inputs: RunInputs, methods: list[str], seeds: list[int]) -> pd.DataFrame:
    """The config's student budget at fp32 and bf16: accuracy and seconds per epoch per run."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        # fp32 and bf16 back to back for each (method, seed): a change of load hits both alike
        for method in methods:
            for seed in seeds:
                for precision in ("fp32", "bf16"):  # the run's precision is its student section's
                    student = dict(inputs.eff["student"], eval_every_epoch=False, precision=precision)
                    out = Path(tmp) / f"{precision}_{method}_{seed}"
                    history = train_run(inputs, method, seed, student, out)
                    accuracy = float(pd.read_csv(out / "metrics.csv").accuracy.iloc[0])
                    rows.append(
                        {
                            "precision": precision,
                            "method": method,
                            "seed": seed,
                            "accuracy": 100 * accuracy,
                            "s_per_epoch": history.seconds.mean(),
                        }
                    )
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, default=ROOT, help="the folder holding config.yaml and results/")
    parser.add_argument("--dataset", default="utd")
    parser.add_argument("--methods", nargs="+", default=["ce", "dask"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--threads", type=int, default=1, help="1: as each job of a 2-core grid")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--block", type=int, default=5)
    parser.add_argument("--skip-runs", action="store_true", help="part 1 only")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    inputs = run_inputs(args.workdir, args.dataset, built=not args.skip_runs)
    eff = inputs.eff
    student = eff["student"]
    print(
        f"student {student['backbone']} at {eff['gaf']['image_size']} px, batch {student['batch_size']}, "
        f"{args.threads} thread(s), torch {torch.__version__}"
    )
    steps = optimiser_steps(student, eff["gaf"]["image_size"], 27, args.rounds, args.block)
    print("\none training step (median):")
    print(steps.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    if args.skip_runs:
        return
    runs = budget_runs(inputs, args.methods, args.seeds)
    print(f"\n{args.dataset}: {student['epochs']} epochs per run, final-epoch test accuracy (%):")
    print(runs.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    summary = runs.groupby(["method", "precision"], sort=False).agg(
        accuracy_mean=("accuracy", "mean"), accuracy_std=("accuracy", "std"), s_per_epoch=("s_per_epoch", "mean")
    )
    for method in args.methods:
        fp32, bf16 = summary.loc[(method, "fp32")], summary.loc[(method, "bf16")]
        summary.loc[(method, "bf16"), "time_vs_fp32"] = bf16.s_per_epoch / fp32.s_per_epoch
    print("\nper method and precision (mean over seeds):")
    print(summary.to_string(float_format=lambda v: f"{v:.2f}"))


if __name__ == "__main__":
    main()
