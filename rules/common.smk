# Shared helpers: config validation, per-dataset effective config, input functions, targets.
import sys
from pathlib import Path

sys.path.insert(0, str(Path(workflow.basedir)))

from vskd.config import validate_config, stage_config  # noqa: E402
from vskd.runs import (STAGE_SECTIONS, expand_runs, paired_baselines, run_config,  # noqa: E402
                       teacher_runs_online)
from vskd.data.sources import ARCHIVES, source_files, source_kind  # noqa: E402
from vskd.data.manifest import check_unpacked_files  # noqa: E402

EFFECTIVE = validate_config(config, origin="config (config.yaml and --config/--configfile overrides)")

DATASETS = list(EFFECTIVE)
RUNS = expand_runs(config, EFFECTIVE, origin="config (runs)")
RUN_NAMES = sorted({name for _, name, _ in RUNS})
RESULTS = "results"

# Snakemake sees results/{dataset}/raw as one output and misses a file edited inside it: compare
# the unpacked files with their fingerprints in clips.csv (job steps on a cluster skip this).
if workflow.is_main_process:
    for _name in DATASETS:
        check_unpacked_files(f"{RESULTS}/{_name}/clips.csv")


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
    run="|".join(RUN_NAMES),
    seed=r"\d+",
    teacher="teacher|teacher_untrained",
    card="student|student_baseline",
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
    """The design-card metrics (teacher, DASK and CE students) of every dataset, and the tables."""
    out = []
    for d in DATASETS:
        for card, role in DESIGN_CARD.items():
            if runs_of(d, config["design_card"][role]):
                out.append(f"{RESULTS}/{d}/{card}_metrics.csv")
        if has_video(d):
            out.append(f"{RESULTS}/{d}/teacher_metrics.csv")
    return out + table_targets()


DESIGN_CARD = {"student": "student", "student_baseline": "baseline"}


def runs_of(dataset, name=None, table=None):
    """The expanded runs (RunSpec) of a dataset, optionally of one row name or one table."""
    return [r for (d, n, _), r in sorted(RUNS.items())
            if d == dataset and (name is None or n == name) and (table is None or r.table == table)]


def run_spec(wildcards):
    key = (wildcards.dataset, wildcards.run, int(wildcards.seed))
    if key not in RUNS:
        raise ValueError(f"run {wildcards.run!r} seed {wildcards.seed} is not in the run sheet for "
                         f"dataset {wildcards.dataset!r}")
    return RUNS[key]


def run_metrics(spec):
    return f"{spec.folder}/metrics.csv"


def design_card_metrics(wildcards):
    """The run whose metrics the design-card file copies: run `design_card.<role>`, seed `seed`."""
    name = config["design_card"][DESIGN_CARD[wildcards.card]]
    return f"{RESULTS}/{wildcards.dataset}/runs/{name}/seed{config['seed']}/metrics.csv"


def table_targets():
    out = []
    for d in DATASETS:
        for table in TABLES:
            if any(runs_of(d, table=t) for t in TABLES[table]):
                out += [f"{RESULTS}/tables/{d}_{table}.{ext}" for ext in ("csv", "md", "tex")]
    return out


def table_order(wildcards):
    """Run names of a table in run-sheet order: CE first, then the table's rows (the ablation
    table also shows full DASK, the row it ablates)."""
    d, groups = wildcards.dataset, TABLES[wildcards.table]
    names = [config["design_card"]["baseline"]]
    if wildcards.table in ("ablation", "students"):
        names.append(config["design_card"]["student"])
    for row in config["runs"]:
        if row.get("table", "methods") in groups and runs_of(d, row["name"]) and row["name"] not in names:
            names.append(row["name"])
    return names


def table_controls(wildcards):
    """Each control run of a dataset -> the run with the same method and parameters and the
    trained teacher (None when the sheet has no such run)."""
    runs = {}
    for r in runs_of(wildcards.dataset):
        runs.setdefault(r.name, r)
    out = {}
    for name, r in runs.items():
        if r.teacher in ("shuffled", "untrained"):
            real = [n for n, o in runs.items() if o.teacher == "trained" and o.method == r.method
                    and o.params == r.params and o.student == r.student]
            out[name] = real[0] if real else None
    return out


