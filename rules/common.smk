# Config validation, the run sheet, wildcard constraints, every input function and target list of
# the workflow (the stage files hold rules only: snakemake --lint).
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(workflow.basedir)))

from vskd.codedeps import imported_files  # noqa: E402
from vskd.config import stage_config, validate_config  # noqa: E402
from vskd.data.adapters import available_kinds, dataset_class_names, get_adapter  # noqa: E402
from vskd.data.manifest import check_unpacked_files  # noqa: E402
from vskd.data.sources import download_key, source_files, source_origin  # noqa: E402
from vskd.data.synthetic import get_generator  # noqa: E402
from vskd.distill.registry import get_method  # noqa: E402
from vskd.gaf_store import gaf_params  # noqa: E402
from vskd.model_sheet import expand_models, sensor_model  # noqa: E402
from vskd.report.targets import design_card_labels, figure_paths, run_names  # noqa: E402
from vskd.report.targets import design_card_files as design_card_inputs  # noqa: E402
from vskd.runs import (  # noqa: E402
    STAGE_SECTIONS,
    expand_runs,
    paired_baselines,
    run_config,
    teacher_runs_online,
)
from vskd.sweeps import selected_name  # noqa: E402
from vskd.sakdn_config import (  # noqa: E402
    fusion_teacher_config,
    sensor_to_vision_run_config,
    sakdn_config,
    sensor_teacher_config,
)

EFFECTIVE = validate_config(config, origin="config (config.yaml and --config/--configfile overrides)")
DATASETS = list(EFFECTIVE)
RUNS = expand_runs(config, EFFECTIVE, origin="config (runs)")
RUN_NAMES = sorted({name for _, name, _ in RUNS})
#: the sweep rows of the run sheet (vskd.sweeps): dataset -> row names
SWEEPS = {d: sorted({r.sweep for (dd, _, _), r in RUNS.items() if dd == d and r.sweep}) for d in DATASETS}
SWEEP_NAMES = sorted({n for names in SWEEPS.values() for n in names})
SENSOR_TO_VISION = {k: r for k, r in RUNS.items() if r.direction == "sensor_to_vision"}
SENSOR_TO_VISION_NAMES = sorted({n for _, n, _ in SENSOR_TO_VISION})
SAKDN = {d: sakdn_config(config, d, EFFECTIVE[d]) for d in sorted({d for d, _, _ in SENSOR_TO_VISION})}
MODELS = expand_models(EFFECTIVE, SAKDN)
MODEL_NAMES = sorted({name for _, name in MODELS})
if "late_fusion" in SENSOR_TO_VISION_NAMES:
    raise ValueError(
        "config (runs): 'late_fusion' is the late-fusion reference of sensor_to_vision; " "name the run otherwise"
    )
#: each comparison table and the run-sheet groups it shows (CE, the reference, is in every one)
TABLES = {
    "methods": ("methods", "control"),
    "ablation": ("ablation",),
    "students": ("students",),
}
#: the table of the sensor_to_vision direction (its runs, sensor teachers, SPAMFM, late fusion)
SENSOR_TO_VISION_TABLE = "sensor_to_vision"
#: the table of the parameter sweeps (selected value beside the fixed default)
SWEEP_TABLE = "sweep"
TABLE_NAMES = [*TABLES, SENSOR_TO_VISION_TABLE]
# Stages that gate many jobs (data, teachers, their knowledge) run before ready runs: Snakemake
# orders ready jobs by priority only, and without it the runs of one dataset can starve another's
# data stages, leaving its long chain (frames -> teacher -> runs) for the end of the grid.
UPSTREAM_PRIORITY = 10
DESIGN_CARD = {"student": "student", "student_baseline": "baseline"}
#: the design-card copy of the video teacher's metrics: results/{dataset}/teacher_metrics.csv
TEACHER_CARD = "teacher"


def eff(wildcards_or_name):
    """Effective (defaults merged with overrides) config of a dataset."""
    return EFFECTIVE[getattr(wildcards_or_name, "dataset", wildcards_or_name)]


