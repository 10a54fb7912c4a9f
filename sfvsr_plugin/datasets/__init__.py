"""Datasets and transforms, registered in mmagic.registry DATASETS/TRANSFORMS."""
from . import transforms  # noqa: F401
