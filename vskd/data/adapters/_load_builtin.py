"""Importing this module registers the built-in adapters (kept apart to avoid import cycles)."""

from . import berkeley_mhad, mmact, utd_mhad  # noqa: F401