def datasets_where(predicate):
    """Regex alternatives of the datasets for which predicate(effective config) holds."""
    names = [d for d in DATASETS if predicate(eff(d))]
    return "|".join(names) if names else "(?!x)x"


def origin_of(name):
    """synthetic, download, archives (a local folder of archives) or folder."""
    d = eff(name)["dataset"]
    return source_origin(d["kind"], d["source"])


def from_archives(name):
    """Whether a dataset's raw files are unpacked from archives by the workflow."""
    origin = origin_of(name)
    if origin == "synthetic":
        return get_generator(eff(name)["dataset"]["kind"]).layout == "archives"
    return origin in ("download", "archives")


def raw_root(wildcards_or_name):
    """The folder the manifest scans: unpacked archives, a synthesized folder or the user's folder."""
    d = getattr(wildcards_or_name, "dataset", wildcards_or_name)
    if from_archives(d):
        return f"results/{d}/raw"
    if origin_of(d) == "synthetic":
        return f"results/{d}/synthetic"
    return eff(d)["dataset"]["source"]


# Snakemake sees a raw folder as one output and misses a file edited inside it: compare the files
# the workflow wrote (unpacked or synthesized) with their fingerprints in clips.csv (job steps on
# a cluster skip this).
if workflow.is_main_process:
    for _name in DATASETS:
        if origin_of(_name) != "folder":
            check_unpacked_files(
                f"results/{_name}/clips.csv",
                raw_root(_name),
                eff(_name)["dataset"]["kind"],
            )


def script_code(script, *exclude):
    """The package files a workflow script imports (vskd.codedeps): reruns follow their content
    (the profile drops Snakemake's `code` trigger)."""
    base = Path(workflow.basedir)
    return imported_files(base / "workflow_scripts" / script, base, exclude=exclude) + [
        str(base / "workflow_scripts" / script)
    ]


wildcard_constraints:
    dataset="|".join(DATASETS),
    run="|".join(map(re.escape, RUN_NAMES)),
    sweep="|".join(SWEEP_NAMES) or "(?!x)x",
    seed=r"\d+",
    model="|".join(MODEL_NAMES) or "(?!x)x",
    branch=r"(_\w+)?",
    card="student|student_baseline|teacher",
    images=r"(gasf|gadf)(_\w+)?",
    archive=r"[A-Za-z]+",
    protocol="|".join(sorted({p for k in available_kinds() for p in get_adapter(k).protocols})),


# ---- datasets ---------------------------------------------------------------------------------
def archive_path(name, modality):
    """Where a dataset's archive of one modality lies (synthesized, downloaded or given)."""
    archive = get_adapter(eff(name)["dataset"]["kind"]).archives[modality]
    origin = origin_of(name)
    if origin == "archives":
        return str(Path(eff(name)["dataset"]["source"]) / archive)
    if origin == "synthetic":
        return f"results/{name}/synthetic/{archive}"
    return f"results/{name}/archives/{archive}"


def unpack_inputs(wildcards):
    d = wildcards.dataset
    if origin_of(d) == "synthetic":
        return {"synthetic": f"results/{d}/synthetic"}
    return {m: archive_path(d, m) for m in eff(d)["dataset"]["modalities"]}


def unpack_archives_params(wildcards):
    d = wildcards.dataset
    return {m: archive_path(d, m) for m in eff(d)["dataset"]["modalities"]}


def download_params(wildcards):
    """URL and sha256 of one archive (``download.<stem>_url`` / ``_sha256``)."""
    key = download_key(f"{wildcards.archive}.zip")
    download = eff(wildcards)["dataset"]["download"]
    return {"url": download[key], "sha256": download.get(key.replace("_url", "_sha256"))}


def manifest_params(wildcards):
    d, g = eff(wildcards)["dataset"], eff(wildcards)["gaf"]
    return {
        "kind": d["kind"],
        "modalities": d["modalities"],
        "sensors": d.get("sensors") or g.get("sensors"),
        "cameras": d.get("cameras"),
        "skip_clips": d.get("skip_clips", []),
        "on_missing": d.get("on_missing", "error"),
        "label_scheme": d.get("label_scheme", "default"),
        "conditioning": {
            "rate_hz": g.get("resample_hz"),
            "despike": g.get("despike", "auto"),
            "max_samples": g.get("max_samples"),
        },
    }


