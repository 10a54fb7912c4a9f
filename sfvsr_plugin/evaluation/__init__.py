"""Metrics MMagic lacks, registered in ``mmagic.registry.METRICS``, and the
baselines SFNet is compared with."""
from .baselines import BLENDING, REPETITION, bicubic_baselines
from .metrics import (FramePSNR, FrameSSIM, clip_and_offset,
                      collect_frame_scores, frame_scores_path, frame_subset,
                      merge_frame_scores)

__all__ = [
    'BLENDING', 'REPETITION', 'bicubic_baselines', 'FramePSNR', 'FrameSSIM',
    'clip_and_offset', 'collect_frame_scores', 'frame_scores_path',
    'frame_subset', 'merge_frame_scores'
]
