"""The run sheet: experiments as rows (method, parameters, teacher, student, seeds).

``runs:`` in the config lists rows; each row expands over its seeds (default: the config's
``seeds``) and over the datasets it can run on (methods that read a teacher need video). A run is
identified by (dataset, name, seed) and owns ``results/{dataset}/runs/{name}/seed{seed}/``.
Parameters are checked against the method's own ``defaults`` when the config is validated, so a
typo fails before any job starts, naming the row.

``STAGE_SECTIONS`` declares, once, which config sections every stage depends on: the rules pass
exactly these as params (a change reruns exactly the stages that read it) and the same sections
make the stage's config hash and checkpoint fingerprint.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, field
from typing import Any

from .config import ConfigError, deep_merge
from .sweeps import candidate_name, candidates, selected_name, split_params

#: config sections each stage depends on (besides the dataset entry and the seed)
STAGE_SECTIONS: dict[str, tuple[str, ...]] = {
    "teacher": ("frames", "teacher"),
    "knowledge": ("frames", "teacher", "knowledge"),
    "run": ("gaf", "student"),
    "run_with_teacher": ("gaf", "student", "distill"),
}

TEACHER_STATES = ("trained", "shuffled", "untrained")


@dataclass(frozen=True)
class RunSpec:
    """One expanded run: a row of the sheet on one dataset with one seed."""

    dataset: str
    name: str
    seed: int
    method: str
    params: dict[str, Any] = field(hash=False)
    teacher: str | None  # trained / shuffled / untrained, None when no teacher is read
    student: dict[str, Any] = field(hash=False)
    table: str = "methods"
    label: str = ""
    #: vision_to_sensor (VSKD: video teacher, GAF student) or sensor_to_vision (SAKDN)
    direction: str = "vision_to_sensor"
    #: sensor_to_vision: best, fused or a sensor name (None for CE)
    sensor_teacher: str | None = None
    #: a sweep's run (vskd.sweeps): the row it belongs to, and its role: candidate (trained on the
    #: fit part, evaluated on the validation part) or selected (the value the validation chose)
    sweep: str | None = None
    sweep_role: str | None = None
    #: a selected run's candidates (run name -> swept values, in the row's order): its sweep's
    #: selection file names one, whose values the run trains with
    choices: dict[str, dict[str, Any]] = field(default_factory=dict, hash=False)

    @property
    def evaluated_on(self) -> str:
        """validation (a sweep candidate) or test."""
        return "validation" if self.sweep_role == "candidate" else "test"

    @property
    def folder(self) -> str:
        return f"results/{self.dataset}/runs/{self.name}/seed{self.seed}"

    @property
    def knowledge_source(self) -> str | None:
        """Which cached teacher the run reads: the trained one (also for the shuffled control)
        or the untrained one."""
        if self.teacher is None or self.direction == "sensor_to_vision":  # sensor teachers: their own rules
            return None
        return "teacher_untrained" if self.teacher == "untrained" else "teacher"


def _method_class(name: str):
    from .distill.registry import get_method

    return get_method(name)


def expand_runs(
    config: dict[str, Any], effective: dict[str, dict[str, Any]], origin: str = "config"
) -> dict[tuple[str, str, int], RunSpec]:
    """Every (dataset, run name, seed) of the run sheet, validated; raises ConfigError."""
    out: dict[tuple[str, str, int], RunSpec] = {}
    names = [row["name"] for row in config["runs"]]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ConfigError(f"{origin}: runs: names must be unique, repeated: {dupes}")
    design = config.get("design_card", {})
    for role, name in design.items():
        if name not in names:
            raise ConfigError(f"{origin}: design_card.{role} names run {name!r}, which is not in runs")
    for i, row in enumerate(config["runs"]):
        where = f"{origin}: runs[{i}] ({row['name']})"
        try:
            cls = _method_class(row["method"])
            fixed, swept = split_params(cls.defaults, row.get("params", {}))
            params = cls.resolve_params(fixed)
            variants = [cls.resolve_params({**fixed, **values}) for values in candidates(swept)]
        except ValueError as exc:
            raise ConfigError(f"{where}: {exc}") from None
        needs_teacher = bool(cls.teacher_fields)
        teacher = row.get("teacher", "trained") if needs_teacher else None
        if not needs_teacher and "teacher" in row:
            raise ConfigError(f"{where}: method {row['method']!r} reads no teacher; drop 'teacher'")
        to_video = row.get("direction", "vision_to_sensor") == "sensor_to_vision"
        extra: dict[str, Any] = {}
        if to_video:  # SAKDN's direction: checks and defaults in vskd.sakdn_config
            from .sakdn_config import sensor_to_vision_row

            extra = sensor_to_vision_row(row, needs_teacher, where)
        elif "sensor_teacher" in row:
            raise ConfigError(f"{where}: sensor_teacher needs direction: sensor_to_vision")
        datasets = row.get("datasets")
        unknown = sorted(set(datasets or []) - set(config["datasets"]))
        if unknown:
            raise ConfigError(f"{where}: unknown datasets {unknown}; known: {sorted(config['datasets'])}")
        # a listed dataset with `enabled: false` is left out, like the dataset itself
        for name in [d for d in datasets if d in effective] if datasets else list(effective):
            eff = effective[name]
            if (needs_teacher or to_video) and "video" not in eff["dataset"]["modalities"]:
                if datasets:
                    raise ConfigError(
                        f"{where}: method {row['method']!r} needs a video "
                        f"{'student' if to_video else 'teacher'} but dataset {name!r} has no video"
                    )
                continue
            if to_video:
                from .sakdn_config import sensor_to_vision_student

                student = sensor_to_vision_student(config, eff, row, where)
            else:
                student = deep_merge(eff["student"], row.get("student", {}))
                _check_student(student, where)
            table = row.get("table", "sensor_to_vision" if to_video else "methods")
            label = row.get("label", row["name"])
            for seed in row.get("seeds", config.get("seeds", [config["seed"]])):
                base = RunSpec(name, row["name"], seed, row["method"], params, teacher, student, table, label, **extra)
                out[(name, row["name"], seed)] = base
                if swept:
                    for spec in _sweep_runs(base, swept, variants):
                        out[(name, spec.name, seed)] = spec
    for name in effective:
        for role, run in design.items():
            if (name, run, config["seed"]) not in out and _runs_on(out, name, run):
                raise ConfigError(
                    f"{origin}: design_card.{role}: run {run!r} has no seed {config['seed']} "
                    f"(the config's `seed`) on dataset {name!r}"
                )
    return out


def _sweep_runs(base: RunSpec, swept: dict[str, list], variants: list[dict[str, Any]]) -> list[RunSpec]:
    """A sweep row's candidates (one per value; final-epoch validation accuracy only, no per-epoch
    evaluation) and its selected run (vskd.sweeps)."""
    quiet = deep_merge(base.student, {"eval_every_epoch": False})
    out = [
        dataclasses.replace(
            base,
            name=candidate_name(base.name, values),
            params=params,
            student=quiet,
            label=f"{base.label} ({', '.join(f'{k}={v}' for k, v in values.items())})",
            sweep=base.name,
            sweep_role="candidate",
        )
        for values, params in zip(candidates(swept), variants)
    ]
    selected = dataclasses.replace(
        base,
        name=selected_name(base.name),
        label=f"{base.label} (selected on validation)",
        sweep=base.name,
        sweep_role="selected",
        choices={spec.name: values for spec, values in zip(out, candidates(swept))},
    )
    return [*out, selected]


def _runs_on(runs: dict[tuple[str, str, int], RunSpec], dataset: str, name: str) -> bool:
    return any(d == dataset and n == name for d, n, _ in runs)


def _check_student(student: dict[str, Any], where: str) -> None:
    import jsonschema

    from .config import load_schema

    schema = load_schema()
    sub = dict(schema["$defs"]["student"], **{"$defs": schema["$defs"]})
    errors = list(jsonschema.Draft202012Validator(sub).iter_errors(student))
    if errors:
        raise ConfigError(f"{where}: student (merged with the default student) fails the schema: {errors[0].message}")
    from .models.backbones import backbone_options, check_backbone_options

    try:
        backbone_options(student["backbone"])  # an unknown backbone
    except ValueError as exc:
        raise ConfigError(f"{where}: student: {exc}") from None
    try:
        check_backbone_options(student["backbone"], student.get("backbone_options") or {})
    except ValueError as exc:
        raise ConfigError(f"{where}: student.backbone_options: {exc}") from None


def run_config(eff: dict[str, Any], spec: RunSpec) -> dict[str, Any]:
    """What a run's stage depends on: its sections of the dataset config, the run row, its seed.

    The rule passes this as params and the stage hashes it, so changing a DASK weight reruns the
    runs that use it and nothing else (the teacher and its knowledge cache do not read it).
    """
    sections = STAGE_SECTIONS["run_with_teacher" if spec.teacher else "run"]
    cfg = {
        "name": eff["name"],
        "device": eff["device"],
        "precision": spec.student.get("precision", eff["precision"]),
        "dataset": eff["dataset"],
        "seed": spec.seed,
        "teacher_seed": eff["seed"],
    }
    for s in sections:
        cfg[s] = copy.deepcopy(eff[s])
    cfg["student"] = copy.deepcopy(spec.student)
    cfg["run"] = run_section(spec)
    return cfg


def run_section(spec: RunSpec) -> dict[str, Any]:
    """The ``run`` section of a run's config: its row of the sheet and, for a sweep's runs, what
    it is evaluated on and which parameters its sweep's selection sets."""
    section = {
        "name": spec.name,
        "method": spec.method,
        "params": dict(spec.params),
        "teacher": spec.teacher,
        "table": spec.table,
        "label": spec.label,
    }
    if spec.sweep:
        section.update(sweep=spec.sweep, evaluated_on=spec.evaluated_on, choices=copy.deepcopy(spec.choices))
    return section


