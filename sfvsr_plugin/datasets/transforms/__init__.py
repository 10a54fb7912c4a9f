"""Transforms of SFNet's data pipelines, registered in mmagic's TRANSFORMS.

MMagic's own transforms (``PairedRandomCrop``, ``Flip``,
``RandomTransposeHW``, ``TemporalReverse``, ``PackInputs``) do the rest.
"""
from .checks import CheckLRScale
from .crop import (BaselineErrorPairedCrop, MotionPairedCrop, ScoredPairedCrop,
                   baseline_error, blending_error)
from .loading import LoadClipFrames
from .resize import MakeLRFromGT, matlab_downsample
from .sampling import STVSR_META_KEYS, OddFrameSampling

__all__ = [
    'BaselineErrorPairedCrop', 'CheckLRScale', 'LoadClipFrames',
    'MakeLRFromGT', 'MotionPairedCrop', 'OddFrameSampling', 'STVSR_META_KEYS',
    'ScoredPairedCrop', 'baseline_error', 'blending_error', 'matlab_downsample'
]
