"""Inference helpers: run a trained SFNet on videos of any length.

- :mod:`.planning`: where a video is cut (segments of frames, tiles);
- :mod:`.video_io`: readers and writers of videos and frame folders;
- :mod:`.running`: building a model and running it on a video;
- :mod:`.inferencer`: all of it behind MMagic's inferencer interface;
- :mod:`.export`: ONNX export and its check with onnxruntime.

Not imported by ``sfvsr_plugin`` itself (to keep the plugin import light);
import ``sfvsr_plugin.apis`` explicitly.
"""
from .errors import InputError, OutputError
from .export import export_onnx
from .inferencer import SFVSRInferencer
from .planning import SegmentPlan, check_segments, iter_segments, iter_tiles
from .running import (PRECISIONS, autocast_context, init_model, restore_video,
                      set_capacity, tiled_forward)
from .video_io import (IMAGE_EXTENSIONS, VIDEO_EXTENSIONS, FolderReader,
                       FolderWriter, VideoReader, VideoWriter, is_video_path,
                       open_reader, open_writer)

__all__ = [
    'IMAGE_EXTENSIONS', 'PRECISIONS', 'VIDEO_EXTENSIONS', 'FolderReader',
    'FolderWriter', 'InputError', 'OutputError', 'SFVSRInferencer',
    'SegmentPlan', 'VideoReader', 'VideoWriter', 'autocast_context',
    'check_segments', 'export_onnx', 'init_model', 'is_video_path',
    'iter_segments', 'iter_tiles', 'open_reader', 'open_writer',
    'restore_video', 'set_capacity', 'tiled_forward'
]
