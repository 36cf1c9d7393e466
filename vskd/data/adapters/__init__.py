"""Dataset adapters: one module per dataset, picked by ``kind`` in a dataset's config entry.

>>> from vskd.data.adapters import get_adapter
>>> get_adapter("berkeley_mhad").num_classes
11
"""

from __future__ import annotations

from .base import DatasetAdapter, FileRef, PublishedRow, Recording, SensorSpec
from .registry import available_kinds, dataset_class_names, get_adapter, load_class_names, register_adapter

__all__ = [
    "DatasetAdapter",
    "FileRef",
    "PublishedRow",
    "Recording",
    "SensorSpec",
    "available_kinds",
    "dataset_class_names",
    "get_adapter",
    "load_class_names",
    "register_adapter",
]