def split_protocols(name):
    """The protocols of a dataset whose split files its data stages write: every protocol of its
    adapter that a per-clip split can express, and the configured one."""
    adapter = get_adapter(eff(name)["dataset"]["kind"])
    protocols = [p for p in adapter.protocols if not adapter.camera_dependent(p)]
    return sorted(set(protocols) | {eff(name)["dataset"]["split"]})


def has_video(name):
    return "video" in eff(name)["dataset"]["modalities"]


def class_names(wildcards):
    """Class names in label order of a dataset (its adapter's class file)."""
    return dataset_class_names(eff(wildcards)["dataset"])


def split_file(wildcards):
    return f"results/{wildcards.dataset}/splits/{eff(wildcards)['dataset']['split']}.csv"


def validation_split_file(wildcards):
    """The validation split of the dataset's protocol (what sweep candidates train and select on)."""
    return f"results/{wildcards.dataset}/splits/validation/{eff(wildcards)['dataset']['split']}.csv"


# ---- GAF image sets: one file per (dataset, kind, sensors, channels), shared by every consumer
def default_gaf_selection(name):
    e = eff(name)
    sensors = e["gaf"].get("sensors") or e["dataset"].get("sensors")
    adapter = get_adapter(e["dataset"]["kind"])
    return {
        "sensors": list(sensors or adapter.default_sensors),
        "channels": list(e["gaf"]["channels"]),
    }


def sakdn_gaf_selection(name, sensor):
    """A SAKDN sensor teacher's input: its channels of the dataset's sensors (UTD: acc / gyro),
    or a named sensor of the dataset with the configured channels (Berkeley, MMAct)."""
    channels = SAKDN[name]["sensors"][sensor]
    if channels:
        return {**default_gaf_selection(name), "channels": list(channels)}
    return {"sensors": [sensor], "channels": list(eff(name)["gaf"]["channels"])}


def gaf_images_file(name, sensor=None):
    """The GAF file of the dataset's own selection (the student's), ``gaf_{kind}.h5``, or of a SAKDN
    sensor teacher's: the same file where its selection is the same, else ``gaf_{kind}_{sensor}.h5``."""
    kind = eff(name)["gaf"]["kind"]
    if sensor is None or sakdn_gaf_selection(name, sensor) == default_gaf_selection(name):
        return f"results/{name}/gaf_{kind}.h5"
    return f"results/{name}/gaf_{kind}_{sensor}.h5"


def gaf_file(wildcards):
    return gaf_images_file(wildcards.dataset)


def gaf_images_params(wildcards):
    """The settings of one GAF image set (wildcard ``images``: ``{kind}`` or ``{kind}_{sensor}``)."""
    d = wildcards.dataset
    kind, _, sensor = wildcards.images.partition("_")
    selection = sakdn_gaf_selection(d, sensor) if sensor else default_gaf_selection(d)
    return {**gaf_params(eff(d)["gaf"], kind), **selection}


def data_targets():
    out = []
    for d in DATASETS:
        out.append(f"results/{d}/clips.csv")
        out += [f"results/{d}/splits/{p}.csv" for p in split_protocols(d)]
        out.append(gaf_images_file(d))
        if has_video(d):
            out.append(f"results/{d}/frames.h5")
    return out


# ---- stage configs -------------------------------------------------------------------------
def stage_params(wildcards, stage):
    """The part of a dataset's config a stage depends on (``STAGE_SECTIONS[stage]``): passed as
    params, so that changing a section reruns exactly the stages that read it."""
    e = eff(wildcards)
    return {
        "name": e["name"],
        "device": e["device"],
        **stage_config(e, *STAGE_SECTIONS[stage]),
    }


def gpus(wildcards):
    """GPUs a training job asks the scheduler for: one when the config pins device: cuda."""
    return 1 if eff(wildcards)["device"] == "cuda" else 0


