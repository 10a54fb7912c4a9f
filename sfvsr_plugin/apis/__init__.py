"""Inference helpers: run a trained SFNet on videos of any length.

- :mod:`.planning`: where a video is cut (segments of frames, tiles);
- :mod:`.video_io`: readers and writers of videos and frame folders;
- :mod:`.running`: building a model and running it on a video.

Not imported by ``sfvsr_plugin`` itself (to keep the plugin import light);
import ``sfvsr_plugin.apis`` explicitly.
"""
from .errors import InputError
from .planning import SegmentPlan, check_segments, iter_segments, iter_tiles
from .running import init_model, restore_video, tiled_forward
from .video_io import (IMAGE_EXTENSIONS, VIDEO_EXTENSIONS, FolderReader,
                       FolderWriter, VideoReader, VideoWriter, open_reader,
                       open_writer)

__all__ = [
    'IMAGE_EXTENSIONS', 'VIDEO_EXTENSIONS', 'FolderReader', 'FolderWriter',
    'InputError', 'SegmentPlan', 'VideoReader', 'VideoWriter',
    'check_segments', 'init_model', 'iter_segments', 'iter_tiles',
    'open_reader', 'open_writer', 'restore_video', 'tiled_forward'
]