def paired_baselines(runs: list[RunSpec], baseline: str) -> dict[str, str]:
    """Run name -> the run its paired difference is taken against, for one dataset's runs.

    A student's gain is measured against CE *of the same student*: a row whose ``student``
    differs from the design card's (e.g. the wearable small CNN) is compared with the
    sheet's run of the baseline's method on that student, when there is one. That CE run itself,
    and every row without a same-student CE, is compared with ``baseline`` (the design card's CE),
    which shows what the other student costs.
    """
    by_name: dict[str, RunSpec] = {}
    for r in runs:
        by_name.setdefault(r.name, r)
    base = by_name.get(baseline)
    if base is None:
        return {name: baseline for name in by_name}
    out = {}
    for name, r in by_name.items():
        same = [
            n
            for n, o in by_name.items()
            if n != name and o.method == base.method and o.student == r.student and o.direction == r.direction
        ]
        out[name] = baseline if (name == baseline or r.student == base.student or not same) else same[0]
    return out


def teacher_runs_online(teacher_state: str | None, online: bool) -> bool:
    """Whether a run computes its teacher's outputs in the loop (``distill.online``). The
    shuffled-teacher control always reads the cache: it reassigns cached outputs between clips."""
    return bool(teacher_state) and teacher_state != "shuffled" and online