# ---- the run sheet ---------------------------------------------------------------------------
def runs_of(dataset, name=None, table=None, sweeps=False):
    """The expanded runs (RunSpec) of a dataset, optionally of one row name or one table; the
    candidates and selected runs of sweeps only with ``sweeps`` (they have their own table)."""
    return [
        r
        for (d, n, _), r in sorted(RUNS.items())
        if d == dataset
        and (name is None or n == name)
        and (table is None or r.table == table)
        and (sweeps or r.sweep_role is None)
    ]


def run_direction(wildcards):
    return run_spec(wildcards).direction


def run_spec(wildcards):
    key = (wildcards.dataset, wildcards.run, int(wildcards.seed))
    if key not in RUNS:
        raise ValueError(
            f"run {wildcards.run!r} seed {wildcards.seed} is not in the run sheet for " f"dataset {wildcards.dataset!r}"
        )
    return RUNS[key]


def run_params(wildcards):
    """A run's config: its dataset's sections it reads, its row of the run sheet, its seed (a
    sensor_to_vision run: its video student and which sensor teachers it may read)."""
    spec = run_spec(wildcards)
    if spec.direction == "sensor_to_vision":
        return sensor_to_vision_run_config(eff(wildcards), spec, sakdn(wildcards))
    return run_config(eff(wildcards), spec)


def pretrained_weights(section):
    """A network section's ImageNet weights file as an input (a replaced file retrains)."""
    path = section.get("pretrained")
    return {"pretrained": path} if path else {}


def semantic_vectors(wildcards):
    """The word-vector file the class embeddings read (`semantic.glove_path` / `npy_path`)."""
    semantic = eff(wildcards)["semantic"]
    path = {"glove": semantic.get("glove_path"), "npy": semantic.get("npy_path")}.get(semantic["source"])
    return {"vectors": path} if path else {}


def method_code(spec):
    """The method's own module: editing it reruns the runs of that method only."""
    return str(Path(workflow.basedir) / f"vskd/distill/methods/{spec.method}.py")


def run_inputs(wildcards):
    """What a run reads: its student's input and split; its teachers' knowledge caches (or the
    frozen video teacher and frames when it runs online); class embeddings when its method reads
    them. The direction of the run decides which (`vskd.runs.RunSpec.direction`)."""
    spec, d = run_spec(wildcards), wildcards.dataset
    out = {"split": split_file(wildcards), "method": method_code(spec)}
    if spec.evaluated_on == "validation":
        out["split"] = validation_split_file(wildcards)
    if spec.choices:
        out["selection"] = f"results/{d}/sweeps/{spec.sweep}/selection.csv"
    if spec.direction == "sensor_to_vision":
        out.update(video_student_inputs(wildcards, spec))
    else:
        out["gaf"] = gaf_file(wildcards)
        if teacher_runs_online(spec.teacher, eff(wildcards)["distill"]["online"]):
            out["frames"] = f"results/{d}/frames.h5"
            out["teacher"] = f"results/{d}/models/{spec.knowledge_source}/model.pt"
        elif spec.teacher:
            out["knowledge"] = f"results/{d}/models/{spec.knowledge_source}/knowledge.h5"
    if get_method(spec.method).needs_class_embeddings:
        out["class_embeddings"] = f"results/{d}/class_embeddings.npy"
    return {**out, **pretrained_weights(run_params(wildcards)["student"])}


def design_card_metrics(wildcards):
    """The run whose metrics the design-card file copies: run `design_card.<role>`, seed `seed`
    (or the video teacher's metrics)."""
    if wildcards.card == TEACHER_CARD:
        return f"results/{wildcards.dataset}/models/teacher/metrics.csv"
    name = config["design_card"][DESIGN_CARD[wildcards.card]]
    return f"results/{wildcards.dataset}/runs/{name}/seed{config['seed']}/metrics.csv"


def design_card_model(wildcards):
    """The design-card student's model file: run `design_card.student` at the config's seed."""
    name = config["design_card"]["student"]
    return f"results/{wildcards.dataset}/runs/{name}/seed{config['seed']}/model.pt"


def export_params(wildcards):
    """The parts of the dataset's config the export reads: GAF settings, dataset kind, identity."""
    e = eff(wildcards)
    return {"name": e["name"], "seed": e["seed"], "dataset": e["dataset"], "gaf": e["gaf"]}