#: each table and the run-sheet groups it shows (CE, the reference, is in every table)
TABLES = {"methods": ("methods", "control"), "ablation": ("ablation",), "students": ("students",)}


def table_baselines(wildcards):
    """Run -> the run its paired difference is against (``vskd.runs.paired_baselines``), for the
    runs of the table (``table_order``)."""
    against = paired_baselines(runs_of(wildcards.dataset), config["design_card"]["baseline"])
    return {run: against[run] for run in table_order(wildcards) if run in against}


def table_inputs(wildcards):
    """Metrics of every run the table shows, CE's (paired differences) and the teachers'."""
    d = wildcards.dataset
    specs = [r for t in TABLES[wildcards.table] for r in runs_of(d, table=t)]
    if wildcards.table in ("ablation", "students"):
        specs += runs_of(d, config["design_card"]["student"])
    specs += runs_of(d, config["design_card"]["baseline"])
    against = table_baselines(wildcards)
    specs += [r for name in sorted({against.get(s.name) for s in specs} - {None}) for r in runs_of(d, name)]
    out = {"runs": sorted({run_metrics(r) for r in specs})}
    teachers = {r.knowledge_source for r in specs if r.teacher}
    out["teachers"] = [f"{RESULTS}/{d}/{t}_metrics.csv" for t in sorted(teachers)]
    return out


def stage_params(wildcards, stage):
    """The part of a dataset's config a stage depends on (``STAGE_SECTIONS[stage]``): passed as
    params, so that changing a section reruns exactly the stages that read it."""
    e = eff(wildcards)
    return {"name": e["name"], "device": e["device"], **stage_config(e, *STAGE_SECTIONS[stage])}


def run_params(wildcards):
    """A run's config: its dataset's sections it reads, its row of the run sheet, its seed."""
    return run_config(eff(wildcards), run_spec(wildcards))


def split_file(wildcards):
    return f"{RESULTS}/{wildcards.dataset}/splits/{eff(wildcards)['dataset']['split']}.csv"


def gaf_file(wildcards):
    return f"{RESULTS}/{wildcards.dataset}/gaf_{eff(wildcards)['gaf']['kind']}.h5"


def gpus(wildcards):
    """GPUs a training job asks the scheduler for: one when the config pins device: cuda."""
    return 1 if eff(wildcards)["device"] == "cuda" else 0


def run_inputs(wildcards):
    """What a run reads: GAF images and split; plus the cached teacher knowledge (trained or
    untrained teacher), or frames + teacher model when the teacher runs online."""
    spec, e, d = run_spec(wildcards), eff(wildcards), wildcards.dataset
    out = {"gaf": gaf_file(wildcards), "split": split_file(wildcards)}
    if teacher_runs_online(spec.teacher, e["distill"]["online"]):
        out.update(frames=f"{RESULTS}/{d}/frames.h5", teacher=f"{RESULTS}/{d}/{spec.knowledge_source}/model.pt")
    elif spec.teacher:
        out["knowledge"] = f"{RESULTS}/{d}/{spec.knowledge_source}/knowledge.h5"
    from vskd.distill.registry import get_method
    if get_method(spec.method).needs_class_embeddings:
        out["class_embeddings"] = f"{RESULTS}/{d}/class_embeddings.npy"
    return out


TRAINING_CODE = code(
    "vskd/training/stages.py", "vskd/training/loop.py", "vskd/training/datasets.py",
    "vskd/training/sampling.py", "vskd/metrics.py", "vskd/runs.py", "vskd/models/outputs.py",
    "vskd/models/registry.py", "vskd/models/trn.py", "vskd/models/teacher.py", "vskd/models/student.py",
)
DISTILL_CODE = code("vskd/distill/base.py", "vskd/distill/registry.py", "vskd/distill/functional.py")


def method_code(wildcards):
    """The method's own module: editing it reruns the runs of that method only."""
    return code(f"vskd/distill/methods/{run_spec(wildcards).method}.py")


# every backbone module (the registry imports them all, so each can change any network)
BACKBONE_CODE = sorted(str(p) for p in (Path(workflow.basedir) / "vskd/models/backbones").glob("*.py"))
