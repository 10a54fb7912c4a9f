"""Datasets and transforms, registered in mmagic.registry DATASETS/TRANSFORMS.
"""
from . import transforms  # noqa: F401
from .base import ClipDataset, IncompleteDatasetError, read_lmdb_meta
from .converters import make_lmdb, make_lr_tree, write_vimeo_septuplets
from .frames import (VID4_CLIP_LENGTHS, STVSRFramesDataset, STVSRVid4Dataset,
                     window_starts)
from .synthetic_motion import (HELD_OUT_IMAGES, MOTIONS, TRAIN_IMAGES,
                               SyntheticMotionDataset, draw_motion_params,
                               load_source_image, render_motion_clip)
from .transforms import (CheckLRScale, LoadClipFrames, MakeLRFromGT,
                         OddFrameSampling, matlab_downsample)
from .vimeo90k import PUBLISHED_LIST_SIZES, STVSRVimeo90KDataset, holdout_lines

__all__ = [
    'CheckLRScale', 'ClipDataset', 'IncompleteDatasetError',
    'PUBLISHED_LIST_SIZES', 'VID4_CLIP_LENGTHS', 'holdout_lines',
    'LoadClipFrames', 'MakeLRFromGT', 'OddFrameSampling', 'matlab_downsample',
    'STVSRFramesDataset', 'STVSRVid4Dataset', 'STVSRVimeo90KDataset',
    'make_lmdb', 'make_lr_tree', 'read_lmdb_meta', 'window_starts',
    'write_vimeo_septuplets'
]
__all__ += [
    'HELD_OUT_IMAGES', 'MOTIONS', 'SyntheticMotionDataset', 'TRAIN_IMAGES',
    'draw_motion_params', 'load_source_image', 'render_motion_clip'
]