# ---- the sensor_to_vision direction (SAKDN) -------------------------------------------------
def sakdn(wildcards):
    return SAKDN[wildcards.dataset]


def sakdn_sensors(wildcards):
    return list(sakdn(wildcards)["sensors"])


def sensor_to_vision_baseline(dataset):
    """The sensor_to_vision CE row (the table's reference and the late fusion's video side)."""
    names = [r.name for r in runs_of(dataset) if r.direction == "sensor_to_vision" and r.method == "ce"]
    return names[0] if names else None


def video_student_inputs(wildcards, spec):
    """A sensor_to_vision run's frames and the caches of the sensor teachers it reads: every sensor
    teacher + their metrics for `best`, the SPAMFM branches for `fused`, or one named teacher."""
    d, sensors = wildcards.dataset, sakdn_sensors(wildcards)
    out = {"frames": f"results/{d}/frames.h5"}
    choice = spec.sensor_teacher
    if choice == "fused":
        out["knowledge"] = MODELS[(d, "spamfm")].knowledge_files
    elif choice == "best":
        out["knowledge"] = [f"results/{d}/models/{sensor_model(s)}/knowledge.h5" for s in sensors]
        out["teacher_metrics"] = [f"results/{d}/models/{sensor_model(s)}/metrics.csv" for s in sensors]
    elif choice is not None:
        out["knowledge"] = [f"results/{d}/models/{sensor_model(choice)}/knowledge.h5"]
    return out


def model_spec(wildcards):
    key = (wildcards.dataset, wildcards.model)
    if key not in MODELS:
        raise ValueError(f"no model {wildcards.model!r} for dataset {wildcards.dataset!r}")
    return MODELS[key]


def model_params(wildcards):
    """What a model's training depends on (params and config hash): the video TRN reads the
    `frames` and `teacher` sections, a sensor teacher its GAF selection and `sakdn.teacher`, SPAMFM
    the sensors and `sakdn.teacher` + `sakdn.fusion`."""
    spec, e = model_spec(wildcards), eff(wildcards)
    if spec.network == "trn":
        return stage_params(wildcards, "teacher")
    if spec.network == "sensor_teacher":
        return sensor_teacher_config(e, sakdn(wildcards), spec.sensors[0])
    return fusion_teacher_config(e, sakdn(wildcards))


def knowledge_params(wildcards):
    """The video TRN's cache also reads the `knowledge` section (views, map views)."""
    if model_spec(wildcards).network == "trn":
        return stage_params(wildcards, "knowledge")
    return model_params(wildcards)


def _model_data(wildcards):
    spec, d = model_spec(wildcards), wildcards.dataset
    out = {"split": split_file(wildcards)}
    if spec.input == "frames":
        out["frames"] = f"results/{d}/frames.h5"
    else:
        out["gaf"] = [gaf_images_file(d, s) for s in spec.sensors]
    return out


def model_inputs(wildcards):
    """What a model trains on: frames or its GAF image sets, the split; the class-name embeddings
    for the sensor teachers' semantic term; SPAMFM's sensor teachers when it starts from them."""
    spec, d = model_spec(wildcards), wildcards.dataset
    out = _model_data(wildcards)
    if spec.network == "trn":
        out.update(pretrained_weights(eff(wildcards)["teacher"]))
    else:
        out["class_embeddings"] = f"results/{d}/class_embeddings.npy"
        out.update(pretrained_weights(sakdn(wildcards)["teacher"]))
    if spec.network == "spamfm" and sakdn(wildcards)["fusion"]["init"] == "sensor_teachers":
        out["init"] = [f"results/{d}/models/{sensor_model(s)}/model.pt" for s in spec.sensors]
    return out


def knowledge_inputs(wildcards):
    spec = model_spec(wildcards)
    if wildcards.branch and (spec.network != "spamfm" or wildcards.branch[1:] not in spec.sensors):
        raise ValueError(f"model {spec.name!r} has no knowledge cache knowledge{wildcards.branch}.h5")
    if spec.network == "spamfm" and not wildcards.branch:
        raise ValueError("the SPAMFM model caches one file per branch: knowledge_<sensor>.h5")
    return {**_model_data(wildcards), "model": f"{spec.folder}/model.pt"}


