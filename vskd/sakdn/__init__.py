"""SAKDN (Liu et al., IEEE TIP 2021): per-sensor GAF teachers fused by SPAMFM and distilled into a
video student with GSDM + soft targets + semantics: the sensor_to_vision direction of vskd."""
