"""``vskd`` console script.

``vskd predict MODEL RECORDING_OR_FOLDER...``: the action in each recording, from an exported
student (``student.onnx`` or TorchScript ``student.pt`` with ``student.json`` beside it) or a model
file written by training. Output: a table (default), JSON Lines with ``--json`` (one object per
recording: ``path``, ``label`` (0-based), ``class_name``, ``probabilities`` in class order), or a
CSV when a folder is given or ``--csv`` is set (``--output`` names the file; default stdout).
A bad recording gets an error naming the file (stderr, and an ``error`` field / column); the
others are still predicted. Exit status: 0 all predicted, 1 some recording failed, 2 usage or
model error.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from .atomic import write_text_atomic


def _inputs(paths: Iterable[str]) -> tuple[list[Path], bool]:
    """Recording paths (folders expanded) and whether a folder was given."""
    from .export.recordings import scan_folder

    out, folder = [], False
    for p in map(Path, paths):
        if p.is_dir():
            folder = True
            found = scan_folder(p)
            if not found:
                print(f"vskd predict: {p}: no recording (*.mat, *.txt, *.csv, *.npy) in this folder", file=sys.stderr)
            out.extend(found)
        else:
            out.append(p)
    return out, folder


def predict_one(predictor, path: Path) -> dict[str, Any]:
    from .data.readers import DataFileError
    from .export.recordings import model_input, read_recording

    meta = predictor.meta
    try:
        rec, spec = read_recording(path, meta["input"].get("sensor"))
        x, notes = model_input(rec, spec, meta)
        probs = predictor.predict(x)
    except DataFileError as exc:
        return {"path": str(path), "error": str(exc)}
    except (ValueError, OSError, MemoryError) as exc:  # one bad file never costs the others their rows
        return {"path": str(path), "error": f"{path}: {type(exc).__name__}: {exc}"}
    if not np.isfinite(probs).all():
        return {"path": str(path), "error": f"{path}: the model returned non-finite probabilities"}
    label = int(np.argmax(probs))
    row = {
        "path": str(path),
        "label": label,
        "class_name": predictor.class_names[label],
        "probability": float(probs[label]),
        "probabilities": [round(float(p), 6) for p in probs],
        "samples": int(x.shape[1]),
    }
    if notes:
        row["notes"] = "; ".join(notes)
    return row


def _table(rows: list[dict[str, Any]], out: TextIO) -> None:
    width = max([len(r["path"]) for r in rows] + [4])
    out.write(f"{'path':<{width}}  {'label':>5}  {'class':<24} {'p':>6}\n")
    for r in rows:
        if "error" in r:
            out.write(f"{r['path']:<{width}}  {'-':>5}  ERROR: {r['error']}\n")
        else:
            out.write(f"{r['path']:<{width}}  {r['label']:>5}  {r['class_name']:<24} {r['probability']:6.3f}\n")


def _csv(rows: list[dict[str, Any]], class_names: list[str], out: TextIO) -> None:
    cols = ["path", "label", "class_name", "probability", "error"] + [f"p_{c}" for c in class_names]
    w = csv.writer(out, lineterminator="\n")
    w.writerow(cols)
    for r in rows:
        probs = r.get("probabilities") or [""] * len(class_names)
        w.writerow(
            [
                r["path"],
                r.get("label", ""),
                r.get("class_name", ""),
                f"{r['probability']:.6f}" if "probability" in r else "",
                r.get("error", ""),
            ]
            + [f"{p:.6f}" if p != "" else "" for p in probs]
        )


def cmd_predict(args: argparse.Namespace) -> int:
    output = Path(args.output) if args.output else None
    if output is not None and not output.parent.is_dir():
        print(f"vskd predict: -o {output}: the folder {output.parent} does not exist", file=sys.stderr)
        return 2
    lock = _lock_output(output) if output is not None else None
    if lock is False:
        print(
            f"vskd predict: -o {output}: another vskd predict is writing it (lock {_lock_path(output)}); "
            "wait for it or choose another output",
            file=sys.stderr,
        )
        return 2
    try:
        return _predict(args, output)
    finally:
        if lock is not None:
            lock.close()  # releases the lock


def _predict(args: argparse.Namespace, output: Path | None) -> int:
    from .export.model import ModelFileError
    from .export.runtime import Predictor

    try:
        predictor = Predictor(args.model, threads=args.threads, trust_model_file=args.trust_model_file)
    except (ModelFileError, OSError, ValueError) as exc:
        print(f"vskd predict: {exc}", file=sys.stderr)
        return 2
    paths, folder = _inputs(args.recordings)
    if output is not None:  # a previous run's output inside the folder is no recording
        paths = [p for p in paths if p.resolve() != output.resolve()]
    if not paths:
        print("vskd predict: no recording to predict", file=sys.stderr)
        return 2
    rows = []
    for p in paths:
        row = predict_one(predictor, p)
        if "error" in row:
            print(f"vskd predict: {row['error']}", file=sys.stderr)
        rows.append(row)
    buf = io.StringIO()
    if args.json:
        for r in rows:
            obj = {k: r[k] for k in ("path", "label", "class_name", "probabilities", "error", "notes") if k in r}
            buf.write(json.dumps(obj) + "\n")
    elif folder or args.csv or (args.output and str(args.output).endswith(".csv")):
        _csv(rows, predictor.class_names, buf)
    else:
        _table(rows, buf)
    if output is not None:
        write_text_atomic(output, buf.getvalue())
        n_ok = sum("error" not in r for r in rows)
        print(f"vskd predict: {n_ok} of {len(rows)} recordings predicted -> {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(buf.getvalue())
    return 1 if any("error" in r for r in rows) else 0


def cmd_publish(args: argparse.Namespace) -> int:
    """Write the results page and the README's headline table from a run's tables."""
    from .atomic import write_text_atomic
    from .publish import latest_log, replace_headline, results_page

    log = Path(args.log) if args.log else latest_log(args.workdir)
    page, headline = results_page(Path(args.workdir, "results", "tables"), log, args.configfile, args.command)
    write_text_atomic(args.page, page)
    if headline and args.readme:
        readme = Path(args.readme)
        write_text_atomic(readme, replace_headline(readme.read_text(), headline))
    print(f"vskd publish: wrote {args.page}" + (f" and the headline of {args.readme}" if headline else ""))
    return 0


def _lock_path(output: Path) -> Path:
    return output.with_name(f".{output.name}.lock")


def _lock_output(output: Path):
    """An exclusive lock on ``-o`` (a hidden ``.<name>.lock`` beside it) for the whole prediction:
    two processes writing one output would silently keep one's predictions. The open lock file,
    or False when another process holds it."""
    import fcntl

    handle = open(_lock_path(output), "a")  # noqa: SIM115 (held open until the prediction ends)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return False
    return handle


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vskd", description="vision-to-sensor knowledge distillation")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser(
        "predict",
        help="predict the action in sensor recordings with a trained student",
        description=__doc__.split("\n\n")[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "model", help="student.onnx / student.pt (with student.json beside it) or a training model file (model.pt)"
    )
    p.add_argument("recordings", nargs="+", help="recording files (.mat, .txt, .csv, .npy) or folders")
    p.add_argument("--json", action="store_true", help="JSON Lines, one object per recording")
    p.add_argument("--csv", action="store_true", help="CSV (the default when a folder is given)")
    p.add_argument("-o", "--output", help="write here instead of stdout")
    p.add_argument("--threads", type=_positive_int, default=2, help="CPU threads (default 2)")
    p.add_argument(
        "--trust-model-file",
        action="store_true",
        help="load a model file that needs code to be unpickled (never needed for files vskd wrote; "
        "use only for a file you made yourself)",
    )
    p.set_defaults(func=cmd_predict)
    p = sub.add_parser(
        "publish",
        help="write docs/results.md and the README headline from a run's results/tables/",
        description="The results page from a finished run: its tables, the wall time from its Snakemake "
        "log, the machine, the config hash and the code version (vskd/publish.py).",
    )
    p.add_argument("--workdir", default=".", help="the run's working directory (results/ and .snakemake/ there)")
    p.add_argument("--log", help="the run's Snakemake log (default: the newest under <workdir>/.snakemake/log)")
    p.add_argument("--configfile", nargs="+", default=["config.yaml"], help="the config files of the run")
    p.add_argument("--command", default="snakemake --cores 2", help="the command that made the run")
    p.add_argument("--page", default="docs/results.md")
    p.add_argument("--readme", default="README.md", help="README whose headline table is replaced ('' to skip)")
    p.set_defaults(func=cmd_publish)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
