"""Metrics MMagic lacks, registered in ``mmagic.registry.METRICS``, and the
baselines SFNet is compared with."""
from .baselines import (BLENDING, FLOW, REPETITION, bicubic_baselines,
                        flow_baseline, flow_midpoint)
from .metrics import (FramePSNR, FrameSSIM, clip_and_offset,
                      collect_frame_scores, frame_scores_path, frame_subset,
                      merge_frame_scores)

__all__ = [
    'BLENDING', 'FLOW', 'REPETITION', 'bicubic_baselines', 'flow_baseline',
    'flow_midpoint', 'FramePSNR', 'FrameSSIM', 'clip_and_offset',
    'collect_frame_scores', 'frame_scores_path', 'frame_subset',
    'merge_frame_scores'
]