# ---- tables ----------------------------------------------------------------------------------
def table_targets():
    out = []
    for d in DATASETS:
        for table in TABLES:
            if any(runs_of(d, table=t) for t in TABLES[table]):
                out += [f"results/tables/{d}_{table}.{ext}" for ext in ("csv", "md", "tex")]
        if SWEEPS[d]:
            out += [f"results/tables/{d}_{SWEEP_TABLE}.{ext}" for ext in ("csv", "md")]
        if d in SAKDN and sensor_to_vision_baseline(d):
            out += [f"results/tables/{d}_{SENSOR_TO_VISION_TABLE}.{ext}" for ext in ("csv", "md", "tex")]
            out += [f"results/tables/{d}_{SENSOR_TO_VISION_TABLE}_per_class.{ext}" for ext in ("csv", "md")]
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
            real = [
                n
                for n, o in runs.items()
                if o.teacher == "trained" and o.method == r.method and o.params == r.params and o.student == r.student
            ]
            out[name] = real[0] if real else None
    return out


def table_baselines(wildcards):
    """Run -> the run its paired difference is against (``vskd.runs.paired_baselines``), for the
    runs of the table (``table_order``)."""
    against = paired_baselines(runs_of(wildcards.dataset), config["design_card"]["baseline"])
    return {run: against[run] for run in table_order(wildcards) if run in against}


def table_inputs(wildcards):
    """Metrics of every run the table shows, CE's (paired differences) and the teachers' (the
    sensor_to_vision table: also late fusion, SPAMFM and its branches)."""
    if wildcards.table == SENSOR_TO_VISION_TABLE:
        return sensor_to_vision_table_inputs(wildcards)
    d = wildcards.dataset
    specs = [r for t in TABLES[wildcards.table] for r in runs_of(d, table=t)]
    if wildcards.table in ("ablation", "students"):
        specs += runs_of(d, config["design_card"]["student"])
    specs += runs_of(d, config["design_card"]["baseline"])
    against = table_baselines(wildcards)
    specs += [r for name in sorted({against.get(s.name) for s in specs} - {None}) for r in runs_of(d, name)]
    out = {"runs": sorted({f"{r.folder}/metrics.csv" for r in specs})}
    teachers = {r.knowledge_source for r in specs if r.teacher}
    out["teachers"] = [f"results/{d}/models/{t}/metrics.csv" for t in sorted(teachers)]
    out["reference"] = [config["reference"]] if config.get("reference") else []
    return out


def sensor_to_vision_table_inputs(wildcards):
    d, sensors = wildcards.dataset, sakdn_sensors(wildcards)
    base = sensor_to_vision_baseline(d)
    specs = [r for r in SENSOR_TO_VISION.values() if r.dataset == d and r.sweep_role is None]
    seeds = sorted({r.seed for r in specs if r.name == base})
    return {
        "runs": sorted({f"{r.folder}/metrics.csv" for r in specs}),
        "late_fusion": [f"results/{d}/late_fusion/seed{s}/metrics.csv" for s in seeds],
        "teachers": [f"results/{d}/models/{sensor_model(s)}/metrics.csv" for s in sensors],
        "fusion": f"results/{d}/models/spamfm/metrics.csv",
        "branches": f"results/{d}/models/spamfm/branch_metrics.csv",
    }


def table_params(wildcards):
    """What the table builder needs besides its inputs (vskd.tables.write_comparison_table)."""
    d = wildcards.dataset
    if wildcards.table == SENSOR_TO_VISION_TABLE:
        return {
            "order": sensor_to_vision_order(wildcards),
            "baseline": sensor_to_vision_baseline(d),
            "sensors": sakdn_sensors(wildcards),
        }
    return {
        "order": table_order(wildcards),
        "baseline": config["design_card"]["baseline"],
        "baselines": table_baselines(wildcards),
        "controls": table_controls(wildcards),
        "reference": config.get("reference"),
        "dataset_kind": eff(wildcards)["dataset"]["kind"],
    }


