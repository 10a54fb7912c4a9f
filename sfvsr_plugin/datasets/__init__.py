"""Datasets and transforms, registered in mmagic.registry DATASETS/TRANSFORMS.
"""
from . import transforms  # noqa: F401
from .base import ClipDataset, IncompleteDatasetError, read_lmdb_meta
from .converters import make_lmdb, make_lr_tree
from .frames import (VID4_CLIP_LENGTHS, STVSRFramesDataset, STVSRVid4Dataset,
                     window_starts)
from .stand_in import (make_frames_stand_in, make_vid4_stand_in,
                       make_vimeo_septuplet_stand_in,
                       make_vimeo_triplet_stand_in, read_video_frames,
                       video_to_frames)
from .transforms import (CheckLRScale, LoadClipFrames, MakeLRFromGT,
                         OddFrameSampling, matlab_downsample)
from .vimeo90k import PUBLISHED_LIST_SIZES, STVSRVimeo90KDataset, holdout_lines

__all__ = [
    'CheckLRScale', 'ClipDataset', 'IncompleteDatasetError',
    'PUBLISHED_LIST_SIZES', 'VID4_CLIP_LENGTHS', 'holdout_lines',
    'LoadClipFrames', 'MakeLRFromGT', 'OddFrameSampling', 'matlab_downsample',
    'STVSRFramesDataset', 'STVSRVid4Dataset', 'STVSRVimeo90KDataset',
    'make_frames_stand_in', 'make_lmdb', 'make_lr_tree', 'make_vid4_stand_in',
    'make_vimeo_septuplet_stand_in', 'make_vimeo_triplet_stand_in',
    'read_lmdb_meta', 'read_video_frames', 'video_to_frames', 'window_starts'
]
