"""Transforms of SFNet's data pipelines, registered in mmagic's TRANSFORMS.

MMagic's own transforms (``PairedRandomCrop``, ``Flip``,
``RandomTransposeHW``, ``TemporalReverse``, ``PackInputs``) do the rest.
"""
from .checks import CheckLRScale
from .crop import MotionPairedCrop, blending_error
from .loading import LoadClipFrames
from .resize import MakeLRFromGT, matlab_downsample
from .sampling import STVSR_META_KEYS, OddFrameSampling

__all__ = [
    'CheckLRScale', 'LoadClipFrames', 'MakeLRFromGT', 'MotionPairedCrop',
    'OddFrameSampling', 'STVSR_META_KEYS', 'blending_error',
    'matlab_downsample'
]