def per_class_inputs(wildcards):
    return {
        "per_class": sorted({f for files in sensor_to_vision_per_class_groups(wildcards).values() for f in files}),
        "gates": f"results/{wildcards.dataset}/models/spamfm/gates.csv",
    }


def sensor_to_vision_per_class_groups(wildcards):
    """Per-class F1 columns of the sensor_to_vision table -> the per-class files each averages:
    each sensor teacher, the SPAMFM teacher, each video-student run over its seeds."""
    d, sensors = wildcards.dataset, sakdn_sensors(wildcards)
    groups = {f"teacher_{s}": [f"results/{d}/models/{sensor_model(s)}/per_class.csv"] for s in sensors}
    groups["fused_teacher"] = [f"results/{d}/models/spamfm/per_class.csv"]
    for run in sensor_to_vision_order(wildcards):
        groups[run] = [f"{r.folder}/per_class.csv" for r in runs_of(d, run)]
    return groups


def sensor_to_vision_order(wildcards):
    names = []
    for row in config["runs"]:
        if row.get("direction") == "sensor_to_vision" and any(
            r.name == row["name"] for r in runs_of(wildcards.dataset)
        ):
            names.append(row["name"])
    return names


# ---- parameter sweeps (vskd.sweeps) ------------------------------------------------------------
def sweep_candidates(wildcards):
    """Candidate run name -> its swept values, of one sweep row on one dataset, in the row's order."""
    return runs_of(wildcards.dataset, selected_name(wildcards.sweep), sweeps=True)[0].choices


def sweep_selection_inputs(wildcards):
    """The validation metrics of every candidate of a sweep over its seeds."""
    return sorted(
        f"{r.folder}/metrics.csv"
        for r in runs_of(wildcards.dataset, sweeps=True)
        if r.sweep == wildcards.sweep and r.sweep_role == "candidate"
    )


def sweep_baselines(dataset):
    """Sweep row -> the CE run its default and selected runs are paired with (vskd.runs.paired_baselines)."""
    against = paired_baselines(runs_of(dataset), config["design_card"]["baseline"])
    return {s: against[s] for s in SWEEPS[dataset]}


def sweep_table_inputs(wildcards):
    """Selections, the default and selected runs of every sweep of a dataset, and the CE runs
    they are paired with."""
    d = wildcards.dataset
    against = sweep_baselines(d)
    names = [n for s in SWEEPS[d] for n in (s, selected_name(s), against[s])]
    return {
        "runs": sorted({f"{r.folder}/metrics.csv" for r in runs_of(d, sweeps=True) if r.name in names}),
        "selections": [f"results/{d}/sweeps/{s}/selection.csv" for s in SWEEPS[d]],
    }


def sweep_table_params(wildcards):
    d = wildcards.dataset
    return {
        "sweeps": SWEEPS[d],
        "labels": {s: runs_of(d, s)[0].label for s in SWEEPS[d]},
        "baselines": sweep_baselines(d),
    }


# ---- targets ---------------------------------------------------------------------------------
def all_targets():
    """The design-card metrics (teacher, DASK and CE students) of every dataset, and the tables."""
    out = []
    for d in DATASETS:
        for card, role in DESIGN_CARD.items():
            if runs_of(d, config["design_card"][role]):
                out.append(f"results/{d}/{card}_metrics.csv")
        if has_video(d):
            out.append(f"results/{d}/teacher_metrics.csv")
    return out + table_targets()


def figure_targets():
    return [
        p for d in DATASETS for p in figure_paths("results", d, run_names(runs_of, d, config["runs"]), has_video(d))
    ]


def design_card_files(wildcards, filename, all_seeds=False):
    """``filename`` of the teacher and of the design-card runs (vskd.report.targets)."""
    d = wildcards.dataset
    return design_card_inputs(
        "results", d, filename, config["design_card"], config["seed"], runs_of, has_video(d), all_seeds
    )


def design_card_legend(wildcards):
    return design_card_labels(wildcards.dataset, config["design_card"], runs_of)
