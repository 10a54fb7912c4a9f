"""Metrics MMagic lacks, registered in ``mmagic.registry.METRICS``."""
from .metrics import (FramePSNR, FrameSSIM, clip_and_offset,
                      collect_frame_scores, frame_scores_path, frame_subset,
                      merge_frame_scores)

__all__ = [
    'FramePSNR', 'FrameSSIM', 'clip_and_offset', 'collect_frame_scores',
    'frame_scores_path', 'frame_subset', 'merge_frame_scores'
]
