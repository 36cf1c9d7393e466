"""Networks: BN-Inception backbone, multi-scale TRN teacher, ResNet-18 GAF student."""
