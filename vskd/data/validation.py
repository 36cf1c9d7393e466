"""The validation split: a partition of a protocol's *training side* that parameter sweeps select on.

A sweep candidate is trained on one part of the training clips and evaluated on the other; the
test clips of the protocol are not in the file at all, so nothing that selects a value can read
them. The held-out part is whole groups of a clip attribute (``by``: subject, trial, repetition,
scene, session: what the dataset's clip ids carry), so a validation clip's subject (or trial) is
never seen in training, as the protocols themselves hold subjects or trials out.

The file has the split-file format (``clip_id``, ``label``, ``subset``) with ``train`` the part the
candidates fit and ``test`` the validation part: every stage reads it like any split.

``groups`` names the held-out values; without it the last ``ceil(fraction x n)`` groups of the
training side (in sorted order) are held out, e.g. UTD-MHAD subjects 7 and 8 of 8.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from .adapters import get_adapter
from .manifest import clip_of_sample


def validation_groups(values: Sequence[Any], fraction: float, groups: Sequence[Any] | None) -> list[Any]:
    """The held-out values among the training side's ``values`` (see module doc)."""
    present = sorted(set(values))
    if len(present) < 2:
        raise ValueError(f"the training side has {len(present)} group(s) ({present}); a validation split needs 2")
    if groups:
        missing = sorted(set(groups) - set(present))
        if missing:
            raise ValueError(f"validation groups {missing} are not on the training side (it has {present})")
        held = sorted(set(groups))
    else:
        held = present[len(present) - max(1, math.ceil(fraction * len(present))) :]
    if len(held) == len(present):
        raise ValueError(f"the validation part would take every group of the training side ({present})")
    return held


def make_validation_split(split: pd.DataFrame, kind: str, settings: dict[str, Any]) -> pd.DataFrame:
    """clip_id, label, subset (train = fit part, test = validation part) of the training side of
    ``split``; its test rows are dropped first, so the result never depends on them.

    ``settings``: the ``validation`` config section (``by``, ``fraction``, optional ``groups``).
    Raises ValueError naming what is wrong (an attribute the clip ids lack, a class left out of
    either part)."""
    adapter = get_adapter(kind)
    train = split[split.subset == "train"].reset_index(drop=True)
    by = settings["by"]
    fields = [adapter.parse_clip_id(clip_of_sample(key)[0]) for key in train.clip_id]
    if by == "action" or (fields and by not in fields[0]):
        known = sorted(k for k in (fields[0] if fields else {}) if k != "action")
        raise ValueError(f"validation.by: {adapter.title} clips have no attribute {by!r}; known: {known}")
    values = [f[by] for f in fields]
    held = set(validation_groups(values, settings["fraction"], settings.get("groups")))
    subset = ["test" if v in held else "train" for v in values]
    out = pd.DataFrame({"clip_id": train.clip_id, "label": train.label, "subset": subset})
    for side, name in (("train", "fit"), ("test", "validation")):
        missing = sorted(set(train.label) - set(out.label[out.subset == side]))
        if missing:
            raise ValueError(
                f"validation split by {by} (held out: {sorted(held)}): the {name} part has no clip of "
                f"class(es) {missing}; choose other validation.groups or another validation.by"
            )
    return out
