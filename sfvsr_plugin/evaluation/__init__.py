"""Metrics MMagic lacks, registered in ``mmagic.registry.METRICS``."""
from .metrics import FramePSNR, FrameSSIM, frame_subset

__all__ = ['FramePSNR', 'FrameSSIM', 'frame_subset']
