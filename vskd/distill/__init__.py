"""Distillation losses (DASK) and their composition from config weights."""
