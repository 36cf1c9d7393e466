# Input functions and helpers of rules/sakdn.smk (kept apart from the rules: snakemake --lint).
# SAKDN (sensor_to_vision): per-sensor GAF -> one teacher per sensor (+ knowledge) -> SPAMFM teacher
# (+ knowledge per branch) -> video student runs of the run sheet -> late fusion -> table.
from vskd.sakdn.config import (  # noqa: E402
    fusion_teacher_config,
    reverse_run_config,
    sakdn_config,
    sensor_teacher_config,
)


S2V = {k: r for k, r in RUNS.items() if r.direction == "sensor_to_vision"}


S2V_DATASETS = sorted({d for d, _, _ in S2V})


SAKDN = {d: sakdn_config(config, d, eff(d)) for d in S2V_DATASETS}


S2V_NAMES = sorted({n for _, n, _ in S2V})


SAKDN_SENSORS = sorted({s for c in SAKDN.values() for s in c["sensors"]})


if "late_fusion" in S2V_NAMES:
    raise ValueError("config (runs): 'late_fusion' is the late-fusion reference of sensor_to_vision; "
                     "name the run otherwise")


SAKDN_CODE = code(
    "vskd/sakdn/config.py", "vskd/sakdn/networks.py", "vskd/sakdn/spamfm.py", "vskd/sakdn/teachers.py",
    "vskd/gaf.py", "vskd/gaf_store.py",
)


REVERSE_CODE = SAKDN_CODE + code("vskd/training/reverse.py", "vskd/sakdn/gsdm.py")


def _sk(w):
    return SAKDN[w.dataset]


def _sensors(w):
    return list(_sk(w)["sensors"])


def s2v_baseline(dataset):
    """The sensor_to_vision CE row (the table's reference and the late fusion's video side)."""
    names = [r.name for r in runs_of(dataset) if r.direction == "sensor_to_vision" and r.method == "ce"]
    return names[0] if names else None


def s2v_spec(w):
    key = (w.dataset, w.s2v_run, int(w.seed))
    if key not in S2V:
        raise ValueError(f"{w.s2v_run!r} seed {w.seed} is no sensor_to_vision run of dataset {w.dataset!r}")
    return S2V[key]


def s2v_inputs(w):
    """Frames and split; the teachers' caches (all sensor teachers + metrics for `best`, the SPAMFM
    branches for `fused`, one teacher when named); class embeddings when the method reads them."""
    spec, d = s2v_spec(w), w.dataset
    out = {"frames": f"{RESULTS}/{d}/frames.h5", "split": split_file(w)}
    choice = spec.sensor_teacher
    if choice == "fused":
        out["knowledge"] = [f"{RESULTS}/{d}/sakdn/fusion/knowledge_{s}.h5" for s in _sensors(w)]
    elif choice == "best":
        out["knowledge"] = [f"{RESULTS}/{d}/sakdn/teacher_{s}/knowledge.h5" for s in _sensors(w)]
        out["teacher_metrics"] = [f"{RESULTS}/{d}/sakdn/teacher_{s}_metrics.csv" for s in _sensors(w)]
    elif choice is not None:
        out["knowledge"] = [f"{RESULTS}/{d}/sakdn/teacher_{choice}/knowledge.h5"]
    from vskd.distill.registry import get_method
    if get_method(spec.method).needs_class_embeddings:
        out["class_embeddings"] = f"{RESULTS}/{d}/class_embeddings.npy"
    return out


def s2v_table_targets():
    out = []
    for d in S2V_DATASETS:
        if s2v_baseline(d):
            out += [f"{RESULTS}/tables/{d}_sensor_to_vision.{ext}" for ext in ("csv", "md", "tex")]
    return out


def s2v_table_inputs(w):
    d, sensors = w.dataset, _sensors(w)
    base = s2v_baseline(d)
    specs = [r for r in S2V.values() if r.dataset == d]
    seeds = sorted({r.seed for r in specs if r.name == base})
    return {
        "runs": sorted({f"{r.folder}/metrics.csv" for r in specs}),
        "late_fusion": [f"{RESULTS}/{d}/s2v/late_fusion/seed{s}/metrics.csv" for s in seeds],
        "teachers": [f"{RESULTS}/{d}/sakdn/teacher_{s}_metrics.csv" for s in sensors],
        "fusion": f"{RESULTS}/{d}/sakdn/fusion_metrics.csv",
        "branches": f"{RESULTS}/{d}/sakdn/fusion/branch_metrics.csv",
        "weights": f"{RESULTS}/{d}/sakdn/fusion/fusion_weights.csv",
        "per_class": [f"{RESULTS}/{d}/sakdn/teacher_{s}/per_class.csv" for s in sensors]
        + [f"{RESULTS}/{d}/sakdn/fusion/per_class.csv"] + sorted({f"{r.folder}/per_class.csv" for r in specs}),
    }


def s2v_order(w):
    names = []
    for row in config["runs"]:
        if row.get("direction") == "sensor_to_vision" and any(r.name == row["name"] for r in runs_of(w.dataset)):
            names.append(row["name"])
    return names


wildcard_constraints:
    sensor="|".join(SAKDN_SENSORS) or "(?!x)x",
    s2v_run="|".join(S2V_NAMES) or "(?!x)x",


def fusion_inputs(w):
    d = w.dataset
    out = {"gaf": [f"{RESULTS}/{d}/sakdn/gaf_{s}.h5" for s in _sensors(w)], "split": split_file(w),
           "class_embeddings": f"{RESULTS}/{d}/class_embeddings.npy"}
    if _sk(w)["fusion"]["init"] == "sensor_teachers":
        out["init"] = [f"{RESULTS}/{d}/sakdn/teacher_{s}/model.pt" for s in _sensors(w)]
    return out
