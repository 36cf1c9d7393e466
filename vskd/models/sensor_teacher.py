"""SAKDN's sensor teachers: one GAF branch per sensor, alone or fused by SPAMFM, and what they return.

A branch follows the released ``SemanticFusionVGG16`` head on a registered backbone: pooled feature
-> fc0 (ReLU) -> semantic layer (trained to regress the class-name embedding; its output is the
branch's ``embedding``, what the student's semantic term matches) -> classifier on the semantic
layer. ``SensorTeacher`` is one branch trained alone; ``FusionTeacher`` runs M branches side by side
and fuses them with SPAMFM after the configured backbone stages and after fc0 and the semantic
layer, as the released network does after every block. The fused teacher's prediction is the sum of
its branches' logits (the released evaluation). ``TeacherSet`` carries several teachers' outputs
through the ``DistillMethod`` contract (:mod:`vskd.models.outputs`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn

from .backbones import Backbone, build_backbone, load_pretrained
from .outputs import NetOutput, TeacherSet
from .spamfm import SPAMFM


def backbone_stages(bb: Backbone) -> list[Callable[[torch.Tensor], torch.Tensor]]:
    """The four stages of a backbone as callables (the first normalises the 0-255 input), so that
    SPAMFM can sit between them. Supported: smallcnn and the ResNets."""
    from .backbones.resnet import ResNetBackbone
    from .backbones.smallcnn import SmallCNN

    if isinstance(bb, SmallCNN):
        net = bb.net
        return [lambda x: net[0](bb.norm(x)), net[1], net[2], net[3]]
    if isinstance(bb, ResNetBackbone):
        n = bb.net
        return [lambda x: n.layer1(n.maxpool(n.relu(n.bn1(n.conv1(bb.norm(x)))))), n.layer2, n.layer3, n.layer4]
    raise ValueError(
        f"SPAMFM fusion needs stage access to the backbone; {type(bb).__name__} is not "
        "supported (use smallcnn, resnet18 or resnet50 for the sensor teachers)"
    )


class SensorTeacher(nn.Module):
    """(B, C, S, S) GAF of one sensor, 0-255 -> NetOutput (embedding = the semantic layer)."""

    modality = "gaf"

    def __init__(
        self,
        num_classes: int,
        semantic_dim: int,
        embedding_dim: int = 64,
        in_channels: int = 3,
        backbone: str = "smallcnn",
        pretrained: str | None = None,
        input_norm: str = "unit",
    ):
        super().__init__()
        self.backbone = build_backbone(backbone, in_channels=in_channels, input_norm=input_norm)
        if pretrained:
            load_pretrained(self.backbone, pretrained)
        self.fc0 = nn.Linear(self.backbone.feature_dim, embedding_dim)
        self.semantic = nn.Linear(embedding_dim, semantic_dim)
        self.classifier = nn.Linear(semantic_dim, num_classes)
        self.embedding_dim = semantic_dim
        self.pooled_dim = self.backbone.feature_dim
        self.relation_dim = None
        self.map_channels = tuple(self.backbone.map_channels)

    @classmethod
    def from_config(cls, cfg: dict[str, Any], num_classes: int, semantic_dim: int, in_channels: int) -> SensorTeacher:
        return cls(
            num_classes,
            semantic_dim,
            cfg["embedding_dim"],
            in_channels,
            cfg["backbone"],
            cfg.get("pretrained"),
            cfg.get("input_norm", "unit"),
        )

    def head(self, pooled: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        sem = self.semantic(torch.relu(self.fc0(pooled)))
        return self.classifier(sem), sem

    def forward(self, x: torch.Tensor, with_maps: bool = False) -> NetOutput:
        pooled, maps = self.backbone.forward_maps(x)
        logits, sem = self.head(pooled)
        return NetOutput(logits, sem, pooled, None, maps if with_maps else [])


class FusionTeacher(nn.Module):
    """M sensor branches fused by SPAMFM; ``forward([x_1..x_M]) -> [NetOutput_1..NetOutput_M]``."""

    def __init__(
        self,
        branches: list[SensorTeacher],
        stages: list[int] | tuple[int, ...] = (1, 2, 3, 4),
        vectors: bool = True,
        reduction: int = 4,
    ):
        super().__init__()
        self.branches = nn.ModuleList(branches)
        self.stages = sorted(int(s) for s in stages)
        channels = branches[0].map_channels
        self.stage_fusion = nn.ModuleDict(
            {str(k): SPAMFM([channels[k - 1]] * len(branches), reduction) for k in self.stages}
        )
        self.vectors = vectors
        if vectors:
            self.fc0_fusion = SPAMFM([branches[0].fc0.out_features] * len(branches), reduction)
            self.semantic_fusion = SPAMFM([branches[0].embedding_dim] * len(branches), reduction)
        self._stage_fns = [backbone_stages(b.backbone) for b in branches]

    @classmethod
    def from_config(
        cls,
        branch_cfg: dict[str, Any],
        fusion_cfg: dict[str, Any],
        num_classes: int,
        semantic_dim: int,
        in_channels: Sequence[int],
        init_models: Sequence[str] | None = None,
    ) -> FusionTeacher:
        """One branch per sensor (``in_channels`` each) from the branch section, fused as the fusion
        section says; ``init: sensor_teachers`` starts each branch from a trained sensor teacher."""
        branches = [SensorTeacher.from_config(branch_cfg, num_classes, semantic_dim, c) for c in in_channels]
        if fusion_cfg.get("init", "scratch") == "sensor_teachers":
            if not init_models or len(init_models) != len(branches):
                raise ValueError("fusion.init: sensor_teachers needs one trained sensor teacher per branch")
            for b, path in zip(branches, init_models):
                b.load_state_dict(torch.load(path, map_location="cpu", weights_only=True)["state_dict"])
        return cls(branches, fusion_cfg["stages"], fusion_cfg["vectors"], fusion_cfg["reduction"])

    def fusion_points(self) -> dict[str, SPAMFM]:
        """Every SPAMFM of the network by name (stage1..4, fc0, semantic)."""
        out = {f"stage{k}": m for k, m in self.stage_fusion.items()}
        if self.vectors:
            out.update(fc0=self.fc0_fusion, semantic=self.semantic_fusion)
        return out

    def forward(self, xs: list[torch.Tensor], with_maps: bool = False) -> list[NetOutput]:
        if len(xs) != len(self.branches):
            raise ValueError(f"{len(self.branches)} sensor branches, {len(xs)} inputs")
        h = list(xs)
        maps: list[list[torch.Tensor]] = [[] for _ in xs]
        for k in range(4):
            h = [fns[k](x) for fns, x in zip(self._stage_fns, h)]
            if str(k + 1) in self.stage_fusion:
                h = self.stage_fusion[str(k + 1)](h)
            for m, x in enumerate(h):
                maps[m].append(x)
        pooled = [x.mean(dim=(2, 3)) for x in h]
        e = [torch.relu(b.fc0(p)) for b, p in zip(self.branches, pooled)]
        if self.vectors:
            e = self.fc0_fusion(e)
        sem = [b.semantic(x) for b, x in zip(self.branches, e)]
        if self.vectors:
            sem = self.semantic_fusion(sem)
        return [
            NetOutput(b.classifier(s), s, p, None, mp if with_maps else [])
            for b, s, p, mp in zip(self.branches, sem, pooled, maps)
        ]


__all__ = ["FusionTeacher", "SensorTeacher", "TeacherSet", "backbone_stages"]
