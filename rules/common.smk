# Shared helpers: config validation, per-dataset effective config, input functions, targets.
import sys
from pathlib import Path

sys.path.insert(0, str(Path(workflow.basedir)))

from vskd.config import validate_config, stage_config  # noqa: E402
from vskd.data.sources import ARCHIVES, source_kind  # noqa: E402

EFFECTIVE = validate_config(config, origin="config (config.yaml and --config/--configfile overrides)")

DATASETS = list(EFFECTIVE)
RESULTS = "results"


def eff(wildcards_or_name):
    """Effective (defaults merged with overrides) config of a dataset."""
    return EFFECTIVE[getattr(wildcards_or_name, "dataset", wildcards_or_name)]


def datasets_where(predicate):
    """Regex alternatives of the datasets for which predicate(effective config) holds."""
    names = [d for d in DATASETS if predicate(eff(d))]
    return "|".join(names) if names else "(?!x)x"


def kind_of(name):
    return source_kind(eff(name)["dataset"]["source"])


def code(*paths):
    """Package and script files a rule depends on (reruns follow their content, see profile)."""
    return [str(Path(workflow.basedir) / p) for p in paths]


wildcard_constraints:
    dataset="|".join(DATASETS),
    kind="gasf|gadf",
    archive="RGB|Inertial",


def archive_path(name, modality):
    """Where a dataset's archive of one modality lies (produced, downloaded or given)."""
    archive = ARCHIVES[modality]
    if kind_of(name) == "archives":
        return str(Path(eff(name)["dataset"]["source"]) / archive)
    return f"{RESULTS}/{name}/archives/{archive}"


def unpack_inputs(wildcards):
    mods = eff(wildcards)["dataset"]["modalities"]
    return {m: archive_path(wildcards.dataset, m) for m in mods}


def raw_root(wildcards):
    """The folder the manifest scans: the unpacked archives, or the user's unpacked folder."""
    if kind_of(wildcards.dataset) == "folder":
        return eff(wildcards)["dataset"]["source"]
    return f"{RESULTS}/{wildcards.dataset}/raw"


def has_video(name):
    return "video" in eff(name)["dataset"]["modalities"]


def data_targets():
    out = []
    for d in DATASETS:
        e = eff(d)
        out.append(f"{RESULTS}/{d}/clips.csv")
        out.append(f"{RESULTS}/{d}/gaf_{e['gaf']['kind']}.h5")
        if has_video(d):
            out.append(f"{RESULTS}/{d}/frames.h5")
    return out


def all_targets():
    """Teacher/DASK metrics where a dataset has video; the CE student everywhere."""
    out = []
    for d in DATASETS:
        out.append(f"{RESULTS}/{d}/student_baseline_metrics.csv")
        if has_video(d):
            out += [f"{RESULTS}/{d}/teacher_metrics.csv", f"{RESULTS}/{d}/student_metrics.csv"]
    return out


def stage_params(wildcards, *sections):
    """The part of a dataset's config a stage depends on: passed as params, so that changing a
    section reruns exactly the stages that read it."""
    e = eff(wildcards)
    return {"name": e["name"], "device": e["device"], **stage_config(e, *sections)}


def split_file(wildcards):
    return f"{RESULTS}/{wildcards.dataset}/splits/{eff(wildcards)['dataset']['split']}.csv"


def gaf_file(wildcards):
    return f"{RESULTS}/{wildcards.dataset}/gaf_{eff(wildcards)['gaf']['kind']}.h5"


def gpus(wildcards):
    """GPUs a training job asks the scheduler for: one when the config pins device: cuda."""
    return 1 if eff(wildcards)["device"] == "cuda" else 0


def dask_inputs(wildcards):
    """What the distilled student reads: cached teacher knowledge, or frames + teacher (online)."""
    d, e = wildcards.dataset, eff(wildcards)
    out = {"class_embeddings": f"{RESULTS}/{d}/class_embeddings.npy",
           "class_embeddings_source": f"{RESULTS}/{d}/class_embeddings.json"}
    if e["distill"]["online"]:
        out.update(frames=f"{RESULTS}/{d}/frames.h5", teacher=f"{RESULTS}/{d}/teacher/model.pt")
    else:
        out["knowledge"] = f"{RESULTS}/{d}/teacher/knowledge.h5"
    return out


TRAINING_CODE = code(
    "vskd/training/stages.py", "vskd/training/loop.py", "vskd/training/datasets.py",
    "vskd/training/sampling.py", "vskd/distill/losses.py", "vskd/metrics.py",
)
# every backbone module (the registry imports them all, so each can change any network)
BACKBONE_CODE = sorted(str(p) for p in (Path(workflow.basedir) / "vskd/models/backbones").glob("*.py"))
