"""Inference helpers: run a trained SFNet on videos of any length.

Not imported by ``sfvsr_plugin`` itself (to keep the plugin import light);
import ``sfvsr_plugin.apis`` explicitly.
"""
from .inference import (IMAGE_EXTENSIONS, VIDEO_EXTENSIONS, FolderReader,
                        FolderWriter, InputError, SegmentPlan, VideoReader,
                        VideoWriter, init_model, iter_segments, iter_tiles,
                        open_reader, open_writer, restore_video, tiled_forward)

__all__ = [
    'IMAGE_EXTENSIONS', 'VIDEO_EXTENSIONS', 'FolderReader', 'FolderWriter',
    'InputError', 'SegmentPlan', 'VideoReader', 'VideoWriter', 'init_model',
    'iter_segments', 'iter_tiles', 'open_reader', 'open_writer',
    'restore_video', 'tiled_forward'
]
