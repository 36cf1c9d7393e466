# Input functions and helpers of rules/datasets.smk (kept apart from the rules: snakemake --lint).
# Data stages of the adapter datasets (kind: berkeley_mhad, mmact): synthetic raw folder -> clip
# manifest + protocol splits -> GAF of named sensors, and frames.h5 of the configured cameras.
# UTD-MHAD keeps the rules of data.smk / features.smk; the `ruleorder`s below hand the adapter
# datasets' files to these rules (their wildcard constraints never match a utd_mhad dataset, so
# UTD is untouched). Splits, GAF rows and frames entries are keyed by sample: the clip id with one
# camera, `<clip_id>@<camera>` with several (vskd/data/clips.py).
from vskd.data.adapters import get_adapter  # noqa: E402


from vskd.data.clips import clip_protocols, source_files as adapter_source_files  # noqa: E402


from vskd.gaf_store import gaf_params  # noqa: E402


def dataset_class_names(w):
    """Class names in label order of a dataset (its adapter; MMAct's sakdn36 scheme if chosen)."""
    d = eff(w)["dataset"]
    adapter = get_adapter(d["kind"])
    scheme = d.get("label_scheme", "default")
    return list(adapter.class_names_for(scheme) if scheme != "default" else adapter.class_names)


def adapter_datasets(kind=None, synthetic=None):
    def pick(e):
        d = e["dataset"]
        return (d["kind"] != "utd_mhad" and (kind is None or d["kind"] == kind)
                and (synthetic is None or (d["source"] == "synthetic") == synthetic))
    return datasets_where(pick)


def clip_manifest_params(w):
    d, g = eff(w)["dataset"], eff(w)["gaf"]
    return {"kind": d["kind"], "modalities": d["modalities"], "sensors": d.get("sensors") or g.get("sensors"),
            "cameras": d.get("cameras"), "skip_clips": d.get("skip_clips", []),
            "on_missing": d.get("on_missing", "error"), "label_scheme": d.get("label_scheme", "default"),
            "conditioning": {"rate_hz": g.get("resample_hz"), "despike": g.get("despike", "auto")}}


ADAPTER_CODE = code("vskd/data/clips.py", "vskd/data/conditioning.py", "vskd/data/adapters/base.py",
                    "vskd/data/adapters/berkeley_mhad.py", "vskd/data/adapters/mmact.py")


def _manifest_rule(kind):
    return {"manifest": f"{RESULTS}/{{dataset}}/clips.csv",
            **{p: f"{RESULTS}/{{dataset}}/splits/{p}.csv" for p in clip_protocols(kind)}}
