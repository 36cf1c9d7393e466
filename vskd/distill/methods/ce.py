"""CE: the student alone, cross-entropy on the labels; the reference of every comparison."""

from ..base import DistillMethod
from ..registry import register_method


@register_method("ce")
class CrossEntropyOnly(DistillMethod):
    """No teacher: ``forward`` of the base class adds the cross-entropy term only."""
